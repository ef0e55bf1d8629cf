"""Moving between screens: F-keys, `/` and the quick note key all come through here, so the
rules live in one place (never stack two copies of a screen; never leave a note editor by
accident)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from mhf_tui.ui.app import MhfApp


def _screen_class(target: str) -> type[Screen[Any]]:
    if target == "dashboard":
        from mhf_tui.ui.screens.dashboard import DashboardScreen

        return DashboardScreen
    if target == "caseload":
        from mhf_tui.ui.screens.caseload import CaseloadScreen

        return CaseloadScreen
    if target == "directory":
        from mhf_tui.ui.screens.directory import DirectoryScreen

        return DirectoryScreen
    if target == "sync":
        from mhf_tui.ui.screens.sync import SyncScreen

        return SyncScreen
    if target == "settings":
        from mhf_tui.ui.screens.settings import SettingsScreen

        return SettingsScreen
    raise ValueError(target)


def _close_help(app: MhfApp) -> bool:
    """Help closes itself for navigation; any other dialog (a note being written) blocks it."""
    from mhf_tui.ui.screens.help import HelpScreen

    if isinstance(app.screen, HelpScreen):
        app.pop_screen()
    return not isinstance(app.screen, ModalScreen)


def go(app: MhfApp, target: str, *, focus_filter: bool = False) -> None:
    if not _close_help(app):
        return
    cls = _screen_class(target)
    if target != "settings" and app.caseload is None:
        return
    existing = next((s for s in app.screen_stack if isinstance(s, cls)), None)
    if existing is not None:
        while app.screen is not existing:
            app.pop_screen()
        screen: Screen[Any] = existing
    else:
        screen = cls()
        app.push_screen(screen)
    if focus_filter:
        focus = getattr(screen, "focus_filter", None)
        if focus is not None:
            app.call_after_refresh(focus)


def current_patient(app: MhfApp) -> uuid.UUID | None:
    """The patient whose record is open on top (quick note is for them)."""
    for screen in reversed(app.screen_stack):
        patient_id = getattr(screen, "patient_id", None)
        if isinstance(patient_id, uuid.UUID):
            return patient_id
    return None


def quick_note(app: MhfApp, patient_id: uuid.UUID | None = None) -> None:
    from mhf_tui.ui.screens.quick_note import PatientPicker, QuickNoteScreen

    if app.caseload is None or not _close_help(app):
        return
    patient_id = patient_id or current_patient(app)
    if patient_id is not None:
        app.push_screen(QuickNoteScreen(patient_id))
        return

    def picked(chosen: uuid.UUID | None) -> None:
        if chosen is not None:
            app.push_screen(QuickNoteScreen(chosen))

    app.push_screen(PatientPicker(), picked)


def open_patient(app: MhfApp, patient_id: uuid.UUID, tab: str | None = None) -> None:
    from mhf_tui.ui.screens.patient import PatientScreen

    app.push_screen(PatientScreen(patient_id, tab=tab))
