"""Sessions and the write hooks every unit of work goes through.

`change_seq`: before each flush, every new or changed row gets the next number from the one
counter (a single UPDATE ... RETURNING per flush). `updated_at` is refreshed on changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from mhf_tui.db.tables import Row, utcnow
from mhf_tui.errors import DiskFull, is_disk_full


def _stamp_changes(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, Row)]
    dirty = [o for o in session.dirty if isinstance(o, Row) and session.is_modified(o)]
    rows = new + dirty
    if not rows:
        return
    top = (
        session.connection()
        .execute(
            text("UPDATE change_counter SET value = value + :n WHERE id = 1 RETURNING value"),
            {"n": len(rows)},
        )
        .scalar_one()
    )
    now = utcnow()
    for i, obj in enumerate(rows):
        obj.change_seq = top - len(rows) + 1 + i
        if obj in dirty:
            obj.updated_at = now


event.listen(OrmSession, "before_flush", _stamp_changes)


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on any error."""
    session = new_session(engine)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        if is_disk_full(exc):
            raise DiskFull() from None
        raise
    finally:
        session.close()


def current_change_seq(session: Session) -> int:
    return int(session.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar_one())
