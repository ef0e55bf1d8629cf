"""The report as one JSON-ready object, with small numbers suppressed as in NHS England's
mental health statistics: a count of 1-7 is shown as "*", any other count rounded to the
nearest 5; a rate or mean is "*" when a count it is made from is 1-7, and is otherwise
worked out from the unrounded counts. `suppressed=False` is for the service's own analysts
(`--json --unsuppressed`) only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mhf_tui.hub.report import MEASURES, MODES, SERVICE, Raw
from mhf_tui.sync.returns_package import Period

STAR = "*"
Count = int | str


def suppress_count(n: int) -> Count:
    """0 stays 0; 1-7 is "*"; 8 and over to the nearest 5 (halves up: 8 -> 10, 12 -> 10)."""
    if n == 0:
        return 0
    if n <= 7:
        return STAR
    return 5 * ((n + 2) // 5)


class Shown:
    """Formats counts and derived figures, suppressed or not."""

    def __init__(self, suppressed: bool) -> None:
        self.suppressed = suppressed

    def count(self, n: int) -> Count:
        return suppress_count(n) if self.suppressed else n

    def _hidden(self, *counts: int) -> bool:
        return self.suppressed and any(1 <= c <= 7 for c in counts)

    def rate(self, part: int, whole: int) -> float | str | None:
        """Percentage, one decimal place; None when there is nothing to divide by."""
        if whole == 0:
            return None
        return STAR if self._hidden(part, whole) else round(100 * part / whole, 1)

    def mean(self, value: float | None, base: int) -> float | str | None:
        if value is None or base == 0:
            return None
        return STAR if self._hidden(base) else round(float(value), 2)


_FLAGS = ("reliable_improvement", "recovery", "reliable_deterioration", "at_caseness")


def _measure(raw: dict[str, Any] | None, show: Shown) -> dict[str, Any]:
    r = raw or {}
    paired = int(r.get("paired", 0))
    counts = {k: int(r.get(k, 0)) for k in _FLAGS}
    return {
        "paired": show.count(paired),
        "mean_change": show.mean(r.get("mean_change"), paired),
        "reliable_improvement": show.count(counts["reliable_improvement"]),
        "reliable_improvement_rate": show.rate(counts["reliable_improvement"], paired),
        "recovery": show.count(counts["recovery"]),
        "at_caseness": show.count(counts["at_caseness"]),
        "recovery_rate": show.rate(counts["recovery"], counts["at_caseness"]),
        "reliable_deterioration": show.count(counts["reliable_deterioration"]),
    }


def figures(raw: Raw, show: Shown) -> dict[str, Any]:
    total = sum(raw.contacts_by_mode.values())
    offered = total - raw.contacts_by_mode.get("cancelled", 0)
    return {
        "caseload": show.count(raw.caseload),
        "new_episodes": show.count(raw.new_episodes),
        "closed_episodes": show.count(raw.closed_episodes),
        "contacts": {
            "total": show.count(total),
            "by_mode": {m: show.count(raw.contacts_by_mode.get(m, 0)) for m in MODES},
            "minutes": show.count(raw.minutes),
            "dna": show.count(raw.dna),
            "dna_rate": show.rate(raw.dna, offered),
        },
        **{m: _measure(raw.measures.get(m), show) for m in MEASURES},
        "goals": {
            "paired": show.count(raw.goals_paired),
            "mean_change": show.mean(raw.goals_mean_change, raw.goals_paired),
        },
        "physical_health_checks": {
            "smi": show.count(raw.smi),
            "all_six": show.count(raw.all_six),
            "rate": show.rate(raw.all_six, raw.smi),
        },
        "signposting": [
            {"service": service, "status": status, "count": show.count(n)}
            for service, status, n in raw.signposting
        ],
    }


def build_report(
    raw: dict[str, Raw],
    by_practice: dict[str, tuple[int, int]],
    *,
    period: Period,
    by: str,
    suppressed: bool = True,
) -> dict[str, Any]:
    """The report object printed by `--json` and drawn by `--html`."""
    show = Shown(suppressed)
    service = figures(raw[SERVICE], show)
    service["physical_health_checks_by_practice"] = [
        {"practice": ods, "smi": show.count(smi), "all_six": show.count(six),
         "rate": show.rate(six, smi)}
        for ods, (smi, six) in sorted(by_practice.items())
    ]  # fmt: skip
    return {
        "period": period.as_json(),
        "by": by,
        "suppressed": suppressed,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "service": service,
        "groups": [
            {"group": name, **figures(raw[name], show)}
            for name in sorted(g for g in raw if g != SERVICE)
        ],
    }
