"""What the inbox screen lists: patients with new information (a letter owed) and patients
whose written letter is not yet filed, risk-flagged first; each with its letter's text for
the preview. Plain data, so the screen only shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from mhf_tui.db.tables.letters import LetterRecord
from mhf_tui.sync.enrolment import devices
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.letter_store import ensure_tables, held_items, pending_letters
from mhf_tui.sync.letters import format_nhs, letter_text, nhs_of, patient_name
from mhf_tui.sync.practice_store import PracticeStore


@dataclass(frozen=True)
class InboxRow:
    patient_id: str
    nhs_number: str
    name: str
    risk: bool
    state: str  # "new": a letter is owed; "written": written, not yet filed
    codes: int
    preview: str


def inbox_rows(session: Session) -> list[InboxRow]:
    rows = [
        InboxRow(
            letter.patient_id,
            format_nhs(letter.nhs_number),
            letter.name,
            letter.risk_flagged,
            "new",
            len(letter.codes),
            letter_text(letter),
        )
        for letter in pending_letters(session)
    ]
    owed = {row.patient_id for row in rows}
    ensure_tables(session)
    unfiled: dict[str, list[str]] = {}
    risky: set[str] = set()
    for record in session.exec(
        select(LetterRecord)
        .where(col(LetterRecord.filed_at).is_(None))
        .order_by(col(LetterRecord.written_at))
    ):
        unfiled.setdefault(record.patient_id, []).append(record.file_name)
        if record.risk:
            risky.add(record.patient_id)
    patients = held_items(session).patients
    for pid, files in unfiled.items():
        patient = patients.get(pid)
        if pid in owed or patient is None:
            continue
        preview = "Letter(s) written, not yet marked filed:\n" + "\n".join(
            f"  {name}" for name in files
        )
        rows.append(
            InboxRow(pid, format_nhs(nhs_of(patient.body)), patient_name(patient.body),
                     pid in risky, "written", 0, preview)
        )  # fmt: skip
    return sorted(rows, key=lambda r: (not r.risk, r.state != "new", r.name))


def device_lines(session: Session) -> list[str]:
    """The enrolled devices: name, fingerprint, last file (never patient data)."""
    return [
        f"{d.name}  {d.fingerprint}  file #{d.last_sequence}" if d.last_sequence
        else f"{d.name}  {d.fingerprint}  no file yet"
        for d in devices(session)
    ]  # fmt: skip


def import_described(store: PracticeStore, path: Path) -> str:
    """Import one sync file into the open inbox; one line saying what came (no patient
    data: the file, the enrolled device's name, counts)."""
    summary = import_file(store, path)
    return (
        f"Imported {summary.file_name} from {summary.device_name}: "
        f"{summary.changed} new or changed, {summary.unchanged} unchanged"
    )
