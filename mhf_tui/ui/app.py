"""The mhf app: one `App`, a stack of screens, and the lock that guards them.

Start-up shows the lock screen (or first-run set-up) as fast as an empty Textual app: only
textual, `config` and `paths` are imported here. The database stack (sqlmodel, sqlalchemy,
SQLCipher, services) is imported by the unlock worker while the user types.

Stack after unlock: [Textual's blank default screen, Dashboard, ...]. Locking (on demand
or after idle) captures unsaved drafts, pops every screen, shows the lock screen, then saves
the drafts and closes the caseload (dropping the key) in a worker. Unlocking rebuilds the
screens that were open, so the user is back where they were, with their draft.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.driver import Driver
from textual.screen import Screen

from mhf_tui.config import Settings, load_settings
from mhf_tui.errors import MhfError
from mhf_tui.paths import DataDir
from mhf_tui.ui.commands import MhfCommands
from mhf_tui.ui.keys import APP_KEYS
from mhf_tui.ui.messages import DataChanged, ServiceFailed, Unlocked
from mhf_tui.ui.screens.lock import LockScreen, SetupScreen
from mhf_tui.ui.themes import themes

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.finder import PatientIndex
    from mhf_tui.ui.screens.base import DraftSnapshot

#: actions that need an unlocked caseload
NEEDS_UNLOCK = {"quick_note", "find", "lock"}


#: the look of every screen after the gate, parsed once the first frame is painted
SCREENS_CSS = Path(__file__).with_name("app.tcss")


class MhfApp(App[int]):
    #: only what the lock and set-up screens need: start-up parses no more CSS than that
    CSS_PATH = "start.tcss"
    TITLE = "mhf"
    COMMANDS = {MhfCommands}
    BINDINGS = [key.binding() for key in APP_KEYS]

    def __init__(
        self,
        data: DataDir,
        *,
        settings: Settings | None = None,
        today: Callable[[], date] = date.today,
        demo_passphrase: str | None = None,
        auto_lock_seconds: float | None = None,
    ) -> None:
        super().__init__()
        for theme in themes():  # they replace the built-ins of the same name
            self.register_theme(theme)
        # The stylesheet was made (not yet parsed) with the built-in theme's colours: give it
        # ours now, so the first parse is the only one (a reparse costs a tenth of start-up).
        self.stylesheet.set_variables(self.get_css_variables())
        self.data = data
        self.settings_error: str | None = None
        if settings is None:
            try:
                settings = load_settings(data.config)
            except MhfError as exc:
                self.settings_error = str(exc)
                settings = Settings()
        self.settings = settings
        #: injected so dates on screen (ages, "due today") are testable
        self.today = today
        self.demo_passphrase = demo_passphrase
        self._auto_lock_override = auto_lock_seconds
        self.caseload: Caseload | None = None
        #: the in-memory patient finder built at unlock
        self.finder: PatientIndex | None = None
        self._resume: list[Screen[Any]] = []
        self._last_activity = time.monotonic()
        #: set while no lock is in progress; unlock waits for drafts to be saved first
        self.lock_settled = threading.Event()
        self.lock_settled.set()

    # --- start-up ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.apply_settings(self.settings)
        if self.settings_error:
            self.notify(
                self.settings_error, title="Settings ignored", severity="warning", markup=False
            )
        self.push_screen(self._gate_screen())
        self._idle_timer = self.set_interval(self._idle_check_every(), self._check_idle)
        self.call_after_refresh(self._load_screens_css)

    def _load_screens_css(self) -> None:
        """Runs after the lock screen's first frame, before any key is handled: the user
        sees the gate without waiting for the CSS of screens it does not show."""
        self.stylesheet.read(SCREENS_CSS)
        self.refresh_css(animate=False)

    def _gate_screen(self) -> Screen[Any]:
        if self.data.vault.exists():
            return LockScreen(demo_passphrase=self.demo_passphrase)
        return SetupScreen()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.set_keymap(settings.keys)

    # --- auto-lock ----------------------------------------------------------------------

    @property
    def auto_lock_seconds(self) -> float:
        if self._auto_lock_override is not None:
            return self._auto_lock_override
        return self.settings.auto_lock_minutes * 60

    def _idle_check_every(self) -> float:
        return max(0.05, min(5.0, self.auto_lock_seconds / 4))

    def set_auto_lock(self, seconds: float | None) -> None:
        """Override the configured idle time (None: back to the settings)."""
        self._auto_lock_override = seconds
        self.reset_idle_timer()

    def reset_idle_timer(self) -> None:
        self._idle_timer.stop()
        self._idle_timer = self.set_interval(self._idle_check_every(), self._check_idle)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on a Linux terminal one whose input parser keeps a paste
        holding ESC in order (see `mhf_tui.ui.paste`)."""
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver":
            from mhf_tui.ui.paste import PasteSafeDriver

            return PasteSafeDriver
        return driver

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event,
            events.Key
            | events.MouseDown
            | events.MouseScrollDown
            | events.MouseScrollUp
            | events.Paste,
        ):
            self._last_activity = time.monotonic()
        await super().on_event(event)

    async def _check_idle(self) -> None:
        if self.caseload is None:
            return
        if time.monotonic() - self._last_activity >= self.auto_lock_seconds:
            await self.lock()

    # --- lock and unlock -------------------------------------------------------------

    async def lock(self) -> None:
        if self.caseload is None:
            return
        caseload, self.caseload, self.finder = self.caseload, None, None
        self.lock_settled.clear()
        screens = list(self.screen_stack[1:])
        drafts: list[DraftSnapshot] = []
        resume: list[Screen[Any]] = []
        for screen in screens:
            pending = getattr(screen, "pending_draft", None)
            draft = pending() if pending else None
            if draft is not None:
                drafts.append(draft)
            rebuild = getattr(screen, "rebuild", None)
            fresh = rebuild() if rebuild else None
            if fresh is not None:
                resume.append(fresh)
        self._resume = resume
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(LockScreen(demo_passphrase=self.demo_passphrase, relock=True))
        self._save_drafts_and_close(caseload, drafts)

    @work(thread=True, exclusive=True, group="lock", exit_on_error=False)
    def _save_drafts_and_close(self, caseload: Caseload, drafts: list[DraftSnapshot]) -> None:
        try:
            if drafts:
                _save_drafts(caseload, drafts)
        except Exception as exc:
            self.post_message(ServiceFailed("save drafts", _describe(exc)))
        finally:
            caseload.close()
            self.lock_settled.set()

    def keep_draft(self, draft: DraftSnapshot) -> None:
        """Save (or, if emptied, delete) an editor's draft in an App worker, so the write
        outlives the screen that is closing; lists refresh when it is done."""
        caseload = self.caseload
        if caseload is None:
            return

        def job() -> None:
            try:
                if draft.text.strip():
                    _save_drafts(caseload, [draft])
                else:
                    from mhf_tui.services import drafts as draft_service

                    with caseload.session() as session:
                        draft_service.delete_draft(session, draft_id=draft.draft_id)
            except Exception as exc:
                self.post_message(ServiceFailed("keep the draft", _describe(exc)))
            else:
                self.post_message(DataChanged(draft.patient_id))

        self.run_worker(job, thread=True, group="drafts", exit_on_error=False)

    def unlocked(self, message: Unlocked) -> None:
        """Called by the lock screen: open the dashboard and whatever was open at lock."""
        from mhf_tui.ui.screens.dashboard import DashboardScreen

        self.caseload = message.caseload
        self.finder = message.finder
        self._last_activity = time.monotonic()
        resume, self._resume = self._resume, []
        self.pop_screen()
        if not resume or not isinstance(resume[0], DashboardScreen):
            resume.insert(0, DashboardScreen())
        for screen in resume:
            self.push_screen(screen)
        self._check_templates()

    def _check_templates(self) -> None:
        """Load the review templates once the caseload is open, so a malformed file in the
        templates folder is named now rather than when a review is next started; the app
        opens either way."""

        def job() -> None:
            from mhf_tui.ui.screens.review_form import ui_templates

            try:
                ui_templates(self)
            except MhfError as exc:
                self.post_message(
                    ServiceFailed(
                        "load the review templates",
                        f"{exc}. Reviews cannot start until the file is fixed or removed.",
                    )
                )
            except Exception as exc:
                self.post_message(ServiceFailed("load the review templates", _describe(exc)))

        self.run_worker(job, thread=True, group="templates", exit_on_error=False)

    # --- app-wide actions -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NEEDS_UNLOCK and self.caseload is None:
            return False
        if action == "go" and self.caseload is None and parameters != ("settings",):
            return False
        return True

    async def action_lock(self) -> None:
        await self.lock()

    async def action_quit(self) -> None:
        """Quit, keeping any unsaved note as a draft."""
        caseload, self.caseload = self.caseload, None
        if caseload is not None:
            drafts = [
                d
                for s in self.screen_stack
                if (d := getattr(s, "pending_draft", lambda: None)()) is not None
            ]
            try:
                _save_drafts(caseload, drafts)
            except Exception as exc:
                self.notify(
                    _describe(exc), title="Drafts not saved", severity="error", markup=False
                )
                self.caseload = caseload
                return
            finally:
                if self.caseload is None:
                    caseload.close()
        self.exit(0)

    def action_help(self) -> None:
        from mhf_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_go(self, target: str) -> None:
        from mhf_tui.ui.screens import navigation

        navigation.go(self, target)

    def action_find(self) -> None:
        from mhf_tui.ui.screens import navigation

        navigation.go(self, "caseload", focus_filter=True)

    def action_quick_note(self) -> None:
        from mhf_tui.ui.screens import navigation

        navigation.quick_note(self)

    # --- messages from workers ------------------------------------------------------

    def on_service_failed(self, message: ServiceFailed) -> None:
        self.notify(
            message.message, title=f"Could not {message.action}", severity="error", markup=False
        )

    def on_data_changed(self, message: DataChanged) -> None:
        """Tell every open screen; each reloads if it shows that patient or a list."""
        for screen in self.screen_stack:
            refresh = getattr(screen, "data_changed", None)
            if refresh is not None:
                refresh(message.patient_id)

    # --- errors nothing else caught -------------------------------------------------

    def _fatal_error(self) -> None:
        """A real bug: keep drafts, then exit with one line. Textual's own report prints
        the local variables, which may hold patient data, into the terminal scrollback;
        it is shown only with MHF_DEBUG=1."""
        import os
        import sys

        caseload, self.caseload = self.caseload, None
        if caseload is not None:
            try:
                drafts = [
                    d
                    for s in self.screen_stack
                    if (d := getattr(s, "pending_draft", lambda: None)()) is not None
                ]
                _save_drafts(caseload, drafts)
            except Exception:  # noqa: S110  (best effort on the way out)
                pass
            finally:
                caseload.close()
        if os.environ.get("MHF_DEBUG"):
            super()._fatal_error()
            return
        error = sys.exc_info()[1] or self._exception
        from rich.text import Text

        self.bell()
        self._exit_renderables.append(
            Text(
                f"mhf: unexpected error ({type(error).__name__}); unsaved notes were kept "
                "as drafts. Run with MHF_DEBUG=1 for details."
            )
        )
        self._close_messages_no_wait()

    def on_unmount(self) -> None:
        if self.caseload is not None:
            self.caseload.close()
            self.caseload = None


def _save_drafts(caseload: Caseload, drafts: list[DraftSnapshot]) -> None:
    from mhf_tui.services import drafts as draft_service

    if not drafts:
        return
    with caseload.session() as session:
        for d in drafts:
            draft_service.save_draft(
                session,
                draft_id=d.draft_id,
                kind=d.kind,
                patient_id=d.patient_id,
                text=d.text,
                fields=d.fields,
            )


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, MhfError) else f"unexpected error ({type(exc).__name__})"


#: the app on a data dir; tests inject settings, a fixed `today` and a short auto-lock
create_app = MhfApp


def run(data_dir: DataDir, *, demo_passphrase: str | None = None) -> int:
    """Run the app until quit, holding the data dir's instance lock throughout."""
    from mhf_tui.vault.lock import InstanceLock

    data_dir.ensure()
    with InstanceLock(data_dir.lock):
        app = MhfApp(data_dir, demo_passphrase=demo_passphrase)
        app.run()
    return app.return_code or 0
