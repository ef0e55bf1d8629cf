"""Typed messages that workers post back to the event loop.

Workers run service calls in threads; they never touch widgets. They post one of these and
the handler (on the screen or the App) updates the UI.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload


class Unlocked(Message):
    """The caseload is open (and the patient finder built)."""

    def __init__(self, caseload: Caseload, finder: Any, recovery_key: str | None = None) -> None:
        super().__init__()
        self.caseload = caseload
        self.finder = finder
        self.recovery_key = recovery_key


class UnlockFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class ServiceDone(Message):
    """A service call finished; `then` runs on the event loop with its result."""

    def __init__(self, action: str, result: Any, then: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.action = action
        self.result = result
        self.then = then


class ServiceFailed(Message):
    """A service call raised; `message` is fit to show (an MhfError's text, never data)."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__()
        self.action = action
        self.message = message


class DataChanged(Message):
    """Something was written; screens showing that patient (or lists) reload."""

    def __init__(self, patient_id: uuid.UUID | None) -> None:
        super().__init__()
        self.patient_id = patient_id
