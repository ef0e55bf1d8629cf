"""The subject access summary's document model: sections of labelled fields, items and
tables, built by `summary` and `summary_sections`, rendered by `summary_render`."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Format = Literal["html", "text"]
FORMATS: tuple[Format, ...] = ("html", "text")


@dataclass
class Item:
    """One thing held: a heading, labelled fields and optional free text."""

    heading: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    flag: str = ""  #: e.g. "ENTERED IN ERROR", shown prominently


@dataclass
class Section:
    title: str
    intro: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    empty: str = "None recorded."

    def is_empty(self) -> bool:
        return not (self.fields or self.items or self.table_rows)


@dataclass
class SummaryDocument:
    title: str
    sections: list[Section]
    counts: dict[str, int]


def show(value: Any) -> str:
    """A stored value as a reader would want to see it."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()
