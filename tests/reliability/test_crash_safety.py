"""Kill -9 during note writes: every note whose commit returned is there afterwards, and
the cipher, SQLite, full-text index and audit chain checks all pass."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent, Note
from tests.reliability.conftest import CHILD, PASS, check_ok, child_env

ROUNDS = 6


def _kill_at_random_point(home, patient_id, rng: random.Random, *, after_first: bool) -> list:
    """Start a writer; SIGKILL it at a random moment. Returns the ids it reported."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), "add-notes", str(home), str(patient_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
    )
    lines: list[bytes] = []
    first = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if after_first:
        assert first.wait(60), proc.stderr.read().decode() if proc.poll() is not None else ""
        time.sleep(rng.uniform(0, 0.4))
    else:  # anywhere from interpreter start-up, through unlock, into the first writes
        time.sleep(rng.uniform(0, 2.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    reader.join(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    # only whole lines count: a line is written after its note committed
    return [uuid.UUID(line.decode().strip()) for line in lines if line.endswith(b"\n")]


@pytest.mark.reliability
def test_sigkill_during_note_writes_loses_no_committed_note(seeded):
    seed_value = random.randrange(1 << 30)
    rng = random.Random(seed_value)
    patient_id = seeded.patient_ids[0]
    reported: list[uuid.UUID] = []
    for round_no in range(ROUNDS):
        reported += _kill_at_random_point(
            seeded.home, patient_id, rng, after_first=round_no % 3 != 2
        )
    print(f"seed {seed_value}: {len(reported)} notes reported")
    assert reported, f"no note was committed in any round (seed {seed_value})"

    caseload = Caseload.open(seeded.data, PASS)
    try:
        with caseload.session() as session:
            stored = set(session.exec(select(Note.id)).all())
            audited = set(
                session.exec(
                    select(AuditEvent.entity_id).where(
                        AuditEvent.entity == "note", col(AuditEvent.action) == "create"
                    )
                ).all()
            )
            # the FTS5 index agrees with the note table it indexes
            session.execute(
                text("INSERT INTO note_fts (note_fts, rank) VALUES ('integrity-check', 1)")
            )
            indexed = session.execute(
                text("SELECT count(*) FROM note_fts WHERE note_fts MATCH '\"reviewed\"'")
            ).scalar_one()
    finally:
        caseload.close()
    lost = [i for i in reported if i not in stored]
    assert not lost, f"{len(lost)} committed notes lost (seed {seed_value})"
    assert {str(i) for i in stored} <= audited  # no note without its audit event
    assert indexed == len(stored)
    check_ok(seeded.home)
