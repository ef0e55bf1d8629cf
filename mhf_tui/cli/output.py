"""One way to print a command's result: `--json` prints the records as JSON (a pydantic
model's `model_dump(mode="json")`), otherwise a table or a few lines per record. Text made
from stored data is neutralised, so nothing in a name or a note acts on the terminal."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import is_dataclass
from typing import Any, TypeVar, overload

from mhf_tui.cli.common import print_json
from mhf_tui.safe_text import neutralise

T = TypeVar("T")
#: a table column: its heading and how to get the cell from a record
Column = tuple[str, Callable[[T], object]]


def jsonable(record: Any) -> Any:
    """A record as JSON-ready data: pydantic models dump themselves (with their JSON names);
    anything with `to_json()` or `as_json()` says what it is; another dataclass is its fields;
    plain data is already JSON."""
    if hasattr(record, "model_dump"):
        return record.model_dump(mode="json", by_alias=True)
    if hasattr(record, "to_json"):
        return record.to_json()
    if hasattr(record, "as_json"):
        return record.as_json()
    if is_dataclass(record) and not isinstance(record, type):
        return vars(record)
    return record


def print_table(rows: Iterable[Sequence[object]], header: Sequence[str]) -> None:
    """Left-aligned columns two spaces apart, trailing spaces trimmed."""
    cells = [[neutralise(str(c), multiline=False) for c in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *cells, strict=False)]
    for line in [list(header), *cells]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip())


@overload
def emit(
    args: argparse.Namespace,
    data: list[T],
    *,
    columns: Sequence[Column[T]] = (),
    lines: Callable[[T], Iterable[str]] | None = None,
    empty: str | None = None,
    header: str | None = None,
    footer: str | None = None,
) -> int: ...


@overload
def emit(
    args: argparse.Namespace, data: T, *, lines: Callable[[T], Iterable[str]] | None = None
) -> int: ...


def emit(
    args: argparse.Namespace,
    data: T | list[T],
    *,
    columns: Sequence[Column[T]] = (),
    lines: Callable[[T], Iterable[str]] | None = None,
    empty: str | None = None,
    header: str | None = None,
    footer: str | None = None,
) -> int:
    """Print `data` (one record or a list) as JSON with --json, else as a table of
    `columns` or the `lines` of each record; `empty` instead when the list is empty,
    `header` before and `footer` after. Returns the exit code, 0."""
    records: list[T] = data if isinstance(data, list) else [data]
    if getattr(args, "json", False):
        print_json([jsonable(r) for r in records] if isinstance(data, list) else jsonable(data))
        return 0
    if not records and empty is not None:
        print(empty)
        return 0
    if header is not None:
        print(header)
    if columns:
        print_table(
            ([get(r) for _, get in columns] for r in records), [name for name, _ in columns]
        )
    elif lines is not None:
        for record in records:
            for line in lines(record):
                print(neutralise(line))
    if footer is not None:
        print(footer)
    return 0


def indented(text: str) -> list[str]:
    """A stored multi-line text (a note) as lines indented under its heading."""
    return [f"    {line}" for line in text.splitlines()]
