"""Signposting dialogs: pick a service from the directory, and move an entry along its
status flow (suggested → referred → accepted / declined / attended / did not engage →
closed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from mhf_tui.ui.forms import PickerModal
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.directory import ServiceRead
    from mhf_tui.ui.app import MhfApp

START_STATUSES = (("Suggested", "suggested"), ("Referred", "referred"))


@dataclass(frozen=True)
class SignpostChoice:
    service_id: uuid.UUID
    status: str
    follow_up: str


@dataclass(frozen=True)
class StatusUpdate:
    status: str
    note: str


def _services(session: Session) -> list[ServiceRead]:
    from mhf_tui.services.directory import list_services

    return list_services(session)


def service_matches(service: ServiceRead, words: list[str]) -> bool:
    hay = " ".join((service.name, service.category, service.area, service.notes)).lower()
    return all(w in hay for w in words)


class ServicePicker(PickerModal[SignpostChoice]):
    """Type to filter the directory, `enter` picks the highlighted service; set the status
    and an optional follow-up date, then `ctrl+s` (or `enter` in the date)."""

    CATEGORY = "Signposting"
    HELP_TITLE = "Signpost to a service"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="signpost_cancel"),
        Binding("ctrl+s", "save", "Save", id="signpost_save", tooltip="add the signposting"),
        Binding("down", "move(1)", "Down", show=False, id="signpost_down"),
        Binding("up", "move(-1)", "Up", show=False, id="signpost_up"),
    ]
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="service-picker")
        self.services: list[ServiceRead] = []
        self.shown: list[ServiceRead] = []
        self.chosen: ServiceRead | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog"):
            yield Static("Signpost to which service?", classes="dialog-title")
            yield Input(id="service-filter", placeholder="name, category or area (enter picks)")
            yield OptionList(id="picker-list")
            yield Static("", id="service-chosen")
            with Horizontal(id="signpost-options"):
                yield Select(
                    START_STATUSES, value="suggested", allow_blank=False, id="signpost-status"
                )
                yield Input(
                    id="signpost-follow-up", placeholder="Follow-up date (optional), enter saves"
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#service-filter", Input).focus()
        self.db_call("load the directory", _services, self.loaded)

    def loaded(self, services: list[ServiceRead]) -> None:
        self.services = services
        self.refresh_list(self.query_one("#service-filter", Input).value)

    @on(Input.Changed, "#service-filter")
    def changed(self, event: Input.Changed) -> None:
        self.refresh_list(event.value)

    def refresh_list(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [s for s in self.services if service_matches(s, words)][:50]
        self.show_options(
            [
                Option(
                    literal(s.name)
                    + Text(f"  {s.category.replace('_', ' ')}", style="italic")
                    + (literal(f"  {s.area}", style="italic") if s.area else Text())
                )
                for s in self.shown
            ]
        )

    def choose(self, index: int | None) -> None:
        if not self.shown:
            return
        self.chosen = self.shown[index or 0]
        self.query_one("#service-chosen", Static).update(
            Text("Chosen: ", style="bold")
            + literal(self.chosen.name)
            + Text("  (ctrl+s to save)", style="italic")
        )
        self.query_one("#signpost-follow-up", Input).focus()

    @on(Input.Submitted, "#service-filter")
    def filter_submitted(self) -> None:
        self.choose(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option_index)

    @on(Input.Submitted, "#signpost-follow-up")
    def follow_up_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.chosen is None:
            self.choose(self.query_one(OptionList).highlighted)
            if self.chosen is None:
                return
        status = self.query_one("#signpost-status", Select).value
        self.dismiss(
            SignpostChoice(
                self.chosen.id,
                str(status),
                self.query_one("#signpost-follow-up", Input).value.strip(),
            )
        )


class StatusPicker(MhfModal[StatusUpdate]):
    CATEGORY = "Signposting"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="status_cancel")]

    def __init__(self, service_name: str, statuses: tuple[str, ...]) -> None:
        super().__init__(id="status-picker")
        self.service_name = service_name
        self.statuses = statuses

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Update: ") + literal(self.service_name), classes="dialog-title")
            yield OptionList(
                *[Option(s.replace("_", " "), id=s) for s in self.statuses], id="status-list"
            )
            yield Input(id="status-note", placeholder="Outcome note (optional)")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(StatusUpdate(str(event.option.id), self.query_one(Input).value))

    @on(Input.Submitted)
    def submitted(self) -> None:
        index = self.query_one(OptionList).highlighted or 0
        self.dismiss(StatusUpdate(self.statuses[index], self.query_one(Input).value))
