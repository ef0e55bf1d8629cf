"""QOF windows by contract year (1 April - 31 March) and the MH011 lipid rule derived from
the record: each risk factor switches the lipid window from 24 months (this or the previous
contract year) to 12 (this contract year); BMI worked out from weight and height; the
antipsychotic monitoring schedule (baseline, 12 weeks, 1 year, then annually)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, select

from mhf_tui.db.tables import Patient
from mhf_tui.db.tables.reviews import Review
from mhf_tui.services.contract_year import ContractYear
from mhf_tui.services.qof_report import CheckStatus, patient_checks, qof_report
from mhf_tui.services.recall import recall_list
from mhf_tui.services.reviews import answer_items, current_answers, start_review
from mhf_tui.services.templates import TemplateSet

from .test_reviews_recall import NO_RISK, PHC, do_review

AS_OF = date(2026, 12, 2)
Y2026 = ContractYear(2026)
MEDS = "medication_monitoring"
MEDS_ANSWERS = {
    "on_antipsychotic": "no", "weight": "80", "bp_systolic": "120", "bp_diastolic": "80",
    "side_effects": "none", "adherence": "as_prescribed",
}  # fmt: skip
WITHOUT_LIPIDS = {k: v for k, v in NO_RISK.items() if k != "cholesterol"}


def checks_for(
    session: Session, templates: TemplateSet, pid: uuid.UUID, **kw: object
) -> dict[str, CheckStatus]:
    patient = session.get(Patient, pid)
    assert patient is not None
    kw.setdefault("as_of", AS_OF)
    return {c.id: c for c in patient_checks(session, patient=patient, templates=templates, **kw)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("taken", "in_2026_27", "in_2025_26"),
    [(date(2026, 3, 31), False, True), (date(2026, 4, 1), True, False)],
)
def test_contract_year_edges(
    session: Session,
    templates: TemplateSet,
    make_patient: Callable[..., uuid.UUID],
    taken: date,
    in_2026_27: bool,
    in_2025_26: bool,
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, taken, NO_RISK)
    assert checks_for(session, templates, pid)["bmi"].done is in_2026_27
    last_year = checks_for(session, templates, pid, year=ContractYear(2025), as_of=AS_OF)
    assert last_year["bmi"].done is in_2025_26
    assert checks_for(session, templates, pid)["bmi"].counts_until == (
        date(2026, 3, 31) if taken.month == 3 else date(2027, 3, 31)
    )


@pytest.mark.parametrize(
    ("taken", "counts_in_2026_27"),
    [
        (date(2024, 6, 1), False),  # 2024/25: two contract years back
        (date(2025, 3, 31), False),
        (date(2025, 4, 1), True),  # previous contract year
        (date(2026, 11, 1), True),
    ],
)
def test_lipids_without_risk_factor_count_from_the_previous_contract_year(
    session: Session,
    templates: TemplateSet,
    make_patient: Callable[..., uuid.UUID],
    taken: date,
    counts_in_2026_27: bool,
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, taken, NO_RISK)
    do_review(session, templates, pid, PHC, date(2026, 11, 20), WITHOUT_LIPIDS)
    lipids = checks_for(session, templates, pid)["cholesterol"]
    assert lipids.window_months == 24 and lipids.done is counts_in_2026_27
    report = qof_report(session, templates=templates, practice_ods="A81001", as_of=AS_OF)
    assert report.all_checks_complete == int(counts_in_2026_27)
    assert report.year == Y2026


RISK_FACTORS = [
    ({"smoking_status": "current"}, "current smoker"),
    ({"condition_chd": "yes"}, "coronary heart disease"),
    ({"condition_diabetes": "yes"}, "diabetes"),
    ({"condition_stroke": "yes"}, "stroke"),
    ({"condition_tia": "yes"}, "TIA"),
    ({"condition_pad": "yes"}, "peripheral arterial disease"),
    ({"condition_ckd_3_5": "yes"}, "CKD stage 3-5"),
    ({"condition_familial_hypercholesterolaemia": "yes"}, "familial hypercholesterolaemia"),
    ({"bmi": "25"}, "BMI 25 at or above 25 (no ethnic category recorded)"),
    ({"bmi": "25", "ethnic_category": "white"}, "BMI 25 at or above 25"),
    ({"bmi": "23", "ethnic_category": "asian"}, "BMI 23 at or above 23"),
    ({"bmi": "23.5", "ethnic_category": "black"}, "BMI 23.5 at or above 23"),
]


@pytest.mark.parametrize(("answers", "reason"), RISK_FACTORS)
def test_each_mh011_risk_factor_switches_the_lipid_window(
    session: Session,
    templates: TemplateSet,
    make_patient: Callable[..., uuid.UUID],
    answers: dict[str, str],
    reason: str,
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, date(2025, 10, 1), NO_RISK)  # lipids last year
    assert checks_for(session, templates, pid)["cholesterol"].done
    do_review(session, templates, pid, PHC, date(2026, 11, 20), {**WITHOUT_LIPIDS, **answers})
    lipids = checks_for(session, templates, pid)["cholesterol"]
    assert lipids.window_months == 12 and not lipids.done
    assert lipids.lipids is not None and lipids.lipids.basis == "risk_factor"
    assert any(reason in r for r in lipids.lipids.reasons)


@pytest.mark.parametrize(
    ("answers", "window"),
    [
        ({"bmi": "24.9", "ethnic_category": "white"}, 24),
        ({"bmi": "24.9", "ethnic_category": "not_stated"}, 24),
        ({"bmi": "22.9", "ethnic_category": "asian"}, 24),
        ({"condition_chd": "no"}, 24),
        ({"smoking_status": "ex"}, 24),
    ],
)
def test_below_thresholds_keep_the_24_month_window(
    session: Session,
    templates: TemplateSet,
    make_patient: Callable[..., uuid.UUID],
    answers: dict[str, str],
    window: int,
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, date(2026, 11, 20), {**WITHOUT_LIPIDS, **answers})
    assert checks_for(session, templates, pid)["cholesterol"].window_months == window


@pytest.mark.parametrize(
    ("on", "answers", "window"),
    [
        (date(2026, 7, 1), {"on_antipsychotic": "yes"}, 12),
        (date(2026, 7, 1), {"medicines": "Olanzapine 10 mg at night"}, 12),
        (date(2026, 7, 1), {"medicines": "Sertraline 50 mg"}, 24),
        (date(2026, 5, 1), {"on_antipsychotic": "yes"}, 24),  # over 6 months before
    ],
)
def test_antipsychotic_in_the_last_six_months(
    session: Session,
    templates: TemplateSet,
    make_patient: Callable[..., uuid.UUID],
    on: date,
    answers: dict[str, str],
    window: int,
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, MEDS, on, {**MEDS_ANSWERS, **answers})
    lipids = checks_for(session, templates, pid)["cholesterol"]
    assert lipids.window_months == window
    if window == 12:
        assert lipids.lipids is not None
        assert lipids.lipids.reasons == ("antipsychotic prescribed in the last 6 months",)


def test_manual_flag_is_an_override_shown_as_such(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient(raised_cv_risk=True)
    do_review(session, templates, pid, PHC, date(2025, 10, 1), NO_RISK)
    lipids = checks_for(session, templates, pid)["cholesterol"]
    assert lipids.window_months == 12 and not lipids.done
    assert lipids.lipids is not None and lipids.lipids.basis == "override"
    report = qof_report(session, templates=templates, practice_ods="A81001", as_of=AS_OF)
    (line,) = report.as_json()["patients"]  # type: ignore[misc]
    assert line["lipid_window"]["manual_override"] is True
    assert line["lipid_window"]["basis"] == "override"


def test_bmi_computed_from_weight_and_height(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get(PHC), actor="t", performed_on=AS_OF
    )
    answer_items(
        session, review_id=review.id, answers={"weight": "81", "height": "180"},
        templates=templates, actor="t",
    )  # fmt: skip
    answers = current_answers(session, review_id=review.id)
    assert answers["bmi"].value == "25" and answers["bmi"].code == "60621009"
    assert answers["bmi"].check == "bmi"
    # a typed BMI is still accepted, and a later weight does not overwrite it
    answer_items(session, review_id=review.id, answers={"bmi": "26.1"}, templates=templates,
                 actor="t")  # fmt: skip
    answer_items(session, review_id=review.id, answers={"weight": "90"}, templates=templates,
                 actor="t")  # fmt: skip
    assert current_answers(session, review_id=review.id)["bmi"].value == "26.1"


def test_typed_bmi_without_weight_and_height(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get(PHC), actor="t", performed_on=AS_OF
    )
    answer_items(session, review_id=review.id, answers={"bmi": "31.2", "weight": "95"},
                 templates=templates, actor="t")  # fmt: skip
    assert current_answers(session, review_id=review.id)["bmi"].value == "31.2"


def test_medication_monitoring_schedule_from_the_start_date(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    start = date(2026, 6, 1)
    first = {**MEDS_ANSWERS, "on_antipsychotic": "yes", "started_on": start.isoformat()}
    do_review(session, templates, pid, MEDS, start, first)
    baseline = session.exec(select(Review).where(Review.patient_id == pid)).one()
    assert baseline.next_due_on == date(2026, 8, 24)  # 12 weeks after the start
    (entry,) = [
        e for e in recall_list(session, templates=templates, as_of=date(2026, 8, 10))
        if e.template_id == MEDS
    ]  # fmt: skip
    assert (entry.status, entry.due_on) == ("due", date(2026, 8, 24))
    # the 12-week review (done a week early) moves recall to the 1-year point
    do_review(session, templates, pid, MEDS, date(2026, 8, 17), MEDS_ANSWERS)
    entries = recall_list(session, templates=templates, as_of=AS_OF, within_days=365)
    (entry,) = [e for e in entries if e.template_id == MEDS]
    assert entry.due_on == date(2027, 5, 31)  # 52 weeks after the start


def test_recall_for_a_contract_year_runs_to_31_march(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, date(2026, 3, 1), NO_RISK)  # due 1 March 2027
    soon = recall_list(session, templates=templates, as_of=AS_OF)
    assert PHC not in {e.template_id for e in soon}
    year = recall_list(session, templates=templates, as_of=AS_OF, year=Y2026)
    assert [(e.template_id, e.due_on) for e in year if e.template_id == PHC] == [
        (PHC, date(2027, 3, 1))
    ]


def test_an_amended_or_withdrawn_risk_factor_no_longer_counts(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    do_review(session, templates, pid, PHC, date(2026, 11, 20),
              {**WITHOUT_LIPIDS, "smoking_status": "current", "condition_tia": "yes"})  # fmt: skip
    assert checks_for(session, templates, pid)["cholesterol"].window_months == 12
    review = session.exec(select(Review).where(Review.patient_id == pid)).one()
    answer_items(session, review_id=review.id, answers={"smoking_status": "ex"},
                 templates=templates, actor="t", amend_reason="misheard")  # fmt: skip
    lipids = checks_for(session, templates, pid)["cholesterol"].lipids
    assert lipids is not None and lipids.reasons == ("condition recorded: TIA",)
    answer_items(session, review_id=review.id, answers={"condition_tia": ""},
                 templates=templates, actor="t", amend_reason="entered in error")  # fmt: skip
    assert checks_for(session, templates, pid)["cholesterol"].window_months == 24
