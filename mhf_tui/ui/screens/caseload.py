"""The caseload: every patient, filtered as you type.

Filtering runs on the event loop against the in-memory `PatientIndex` (no database work) and
the result goes into a virtual table that renders only the rows on screen, so a keystroke
costs the search plus one screenful whatever the number of patients (see
`widgets/patient_table.py` for why this is not a DataTable).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.line_input import LineInput
from mhf_tui.ui.widgets.patient_table import Column, PatientTable
from mhf_tui.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from mhf_tui.services.finder import FinderRow
    from mhf_tui.ui.app import MhfApp

#: filter results kept for reuse while typing and deleting
RECENT_QUERIES = 32
STATUS_LABELS = {"active": "active", "on_hold": "on hold", "discharged": "disch."}
SORTS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("nhs", "NHS number"),
    ("practice", "practice"),
    ("age", "age"),
    ("status", "status"),
)


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def alert_markers(row: FinderRow) -> str:
    """Short markers: R risk, SG safeguarding, LW lone worker, DNT do not text."""
    flags = (
        ("R", row.alert_risk),
        ("SG", row.alert_safeguarding),
        ("LW", row.alert_lone_worker),
        ("DNT", row.alert_do_not_text),
    )
    return " ".join(label for label, flag in flags if flag)


def columns(today: date) -> list[Column]:
    def status(r: FinderRow) -> tuple[str, str]:
        return STATUS_LABELS.get(r.status, r.status), "" if r.status == "active" else "dim"

    return [
        Column("name", "Name", 24, lambda r: (r.display_name, "")),
        Column("nhs", "NHS number", 12, lambda r: (r.nhs_number_formatted, "")),
        Column("age", "Age", 3, lambda r: (str(age_on(r.date_of_birth, today)), "")),
        Column("practice", "Prac.", 6, lambda r: (r.practice_ods, "")),
        Column(
            "cluster",
            "Cl",
            2,
            lambda r: ("" if r.care_cluster is None else str(r.care_cluster), ""),
        ),
        Column("status", "Status", 7, status),
        Column("alerts", "Alerts", 11, lambda r: (alert_markers(r), "alert")),
    ]


class CaseloadScreen(MhfScreen):
    CATEGORY = "Caseload"
    HELP_TITLE = "Caseload"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("type", "filter by name, NHS number (with or without spaces), practice, c8/cluster 8"),
        ("up, down", "move in the list while typing in the filter"),
    )
    BINDINGS = [
        *MhfScreen.BINDINGS,
        Binding(
            "enter", "open", "Open", id="caseload_open", tooltip="open the highlighted patient"
        ),
        Binding(
            "ctrl+o", "cycle_sort", "Sort", id="caseload_sort", tooltip="sort by the next column"
        ),
        Binding("f7", "new_patient", "New", id="patient_new", tooltip="add a new patient"),
        Binding("down", "cursor(1)", "Down", show=False, id="caseload_down"),
        Binding("up", "cursor(-1)", "Up", show=False, id="caseload_up"),
    ]
    app: MhfApp

    def __init__(self, query: str = "") -> None:
        super().__init__(id="caseload")
        self.initial_query = query
        self.sort_index = 0
        self.matched: list[FinderRow] = []
        #: the query the table shows, so `LineInput.Changed` does not filter a second time
        self.applied_query: str | None = None
        #: recent results by (finder, query, sort): deleting what was typed brings back the
        #: same queries, and a short one (an NHS number's first digits) matches thousands
        self.recent: dict[tuple[int, str, int], list[FinderRow]] = {}

    def compose(self) -> ComposeResult:
        yield Static("Caseload", classes="screen-title")
        yield LineInput(
            self.initial_query,
            on_value=self.filter_now,
            id="filter",
            placeholder="Find: name, NHS number, practice, c8… (enter opens)",
        )
        yield PatientTable(columns(self.app.today()), id="caseload-table")
        yield StatusLine(classes="count", id="caseload-count")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.apply_filter(self.initial_query)
        self.focus_filter()

    def focus_filter(self) -> None:
        self.query_one("#filter", LineInput).focus()

    def filter_now(self, query: str) -> None:
        if self.is_mounted:
            self.apply_filter(query)

    @on(LineInput.Changed, "#filter")
    def filter_changed(self, event: LineInput.Changed) -> None:
        if event.value != self.applied_query:
            self.apply_filter(event.value)

    @on(LineInput.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.action_open()

    def apply_filter(self, query: str) -> None:
        finder = self.app.finder
        if finder is None:
            return
        key = (id(finder), query, self.sort_index)
        rows = self.recent.get(key)
        if rows is None:
            sort = SORTS[self.sort_index][0]
            rows = finder.search(query)
            if sort != "name":
                rows.sort(key=_sort_key(sort))
            if len(self.recent) >= RECENT_QUERIES:
                del self.recent[next(iter(self.recent))]
            self.recent[key] = rows
        self.matched = rows
        self.applied_query = query
        self.query_one(PatientTable).set_rows(rows)
        self.query_one(
            StatusLine
        ).text = f"{len(rows)} patient(s) · sorted by {SORTS[self.sort_index][1]} · ctrl+o sort"

    def action_cursor(self, step: int) -> None:
        self.query_one(PatientTable).cursor_row += step

    def action_new_patient(self) -> None:
        from mhf_tui.ui.screens.patient_form import NewPatientScreen

        self.app.push_screen(NewPatientScreen())

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.apply_filter(self.query_one("#filter", LineInput).value)

    def on_patient_table_header_clicked(self, event: PatientTable.HeaderClicked) -> None:
        keys = [k for k, _ in SORTS]
        if event.column.key in keys:
            self.sort_index = keys.index(event.column.key)
            self.apply_filter(self.query_one("#filter", LineInput).value)

    def on_patient_table_selected(self, event: PatientTable.Selected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from mhf_tui.ui.screens import navigation

        table = self.query_one(PatientTable)
        if not self.matched:
            self.notify("No patient matches the filter.", severity="warning")
            return
        navigation.open_patient(self.app, self.matched[table.cursor_row].id)

    def data_changed(self, _patient_id: uuid.UUID | None) -> None:
        self.recent.clear()
        self.apply_filter(self.query_one("#filter", LineInput).value)

    def rebuild(self) -> CaseloadScreen:
        return CaseloadScreen(self.query_one("#filter", LineInput).value)


def _sort_key(sort: str) -> Callable[[FinderRow], tuple[object, ...] | str]:
    if sort == "nhs":
        return lambda r: r.nhs_number or "~"
    if sort == "practice":
        return lambda r: (r.practice_ods, r.sort_key)
    if sort == "age":
        return lambda r: (r.date_of_birth, r.sort_key)
    return lambda r: (r.status != "active", r.status, r.sort_key)
