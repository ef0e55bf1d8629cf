"""Exporting a patient's summary (subject access) from the Patient screen: a path and a
passphrase typed twice, an age-encrypted file that decrypts to the patient's record."""

from __future__ import annotations

import pyrage

from tests.functional.conftest import type_text, unlock, wait_for

FILE_PASSPHRASE = "plum kettle orbit lantern"


async def test_summary_exported_encrypted_from_the_patient_screen(seeded, make_app):
    from mhf_tui.ui.commands import MhfCommands
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.help import help_lines
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.summary_export import SummaryExportScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.alice)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        patient_screen = app.screen
        await wait_for(pilot, lambda: patient_screen.record is not None)
        palette = [title for title, _cb, _help in MhfCommands(patient_screen)._entries()]
        assert "Patient: export this patient's summary (subject access), encrypted" in palette
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryExportScreen))
        dialog = app.screen
        out = seeded.home.exports / f"summary-{str(seeded.alice)[:8]}.html.age"
        assert dialog.query_one("#summary-path").value == str(out)

        # mismatched passphrases: nothing written, the dialog says why
        await type_text(pilot, FILE_PASSPHRASE)
        await pilot.press("enter")
        await type_text(pilot, "something else entirely")
        await pilot.press("enter")
        await pilot.pause()
        assert "do not match" in str(dialog.query_one("#summary-status").render())
        assert app.screen is dialog and not out.exists()

        await type_text(pilot, FILE_PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is patient_screen)
        assert any(str(out) in n.message for n in app._notifications)

        html = pyrage.passphrase.decrypt(out.read_bytes(), FILE_PASSPHRASE).decode("utf-8")
        assert "Alice" in html and "parker" in html.lower()
        assert b"Alice" not in out.read_bytes()

        # listed in Help under the Patient record keys
        rows = dict(help_lines(app))["Patient record"]
        assert ("x", "export this patient's summary (subject access), encrypted") in rows
