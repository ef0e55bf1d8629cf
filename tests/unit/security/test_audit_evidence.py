"""Attacks on the audit trail by someone who can open the database: cut the last events
off, delete a patient's view events and re-hash the chain, put an older database back, or
rewrite a note's text behind the append-only trigger. `mhf check` must fail, naming what."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent
from mhf_tui.paths import DataDir
from mhf_tui.services.audit import _digest, audit_head
from tests.unit.security.conftest import PASS, add_patient

NHS = "9990000018"


@pytest.fixture
def busy(home, run) -> Path:
    """A caseload with a patient, a note and a few audited views."""
    add_patient(run, NHS)
    assert run("note", "add", "--nhs", NHS, stdin="Walked to the park together.\n").code == 0
    for _ in range(3):
        assert run("patient", "show", "--nhs", NHS).code == 0
    r = run("check")
    assert r.code == 0, r.out
    return home


def _sql(home: Path, *statements: str) -> None:
    """Change the database directly, as someone holding the key could (no mhf services,
    so nothing is audited and the head file is not touched)."""
    caseload = Caseload.open(DataDir(home), PASS)
    try:
        with caseload.engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        caseload.close()


def _rehash(home: Path, keep) -> None:
    """Rewrite the chain from the events `keep` selects, renumbered and re-hashed, so the
    chain on its own verifies."""
    caseload = Caseload.open(DataDir(home), PASS)
    try:
        with caseload.engine.begin() as conn:
            rows = [
                dict(r._mapping)
                for r in conn.execute(select(AuditEvent.__table__).order_by(col(AuditEvent.seq)))
            ]
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            conn.exec_driver_sql("DELETE FROM audit_event")
            prev = "0" * 64
            for seq, row in enumerate([r for r in rows if keep(r)], 1):
                row.update(seq=seq, prev_hash=prev)
                fields = {
                    k: row[k]
                    for k in (
                        "seq",
                        "at",
                        "actor",
                        "action",
                        "entity",
                        "entity_id",
                        "patient_id",
                        "detail",
                        "prev_hash",
                    )
                }
                prev = row["hash"] = _digest(**fields)
                conn.execute(AuditEvent.__table__.insert(), row)
    finally:
        caseload.close()


def _check(run) -> tuple[int, str]:
    r = run("check")
    assert "Traceback" not in r.err
    return r.code, r.out


def test_tail_truncation_is_detected(busy, run):
    _sql(
        busy,
        "DROP TRIGGER audit_event_no_delete",
        "DELETE FROM audit_event WHERE seq > (SELECT max(seq) - 3 FROM audit_event)",
    )
    code, out = _check(run)
    assert code == 1
    assert "the last 3 were removed or an older database was put back" in out


def test_rehashed_deletion_of_view_events_is_detected(busy, run):
    _rehash(busy, keep=lambda r: r["action"] != "view")
    code, out = _check(run)
    assert code == 1
    # the chain itself verifies: only the recorded head shows the removal
    assert "audit chain:" not in out
    assert "were removed" in out


def test_rehashed_replacement_keeping_the_count_is_detected(busy, run):
    """Swap a view event for a harmless one and re-hash: same length, different chain."""

    def disguise(row: dict) -> bool:
        if row["action"] == "view":
            row["action"], row["entity"], row["patient_id"] = "search", "note", ""
        return True

    _rehash(busy, keep=disguise)
    code, out = _check(run)
    assert code == 1
    assert "does not extend the head recorded" in out and "re-hashed" in out


def test_an_older_database_put_back_is_detected(busy, run):
    old = busy / "old.db"
    shutil.copy(busy / "caseload.db", old)
    assert run("patient", "show", "--nhs", NHS).code == 0
    shutil.copy(old, busy / "caseload.db")
    code, out = _check(run)
    assert code == 1 and "an older database was put back" in out


def test_unlocking_after_tampering_keeps_the_evidence(busy, run):
    _sql(
        busy,
        "DROP TRIGGER audit_event_no_delete",
        "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)",
    )
    for _ in range(2):
        assert run("patient", "show", "--nhs", NHS).code == 0  # unlock and change
    code, out = _check(run)
    assert code == 1 and "does not extend the head" in out


def test_a_rewritten_note_is_detected(busy, run):
    _sql(
        busy,
        "DROP TRIGGER note_no_update",
        "UPDATE note SET text = 'Did not attend.'",
        "CREATE TRIGGER note_no_update BEFORE UPDATE ON note "
        "BEGIN SELECT RAISE(ABORT, 'note is append-only'); END",
    )
    code, out = _check(run)
    assert code == 1
    assert "does not match its audit event" in out and "changed outside mhf" in out
    assert "search index does not match the notes" in out
    assert "Did not attend" not in out and "Walked" not in out


def test_an_amended_note_is_vouched_for_too(busy, run):
    listed = json.loads(run("note", "list", "--nhs", NHS, "--json").out)
    r = run("note", "amend", listed[0]["note_id"], "Walked to the lake.", "--reason", "typo")
    assert r.code == 0, r.err
    assert _check(run)[0] == 0
    _sql(
        busy,
        "DROP TRIGGER note_no_update",
        "UPDATE note SET text = 'x' WHERE version = 2",
    )
    code, out = _check(run)
    assert code == 1 and "does not match its audit event" in out


def test_head_file_is_signed_and_matches_audit_head(busy, run):
    head = json.loads((busy / "audit-head.json").read_text())
    caseload = Caseload.open(DataDir(busy), PASS)
    try:
        with caseload.session() as session:
            now = audit_head(session)
    finally:
        caseload.close()
    assert (head["count"], head["hash"]) == (now.count, now.hash)
    assert len(head["signature"]) == 128
    r = run("check")
    assert f"audit head: {now.count} events, last hash {now.hash[:16]}" in r.out
    head["count"] += 5  # claim more events than there are, without the key
    (busy / "audit-head.json").write_text(json.dumps(head))
    code, out = _check(run)
    assert code == 1 and "not signed by this device's key" in out


def test_missing_head_is_reported(busy, run):
    (busy / "audit-head.json").unlink()
    code, out = _check(run)
    assert code == 1 and "audit-head.json is missing" in out


def test_the_head_is_signed_with_the_sync_device_key():
    from mhf_tui.db.audit_head import DEVICE_KEY_SETTING
    from mhf_tui.sync.device import SIGNING_KEY_SETTING

    assert DEVICE_KEY_SETTING == SIGNING_KEY_SETTING
