"""The patient's Notes tab: every current note, newest first, with a preview; `a` amend,
`e` entered in error, `v` versions, `f` search (enter searches; empty shows all; escape or
down goes back to the list).

The search box lets the tab keys 1-8 through while it is empty, so a digit pressed to
switch tab is never typed into it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from mhf_tui.ui.widgets.record_tab import RecordTab
from mhf_tui.ui.widgets.safe import clean, literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table, spare_width

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.notes import NoteRead

NOTE_KIND_LABELS = {
    "contact": "contact",
    "phone_call": "phone",
    "care_plan": "care plan",
    "safeguarding": "safeguard",
    "general": "general",
}
TAB_KEYS = frozenset("12345678")


class NoteSearch(Input):
    """The notes search box: while empty, the tab digits are not typed but switch tab."""

    BINDINGS = [
        Binding("escape,down", "leave", "List", show=False, id="note_search_leave",
                tooltip="back to the notes list"),
    ]  # fmt: skip

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if not self.value and character in TAB_KEYS:
            return False
        return super().check_consume_key(key, character)

    def on_key(self, event: events.Key) -> None:
        if not self.value and event.character in TAB_KEYS:
            event.prevent_default()  # not typed: it reaches the screen's tab key

    def action_leave(self) -> None:
        self.screen.query_one("#notes-table").focus()


class NotesTab(RecordTab):
    CATEGORY = "Note"
    BINDINGS = [
        Binding("a", "amend", "Amend", id="note_amend", tooltip="amend the highlighted note"),
        Binding("e", "entered_in_error", "In error", id="note_in_error",
                tooltip="mark the highlighted note entered in error"),
        Binding("v", "versions", "Versions", show=False, id="note_versions",
                tooltip="show every version of the highlighted note"),
        Binding("f", "search", "Search", show=False, id="note_search",
                tooltip="search this patient's notes"),
    ]  # fmt: skip
    PANE = "notes"

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(patient_id)
        self.all_notes: list[NoteRead] = []
        #: the notes listed: all of them, or a search's hits
        self.shown: list[NoteRead] = []

    def compose(self) -> ComposeResult:
        yield NoteSearch(id="note-search-input", placeholder="Search notes (f, enter); empty: all")
        yield row_table(
            "notes-table",
            (("Written", 15), ("Kind", 9), ("Note", 35 + spare_width(self.app.size)), ("", 5)),
        )
        yield Static("", id="note-preview", classes="preview")

    def show(self, notes: list[NoteRead]) -> None:
        """All the current notes (from the record); a search narrows what is listed."""
        self.all_notes = notes
        self.show_notes(notes)

    def show_notes(self, notes: list[NoteRead]) -> None:
        self.shown = notes
        table = self.table
        refill(table, map(_note_cells, notes), cursor=table.cursor_row)
        self.show_preview()

    def selected_note(self) -> NoteRead | None:
        return cursor_item(self.table, self.shown)

    @on(DataTable.RowHighlighted, "#notes-table")
    def show_preview(self) -> None:
        preview = self.query_one("#note-preview", Static)
        note = self.selected_note()
        if note is None:
            preview.update(Text("No notes yet. Press n to write one.", style="italic"))
            return
        text = Text()
        text.append(f"{note.written_at.astimezone():%d %b %Y %H:%M} · ", style="italic")
        text.append(clean(note.author), style="italic")
        if note.version > 1:
            text.append(f" · version {note.version}", style="italic")
        if note.entered_in_error:
            text.append(" · ENTERED IN ERROR", style="bold")
        if note.amend_reason:
            text.append(" · ", style="italic")
            text.append(clean(note.amend_reason), style="italic")
        text.append("\n")
        text.append_text(literal(note.text))
        preview.update(text)

    # --- search -----------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#note-search-input", Input).focus()

    @on(Input.Submitted, "#note-search-input")
    def search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        caseload = self.app.caseload
        if caseload is None:
            return
        if not query:
            self.show_notes(self.all_notes)
            self.table.focus()
            return
        actor, pid = caseload.actor, self.patient_id

        def search(session: Session) -> list[NoteRead]:
            from mhf_tui.services import notes

            hits = notes.search_notes(
                session, actor=actor, query=query, patient_id=pid, include_entered_in_error=True
            )
            return [h.note for h in hits]

        def found(notes: list[NoteRead]) -> None:
            self.show_notes(notes)
            self.notify(f"{len(notes)} note(s) match.")
            self.table.focus()

        self.db_call("search notes", search, found)

    # --- changes ----------------------------------------------------------------------

    def action_amend(self) -> None:
        from mhf_tui.ui.widgets.dialogs import Amendment, AmendNoteScreen

        note = self.selected_note()
        if note is None:
            return
        if note.entered_in_error:
            self.notify(
                "This note was marked entered in error; write a new note instead.",
                severity="warning",
            )
            return

        def write(session: Session, actor: str, result: Amendment) -> None:
            from mhf_tui.services import notes

            notes.amend_note(
                session, actor=actor, note_id=note.id, text=result.text, reason=result.reason
            )

        self.app.push_screen(
            AmendNoteScreen(note.text), self.write_answer("amend the note", "Note amended.", write)
        )

    def action_entered_in_error(self) -> None:
        from mhf_tui.ui.widgets.dialogs import TextPrompt

        note = self.selected_note()
        if note is None:
            return

        def write(session: Session, actor: str, reason: str) -> None:
            from mhf_tui.services import notes

            notes.mark_entered_in_error(session, actor=actor, note_id=note.id, reason=reason)

        self.app.push_screen(
            TextPrompt("Entered in error", "Why is this note wrong? (it stays in the history)"),
            self.write_answer("mark the note", "Marked entered in error.", write),
        )

    def action_versions(self) -> None:
        from mhf_tui.ui.widgets.dialogs import VersionsScreen

        note = self.selected_note()
        if note is None:
            return

        def history(session: Session) -> list[NoteRead]:
            from mhf_tui.services import notes

            return notes.note_history(session, note_id=note.id)

        def show(versions: list[NoteRead]) -> None:
            self.app.push_screen(VersionsScreen(versions))

        self.db_call("load the versions", history, show)


def _note_cells(n: NoteRead) -> tuple[Text, ...]:
    first = n.text.strip().splitlines()[0] if n.text.strip() else ""
    flags = "ERROR" if n.entered_in_error else (f"v{n.version}" if n.version > 1 else "")
    return (
        Text(f"{n.first_written_at.astimezone():%d %b %y %H:%M}"),
        Text(NOTE_KIND_LABELS.get(n.kind, n.kind)),
        literal(first, style="strike" if n.entered_in_error else ""),
        Text(flags, style="bold" if n.entered_in_error else ""),
    )
