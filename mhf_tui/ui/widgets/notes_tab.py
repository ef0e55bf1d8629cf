"""The patient's Notes tab: every current note, newest first, with a preview; `a` amend,
`e` entered in error, `v` versions, `f` search (enter searches; empty shows all; escape or
down goes back to the list).

The search box lets the tab keys 1-8 through while it is empty, so a digit pressed to
switch tab is never typed into it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from mhf_tui.ui.messages import DataChanged
from mhf_tui.ui.screens.base import ServiceCalls
from mhf_tui.ui.widgets.safe import clean, literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

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


class NotesTab(ServiceCalls, Widget):
    CATEGORY = "Note"
    DEFAULT_CSS = """
    NotesTab { height: 1fr; }
    """
    BINDINGS = [
        Binding("a", "amend", "Amend", id="note_amend", tooltip="amend the highlighted note"),
        Binding("e", "entered_in_error", "In error", id="note_in_error",
                tooltip="mark the highlighted note entered in error"),
        Binding("v", "versions", "Versions", show=False, id="note_versions",
                tooltip="show every version of the highlighted note"),
        Binding("f", "search", "Search", show=False, id="note_search",
                tooltip="search this patient's notes"),
    ]  # fmt: skip
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(id="notes-tab")
        self.patient_id = patient_id
        self.all_notes: list[Any] = []
        self.note_ids: list[uuid.UUID] = []
        self._by_id: dict[uuid.UUID, Any] = {}

    def compose(self) -> ComposeResult:
        yield NoteSearch(id="note-search-input", placeholder="Search notes (f, enter); empty: all")
        yield DataTable(id="notes-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="note-preview", classes="preview")

    def on_mount(self) -> None:
        extra = max(0, self.app.size.width - 80)
        table = self.query_one("#notes-table", DataTable)
        table.add_column("Written", width=15)
        table.add_column("Kind", width=9)
        table.add_column("Note", width=35 + extra)
        table.add_column("", width=5)

    def show(self, notes: list[Any]) -> None:
        """All the current notes (from the record); a search narrows what is listed."""
        self.all_notes = notes
        self.show_notes(notes)

    def show_notes(self, notes: list[Any]) -> None:
        table = self.query_one("#notes-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.note_ids = [n.id for n in notes]
        self._by_id = {n.id: n for n in notes}
        for n in notes:
            flags = "ERROR" if n.entered_in_error else (f"v{n.version}" if n.version > 1 else "")
            first = n.text.strip().splitlines()[0] if n.text.strip() else ""
            style = "strike" if n.entered_in_error else ""
            table.add_row(
                Text(f"{n.first_written_at.astimezone():%d %b %y %H:%M}"),
                Text(NOTE_KIND_LABELS.get(n.kind, n.kind)),
                literal(first, style=style),
                Text(flags, style="bold" if n.entered_in_error else ""),
            )
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)
        self.show_preview()

    def selected_note(self) -> Any | None:
        table = self.query_one("#notes-table", DataTable)
        if not self.note_ids or not 0 <= table.cursor_row < len(self.note_ids):
            return None
        return self._by_id.get(self.note_ids[table.cursor_row])

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
            self.query_one("#notes-table").focus()
            return
        actor, pid = caseload.actor, self.patient_id

        def search(session: Session) -> list[Any]:
            from mhf_tui.services import notes

            hits = notes.search_notes(
                session, actor=actor, query=query, patient_id=pid, include_entered_in_error=True
            )
            return [h.note for h in hits]

        def found(notes: list[Any]) -> None:
            self.show_notes(notes)
            self.notify(f"{len(notes)} note(s) match.")
            self.query_one("#notes-table").focus()

        self.db_call("search notes", search, found)

    # --- changes ----------------------------------------------------------------------

    def _written(self, message: str) -> Any:
        def done(_: object) -> None:
            self.notify(message)
            self.app.post_message(DataChanged(self.patient_id))

        return done

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
        actor = self.app.caseload.actor if self.app.caseload else ""

        def amended(result: Amendment | None) -> None:
            if result is None:
                return

            def write(session: Session) -> None:
                from mhf_tui.services import notes

                notes.amend_note(
                    session, actor=actor, note_id=note.id, text=result.text, reason=result.reason
                )

            self.db_call("amend the note", write, self._written("Note amended."))

        self.app.push_screen(AmendNoteScreen(note.text), amended)

    def action_entered_in_error(self) -> None:
        from mhf_tui.ui.widgets.dialogs import TextPrompt

        note = self.selected_note()
        if note is None:
            return
        actor = self.app.caseload.actor if self.app.caseload else ""

        def reason_given(reason: str | None) -> None:
            if reason is None:
                return

            def write(session: Session) -> None:
                from mhf_tui.services import notes

                notes.mark_entered_in_error(session, actor=actor, note_id=note.id, reason=reason)

            self.db_call("mark the note", write, self._written("Marked entered in error."))

        self.app.push_screen(
            TextPrompt("Entered in error", "Why is this note wrong? (it stays in the history)"),
            reason_given,
        )

    def action_versions(self) -> None:
        from mhf_tui.ui.widgets.dialogs import VersionsScreen

        note = self.selected_note()
        if note is None:
            return

        def history(session: Session) -> list[Any]:
            from mhf_tui.services import notes

            return notes.note_history(session, note_id=note.id)

        def show(versions: list[Any]) -> None:
            self.app.push_screen(VersionsScreen(versions))

        self.db_call("load the versions", history, show)
