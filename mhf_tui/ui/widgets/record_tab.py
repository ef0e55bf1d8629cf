"""What the parts of one patient's record share: who is acting, the guard that refuses a
closed record before anything is typed, writes that say what they did and make the whole
record reload, and (`LoadingTab`) a tab that loads its own part in a worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from rich.console import RenderableType
from textual.widget import Widget
from textual.widgets import DataTable

from mhf_tui.ui.messages import DataChanged
from mhf_tui.ui.screens.base import ServiceCalls

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

A = TypeVar("A")
T = TypeVar("T")


class RecordWrites(ServiceCalls):
    """Writes to the record of `patient_id`, from the record screen or one of its tabs."""

    patient_id: uuid.UUID

    @property
    def actor(self) -> str:
        return self.app.caseload.actor if self.app.caseload else ""

    def changed(self, message: str) -> None:
        """Say what was written, and let every part of the record reload."""
        self.app.notify(message)
        self.app.post_message(DataChanged(self.patient_id))

    def saved(self, message: str) -> Callable[[object], None]:
        """The `then` of a write: `changed(message)` once it is done."""
        return lambda _: self.changed(message)

    def write_answer(
        self, action: str, message: str, write: Callable[[Session, str, A], object]
    ) -> Callable[[A | None], None]:
        """A dialog's callback: unless it was cancelled (None) or answered no (False), run
        `write(session, actor, answer)` in a worker, then `saved(message)`."""

        def answered(answer: A | None) -> None:
            if answer is None or answer is False:
                return
            actor = self.actor
            self.db_call(action, lambda s: write(s, actor, answer), self.saved(message))

        return answered

    def when_editable(self, action: str, ask: Callable[[], object]) -> None:
        """Run `ask` only if the record is open: refuse a closed record before the details
        are typed, not after."""
        pid = self.patient_id

        def editable(session: Session) -> None:
            from mhf_tui.services.retention import ensure_patient_editable

            ensure_patient_editable(session, patient_id=pid)

        def open_record(_: None) -> None:
            ask()

        self.db_call(action, editable, open_record)


class RecordTab(RecordWrites, Widget):
    """A tab of the Patient screen."""

    DEFAULT_CSS = "RecordTab { height: 1fr; }"
    #: the id of the tab's pane on the Patient screen; it names the tab too ("people-tab"),
    #: and its list if it has one ("people-table")
    PANE: ClassVar[str]
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(id=f"{self.PANE}-tab")
        self.patient_id = patient_id

    @property
    def table(self) -> DataTable[RenderableType]:
        return self.query_one(f"#{self.PANE}-table", DataTable)


class LoadingTab(RecordTab, Generic[T]):
    """A tab that loads its own part of the record (`loader`, in a worker), keeps it
    (`data`) and shows it (`show`); the Patient screen calls `reload` after anything
    changed."""

    #: what the load does, for the worker and its error message ("load the people")
    LOADING = ""

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(patient_id)
        #: the part last loaded; None until the first load is done
        self.data: T | None = None

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        loader = self.loader()
        if loader is not None:
            self.db_call(self.LOADING, loader, self._loaded)

    def _loaded(self, data: T) -> None:
        self.data = data
        self.show(data)

    def loader(self) -> Callable[[Session], T] | None:
        """The unit of work to run, built on the event loop (None: nothing to load)."""
        raise NotImplementedError

    def show(self, data: T) -> None:
        raise NotImplementedError
