"""The dashboard: what needs doing today and in the week ahead. Each line opens the patient
(or the draft). Every section lists all its lines with its count in the title; the list
scrolls (`pagedown`, `end`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp


@dataclass(frozen=True)
class DashLine:
    """One actionable line: `patient_id` opens the record (on `tab`), `draft_id` the draft."""

    text: str
    patient_id: uuid.UUID | None
    tab: str | None = None
    draft_id: uuid.UUID | None = None
    urgent: bool = False


@dataclass(frozen=True)
class DashSection:
    title: str
    lines: list[DashLine]


def load_dashboard(session: Session, *, today: date) -> list[DashSection]:
    """Gather the sections from the services (each is optional until its service exists)."""
    from mhf_tui.ui import dashboard_data

    return dashboard_data.sections(session, today=today)


class DashboardScreen(MhfScreen):
    CATEGORY = "Dashboard"
    HELP_TITLE = "Dashboard"
    BINDINGS = [
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="dashboard_open",
            tooltip="open the highlighted line",
        ),
        Binding("r", "reload", "Reload", id="dashboard_reload", tooltip="reload the dashboard"),
    ]
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.lines: dict[str, DashLine] = {}

    def compose(self) -> ComposeResult:
        yield Static("Dashboard", classes="screen-title", id="dashboard-title")
        yield OptionList(id="dashboard-list")
        yield Static(
            "enter open · / find a patient · n quick note · F3 caseload · F4 directory",
            classes="hint",
        )
        yield Footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        today = self.app.today()
        self.db_call("load the dashboard", lambda s: load_dashboard(s, today=today), self.show)

    def data_changed(self, _patient_id: uuid.UUID | None) -> None:
        if self.is_current:
            self.action_reload()

    def show(self, sections: list[DashSection]) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        self.lines = {}
        items: list[Option | None] = []
        today = self.app.today()
        self.query_one("#dashboard-title", Static).update(Text(f"Dashboard · {today:%A %-d %B %Y}"))
        for section in sections:
            count = len(section.lines)
            items.append(
                Option(Text(f"{section.title} ({count})", style="bold underline"), disabled=True)
            )
            if not section.lines:
                items.append(Option(Text("  nothing", style="italic"), disabled=True))
            for n, line in enumerate(section.lines):
                key = f"{section.title}:{n}"
                self.lines[key] = line
                # urgent: a mark and bold, never a colour alone (legible on the highlight,
                # in every theme and with NO_COLOR)
                mark = Text("! " if line.urgent else "  ", style="bold")
                label = mark + literal(line.text, style="bold" if line.urgent else "")
                items.append(Option(label, id=key))
            items.append(None)
        if items and items[-1] is None:
            items.pop()
        options.add_options(items)
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted
        else:
            options.action_first()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.open_line(event.option.id)

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.open_line(options.get_option_at_index(options.highlighted).id)

    def open_line(self, key: str | None) -> None:
        from mhf_tui.ui.screens import navigation
        from mhf_tui.ui.screens.quick_note import QuickNoteScreen

        line = self.lines.get(key or "")
        if line is None:
            return
        if line.draft_id is not None and line.patient_id is not None:
            self.app.push_screen(QuickNoteScreen(line.patient_id, draft_id=line.draft_id))
        elif line.patient_id is not None:
            navigation.open_patient(self.app, line.patient_id, tab=line.tab)

    def rebuild(self) -> DashboardScreen:
        return DashboardScreen()
