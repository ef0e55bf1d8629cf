"""Recall lists (overdue / due / never, per template applicability) and the QOF-style
completeness report on a known set, by contract year, with the MH011 lipid rule."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlmodel import Session

from mhf_tui.services.care_plans import CarePlanCreate, GoalCreate, save_care_plan
from mhf_tui.services.qof_report import qof_report
from mhf_tui.services.recall import recall_list
from mhf_tui.services.reviews import answer_items, complete_review, start_review
from mhf_tui.services.templates import TemplateSet

from .conftest import ACTOR

TODAY = date(2025, 6, 30)
PHC = "smi_physical_health_check"
SIX = {
    "bmi": "30.1",
    "bp_systolic": "135",
    "bp_diastolic": "85",
    "alcohol_units_week": "10",
    "smoking_status": "current",
    "hba1c": "44",
    "cholesterol": "5.9",
    "health_promotion_advice": "yes",
    "referral_offered": "yes",
}
#: the six checks with no MH011 risk factor (BMI under 25, never smoked)
NO_RISK = {**SIX, "bmi": "22.5", "smoking_status": "never"}


def do_review(
    session: Session,
    templates: TemplateSet,
    patient_id: uuid.UUID,
    template_id: str,
    on: date,
    answers: dict[str, str],
    *,
    complete: bool = True,
) -> None:
    review = start_review(
        session, patient_id=patient_id, template=templates.get(template_id), actor=ACTOR,
        performed_on=on,
    )  # fmt: skip
    answer_items(session, review_id=review.id, answers=answers, templates=templates, actor=ACTOR)
    if complete:
        complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)


def phc_entries(entries: list, template: str = PHC) -> dict[str, tuple[str, date | None]]:
    return {e.patient_name: (e.status, e.due_on) for e in entries if e.template_id == template}


def test_recall_statuses(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    overdue = make_patient(family_name="Overdue")
    due_soon = make_patient(family_name="Duesoon")
    not_yet = make_patient(family_name="Notyet")
    make_patient(family_name="Never")
    make_patient(family_name="Offregister", smi_register=False)
    make_patient(family_name="Discharged", status="discharged")
    do_review(session, templates, overdue, PHC, date(2024, 2, 29), SIX)  # due 2025-02-28
    do_review(session, templates, due_soon, PHC, date(2024, 7, 20), SIX)  # due 2025-07-20
    do_review(session, templates, not_yet, PHC, date(2025, 1, 10), SIX)  # due 2026-01-10
    entries = recall_list(session, templates=templates, as_of=TODAY, within_days=30)
    got = phc_entries(entries)
    assert got == {
        "OVERDUE, Alex": ("overdue", date(2025, 2, 28)),
        "DUESOON, Alex": ("due", date(2025, 7, 20)),
        "NEVER, Alex": ("never", None),
    }
    # Most urgent first.
    statuses = [e.status for e in entries]
    assert statuses == sorted(statuses, key=["overdue", "due", "never"].index)
    # A shorter horizon drops the one due in 20 days.
    short = phc_entries(recall_list(session, templates=templates, as_of=TODAY, within_days=10))
    assert "DUESOON, Alex" not in short
    # Every SMI patient also gets the medication review; off-register and discharged nobody.
    names = {e.patient_name for e in entries}
    assert not {"OFFREGISTER, Alex", "DISCHARGED, Alex"} & names
    assert {e.template_id for e in entries} == {PHC, "medication_monitoring", "care_plan_review"}


def test_recall_json_shape_and_in_progress(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient(family_name="Halfway")
    do_review(session, templates, pid, PHC, TODAY, {"bmi": "25"}, complete=False)
    (entry,) = [
        e for e in recall_list(session, templates=templates, as_of=TODAY) if e.template_id == PHC
    ]
    data = entry.as_json()
    assert data["status"] == "never" and data["in_progress"] is True
    assert set(data) >= {"patient_name", "nhs_number", "template", "due_date", "status"}
    assert data["nhs_number"].startswith("999")


def test_care_plan_review_applies_to_patients_with_a_plan(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient(family_name="Cluster", smi_register=False)
    assert recall_list(session, templates=templates, as_of=TODAY) == []
    save_care_plan(
        session,
        actor=ACTOR,
        patient_id=pid,
        data=CarePlanCreate(goals=[GoalCreate(goal="Walk daily")]),
    )
    entries = recall_list(session, templates=templates, as_of=TODAY)
    assert [(e.template_id, e.status) for e in entries] == [("care_plan_review", "never")]


def test_recall_by_practice(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    make_patient(practice="A81001", family_name="North")
    make_patient(practice="B82002", family_name="South")
    names = {
        e.patient_name
        for e in recall_list(session, templates=templates, as_of=TODAY, practice_ods="b82002")
    }
    assert names == {"SOUTH, Alex"}


def test_qof_report_known_set(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    """Six SMI patients at one practice, one off the register, one at another practice.
    Contract year 2025/26 (from 1 April 2025), as of 30 June 2025."""
    complete = make_patient(family_name="Complete")
    do_review(session, templates, complete, PHC, date(2025, 4, 1), NO_RISK)

    # Cholesterol in the previous contract year counts (no MH011 risk factor); the rest now.
    old_chol = make_patient(family_name="Oldchol")
    do_review(session, templates, old_chol, PHC, date(2024, 4, 1), NO_RISK)
    do_review(session, templates, old_chol, PHC, date(2025, 5, 1),
              {k: v for k, v in NO_RISK.items() if k != "cholesterol"})  # fmt: skip

    # Same, but a current smoker: cholesterol must be in this contract year.
    risky = make_patient(family_name="Risky")
    do_review(session, templates, risky, PHC, date(2024, 4, 1), NO_RISK)
    do_review(session, templates, risky, PHC, date(2025, 5, 1),
              {**NO_RISK, "smoking_status": "current", "cholesterol": ""})  # fmt: skip

    # Only BP, from a medication review: counts towards blood pressure only.
    bp_only = make_patient(family_name="Bponly")
    do_review(session, templates, bp_only, "medication_monitoring", date(2025, 5, 5), {
        "on_antipsychotic": "y", "weight": "80", "bp_systolic": "120", "bp_diastolic": "80",
        "side_effects": "none", "adherence": "as_prescribed",
    })  # fmt: skip

    # Everything on the last day of the previous contract year: only cholesterol counts.
    stale = make_patient(family_name="Stale")
    do_review(session, templates, stale, PHC, date(2025, 3, 31), NO_RISK)

    make_patient(family_name="Nothing")
    make_patient(family_name="Notsmi", smi_register=False)
    other = make_patient(practice="B82002", family_name="Elsewhere")
    do_review(session, templates, other, PHC, date(2025, 3, 1), SIX)

    report = qof_report(session, templates=templates, practice_ods="A81001", as_of=TODAY)
    assert report.smi_register == 6
    assert report.all_checks_complete == 2  # Complete, Oldchol
    counts = {c.id: c.count for c in report.checks}
    assert counts == {
        "bmi": 3,
        "blood_pressure": 4,
        "alcohol": 3,
        "smoking": 3,
        "glucose": 3,
        "cholesterol": 3,  # Complete, Oldchol, Stale (Risky's is too old at raised risk)
    }
    data = report.as_json()
    assert data["smi_register"] == 6 and data["all_checks_complete"] == 2
    assert data["checks"]["cholesterol"] == 3
    assert data["contract_year"] == "2025/26" and data["as_of"] == "2025-06-30"
    assert "SMI physical health check" in str(data["all_checks_measure"])
    windows = {p["patient_id"]: p["lipid_window"] for p in data["patients"]}
    assert windows[str(old_chol)] == {
        "months": 24, "basis": "no_risk_factor", "manual_override": False, "reasons": [],
    }  # fmt: skip
    assert windows[str(risky)]["months"] == 12
    assert windows[str(risky)]["reasons"] == ["current smoker"]
