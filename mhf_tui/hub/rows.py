"""A return's records checked and turned into COPY text lines, before anything is written:
one malformed value refuses the whole file. Every event must be dated within the return's
period (so no event is ever counted from two returns)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from mhf_tui.hub.db import HubError
from mhf_tui.sync.package import ODS_CODE
from mhf_tui.sync.returns_package import Period

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
AGE_BANDS = {"under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}
SEXES = {"female", "male", "other", "unknown"}
MODES = {"face_to_face", "phone", "video", "home_visit", "dna", "cancelled"}
MEASURES = {"phq9": 27, "gad7": 21}
MAX_PERIOD_DAYS = 5 * 366
#: scores per patient per return (their order is folded into a number, see schema.py)
MAX_SCORES = 9999
TABLES = ("contact", "measure", "goal_score", "health_check", "signposting")


class BadRecord(HubError):
    def __init__(self, what: str) -> None:
        super().__init__(f"a record in the return is malformed ({what}); nothing was imported")


def _copy_text(value: str) -> str:
    """Escape for COPY's text format (backslash, tab, newline, carriage return)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _small_text(value: Any, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise BadRecord(what)
    return _copy_text(value)


def _int(value: Any, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise BadRecord(what)
    return value


@dataclass
class Rows:
    """COPY lines per table; episode lines carry their pre-allocated ids."""

    period: Period
    episodes: list[tuple[str, ...]] = field(default_factory=list)
    #: per table, (index of the patient in the return, COPY line without the ids)
    events: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: {t: [] for t in TABLES}
    )
    _dates: dict[str, bool] = field(default_factory=dict)
    #: every day of the period, as ISO text: checking an event's date is one lookup
    days: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.episodes) + sum(len(v) for v in self.events.values())

    def day(self, value: Any, what: str, *, in_period: bool = True) -> str:
        """An ISO date within the period (one set lookup), or any valid date if not asked."""
        if in_period:
            if type(value) is str and value in self.days:
                return value
            raise BadRecord(what)
        ok = self._dates.get(value) if type(value) is str else False
        if ok is None:
            ok = bool(_ISO.fullmatch(value)) and _valid(value)
            self._dates[value] = ok
        if not ok:
            raise BadRecord(what)
        return str(value)

    def __post_init__(self) -> None:
        if (self.period.end - self.period.start).days > MAX_PERIOD_DAYS:
            raise BadRecord("a period longer than five years")
        first = self.period.start
        self.days = {
            (first + timedelta(days=i)).isoformat()
            for i in range((self.period.end - first).days + 1)
        }


def _valid(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadRecord(what)
    return value


def _episode(rows: Rows, p: Any) -> tuple[str, ...]:
    if not isinstance(p, dict):
        raise BadRecord("patient")
    pseudonym = p.get("pseudonym")
    if not isinstance(pseudonym, str) or not _PSEUDONYM.fullmatch(pseudonym):
        raise BadRecord("pseudonym")
    band, sex = p.get("age_band"), p.get("sex")
    if type(band) is not str or band not in AGE_BANDS or type(sex) is not str or sex not in SEXES:
        raise BadRecord("age band or sex")
    ods = p.get("practice_ods")
    if not isinstance(ods, str) or not ODS_CODE.fullmatch(ods):
        raise BadRecord("practice")
    cluster = p.get("care_cluster")
    if cluster is not None:
        _int(cluster, 0, 99, "care cluster")
    if not isinstance(p.get("smi"), bool):
        raise BadRecord("SMI flag")
    start = rows.day(p.get("episode_start"), "episode start", in_period=False)
    end = p.get("episode_end")
    end_text = rows.day(end, "episode end", in_period=False) if end is not None else "\\N"
    if start > rows.period.end.isoformat() or (end is not None and end < start):
        raise BadRecord("episode dates")
    return (
        pseudonym,
        start,
        end_text,
        p["age_band"],
        p["sex"],
        ods,
        "\\N" if cluster is None else str(cluster),
        "t" if p["smi"] else "f",
    )


def _contact(rows: Rows, c: Any) -> str:
    """The hot path (ten or more per patient): plain checks, no helper calls."""
    if (
        type(c) is not list
        or len(c) != 4
        or type(c[0]) is not str
        or c[0] not in rows.days
        or type(c[1]) is not str
        or c[1] not in MODES
        or c[3] is not (c[1] == "dna")
    ):
        raise BadRecord("contact")
    minutes = c[2]
    if minutes is None:
        return f"{c[0]}\t{c[1]}\t\\N\t{'t' if c[3] else 'f'}"
    if type(minutes) is not int or not 0 <= minutes <= 1440:
        raise BadRecord("contact minutes")
    return f"{c[0]}\t{c[1]}\t{minutes}\t{'t' if c[3] else 'f'}"


def _measure(name: str) -> Callable[[Rows, Any, int], str]:
    def line(rows: Rows, m: Any, seq: int) -> str:
        if not isinstance(m, list) or len(m) != 2:
            raise BadRecord(name)
        total = _int(m[1], 0, MEASURES[name], f"{name} total")
        return f"{seq}\t{name}\t{rows.day(m[0], f'{name} date')}\t{total}"

    return line


def _goal(rows: Rows, g: Any, seq: int) -> str:
    if not isinstance(g, list) or len(g) != 3:
        raise BadRecord("goal score")
    goal, score = _int(g[1], 1, 1000, "goal number"), _int(g[2], 0, 10, "goal score")
    return f"{seq}\t{goal}\t{rows.day(g[0], 'goal score date')}\t{score}"


def _check(rows: Rows, h: Any) -> str:
    if not isinstance(h, list) or len(h) != 2:
        raise BadRecord("health check")
    return f"{_small_text(h[0], 'health check element', 40)}\t{rows.day(h[1], 'check date')}"


def _signpost(rows: Rows, s: Any) -> str:
    if not isinstance(s, list) or len(s) != 5:
        raise BadRecord("signposting")
    return "\t".join(
        (
            _small_text(s[0], "signposting service"),
            _small_text(s[1], "signposting category", 60),
            _small_text(s[2], "signposting status", 40),
            rows.day(s[3], "signposting date"),
            rows.day(s[4], "signposting update", in_period=False),
        )
    )


_MEASURE_LINES = {name: _measure(name) for name in MEASURES}


def build_rows(records: dict[str, Any], period: Period) -> Rows:
    """Check every record and make the lines to COPY (ids are added at load time)."""
    rows = Rows(period)
    seen: set[tuple[str, str]] = set()
    for index, p in enumerate(_list(records.get("patients"), "patients")):
        episode = _episode(rows, p)
        if (episode[0], episode[1]) in seen:
            raise BadRecord("the same episode twice")
        seen.add((episode[0], episode[1]))
        rows.episodes.append(episode)
        ev = rows.events
        ev["contact"].extend((index, _contact(rows, c)) for c in _list(p.get("contacts"), "c"))
        scores = [(name, m) for name in MEASURES for m in _list(p.get(name), name)]
        goals = _list(p.get("gbo"), "gbo")
        if len(scores) > MAX_SCORES or len(goals) > MAX_SCORES:
            raise BadRecord("too many scores for one patient")
        for seq, (name, m) in enumerate(scores, 1):
            ev["measure"].append((index, _MEASURE_LINES[name](rows, m, seq)))
        for seq, g in enumerate(goals, 1):
            ev["goal_score"].append((index, _goal(rows, g, seq)))
        ev["health_check"].extend(
            (index, _check(rows, h)) for h in _list(p.get("health_checks"), "health checks")
        )
        ev["signposting"].extend(
            (index, _signpost(rows, s)) for s in _list(p.get("signposting"), "signposting")
        )
    return rows
