"""Typed messages that workers post back to the event loop.

Workers run service calls in threads; they never touch widgets. They post one of these and
the handler (on the screen or the App) updates the UI. Dataclasses, as Textual allows,
but compared by identity like any message, and without a repr of their values: Textual
logs messages, and the values can be patient data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.finder import PatientIndex

T = TypeVar("T")


@dataclass(repr=False, eq=False)
class Unlocked(Message):
    """The caseload is open (and the patient finder built)."""

    caseload: Caseload
    finder: PatientIndex
    recovery_key: str | None = None


@dataclass(repr=False, eq=False)
class UnlockFailed(Message):
    message: str


@dataclass(repr=False, eq=False)
class ServiceDone(Message, Generic[T]):
    """A service call finished; `then` runs on the event loop with its result."""

    action: str
    result: T
    then: Callable[[T], None] | None


@dataclass(repr=False, eq=False)
class ServiceFailed(Message):
    """A service call raised; `message` is fit to show (an MhfError's text, never data)."""

    action: str
    message: str


@dataclass(repr=False, eq=False)
class DataChanged(Message):
    """Something was written; screens showing that patient (or lists) reload."""

    patient_id: uuid.UUID | None
