"""Help: every key, generated from the bindings (the keys active on the screen in use and
its tabs', then the App keys, then each other screen's, all with the user's remapping), so
it is never out of date; and the privacy notice, shipped in the
package (`mhf_tui/docs/privacy-notice.md`, the same text as `docs/privacy-notice.md`) so the
facilitator can show a patient what is kept about them without another document."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static, TabbedContent, TabPane

from mhf_tui.ui.keys import APP_KEYS

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp


def privacy_notice() -> str:
    return (
        resources.files("mhf_tui").joinpath("docs", "privacy-notice.md").read_text(encoding="utf-8")
    )


def screen_classes() -> list[type[Screen[Any]]]:
    from mhf_tui.ui.screens.caseload import CaseloadScreen
    from mhf_tui.ui.screens.contact_form import ContactFormScreen
    from mhf_tui.ui.screens.dashboard import DashboardScreen
    from mhf_tui.ui.screens.directory import DirectoryScreen
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.patient_edit import AlertsScreen, ConsentScreen, StatusScreen
    from mhf_tui.ui.screens.patient_form import EditDetailsScreen, NewPatientScreen
    from mhf_tui.ui.screens.quick_note import PatientPicker, QuickNoteScreen
    from mhf_tui.ui.screens.settings import SettingsScreen
    from mhf_tui.ui.screens.sync import SyncScreen

    return [
        DashboardScreen,
        CaseloadScreen,
        NewPatientScreen,
        PatientScreen,
        EditDetailsScreen,
        AlertsScreen,
        ConsentScreen,
        StatusScreen,
        ContactFormScreen,
        QuickNoteScreen,
        PatientPicker,
        DirectoryScreen,
        SyncScreen,
        SettingsScreen,
    ]


def help_lines(
    app: MhfApp, under: Screen[Any] | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sections of (keys, what): the screen in use first, from its active bindings and its
    tabs' keys; then the App's keys; then every other screen from its classes' bindings."""
    from mhf_tui.ui import binding_list

    sections: list[tuple[str, list[tuple[str, str]]]] = []
    if under is not None and not isinstance(under, HelpScreen):
        rows = [
            (e.keys, e.what)
            for e in binding_list.active_entries(under)
            if e.binding.id not in APP_KEY_IDS
        ]
        shown = {what for _k, what in rows}
        for tab, e in binding_list.tab_entries(under):
            if e.what not in shown:
                shown.add(e.what)
                rows.append((e.keys, f"{e.what} ({tab})"))
        rows.extend(getattr(under, "HELP_EXTRA", ()))
        if rows:
            title = getattr(under, "HELP_TITLE", type(under).__name__)
            sections.append((f"{title} (this screen)", rows))
    everywhere = [(binding_list.key_text(app, k.binding()), k.help) for k in APP_KEYS]
    sections.append(("Everywhere", everywhere))
    for cls in screen_classes():
        if under is not None and isinstance(under, cls):
            continue
        rows = binding_list.class_rows(app, cls)
        if rows:
            sections.append((getattr(cls, "HELP_TITLE", cls.__name__), rows))
    return sections


APP_KEY_IDS = frozenset(k.id for k in APP_KEYS)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help_close"),
        Binding("k", "show('help-keys')", "Keys", id="help_keys", tooltip="show the keys"),
        Binding(
            "p",
            "show('help-privacy')",
            "Privacy",
            id="help_privacy",
            tooltip="show the privacy notice",
        ),
    ]
    app: MhfApp

    def __init__(self, under: Screen[Any] | None = None) -> None:
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Keys", style="bold")
        text.append(
            "   (remap in config.toml under [keys]; p privacy, escape closes)\n", style="italic"
        )
        for title, rows in help_lines(self.app, self.under):
            text.append(f"\n{title}\n", style="bold underline")
            for key, what in rows:
                text.append(f"  {key:<16}", style="bold")
                text.append(f"{what}\n")
        text.append(
            "\nAlerts: R risk, SG safeguarding, LW lone worker, DNT do not text.\n", style="italic"
        )
        with Vertical(id="help-body"), TabbedContent(id="help-tabs"):
            with TabPane("Keys", id="help-keys"), VerticalScroll(classes="pane-scroll"):
                yield Static(text, id="help-text")
            with TabPane("Privacy", id="help-privacy"), VerticalScroll(classes="pane-scroll"):
                yield Markdown(privacy_notice(), id="privacy-notice", open_links=False)

    def on_mount(self) -> None:
        self.query_one("#help-keys VerticalScroll").focus()

    def action_show(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        self.query_one(f"#{pane} VerticalScroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
