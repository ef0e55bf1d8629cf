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


def seed_bulk(
    caseload: Any,
    *,
    patients: int,
    notes: int = 0,
    practices: tuple[tuple[str, str], ...] = (("C81001", "Bench Surgery"),),
    recipient: str | None = None,
    seed: int = 7,
) -> list[Any]:
    """Fill a caseload fast through the ORM (every row still gets its change_seq from the
    session hook), spreading patients over the practices and notes over the patients.
    Seeding is not what is measured, so it skips the per-row service checks and audit
    events; returns the patient ids."""
    import uuid
    from datetime import date

    from mhf_tui.db.tables import Note, Patient, Practice

    rng = random.Random(seed)
    with caseload.session() as session:
        practice_rows = [Practice(ods_code=o, name=n, recipient=recipient) for o, n in practices]
        session.add_all(practice_rows)
    ids: list[uuid.UUID] = []
    numbers = nhs_numbers(patients)
    for start in range(0, patients, 5000):
        with caseload.session() as session:
            batch = []
            for i in range(start, min(patients, start + 5000)):
                row = Patient(
                    nhs_number=numbers[i],
                    family_name=f"{FAMILY[i % len(FAMILY)]}{GIVEN[(i // 24) % len(GIVEN)].lower()}",
                    given_name=GIVEN[(i * 7) % len(GIVEN)],
                    date_of_birth=date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                    practice_id=practice_rows[i % len(practice_rows)].id,
                    care_cluster=(8, 11, 12, 4)[i % 4],
                    smi_register=i % 3 == 0,
                )
                batch.append(row)
                ids.append(row.id)
            session.add_all(batch)
    for start in range(0, notes, 10000):
        with caseload.session() as session:
            batch_notes = []
            for n in range(start, min(notes, start + 10000)):
                note_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                batch_notes.append(
                    Note(
                        id=note_id,
                        lineage_id=note_id,
                        patient_id=ids[n % patients],
                        text=note_text(rng),
                        author=FACILITATOR,
                    )
                )
            session.add_all(batch_notes)
    return ids


def new_caseload(root: Path) -> Any:
    """A fresh vault under root/home, open (Argon2id runs once)."""
    from mhf_tui.paths import DataDir
    from mhf_tui.services.setup import initialise_caseload

    caseload, _recovery = initialise_caseload(
        DataDir(root / "home"), PASSPHRASE, facilitator=FACILITATOR
    )
    return caseload
