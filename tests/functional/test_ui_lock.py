"""Lock screen and first-run set-up, driven by keys."""

from __future__ import annotations

from textual.widgets import Input, Static

from mhf_tui.paths import DataDir
from tests.functional.conftest import PASSPHRASE, type_text, unlock, wait_for


async def test_first_run_setup_shows_recovery_key_once_and_opens_dashboard(tmp_path, make_app):
    from mhf_tui.db.store import Caseload
    from mhf_tui.ui.screens.dashboard import DashboardScreen
    from mhf_tui.ui.screens.lock import RecoveryKeyScreen

    home = DataDir(tmp_path / "new")
    home.ensure()
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.id == "setup")
        await type_text(pilot, "Sam Facilitator")
        await pilot.press("enter")
        await type_text(pilot, "short")
        strength = app.screen.query_one("#strength", Static)
        assert "too short" in str(strength.render())
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, PASSPHRASE)
        assert "strong" in str(strength.render())
        await pilot.press("enter")
        await type_text(pilot, "something else entirely")
        await pilot.press("enter")
        status = app.screen.query_one("#gate-status", Static)
        assert "do not match" in str(status.render())
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecoveryKeyScreen))
        key = app.screen.recovery_key
        assert key.replace("-", "") in str(app.screen.query_one("#recovery-key").render()).replace(
            " ", ""
        ).replace("\n", "")
        await pilot.press("escape")  # cannot skip the confirmation
        assert isinstance(app.screen, RecoveryKeyScreen)
        await type_text(pilot, "ZZZZ" if not key.endswith("ZZZZ") else "AAAA")
        await pilot.press("enter")
        assert isinstance(app.screen, RecoveryKeyScreen)
        assert "not the last group" in str(app.screen.query_one("#gate-status").render())
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(pilot, key.split("-")[-1].lower())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.caseload is not None
        assert app.caseload.actor == "Sam Facilitator"
        await pilot.press("ctrl+q")
    assert app.caseload is None
    reopened = Caseload.open(home, PASSPHRASE)
    reopened.close()


async def test_wrong_then_right_passphrase(seeded, make_app):
    from mhf_tui.ui.screens.dashboard import DashboardScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.id == "lock")
        field = app.screen.query_one("#passphrase", Input)
        assert app.focused is field
        await type_text(pilot, "not the passphrase")
        await pilot.press("enter")
        status = app.screen.query_one("#gate-status", Static)
        await wait_for(pilot, lambda: "Wrong passphrase" in str(status.render()))
        assert app.focused is field
        assert field.value == ""
        assert app.caseload is None
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.caseload is not None
        assert app.finder is not None and len(app.finder) >= 2


async def test_lock_now_drops_the_key_and_patient_screens(seeded, make_app):
    from mhf_tui.ui.screens.lock import LockScreen
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        caseload = app.caseload
        await pilot.press("slash")
        await type_text(pilot, "parker")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))
        assert app.caseload is None
        assert len(app.screen_stack) == 2  # Textual's blank default screen + the lock
        await wait_for(pilot, lambda: app.lock_settled.is_set())
        try:
            caseload.key
        except RuntimeError:
            pass
        else:
            raise AssertionError("the key was not dropped")
        await unlock_back(pilot)
        assert isinstance(app.screen, PatientScreen)
        assert app.screen.patient_id == seeded.alice


async def unlock_back(pilot):
    from mhf_tui.ui.screens.patient import PatientScreen

    await type_text(pilot, PASSPHRASE)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PatientScreen))


def test_lock_screen_path_does_not_import_the_database_stack():
    """Cold start: the app module (and the lock screen) must not pull in sqlmodel et al."""
    import subprocess
    import sys

    code = (
        "import sys; import mhf_tui.ui.app; "
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'sqlcipher3', 'mhf_tui.db', "
        "'mhf_tui.services', 'cryptography') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
