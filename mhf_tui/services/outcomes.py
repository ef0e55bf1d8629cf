"""Patient-reported outcome measures: PHQ-9, GAD-7 and goal-based outcomes.

Every item answer is stored, not just the total, so a change in one symptom (sleep, item 9)
is visible later. PHQ-9 item 9 (thoughts that you would be better off dead or of hurting
yourself) answered above 0 raises a risk prompt: the facilitator must ask about it today.

Bands: PHQ-9 (Kroenke, Spitzer & Williams 2001) 0-4 none-minimal, 5-9 mild, 10-14 moderate,
15-19 moderately severe, 20-27 severe. GAD-7 (Spitzer et al. 2006) 0-4 minimal, 5-9 mild,
10-14 moderate, 15-21 severe. Goal-based outcomes (CORC): 0-10 per care-plan goal.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from mhf_tui.db.tables import CarePlan
from mhf_tui.db.tables.reviews import OutcomeMeasure
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.audited import audited_add
from mhf_tui.services.public import PublicModel
from mhf_tui.services.retention import ensure_patient_editable

PHQ9, GAD7, GBO = "phq9", "gad7", "gbo"


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    items: int
    item_max: int
    #: (lowest total in the band, band name), ascending
    bands: tuple[tuple[int, str], ...]
    snomed: str

    @property
    def max_total(self) -> int:
        return self.items * self.item_max


MEASURES: dict[str, Measure] = {
    PHQ9: Measure(
        id=PHQ9,
        title="PHQ-9",
        items=9,
        item_max=3,
        bands=(
            (0, "none-minimal"),
            (5, "mild"),
            (10, "moderate"),
            (15, "moderately severe"),
            (20, "severe"),
        ),
        snomed="720433000",
    ),
    GAD7: Measure(
        id=GAD7,
        title="GAD-7",
        items=7,
        item_max=3,
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
        snomed="445455005",
    ),
}

#: the questionnaires' own wording (both free to reproduce: PHQ-9 and GAD-7, Spitzer,
#: Williams, Kroenke and colleagues, Pfizer; no permission needed), shown when they are entered
STEMS = {
    PHQ9: "Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    GAD7: "Over the last 2 weeks, how often have you been bothered by the following problems?",
}
QUESTIONS: dict[str, tuple[str, ...]] = {
    PHQ9: (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    GAD7: (
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
}
#: the answer scale both share: score -> words
ANSWERS = ("Not at all", "Several days", "More than half the days", "Nearly every day")

PHQ9_ITEM9_PROMPT = (
    "RISK: PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored {score}. "
    "Ask about suicidal thoughts and plans now, and follow the crisis plan and local risk "
    "procedure today."
)

MEASURE_TITLES = {PHQ9: "PHQ-9", GAD7: "GAD-7", GBO: "Goal-based outcome"}


@dataclass(frozen=True)
class Score:
    measure: str
    total: int
    band: str
    risk_prompt: str  # empty unless PHQ-9 item 9 > 0

    @property
    def summary(self) -> str:
        return f"{MEASURES[self.measure].title} total {self.total}: {self.band}"


def band_for(measure: str, total: int) -> str:
    spec = _measure(measure)
    if not 0 <= total <= spec.max_total:
        raise ValidationError(f"{spec.title} total must be 0-{spec.max_total}")
    name = spec.bands[0][1]
    for low, band in spec.bands:
        if total >= low:
            name = band
    return name


def _measure(measure: str) -> Measure:
    try:
        return MEASURES[measure]
    except KeyError:
        raise ValidationError(
            f"unknown measure {measure!r} (use {', '.join(MEASURES)} or {GBO})"
        ) from None


def parse_items(text: str) -> list[int]:
    """ "1,2,0,3" or "1 2 0 3" or "1203" (single digits) -> [1, 2, 0, 3]."""
    raw = text.replace(",", " ").split()
    if len(raw) == 1 and raw[0].isdigit() and len(raw[0]) > 1:
        raw = list(raw[0])
    items = []
    for part in raw:
        try:
            items.append(int(part))
        except ValueError:
            raise ValidationError(f"item {part!r} is not a whole number") from None
    return items


def score(measure: str, items: Sequence[int]) -> Score:
    """Total, band and the item 9 prompt, after checking the item count and each range."""
    spec = _measure(measure)
    if len(items) != spec.items:
        raise ValidationError(f"{spec.title} needs {spec.items} items, got {len(items)}")
    for n, value in enumerate(items, start=1):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{spec.title} item {n} must be a whole number")
        if not 0 <= value <= spec.item_max:
            raise ValidationError(
                f"{spec.title} item {n} is {value}; each item is 0-{spec.item_max}"
            )
    total = sum(items)
    prompt = ""
    if spec.id == PHQ9 and items[8] > 0:
        prompt = PHQ9_ITEM9_PROMPT.format(score=items[8])
    return Score(measure=spec.id, total=total, band=band_for(spec.id, total), risk_prompt=prompt)


def _check_date(taken_on: date | None) -> date:
    when = taken_on or date.today()
    if when > date.today():
        raise ValidationError("an outcome cannot be taken in the future")
    return when


def add_outcome(
    session: Session,
    *,
    patient_id: uuid.UUID,
    measure: str,
    items: Sequence[int],
    actor: str,
    taken_on: date | None = None,
) -> tuple[OutcomeMeasure, Score]:
    """Store a PHQ-9 or GAD-7 with every item; returns the row and its score."""
    ensure_patient_editable(session, patient_id=patient_id)
    result = score(measure, items)
    row = OutcomeMeasure(
        patient_id=patient_id,
        measure=result.measure,
        taken_on=_check_date(taken_on),
        items=list(items),
        total=result.total,
        band=result.band,
        risk_prompt=bool(result.risk_prompt),
        author=actor,
    )
    _store(session, row, actor=actor, detail=f"measure={result.measure}")
    return row, result


def _store(session: Session, row: OutcomeMeasure, *, actor: str, detail: str) -> OutcomeMeasure:
    """Write a new score with its create event."""
    return audited_add(session, row, actor=actor, action="create", entity="outcome", detail=detail)


def current_goals(session: Session, *, patient_id: uuid.UUID) -> list[dict[str, object]]:
    """Goals of the patient's newest care-plan version."""
    plan = session.exec(
        select(CarePlan)
        .where(CarePlan.patient_id == patient_id)
        .order_by(col(CarePlan.created_at).desc(), col(CarePlan.version).desc())
        .limit(1)
    ).first()
    return list(plan.goals) if plan else []


def add_goal_score(
    session: Session,
    *,
    patient_id: uuid.UUID,
    goal_id: str,
    score_value: int,
    actor: str,
    taken_on: date | None = None,
) -> OutcomeMeasure:
    """A goal-based outcome (0-10) for one goal of the current care plan."""
    ensure_patient_editable(session, patient_id=patient_id)
    if isinstance(score_value, bool) or not isinstance(score_value, int):
        raise ValidationError("a goal score is a whole number 0-10")
    if not 0 <= score_value <= 10:
        raise ValidationError(f"a goal score is 0-10, got {score_value}")
    goals = current_goals(session, patient_id=patient_id)
    goal = next((g for g in goals if str(g.get("id")) == goal_id), None)
    if goal is None:
        known = ", ".join(str(g.get("id")) for g in goals) or "none: add goals to the care plan"
        raise ValidationError(f"no care-plan goal {goal_id!r} (goals: {known})")
    row = OutcomeMeasure(
        patient_id=patient_id,
        measure=GBO,
        taken_on=_check_date(taken_on),
        items=[score_value],
        total=score_value,
        goal_id=goal_id,
        goal_text=str(goal.get("goal", "")),
        author=actor,
    )
    return _store(session, row, actor=actor, detail=f"measure=gbo goal={goal_id}")


def list_outcomes(
    session: Session,
    *,
    patient_id: uuid.UUID,
    measure: str | None = None,
    actor: str | None = None,
) -> list[OutcomeMeasure]:
    """A patient's outcomes, oldest first. With `actor`, the viewing is audited."""
    stmt = select(OutcomeMeasure).where(OutcomeMeasure.patient_id == patient_id)
    if measure is not None:
        stmt = stmt.where(OutcomeMeasure.measure == measure)
    rows = list(
        session.exec(
            stmt.order_by(col(OutcomeMeasure.taken_on), col(OutcomeMeasure.created_at))
        ).all()
    )
    if actor is not None:
        record_event(
            session,
            actor=actor,
            action="view",
            entity="outcome",
            patient_id=patient_id,
            detail=f"measure={measure or 'all'} rows={len(rows)}",
        )
    return rows


class OutcomeRead(PublicModel):
    """One stored score as `outcome list --json` prints it."""

    measure: str
    taken_on: date
    items: list[int]
    total: int
    band: str
    risk_prompt: bool
    #: the care-plan goal of a goal-based outcome, else None
    goal_id: str | None

    @classmethod
    def from_row(cls, row: OutcomeMeasure) -> OutcomeRead:
        return cls.from_attrs(row, goal_id=row.goal_id or None)


@dataclass(frozen=True)
class Trend:
    measure: str
    label: str  # "PHQ-9", or the goal's wording
    points: list[tuple[date, int]]
    max_total: int

    @property
    def first(self) -> int | None:
        return self.points[0][1] if self.points else None

    @property
    def last(self) -> int | None:
        return self.points[-1][1] if self.points else None

    @property
    def change(self) -> int | None:
        """Last minus first: negative is improvement on PHQ-9/GAD-7, positive on goals."""
        if len(self.points) < 2:
            return None
        return self.points[-1][1] - self.points[0][1]

    def summary_within(self, width: int | None = None) -> str:
        """One line; with `width`, the label is shortened (never the numbers) to fit."""
        if not self.points:
            tail = ": no scores yet"
        elif len(self.points) == 1:
            tail = f": {self.last} on {self.points[0][0].isoformat()} (one score)"
        else:
            change = self.change or 0
            better = change < 0 if self.measure != GBO else change > 0
            word = "no change" if change == 0 else ("better" if better else "worse")
            tail = (
                f": first {self.first} -> last {self.last} "
                f"({change:+d}, {word}) over {len(self.points)} scores"
            )
            if width is not None and len(self.label) + len(tail) > width:
                tail = f": {self.first} -> {self.last} ({change:+d}, {word})"
        label = self.label
        if width is not None and len(label) + len(tail) > width:
            label = label[: max(8, width - len(tail) - 1)] + "…"
        return label + tail

    @property
    def summary(self) -> str:
        return self.summary_within()


def trends(rows: Sequence[OutcomeMeasure]) -> list[Trend]:
    """One trend per measure (and per goal), from rows as `list_outcomes` returns them."""
    grouped: dict[tuple[str, str], list[OutcomeMeasure]] = {}
    for row in rows:
        grouped.setdefault((row.measure, row.goal_id), []).append(row)
    result = []
    for (measure, goal_id), group in grouped.items():
        if measure == GBO:
            label = f"Goal: {group[-1].goal_text or goal_id}"
            top = 10
        else:
            label = MEASURE_TITLES.get(measure, measure)
            top = MEASURES[measure].max_total if measure in MEASURES else 0
        result.append(
            Trend(
                measure=measure,
                label=label,
                points=[(r.taken_on, r.total) for r in group],
                max_total=top,
            )
        )
    order = {PHQ9: 0, GAD7: 1, GBO: 2}
    result.sort(key=lambda t: (order.get(t.measure, 3), t.label))
    return result
