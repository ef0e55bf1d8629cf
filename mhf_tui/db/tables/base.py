"""Columns every row carries: a UUID id, UTC timestamps and the global `change_seq`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Row(SQLModel):
    """Mixin for tables. `change_seq` is set on every insert/update by the session hook
    in `mhf_tui.db.session`, from one counter: the sync export selects rows above the
    practice's acknowledged sequence."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    change_seq: int = Field(default=0, index=True)
