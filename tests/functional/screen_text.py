"""What the terminal shows: the lines, and the styled segments, as the compositor renders
them (the same strips Textual writes to the terminal)."""

from __future__ import annotations

from typing import Any


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def screen_strips(app: Any) -> list[Any]:
    return list(app.screen._compositor.render_strips())
