"""What every screen shares: `escape` goes back, service calls run in thread workers and
post typed messages, and the hooks auto-lock needs (draft to keep, how to rebuild the screen
after unlock)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from mhf_tui.errors import MhfError
from mhf_tui.ui.messages import ServiceDone, ServiceFailed

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class DraftSnapshot:
    """What an editor holds that is not saved yet, captured on the event loop at lock/quit."""

    draft_id: uuid.UUID
    patient_id: uuid.UUID | None
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    kind: str = "note"


def _with_retry(caseload: Any, fn: Callable[[Session], T]) -> T:
    """One unit of work, tried again if SQLite reports the database busy: workers run
    side by side (an audited read is also a write) and a deferred transaction that must
    upgrade to a write can be refused at once; the unit was rolled back, so a retry is
    safe."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(4):
        try:
            with caseload.session() as session:
                return fn(session)
        except OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            if attempt == 3:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


class ServiceCalls:
    """Run a service function in a thread worker with its own unit of work.

    `fn(session)` runs in a thread; its result is posted back as `ServiceDone` and `then`
    runs on the event loop. An `MhfError` becomes a notification with its message; any other
    error a notification naming only its type (messages may hold patient data).
    """

    if TYPE_CHECKING:
        # Screens run inside MhfApp only; Textual types `app` as App[object], and App's
        # return type is invariant, hence the ignores on the two screen classes below.
        @property
        def app(self) -> MhfApp: ...

    def db_call(
        self,
        action: str,
        fn: Callable[[Session], T],
        then: Callable[[T], None] | None = None,
        *,
        exclusive: bool = True,
    ) -> None:
        caseload = self.app.caseload
        if caseload is None:
            return
        node: Any = self

        def job() -> None:
            try:
                result = _with_retry(caseload, fn)
            except MhfError as exc:
                node.post_message(ServiceFailed(action, str(exc)))
                return
            except Exception as exc:
                log.debug("service call %s failed: %s", action, type(exc).__name__)
                node.post_message(
                    ServiceFailed(action, f"could not {action} ({type(exc).__name__})")
                )
                return
            if not get_current_worker().is_cancelled:
                node.post_message(ServiceDone(action, result, then))

        node.run_worker(
            job, name=action, group=action, thread=True, exclusive=exclusive, exit_on_error=False
        )

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        if message.then is not None:
            message.then(message.result)


class MhfScreen(ServiceCalls, Screen[None]):  # type: ignore[misc]
    """A full screen. `CATEGORY` names its actions in the command palette."""

    CATEGORY: ClassVar[str] = "App"
    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def rebuild(self) -> Screen[Any] | None:
        """A fresh copy of this screen to put back after unlock (None: do not restore)."""
        return None

    def pending_draft(self) -> DraftSnapshot | None:
        return None


class MhfModal(ServiceCalls, ModalScreen[T]):  # type: ignore[misc]
    CATEGORY: ClassVar[str] = "App"
    BINDINGS = [Binding("escape", "cancel", "Back", id="back")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def rebuild(self) -> Screen[Any] | None:
        return None

    def pending_draft(self) -> DraftSnapshot | None:
        return None
