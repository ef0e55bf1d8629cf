"""The caseload: every patient, filtered as you type.

Filtering runs on the event loop against the in-memory `PatientIndex` (no database work), and
only the first `MAX_ROWS` matches are put in the table, so a keystroke costs about the same
at 10,000 patients as at 100.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from mhf_tui.ui.screens.base import MhfScreen

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp

MAX_ROWS = 200
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


def alert_markers(row: Any) -> Text:
    """Short markers: R risk, SG safeguarding, LW lone worker, DNT do not text."""
    text = Text()
    for label, flag in (
        ("R", row.alert_risk),
        ("SG", row.alert_safeguarding),
        ("LW", row.alert_lone_worker),
        ("DNT", row.alert_do_not_text),
    ):
        if flag:
            if text:
                text.append(" ")
            text.append(label, style="bold red")
    return text


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
        Binding("down", "cursor(1)", "Down", show=False, id="caseload_down"),
        Binding("up", "cursor(-1)", "Up", show=False, id="caseload_up"),
    ]
    app: MhfApp

    def __init__(self, query: str = "") -> None:
        super().__init__(id="caseload")
        self.initial_query = query
        self.sort_index = 0
        self.row_ids: list[uuid.UUID] = []
        self.matches = 0

    def compose(self) -> ComposeResult:
        yield Static("Caseload", classes="screen-title")
        yield Input(
            self.initial_query,
            id="filter",
            placeholder="Find: name, NHS number, practice, c8… (enter opens)",
        )
        table: DataTable[Any] = DataTable(
            id="caseload-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("", classes="count", id="caseload-count")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Name", width=24, key="name")
        table.add_column("NHS number", width=12, key="nhs")
        table.add_column("Age", width=3, key="age")
        table.add_column("Prac.", width=6, key="practice")
        table.add_column("Cl", width=2, key="cluster")
        table.add_column("Status", width=7, key="status")
        table.add_column("Alerts", width=9, key="alerts")
        self.apply_filter(self.initial_query)
        self.focus_filter()

    def focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.action_open()

    def apply_filter(self, query: str) -> None:
        finder = self.app.finder
        if finder is None:
            return
        sort = SORTS[self.sort_index][0]
        rows = finder.search(query)
        self.matches = len(rows)
        if sort != "name":
            rows.sort(key=_sort_key(sort))
        self.show_rows(rows[:MAX_ROWS])

    def show_rows(self, rows: list[Any]) -> None:
        table = self.query_one(DataTable)
        today = self.app.today()
        table.clear()
        self.row_ids = [r.id for r in rows]
        table.add_rows(
            [
                (
                    Text(r.display_name, overflow="ellipsis", no_wrap=True),
                    Text(r.nhs_number_formatted),
                    Text(str(age_on(r.date_of_birth, today))),
                    Text(r.practice_ods),
                    Text("" if r.care_cluster is None else str(r.care_cluster)),
                    Text(
                        STATUS_LABELS.get(r.status, r.status),
                        style="dim" if r.status != "active" else "",
                    ),
                    alert_markers(r),
                )
                for r in rows
            ]
        )
        shown = len(rows)
        sort_name = SORTS[self.sort_index][1]
        more = f", showing first {shown}: type more to narrow" if self.matches > shown else ""
        self.query_one("#caseload-count", Static).update(
            Text(f"{self.matches} patient(s){more} · sorted by {sort_name}")
        )

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.apply_filter(self.query_one("#filter", Input).value)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        keys = [k for k, _ in SORTS]
        if event.column_key.value in keys:
            self.sort_index = keys.index(str(event.column_key.value))
            self.apply_filter(self.query_one("#filter", Input).value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from mhf_tui.ui.screens import navigation

        table = self.query_one(DataTable)
        if not self.row_ids:
            self.notify("No patient matches the filter.", severity="warning")
            return
        row = table.cursor_row if 0 <= table.cursor_row < len(self.row_ids) else 0
        navigation.open_patient(self.app, self.row_ids[row])

    def data_changed(self, _patient_id: uuid.UUID | None) -> None:
        self.apply_filter(self.query_one("#filter", Input).value)

    def rebuild(self) -> CaseloadScreen:
        return CaseloadScreen(self.query_one("#filter", Input).value)


def _sort_key(sort: str) -> Any:
    if sort == "nhs":
        return lambda r: r.nhs_number or "~"
    if sort == "practice":
        return lambda r: (r.practice_ods, r.sort_key)
    if sort == "age":
        return lambda r: (r.date_of_birth, r.sort_key)
    return lambda r: (r.status != "active", r.status, r.sort_key)
