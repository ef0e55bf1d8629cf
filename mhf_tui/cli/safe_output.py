"""Everything the CLI prints passes through here, so no command can put a control sequence
on the user's terminal, whichever helper wrote it and whatever it prints.

Stored notes, names and imported directory entries may hold ESC sequences (retitle the
terminal, clear it, write the clipboard with OSC 52) or bidi overrides. Rather than trust each
handler to call `neutralise`, `main` swaps stdout and stderr for `SafeWriter`s while a command
runs; JSON output escapes the same characters as `\\uXXXX` so it stays exact and parseable.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from mhf_tui.safe_text import neutralise

#: what `neutralise` replaces that JSON's own escaping leaves raw: C1 controls, DEL and bidi
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


class SafeWriter(io.TextIOBase):
    """A text stream that neutralises control characters before they reach `target`."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(neutralise(text))
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")

    def writable(self) -> bool:
        return True


@contextmanager
def safe_output() -> Iterator[None]:
    """stdout and stderr neutralised for the duration (restored after, even on error)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeWriter(saved[0])
    sys.stderr = SafeWriter(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(value: Any) -> str:
    """`value` as indented JSON in which every control and bidi character is escaped."""
    import json  # here, not at the top: plain `mhf` (the app) never needs it

    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    return _JSON_RAW.sub(_escape, text)
