"""The row lists of the record's tabs and of the list screens: one way to make the table,
set its columns, refill it without losing the highlighted row, and read that row back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TypeVar

from rich.console import RenderableType
from textual.geometry import Size
from textual.widgets import DataTable

T = TypeVar("T")


def row_table(table_id: str, columns: Iterable[tuple[str, int]]) -> DataTable[RenderableType]:
    """A striped table whose cursor picks whole rows, with its (label, width) columns."""
    table: DataTable[RenderableType] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for label, width in columns:
        table.add_column(label, width=width)
    return table


def refill(
    table: DataTable[RenderableType],
    rows: Iterable[Sequence[RenderableType]],
    *,
    cursor: int | None = None,
) -> None:
    """Replace the rows; with `cursor`, highlight that row again if it still exists (a reload
    after a change must not send the user back to the top)."""
    table.clear()
    for row in rows:
        table.add_row(*row)
    if cursor is not None and 0 <= cursor < table.row_count:
        table.move_cursor(row=cursor)


def cursor_item(table: DataTable[RenderableType], items: Sequence[T]) -> T | None:
    """The item shown on the highlighted row, or None when the list is empty."""
    row = table.cursor_row
    return items[row] if 0 <= row < len(items) else None


def day(value: date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def spare_width(screen: Size) -> int:
    """Columns beyond 80 (none below): what the one stretching column of a table adds."""
    return max(0, screen.width - 80)
