"""One patient's record: a header that always shows who and any alerts, and tabs.

Opening the record is audited (a `view` event); reloads after the user's own changes are not.
The record is loaded in one unit of work and each tab shows its part; the tabs in
`ui/widgets/` (Summary, Contacts, Notes, Care plan, Reviews, Outcomes, People) own their keys.
In Signposting: `s` add (pick a service from the directory), `u` update status. Anywhere in the
record: `1`-`8` switch tab, `x` export the summary (subject access).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.care_plan_tab import CarePlanTab
from mhf_tui.ui.widgets.contacts_tab import ContactsTab
from mhf_tui.ui.widgets.item9 import show_item9
from mhf_tui.ui.widgets.notes_tab import NotesTab
from mhf_tui.ui.widgets.outcomes_tab import OutcomesTab
from mhf_tui.ui.widgets.people_tab import PeopleTab
from mhf_tui.ui.widgets.record_tab import LoadingTab, RecordTab, RecordWrites
from mhf_tui.ui.widgets.reviews_tab import ReviewsTab
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.summary_tab import SummaryTab
from mhf_tui.ui.widgets.tables import cursor_item, day, refill, row_table

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.contacts import ContactRead
    from mhf_tui.services.notes import NoteRead
    from mhf_tui.services.patients import PatientRead
    from mhf_tui.services.signposting import SignpostingRead
    from mhf_tui.ui.app import MhfApp

#: below 80 columns the tab bar uses these, so all eight tabs stay on screen at 60
SHORT_TAB_LABELS = {
    "summary": "Summ",
    "contacts": "Cont",
    "careplan": "Plan",
    "signposting": "Sign",
    "reviews": "Revw",
    "outcomes": "Outc",
}
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


@dataclass(frozen=True)
class PatientRecord:
    patient: PatientRead
    notes: list[NoteRead]
    contacts: list[ContactRead]
    signposting: list[SignpostingRead]


def load_record(
    session: Session, *, actor: str, patient_id: uuid.UUID, audit: bool
) -> PatientRecord:
    from mhf_tui.services import contacts, notes, patients, signposting

    return PatientRecord(
        patient=patients.get_patient_record(
            session, actor=actor, patient_id=patient_id, audit=audit
        ),
        notes=notes.current_notes(session, patient_id=patient_id),
        contacts=contacts.list_contacts(session, patient_id=patient_id),
        signposting=signposting.list_signposting(session, patient_id=patient_id),
    )


def header_text(p: PatientRead, today: date) -> Text:
    text = Text()
    text.append_text(literal(p.display_name, style="bold"))
    text.append(f"  NHS {p.nhs_number_formatted}  ·  {p.age(today)} y ({day(p.date_of_birth)})")
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


def alerts_text(p: PatientRead) -> Text | None:
    if not p.alerts and not p.alert_note:
        return None
    text = Text("⚠ " + " · ".join(a.upper() for a in p.alerts))
    if p.alert_note:
        if p.alerts:
            text.append("  ")
        text.append_text(literal(p.alert_note))
    return text


class PatientScreen(RecordWrites, MhfScreen):
    CATEGORY = "Patient"
    HELP_TITLE = "Patient record"
    #: widgets whose keys Help lists under this screen when it is not on screen
    HELP_PARTS: ClassVar[tuple[type[Widget], ...]] = (
        SummaryTab,
        ContactsTab,
        NotesTab,
        CarePlanTab,
        ReviewsTab,
        OutcomesTab,
        PeopleTab,
    )
    TAB_TITLES: ClassVar[dict[str, str]] = dict(TABS)
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "1 … 8",
            "switch tab: Summary, Contacts, Notes, Care plan, Signposting, Reviews, "
            "Outcomes, People (also from an empty notes search)",
        ),
        ("left, right", "switch tab when the tab bar is focused"),
    )
    BINDINGS = [
        *MhfScreen.BINDINGS,
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

    def compose(self) -> ComposeResult:
        yield Static("", id="patient-header")
        yield Static("", id="patient-alerts", classes="-none")
        with TabbedContent(initial=self.initial_tab, id="patient-tabs"):
            yield TabPane("Summary", SummaryTab(), id="summary")
            yield self._pane(ContactsTab)
            yield self._pane(NotesTab)
            yield self._pane(CarePlanTab)
            with TabPane("Signposting", id="signposting"):
                yield row_table(
                    "signposting-table",
                    (("Service", 30), ("Status", 14), ("Since", 11), ("Follow-up", 11)),
                )
                yield Static("s signpost to a service · u update status", classes="hint")
            yield self._pane(ReviewsTab)
            yield self._pane(OutcomesTab)
            yield self._pane(PeopleTab)
        yield Footer(compact=True)

    def _pane(self, tab: type[RecordTab]) -> TabPane:
        return TabPane(self.TAB_TITLES[tab.PANE], tab(self.patient_id), id=tab.PANE)

    def on_mount(self) -> None:
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
            for tab in self.query(LoadingTab):
                tab.reload()

    def show(self, record: PatientRecord) -> None:
        self.record = record
        p = record.patient
        today = self.app.today()
        self.query_one("#patient-header", Static).update(header_text(p, today))
        show_item9(self, self.patient_id)  # PHQ-9 item 9 above 0: header and Summary tab
        alerts = alerts_text(p)
        banner = self.query_one("#patient-alerts", Static)
        banner.set_class(alerts is None, "-none")
        banner.update(alerts or "")
        self.query_one(SummaryTab).show(p)
        self.query_one(NotesTab).show(record.notes)
        self.query_one(ContactsTab).show(
            record.contacts, f"{p.display_name} · {p.nhs_number_formatted}"
        )
        sign = self.query_one("#signposting-table", DataTable)
        rows = [
            (
                literal(s.service_name),
                Text(s.status.replace("_", " "), style="" if s.is_open else "italic"),
                Text(day(s.signposted_on)),
                Text(day(s.follow_up_on)),
            )
            for s in record.signposting
        ]
        refill(sign, rows, cursor=sign.cursor_row)

    @property
    def signpost_ids(self) -> list[uuid.UUID]:
        """The signpostings listed, in order."""
        return [s.id for s in self.record.signposting] if self.record else []

    # --- tabs -----------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def action_tab(self, tab_id: str) -> None:
        """Show the tab and focus its first list or scrollable part (never a text field):
        focus left on a hidden pane's widget would move into another pane and switch back."""
        self.query_one(TabbedContent).active = tab_id
        pane = self.query_one(f"#{tab_id}", TabPane)
        target = next(
            (w for w in pane.query("*") if w.can_focus and not isinstance(w, Input)), None
        )
        if target is not None:
            target.focus()

    def on_resize(self) -> None:
        tabs = self.query_one(TabbedContent)
        narrow = self.size.width < 80
        for tab_id, title in TABS:
            if tabs.query(f"#--content-tab-{tab_id}"):
                label = SHORT_TAB_LABELS.get(tab_id, title) if narrow else title
                tabs.get_tab(tab_id).label = label

    def record_tabs(self) -> list[CarePlanTab | PeopleTab]:
        return [*self.query(CarePlanTab), *self.query(PeopleTab)]

    def palette_entries(self) -> list[tuple[str, Callable[[], object], str]]:
        """The tabs' actions for the command palette, from any tab ("Care plan: edit")."""
        entries: list[tuple[str, Callable[[], object], str]] = []
        for tab in self.record_tabs():
            keys = {b.action: b for b in tab.BINDINGS if isinstance(b, Binding)}
            for title, action in tab.PALETTE:
                key = f"key {self.app.get_key_display(keys[action])}" if action in keys else ""
                entries.append((title, partial(self.run_in_tab, tab, action), key))
        return entries

    def run_in_tab(self, tab: CarePlanTab | PeopleTab, action: str) -> None:
        self.action_tab(tab.PANE)
        self.call_after_refresh(tab.run_action, action)

    @on(TabbedContent.TabActivated)
    def tab_activated(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"signpost", "advance"}:
            return self.is_mounted and self.active_tab == "signposting"
        return True

    # --- signposting ----------------------------------------------------------------

    def action_signpost(self) -> None:
        from mhf_tui.ui.screens.signposting import ServicePicker, SignpostChoice

        pid, today = self.patient_id, self.app.today()

        def write(session: Session, actor: str, choice: SignpostChoice) -> None:
            from mhf_tui.services import signposting

            signposting.signpost(
                session,
                actor=actor,
                patient_id=pid,
                service_id=choice.service_id,
                status=choice.status,
                signposted_on=today,
                follow_up_on=choice.follow_up or None,
            )

        self.app.push_screen(
            ServicePicker(), self.write_answer("add the signposting", "Signposting added.", write)
        )

    def action_advance(self) -> None:
        from mhf_tui.ui.screens.signposting import StatusPicker, StatusUpdate

        if self.record is None:
            return
        table = self.query_one("#signposting-table", DataTable)
        entry = cursor_item(table, self.record.signposting)
        if entry is None:
            self.notify("Nothing to update: press s to signpost first.", severity="warning")
            return
        if not entry.next_statuses:
            self.notify("This signposting is closed.", severity="warning")
            return

        def write(session: Session, actor: str, update: StatusUpdate) -> None:
            from mhf_tui.services import signposting

            signposting.advance_signposting(
                session,
                actor=actor,
                signposting_id=entry.id,
                status=update.status,
                outcome_note=update.note or None,
            )

        self.app.push_screen(
            StatusPicker(entry.service_name, entry.next_statuses),
            self.write_answer("update the signposting", "Signposting updated.", write),
        )

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
