"""What the small forms share, so each dialog only says what is particular to it: the
`ctrl+s` binding, marking the fields a service refused, the dialog frame with its status
line, and the arrow keys of a filter-and-pick list."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mhf_tui.ui.messages import DataChanged, ServiceFailed
from mhf_tui.ui.screens.base import MhfModal

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp

T = TypeVar("T")


def save_key(binding_id: str, tooltip: str, *, priority: bool = False) -> Binding:
    """`ctrl+s` saves in every form; each form's binding has its own id (for remapping)."""
    return Binding("ctrl+s", "save", "Save", id=binding_id, tooltip=tooltip, priority=priority)


def mark_refused(fields: Iterable[tuple[str, Widget]], refused: Collection[str]) -> None:
    """Mark the refused fields (clearing the others) and focus the first of them."""
    first = None
    for name, widget in fields:
        widget.set_class(name in refused, "-refused")
        if name in refused and first is None:
            first = widget
    if first is not None:
        first.focus()


class FormModal(MhfModal[bool]):
    """A dialog: a title, the fields, a status line and the footer. A save a service
    refuses is reported on the status line and the form stays open; a save that went
    through closes it (True) with a notice, and screens showing the patient reload."""

    #: the frame's id; a frame without one has the plain "dialog" class
    FRAME_ID: ClassVar[str | None] = None
    TITLE_ID: ClassVar[str | None] = None
    STATUS_ID: ClassVar[str] = ""
    STATUS_TEXT: ClassVar[str] = ""
    app: MhfApp
    #: the patient whose screens reload once saved (None: nothing to reload)
    patient_id: uuid.UUID | None = None

    def compose(self) -> ComposeResult:
        frame = Vertical(id=self.FRAME_ID) if self.FRAME_ID else Vertical(classes="dialog")
        with frame:
            yield Static(self.dialog_title(), classes="dialog-title", id=self.TITLE_ID)
            yield from self.fields()
            yield Static(self.STATUS_TEXT, id=self.STATUS_ID)
        yield Footer(compact=True)

    def dialog_title(self) -> RenderableType:
        return ""

    def fields(self) -> ComposeResult:
        yield from ()

    @property
    def actor(self) -> str:
        return self.app.caseload.actor if self.app.caseload else ""

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one(f"#{self.STATUS_ID}", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        self.set_status(message.message, error=True)

    def saved_notice(self) -> str:
        return "Saved."

    def saved(self, _: object = None) -> None:
        if self.patient_id is not None:
            self.app.post_message(DataChanged(self.patient_id))
        self.notify(self.saved_notice())
        self.dismiss(True)


class PickerModal(MhfModal[T]):
    """A filter field over an option list: `up`/`down` (bound by each picker to
    `move(±1)`) move the highlight while the filter keeps the focus."""

    def show_options(self, options: list[Option]) -> None:
        """Replace the list, the first one highlighted."""
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        if options:
            option_list.highlighted = 0

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))
