"""No plaintext from the interface: a session in the real app (headless, driven by keys)
finds a patient, saves a quick note, leaves a second one as an unsaved draft and locks
(which saves drafts and drops the key), then quits. No file anywhere under the data dir,
the process's temp dir, or new in the system temp dir holds the patient's name, the note
or the draft, in UTF-8 or UTF-16; but the database, opened with the passphrase, does."""

from __future__ import annotations

import secrets
import string
import tempfile
import time

import pytest
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Draft, Note
from mhf_tui.services.patients import PatientCreate, add_patient
from tests.reliability.conftest import (
    ACTOR,
    PASS,
    PRACTICE_ODS,
    find_markers,
    seed,
    synthetic_nhs_numbers,
)
from tests.reliability.test_no_plaintext import _new_files_in_system_temp


def _marker(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


async def _until(pilot, condition, what: str, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.reliability
async def test_ui_session_with_note_draft_and_lock_leaves_no_plaintext(tmp_path, monkeypatch):
    from mhf_tui.ui.app import create_app
    from mhf_tui.ui.screens.caseload import CaseloadScreen
    from mhf_tui.ui.screens.lock import LockScreen
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    started = time.time() - 1
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    for var in ("TMPDIR", "SQLITE_TMPDIR"):
        monkeypatch.setenv(var, str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    family, saved_word, draft_word = _marker("Qfam"), _marker("qsaved"), _marker("qdraft")

    seeded = seed(tmp_path / "home", patients=0)
    caseload = Caseload.open(seeded.data, PASS)
    with caseload.session() as session:
        add_patient(
            session,
            actor=ACTOR,
            data=PatientCreate(
                family_name=family, given_name="Uma", date_of_birth="1966-07-08",
                practice_ods=PRACTICE_ODS, nhs_number=synthetic_nhs_numbers(1, 999_500_000)[0],
            ),
        )  # fmt: skip
    caseload.close()

    app = create_app(seeded.data, demo_passphrase=PASS, auto_lock_seconds=3600)
    async with app.run_test(headless=True, size=(100, 30)) as pilot:
        await _until(pilot, lambda: app.finder is not None, "unlock")
        await pilot.press("f3")
        await _until(pilot, lambda: isinstance(app.screen, CaseloadScreen), "caseload screen")
        await pilot.press(*family[:8], "enter")
        await _until(pilot, lambda: isinstance(app.screen, PatientScreen), "patient screen")
        for word, finish in ((saved_word, "ctrl+s"), (draft_word, None)):
            await pilot.press("ctrl+n")
            await _until(pilot, lambda: isinstance(app.screen, QuickNoteScreen), "quick note")
            await pilot.pause(0.3)
            await pilot.press(*f"seen {word} today".replace(" ", "-"))
            if finish:
                await pilot.press(finish)
                await _until(pilot, lambda: isinstance(app.screen, PatientScreen), "note saved")
        await pilot.press("ctrl+l")
        await _until(
            pilot,
            lambda: isinstance(app.screen, LockScreen) and app.lock_settled.is_set(),
            "lock with drafts saved",
        )
        await pilot.press("ctrl+q")

    caseload = Caseload.open(seeded.data, PASS)
    try:
        with caseload.session() as session:
            notes = [n.text for n in session.exec(select(Note))]
            drafts = [d.text for d in session.exec(select(Draft))]
    finally:
        caseload.close()
    assert any(saved_word in text for text in notes), "control: the note was saved"
    assert any(draft_word in text for text in drafts), "control: the draft survived the lock"

    roots = [seeded.home, private_tmp, *_new_files_in_system_temp(started, exclude=tmp_path)]
    assert find_markers([family, saved_word, draft_word], roots) == []
