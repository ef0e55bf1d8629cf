"""The service outcomes report, read from the hub's SQL views and functions (docs/hub.md):
caseload, new and closed episodes, contacts, PHQ-9 / GAD-7 paired outcomes, goal-based
outcomes, the SMI physical health check and signposting, for the whole service and per
practice, facilitator or care cluster. Each query computes the service total and the
groups in one pass (GROUPING SETS). Small numbers are suppressed in `mhf_tui.hub.suppress`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mhf_tui.sync.returns_package import Period

#: --by choice -> the column (of every view the report reads) that names the group
GROUPINGS = {
    "practice": "practice_ods",
    "facilitator": "facilitator",
    "cluster": "coalesce(care_cluster::text, 'none')",
}
MEASURES = ("phq9", "gad7")
SERVICE = "\x00service"  # the key of the whole-service row (no group can be named this)


@dataclass
class Raw:
    """Unsuppressed figures for one group (or the whole service)."""

    caseload: int = 0
    new_episodes: int = 0
    closed_episodes: int = 0
    contacts_by_mode: dict[str, int] = field(default_factory=dict)
    minutes: int = 0
    dna: int = 0
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    goals_paired: int = 0
    goals_mean_change: float | None = None
    smi: int = 0
    all_six: int = 0
    signposting: list[tuple[str, str, int]] = field(default_factory=list)


def _grouped(cur: Any, sql: str, params: dict[str, Any], expr: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` (whose first two columns are the group and GROUPING()), with the
    group replaced by SERVICE on the whole-service rows."""
    cur.execute(sql.format(g=expr), params)
    return [(SERVICE if total else str(grp), *rest) for grp, total, *rest in cur.fetchall()]


#: the episodes in the window, computed once per report (every figure below starts from them)
_EPISODE_TABLE = """
CREATE TEMP TABLE report_episode ON COMMIT DROP AS
SELECT * FROM hub.episodes_in(%(f)s, %(t)s)
"""
_EPISODES = """
SELECT {g}, GROUPING({g}), count(*),
       count(*) FILTER (WHERE episode_start BETWEEN %(f)s AND %(t)s),
       count(*) FILTER (WHERE episode_end BETWEEN %(f)s AND %(t)s)
FROM report_episode GROUP BY GROUPING SETS ((), ({g}))
"""
_CONTACTS = """
SELECT {g}, GROUPING({g}), sum(minutes), sum(face_to_face), sum(phone),
       sum(video), sum(home_visit), sum(dna), sum(cancelled)
FROM hub.v_contact_summary WHERE period_start >= %(f)s AND period_end <= %(t)s
GROUP BY GROUPING SETS ((), ({g}))
"""
_OUTCOMES = """
SELECT {g}, GROUPING({g}), o.measure,
       count(*) FILTER (WHERE o.paired), avg(o.change) FILTER (WHERE o.paired),
       count(*) FILTER (WHERE o.reliable_improvement), count(*) FILTER (WHERE o.recovery),
       count(*) FILTER (WHERE o.reliable_deterioration),
       count(*) FILTER (WHERE o.paired AND o.at_caseness)
FROM report_episode JOIN hub.measure_outcomes(%(t)s) o USING (key_id)
GROUP BY GROUPING SETS ((o.measure), ({g}, o.measure))
"""
_GOALS = """
SELECT {g}, GROUPING({g}), count(*) FILTER (WHERE c.scores >= 2),
       avg(c.last_score - c.first_score) FILTER (WHERE c.scores >= 2)
FROM report_episode JOIN hub.goal_changes(%(t)s) c USING (key_id)
GROUP BY GROUPING SETS ((), ({g}))
"""
_CHECKS = """
SELECT {g}, GROUPING({g}), count(*) FILTER (WHERE smi),
       count(*) FILTER (WHERE smi AND h.elements = (SELECT count(*) FROM hub.health_check_element))
FROM report_episode LEFT JOIN hub.health_check_elements(%(t)s) h USING (key_id)
GROUP BY GROUPING SETS ((), ({g}))
"""
_SIGNPOSTING = """
SELECT {g}, GROUPING({g}), service, status, count(*)
FROM hub.v_signposting WHERE period_start >= %(f)s AND period_end <= %(t)s
GROUP BY GROUPING SETS ((service, status), ({g}, service, status))
ORDER BY service, status
"""
MODES = ("face_to_face", "phone", "video", "home_visit", "dna", "cancelled")
_OUTCOME_KEYS = ("paired", "mean_change", "reliable_improvement", "recovery",
                 "reliable_deterioration", "at_caseness")  # fmt: skip


def window(conn: Any, period: Period | None) -> Period:
    """The period asked for, or everything loaded (up to the latest return's end)."""
    if period is not None:
        return period
    with conn.cursor() as cur:
        cur.execute("SELECT min(period_start), max(period_end) FROM hub.return_file")
        first, last = cur.fetchone()
    today = datetime.now(UTC).date()
    return Period(first or today, last or today, "all")


def collect(
    conn: Any, period: Period, by: str
) -> tuple[dict[str, Raw], dict[str, tuple[int, int]]]:
    """Raw figures per group (SERVICE for the whole service) and, per practice, the SMI
    physical health check (SMI episodes, with all six)."""
    expr = GROUPINGS[by]
    params = {"f": period.start, "t": period.end}
    out: dict[str, Raw] = defaultdict(Raw)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SET LOCAL work_mem = '64MB'")  # aggregates in memory, not spilled to disk
        cur.execute(_EPISODE_TABLE, params)
        cur.execute("ANALYZE report_episode (key_id)")
        for grp, caseload, new, closed in _grouped(cur, _EPISODES, params, expr):
            raw = out[grp]
            raw.caseload, raw.new_episodes, raw.closed_episodes = caseload, new, closed
        for grp, minutes, *modes in _grouped(cur, _CONTACTS, params, expr):
            out[grp].contacts_by_mode = {m: int(n or 0) for m, n in zip(MODES, modes, strict=True)}
            out[grp].minutes = int(minutes or 0)
            out[grp].dna = out[grp].contacts_by_mode["dna"]
        for grp, measure, *figures in _grouped(cur, _OUTCOMES, params, expr):
            out[grp].measures[measure] = dict(zip(_OUTCOME_KEYS, figures, strict=True))
        for grp, paired, mean in _grouped(cur, _GOALS, params, expr):
            out[grp].goals_paired = paired
            out[grp].goals_mean_change = None if mean is None else float(mean)
        for grp, smi, six in _grouped(cur, _CHECKS, params, expr):
            out[grp].smi, out[grp].all_six = smi, six
        for grp, service, status, n in _grouped(cur, _SIGNPOSTING, params, expr):
            out[grp].signposting.append((service, status, n))
        if by == "practice":  # already counted above
            by_practice = {g: (r.smi, r.all_six) for g, r in out.items() if g != SERVICE}
        else:
            by_practice = {
                grp: (smi, six)
                for grp, smi, six in _grouped(cur, _CHECKS, params, GROUPINGS["practice"])
                if grp != SERVICE
            }
    out.setdefault(SERVICE, Raw())
    return dict(out), by_practice
