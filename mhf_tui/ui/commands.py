"""The command palette (ctrl+p): every action as "Category: action".

Entries come from the bindings active on the screen the palette was opened over (App keys,
the screen's, the focused widget's: `binding_list`), plus the keys of that screen's other
tabs, themes and, when unlocked, patients by name so "Patient: open ..." and "Note: quick
note for ..." work from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp

PATIENT_HITS = 8


class MhfCommands(Provider):
    @property
    def mhf(self) -> MhfApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, Callable[[], Any], str]]:
        from mhf_tui.ui import binding_list

        app, screen = self.mhf, self.screen
        entries: list[tuple[str, Callable[[], Any], str]] = []
        seen: set[str] = set()
        for entry in binding_list.active_entries(screen):
            if entry.binding.action in {"command_palette", "back", "cancel"}:
                continue
            title = f"{entry.category}: {entry.what}"
            seen.add(title)
            entries.append((title, entry.run, f"key {entry.keys}"))
        for tab, entry in binding_list.tab_entries(screen):
            title = f"{entry.category}: {entry.what}"
            if title not in seen:
                seen.add(title)
                entries.append((title, entry.run, f"key {entry.keys} ({tab} tab)"))
        # actions a screen offers beyond its bindings (a record's tabs: "Care plan: edit")
        for title, run, key in getattr(screen, "palette_entries", list)():
            if title not in seen:
                seen.add(title)
                entries.append((title, run, key))
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
