"""The service directory: local and national services to signpost to, filtered as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Input, Static

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.screens.signposting import _services, service_matches
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp


class DirectoryScreen(MhfScreen):
    CATEGORY = "Directory"
    HELP_TITLE = "Directory"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("type", "filter services by name, category, area"),
    )
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="directory")
        self.services: list[Any] = []
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("Service directory", classes="screen-title")
        yield Input(id="directory-filter", placeholder="Filter: name, category, area")
        yield DataTable(id="directory-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="directory-detail", classes="preview")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Service", width=30)
        table.add_column("Category", width=14)
        table.add_column("Phone", width=14)
        table.add_column("Area", width=10)
        self.query_one(Input).focus()
        self.db_call("load the directory", _services, self.loaded)

    def loaded(self, services: list[Any]) -> None:
        self.services = services
        self.refresh_table(self.query_one(Input).value)

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.refresh_table(event.value)

    def refresh_table(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [s for s in self.services if service_matches(s, words)]
        table = self.query_one(DataTable)
        table.clear()
        for s in self.shown:
            table.add_row(
                literal(s.name),
                Text(s.category.replace("_", " ")),
                literal(s.phone or s.text_number),
                literal(s.area or ("national" if s.national else "")),
            )
        self.show_detail()

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        table = self.query_one(DataTable)
        detail = self.query_one("#directory-detail", Static)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            detail.update("")
            return
        s = self.shown[table.cursor_row]
        text = literal(s.name, style="bold")
        for label, value in (
            ("Phone", s.phone),
            ("Text", s.text_number),
            ("Web", s.web),
            ("Refer", s.how_to_refer),
            ("Hours", s.opening_hours),
            ("Notes", s.notes),
        ):
            if value:
                text.append(f"\n{label}: ", style="italic")
                text.append_text(literal(value))
        detail.update(text)

    def rebuild(self) -> DirectoryScreen:
        return DirectoryScreen()
