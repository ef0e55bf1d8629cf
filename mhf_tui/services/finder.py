"""The patient finder: filter-as-you-type over the whole caseload in well under a frame.

`PatientIndex` loads one light row per patient once (no free text beyond names) and
filters in memory over precomputed lower-case keys, so a keystroke never touches the
database. Writers call `refresh_patient` (one row) or `refresh` (everything) afterwards.

Query language, case-insensitive, every word must match:
- a name word matches the start of the family or given name (or any part of a
  hyphenated name, with or without apostrophes and accents): `smi`, `o'ne`, `oneil`;
- digits (spaces and dashes ignored when the whole query is a number) match anywhere in
  the NHS number: `999 000 0018`, `9990000018`, `0018`;
- a practice ODS code or a word of the practice name: `c82001`, `bridge`;
- a care cluster: `c8`, `cluster 8`, `cluster8`;
- a date of birth: `1980-03-04` or `04/03/1980`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.services.validation import format_nhs_number

_CLUSTER_WORDS = re.compile(r"\bcluster\s*([0-9]{1,2})\b")
_NUMBER_ONLY = re.compile(r"[0-9][0-9\s-]*")
_SPLIT = re.compile(r"[\s,;]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _name_words(name: str) -> list[str]:
    folded = _fold(name)
    parts = [p for p in re.split(r"[\s\-]+", folded) if p]
    plain = [re.sub(r"[^a-z0-9]", "", p) for p in parts]
    joined = re.sub(r"[^a-z0-9]", "", folded)
    return list(dict.fromkeys([*parts, *plain, joined, folded.replace(" ", "")]))


@dataclass(frozen=True, slots=True)
class FinderRow:
    id: uuid.UUID
    family_name: str
    given_name: str
    nhs_number: str | None
    date_of_birth: date
    practice_ods: str
    practice_name: str
    care_cluster: int | None
    status: str
    smi_register: bool
    alert_risk: bool
    alert_safeguarding: bool
    alert_lone_worker: bool
    alert_do_not_text: bool
    share_with_practice: bool
    #: " word word ..." lower-case, each word preceded by a space: word-prefix matching
    key: str = field(repr=False, compare=False)
    sort_key: tuple[str, str] = field(repr=False, compare=False)

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def nhs_number_formatted(self) -> str:
        return format_nhs_number(self.nhs_number)

    @property
    def alerts(self) -> list[str]:
        labels = [
            ("risk", self.alert_risk),
            ("safeguarding", self.alert_safeguarding),
            ("lone worker", self.alert_lone_worker),
            ("do not text", self.alert_do_not_text),
        ]
        return [label for label, on in labels if on]


_COLUMNS: tuple[Any, ...] = (
    Patient.id,
    Patient.family_name,
    Patient.given_name,
    Patient.nhs_number,
    Patient.date_of_birth,
    Practice.ods_code,
    Practice.name,
    Patient.care_cluster,
    Patient.status,
    Patient.smi_register,
    Patient.alert_risk,
    Patient.alert_safeguarding,
    Patient.alert_lone_worker,
    Patient.alert_do_not_text,
    Patient.share_with_practice,
)


def _make_row(values: tuple[Any, ...]) -> FinderRow:
    (pid, family, given, nhs, dob, ods, pname, cluster, status, smi, *flags) = values
    risk, safeguarding, lone_worker, do_not_text, share = (bool(f) for f in flags)
    words = [*_name_words(family), *_name_words(given), ods.lower()]
    words += [w for w in re.split(r"[^a-z0-9]+", _fold(pname)) if w]
    if cluster is not None:
        words.append(f"c{cluster}")
    words += [dob.isoformat(), dob.strftime("%d/%m/%Y"), status]
    return FinderRow(
        id=pid,
        family_name=family,
        given_name=given,
        nhs_number=nhs,
        date_of_birth=dob,
        practice_ods=ods,
        practice_name=pname,
        care_cluster=cluster,
        status=status,
        smi_register=bool(smi),
        alert_risk=risk,
        alert_safeguarding=safeguarding,
        alert_lone_worker=lone_worker,
        alert_do_not_text=do_not_text,
        share_with_practice=share,
        key=" " + " ".join(words),
        sort_key=(_fold(family), _fold(given)),
    )


@dataclass(frozen=True)
class _Query:
    digits: str  # the whole query was a number (NHS search)
    words: tuple[str, ...]
    numbers: tuple[str, ...]


def parse_query(query: str) -> _Query:
    text = _fold(query or "").strip()
    if _NUMBER_ONLY.fullmatch(text):
        return _Query(re.sub(r"[\s-]", "", text), (), ())
    text = _CLUSTER_WORDS.sub(r"c\1", text)
    words: list[str] = []
    numbers: list[str] = []
    for token in _SPLIT.split(text):
        if not token:
            continue
        (numbers if token.isdigit() else words).append(token)
    return _Query("", tuple(words), tuple(numbers))


class PatientIndex:
    """In-memory finder over the caseload; build with `PatientIndex.load(session)`."""

    def __init__(self, rows: Iterable[FinderRow] = ()) -> None:
        self._by_id: dict[uuid.UUID, FinderRow] = {r.id: r for r in rows}
        self._rows: list[FinderRow] = []
        self._resort()

    @classmethod
    def load(cls, session: Session) -> PatientIndex:
        index = cls()
        index.refresh(session)
        return index

    def _resort(self) -> None:
        self._rows = sorted(self._by_id.values(), key=lambda r: r.sort_key)

    def refresh(self, session: Session) -> None:
        stmt = select(*_COLUMNS).join(Practice, col(Patient.practice_id) == col(Practice.id))
        self._by_id = {
            r.id: r for r in (_make_row(tuple(v)) for v in session.connection().execute(stmt).all())
        }
        self._resort()

    def refresh_patient(self, session: Session, patient_id: uuid.UUID) -> None:
        """After adding or editing one patient."""
        stmt = (
            select(*_COLUMNS)
            .join(Practice, col(Patient.practice_id) == col(Practice.id))
            .where(col(Patient.id) == patient_id)
        )
        values = session.connection().execute(stmt).first()
        if values is None:
            self._by_id.pop(patient_id, None)
        else:
            self._by_id[patient_id] = _make_row(tuple(values))
        self._resort()

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, patient_id: uuid.UUID) -> FinderRow | None:
        return self._by_id.get(patient_id)

    def search(
        self,
        query: str = "",
        *,
        statuses: frozenset[str] | None = None,
        practice_ods: str | None = None,
        limit: int | None = None,
    ) -> list[FinderRow]:
        """Matching patients sorted by family then given name."""
        rows = self._rows
        if statuses is not None:
            rows = [r for r in rows if r.status in statuses]
        if practice_ods:
            ods = practice_ods.strip().upper()
            rows = [r for r in rows if r.practice_ods == ods]
        q = parse_query(query)
        if q.digits:
            digits = q.digits
            rows = [r for r in rows if r.nhs_number is not None and digits in r.nhs_number]
        for number in q.numbers:
            rows = [r for r in rows if r.nhs_number is not None and number in r.nhs_number]
        for word in q.words:
            needle = " " + word
            rows = [r for r in rows if needle in r.key]
        return rows[:limit] if limit is not None else list(rows)
