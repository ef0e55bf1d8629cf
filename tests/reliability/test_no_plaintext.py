"""No plaintext anywhere: a session that adds patients and notes carrying unique marker
strings, searches, exports a sync file, backs up, is imported at the practice, and
closes. Then every file under the data dir, the export dir, the practice store, the
temp dir given to the processes, and anything new in the system temp dir is scanned,
as bytes and as UTF-16, for the markers: none may be found."""

from __future__ import annotations

import os
import secrets
import string
import tempfile
import time
from pathlib import Path

import pytest
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Patient
from mhf_tui.services.notes import add_note, amend_note, search_notes
from mhf_tui.services.patients import PatientCreate, add_patient
from mhf_tui.sync.device import load_device
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.export import export_practice
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.practice_store import PracticeStore
from mhf_tui.sync.status import set_recipient
from tests.reliability.conftest import (
    ACTOR,
    PASS,
    PRACTICE_ODS,
    child_env,
    files_under,
    find_markers,
    run_mhf,
    seed,
    synthetic_nhs_numbers,
)


def _marker(prefix: str) -> str:
    """A made-up word no file would hold by chance (letters only, so it passes name rules)."""
    return prefix + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


def _new_files_in_system_temp(since: float, exclude: Path) -> list[Path]:
    system_tmp = Path(tempfile.gettempdir())
    found = []
    for path in files_under(system_tmp):
        try:
            st = path.stat()
        except OSError:
            continue
        if st.st_mtime >= since and st.st_size < 64 * 1024 * 1024 and exclude not in path.parents:
            found.append(path)
    return found


@pytest.mark.reliability
def test_marker_strings_never_reach_disk_in_plaintext(tmp_path, monkeypatch):
    started = time.time() - 1
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    for var in ("TMPDIR", "SQLITE_TMPDIR"):
        monkeypatch.setenv(var, str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))

    family, given, note_word, amended_word, alert = (
        _marker(p) for p in ("Qfam", "Qgiv", "qnote", "qamend", "qalert")
    )
    markers = [family, given, note_word, amended_word, alert]

    seeded = seed(tmp_path / "home", patients=1)
    inbox, _recovery = PracticeStore.create(tmp_path / "practice-store", PASS, ods=PRACTICE_ODS)
    with inbox.session() as session:
        identity = inbox.identity(session)
    caseload = Caseload.open(seeded.data, PASS)
    try:
        with caseload.session() as session:
            patient = add_patient(
                session,
                actor=ACTOR,
                data=PatientCreate(
                    family_name=family,
                    given_name=given,
                    date_of_birth="1971-05-06",
                    practice_ods=PRACTICE_ODS,
                    nhs_number=synthetic_nhs_numbers(1, start=999_200_000)[0],
                    address=f"1 {family} Road",
                    alert_note=alert,
                ),
            )
        for n in range(5):
            with caseload.session() as session:
                note = add_note(
                    session,
                    actor=ACTOR,
                    patient_id=patient.id,
                    text=f"Seen today, {note_word} discussed, plan {n} agreed.",
                )
        with caseload.session() as session:
            amend_note(session, actor=ACTOR, note_id=note.id, text=f"Corrected: {amended_word}.")
        with caseload.session() as session:
            hits = search_notes(session, actor=ACTOR, query=note_word)
            assert hits  # the markers really are in the database, searchable
            set_recipient(
                session, ods=PRACTICE_ODS, recipient=str(identity.to_public()), actor=ACTOR
            )
        with caseload.session() as session:
            exported = export_practice(
                session, ods=PRACTICE_ODS, out_dir=seeded.data.exports, actor=ACTOR
            )
        assert exported.path is not None and exported.path.exists()
        with caseload.session() as session:
            device_fingerprint = load_device(session).fingerprint
        caseload.backup()
    finally:
        caseload.close()

    # the CLI in its own processes, told to use the private temp dir
    env = child_env(TMPDIR=str(private_tmp), SQLITE_TMPDIR=str(private_tmp))
    for command in (["backup"], ["check"]):
        result = run_mhf(
            *command, "--home", str(seeded.home), "--passphrase-stdin", stdin=f"{PASS}\n", env=env
        )
        assert result.returncode == 0, result.stderr
        assert not [m for m in markers if m in result.stdout + result.stderr]

    # the practice side: enrol the device, import into the inbox, ack written beside it
    with inbox.session() as session:
        enrol(session, fingerprint=device_fingerprint, name="Plaintext Test")
    (tmp_path / "acks").mkdir()
    try:
        import_file(inbox, exported.path, ack_dir=tmp_path / "acks")
    finally:
        inbox.close()

    # control: the database does hold the markers (so the scan below is not vacuous)
    caseload = Caseload.open(seeded.data, PASS)
    with caseload.session() as session:
        assert session.exec(select(Patient).where(Patient.family_name == family)).one()
    caseload.close()

    roots = [
        seeded.home,
        seeded.data.exports,
        tmp_path / "practice-store",
        tmp_path / "acks",
        private_tmp,
        *_new_files_in_system_temp(started, exclude=tmp_path),
    ]
    scanned = list(files_under(*roots))
    names = {p.name for p in scanned}
    assert {"caseload.db", "vault.json", exported.path.name, "practice.db"} <= names
    assert any(n.endswith(".mhfbackup") for n in names)
    assert find_markers(markers, roots) == []

    # control: the scanner does find a marker written in UTF-16
    control = tmp_path / "control.bin"
    control.write_bytes(b"\0\1" + family.encode("utf-16-le") + b"\2")
    assert find_markers(markers, [control]) == [(control, family)]
    os.unlink(control)
