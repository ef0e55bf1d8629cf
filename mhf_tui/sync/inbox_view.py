"""What the inbox screen lists: patients with new information (a letter owed) and patients
whose written letter is not yet filed, risk-flagged first; each with its letter's text for
the preview. Plain data, so the screen only shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from mhf_tui.db.tables.letters import LetterRecord
from mhf_tui.sync.letter_store import ensure_tables, held_items, pending_letters
from mhf_tui.sync.letters import format_nhs, letter_text, nhs_of, patient_name
from mhf_tui.sync.practice_view import devices


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
    """The devices the store has accepted files from (never patient data)."""
    return [
        f"{d.facilitator}  {d.fingerprint}"
        + "".join(f"  {ods} #{seq}" for ods, seq in sorted(d.last_sequence.items()))
        for d in devices(session)
    ]
