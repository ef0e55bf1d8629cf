"""A paste holding ESC arrives in the order it was pasted, and is stored as shown.

Textual's input parser treats an ESC inside a bracketed paste as the start of a key
sequence: the characters after it were typed into the note as keys at once, and the text
before it was pasted at the end, so the note was scrambled and saved like that. Here the
paste is rewritten before Textual's parser sees it: ESC and the other control characters
inside it become their visible stand-ins (ESC is `␛`), exactly as the notes service stores
them, so what the text area shows is what is saved.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Iterable
from itertools import chain
from typing import Any

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from mhf_tui.safe_text import neutralise

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest proper prefix of `marker` that `text` ends with."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:size]):
            return size
    return 0


def _visible(pasted: str) -> str:
    """Control characters made visible; carriage returns kept (the text area turns them
    into line breaks)."""
    return "\r".join(neutralise(part) for part in pasted.split("\r"))


class PasteSafeParser(XTermParser):
    """XTermParser fed with pastes whose control characters are already made visible."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._in_paste = False
        self._held = ""  # inside a paste: what may be the start of the end marker
        self._tail = ""  # outside: the last characters passed on, to see a split start

    def feed(self, data: str) -> Iterable[Message]:
        if not data:  # end of input
            held, self._held = self._held, ""
            rest = super().feed(held) if held else ()
            return chain(rest, super().feed(""))
        return super().feed(self._rewrite(data))

    def _rewrite(self, data: str) -> str:
        text, self._held = self._held + data, ""
        out: list[str] = []
        pos = 0
        while pos < len(text):
            if self._in_paste:
                found = text.find(PASTE_END, pos)
                if found < 0:  # hold back what may be the start of the end marker
                    rest = text[pos:]
                    keep = _partial_suffix(rest, PASTE_END)
                    self._held = rest[len(rest) - keep :]
                    out.append(_visible(rest[: len(rest) - keep]))
                    break
                out.append(_visible(text[pos:found]) + PASTE_END)
                pos = found + len(PASTE_END)
                self._in_paste = False
                self._tail = ""
            else:  # passed through at once (a lone ESC is the escape key), but watched
                window = self._tail + text[pos:]
                found = window.find(PASTE_START)
                if found < 0:
                    out.append(text[pos:])
                    self._tail = window[-(len(PASTE_START) - 1) :]
                    break
                end = pos + found + len(PASTE_START) - len(self._tail)
                out.append(text[pos:end])
                pos = end
                self._in_paste = True
                self._tail = ""
        return "".join(out)


class PasteSafeDriver(LinuxDriver):
    """LinuxDriver reading input through `PasteSafeParser` (the input loop is Textual
    8's `run_input_thread`, with only the parser changed)."""

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = PasteSafeParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[Any, int]], final: bool = False) -> None:
            for index, (_key, mask) in enumerate(events):
                if mask & selectors.EVENT_READ:
                    last = index == len(events) - 1
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(0.1))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
