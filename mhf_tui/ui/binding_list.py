"""What Help and the command palette list, generated from the bindings themselves.

On the screen in use: `Screen.active_bindings` (the App's keys, the screen's, and those of
the focused widget and its parents, with the user's `[keys]` remapping applied by Textual),
plus the keys of the screen's other tabs (a tab widget's keys are active only while it has
the focus; from the palette they switch to the tab first). Elsewhere (Help's list of other
screens): each screen class's BINDINGS and its `HELP_PARTS` widgets', remapped from the
user's settings. Only bindings with an id are listed: Textual's own widget keys (cursor
movement, text editing) have none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.widgets import TabPane

from mhf_tui.ui.keys import APP_KEYS

if TYPE_CHECKING:
    from textual.screen import Screen

    from mhf_tui.ui.app import MhfApp

APP_CATEGORIES = {k.id: k.category for k in APP_KEYS}


@dataclass(frozen=True)
class Entry:
    category: str
    what: str
    keys: str
    run: Callable[[], Any]
    binding: Binding


def listed(binding: Binding) -> bool:
    """Arrow keys and per-tab digits are summarised by the screen's HELP_EXTRA instead."""
    if not binding.description or not binding.id or binding.system:
        return False
    if binding.id.startswith("tab_"):
        return False
    return not binding.action.startswith(("cursor(", "move("))


def key_text(app: MhfApp, binding: Binding) -> str:
    """The binding's keys as shown to the user, after their remapping in config.toml."""
    keys = app.settings.keys.get(binding.id, binding.key) if binding.id else binding.key
    return ", ".join(
        app.get_key_display(Binding(k.strip(), binding.action)) for k in keys.split(",")
    )


def _what(binding: Binding) -> str:
    return binding.tooltip or binding.description


def active_entries(screen: Screen[Any]) -> list[Entry]:
    """What the keys do on `screen` now, one entry per action (several keys joined)."""
    app: Any = screen.app
    by_action: dict[tuple[int, str], Entry] = {}
    for key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        if not active.enabled or not listed(binding):
            continue
        if node is app:
            category = APP_CATEGORIES.get(binding.id or "", "App")
        else:
            category = getattr(node, "CATEGORY", getattr(screen, "CATEGORY", "Screen"))
        shown = app.get_key_display(binding.with_key(key))
        slot = (id(node), binding.action)
        if slot in by_action:
            old = by_action[slot]
            by_action[slot] = Entry(old.category, old.what, f"{old.keys}, {shown}", old.run,
                                    binding)  # fmt: skip
            continue
        run = partial(app.run_action, binding.action, node)
        by_action[slot] = Entry(category, _what(binding), shown, run, binding)
    return list(by_action.values())


def _own_bindings(widget: Any) -> list[Binding]:
    return [b for b in type(widget).__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def tab_entries(screen: Screen[Any]) -> Iterator[tuple[str, Entry]]:
    """(tab title, entry) for the keys of every tab widget on the screen that declares its
    own, whether or not it has the focus now; running one switches to the tab first."""
    app: Any = screen.app
    titles = dict(getattr(screen, "TAB_TITLES", {}))
    for pane in screen.query(TabPane):
        title = titles.get(pane.id, str(pane.id))
        for widget in pane.query("*"):
            if not type(widget).__module__.startswith("mhf_tui."):
                continue
            for binding in _own_bindings(widget):
                if not listed(binding):
                    continue

                def run(pane_id: str = str(pane.id), w: Any = widget, b: Binding = binding) -> None:
                    tab = getattr(screen, "action_tab", None)
                    if tab is not None:
                        tab(pane_id)
                    app.call_later(app.run_action, b.action, w)

                category = getattr(widget, "CATEGORY", getattr(screen, "CATEGORY", "Screen"))
                entry = Entry(category, _what(binding), key_text(app, binding), run, binding)
                yield title, entry


def class_rows(app: MhfApp, cls: type[Any]) -> list[tuple[str, str]]:
    """Help's (keys, what) rows for a screen class not on screen: its bindings, those of
    the widgets it lists in HELP_PARTS, then its HELP_EXTRA."""
    rows: list[tuple[str, str]] = []
    for part in (cls, *getattr(cls, "HELP_PARTS", ())):
        for b in part.__dict__.get("BINDINGS", []) if part is not cls else cls.BINDINGS:
            if isinstance(b, Binding) and listed(b):
                rows.append((key_text(app, b), _what(b)))
    rows.extend(getattr(cls, "HELP_EXTRA", ()))
    return rows
