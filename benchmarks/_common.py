"""Shared helpers for the benchmarks: statistics, throwaway vaults, synthetic patients.

Every figure is either a ratio against a baseline measured in the same run or a
percentile over many repetitions, because the machines here are noisy.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

PASSPHRASE = "benchmark horse battery staple"
FACILITATOR = "Bench Facilitator"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: the figure is a real observation)."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def figure(
    value: float | None,
    *,
    unit: str,
    target: str,
    met: bool | None,
    **details: Any,
) -> dict[str, Any]:
    return {"value": value, "unit": unit, "target": target, "met": met, **details}


def missing(reason: str, *, unit: str, target: str) -> dict[str, Any]:
    """A benchmark that cannot run yet: null, never a made-up number."""
    return {"value": None, "unit": unit, "target": target, "met": None, "reason": reason}


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"mhf-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def machine_info() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": _memory_gb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "textual": version("textual"),
        "sqlcipher3": version("sqlcipher3"),
        "sqlmodel": version("sqlmodel"),
        "sqlalchemy": version("sqlalchemy"),
        "cryptography": version("cryptography"),
    }
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        info["sqlite_in_sqlcipher3"] = conn.execute("select sqlite_version()").fetchone()[0]
        info["sqlcipher"] = conn.execute("pragma cipher_version").fetchone()[0]
        conn.close()
    except Exception as exc:  # machine info must never sink the run
        info["sqlcipher"] = f"unavailable ({type(exc).__name__})"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc; falls back to peak RSS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- synthetic data ---------------------------------------------------------------------

GIVEN = [
    "Alex",
    "Bea",
    "Cal",
    "Dee",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jo",
    "Kit",
    "Lou",
    "Max",
    "Nel",
    "Oz",
    "Pip",
    "Quin",
    "Ray",
    "Sol",
    "Tam",
    "Uma",
    "Vic",
    "Wyn",
    "Zed",
]
FAMILY = [
    "Ashdown", "Brackley", "Corvan", "Dunmore", "Elstow", "Farrow", "Garside", "Hollin",
    "Ingram", "Jessop", "Kettley", "Lumsden", "Marwood", "Nettles", "Orrell", "Pelham",
    "Quarrie", "Rudd", "Selwood", "Thorley", "Upton", "Varley", "Wragg", "Yeadon",
]  # fmt: skip
WORDS = (
    "reviewed mood sleep appetite medication bloods weight smoking alcohol carer housing "
    "benefits walking group talking therapies follow-up phone call letter practice nurse "
    "anxiety low motivation improving stable plan agreed signposted crisis line"
).split()


def nhs_numbers(count: int) -> list[str]:
    """The first `count` synthetic NHS numbers in 999 000 0000-999 999 9999 with a valid
    Modulus 11 check digit (bodies whose check digit would be 10 are skipped)."""
    out: list[str] = []
    body = 999_000_000
    while len(out) < count:
        digits = [int(c) for c in f"{body:09d}"]
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            out.append(f"{body:09d}{check}")
        body += 1
    return out


def note_text(rng: random.Random, words: int = 40) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))
