"""Text that may have been typed by anyone, made safe to show or to hand to a spreadsheet.

Stored notes, names and imported directory entries can hold escape sequences (retitle the
terminal, clear it, write the clipboard with OSC 52) or bidi overrides that reorder what is
shown. Everything mhf prints from stored or imported data goes through `neutralise`, and every
CSV cell it writes through `csv_cell`.
"""

from __future__ import annotations

import re

#: bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) and the marks that
#: reorder text without being seen (U+200E, U+200F, U+061C)
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ESC shows as "␛"
    if code == 0x7F:
        return "\u2421"  # "␡"
    return f"<U+{code:04X}>"


def neutralise(text: str, *, multiline: bool = True) -> str:
    """`text` with every control character (C0 but newline and tab, DEL, C1) and every bidi
    control replaced by a visible stand-in, so nothing in it acts on a terminal. With
    `multiline=False` newlines and tabs are made visible too (for one-line fields)."""
    pattern = _UNSAFE if multiline else _UNSAFE_ONE_LINE
    return pattern.sub(_visible, text)


def has_control(text: str) -> bool:
    """True if a one-line field holds anything `neutralise(..., multiline=False)` would change."""
    return _UNSAFE_ONE_LINE.search(text) is not None


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `= + - @`, tab or CR gets a `'`
    first, so `=HYPERLINK(...)` is never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
