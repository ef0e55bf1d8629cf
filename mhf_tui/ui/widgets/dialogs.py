"""Small dialogs with typed results: ask for a line of text, edit a note, show versions.

Everything the user typed is put on screen as `rich.text.Text`, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static, TextArea

from mhf_tui.ui.widgets.safe import clean


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a reason, a search). Enter confirms, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]

    def __init__(self, title: str, prompt: str, *, value: str = "", required: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.prompt))
            yield Input(self.value, id="prompt-input")
            yield Static("", id="prompt-status", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if self.required and not event.value.strip():
            self.query_one("#prompt-status", Static).update("This cannot be empty.")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Amendment:
    text: str
    reason: str


class AmendNoteScreen(ModalScreen[Amendment | None]):
    """Edit a copy of the note; saving writes a new version (the old one is kept)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="amend_save", tooltip="save the amended note"),
        Binding("escape", "cancel", "Cancel", id="amend_cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.original = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="amend-dialog"):
            yield Static("Amend note (a new version; the original is kept)", classes="dialog-title")
            yield TextArea(self.original, id="amend-text", soft_wrap=True, show_line_numbers=False)
            yield Input(id="amend-reason", placeholder="Reason for the change (optional)")
            yield Static("", id="amend-status", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.query_one("#amend-status", Static).update("The note is empty.")
            return
        self.dismiss(Amendment(text, self.query_one("#amend-reason", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class VersionsScreen(ModalScreen[None]):
    """Every version of a note, oldest first, read-only."""

    BINDINGS = [Binding("escape,v", "close", "Close", id="versions_close")]

    def __init__(self, versions: Sequence[object]) -> None:
        super().__init__()
        self.versions = versions

    def compose(self) -> ComposeResult:
        text = Text()
        for v in self.versions:
            head = f"Version {v.version} · {v.written_at:%d %b %Y %H:%M} · {clean(v.author)}"  # type: ignore[attr-defined]
            text.append(head, style="bold")
            if v.entered_in_error:  # type: ignore[attr-defined]
                text.append("  ENTERED IN ERROR", style="bold")
            text.append("\n")
            if v.amend_reason:  # type: ignore[attr-defined]
                text.append("Reason: ", style="italic")
                text.append(clean(v.amend_reason) + "\n", style="italic")  # type: ignore[attr-defined]
            text.append(clean(v.text) + "\n\n")  # type: ignore[attr-defined]
        with VerticalScroll(classes="dialog"):
            yield Static("Note versions", classes="dialog-title")
            yield Static(text)
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: `y` yes, `n` or escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(id="confirm")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(Text(self.question), classes="dialog-title")
            yield Static("y yes · n no")
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def confirm_discard(screen: ModalScreen[Any] | Screen[Any], typed: bool) -> None:
    """Close a form: at once when nothing was typed, else after asking, so `escape` never
    throws away typing silently."""

    def answered(discard: bool | None) -> None:
        if discard:
            close(screen)

    if not typed:
        close(screen)
        return
    screen.app.push_screen(ConfirmScreen("Discard what you typed?"), answered)


def close(screen: ModalScreen[Any] | Screen[Any]) -> None:
    if isinstance(screen, ModalScreen):
        screen.dismiss(None)
    else:
        screen.app.pop_screen()
