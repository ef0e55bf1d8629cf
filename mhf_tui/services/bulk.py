"""Writing many rows at once (demo data, imports) without building ORM objects.

`bulk_insert` does what the session hook in `mhf_tui.db.session` does for ORM writes:
every row gets its own `change_seq` from the shared counter (the sync export depends on
it) and fresh timestamps. Rows are plain dicts from `row_values`, which fills in the
model's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from mhf_tui.db.tables import Row, utcnow


@cache
def _defaults(model: type[Row]) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    plain: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            factories[name] = field.default_factory  # type: ignore[assignment]
        else:
            plain[name] = field.default
    return plain, factories


def row_values(model: type[Row], **values: Any) -> dict[str, Any]:
    """Column values for a bulk insert: the model's defaults, then `values`."""
    plain, factories = _defaults(model)
    row = dict(plain)
    for name, factory in factories.items():
        if name not in values:
            row[name] = factory()
    row.update(values)
    return row


def bulk_insert(
    session: Session, model: type[Row], rows: list[dict[str, Any]], batch: int = 5000
) -> None:
    """Insert many rows with executemany, bypassing ORM objects (10-20x faster).
    Does what the session hook does for ORM writes: one `change_seq` each from the
    shared counter, and fresh timestamps."""
    if not rows:
        return
    conn = session.connection()
    top = conn.execute(
        text("UPDATE change_counter SET value = value + :n WHERE id = 1 RETURNING value"),
        {"n": len(rows)},
    ).scalar_one()
    now = utcnow()
    first = top - len(rows) + 1
    for offset, row in enumerate(rows):
        row["change_seq"] = first + offset
        row["created_at"] = row["updated_at"] = now
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), batch):
        conn.execute(insert(table), rows[start : start + batch])
