"""Quick note: the fastest path from "just saw them" to a saved, durable note.

`n` (or `ctrl+n` anywhere) opens it for the open patient, or a patient picker first
(type a name, `enter`). Type, `ctrl+s`, and you are back where you were. The contact's fields below
the text (mode, when, minutes, location, reason, outcome, follow-up) are optional: a contact
is recorded only when something is filled in there, and then the mode is needed.

The text is saved as a draft, encrypted in the database, a moment after each change, so it
survives lock, crash and quit; saving the note deletes the draft in the same transaction.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from mhf_tui.ui.forms import FormModal, PickerModal, save_key
from mhf_tui.ui.messages import ServiceFailed
from mhf_tui.ui.screens.base import DraftSnapshot
from mhf_tui.ui.widgets.contact_fields import ContactFields
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

AUTOSAVE_DELAY = 0.4


@dataclass(frozen=True)
class Opened:
    title: str
    draft_id: uuid.UUID | None
    text: str
    fields: dict[str, object]


def _open(session: Session, patient_id: uuid.UUID, draft_id: uuid.UUID | None) -> Opened:
    from mhf_tui.services import drafts, patients

    patient = patients.get_patient(session, patient_id=patient_id)
    title = f"{patient.display_name} · {patient.nhs_number_formatted} · {patient.practice_ods}"
    draft = (
        drafts.get_draft(session, draft_id=draft_id)
        if draft_id
        else drafts.find_draft(session, kind="note", patient_id=patient_id)
    )
    if draft is None:
        return Opened(title, None, "", {})
    return Opened(title, draft.id, draft.text, dict(draft.fields))


class QuickNoteScreen(FormModal):
    CATEGORY = "Note"
    HELP_TITLE = "Quick note"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("tab", "move to the contact's fields: mode, when, minutes, … (all optional)"),
    )
    BINDINGS = [
        save_key("note_save", "save the note and go back", priority=True),
        Binding(
            "escape",
            "cancel",
            "Close (keep draft)",
            id="note_close",
            tooltip="close; the text is kept as a draft",
        ),
    ]
    FRAME_ID = "note-dialog"
    TITLE_ID = "note-title"
    STATUS_ID = "note-status"
    STATUS_TEXT = "ctrl+s save · escape close (kept as draft)"

    def __init__(self, patient_id: uuid.UUID, *, draft_id: uuid.UUID | None = None) -> None:
        super().__init__(id="quick-note")
        self.patient_id: uuid.UUID = patient_id
        self.requested_draft = draft_id
        self.draft_id = draft_id or uuid.uuid4()
        #: saved or closed: no draft write may land after this
        self.finished = False
        self.loaded = False
        self._autosave: Timer | None = None
        #: orders draft writes and the final save: a late draft write must not resurrect
        #: the draft the note save just deleted
        self._write_lock = threading.Lock()

    def dialog_title(self) -> str:
        return "Quick note"

    def fields(self) -> ComposeResult:
        yield TextArea(
            id="note-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
        )
        yield ContactFields(id="note-contact")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        pid, requested = self.patient_id, self.requested_draft
        self.db_call("open the note", lambda s: _open(s, pid, requested), self.opened)

    def opened(self, opened: Opened) -> None:
        self.query_one("#note-title", Static).update(Text("Quick note · ") + literal(opened.title))
        area = self.query_one(TextArea)
        if opened.draft_id is not None and opened.text and not area.text:
            self.draft_id = opened.draft_id
            area.load_text(opened.text)
            area.move_cursor(area.document.end)
            self.query_one(ContactFields).load(opened.fields)
            self.set_status("Your unsaved draft is back.")
        self.loaded = True

    # --- drafts ---------------------------------------------------------------------

    def snapshot(self) -> DraftSnapshot:
        fields: dict[str, object] = dict(self.query_one(ContactFields).values())
        return DraftSnapshot(self.draft_id, self.patient_id, self.query_one(TextArea).text, fields)

    @on(TextArea.Changed)
    @on(Input.Changed, "#note-contact Input")
    @on(Select.Changed, "#note-contact Select")
    def schedule_autosave(self) -> None:
        if not self.loaded or self.finished:
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY, self.autosave)

    def autosave(self) -> None:
        """Save the draft; an emptied editor deletes it (nothing left to keep)."""
        snap = self.snapshot()
        if self.finished:
            return
        lock = self._write_lock
        empty = not snap.text.strip()

        def write(session: Session) -> None:
            from mhf_tui.services import drafts

            with lock:
                if self.finished:
                    return
                if empty:
                    drafts.delete_draft(session, draft_id=snap.draft_id)
                else:
                    drafts.save_draft(
                        session,
                        draft_id=snap.draft_id,
                        kind="note",
                        patient_id=snap.patient_id,
                        text=snap.text,
                        fields=snap.fields,
                    )

        self.db_call(
            "save the draft", write, lambda _: self.set_status("Draft saved."), exclusive=False
        )

    def pending_draft(self) -> DraftSnapshot | None:
        if self.finished or not self.is_mounted:
            return None
        snap = self.snapshot()
        return snap if snap.text.strip() else None

    def rebuild(self) -> QuickNoteScreen | None:
        if self.finished or self.pending_draft() is None:
            return None
        return QuickNoteScreen(self.patient_id, draft_id=self.draft_id)

    # --- save and close -------------------------------------------------------------

    def action_save(self) -> None:
        if self.finished:
            return
        snap = self.snapshot()
        if not snap.text.strip():
            self.set_status("Type the note first.", error=True)
            return
        patient_id = snap.patient_id
        if patient_id is None:
            self.set_status("Choose the patient first.", error=True)
            return
        contact = self.query_one(ContactFields)
        contact_data = None
        if not contact.is_blank():  # the contact is optional: recorded only if filled in
            contact_data = contact.checked(partial(self.set_status, error=True))
            if contact_data is None:
                return
        if self._autosave is not None:
            self._autosave.stop()
        actor = self.actor
        lock = self._write_lock

        def write(session: Session) -> None:
            from mhf_tui.services import contacts, notes

            with lock:
                contact_id = None
                kind = "contact"
                if contact_data is not None:
                    contact, _ = contacts.add_contact(
                        session, actor=actor, patient_id=patient_id, data=contact_data
                    )
                    contact_id = contact.id
                    kind = "phone_call" if contact.mode == "phone" else "contact"
                notes.add_note(
                    session,
                    actor=actor,
                    patient_id=patient_id,
                    text=snap.text,
                    kind=kind,
                    contact_id=contact_id,
                    draft_id=snap.draft_id,
                )
                self.finished = True

        self.set_status("Saving…")
        self.db_call("save the note", write, self.saved, exclusive=False)

    def on_service_failed(self, message: ServiceFailed) -> None:
        if message.action == "save the note":
            self.finished = False  # nothing was committed: keep editing, keep the draft
            self.set_status(message.message, error=True)

    def saved_notice(self) -> str:
        return "Note saved."

    def action_cancel(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        snap = self.snapshot()
        with self._write_lock:  # no autosave may land after this final write
            self.finished = True
        self.app.keep_draft(snap)
        if snap.text.strip():
            self.notify("Kept as a draft: it is on the dashboard.")
        self.dismiss(False)


class PatientPicker(PickerModal[uuid.UUID]):
    """Type part of a name (or NHS number); `enter` picks the highlighted match."""

    CATEGORY = "Note"
    HELP_TITLE = "Patient picker (quick note with no patient open)"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker_cancel"),
        Binding("down", "move(1)", "Down", show=False, id="picker_down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker_up"),
    ]
    LIMIT = 30
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="picker")
        self.ids: list[uuid.UUID] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog"):
            yield Static("Quick note for which patient?", classes="dialog-title")
            yield Input(id="picker-filter", placeholder="name, NHS number, practice… (enter picks)")
            yield OptionList(id="picker-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.refresh_list("")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.refresh_list(event.value)

    def refresh_list(self, query: str) -> None:
        from mhf_tui.ui.screens.caseload import age_on

        finder = self.app.finder
        rows = finder.search(query, limit=self.LIMIT) if finder is not None else []
        self.ids = [r.id for r in rows]
        today = self.app.today()
        self.show_options(
            [
                Option(
                    literal(r.display_name)
                    + Text(
                        f"  {r.nhs_number_formatted}  {age_on(r.date_of_birth, today)}y  "
                        f"{r.practice_ods}",
                        style="italic",
                    )
                )
                for r in rows
            ]
        )

    @on(Input.Submitted)
    def submitted(self) -> None:
        options = self.query_one(OptionList)
        if not self.ids:
            return
        self.dismiss(self.ids[options.highlighted or 0])

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.ids[event.option_index])
