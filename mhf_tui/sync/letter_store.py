"""Which letters the inbox owes, writing them, and marking them filed.

A received item (a resource version: type, id and content hash) goes into a letter once:
the store records each letter and its items, so the next run writes only patients with
something new, and only what is new; `all_items` writes everything again. Letters are
clear-text PDFs by design (the practice files them): written atomically, mode 0600, named
`<NHS number>-<date>-<n>.pdf`. The store reads go through `held_items`, the one place that
knows the store's tables.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import utcnow
from mhf_tui.db.tables.letters import LetterItem, LetterRecord
from mhf_tui.db.tables.sync import STORE_METADATA, ReceivedResource
from mhf_tui.errors import MhfError
from mhf_tui.paths import write_private
from mhf_tui.sync.codes import CodeRow, coded_entries
from mhf_tui.sync.letters import Held, Letter, build_letter, nhs_of
from mhf_tui.sync.practice_store import record_store_event

TEAM_TYPES = ("Practitioner", "Organization")


def ensure_tables(session: Session) -> None:
    """The letter tables, created in a store made before letters existed."""
    tables: list[Any] = [LetterRecord.__table__, LetterItem.__table__]  # type: ignore[attr-defined]
    STORE_METADATA.create_all(session.connection(), tables=tables, checkfirst=True)


@dataclass
class Holdings:
    patients: dict[str, Held]
    items: dict[str, list[Held]]
    teams: dict[str, dict[str, str]]


def held_items(session: Session) -> Holdings:
    """Everything the store holds, by patient, and each device's facilitator and service."""
    patients: dict[str, Held] = {}
    items: dict[str, list[Held]] = defaultdict(list)
    teams: dict[str, dict[str, str]] = defaultdict(dict)
    for row in session.exec(select(ReceivedResource)):
        body = json.loads(row.body)
        held = Held(row.resource_type, row.resource_id, row.sha256, body, row.device_fingerprint)
        if row.resource_type == "Patient":
            patients[row.resource_id] = held
        if row.patient_id:
            items[row.patient_id].append(held)
        elif row.resource_type in TEAM_TYPES:
            teams[row.device_fingerprint][row.resource_type] = _team_name(body)
    return Holdings(patients, dict(items), dict(teams))


def coded_rows(session: Session, *, since: date | None = None) -> list[tuple[str, CodeRow]]:
    """(NHS number, coded entry) for everything held, on or after `since`, in order."""
    holdings = held_items(session)
    rows = [
        (nhs_of(patient.body), row)
        for pid, patient in holdings.patients.items()
        for row in coded_entries(h.body for h in holdings.items.get(pid, []))
        if since is None or (row.date and date.fromisoformat(row.date) >= since)
    ]
    return sorted(rows)


def _team_name(body: dict[str, Any]) -> str:
    if body.get("resourceType") == "Organization":
        return str(body.get("name", ""))
    name = (body.get("name") or [{}])[0]
    return str(name.get("text", "")) if isinstance(name, dict) else ""


def _team(holdings: Holdings, items: list[Held]) -> dict[str, str]:
    devices = sorted({h.device for h in items if h.device})
    teams = [holdings.teams.get(d, {}) for d in devices]
    return {
        "facilitator": "; ".join(t.get("Practitioner", "") for t in teams if t) or "facilitator",
        "service": "; ".join(t.get("Organization", "") for t in teams if t) or "service",
        "device": "; ".join(devices),
    }


def _lettered(session: Session) -> set[tuple[str, str, str]]:
    return {(i.resource_type, i.resource_id, i.sha256) for i in session.exec(select(LetterItem))}


def pending_letters(
    session: Session, *, all_items: bool = False, nhs: str | None = None
) -> list[Letter]:
    """The letters owed: patients with items not yet in a letter (everything with
    `all_items`), risk-flagged patients first, then by name."""
    ensure_tables(session)
    holdings = held_items(session)
    done = set() if all_items else _lettered(session)
    letters = []
    for pid, patient in holdings.patients.items():
        everything = holdings.items.get(pid, [patient])
        new = [h for h in everything if (h.resource_type, h.resource_id, h.sha256) not in done]
        if not new:
            continue
        letter = build_letter(patient, new, everything, _team(holdings, everything))
        if nhs is None or letter.nhs_number == nhs.replace(" ", ""):
            letters.append(letter)
    if (
        nhs is not None
        and not letters
        and not any(nhs_of(p.body) == nhs.replace(" ", "") for p in holdings.patients.values())
    ):
        raise MhfError("no patient with that NHS number has been received")
    return sorted(letters, key=lambda letter: (not letter.risk_flagged, letter.name))


@dataclass(frozen=True)
class WrittenLetter:
    letter_id: int
    path: Path
    nhs_number: str
    items: int
    codes: int
    risk_flagged: bool

    def to_json(self) -> dict[str, object]:
        return {"file": str(self.path), "nhs_number": self.nhs_number, "items": self.items,
                "codes": self.codes, "risk": self.risk_flagged}  # fmt: skip


def write_letters(
    session: Session,
    out_dir: Path,
    *,
    all_items: bool = False,
    nhs: str | None = None,
    today: date | None = None,
) -> list[WrittenLetter]:
    """Render and write every owed letter, recording which items each holds."""
    from mhf_tui.sync.letter_pdf import render  # fpdf2 only when letters are written

    letters = pending_letters(session, all_items=all_items, nhs=nhs)
    if not letters:
        return []
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (today or date.today()).isoformat()
    written = []
    for letter in letters:
        path = _free_name(out_dir, letter, stamp)
        write_private(path, render(letter))
        record = LetterRecord(
            patient_id=letter.patient_id,
            file_name=path.name,
            items=len(letter.items),
            risk=letter.risk_flagged,
        )
        session.add(record)
        session.flush()
        assert record.id is not None
        for held in letter.items:
            session.add(
                LetterItem(
                    letter_id=record.id,
                    resource_type=held.resource_type,
                    resource_id=held.resource_id,
                    sha256=held.sha256,
                )
            )
        record_store_event(
            session, "letter", f"letter {record.id}: {len(letter.items)} item(s)"
        )  # ids and counts only: the file name holds the NHS number
        written.append(
            WrittenLetter(
                record.id, path, letter.nhs_number, len(letter.items), len(letter.codes),
                letter.risk_flagged,
            )
        )  # fmt: skip
    return written


def _free_name(out_dir: Path, letter: Letter, stamp: str) -> Path:
    stem = letter.nhs_number or f"no-nhs-{letter.patient_id[:8]}"
    n = 1
    while (out_dir / f"{stem}-{stamp}-{n}.pdf").exists():
        n += 1
    return out_dir / f"{stem}-{stamp}-{n}.pdf"


def mark_filed(session: Session, patient_id: str) -> int:
    """Mark a patient's written letters filed; returns how many were marked."""
    ensure_tables(session)
    rows = list(
        session.exec(
            select(LetterRecord).where(
                LetterRecord.patient_id == patient_id, col(LetterRecord.filed_at).is_(None)
            )
        )
    )
    for row in rows:
        row.filed_at = utcnow()
        session.add(row)
        record_store_event(session, "letter filed", f"letter {row.id}")
    return len(rows)
