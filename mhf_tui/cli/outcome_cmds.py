"""`mhf outcome add|list`: PHQ-9, GAD-7 and goal-based outcome scores."""

from __future__ import annotations

import argparse
from typing import Any

from mhf_tui.cli.common import add_json_option, open_caseload, print_json
from mhf_tui.cli.reviews_cmds import parse_date, patient_by_nhs
from mhf_tui.errors import ValidationError


def cmd_outcome_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.outcomes import GBO, add_goal_score, add_outcome, parse_items

    taken_on = parse_date(args.on, "--on")
    if args.measure == GBO:
        if args.goal is None or args.score is None:
            raise ValidationError("a goal-based outcome needs --goal ID and --score 0-10")
        with open_caseload(args) as caseload, caseload.session() as session:
            patient = patient_by_nhs(session, args.nhs)
            add_goal_score(
                session,
                patient_id=patient.id,
                goal_id=args.goal,
                score_value=args.score,
                actor=caseload.actor,
                taken_on=taken_on,
            )
        print(f"Goal score {args.score}/10 recorded")
        return 0
    if args.items is None:
        raise ValidationError("give the item scores with --items, e.g. --items 1,2,0,...")
    items = parse_items(args.items)
    from mhf_tui.services.outcomes import score

    score(args.measure, items)  # refuse bad items before asking for the passphrase
    with open_caseload(args) as caseload, caseload.session() as session:
        patient = patient_by_nhs(session, args.nhs)
        _row, result = add_outcome(
            session,
            patient_id=patient.id,
            measure=args.measure,
            items=items,
            actor=caseload.actor,
            taken_on=taken_on,
        )
    print(result.summary)
    if result.risk_prompt:
        print(result.risk_prompt)
    return 0


def cmd_outcome_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.outcomes import MEASURE_TITLES, list_outcomes, trends

    with open_caseload(args) as caseload, caseload.session() as session:
        patient = patient_by_nhs(session, args.nhs)
        rows = list_outcomes(
            session, patient_id=patient.id, measure=args.measure, actor=caseload.actor
        )
    if args.json:
        print_json(
            [
                {
                    "measure": r.measure,
                    "taken_on": r.taken_on,
                    "items": r.items,
                    "total": r.total,
                    "band": r.band,
                    "risk_prompt": r.risk_prompt,
                    "goal_id": r.goal_id or None,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("No outcome measures yet")
        return 0
    for r in rows:
        name = MEASURE_TITLES.get(r.measure, r.measure)
        extra = f" {r.band}" if r.band else ""
        risk = "  ITEM 9 > 0" if r.risk_prompt else ""
        goal = f"  goal {r.goal_id}" if r.goal_id else ""
        items = ",".join(str(i) for i in r.items)
        print(f"{r.taken_on}  {name:<7} {r.total:>3}{extra}  [{items}]{goal}{risk}")
    for trend in trends(rows):
        print(trend.summary)
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    parents = [common, secret]
    outcome = sub.add_parser("outcome", parents=[common], help="PHQ-9, GAD-7, goal-based outcomes")
    osub = outcome.add_subparsers(dest="outcome_command", metavar="ACTION", required=True)
    p = osub.add_parser("add", parents=parents, help="record an outcome measure")
    p.add_argument("--nhs", required=True)
    p.add_argument("--measure", required=True, choices=["phq9", "gad7", "gbo"])
    p.add_argument("--items", help="item scores in order, e.g. 1,2,0,3,1,0,2,1,0")
    p.add_argument("--goal", help="care-plan goal id (gbo)")
    p.add_argument("--score", type=int, help="goal score 0-10 (gbo)")
    p.add_argument("--on", help="the day it was taken (default today)")
    p.set_defaults(func=cmd_outcome_add)

    p = osub.add_parser("list", parents=parents, help="a patient's outcome measures and trend")
    p.add_argument("--nhs", required=True)
    p.add_argument("--measure", choices=["phq9", "gad7", "gbo"])
    add_json_option(p)
    p.set_defaults(func=cmd_outcome_list)
