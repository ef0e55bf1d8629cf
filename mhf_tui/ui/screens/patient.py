"""One patient's record: a header that always shows who and any alerts, and tabs.

Opening the record is audited (a `view` event); reloads after the user's own changes are not.
Keys in the Notes tab: `a` amend, `e` entered in error, `v` versions, `f` search. In
Contacts: `d` follow-up done. In Signposting: `s` add (pick a service from the directory),
`u` update status. Anywhere in the record: `x` export the summary (subject access).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from mhf_tui.ui.messages import DataChanged
from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.outcomes_tab import OutcomesTab
from mhf_tui.ui.widgets.reviews_tab import ReviewsTab
from mhf_tui.ui.widgets.safe import clean, literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

TABS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("contacts", "Contacts"),
    ("notes", "Notes"),
    ("careplan", "Care plan"),
    ("signposting", "Signposting"),
    ("reviews", "Reviews"),
    ("outcomes", "Outcomes"),
    ("people", "People"),
)
NOTE_KIND_LABELS = {
    "contact": "contact",
    "phone_call": "phone",
    "care_plan": "care plan",
    "safeguarding": "safeguard",
    "general": "general",
}


@dataclass(frozen=True)
class PatientRecord:
    patient: Any
    notes: list[Any]
    contacts: list[Any]
    people: list[Any]
    care_plan: Any
    signposting: list[Any]


def load_record(
    session: Session, *, actor: str, patient_id: uuid.UUID, audit: bool
) -> PatientRecord:
    from mhf_tui.services import care_plans, contacts, notes, patients, related_people, signposting

    return PatientRecord(
        patient=patients.get_patient_record(
            session, actor=actor, patient_id=patient_id, audit=audit
        ),
        notes=notes.current_notes(session, patient_id=patient_id),
        contacts=contacts.list_contacts(session, patient_id=patient_id),
        people=related_people.list_related_people(session, patient_id=patient_id),
        care_plan=care_plans.current_care_plan(session, patient_id=patient_id),
        signposting=signposting.list_signposting(session, patient_id=patient_id),
    )


def _d(value: date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def header_text(p: Any, today: date) -> Text:
    text = Text()
    text.append_text(literal(p.display_name, style="bold"))
    text.append(f"  NHS {p.nhs_number_formatted}  ·  {p.age(today)} y ({_d(p.date_of_birth)})")
    text.append("\n")
    text.append_text(literal(f"{p.practice_ods} {p.practice_name}"))
    if p.care_cluster is not None:
        text.append(f"  ·  cluster {p.care_cluster}")
    if p.smi_register:
        text.append("  ·  SMI register")
    if p.status != "active":
        text.append(f"  ·  {p.status.replace('_', ' ')}", style="bold")
    if not p.share_with_practice:
        text.append("  ·  objects to sharing", style="bold")
    return text


def alerts_text(p: Any) -> Text | None:
    if not p.alerts and not p.alert_note:
        return None
    text = Text("⚠ " + " · ".join(a.upper() for a in p.alerts))
    if p.alert_note:
        if p.alerts:
            text.append("  ")
        text.append_text(literal(p.alert_note))
    return text


def summary_text(p: Any) -> Text:
    rows = [
        ("Born", _d(p.date_of_birth)),
        ("Sex / gender", " / ".join(x for x in (p.sex, p.gender_identity) if x)),
        ("Pronouns", p.pronouns),
        ("Phone", " / ".join(x for x in (p.phone, p.phone_alt) if x)),
        ("Preferred contact", p.preferred_contact),
        ("Address", " ".join(x for x in (p.address, p.postcode) if x)),
        ("Usual GP", p.usual_gp),
        ("Interpreter", p.interpreter_needs),
        ("Accessibility", p.accessibility_needs),
        (
            "Sharing",
            "shared with the practice"
            if p.share_with_practice
            else f"objects ({p.share_objection_reason})",
        ),
        (
            "Carer contact",
            {True: "consents", False: "does not consent", None: "not recorded"}[
                p.carer_contact_consent
            ],
        ),
    ]
    text = Text()
    for label, value in rows:
        if value:
            text.append(f"{label:<18}", style="bold")
            text.append(clean(str(value)) + "\n")
    return text


def care_plan_text(plan: Any) -> Text:
    if plan is None:
        return Text("No care plan yet.", style="dim")
    text = Text()
    text.append(f"Version {plan.version} · by ", style="dim")
    text.append(clean(plan.author), style="dim")
    if plan.review_on:
        text.append(f" · review {_d(plan.review_on)}", style="bold")
    text.append("\n\nGoals\n", style="bold")
    for g in plan.goals:
        score = "-" if g.latest_score is None else f"{g.latest_score}/10"
        text.append(f"  [{score:>5}] ")
        text.append(clean(g.goal) + "\n")
    text.append("\nActions\n", style="bold")
    for a in plan.actions:
        mark = "x" if a.done else " "
        text.append(f"  ({mark}) ")
        text.append(clean(a.action))
        extra = " · ".join(x for x in (clean(a.owner), _d(a.due)) if x)
        text.append(f"  {extra}\n" if extra else "\n", style="dim")
    for title, body in (
        ("Crisis plan", plan.crisis_plan),
        ("Contingency plan", plan.contingency_plan),
        ("Early warning signs", plan.early_warning_signs),
    ):
        if body:
            text.append(f"\n{title}\n", style="bold")
            text.append(clean(body) + "\n")
    return text


def _table(table_id: str) -> DataTable[Any]:
    return DataTable(id=table_id, cursor_type="row", zebra_stripes=True)


class PatientScreen(MhfScreen):
    CATEGORY = "Patient"
    HELP_TITLE = "Patient record"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "1 … 8",
            "switch tab: Summary, Contacts, Notes, Care plan, Signposting, Reviews, "
            "Outcomes, People",
        ),
        ("left, right", "switch tab when the tab bar is focused"),
    )
    BINDINGS = [
        *MhfScreen.BINDINGS,
        Binding("a", "amend", "Amend", id="note_amend", tooltip="amend the highlighted note"),
        Binding(
            "e",
            "entered_in_error",
            "In error",
            id="note_in_error",
            tooltip="mark the highlighted note entered in error",
        ),
        Binding(
            "v",
            "versions",
            "Versions",
            show=False,
            id="note_versions",
            tooltip="show every version of the highlighted note",
        ),
        Binding(
            "f",
            "search_notes",
            "Search",
            show=False,
            id="note_search",
            tooltip="search this patient's notes",
        ),
        Binding(
            "d",
            "follow_up_done",
            "Follow-up done",
            id="contact_follow_up_done",
            tooltip="mark the highlighted contact's follow-up done",
        ),
        Binding(
            "s",
            "signpost",
            "Signpost",
            id="signpost_add",
            tooltip="signpost to a service from the directory",
        ),
        Binding(
            "u",
            "advance",
            "Update",
            id="signpost_update",
            tooltip="update the highlighted signposting's status",
        ),
        Binding(
            "x",
            "export_summary",
            "Export",
            show=False,
            id="patient_summary_export",
            tooltip="export this patient's summary (subject access), encrypted",
        ),
        *(
            Binding(str(n), f"tab('{tab_id}')", title, show=False, id=f"tab_{tab_id}")
            for n, (tab_id, title) in enumerate(TABS, start=1)
        ),
    ]
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID, *, tab: str | None = None) -> None:
        super().__init__(id="patient")
        self.patient_id = patient_id
        self.initial_tab = tab or "notes"
        self.record: PatientRecord | None = None
        self.note_query = ""
        self.note_ids: list[uuid.UUID] = []
        self.signpost_ids: list[uuid.UUID] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="patient-header")
        yield Static("", id="patient-alerts", classes="-none")
        with TabbedContent(initial=self.initial_tab, id="patient-tabs"):
            with TabPane("Summary", id="summary"):
                with VerticalScroll(classes="pane-scroll"):
                    yield Static("", id="summary-text")
            with TabPane("Contacts", id="contacts"):
                yield _table("contacts-table")
            with TabPane("Notes", id="notes"):
                with Vertical():
                    yield Input(
                        id="note-search-input", placeholder="Search notes (enter); empty shows all"
                    )
                    yield _table("notes-table")
                    yield Static("", id="note-preview", classes="preview")
            with TabPane("Care plan", id="careplan"):
                with VerticalScroll(classes="pane-scroll"):
                    yield Static("", id="careplan-text")
            with TabPane("Signposting", id="signposting"):
                yield _table("signposting-table")
                yield Static("s signpost to a service · u update status", classes="hint")
            with TabPane("Reviews", id="reviews"):
                yield ReviewsTab(self.patient_id, self.app.caseload)
            with TabPane("Outcomes", id="outcomes"):
                yield OutcomesTab(self.patient_id, self.app.caseload)
            with TabPane("People", id="people"):
                yield _table("people-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # the free-text column takes what the terminal has beyond 80 columns
        extra = max(0, self.app.size.width - 80)
        notes = self.query_one("#notes-table", DataTable)
        notes.add_column("Written", width=15)
        notes.add_column("Kind", width=9)
        notes.add_column("Note", width=35 + extra)
        notes.add_column("", width=5)
        contacts = self.query_one("#contacts-table", DataTable)
        contacts.add_column("When", width=15)
        contacts.add_column("Mode", width=14)
        contacts.add_column("Reason", width=26 + extra)
        contacts.add_column("Follow-up", width=11)
        sign = self.query_one("#signposting-table", DataTable)
        sign.add_column("Service", width=30)
        sign.add_column("Status", width=14)
        sign.add_column("Since", width=11)
        sign.add_column("Follow-up", width=11)
        people = self.query_one("#people-table", DataTable)
        people.add_column("Name", width=20)
        people.add_column("Relationship", width=20)
        people.add_column("Phone", width=14)
        people.add_column("Consent", width=8)
        self.load(audit=True)
        self.call_after_refresh(self.action_tab, self.initial_tab)

    def load(self, *, audit: bool = False) -> None:
        caseload = self.app.caseload
        if caseload is None:
            return
        actor, pid = caseload.actor, self.patient_id
        self.db_call(
            "open the record",
            lambda s: load_record(s, actor=actor, patient_id=pid, audit=audit),
            self.show,
        )

    def data_changed(self, patient_id: uuid.UUID | None) -> None:
        if patient_id in (None, self.patient_id):
            self.load()
            for tab in self.query(ReviewsTab).results():
                tab.reload()
            for tab in self.query(OutcomesTab).results():
                tab.reload()

    def show(self, record: PatientRecord) -> None:
        self.record = record
        p = record.patient
        today = self.app.today()
        self.query_one("#patient-header", Static).update(header_text(p, today))
        alerts = alerts_text(p)
        banner = self.query_one("#patient-alerts", Static)
        banner.set_class(alerts is None, "-none")
        banner.update(alerts or "")
        self.query_one("#summary-text", Static).update(summary_text(p))
        self.query_one("#careplan-text", Static).update(care_plan_text(record.care_plan))
        self.show_notes(record.notes)
        contacts = self.query_one("#contacts-table", DataTable)
        contacts.clear()
        for c in record.contacts:
            follow = _d(c.follow_up_on) + (" done" if c.follow_up_done and c.follow_up_on else "")
            contacts.add_row(
                Text(f"{c.occurred_at.astimezone():%d %b %y %H:%M}"),
                Text(c.mode_label),
                literal(c.reason.splitlines()[0] if c.reason else ""),
                Text(follow),
            )
        sign = self.query_one("#signposting-table", DataTable)
        cursor = sign.cursor_row
        sign.clear()
        self.signpost_ids = [s.id for s in record.signposting]
        for s in record.signposting:
            sign.add_row(
                literal(s.service_name),
                Text(s.status.replace("_", " "), style="" if s.is_open else "dim"),
                Text(_d(s.signposted_on)),
                Text(_d(s.follow_up_on)),
            )
        if 0 <= cursor < sign.row_count:
            sign.move_cursor(row=cursor)
        people = self.query_one("#people-table", DataTable)
        people.clear()
        for r in record.people:
            people.add_row(
                literal(r.name),
                literal(r.relationship or r.role),
                literal(r.phone),
                Text("yes" if r.consent_to_contact else "no"),
            )

    def show_notes(self, notes: list[Any]) -> None:
        table = self.query_one("#notes-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.note_ids = [n.id for n in notes]
        self._notes_by_id = {n.id: n for n in notes}
        for n in notes:
            flags = "ERROR" if n.entered_in_error else (f"v{n.version}" if n.version > 1 else "")
            first = n.text.strip().splitlines()[0] if n.text.strip() else ""
            style = "dim strike" if n.entered_in_error else ""
            table.add_row(
                Text(f"{n.first_written_at.astimezone():%d %b %y %H:%M}"),
                Text(NOTE_KIND_LABELS.get(n.kind, n.kind)),
                literal(first, style=style),
                Text(flags, style="bold red" if n.entered_in_error else "dim"),
            )
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)
        self.show_preview()

    def selected_note(self) -> Any | None:
        table = self.query_one("#notes-table", DataTable)
        if not self.note_ids or not 0 <= table.cursor_row < len(self.note_ids):
            return None
        return self._notes_by_id.get(self.note_ids[table.cursor_row])

    @on(DataTable.RowHighlighted, "#notes-table")
    def show_preview(self) -> None:
        preview = self.query_one("#note-preview", Static)
        note = self.selected_note()
        if note is None:
            preview.update(Text("No notes yet. Press n to write one.", style="dim"))
            return
        text = Text()
        text.append(f"{note.written_at.astimezone():%d %b %Y %H:%M} · ", style="dim")
        text.append(clean(note.author), style="dim")
        if note.version > 1:
            text.append(f" · version {note.version}", style="dim")
        if note.entered_in_error:
            text.append(" · ENTERED IN ERROR", style="bold red")
        if note.amend_reason:
            text.append(" · ", style="dim")
            text.append(clean(note.amend_reason), style="dim")
        text.append("\n")
        text.append_text(literal(note.text))
        preview.update(text)

    # --- tabs -----------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def action_tab(self, tab_id: str) -> None:
        self.query_one(TabbedContent).active = tab_id
        focus = {
            "notes": "#notes-table",
            "contacts": "#contacts-table",
            "signposting": "#signposting-table",
            "reviews": "#reviews-table",
            "outcomes": "#outcomes-table",
            "people": "#people-table",
        }.get(tab_id)
        if focus:
            self.query_one(focus).focus()

    @on(TabbedContent.TabActivated)
    def tab_activated(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"amend", "entered_in_error", "versions", "search_notes"}:
            return self.is_mounted and self.active_tab == "notes"
        if action in {"signpost", "advance"}:
            return self.is_mounted and self.active_tab == "signposting"
        if action == "follow_up_done":
            return self.is_mounted and self.active_tab == "contacts"
        return True

    # --- notes ----------------------------------------------------------------------

    def action_search_notes(self) -> None:
        self.query_one("#note-search-input", Input).focus()

    @on(Input.Submitted, "#note-search-input")
    def search_notes(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        caseload = self.app.caseload
        if caseload is None or self.record is None:
            return
        if not query:
            self.show_notes(self.record.notes)
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

        self.db_call(
            "load the versions",
            history,
            lambda versions: self.app.push_screen(VersionsScreen(versions)),
        )

    def _written(self, message: str) -> Any:
        def done(_: object) -> None:
            self.notify(message)
            self.app.post_message(DataChanged(self.patient_id))

        return done

    # --- contacts -------------------------------------------------------------------

    def action_follow_up_done(self) -> None:
        if self.record is None:
            return
        table = self.query_one("#contacts-table", DataTable)
        if not 0 <= table.cursor_row < len(self.record.contacts):
            return
        contact = self.record.contacts[table.cursor_row]
        if contact.follow_up_on is None or contact.follow_up_done:
            self.notify("No open follow-up on this contact.", severity="warning")
            return
        actor = self.app.caseload.actor if self.app.caseload else ""

        def write(session: Session) -> None:
            from mhf_tui.services.followups import complete_contact_follow_up

            complete_contact_follow_up(session, actor=actor, contact_id=contact.id)

        self.db_call("mark the follow-up done", write, self._written("Follow-up done."))

    # --- signposting ----------------------------------------------------------------

    def action_signpost(self) -> None:
        from mhf_tui.ui.screens.signposting import ServicePicker, SignpostChoice

        actor = self.app.caseload.actor if self.app.caseload else ""
        today = self.app.today()

        def picked(choice: SignpostChoice | None) -> None:
            if choice is None:
                return

            def write(session: Session) -> None:
                from mhf_tui.services import signposting

                signposting.signpost(
                    session,
                    actor=actor,
                    patient_id=self.patient_id,
                    service_id=choice.service_id,
                    status=choice.status,
                    signposted_on=today,
                    follow_up_on=choice.follow_up or None,
                )

            self.db_call("add the signposting", write, self._written("Signposting added."))

        self.app.push_screen(ServicePicker(), picked)

    def action_advance(self) -> None:
        from mhf_tui.ui.screens.signposting import StatusPicker, StatusUpdate

        if self.record is None:
            return
        table = self.query_one("#signposting-table", DataTable)
        if not self.signpost_ids or not 0 <= table.cursor_row < len(self.signpost_ids):
            self.notify("Nothing to update: press s to signpost first.", severity="warning")
            return
        entry = next(
            s for s in self.record.signposting if s.id == self.signpost_ids[table.cursor_row]
        )
        if not entry.next_statuses:
            self.notify("This signposting is closed.", severity="warning")
            return
        actor = self.app.caseload.actor if self.app.caseload else ""

        def chosen(update: StatusUpdate | None) -> None:
            if update is None:
                return

            def write(session: Session) -> None:
                from mhf_tui.services import signposting

                signposting.advance_signposting(
                    session,
                    actor=actor,
                    signposting_id=entry.id,
                    status=update.status,
                    outcome_note=update.note or None,
                )

            self.db_call("update the signposting", write, self._written("Signposting updated."))

        self.app.push_screen(StatusPicker(entry.service_name, entry.next_statuses), chosen)

    # --- summary (subject access) ------------------------------------------------------

    def action_export_summary(self) -> None:
        from pathlib import Path

        from mhf_tui.ui.screens.summary_export import SummaryExportScreen

        if self.record is None:
            return

        def written(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Summary written (age-encrypted): {path}", markup=False)

        self.app.push_screen(
            SummaryExportScreen(self.patient_id, self.record.patient.display_name), written
        )

    def rebuild(self) -> PatientScreen:
        tab = self.active_tab if self.is_mounted else self.initial_tab
        return PatientScreen(self.patient_id, tab=tab)
