"""Sync export and practice import at 1,000 patients / 50,000 notes (plus a contact, a care
plan and a signposting per patient), printed as JSON.

    .venv/bin/python benchmarks/sync_bench.py [--patients N] [--notes N]

Figures: the full first export; the practice-side import into a new store (includes the
store's Argon2id set-up); a re-export of the same data before any ack and its import
(the idempotent path: everything already held); the ack; and a small incremental export
after the ack. Seeding is not timed.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import shutil
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from mhf_tui.db.tables import CarePlan, Contact, Note, Patient, Practice, Service, Signposting
from mhf_tui.paths import DataDir
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.sync.ack import apply_ack, read_ack
from mhf_tui.sync.device import load_device
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.export import export_practice
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.practice_store import PracticeStore

PASS = "benchmark horse battery staple"
ODS = "C81001"
WORDS = (
    "discussed sleep mood medication review walk daily support carer appointment anxiety low "
    "plan agreed follow up telephone housing benefits work college exercise diet smoking "
    "alcohol reduced improved worse stable crisis line safety plan goals progress"
).split()


def nhs_numbers(count: int) -> list[str]:
    out, n = [], 0
    while len(out) < count:
        n += 1
        base = f"999{n:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            out.append(base + str(check))
    return out


def seed(caseload: Any, recipient: str, patients: int, notes: int) -> list[uuid.UUID]:
    rng = random.Random(7)
    with caseload.session() as s:
        practice = Practice(ods_code=ODS, name="Bench Surgery", recipient=recipient)
        service = Service(name="Bench Talking Therapies", category="iapt", phone="0100 000 0000")
        s.add_all([practice, service])
    ids: list[uuid.UUID] = []
    numbers = nhs_numbers(patients)
    when = datetime(2026, 1, 5, 10, tzinfo=UTC)
    with caseload.session() as s:
        for i in range(patients):
            p = Patient(
                nhs_number=numbers[i],
                family_name=f"Benchperson{i}",
                given_name="Alex",
                date_of_birth=date(1950, 1, 1) + timedelta(days=i * 11),
                practice_id=practice.id,
                address="1 Example Road",
                postcode="LE1 1AA",
                share_with_practice=i % 50 != 0,
            )
            ids.append(p.id)
            s.add(p)
        s.flush()
        for i, pid in enumerate(ids):
            s.add(Contact(patient_id=pid, occurred_at=when + timedelta(hours=i), mode="phone"))
            s.add(
                CarePlan(
                    patient_id=pid,
                    lineage_id=uuid.uuid4(),
                    goals=[{"id": "g1", "goal": "Sleep better", "score": 5}],
                    actions=[{"action": "Walk daily", "owner": "patient", "due": None}],
                )
            )
            s.add(
                Signposting(patient_id=pid, service_id=service.id, signposted_on=date(2026, 1, 6))
            )
    for start in range(0, notes, 10_000):
        with caseload.session() as s:
            for n in range(start, min(notes, start + 10_000)):
                text = " ".join(rng.choice(WORDS) for _ in range(40))
                s.add(Note(patient_id=ids[n % patients], lineage_id=uuid.uuid4(), text=text))
    return ids


def timed(fn: Any) -> tuple[dict[str, float], Any]:
    """Wall and CPU seconds: CPU time is steadier on a shared machine."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall = round(time.perf_counter() - start, 3)
    return {"wall_s": wall, "cpu_s": round(time.process_time() - cpu, 3)}, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--notes", type=int, default=50_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mhf-sync-bench-"))
    try:
        inbox, _ = PracticeStore.create(root / "store", PASS, ods=ODS)
        with inbox.session() as s:
            recipient = str(inbox.identity(s).to_public())
        caseload, _ = initialise_caseload(DataDir(root / "home"), PASS, facilitator="Bench")
        ids = seed(caseload, recipient, args.patients, args.notes)
        with caseload.session() as s, inbox.session() as t:
            enrol(t, fingerprint=load_device(s).fingerprint, name="Bench")
        out = root / "out"

        def export() -> Any:
            with caseload.session() as s:
                return export_practice(s, ods=ODS, out_dir=out, actor="Bench")

        def do_import(path: Path) -> Any:
            return import_file(inbox, path)

        export_s, first = timed(export)
        import_s, summary = timed(lambda: do_import(first.path))
        reexport_s, second = timed(export)
        reimport_s, summary2 = timed(lambda: do_import(second.path))

        def ack() -> Any:
            with caseload.session() as s:
                return apply_ack(s, ack=read_ack(Path(summary2.ack_path)), actor="Bench")

        ack_s, _ = timed(ack)
        with caseload.session() as s:
            s.add(Note(patient_id=ids[1], lineage_id=uuid.uuid4(), text="one more note"))
        incremental_s, third = timed(export)
        caseload.close()
        inbox.close()
        print(
            json.dumps(
                {
                    "size": {"patients": args.patients, "notes": args.notes},
                    "resources": first.counts,
                    "withheld_objection": first.withheld_objection,
                    "file_mb": round(first.path.stat().st_size / 1e6, 2),
                    "export": export_s,
                    "import_new_store": import_s,
                    "import_changed": summary.changed,
                    "reexport_unacked": reexport_s,
                    "reimport_idempotent": reimport_s,
                    "reimport_unchanged": summary2.unchanged,
                    "ack": ack_s,
                    "incremental_export": incremental_s,
                    "incremental_resources": third.counts,
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "machine": {"python": platform.python_version(), "cpu": platform.machine()},
                },
                indent=2,
            )
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
