"""The practice inbox's record of the letters it wrote: which received items (by type, id
and content hash) went into which letter, so the next run writes only what is new, and
when a letter was filed. Created on first use in an existing store."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from mhf_tui.db.tables.base import utcnow
from mhf_tui.db.tables.sync import StoreTable


class LetterRecord(StoreTable, table=True):
    __tablename__ = "letter"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: str = Field(index=True)
    file_name: str
    written_at: datetime = Field(default_factory=utcnow)
    items: int = 0
    #: the letter's risk and alerts box had something in it
    risk: bool = False
    filed_at: datetime | None = None


class LetterItem(StoreTable, table=True):
    """One received resource version in one letter."""

    __tablename__ = "letter_item"
    letter_id: int = Field(foreign_key="letter.id", primary_key=True)
    resource_type: str = Field(primary_key=True)
    resource_id: str = Field(primary_key=True)
    sha256: str = Field(primary_key=True)
