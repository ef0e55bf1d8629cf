"""The patient finder: filter-as-you-type over the whole caseload in well under a frame.

`PatientIndex` loads one light row per patient once (no free text beyond names) and
answers from an in-memory word-prefix index, so a keystroke never touches the database.
Writers call `refresh_patient` (one row) or `refresh` (everything) afterwards.

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
from bisect import bisect_left
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.services.patients import PatientLabels

_CLUSTER_WORDS = re.compile(r"\bcluster\s*([0-9]{1,2})\b")
_NUMBER_ONLY = re.compile(r"[0-9][0-9\s-]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPLIT = re.compile(r"[\s,;]+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=20_000)
def _name_words(name: str) -> tuple[str, ...]:
    folded = _fold(name)
    parts = [p for p in re.split(r"[\s\-'\u2019]+", folded) if p]
    plain = [re.sub(r"[^a-z0-9]", "", p) for p in parts]
    joined = re.sub(r"[^a-z0-9]", "", folded)
    return tuple(dict.fromkeys([*parts, *plain, joined, folded.replace(" ", "")]))


@lru_cache(maxsize=1000)
def _practice_words(ods: str, name: str) -> tuple[str, ...]:
    return (ods.lower(), *(w for w in re.split(r"[^a-z0-9]+", _fold(name)) if w))


@dataclass(frozen=True, slots=True)
class FinderRow(PatientLabels):
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
    #: lower-case words a query word may be the start of (names, practice, cluster, dob)
    words: tuple[str, ...] = field(repr=False, compare=False)
    sort_key: tuple[str, str] = field(repr=False, compare=False)


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
    iso = dob.isoformat()
    words = [
        *_name_words(family),
        *_name_words(given),
        *_practice_words(ods, pname),
        *((f"c{cluster}",) if cluster is not None else ()),
        iso,
        f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}",
        status,
    ]
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
        words=tuple(dict.fromkeys(words)),
        sort_key=(_fold(family), _fold(given)),
    )


@dataclass(frozen=True)
class _Query:
    digits: str  # the whole query was a number (NHS search)
    words: tuple[str, ...]
    numbers: tuple[str, ...]


def parse_query(query: str) -> _Query:
    text = _fold(query or "").strip()
    if _NUMBER_ONLY.fullmatch(text) and not _ISO_DATE.fullmatch(text):
        return _Query(re.sub(r"[\s-]", "", text), (), ())
    text = _CLUSTER_WORDS.sub(r"c\1", text)
    words: list[str] = []
    numbers: list[str] = []
    for token in _SPLIT.split(text):
        if not token:
            continue
        (numbers if token.isdigit() else words).append(token)
    return _Query("", tuple(words), tuple(numbers))


#: NHS numbers sit at fixed offsets in one string, so a match position gives the row
_NHS_WIDTH = 11


class PatientIndex:
    """In-memory finder over the caseload; build with `PatientIndex.load(session)`.

    Rows are kept sorted by name. A word-prefix index (sorted distinct words, each with the
    positions of the rows having it) answers a name/practice/cluster word with two
    bisects; NHS digits are found with `str.find` over one string of all NHS numbers.
    The short queries that match most rows (1-2 letters, 1-3 digits) are cached.
    Nothing on the query path loops in Python over the whole caseload."""

    def __init__(self, rows: Iterable[FinderRow] = ()) -> None:
        self._by_id: dict[uuid.UUID, FinderRow] = {r.id: r for r in rows}
        self._rebuild()

    @classmethod
    def load(cls, session: Session) -> PatientIndex:
        index = cls()
        index.refresh(session)
        return index

    def _rebuild(self) -> None:
        self._rows: list[FinderRow] = sorted(self._by_id.values(), key=lambda r: r.sort_key)
        postings: dict[str, list[int]] = {}
        for position, row in enumerate(self._rows):
            for word in row.words:
                postings.setdefault(word, []).append(position)
        self._words: list[str] = sorted(postings)
        self._postings: list[list[int]] = [postings[w] for w in self._words]
        self._nhs_text = "".join(
            (r.nhs_number or "").ljust(_NHS_WIDTH - 1) + "|" for r in self._rows
        )
        #: results for the short queries that match most rows: one character is worked
        #: out now (the first keystroke must be fast too), longer ones on first use
        self._cache: dict[str, list[int]] = {}
        for first in sorted({w[:1] for w in self._words}):
            self._word_positions(first)
        for digit in "0123456789":
            self._nhs_positions(digit)

    def refresh(self, session: Session) -> None:
        stmt = select(*_COLUMNS).join(Practice, col(Patient.practice_id) == col(Practice.id))
        self._by_id = {
            r.id: r for r in (_make_row(tuple(v)) for v in session.connection().execute(stmt).all())
        }
        self._rebuild()

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
        self._rebuild()

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, patient_id: uuid.UUID) -> FinderRow | None:
        return self._by_id.get(patient_id)

    def _word_positions(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        lo = bisect_left(self._words, word)
        hi = bisect_left(self._words, word + "\U0010ffff", lo)
        if hi - lo == 1:
            return self._postings[lo]
        found = sorted(set().union(*self._postings[lo:hi]))
        if len(word) <= 2:
            self._cache[word] = found
        return found

    def _nhs_positions(self, digits: str) -> list[int]:
        key = "#" + digits
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        text, found, start = self._nhs_text, [], 0
        while (at := text.find(digits, start)) >= 0:
            row = at // _NHS_WIDTH
            found.append(row)
            start = (row + 1) * _NHS_WIDTH  # next row: one hit per row
        if len(digits) <= 3:
            self._cache[key] = found
        return found

    def search(
        self,
        query: str = "",
        *,
        statuses: Collection[str] | None = None,
        practice_ods: str | None = None,
        limit: int | None = None,
    ) -> list[FinderRow]:
        """Matching patients sorted by family then given name."""
        q = parse_query(query)
        candidates = [self._nhs_positions(n) for n in (q.digits, *q.numbers) if n]
        candidates += [self._word_positions(w) for w in q.words]
        if candidates:
            candidates.sort(key=len)
            positions = candidates[0]
            for other in candidates[1:]:
                if not positions:
                    break
                keep = set(other)
                positions = [p for p in positions if p in keep]
            rows = [self._rows[p] for p in positions]
        else:
            rows = list(self._rows)
        if statuses is not None:
            rows = [r for r in rows if r.status in statuses]
        ods = (practice_ods or "").strip().upper()
        if ods:
            rows = [r for r in rows if r.practice_ods == ods]
        return rows[:limit] if limit is not None else rows
