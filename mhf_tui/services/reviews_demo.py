"""Demo reviews and outcome measures, in the states a real caseload is in.

Registered in `mhf_tui.services.demo.DEMO_EXTENSIONS`. For SMI-register patients: some never
had a physical health check, some are overdue, some due within the month, some done
recently (with bloods sometimes still missing), a few half-done; medication monitoring and
care-plan reviews likewise. PHQ-9/GAD-7 series for about a third of active patients, most
improving, some not, an occasional item 9 above 0; goal-based scores for care-plan goals.

Rows go in with the demo's bulk insert (the demo builder writes one audit event for it all).
All randomness comes from the builder's `rng`, so a seed gives the same caseload.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session, select

from mhf_tui.db.tables import CarePlan, Setting
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.services.outcomes import GAD7, GBO, PHQ9, score
from mhf_tui.services.patients import PatientRead
from mhf_tui.services.reviews import COMPLETED, IN_PROGRESS, next_due_on
from mhf_tui.services.templates import ReviewTemplate, TemplateItem, clean_answer, load_templates

RECALLED = ("active", "on_hold")


#: items of the 2026.1 templates: their answers draw from the builder's generator in the
#: original order, so items added since (drawn from a second generator) leave the demo's
#: core figures unchanged and comparable across template versions
_CORE = {
    "smi_physical_health_check": frozenset({
        "bmi", "bp_systolic", "bp_diastolic", "alcohol_units_week", "smoking_status", "hba1c",
        "blood_glucose", "cholesterol", "health_promotion_advice", "referral_offered",
        "referral_details",
    }),
    "medication_monitoring": frozenset({
        "on_antipsychotic", "medicines", "weight", "bp_systolic", "bp_diastolic", "bloods",
        "side_effects", "side_effect_details", "adherence",
    }),
}  # fmt: skip
#: optional core items that counted as required in 2026.1 (always answered)
_WAS_REQUIRED = frozenset({"bloods"})
#: how often a condition (MH011 risk factor) is recorded as present
_CONDITION_RATE = {
    "condition_chd": 0.04, "condition_diabetes": 0.12, "condition_stroke": 0.02,
    "condition_tia": 0.02, "condition_pad": 0.02, "condition_ckd_3_5": 0.04,
    "condition_familial_hypercholesterolaemia": 0.01,
}  # fmt: skip


def _extra_value(item: TemplateItem, rng: random.Random, on: date) -> str | None:
    """Plausible answers for the items added in 2026.2 (from the second generator)."""
    if item.id in _CONDITION_RATE or item.id.startswith("family_history"):
        return "yes" if rng.random() < _CONDITION_RATE.get(item.id, 0.2) else "no"
    plausible = {
        "height": lambda: f"{rng.gauss(170, 9):.0f}",
        "pulse": lambda: str(int(rng.gauss(78, 11))),
        "waist_cm": lambda: f"{rng.gauss(98, 13):.0f}",
        "ethnic_category": lambda: rng.choices(
            ("white", "asian", "black", "mixed", "other", "not_stated"), (78, 10, 5, 3, 2, 2)
        )[0],
        "qrisk3": lambda: f"{max(0.5, rng.gauss(9, 6)):.1f}",
        # started over a year before: the demo's recall keeps its annual rhythm
        "started_on": lambda: (on - timedelta(days=rng.randint(400, 1500))).isoformat(),
        "prolactin": lambda: str(int(rng.gauss(350, 150))),
        "fasting_glucose": lambda: f"{rng.gauss(5.3, 0.8):.1f}",
    }
    if item.id in plausible:
        return plausible[item.id]()
    if item.type == "choice":
        return rng.choice(item.choices).id
    if item.type == "yes_no":
        return "yes" if rng.random() < 0.7 else "no"
    return None


def _value(item: TemplateItem, rng: random.Random, smoker: str) -> str | None:
    """A plausible typed answer for an item, or None to leave it unanswered."""
    plausible = {
        "bmi": lambda: f"{rng.gauss(29.5, 5.5):.1f}",
        "bp_systolic": lambda: str(int(rng.gauss(128, 14))),
        "bp_diastolic": lambda: str(int(rng.gauss(81, 9))),
        "alcohol_units_week": lambda: str(max(0, int(rng.expovariate(1 / 9)))),
        "hba1c": lambda: str(int(rng.gauss(40, 7))),
        "blood_glucose": lambda: f"{rng.gauss(5.6, 1.0):.1f}",
        "cholesterol": lambda: f"{rng.gauss(5.1, 0.9):.1f}",
        "weight": lambda: f"{rng.gauss(86, 16):.1f}",
    }
    if item.id == "smoking_status":
        return smoker
    if item.id in plausible:
        return plausible[item.id]()
    if item.type == "yes_no":
        return "yes" if rng.random() < 0.8 else "no"
    if item.type == "choice":
        return item.choices[0].id if rng.random() < 0.7 else rng.choice(item.choices).id
    if item.id == "referral_details":
        return rng.choice(("Stop smoking service", "Weight management group", ""))
    if item.id == "next_steps":
        return rng.choice(("Review crisis plan with carer", "GP to review medication", ""))
    if item.id == "medicines":
        return rng.choice(("Olanzapine 10 mg", "Aripiprazole 15 mg", "Lithium 800 mg", ""))
    return None


@dataclass
class _Rows:
    """Column values for bulk inserts (ORM objects are ~20x slower at 10,000 patients)."""

    reviews: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    def outcome(
        self,
        *,
        patient_id: uuid.UUID,
        measure: str,
        taken_on: date,
        items: list[int],
        actor: str,
        goal: dict[str, object] | None = None,
    ) -> None:
        if measure == GBO:
            total, band, risk = items[0], "", False
        else:
            result = score(measure, items)
            total, band, risk = result.total, result.band, bool(result.risk_prompt)
        self.outcomes.append(
            {
                "id": uuid.uuid4(),
                "patient_id": patient_id,
                "measure": measure,
                "taken_on": taken_on,
                "items": items,
                "total": total,
                "band": band,
                "risk_prompt": risk,
                "goal_id": str(goal.get("id", "")) if goal else "",
                "goal_text": str(goal.get("goal", "")) if goal else "",
                "author": actor,
            }
        )


def _review(
    rows: _Rows,
    *,
    patient: PatientRead,
    template: ReviewTemplate,
    on: date,
    rng: random.Random,
    actor: str,
    complete: bool,
    smoker: str,
    extra: random.Random,
    skip: frozenset[str] = frozenset(),
) -> None:
    review_id = uuid.uuid4()
    rows.reviews.append(
        {
            "id": review_id,
            "patient_id": patient.id,
            "template_id": template.id,
            "template_version": template.version,
            "performed_on": on,
            "status": COMPLETED if complete else IN_PROGRESS,
            "completed_at": datetime.combine(on, time(11, 0), tzinfo=UTC) if complete else None,
            "next_due_on": next_due_on(on, template) if complete else None,
            "author": actor,
        }
    )
    core_ids = _CORE.get(template.id, frozenset(i.id for i in template.items))
    core = [i for i in template.items if i.id in core_ids]
    items = template.items if complete else core[:3]
    recorded_at = datetime.combine(on, time(11, 0), tzinfo=UTC)
    for item in items:
        draw = rng if item.id in core_ids else extra
        required = item.required or item.id in _WAS_REQUIRED
        if item.id in skip or (not required and item.id not in _ALWAYS and draw.random() < 0.4):
            continue
        raw = _value(item, rng, smoker) if item.id in core_ids else _extra_value(item, extra, on)
        if not raw:
            continue
        clean = clean_answer(item, _clamp(item, raw))
        answer_id = uuid.uuid4()
        rows.answers.append(
            {
                "id": answer_id,
                "review_id": review_id,
                "patient_id": patient.id,
                "item_id": item.id,
                "lineage_id": answer_id,
                "version": 1,
                "replaces_id": None,
                "value": clean.value,
                "number": clean.number,
                "unit": clean.unit,
                "code": clean.code,
                "check": item.check,
                "observed_on": on,
                "recorded_at": recorded_at,
                "author": actor,
                "amend_reason": "",
                "entered_in_error": False,
            }
        )


#: optional items the demo usually fills (bloods), so the QOF report is not all gaps
_ALWAYS = frozenset({"hba1c", "cholesterol"})


def _clamp(item: TemplateItem, raw: str) -> str:
    if item.type != "number":
        return raw
    number = float(raw)
    if item.min is not None:
        number = max(number, item.min)
    if item.max is not None:
        number = min(number, item.max)
    return str(int(number)) if item.integer else f"{number:g}"


def _items_for_total(rng: random.Random, total: int, count: int) -> list[int]:
    items = [0] * count
    for _ in range(total):
        open_slots = [i for i in range(count) if items[i] < 3]
        items[rng.choice(open_slots)] += 1
    return items


def _series(rng: random.Random, start: int, top: int, points: int) -> list[int]:
    """Totals that mostly improve (about one in five gets worse or stalls)."""
    direction = rng.choices((-1, 0, 1), (75, 10, 15))[0]
    totals = [start]
    for _ in range(points - 1):
        step = direction * rng.randint(1, 4) + rng.randint(-1, 1)
        totals.append(max(0, min(top, totals[-1] + step)))
    return totals


def add_demo_reviews(
    session: Session, rng: random.Random, patients: list[PatientRead], today: date
) -> None:
    setting = session.get(Setting, "facilitator_name")
    actor = setting.value if setting else "facilitator"
    templates = load_templates()
    phc = templates.get("smi_physical_health_check")
    meds = templates.get("medication_monitoring")
    cpr = templates.get("care_plan_review")
    wanted = {p.id for p in patients}
    plans: dict[uuid.UUID, list[dict[str, object]]] = {}
    for patient_id, goals in session.exec(select(CarePlan.patient_id, CarePlan.goals)):
        if patient_id in wanted:
            plans[patient_id] = list(goals)
    rows = _Rows()
    # the second generator is seeded from the first's state without drawing from it
    extra = random.Random(rng.getstate()[1][0])  # noqa: S311  (synthetic data)
    for patient in patients:
        if patient.status not in RECALLED:
            continue
        smoker = rng.choices(("current", "ex", "never"), (40, 25, 35))[0]
        review = partial(
            _review, rows, patient=patient, rng=rng, actor=actor, smoker=smoker, extra=extra
        )
        if patient.smi_register:
            state = rng.choices(
                ("never", "overdue", "due_soon", "recent", "in_progress"), (14, 26, 12, 40, 8)
            )[0]
            ago = {
                "overdue": rng.randint(370, 560),
                "due_soon": rng.randint(336, 364),
                "recent": rng.randint(5, 330),
                "in_progress": rng.randint(370, 500),
            }.get(state)
            if ago is not None:
                if rng.random() < 0.4:  # the year before, for history
                    review(template=phc, on=today - timedelta(days=ago + 365), complete=True)
                missing = frozenset(rng.sample(("cholesterol", "hba1c"), rng.choice((0, 0, 1))))
                review(template=phc, on=today - timedelta(days=ago), complete=True, skip=missing)
            if state == "in_progress":
                review(template=phc, on=today - timedelta(days=rng.randint(0, 6)), complete=False)
            if rng.random() < 0.6:
                review(
                    template=meds, on=today - timedelta(days=rng.randint(10, 450)), complete=True
                )
        if (patient.smi_register or patient.id in plans) and rng.random() < 0.5:
            review(template=cpr, on=today - timedelta(days=rng.randint(10, 420)), complete=True)
        if rng.random() < 0.35:
            _add_outcomes(rows, patient=patient, rng=rng, today=today, actor=actor)
        for goal in plans.get(patient.id, []):
            if rng.random() < 0.6:
                start = rng.randint(1, 5)
                for n, value in enumerate(sorted(rng.randint(start, 9) for _ in range(3))):
                    rows.outcome(
                        patient_id=patient.id,
                        measure=GBO,
                        taken_on=today - timedelta(days=120 - 50 * n),
                        items=[value],
                        actor=actor,
                        goal=goal,
                    )
    from mhf_tui.services.demo import bulk_insert  # (demo imports this module)

    bulk_insert(session, Review, rows.reviews)
    bulk_insert(session, ReviewAnswer, rows.answers)
    bulk_insert(session, OutcomeMeasure, rows.outcomes)


def _add_outcomes(
    rows: _Rows, *, patient: PatientRead, rng: random.Random, today: date, actor: str
) -> None:
    points = rng.randint(2, 6)
    first_day = today - timedelta(days=28 * points + rng.randint(0, 20))
    phq_totals = _series(rng, rng.randint(9, 24), 27, points)
    gad_totals = _series(rng, rng.randint(7, 19), 21, points) if rng.random() < 0.6 else []
    for n in range(points):
        day = first_day + timedelta(days=28 * n)
        items = [*_items_for_total(rng, min(phq_totals[n], 24), 8), 0]
        if rng.random() < 0.05 and items[0] > 0:  # item 9 above 0 is the exception
            items[0] -= 1
            items[8] = 1
        rows.outcome(patient_id=patient.id, measure=PHQ9, taken_on=day, items=items, actor=actor)
        if gad_totals:
            gad_items = _items_for_total(rng, gad_totals[n], 7)
            rows.outcome(
                patient_id=patient.id, measure=GAD7, taken_on=day, items=gad_items, actor=actor
            )
