"""Yes/no questions before something is lost: discarding a changed form, removing a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from mhf_tui.ui.widgets.safe import literal


class Confirm(ModalScreen[bool]):
    """`y` answers yes (True); `n` or `esc` answers no (False)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n", "answer(False)", "No", id="confirm_no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm_escape"),
    ]

    def __init__(self, title: str, question: Text) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(self.question)
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def close_unless_changed(
    form: ModalScreen[Any], *, changed: bool, what: str, then: Callable[[], None] | None = None
) -> None:
    """`esc` on a form: close it (result None) at once if nothing was changed, otherwise
    only after a yes to "Discard changes?"; `then` runs once the changes are discarded."""
    if not changed:
        form.dismiss(None)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            form.dismiss(None)
            if then is not None:
                then()

    question = Text(f"The {what} has unsaved changes. y discards them, n goes back.")
    form.app.push_screen(Confirm("Discard changes?", question), answered)


def confirm_remove(name: str) -> Confirm:
    question = Text("Remove ")
    question.append_text(literal(name))
    question.append(" from this patient's people? The audit trail keeps that they were. y / n")
    return Confirm("Remove person?", question)
