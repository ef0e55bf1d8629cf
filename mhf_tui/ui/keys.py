"""Every app-wide key, in one table: the App's BINDINGS, the footer, Help and the command
palette are all generated from it, so they cannot disagree.

Each binding has an id; users remap keys in `config.toml` under `[keys]`, e.g.
`quick_note = "ctrl+e"`. Screen-specific keys live in each screen's BINDINGS (also with ids).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class AppKey:
    id: str
    key: str
    action: str
    label: str
    category: str
    help: str
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )


def _go(screen: str, key: str, label: str, help: str) -> AppKey:
    """A key that goes to one of the main screens (in Help, not the footer)."""
    return AppKey(f"go_{screen}", key, f"go('{screen}')", label, "Go", help, show=False)


# Keys that type a character (`/`, `n`, `?`) are not priority: in a text field they type.
# Help comes first so the footer always shows `f1 Help`, however narrow the terminal.
APP_KEYS: tuple[AppKey, ...] = (
    AppKey("help_f1", "f1", "help", "Help", "App", "show all keys", priority=True),
    AppKey(
        "find", "slash", "find", "Find", "Caseload", "find a patient: focus the caseload filter"
    ),
    AppKey(
        "quick_note", "n", "quick_note", "Note", "Note", "quick note (when not typing)", show=False
    ),
    AppKey(
        "quick_note_anywhere",
        "ctrl+n",
        "quick_note",
        "Note",
        "Note",
        "quick note from anywhere, even while typing",
        priority=True,
    ),
    AppKey("lock", "ctrl+l", "lock", "Lock", "App", "lock now", priority=True),
    AppKey("help", "question_mark", "help", "Help", "App", "show all keys", show=False),
    AppKey(
        "command_palette",
        "ctrl+p",
        "command_palette",
        "Palette",
        "App",
        "command palette: every action by name",
        show=False,
        priority=True,
    ),
    _go("dashboard", "f2", "Dashboard", "dashboard"),
    _go("caseload", "f3", "Caseload", "caseload list"),
    _go("directory", "f4", "Directory", "service directory"),
    _go("sync", "f5", "Sync", "sync with practices"),
    _go("settings", "f6", "Settings", "settings"),
    AppKey(
        "quit",
        "ctrl+q",
        "quit",
        "Quit",
        "App",
        "quit (unsaved notes are kept as drafts)",
        show=False,  # in Help; the footer keeps room for f1 at 60 columns
        priority=True,
    ),
)
