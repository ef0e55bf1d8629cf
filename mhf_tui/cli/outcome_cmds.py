"""`mhf outcome add|list`: PHQ-9, GAD-7 and goal-based outcome scores."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mhf_tui.cli.argtypes import iso_date, nhs_number
from mhf_tui.cli.common import on_patient, patient_id, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.errors import ValidationError

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload

cli = Commands()
cli.group("outcome", "PHQ-9, GAD-7, goal-based outcomes")
register = cli.register

MEASURES = ("phq9", "gad7", "gbo")


@cli.command("outcome add", help="record an outcome measure")
@arg("--nhs", required=True, type=nhs_number)
@arg("--measure", required=True, choices=MEASURES)
@arg("--items", help="item scores in order, e.g. 1,2,0,3,1,0,2,1,0")
@arg("--goal", help="care-plan goal id (gbo)")
@arg("--score", type=int, help="goal score 0-10 (gbo)")
@arg("--on", type=iso_date, help="the day it was taken (default today)")
def outcome_add(args: argparse.Namespace) -> int:
    """Refuses a bad score before asking for the passphrase."""
    from mhf_tui.services.outcomes import GBO, parse_items, score

    if args.measure == GBO:
        if args.goal is None or args.score is None:
            raise ValidationError("a goal-based outcome needs --goal ID and --score 0-10")
        return _add_goal_score(args)
    if args.items is None:
        raise ValidationError("give the item scores with --items, e.g. --items 1,2,0,...")
    items = parse_items(args.items)
    score(args.measure, items)
    return _add_outcome(args, items)


@with_caseload
def _add_goal_score(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.outcomes import add_goal_score

    on_patient(
        args, caseload, add_goal_score, goal_id=args.goal, score_value=args.score, taken_on=args.on
    )
    print(f"Goal score {args.score}/10 recorded")
    return 0


@with_caseload
def _add_outcome(args: argparse.Namespace, caseload: Caseload, items: list[int]) -> int:
    from mhf_tui.services.outcomes import add_outcome

    _row, result = on_patient(
        args, caseload, add_outcome, measure=args.measure, items=items, taken_on=args.on
    )
    print(result.summary)
    if result.risk_prompt:
        print(result.risk_prompt)
    return 0


@cli.command("outcome list", help="a patient's outcome measures and trend", json=True)
@arg("--nhs", required=True, type=nhs_number)
@arg("--measure", choices=MEASURES)
@with_caseload
def outcome_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.outcomes import MEASURE_TITLES, OutcomeRead, list_outcomes, trends

    with caseload.session() as session:
        rows = list_outcomes(
            session,
            patient_id=patient_id(session, args.nhs),
            measure=args.measure,
            actor=caseload.actor,
        )
    records = [OutcomeRead.from_row(r) for r in rows]

    def lines(r: OutcomeRead) -> list[str]:
        name = MEASURE_TITLES.get(r.measure, r.measure)
        extra = f" {r.band}" if r.band else ""
        risk = "  ITEM 9 > 0" if r.risk_prompt else ""
        goal = f"  goal {r.goal_id}" if r.goal_id else ""
        items = ",".join(str(i) for i in r.items)
        return [f"{r.taken_on}  {name:<7} {r.total:>3}{extra}  [{items}]{goal}{risk}"]

    trend_lines = "\n".join(t.summary for t in trends(rows)) or None
    return emit(args, records, lines=lines, empty="No outcome measures yet", footer=trend_lines)
