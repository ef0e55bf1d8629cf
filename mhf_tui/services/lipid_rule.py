"""Which lipid window applies to a patient: QOF MH011, derived from the record.

Source: QOF business rules v49/v50, indicator MH011 ("How to achieve the indicator", as
summarised in Primary Care IT's "MH011 - lipid check for SMI"): a lipid profile in the
contract year for patients with any of these, otherwise in the 24 months before the end of
the contract year (this or the previous contract year):

- an antipsychotic prescribed in the last 6 months (of the contract year);
- CHD, unresolved diabetes, stroke, TIA, PAD, unresolved CKD 3-5, familial
  hypercholesterolaemia;
- current smoker;
- overweight: BMI >= 25 (ethnicity White), >= 23 (latest ethnicity not White),
  >= 30 whatever the ethnicity. With no ethnic category recorded mhf uses 25.

The facts come from review answers (whatever template holds the item): the medication
monitoring review's "prescribed an antipsychotic" or an antipsychotic named in a medicines
list, the health check's condition, smoking, BMI and ethnic category items. The patient's
manual "raised cardiovascular risk" flag still forces the 12-month window, reported as an
override so it can be told apart from the derived rule.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from mhf_tui.db.tables import Patient
from mhf_tui.db.tables.reviews import Review, ReviewAnswer
from mhf_tui.services.reviews import ABANDONED, add_months

SHORT, LONG = 12, 24
#: condition items of the health check (yes/no) and how a reason names them
CONDITION_ITEMS = {
    "condition_chd": "coronary heart disease",
    "condition_diabetes": "diabetes",
    "condition_stroke": "stroke",
    "condition_tia": "TIA",
    "condition_pad": "peripheral arterial disease",
    "condition_ckd_3_5": "CKD stage 3-5",
    "condition_familial_hypercholesterolaemia": "familial hypercholesterolaemia",
}
ANTIPSYCHOTIC_ITEM = "on_antipsychotic"
MEDICINES_ITEM = "medicines"
SMOKING_ITEM = "smoking_status"
BMI_ITEM = "bmi"
ETHNICITY_ITEM = "ethnic_category"
#: ethnic categories (NHS data dictionary groups) for which the BMI threshold is 25
WHITE = "white"
NOT_STATED = "not_stated"
BMI_WHITE_OR_UNKNOWN, BMI_OTHER = 25.0, 23.0
#: antipsychotics (BNF 4.2.1 and 4.2.2, generic names) looked for in a medicines list
ANTIPSYCHOTICS = frozenset(
    {
        "amisulpride", "aripiprazole", "asenapine", "benperidol", "cariprazine",
        "chlorpromazine", "clozapine", "flupentixol", "fluphenazine", "haloperidol",
        "levomepromazine", "lurasidone", "olanzapine", "paliperidone", "pericyazine",
        "perphenazine", "pimozide", "prochlorperazine", "promazine", "quetiapine",
        "risperidone", "sulpiride", "trifluoperazine", "zuclopenthixol", "zotepine",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z]+")
_ITEMS = (
    *CONDITION_ITEMS,
    ANTIPSYCHOTIC_ITEM,
    MEDICINES_ITEM,
    SMOKING_ITEM,
    BMI_ITEM,
    ETHNICITY_ITEM,
)


@dataclass(frozen=True)
class _Answer:
    value: str
    number: float | None
    observed_on: date


@dataclass
class RiskFacts:
    """One patient's answers that bear on MH011: the latest per item, and every medicines
    answer (for the 6-month antipsychotic look-back)."""

    latest: dict[str, _Answer] = field(default_factory=dict)
    medication: list[_Answer] = field(default_factory=list)

    def add(self, item_id: str, answer: _Answer) -> None:
        if item_id in (ANTIPSYCHOTIC_ITEM, MEDICINES_ITEM):
            self.medication.append(answer if item_id == MEDICINES_ITEM else _flag(answer))
        held = self.latest.get(item_id)
        if held is None or answer.observed_on >= held.observed_on:
            self.latest[item_id] = answer


def _flag(answer: _Answer) -> _Answer:
    """A yes to "prescribed an antipsychotic", as a medicines entry that names one."""
    return _Answer("antipsychotic" if answer.value == "yes" else "", None, answer.observed_on)


def names_antipsychotic(text: str) -> bool:
    return any(word in ANTIPSYCHOTICS for word in _WORD.findall(text.lower()))


@dataclass(frozen=True)
class LipidWindow:
    """The window MH011 gives a patient, with the reasons (empty for the 24-month default)."""

    months: int
    reasons: tuple[str, ...] = ()
    override: bool = False

    @property
    def basis(self) -> str:
        if self.override and len(self.reasons) == 1:
            return "override"
        return "risk_factor" if self.reasons else "no_risk_factor"

    def as_json(self) -> dict[str, object]:
        return {
            "months": self.months,
            "basis": self.basis,
            "manual_override": self.override,
            "reasons": list(self.reasons),
        }


OVERRIDE_REASON = "manual override: raised cardiovascular risk flag set on the patient"


def bmi_threshold(ethnic_category: str | None) -> float:
    if ethnic_category in (None, "", WHITE, NOT_STATED):
        return BMI_WHITE_OR_UNKNOWN
    return BMI_OTHER


def lipid_window(facts: RiskFacts | None, *, reference: date, manual_flag: bool) -> LipidWindow:
    """12 months when any MH011 risk factor is on record (or the manual flag is set), else 24.
    `reference` is the day the report looks from (the antipsychotic look-back is 6 months)."""
    facts = facts or RiskFacts()
    reasons: list[str] = []
    since = add_months(reference, -6)
    prescribed = [
        a for a in facts.medication if since <= a.observed_on <= reference and a.value.strip()
    ]
    if any(a.value == "antipsychotic" or names_antipsychotic(a.value) for a in prescribed):
        reasons.append("antipsychotic prescribed in the last 6 months")
    for item_id, name in CONDITION_ITEMS.items():
        answer = facts.latest.get(item_id)
        if answer is not None and answer.value == "yes":
            reasons.append(f"condition recorded: {name}")
    smoking = facts.latest.get(SMOKING_ITEM)
    if smoking is not None and smoking.value == "current":
        reasons.append("current smoker")
    bmi = facts.latest.get(BMI_ITEM)
    if bmi is not None and bmi.number is not None:
        ethnicity = facts.latest.get(ETHNICITY_ITEM)
        threshold = bmi_threshold(ethnicity.value if ethnicity else None)
        if bmi.number >= threshold:
            basis = "recorded ethnic category" if ethnicity else "no ethnic category recorded"
            reasons.append(f"BMI {bmi.number:g} at or above {threshold:g} ({basis})")
    if manual_flag:
        reasons.append(OVERRIDE_REASON)
    return LipidWindow(SHORT if reasons else LONG, tuple(reasons), override=manual_flag)


def risk_facts(
    session: Session,
    *,
    reference: date,
    practice_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, RiskFacts]:
    """Per patient, the current answers (newest version, not withdrawn, review not
    abandoned) to the MH011 items observed on or before `reference`. One query for every
    version of those items; the newest per lineage is picked here (a correlated NOT EXISTS
    per row took over a second for a practice of 10,000 patients' answers)."""
    stmt: Any = (
        sa_select(
            col(ReviewAnswer.patient_id),
            col(ReviewAnswer.item_id),
            col(ReviewAnswer.value),
            col(ReviewAnswer.number),
            col(ReviewAnswer.observed_on),
            col(ReviewAnswer.lineage_id),
            col(ReviewAnswer.version),
            col(ReviewAnswer.entered_in_error),
        )
        .join(Review, col(Review.id) == col(ReviewAnswer.review_id))
        .join(Patient, col(Patient.id) == col(ReviewAnswer.patient_id))
        .where(col(ReviewAnswer.item_id).in_(_ITEMS), col(Review.status) != ABANDONED)
    )
    if practice_id is not None:  # the report: the practice's SMI register only
        stmt = stmt.where(Patient.practice_id == practice_id, col(Patient.smi_register))
    if patient_id is not None:
        stmt = stmt.where(ReviewAnswer.patient_id == patient_id)
    heads: dict[uuid.UUID, Any] = {}
    for row in session.execute(stmt).all():
        held = heads.get(row.lineage_id)
        if held is None or row.version > held.version:
            heads[row.lineage_id] = row
    facts: dict[uuid.UUID, RiskFacts] = {}
    for row in heads.values():
        if not row.entered_in_error and row.observed_on <= reference:
            answer = _Answer(row.value, row.number, row.observed_on)
            facts.setdefault(row.patient_id, RiskFacts()).add(row.item_id, answer)
    return facts
