"""The service directory: local and national services to signpost to, filtered as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Input, Static

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.screens.signposting import _services, service_matches
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table

if TYPE_CHECKING:
    from mhf_tui.services.directory import ServiceRead
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
        self.services: list[ServiceRead] = []
        self.shown: list[ServiceRead] = []

    def compose(self) -> ComposeResult:
        yield Static("Service directory", classes="screen-title")
        yield Input(id="directory-filter", placeholder="Filter: name, category, area")
        yield row_table(
            "directory-table",
            (("Service", 30), ("Category", 14), ("Phone", 14), ("Area", 10)),
        )
        yield Static("", id="directory-detail", classes="preview")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.db_call("load the directory", _services, self.loaded)

    def loaded(self, services: list[ServiceRead]) -> None:
        self.services = services
        self.refresh_table(self.query_one(Input).value)

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.refresh_table(event.value)

    def refresh_table(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [s for s in self.services if service_matches(s, words)]
        rows = [
            (
                literal(s.name),
                Text(s.category.replace("_", " ")),
                literal(s.phone or s.text_number),
                literal(s.area or ("national" if s.national else "")),
            )
            for s in self.shown
        ]
        refill(self.query_one(DataTable), rows)
        self.show_detail()

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        detail = self.query_one("#directory-detail", Static)
        s = cursor_item(self.query_one(DataTable), self.shown)
        if s is None:
            detail.update("")
            return
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
