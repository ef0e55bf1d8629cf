"""Choose which review template to start (a short list, picked with the arrow keys)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mhf_tui.ui.widgets.safe import literal


class TemplatePicker(ModalScreen[str | None]):
    """Choose which review to start."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="template_cancel")]

    def __init__(self, templates: list[tuple[str, str]]) -> None:
        super().__init__()
        self.templates = templates

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(classes="dialog"):
            yield Static(Text("Start a review"), classes="dialog-title")
            yield OptionList(
                *(Option(literal(title), id=template_id) for template_id, title in self.templates),
                id="template-list",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
