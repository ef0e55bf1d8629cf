"""`mhf careplan show|edit|history` and `mhf careplan goal add|score|close`.

`edit` reads the plan as TOML or JSON (after the passphrase line with --passphrase-stdin, or
from --from FILE); the fields given replace the current plan's, the rest are kept, and the
save is a new version. `show --json` prints a document `edit` takes back unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.common import add_json_option, command_group, open_caseload, print_json
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.safe_text import neutralise

if TYPE_CHECKING:
    from mhf_tui.services.care_plans import CarePlanPublic


def _patient_id(session: Any, nhs: str) -> Any:
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs).id


def parse_document(text: str) -> Any:
    """JSON if it starts with `{`, TOML otherwise."""
    body = text.strip()
    if not body:
        raise ValidationError("no care plan given: pipe TOML or JSON in, or use --from FILE")
    try:
        return json.loads(body) if body.startswith("{") else tomllib.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the care plan is not valid JSON (line {exc.lineno})") from None
    except tomllib.TOMLDecodeError:
        raise ValidationError("the care plan is neither JSON nor valid TOML") from None


def _read_document(args: argparse.Namespace) -> str:
    if args.from_file:
        try:
            return Path(args.from_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise MhfError(f"cannot read {args.from_file}: {reason}") from None
    if sys.stdin.isatty():
        print("Type or paste the plan (TOML or JSON); finish with Ctrl-D.", file=sys.stderr)
    return sys.stdin.read()


def _line(text: str) -> str:
    return neutralise(text, multiline=False)


def print_plan(plan: CarePlanPublic | None) -> None:
    """The plan as a facilitator reads it (every stored value neutralised)."""
    if plan is None:
        print("No care plan yet. Start one with: mhf careplan edit (or careplan goal add)")
        return
    review = f", review {plan.review_on}" if plan.review_on else ""
    print(f"Care plan version {plan.version} by {_line(plan.author)}{review}")
    print("Goals:" if plan.goals else "Goals: none")
    for n, g in enumerate(plan.goals, start=1):
        target = f" target {g.target_on}" if g.target_on else ""
        scores = ", ".join(f"{s.score} ({s.taken_on})" for s in g.scores) or "no scores"
        print(f"  {n}. [{g.status}{target}] {_line(g.goal)}  (id {g.id[:8]}; {scores})")
    if plan.needs:
        print("Needs: " + "; ".join(_line(n) for n in plan.needs))
    print("Actions:" if plan.actions else "Actions: none")
    for a in plan.actions:
        mark = "x" if a.done else " "
        extra = ", ".join(x for x in (_line(a.owner), f"due {a.due}" if a.due else "") if x)
        print(f"  [{mark}] {_line(a.action)}" + (f"  ({extra})" if extra else ""))
    print("Crisis plan:" if plan.has_crisis_plan else "Crisis plan: none")
    for title, body in (
        ("Early warning signs", plan.early_warning_signs),
        ("What helps", plan.what_helps),
        ("Also", plan.crisis_plan),
    ):
        if body:
            print(f"  {title}: " + neutralise(body).replace("\n", "\n    "))
    for c in plan.crisis_contacts:
        who = f" ({_line(c.relationship)})" if c.relationship else ""
        print(f"  Contact: {_line(c.name)}{who} {_line(c.phone)}")
    for s in plan.crisis_services:
        print(f"  Service: {_line(s.name)} {_line(s.phone)}")
    if plan.contingency_plan:
        print("Contingency plan: " + neutralise(plan.contingency_plan).replace("\n", "\n  "))


def _audit_view(session: Any, actor: str, patient_id: Any, plan: CarePlanPublic | None) -> None:
    from mhf_tui.services.audit import record_event

    record_event(
        session,
        actor=actor,
        action="view",
        entity="care_plan",
        entity_id=plan.id if plan else "",
        patient_id=patient_id,
        detail=f"version={plan.version if plan else 0}",
    )


def cmd_show(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import current_care_plan

    with open_caseload(args) as caseload, caseload.session() as session:
        pid = _patient_id(session, args.nhs)
        plan = current_care_plan(session, patient_id=pid)
        _audit_view(session, caseload.actor, pid, plan)
    if args.json:
        print_json(plan.as_update() if plan else None)
    else:
        print_plan(plan)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import care_plan_history

    with open_caseload(args) as caseload, caseload.session() as session:
        pid = _patient_id(session, args.nhs)
        plans = care_plan_history(session, patient_id=pid)
        _audit_view(session, caseload.actor, pid, plans[-1] if plans else None)
    if args.json:
        print_json([p.as_update() for p in plans])
        return 0
    for plan in plans:
        when = plan.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"version {plan.version}  {when}  by {_line(plan.author)}")
    if not plans:
        print("No care plan yet")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import edit_care_plan, update_from_document

    with open_caseload(args) as caseload:
        update = update_from_document(parse_document(_read_document(args)))
        with caseload.session() as session:
            plan = edit_care_plan(
                session,
                actor=caseload.actor,
                patient_id=_patient_id(session, args.nhs),
                update=update,
            )
    print(f"Care plan version {plan.version} saved")
    return 0


def cmd_goal_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import GoalCreate, add_goal
    from mhf_tui.services.fields import parse_model

    goal = parse_model(GoalCreate, {"goal": args.text, "target_on": args.target or None})
    with open_caseload(args) as caseload, caseload.session() as session:
        plan, added = add_goal(
            session, actor=caseload.actor, patient_id=_patient_id(session, args.nhs), goal=goal
        )
    number = [g.id for g in plan.goals].index(added.id) + 1
    print(f"Goal {number} added (id {added.id[:8]}); care plan version {plan.version}")
    return 0


def cmd_goal_score(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import score_goal
    from mhf_tui.services.validation import optional_date

    with open_caseload(args) as caseload, caseload.session() as session:
        goal = score_goal(
            session,
            actor=caseload.actor,
            patient_id=_patient_id(session, args.nhs),
            goal_ref=args.goal,
            score=args.score,
            taken_on=optional_date(args.on, "--on"),
        )
    trail = " -> ".join(str(s.score) for s in goal.scores)
    print(f"Goal {goal.id[:8]} scored {args.score}/10 (scores so far: {trail})")
    return 0


def cmd_goal_close(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import set_goal_status

    with open_caseload(args) as caseload, caseload.session() as session:
        plan, goal = set_goal_status(
            session,
            actor=caseload.actor,
            patient_id=_patient_id(session, args.nhs),
            goal_ref=args.goal,
            status=args.status,
        )
    status = goal.status.replace("_", " ")
    print(f"Goal {goal.id[:8]} closed as {status}; care plan version {plan.version}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    from mhf_tui.services.care_plans import GOAL_STATUSES

    parents = [common, secret]
    careplan = command_group(
        sub, "careplan", "a patient's care plan and crisis plan (versioned)", common
    )
    p = careplan.add_parser("show", parents=parents, help="the current care plan (audited)")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_show)
    p = careplan.add_parser("history", parents=parents, help="every saved version")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_history)
    p = careplan.add_parser(
        "edit",
        parents=parents,
        help="save a new version from TOML or JSON on stdin (fields given replace the current)",
    )
    p.add_argument("--nhs", required=True)
    p.add_argument("--from", dest="from_file", metavar="FILE", help="read the plan from FILE")
    p.set_defaults(func=cmd_edit)

    goal = careplan.add_parser("goal", parents=[common], help="goals: add, score, close")
    goals = goal.add_subparsers(dest="goal_command", metavar="COMMAND", required=True)
    p = goals.add_parser("add", parents=parents, help="add a goal (a new plan version)")
    p.add_argument("--nhs", required=True)
    p.add_argument("--text", required=True, help="the goal in the patient's words")
    p.add_argument("--target", metavar="YYYY-MM-DD", help="target date")
    p.set_defaults(func=cmd_goal_add)
    p = goals.add_parser("score", parents=parents, help="a goal-based outcome score 0-10")
    p.add_argument("--nhs", required=True)
    p.add_argument("--goal", required=True, help="the goal's number or id (see careplan show)")
    p.add_argument("--score", required=True, type=int, help="0 (not at all) to 10 (fully met)")
    p.add_argument("--on", metavar="YYYY-MM-DD", help="date scored (default today)")
    p.set_defaults(func=cmd_goal_score)
    p = goals.add_parser("close", parents=parents, help="close a goal (a new plan version)")
    p.add_argument("--nhs", required=True)
    p.add_argument("--goal", required=True, help="the goal's number or id (see careplan show)")
    p.add_argument(
        "--status",
        default="achieved",
        choices=[s for s in GOAL_STATUSES if s != "active"],
        help="how it ended (default achieved)",
    )
    p.set_defaults(func=cmd_goal_close)
