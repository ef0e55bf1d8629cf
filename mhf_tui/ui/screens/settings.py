"""Settings: auto-lock minutes and theme, saved to config.toml (no patient data there).
Keys are remapped in config.toml's [keys] table; the current mapping is listed here."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from mhf_tui.config import THEMES, save_settings
from mhf_tui.errors import MhfError
from mhf_tui.ui.keys import APP_KEYS
from mhf_tui.ui.screens.base import MhfScreen

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp


class SettingsScreen(MhfScreen):
    CATEGORY = "Settings"
    HELP_TITLE = "Settings"
    BINDINGS = [
        *MhfScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save", id="save", tooltip="save settings"),
    ]
    app: MhfApp

    def compose(self) -> ComposeResult:
        s = self.app.settings
        yield Static("Settings", classes="screen-title")
        with VerticalScroll(id="settings-body"):
            with Horizontal(classes="field-row"):
                yield Label("Auto-lock after (minutes)", classes="field-label")
                yield Input(str(_minutes(s.auto_lock_minutes)), id="auto-lock", type="number")
            with Horizontal(classes="field-row"):
                yield Label("Theme", classes="field-label")
                yield Select([(t, t) for t in THEMES], value=s.theme, allow_blank=False, id="theme")
            yield Static("", id="settings-status")
            yield Static(self._keys_text(), id="keys-list")
        yield Footer(compact=True)

    def _keys_text(self) -> Text:
        text = Text(
            'Keys (change them in config.toml, e.g. [keys] quick_note = "ctrl+e"):\n',
            style="italic",
        )
        for key in APP_KEYS:
            current = self.app.settings.keys.get(key.id, key.key)
            text.append(f"  {key.id:<22}{current}\n")
        text.append("NO_COLOR in the environment turns colour off.", style="italic")
        return text

    def on_mount(self) -> None:
        self.query_one("#auto-lock", Input).focus()

    def action_save(self) -> None:
        status = self.query_one("#settings-status", Static)
        raw = self.query_one("#auto-lock", Input).value.strip()
        try:
            minutes = float(raw)
        except ValueError:
            status.update(Text("Auto-lock must be a number of minutes.", style="bold"))
            return
        theme = self.query_one("#theme", Select).value
        settings = replace(self.app.settings, auto_lock_minutes=minutes, theme=str(theme))
        try:
            save_settings(self.app.data.config, settings)
        except MhfError as exc:
            status.update(Text(str(exc), style="bold"))
            return
        self.app.apply_settings(settings)
        self.app.reset_idle_timer()
        status.update(Text("Saved."))
        self.notify("Settings saved")


def _minutes(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
