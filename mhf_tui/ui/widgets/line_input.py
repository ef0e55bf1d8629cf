"""A one-line text field that edits its own text: cheaper per keystroke than Textual's
`Input` (no reactive value, no validators or suggester, no cursor-blink timer, no virtual
size or layout; a keystroke changes two ints and a string and repaints this widget once).

For the caseload filter, where every key runs a search over the whole caseload: the
text, a cursor, a selection (shift with the arrows, home and end; ctrl+a for all), paste
(its first line) and the usual deletions. `on_value` runs in the same step as the edit,
so the field and whatever it filters repaint together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from mhf_tui.safe_text import has_control

#: the keys that move the cursor: (key, action, its argument); with shift, the same move
#: extends the selection
_MOVES = (
    ("left", "move", -1),
    ("right", "move", 1),
    ("home", "move_to", 0),
    ("end", "move_to", -1),
)


class LineInput(Widget, can_focus=True):
    DEFAULT_CSS = """
    LineInput {
        background: $surface;
        color: $foreground;
        padding: 0 2;
        border: tall $border-blurred;
        width: 100%;
        height: 3;
        pointer: text;
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
        }
        &>.line-input--cursor {
            background: $input-cursor-background;
            color: $input-cursor-foreground;
            text-style: $input-cursor-text-style;
        }
        &>.line-input--selection {
            background: $input-selection-background;
            color: $input-selection-foreground;
        }
        &>.line-input--placeholder {
            color: $text-disabled;
        }
    }
    """
    COMPONENT_CLASSES = {"line-input--cursor", "line-input--selection", "line-input--placeholder"}
    BINDINGS = [
        *(Binding(key, f"{action}({arg})", show=False) for key, action, arg in _MOVES),
        *(
            Binding(f"shift+{key}", f"{action}({arg}, True)", show=False)
            for key, action, arg in _MOVES
        ),
        Binding("ctrl+a", "select_all", show=False),
        Binding("backspace", "delete(-1)", show=False),
        Binding("delete", "delete(1)", show=False),
        Binding("ctrl+u", "clear", show=False),
        Binding("enter", "submit", show=False),
    ]

    @dataclass(repr=False, eq=False)
    class Changed(Message):
        line_input: LineInput
        value: str

        @property
        def control(self) -> LineInput:
            return self.line_input

    class Submitted(Changed):
        pass

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        on_value: Callable[[str], None] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.on_value = on_value
        self._value = value
        self.cursor = len(value)
        #: where a selection started (None: nothing selected)
        self.mark: int | None = None
        #: first character shown, so the cursor stays in view
        self._first = 0

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, text: str) -> None:
        self._edit(text, len(text))

    @property
    def selection(self) -> tuple[int, int]:
        """(start, end) of the selected text; equal when nothing is selected."""
        if self.mark is None:
            return self.cursor, self.cursor
        return min(self.mark, self.cursor), max(self.mark, self.cursor)

    def _edit(self, text: str, cursor: int) -> None:
        changed = text != self._value
        self._value = text
        self.cursor = cursor
        self.mark = None
        if changed:
            if self.on_value is not None:
                self.on_value(text)
            self.post_message(self.Changed(self, text))
        self.refresh()

    def _replace_selection(self, text: str) -> None:
        text = "".join(ch for ch in text if not has_control(ch))  # nothing that acts on a terminal
        start, end = self.selection
        self._edit(self._value[:start] + text + self._value[end:], start + len(text))

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character is not None:
            event.stop()
            event.prevent_default()
            self._replace_selection(event.character)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        if event.text:
            self._replace_selection(event.text.splitlines()[0] if event.text.strip() else "")

    def _place(self, cursor: int, select: bool) -> None:
        before = (self.cursor, self.mark)
        if select and self.mark is None:
            self.mark = self.cursor
        elif not select:
            self.mark = None
        self.cursor = max(0, min(len(self._value), cursor))
        if (self.cursor, self.mark) != before:  # a key that moves nothing repaints nothing
            self.refresh()

    def action_move(self, step: int, select: bool = False) -> None:
        start, end = self.selection
        if not select and start != end:  # an arrow leaves a selection at its side
            self._place(start if step < 0 else end, False)
        else:
            self._place(self.cursor + step, select)

    def action_move_to(self, where: int, select: bool = False) -> None:
        self._place(len(self._value) if where < 0 else where, select)

    def action_select_all(self) -> None:
        self.mark, self.cursor = 0, len(self._value)
        self.refresh()

    def action_delete(self, direction: int) -> None:
        start, end = self.selection
        if start == end:
            start, end = (start - 1, start) if direction < 0 else (start, start + 1)
            start, end = max(0, start), min(len(self._value), end)
        self._edit(self._value[:start] + self._value[end:], start)

    def action_clear(self) -> None:
        self._edit("", 0)

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self._value))

    def render(self) -> Text:
        width = max(1, self.content_size.width)
        if not self._value and self.placeholder:
            style = self.get_component_rich_style("line-input--placeholder")
            text = Text(self.placeholder, style=style, no_wrap=True, end="")
            if self.has_focus:
                text.stylize(self.get_component_rich_style("line-input--cursor"), 0, 1)
            return text
        if self.cursor < self._first:
            self._first = self.cursor
        elif self.cursor >= self._first + width:
            self._first = self.cursor - width + 1
        shown = (self._value + " ")[self._first : self._first + width]
        text = Text(shown, no_wrap=True, end="")
        start, end = self.selection
        if start != end:
            text.stylize(
                self.get_component_rich_style("line-input--selection"),
                max(0, start - self._first),
                end - self._first,
            )
        if self.has_focus:
            at = self.cursor - self._first
            text.stylize(self.get_component_rich_style("line-input--cursor"), at, at + 1)
        return text

    def _on_focus(self, _event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, _event: events.Blur) -> None:
        self.refresh()
