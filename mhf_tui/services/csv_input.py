"""Reading user CSV files for all-or-nothing imports: strict header, line-numbered problems.

Problems never quote cell values (they may be patient data and end up in scrollback).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from mhf_tui.errors import ValidationError
from mhf_tui.safe_text import csv_cell

MAX_PROBLEMS_SHOWN = 200


class CsvImportError(ValidationError):
    """Nothing was imported; `problems` lists every bad line ("line N: reason")."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = [f"nothing imported: {len(problems)} problem(s)", *shown]
        if more:
            lines.append(f"... and {more} more")
        super().__init__("\n".join(lines))


def decode_csv_bytes(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError(["the file is not UTF-8 text (save it as CSV UTF-8)"]) from None


def read_csv(
    text: str, *, required: Sequence[str], optional: Sequence[str] = (), header_hint: str = ""
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows as (line number, {column: stripped cell}) and the problems with lines that
    could not be read (so the caller can report them with its own). The header must name
    every required column, may name optional ones, and nothing else: a bad header raises."""
    if "\x00" in text:
        raise CsvImportError(["the file contains NUL characters; it is not a CSV text file"])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns = _header(reader, required, optional)
    return _rows(reader, columns)


def _header(reader: Any, required: Sequence[str], optional: Sequence[str]) -> list[str]:
    """The column names (lower case), or CsvImportError naming every header problem."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvImportError([f"line 1: cannot read the header ({exc})"]) from None
    if header is None or not any(h.strip() for h in header):
        raise CsvImportError(["line 1: the file is empty; expected a header row"])
    columns = [h.strip().lower() for h in header]
    checks = (
        ("unknown", [c for c in columns if c not in required and c not in optional]),
        ("missing", [c for c in required if c not in columns]),
        ("repeated", sorted({c for c in columns if columns.count(c) > 1})),
    )
    problems = [f"line 1: {what} column(s): " + ", ".join(found) for what, found in checks if found]
    if problems:
        raise CsvImportError([*problems, "expected header: " + ",".join([*required, *optional])])
    return columns


def _rows(reader: Any, columns: list[str]) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Every non-blank row with the header's number of fields; the rest as problems (an
    unreadable line ends the file: what follows it cannot be trusted)."""
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {reader.line_num}: not valid CSV ({exc})")
            break
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines are harmless
        if len(cells) != len(columns):
            problems.append(f"line {line}: expected {len(columns)} fields, found {len(cells)}")
            continue
        rows.append((line, {col: cell.strip() for col, cell in zip(columns, cells, strict=True)}))
    return rows, problems


def by_line(problems: list[str]) -> list[str]:
    """Problems in file order ("line N: ..." first by N; others first)."""

    def line_of(problem: str) -> int:
        head = problem.split(":", 1)[0]
        number = head.removeprefix("line ")
        return int(number) if head.startswith("line ") and number.isdigit() else 0

    return sorted(problems, key=line_of)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The one CSV writer in mhf: every cell through `csv_cell`, so a stored or imported
    `=HYPERLINK(...)` reaches a spreadsheet as text, never as a formula."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
