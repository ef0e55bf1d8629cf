"""Review answers and outcome measures as UK Core Observations and QuestionnaireResponses.

BMI and body weight follow the FHIR R4 vital-signs profiles (LOINC code first, SNOMED CT
beside it, UCUM units); the two blood pressure answers of a review become one Observation
with a systolic and a diastolic component. PHQ-9 and GAD-7 go as a QuestionnaireResponse
whose linkIds are the LOINC item codes, and as an Observation of the total score (LOINC and
SNOMED CT) derived from it, so a GP system can file the score as a coded entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.sync.fhir import Resource, author_ref, day, derived_id, instant, meta, ref
from mhf_tui.sync.fhir_team import Team
from mhf_tui.sync.terminology import (
    BP_COMPONENTS,
    BP_PANEL,
    BP_PROFILE,
    LOINC_SYSTEM,
    QUESTIONNAIRES,
    SNOMED_SYSTEM,
    UCUM_SYSTEM,
    VITAL_SIGNS,
    snomed_term,
    ucum,
)

CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#: SNOMED code -> observation category (anything else a facilitator asks is a survey)
CATEGORIES = {
    "1082641000000106": "social-history",
    "77176002": "social-history",
    "8517006": "social-history",
    "266919005": "social-history",
    "999791000000106": "laboratory",
    "1010671000000102": "laboratory",
    "1005671000000105": "laboratory",
}


@cache
def _shipped_labels() -> dict[tuple[str, str], str]:
    from mhf_tui.services.templates import load_templates

    return {
        (template_id, item.id): item.label
        for template_id, template in load_templates().templates.items()
        for item in template.items
    }


def item_label(review: Review | None, item_id: str) -> str:
    """The item's label in its (shipped) template, else its id made readable."""
    if review is not None:
        label = _shipped_labels().get((review.template_id, item_id))
        if label:
            return label
    return item_id.replace("_", " ")


def category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY_SYSTEM, "code": code}]}]


def snomed(code: str) -> dict[str, str]:
    out = {"system": SNOMED_SYSTEM, "code": code}
    term = snomed_term(code)
    if term:
        out["display"] = term
    return out


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM quantity: `system` and `code` always, the unit as written for people."""
    code = ucum(unit) if unit else "1"
    return {"value": value, "unit": unit or code, "system": UCUM_SYSTEM, "code": code}


def _status(answers: Iterable[ReviewAnswer]) -> str:
    answers = list(answers)
    if all(a.entered_in_error for a in answers):
        return "entered-in-error"
    return "amended" if any(a.version > 1 for a in answers) else "final"


def _common(
    answer: ReviewAnswer, rid: str, status: str, team: Team | None, profiles: tuple[str, ...]
) -> Resource:
    r: Resource = {
        "resourceType": "Observation",
        "id": rid,
        "meta": meta("Observation", *profiles),
        "status": status,
    }
    r["subject"] = ref("Patient", answer.patient_id)
    r["effectiveDateTime"] = day(answer.observed_on)
    r["issued"] = instant(answer.recorded_at)
    who = author_ref(team, answer.author)
    if who:
        r["performer"] = [who]
    return r


def observation(
    answer: ReviewAnswer, review: Review | None, *, team: Team | None = None, code: str = ""
) -> Resource:
    """One review answer. The id is the answer's lineage, so an amended answer replaces the
    one the practice holds. `code` is the lineage's SNOMED code when this version has none
    (an answer withdrawn as entered in error keeps the code it was recorded with)."""
    concept = answer.code or code
    vital = VITAL_SIGNS.get(concept)
    profiles = (vital.profile,) if vital else ()
    r = _common(answer, str(answer.lineage_id), _status([answer]), team, profiles)
    label = item_label(review, answer.item_id)
    if vital:
        r["category"] = category("vital-signs")
        r["code"] = {
            "coding": [
                {"system": LOINC_SYSTEM, "code": vital.loinc, "display": vital.loinc_display},
                snomed(concept),
            ],
            "text": snomed_term(concept),
        }
    else:
        r["category"] = category(CATEGORIES.get(concept, "survey"))
        if review is not None:
            r["category"].append({"text": review.template_id.replace("_", " ")})
        r["code"] = {"coding": [snomed(concept)], "text": label} if concept else {"text": label}
    if not answer.entered_in_error:
        if answer.number is not None:
            unit = vital.ucum if vital else answer.unit
            r["valueQuantity"] = quantity(answer.number, unit)
        elif answer.value:
            r["valueString"] = answer.value
    if answer.amend_reason:
        r["note"] = [{"text": f"Amended: {answer.amend_reason}"}]
    return r


def blood_pressure(
    review_id: uuid.UUID,
    parts: Mapping[str, ReviewAnswer],
    *,
    team: Team | None = None,
) -> Resource:
    """One review's systolic and diastolic answers (SNOMED code -> answer) as one
    Observation with two components and no value of its own; a part missing or withdrawn
    says why it is absent."""
    first = next(iter(parts.values()))
    r = _common(
        first, derived_id("blood-pressure", str(review_id)), _status(parts.values()), team,
        (BP_PROFILE,),
    )  # fmt: skip
    r["category"] = category("vital-signs")
    r["code"] = {
        "coding": [
            {"system": LOINC_SYSTEM, "code": BP_PANEL[0], "display": BP_PANEL[1]},
            snomed("75367002"),
        ],
        "text": "Blood pressure",
    }
    components = []
    for code, (loinc, display) in BP_COMPONENTS.items():
        component: dict[str, Any] = {
            "code": {
                "coding": [
                    {"system": LOINC_SYSTEM, "code": loinc, "display": display},
                    snomed(code),
                ],
                "text": display,
            }
        }
        answer = parts.get(code)
        if answer is not None and not answer.entered_in_error and answer.number is not None:
            component["valueQuantity"] = quantity(answer.number, "mm[Hg]")
        else:
            reason = "error" if answer is not None else "unknown"
            component["dataAbsentReason"] = {"coding": [{"system": ABSENT_SYSTEM, "code": reason}]}
        components.append(component)
    r["component"] = components
    reasons = sorted({a.amend_reason for a in parts.values() if a.amend_reason})
    if reasons:
        r["note"] = [{"text": f"Amended: {reason}"} for reason in reasons]
    return r


def review_observations(
    answers: Iterable[ReviewAnswer],
    reviews: Mapping[uuid.UUID, Review],
    *,
    team: Team | None = None,
    codes: Mapping[uuid.UUID, str] | None = None,
) -> list[Resource]:
    """The newest version of each answer lineage as Observations; a review's blood pressure
    answers become one. `codes`: lineage id -> the code an earlier version carried."""
    out: list[Resource] = []
    pressures: dict[uuid.UUID, dict[str, ReviewAnswer]] = {}
    for answer in answers:
        code = answer.code or (codes or {}).get(answer.lineage_id, "")
        if code in BP_COMPONENTS:
            pressures.setdefault(answer.review_id, {})[code] = answer
            continue
        out.append(observation(answer, reviews.get(answer.review_id), team=team, code=code))
    for review_id, parts in pressures.items():
        out.append(blood_pressure(review_id, parts, team=team))
    return out


def outcome_resources(m: OutcomeMeasure, *, team: Team | None = None) -> list[Resource]:
    """PHQ-9 / GAD-7: the QuestionnaireResponse and the total-score Observation derived
    from it. A goal-based outcome: the QuestionnaireResponse only (no standard code)."""
    response = questionnaire_response(m, team=team)
    spec = QUESTIONNAIRES.get(m.measure)
    if spec is None:
        return [response]
    r: Resource = {
        "resourceType": "Observation",
        "id": derived_id("outcome-score", str(m.id)),
        "meta": meta("Observation"),
        "status": "final",
        "category": category("survey"),
        "code": {
            "coding": [
                {
                    "system": LOINC_SYSTEM,
                    "code": spec.total_loinc,
                    "display": spec.total_loinc_display,
                },
                snomed(spec.total_snomed),
            ],
            "text": f"{spec.name} total score",
        },
        "subject": ref("Patient", m.patient_id),
        "effectiveDateTime": day(m.taken_on),
        "valueInteger": m.total,
        "derivedFrom": [ref("QuestionnaireResponse", m.id)],
        "component": [
            {
                "code": {"coding": [{"system": LOINC_SYSTEM, "code": code}]},
                "valueInteger": value,
            }
            for code, value in zip(spec.items, m.items or [], strict=False)
        ],
    }
    if m.band:
        r["interpretation"] = [{"text": m.band}]
    who = author_ref(team, m.author)
    if who:
        r["performer"] = [who]
    return [response, r]


def questionnaire_response(m: OutcomeMeasure, *, team: Team | None = None) -> Resource:
    """Every item, its linkId the LOINC item code, and the total; or a goal-based score."""
    r: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(m.id),
        "meta": meta("QuestionnaireResponse"),
        "status": "completed",
        "subject": ref("Patient", m.patient_id),
        "authored": day(m.taken_on),
    }
    spec = QUESTIONNAIRES.get(m.measure)
    if spec is not None:
        r["questionnaire"] = f"http://loinc.org/q/{spec.panel}"
    who = author_ref(team, m.author)
    if who:
        r["author"] = who
    if spec is None:
        r["item"] = [
            {"linkId": "goal", "text": m.goal_text or "Goal", "answer": [{"valueInteger": m.total}]}
        ]
        return r
    items: list[dict[str, Any]] = [
        {"linkId": code, "answer": [{"valueInteger": value}]}
        for code, value in zip(spec.items, m.items or [], strict=False)
    ]
    band = f" ({m.band})" if m.band else ""
    items.append(
        {
            "linkId": spec.total_loinc,
            "text": f"{spec.name} total score{band}",
            "answer": [{"valueInteger": m.total}],
        }
    )
    r["item"] = items
    return r
