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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mhf_tui.cli.argtypes import iso_date, nhs_number
from mhf_tui.cli.common import local, on_patient, patient_id, with_caseload
from mhf_tui.cli.output import Column, emit
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.safe_text import neutralise

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.care_plans import CarePlanPublic

T = TypeVar("T")

NO_PLAN = "No care plan yet. Start one with: mhf careplan edit (or careplan goal add)"
GOAL_ENDINGS = ("achieved", "partly_achieved", "not_achieved", "withdrawn")

cli = Commands()
cli.group("careplan", "a patient's care plan and crisis plan (versioned)")
cli.group("careplan goal", "goals: add, score, close")
register = cli.register


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


def plan_lines(plan: CarePlanPublic) -> list[str]:
    """The plan as a facilitator reads it (one-line fields neutralised here, the rest by
    `emit`)."""
    review = f", review {plan.review_on}" if plan.review_on else ""
    out = [f"Care plan version {plan.version} by {_line(plan.author)}{review}"]
    out += _goal_lines(plan)
    if plan.needs:
        out.append("Needs: " + "; ".join(_line(n) for n in plan.needs))
    out += _action_lines(plan)
    out += _crisis_lines(plan)
    if plan.contingency_plan:
        out.append("Contingency plan: " + plan.contingency_plan.replace("\n", "\n  "))
    return out


def _goal_lines(plan: CarePlanPublic) -> list[str]:
    out = ["Goals:" if plan.goals else "Goals: none"]
    for n, g in enumerate(plan.goals, start=1):
        target = f" target {g.target_on}" if g.target_on else ""
        scores = ", ".join(f"{s.score} ({s.taken_on})" for s in g.scores) or "no scores"
        out.append(f"  {n}. [{g.status}{target}] {_line(g.goal)}  (id {g.id[:8]}; {scores})")
    return out


def _action_lines(plan: CarePlanPublic) -> list[str]:
    out = ["Actions:" if plan.actions else "Actions: none"]
    for a in plan.actions:
        mark = "x" if a.done else " "
        extra = ", ".join(x for x in (_line(a.owner), f"due {a.due}" if a.due else "") if x)
        out.append(f"  [{mark}] {_line(a.action)}" + (f"  ({extra})" if extra else ""))
    return out


def _crisis_lines(plan: CarePlanPublic) -> list[str]:
    out = ["Crisis plan:" if plan.has_crisis_plan else "Crisis plan: none"]
    for title, body in (
        ("Early warning signs", plan.early_warning_signs),
        ("What helps", plan.what_helps),
        ("Also", plan.crisis_plan),
    ):
        if body:
            out.append(f"  {title}: " + body.replace("\n", "\n    "))
    for c in plan.crisis_contacts:
        who = f" ({_line(c.relationship)})" if c.relationship else ""
        out.append(f"  Contact: {_line(c.name)}{who} {_line(c.phone)}")
    out += [f"  Service: {_line(s.name)} {_line(s.phone)}" for s in plan.crisis_services]
    return out


def _viewed(
    args: argparse.Namespace,
    caseload: Caseload,
    fetch: Callable[..., T],
    newest: Callable[[T], CarePlanPublic | None],
) -> T:
    """What `fetch` finds of the patient's care plan; the view is audited with the version
    the facilitator sees as current (`newest` of it)."""
    from mhf_tui.services.audit import record_event

    with caseload.session() as session:
        patient = patient_id(session, args.nhs)
        found = fetch(session, patient_id=patient)
        plan = newest(found)
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="care_plan",
            entity_id=plan.id if plan else "",
            patient_id=patient,
            detail=f"version={plan.version if plan else 0}",
        )
    return found


@cli.command("careplan show", help="the current care plan (audited)", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def careplan_show(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import current_care_plan

    plan = _viewed(args, caseload, current_care_plan, lambda current: current)
    if plan is None:
        return emit(args, [], empty=NO_PLAN) if not args.json else emit(args, None)
    return emit(args, plan, lines=plan_lines)


HISTORY_COLUMNS: list[Column[CarePlanPublic]] = [
    ("Version", lambda p: p.version),
    ("Saved", lambda p: local(p.created_at)),
    ("By", lambda p: p.author),
]


@cli.command("careplan history", help="every saved version", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def careplan_history(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import care_plan_history

    plans = _viewed(
        args, caseload, care_plan_history, lambda versions: versions[-1] if versions else None
    )
    return emit(
        args,
        plans,
        columns=HISTORY_COLUMNS,
        empty="No care plan yet",
    )


@cli.command(
    "careplan edit",
    help="save a new version from TOML or JSON on stdin (fields given replace the current)",
    description="The plan comes from stdin (with --passphrase-stdin, after the passphrase "
    "line) or --from FILE, as TOML or JSON; `careplan show --json` prints one.",
)
@arg("--nhs", required=True, type=nhs_number)
@arg("--from", dest="from_file", metavar="FILE", help="read the plan from FILE")
@with_caseload
def careplan_edit(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import edit_care_plan, update_from_document

    update = update_from_document(parse_document(_read_document(args)))
    plan = on_patient(args, caseload, edit_care_plan, update=update)
    print(f"Care plan version {plan.version} saved")
    return 0


@cli.command("careplan goal add", help="add a goal (a new plan version)")
@arg("--nhs", required=True, type=nhs_number)
@arg("--text", required=True, help="the goal in the patient's words")
@arg("--target", type=iso_date, metavar="YYYY-MM-DD", help="target date")
@with_caseload
def goal_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import GoalCreate, add_goal
    from mhf_tui.services.fields import parse_model

    goal = parse_model(GoalCreate, {"goal": args.text, "target_on": args.target})
    plan, added = on_patient(args, caseload, add_goal, goal=goal)
    number = [g.id for g in plan.goals].index(added.id) + 1
    print(f"Goal {number} added (id {added.id[:8]}); care plan version {plan.version}")
    return 0


@cli.command("careplan goal score", help="a goal-based outcome score 0-10")
@arg("--nhs", required=True, type=nhs_number)
@arg("--goal", required=True, help="the goal's number or id (see careplan show)")
@arg("--score", required=True, type=int, help="0 (not at all) to 10 (fully met)")
@arg("--on", type=iso_date, metavar="YYYY-MM-DD", help="date scored (default today)")
@with_caseload
def goal_score(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import score_goal

    goal = on_patient(
        args, caseload, score_goal, goal_ref=args.goal, score=args.score, taken_on=args.on
    )
    trail = " -> ".join(str(s.score) for s in goal.scores)
    print(f"Goal {goal.id[:8]} scored {args.score}/10 (scores so far: {trail})")
    return 0


@cli.command("careplan goal close", help="close a goal (a new plan version)")
@arg("--nhs", required=True, type=nhs_number)
@arg("--goal", required=True, help="the goal's number or id (see careplan show)")
@arg("--status", default="achieved", choices=GOAL_ENDINGS, help="how it ended (default achieved)")
@with_caseload
def goal_close(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.care_plans import set_goal_status

    plan, goal = on_patient(args, caseload, set_goal_status, goal_ref=args.goal, status=args.status)
    status = goal.status.replace("_", " ")
    print(f"Goal {goal.id[:8]} closed as {status}; care plan version {plan.version}")
    return 0
