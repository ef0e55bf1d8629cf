"""Showing what users typed, literally.

`rich.text.Text` is never parsed as markup, so `[bold]` stays `[bold]`. Control characters
are a second risk: an ESC in a note could drive the terminal. They are replaced by visible
stand-ins (ESC becomes ␛, so `\\x1b[31m` shows as `␛[31m`), as are bidi overrides that
could reorder what is displayed.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def clean(text: str) -> str:
    """`text` with control characters made visible (newlines and tabs kept)."""
    return _UNSAFE.sub(_visible, text or "")


def literal(text: str, style: str | Style = "") -> Text:
    """User text for display: never markup, never terminal control."""
    return Text(clean(text), style=style)
