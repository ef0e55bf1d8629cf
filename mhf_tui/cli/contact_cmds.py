"""`mhf contact add|list` (encounters) and `mhf followups` (what is due)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mhf_tui.cli.argtypes import iso_date, local_time, nhs_number
from mhf_tui.cli.common import in_session, local, on_patient, patient_records, with_caseload
from mhf_tui.cli.output import Column, emit
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.contacts import ContactRead
    from mhf_tui.services.followups import FollowUp

cli = Commands()
cli.group("contact", "contacts (encounters): add, list")
register = cli.register


@cli.command("contact add", help="record a contact")
@arg("--nhs", required=True, type=nhs_number)
@arg("--mode", required=True, help="face_to_face, phone, video, home_visit, dna, cancelled")
@arg("--minutes", type=int)
@arg("--at", type=local_time, help="when, 'YYYY-MM-DD HH:MM' (default now)")
@arg("--practice", metavar="ODS", help="where, if at a practice")
@arg("--location")
@arg("--reason")
@arg("--outcome")
@arg("--follow-up", dest="follow_up", type=iso_date, metavar="YYYY-MM-DD")
@arg("--note", help="a note for this contact")
@with_caseload
def contact_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.contacts import ContactCreate, add_contact

    contact, note = on_patient(
        args,
        caseload,
        add_contact,
        data=ContactCreate(
            mode=args.mode,
            occurred_at=args.at,
            duration_minutes=args.minutes,
            practice_ods=args.practice,
            location=args.location or "",
            reason=args.reason or "",
            outcome=args.outcome or "",
            follow_up_on=args.follow_up,
        ),
        note_text=args.note,
    )
    print(f"Recorded {contact.mode_label.lower()} contact {contact.id}")
    if note is not None:
        print(f"Saved note {note.id}")
    if contact.follow_up_on:
        print(f"Follow-up due {contact.follow_up_on.isoformat()}")
    return 0


CONTACT_COLUMNS: list[Column[ContactRead]] = [
    ("When", lambda c: local(c.occurred_at)),
    ("Mode", lambda c: c.mode_label),
    ("Min", lambda c: c.duration_minutes or ""),
    ("Outcome", lambda c: c.outcome),
    ("Follow-up", lambda c: c.follow_up_on.isoformat() if c.follow_up_on else ""),
]


@cli.command("contact list", help="a patient's contacts", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def contact_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.contacts import list_contacts

    return emit(
        args,
        patient_records(args, caseload, "contact", list_contacts),
        columns=CONTACT_COLUMNS,
    )


FOLLOW_UP_COLUMNS: list[Column[FollowUp]] = [
    ("Due", lambda f: f.due_on.isoformat() + (" OVERDUE" if f.overdue else "")),
    ("Patient", lambda f: f.patient_name),
    ("NHS number", lambda f: f.nhs_number or "-"),
    ("What", lambda f: f.label),
]


@cli.command("followups", help="follow-ups due and overdue", json=True)
@arg("--days", type=int, default=0, help="also those due in the next N days")
@with_caseload
def followups(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.followups import follow_ups_due

    return emit(
        args,
        in_session(caseload, follow_ups_due, within_days=args.days),
        columns=FOLLOW_UP_COLUMNS,
    )
