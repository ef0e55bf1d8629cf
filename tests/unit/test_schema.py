"""The schema a new caseload is created with, pinned: the tables, and each column's name,
type, NOT NULL and primary-key flag (sorted by name: nothing reads columns by position, and
the order follows the model classes). A refactor of the models must leave it as it is; a
real schema change is a new numbered migration (`mhf_tui/db/migrations.py`) and an update
of `tests/data/caseload_schema.json` in the same commit."""

from __future__ import annotations

import json
from pathlib import Path

from mhf_tui.paths import DataDir
from mhf_tui.services.setup import initialise_caseload

PINNED = Path(__file__).resolve().parents[1] / "data" / "caseload_schema.json"


def test_a_new_caseload_has_the_pinned_schema(tmp_path: Path) -> None:
    caseload, _recovery = initialise_caseload(
        DataDir(tmp_path / "home"), "correct horse battery staple", facilitator="Test"
    )
    try:
        with caseload.session() as session:
            conn = session.connection()
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).all()
            tables = {
                name: sorted(
                    [column[1], column[2], bool(column[3]), column[5] > 0]
                    for column in conn.exec_driver_sql(f"PRAGMA table_info('{name}')").all()
                )
                for (name,) in names
            }
            version = conn.exec_driver_sql("PRAGMA user_version").scalar()
    finally:
        caseload.close()
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert version == pinned["user_version"]
    assert sorted(tables) == sorted(pinned["tables"])
    for name, columns in pinned["tables"].items():
        assert tables[name] == columns, f"table {name} changed"
