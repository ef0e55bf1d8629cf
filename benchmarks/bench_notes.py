"""Durable note save through the notes service: one unit of work per note (validation,
the note row, its audit event, the FTS5 trigger, commit with synchronous=FULL). A bare
SQLCipher insert+commit on the same file is measured alongside as the floor."""

from __future__ import annotations

import time
import uuid
from typing import Any

from _common import (
    FACILITATOR,
    figure,
    median,
    new_caseload,
    percentile,
    scratch_dir,
    seed_bulk,
)

from mhf_tui.services.notes import add_note
from mhf_tui.vault.engine import connect_raw

TEXT = (
    "Phone call: reviewed mood and sleep, taking medication as prescribed; bloods due next "
    "month, agreed to self-refer to talking therapies. Follow up in two weeks."
)


def run(quick: bool) -> dict[str, Any]:
    count = 150 if quick else 500
    with scratch_dir("notes") as root:
        caseload = new_caseload(root)
        floor_conn = connect_raw(caseload.data.db, caseload.key)
        try:
            patient_ids = seed_bulk(caseload, patients=200, notes=2000)
            floor_conn.execute("CREATE TABLE bench_floor (id TEXT PRIMARY KEY, text TEXT)")
            for i in range(20):  # warm the pool, caches and the audit chain
                with caseload.session() as session:
                    add_note(session, actor=FACILITATOR, patient_id=patient_ids[i], text=TEXT)
            times, cpu, floor = [], [], []
            # interleaved, so a burst of disk or CPU noise hits both series alike
            for i in range(count):
                start, start_cpu = time.perf_counter(), time.process_time()
                with caseload.session() as session:
                    add_note(
                        session,
                        actor=FACILITATOR,
                        patient_id=patient_ids[i % len(patient_ids)],
                        text=f"{TEXT} ({i})",
                    )
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                start = time.perf_counter()
                floor_conn.execute("BEGIN")
                floor_conn.execute(
                    "INSERT INTO bench_floor VALUES (?, ?)", (str(uuid.uuid4()), f"{TEXT}{i}")
                )
                floor_conn.execute("COMMIT")
                floor.append((time.perf_counter() - start) * 1000)
        finally:
            floor_conn.close()
            caseload.close()
    value = median(times)
    return {
        "note_save_ms": figure(
            round(value, 2),
            unit="ms",
            target="< 5",
            met=value < 5,
            p95_ms=round(percentile(times, 95), 2),
            cpu_median_ms=round(median(cpu), 2),
            notes=count,
            bare_sqlcipher_insert_commit_ms=round(median(floor), 2),
            measured="caseload.session() + notes.add_note (note, audit event, FTS5) + commit",
        )
    }
