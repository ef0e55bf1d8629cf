"""The command palette (ctrl+p): every action as "Category: action".

Entries come from the same bindings as the footer and Help (App keys, then the keys of the
screen the palette was opened over), plus themes and, when unlocked, patients by name so
"Patient: open ..." and "Note: quick note for ..." work from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from mhf_tui.ui.keys import APP_KEYS

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp

PATIENT_HITS = 8


class MhfCommands(Provider):
    @property
    def mhf(self) -> MhfApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.mhf
        entries: list[tuple[str, Callable[[], Any], str]] = []
        seen: set[str] = set()
        for key in APP_KEYS:
            name = key.action.split("(")[0]
            if key.action in seen or key.action == "command_palette":
                continue
            params: tuple[object, ...] = ()
            if "(" in key.action:
                params = (key.action.split("'")[1],)
            if not app.check_action(name, params):
                continue
            seen.add(key.action)
            title = f"{key.category}: {key.help}"
            keys = app._keymap.get(key.id, key.key)
            shown = app.get_key_display(Binding(keys.split(",")[0], key.action))
            entries.append((title, partial(app.run_action, key.action), f"key {shown}"))
        screen = self.screen
        category = getattr(screen, "CATEGORY", "Screen")
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.action in {"back", "cancel"}:
                continue
            if screen.check_action(binding.action.split("(")[0], ()) is False:
                continue
            what = binding.tooltip or binding.description
            shown = app.get_key_display(binding)
            entries.append(
                (f"{category}: {what}", partial(screen.run_action, binding.action), f"key {shown}")
            )
        # actions a screen offers beyond its bindings (a record's tabs: "Care plan: edit")
        entries.extend(getattr(screen, "palette_entries", list)())
        for theme in ("textual-dark", "textual-light", "mhf-high-contrast"):
            entries.append((f"Theme: {theme}", partial(setattr, app, "theme", theme), ""))
        return entries

    async def discover(self) -> Hits:
        for title, callback, help_text in self._entries():
            yield DiscoveryHit(title, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text or None)
        app = self.mhf
        if app.finder is None or len(query.strip()) < 2:
            return
        from mhf_tui.ui.screens import navigation

        for row in app.finder.search(query, limit=PATIENT_HITS):
            label = f"{row.display_name} {row.nhs_number_formatted} {row.practice_ods}"
            yield Hit(
                0.5,
                Text("Patient: open ") + Text(label),
                partial(navigation.open_patient, app, row.id),
                text=f"Patient: open {label}",
            )
            yield Hit(
                0.4,
                Text("Note: quick note for ") + Text(label),
                partial(navigation.quick_note, app, row.id),
                text=f"Note: quick note for {label}",
            )
