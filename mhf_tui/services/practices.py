"""GP practices the facilitator works in: the unit patients belong to and sync files go to."""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field
from sqlmodel import Session, col, func, select
from sqlmodel.main import SQLModelConfig

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.db.tables.core import PracticeBase, PracticeRecord
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audited import audited_add
from mhf_tui.services.fields import CheckedModel, OdsCode, rule
from mhf_tui.services.public import PublicModel
from mhf_tui.services.validation import normalise_ods_code, optional_text, required_text


def _recipient(value: str | None) -> str | None:
    text = optional_text(value, "recipient", max_length=200, one_line=True)
    if not text:
        return None
    if not text.startswith("age1") or not text.isalnum():
        raise ValidationError("recipient must be an age public key (starts with age1)")
    return text


PracticeName = Annotated[str, AfterValidator(rule(required_text, field="practice name"))]
#: age X25519 public key (age1...) the practice's sync files are encrypted to; "" for none
Recipient = Annotated[str | None, BeforeValidator(rule(_recipient))]


class PracticeCreate(CheckedModel, PracticeBase):
    """A new practice, checked as it is built (the ODS code normalised): each of
    `PracticeBase`'s fields has a rule type of its own."""

    entity: ClassVar[str] = "practice"

    ods_code: OdsCode
    name: PracticeName
    recipient: Recipient = None


class PracticeRead(PublicModel, PracticeRecord):
    """A practice as the services hand it out: the table's fields (`PracticeRecord`), its
    id and how many patients it has on this caseload."""

    model_config = SQLModelConfig(frozen=True)
    id: uuid.UUID
    patient_count: int = Field(default=0, serialization_alias="patients")

    @classmethod
    def from_row(cls, row: Practice, patient_count: int = 0) -> PracticeRead:
        return cls.from_attrs(row, patient_count=patient_count)


class PracticeNotFound(MhfError):
    def __init__(self, ods: str) -> None:
        super().__init__(
            f"no practice with ODS code {ods} on this caseload; add it first with "
            f"`mhf practice add --ods {ods} --name NAME`"
        )


def add_practice(session: Session, *, actor: str, data: PracticeCreate) -> PracticeRead:
    if session.exec(select(Practice).where(Practice.ods_code == data.ods_code)).first():
        raise ValidationError(f"practice {data.ods_code} is already on this caseload")
    row = Practice(**data.model_dump())
    audited_add(session, row, actor=actor, action="create", entity="practice")
    return PracticeRead.from_row(row)


def get_practice_row_by_ods(session: Session, ods_code: str) -> Practice:
    ods = normalise_ods_code(ods_code)
    row = session.exec(select(Practice).where(Practice.ods_code == ods)).first()
    if row is None:
        raise PracticeNotFound(ods)
    return row


def list_practices(session: Session) -> list[PracticeRead]:
    counts = dict(
        session.exec(
            select(Patient.practice_id, func.count(col(Patient.id))).group_by(
                col(Patient.practice_id)
            )
        ).all()
    )
    rows = session.exec(select(Practice).order_by(col(Practice.ods_code))).all()
    return [PracticeRead.from_row(r, counts.get(r.id, 0)) for r in rows]
