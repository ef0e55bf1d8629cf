"""The hub at service scale: 100 devices x 500 patients x 4 quarters (200,000 patient-
quarters, 2,000,000 contacts, ~2.9 million rows), generated as real returns (signed, age-
encrypted), imported one file after another as `mhf hub import` does (decrypt, verify,
check every record, COPY), then the whole-service report (`hub report`, by practice).

    .venv/bin/python benchmarks/bench_hub.py [--quick]

Uses $MHF_HUB_DB (an empty database) if set, else starts a throwaway PostgreSQL cluster
(tests/hub/pg.py) with fsync on, as a real server has it. Generation is not timed.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import figure, machine_info, scratch_dir  # noqa: E402

from mhf_tui.hub.admin import enrol_device, init_hub  # noqa: E402
from mhf_tui.hub.db import connect  # noqa: E402
from mhf_tui.hub.importer import analyse, import_files  # noqa: E402
from mhf_tui.hub.report import collect, window  # noqa: E402
from mhf_tui.hub.suppress import build_report  # noqa: E402
from mhf_tui.sync.package import load_identity, parse_recipient  # noqa: E402
from mhf_tui.sync.pseudonym import parse_service_key, pseudonym  # noqa: E402
from tests.hub.helpers import Returns, new_device, quarter  # noqa: E402

IMPORT_TARGET, REPORT_TARGET = 50_000, 2.0
QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
MODES = ("face_to_face", "phone", "phone", "video", "home_visit", "dna", "cancelled")
SIX = ("alcohol", "blood_pressure", "bmi", "cholesterol", "glucose", "smoking")


def _days(label: str) -> list[str]:
    q = quarter(label)
    return [date.isoformat() for date in _range(q.start, q.end)]


def _range(start: Any, end: Any) -> list[Any]:
    from datetime import timedelta

    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _patients(rng: random.Random, key: bytes, d: int, n: int, label: str) -> list[dict[str, Any]]:
    """One device's quarter: 10 contacts, a PHQ-9, a GAD-7 and a goal score per patient;
    the SMI third get their six checks in one quarter; a quarter of them a signposting."""
    days, q = _days(label), QUARTERS.index(label)
    out = []
    for i in range(n):
        smi = i % 3 == 0
        start = "2025-11-01" if i % 4 else "2026-01-05"
        p: dict[str, Any] = {
            "pseudonym": pseudonym(key, f"999{d:03d}{i:04d}"),
            "age_band": ("18-24", "25-34", "35-44", "45-54", "55-64")[i % 5],
            "sex": ("female", "male")[i % 2],
            "practice_ods": f"P{d:03d}{i % 5:02d}",
            "care_cluster": 10 + i % 8,
            "smi": smi,
            "episode_start": start,
            "episode_end": days[-1] if q == 3 and i % 17 == 0 else None,
            "contacts": [
                [
                    days[rng.randrange(len(days))],
                    m,
                    None if m in ("dna", "cancelled") else 30,
                    m == "dna",
                ]
                for m in (MODES[rng.randrange(len(MODES))] for _ in range(10))
            ],
            "phq9": [[days[5], max(0, 18 - 3 * q + rng.randrange(-4, 5))]],
            "gad7": [[days[5], max(0, 14 - 2 * q + rng.randrange(-3, 4))]],
            "gbo": [[days[6], 1, min(10, 2 + 2 * q + rng.randrange(0, 2))]],
            "health_checks": [[e, days[10]] for e in SIX] if smi and q == i % 4 else [],
            "signposting": [["Talking Therapies", "iapt", "referred", days[3], days[20]]]
            if i % 4 == q
            else [],
        }
        out.append(p)
    return out


def _server_cpu(conn: Any) -> float | None:
    """CPU seconds used so far by this connection's server process (a local server only)."""
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(conn: Any) -> tuple[float, float | None]:
    return time.process_time(), _server_cpu(conn)


def _spent(before: tuple[float, float | None], after: tuple[float, float | None]) -> float | None:
    """Client + server CPU seconds between two readings (None if the server is remote)."""
    if before[1] is None or after[1] is None:
        return None
    return round(after[0] - before[0] + after[1] - before[1], 2)


def _measure(url: str, devices: int, patients: int, work: Path) -> dict[str, Any]:
    conn = connect(url)
    setup = init_hub(conn, work / "hub.key")
    identity = load_identity(work / "hub.key")
    key = parse_service_key(setup.service_key)
    returns = Returns(work / "returns", parse_recipient(setup.recipient), key)
    rng = random.Random(18)
    files = []
    for d in range(devices):
        device = new_device(f"Facilitator {d:03d}")
        enrol_device(conn, fingerprint_text=device.fingerprint, name=device.facilitator)
        for label in QUARTERS:
            files.append(
                returns.write(device, quarter(label), _patients(rng, key, d, patients, label))
            )
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    load_before = round(os.getloadavg()[0], 2)
    start, cpu = time.perf_counter(), _cpu(conn)
    outcomes = [outcome for _, outcome in import_files(conn, files, identity)]
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    rows = sum(o.rows for o in outcomes if not isinstance(o, Exception))
    analyse(conn)
    import_s, import_cpu = time.perf_counter() - start, _spent(cpu, _cpu(conn))
    timings, cpus = [], []
    for _ in range(3):
        t, cpu = time.perf_counter(), _cpu(conn)
        period = window(conn, None)
        raw, by_practice = collect(conn, period, "practice")
        report = build_report(raw, by_practice, period=period, by="practice")
        timings.append(time.perf_counter() - t)
        cpus.append(_spent(cpu, _cpu(conn)))
    q3 = time.perf_counter()
    raw, by_practice = collect(conn, quarter("2026-Q3"), "facilitator")
    quarter_s = time.perf_counter() - q3
    version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    conn.close()
    rate = rows / import_s
    size = f"{devices} devices x {patients} patients x 4 quarters"
    return {
        "hub_import_rows_per_s": figure(
            round(rate), unit="rows/s", target=f">= {IMPORT_TARGET:,}", met=rate >= IMPORT_TARGET,
            size=size, rows=rows, files=len(files), files_mb=round(size_mb, 1),
            import_s=round(import_s, 1), cpu_s=import_cpu,
            rows_per_cpu_s=round(rows / import_cpu) if import_cpu else None,
            load_average_1m=[load_before, round(os.getloadavg()[0], 2)], postgresql=version,
            includes="decrypt, signature and record checks (the next file in a thread), "
            "COPY, one transaction per file",
        ),
        "hub_report_s": figure(
            round(statistics.median(timings), 2), unit="s", target=f"< {REPORT_TARGET:g}",
            met=statistics.median(timings) < REPORT_TARGET, size=size,
            runs=[round(t, 2) for t in timings], cpu_s=cpus,
            quarter_by_facilitator_s=round(quarter_s, 2),
            load_average_1m=round(os.getloadavg()[0], 2),
            caseload=report["service"]["caseload"], groups=len(report["groups"]),
            postgresql=version,
        ),
    }  # fmt: skip


def run(quick: bool) -> dict[str, Any]:
    devices, patients = (10, 200) if quick else (100, 500)
    with scratch_dir("hub") as work:
        if os.environ.get("MHF_HUB_DB"):
            return _measure(os.environ["MHF_HUB_DB"], devices, patients, work)
        from tests.hub.pg import cluster

        with cluster(durable=True) as url:
            return _measure(url, devices, patients, work)


if __name__ == "__main__":
    figures = run("--quick" in sys.argv[1:])
    print(json.dumps({**figures, "machine": machine_info()}, indent=2))
