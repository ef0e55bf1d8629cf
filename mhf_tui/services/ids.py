"""Record ids as people type them: in full, or the first 6+ hex digits shown in lists."""

from __future__ import annotations

import re
import uuid
from typing import TypeVar

from sqlalchemy import text
from sqlmodel import Session

from mhf_tui.db.tables import Row
from mhf_tui.errors import MhfError, ValidationError

R = TypeVar("R", bound=Row)

#: tables whose ids may be given by prefix (the name goes into SQL, so only these)
TABLES = frozenset({"note", "contact", "signposting", "care_plan", "related_person", "service"})


def resolve_id(session: Session, *, table: str, ref: str, what: str) -> uuid.UUID:
    if table not in TABLES:
        raise ValueError(f"ids of {table} are not resolved by prefix")
    hex_digits = (ref or "").strip().lower().replace("-", "")
    if not re.fullmatch(r"[0-9a-f]{6,32}", hex_digits):
        raise ValidationError(f"a {what} id is 6 to 32 hexadecimal digits")
    rows = (
        session.connection()
        .execute(
            text(f"SELECT id FROM {table} WHERE id LIKE :prefix LIMIT 2"),
            {"prefix": hex_digits + "%"},
        )
        .all()
    )
    if not rows:
        raise MhfError(f"no such {what} on this caseload")
    if len(rows) > 1:
        raise ValidationError(f"more than one {what} starts with that id; give more digits")
    return uuid.UUID(hex=str(rows[0][0]))


def get_row(session: Session, model: type[R], row_id: uuid.UUID, missing: str) -> R:
    """The row with this id; `MhfError(missing)` ("no such ... on this caseload") if none."""
    row = session.get(model, row_id)
    if row is None:
        raise MhfError(missing)
    return row
