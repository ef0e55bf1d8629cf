"""PHQ-9 / GAD-7 scoring and banding at every boundary, the item 9 prompt, refusal of bad
items, storage of every item, goal-based outcomes and trends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from mhf_tui.db.tables import AuditEvent
from mhf_tui.errors import ValidationError
from mhf_tui.services.care_plans import CarePlanCreate, GoalCreate, save_care_plan
from mhf_tui.services.outcomes import (
    add_goal_score,
    add_outcome,
    band_for,
    list_outcomes,
    parse_items,
    score,
    trends,
)

from .conftest import ACTOR

PHQ9_BANDS = [(0, 4, "none-minimal"), (5, 9, "mild"), (10, 14, "moderate"),
              (15, 19, "moderately severe"), (20, 27, "severe")]  # fmt: skip
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


@pytest.mark.parametrize(("measure", "bands"), [("phq9", PHQ9_BANDS), ("gad7", GAD7_BANDS)])
def test_every_total_in_its_band(measure: str, bands: list[tuple[int, int, str]]) -> None:
    for low, high, name in bands:
        for total in range(low, high + 1):
            assert band_for(measure, total) == name, total
    with pytest.raises(ValidationError):
        band_for(measure, bands[-1][1] + 1)
    with pytest.raises(ValidationError):
        band_for(measure, -1)


@pytest.mark.parametrize(
    ("items", "total", "band"),
    [
        ([0] * 9, 0, "none-minimal"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "none-minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([1] * 9, 9, "mild"),
        ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe"),
        ([3, 3, 3, 3, 3, 3, 1, 0, 0], 19, "moderately severe"),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
        ([3] * 9, 27, "severe"),
    ],
)
def test_phq9_boundaries(items: list[int], total: int, band: str) -> None:
    result = score("phq9", items)
    assert (result.total, result.band) == (total, band)


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_sum_and_band_monotonic(items: list[int]) -> None:
    result = score("phq9", items)
    assert result.total == sum(items)
    expected = next(name for low, high, name in PHQ9_BANDS if low <= result.total <= high)
    assert result.band == expected
    assert bool(result.risk_prompt) == (items[8] > 0)


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_gad7_total_and_band(items: list[int]) -> None:
    result = score("gad7", items)
    assert result.total == sum(items)
    expected = next(name for low, high, name in GAD7_BANDS if low <= result.total <= high)
    assert result.band == expected
    assert result.risk_prompt == ""


def test_item9_prompt() -> None:
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.band == "none-minimal"
    assert "RISK" in result.risk_prompt and "item 9" in result.risk_prompt
    assert "scored 1" in result.risk_prompt
    assert score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).risk_prompt == ""
    assert score("phq9", [3] * 9).summary == "PHQ-9 total 27: severe"


@pytest.mark.parametrize(
    ("measure", "items", "message"),
    [
        ("phq9", [0] * 8, "PHQ-9 needs 9 items, got 8"),
        ("phq9", [0] * 10, "PHQ-9 needs 9 items, got 10"),
        ("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0], "PHQ-9 item 3 is 4; each item is 0-3"),
        ("gad7", [0, -1, 0, 0, 0, 0, 0], "GAD-7 item 2 is -1"),
        ("gad7", [0] * 9, "GAD-7 needs 7 items, got 9"),
        ("bdi", [0] * 9, "unknown measure 'bdi'"),
    ],
)
def test_invalid_items_refused(measure: str, items: list[int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        score(measure, items)


def test_parse_items() -> None:
    assert parse_items("1,2,0,3") == [1, 2, 0, 3]
    assert parse_items("1 2, 0 3") == [1, 2, 0, 3]
    assert parse_items("120301") == [1, 2, 0, 3, 0, 1]
    with pytest.raises(ValidationError, match="'x' is not a whole number"):
        parse_items("1,x,2")


def test_store_every_item_and_trend(
    session: Session, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    for day, items in [
        (date(2025, 1, 6), [3, 3, 2, 2, 2, 2, 2, 1, 1]),
        (date(2025, 2, 3), [2, 2, 2, 2, 1, 1, 1, 1, 0]),
        (date(2025, 3, 3), [1, 1, 1, 1, 1, 0, 1, 0, 0]),
    ]:
        add_outcome(session, patient_id=pid, measure="phq9", items=items, actor=ACTOR, taken_on=day)
    add_outcome(session, patient_id=pid, measure="gad7", items=[2] * 7, actor=ACTOR)
    rows = list_outcomes(session, patient_id=pid, measure="phq9")
    assert rows[0].items == [3, 3, 2, 2, 2, 2, 2, 1, 1]
    assert [r.total for r in rows] == [18, 12, 6]
    assert [r.risk_prompt for r in rows] == [True, False, False]
    phq, gad = trends(list_outcomes(session, patient_id=pid, actor=ACTOR))
    assert (phq.label, phq.first, phq.last, phq.change) == ("PHQ-9", 18, 6, -12)
    assert "better" in phq.summary
    assert (gad.label, gad.change) == ("GAD-7", None)
    actions = [
        e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "outcome"))
    ]
    assert actions == ["create"] * 4 + ["view"]


def test_goal_based_outcomes_link_to_care_plan_goals(
    session: Session, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    with pytest.raises(ValidationError, match="no care-plan goal 'g1'"):
        add_goal_score(session, patient_id=pid, goal_id="g1", score_value=3, actor=ACTOR)
    save_care_plan(
        session, actor=ACTOR, patient_id=pid,
        data=CarePlanCreate(goals=[GoalCreate(goal="Back to work part time", id="g1")]),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="0-10"):
        add_goal_score(session, patient_id=pid, goal_id="g1", score_value=11, actor=ACTOR)
    add_goal_score(session, patient_id=pid, goal_id="g1", score_value=2, actor=ACTOR,
                   taken_on=date(2025, 1, 1))  # fmt: skip
    add_goal_score(session, patient_id=pid, goal_id="g1", score_value=7, actor=ACTOR)
    (trend,) = trends(list_outcomes(session, patient_id=pid))
    assert trend.label == "Goal: Back to work part time"
    assert trend.change == 5 and "better" in trend.summary


def test_future_outcome_refused(session: Session, make_patient: Callable[..., uuid.UUID]) -> None:
    pid = make_patient()
    with pytest.raises(ValidationError, match="future"):
        add_outcome(session, patient_id=pid, measure="gad7", items=[0] * 7, actor=ACTOR,
                    taken_on=date(2999, 1, 1))  # fmt: skip


def test_trend_summary_fits_a_width_without_losing_numbers() -> None:
    from mhf_tui.services.outcomes import Trend

    trend = Trend(
        measure="gbo",
        label="Goal: Sleep through the night most nights",
        points=[(date(2025, 1, 1), 7), (date(2025, 2, 1), 9), (date(2025, 3, 1), 9)],
        max_total=10,
    )
    assert trend.summary.endswith("first 7 -> last 9 (+2, better) over 3 scores")
    short = trend.summary_within(54)
    assert len(short) <= 54 and short.endswith(": 7 -> 9 (+2, better)")
    assert short.startswith("Goal: Sleep")
