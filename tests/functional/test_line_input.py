"""The caseload filter's one-line field: what a user types, moves, selects, pastes and
deletes ends up in its value, each edit reported once."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult

from mhf_tui.ui.widgets.line_input import LineInput


class FieldApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.changed: list[str] = []
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield LineInput(placeholder="Find", on_value=self.seen.append, id="field")

    def on_line_input_changed(self, event: LineInput.Changed) -> None:
        self.changed.append(event.value)

    def on_line_input_submitted(self, event: LineInput.Submitted) -> None:
        self.submitted.append(event.value)


async def test_typing_moving_and_deleting() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        field = app.query_one(LineInput)
        assert app.focused is field
        await pilot.press(*"smith")
        assert field.value == "smith" and field.cursor == 5
        await pilot.press("home", "delete", "S", "end", "backspace", "left", "left")
        assert field.value == "Smit" and field.cursor == 2
        await pilot.press("enter")
        assert app.submitted == ["Smit"]
        assert app.seen == app.changed  # the callback and the message, once per edit
        assert app.changed[-1] == "Smit" and len(app.changed) == 8


async def test_selection_is_replaced_by_what_is_typed() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        field = app.query_one(LineInput)
        field.value = "c8 marsh"
        await pilot.press("shift+home", "x")
        assert field.value == "x"
        field.value = "ashdown"
        await pilot.press("left", "shift+left", "shift+left", "backspace")
        assert field.value == "ashdn" and field.cursor == 4  # "ow" went
        await pilot.press("ctrl+a", "delete")
        assert field.value == ""
        await pilot.press("a", "b", "ctrl+u")
        assert field.value == ""


async def test_paste_takes_the_first_line_without_control_characters() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        field = app.query_one(LineInput)
        field.post_message(events.Paste("999 000\x1b]0;x\x07 0018\nsecond line"))
        await pilot.pause()
        assert field.value == "999 000]0;x 0018" and field.cursor == len(field.value)


async def test_a_long_value_keeps_the_cursor_in_view() -> None:
    app = FieldApp()
    async with app.run_test(size=(20, 5)) as pilot:
        field = app.query_one(LineInput)
        await pilot.press(*"abcdefghijklmnopqrstuvwxyz")
        shown = str(field.render())
        assert shown.endswith("xyz ") and "a" not in shown
        await pilot.press("home")
        assert str(field.render()).startswith("abc")
