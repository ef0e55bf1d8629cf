"""`mhf note add|list|amend|error|history|search`: notes are append-only and versioned."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.argtypes import nhs_number
from mhf_tui.cli.common import (
    audit_view,
    local,
    on_patient,
    patient_id,
    patient_records,
    with_caseload,
)
from mhf_tui.cli.output import emit, indented
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.notes import NoteHit, NoteRead

cli = Commands()
cli.group("note", "notes: add, list, amend, error, history, search")
register = cli.register


def _read_text(args: argparse.Namespace, what: str) -> str:
    """The TEXT argument, or the rest of stdin (after the passphrase line when
    --passphrase-stdin was given: the caseload is opened before this is called)."""
    if args.text is not None:
        return str(args.text)
    if sys.stdin.isatty():
        print(f"Type the {what}; finish with Ctrl-D on a new line.", file=sys.stderr)
    return sys.stdin.read()


@cli.command(
    "note add",
    help="add a note (durable when the command returns)",
    description="The text comes from TEXT or from stdin (with --passphrase-stdin the "
    "first stdin line is the passphrase and the rest is the note).",
)
@arg("--nhs", required=True, type=nhs_number)
@arg("--kind", default="contact", help="contact, phone_call, care_plan, safeguarding, general")
@arg("text", nargs="?", help="the note (default: read stdin)")
@with_caseload
def note_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import add_note

    text = _read_text(args, "note")
    note = on_patient(args, caseload, add_note, text=text, kind=args.kind)
    # The unit of work has committed (synchronous=FULL): the note is on disk.
    print(f"Saved note {note.id}")
    return 0


@cli.command("note list", help="a patient's notes (current versions)", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def note_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import current_notes

    notes = patient_records(args, caseload, "note", current_notes)
    return emit(args, notes, lines=_current_lines)


def _current_lines(n: NoteRead) -> list[str]:
    flags = " ENTERED IN ERROR" if n.entered_in_error else (" amended" if n.amended else "")
    heading = f"{str(n.id)[:8]}  {local(n.first_written_at)}  {n.kind}  {n.author}{flags}"
    return [heading, *indented(n.text)]


def _on_note(
    args: argparse.Namespace, caseload: Caseload, change: Callable[..., NoteRead], **fields: Any
) -> NoteRead:
    """A change to the note NOTE_ID names (a new version), by the facilitator."""
    from mhf_tui.services.notes import resolve_note_id

    with caseload.session() as session:
        note_id = resolve_note_id(session, ref=args.note_id)
        return change(session, actor=caseload.actor, note_id=note_id, **fields)


@cli.command("note amend", help="correct a note (a new version)")
@arg("note_id", metavar="NOTE_ID", help="id or its first 6+ characters")
@arg("text", nargs="?", help="the corrected text (default: read stdin)")
@arg("--reason")
@with_caseload
def note_amend(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import amend_note

    text = _read_text(args, "amended note")
    note = _on_note(args, caseload, amend_note, text=text, reason=args.reason or "")
    print(f"Saved version {note.version} as {note.id}; earlier versions are kept")
    return 0


@cli.command("note error", help="mark a note entered in error")
@arg("note_id", metavar="NOTE_ID")
@arg("--reason", required=True)
@with_caseload
def note_error(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import mark_entered_in_error

    note = _on_note(args, caseload, mark_entered_in_error, reason=args.reason)
    print(f"Marked entered in error (version {note.version}, {note.id}); nothing was deleted")
    return 0


@cli.command("note history", help="every version of a note", json=True)
@arg("note_id", metavar="NOTE_ID")
@with_caseload
def note_history(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import note_history, resolve_note_id

    with caseload.session() as session:
        versions = note_history(session, note_id=resolve_note_id(session, ref=args.note_id))
        audit_view(
            session, caseload.actor, "note", patient=versions[0].patient_id, rows=len(versions)
        )
    return emit(args, versions, lines=_version_lines)


def _version_lines(v: NoteRead) -> list[str]:
    flag = "  ENTERED IN ERROR" if v.entered_in_error else ""
    why = f"  ({v.amend_reason})" if v.amend_reason else ""
    heading = f"v{v.version}  {local(v.written_at)}  {v.author}  {v.id}{flag}{why}"
    return [heading, *indented(v.text)]


@cli.command("note search", help="full-text search over notes", json=True)
@arg("query", metavar="QUERY")
@arg("--nhs", type=nhs_number, help="only this patient's notes")
@arg("--limit", type=int, default=200)
@with_caseload
def note_search(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.notes import search_notes

    with caseload.session() as session:
        hits = search_notes(
            session,
            actor=caseload.actor,
            query=args.query,
            patient_id=patient_id(session, args.nhs) if args.nhs else None,
            limit=args.limit,
        )
    return emit(args, hits, lines=_hit_lines, footer=f"{len(hits)} note(s)")


def _hit_lines(h: NoteHit) -> list[str]:
    heading = f"{str(h.note.id)[:8]}  {local(h.note.written_at)}  {h.nhs_number or '-'}"
    return [f"{heading}  {h.patient_name}", *indented(h.note.text)]
