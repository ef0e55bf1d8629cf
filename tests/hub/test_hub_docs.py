"""The SQL that docs/hub.md offers analysts runs against a real hub, and its PHQ-9 figures
are the report's."""

from __future__ import annotations

import re
from pathlib import Path

from tests.hub.conftest import Hub
from tests.hub.known import report

DOC = Path(__file__).resolve().parents[2] / "docs" / "hub.md"


def test_every_query_in_the_analysts_guide_runs(known: Hub) -> None:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    queries = [b for b in blocks if b.lstrip().upper().startswith("SELECT")]
    assert len(queries) >= 3
    results = [known.conn.execute(q).fetchall() for q in queries]
    phq9_service = [r for r in results[0] if r[1] == 1 and r[2] == "phq9"]
    (row,) = phq9_service
    expected = report(known, suppressed=False)["service"]["phq9"]
    assert (row[3], row[5], row[6], row[7]) == (
        expected["paired"],
        expected["reliable_improvement"],
        expected["recovery"],
        expected["reliable_deterioration"],
    )
    for view in (
        "v_return",
        "v_episode_row",
        "v_episode",
        "v_contact",
        "v_contact_summary",
        "v_signposting",
        "v_measure_outcome",
        "v_goal_change",
        "v_health_check_elements",
    ):
        known.conn.execute(f"SELECT * FROM hub.{view} LIMIT 5").fetchall()
