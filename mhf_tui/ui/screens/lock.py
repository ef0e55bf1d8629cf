"""The gate: the lock screen, first-run set-up and the one-time recovery key.

Nothing here imports the database stack at module level: the lock screen must appear as fast
as an empty Textual app. While the user types, a worker imports what unlocking will need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static

from mhf_tui.errors import MhfError, WrongPassphrase
from mhf_tui.ui.messages import Unlocked, UnlockFailed

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.finder import PatientIndex
    from mhf_tui.ui.app import MhfApp


def build_finder(caseload: Caseload) -> PatientIndex:
    """The in-memory patient index the caseload filter searches (built once per unlock)."""
    from mhf_tui.services.finder import PatientIndex

    with caseload.session() as session:
        return PatientIndex.load(session)


def new_passphrase(first: Input, again: Input, refuse: Callable[[str], None]) -> str | None:
    """A new passphrase typed twice: it, or None once `refuse` has been told why and the
    field to fix has the focus (a repeat that does not match is cleared)."""
    from mhf_tui.vault.keys import passphrase_strength

    score, hint = passphrase_strength(first.value)
    if score == 0:
        refuse(f"Passphrase {hint}.")
        first.focus()
        return None
    if again.value != first.value:
        refuse("The two passphrases do not match.")
        again.value = ""
        again.focus()
        return None
    return first.value


def _preload() -> None:
    """Import the database stack and services so the unlock itself only pays for the KDF."""
    import mhf_tui.db.store
    import mhf_tui.services.finder
    import mhf_tui.services.setup  # noqa: F401


class GateScreen(Screen[None]):
    """Shared by lock and set-up: no patient data, nothing to restore."""

    CATEGORY = "App"
    app: MhfApp

    warmed = False

    def on_mount(self) -> None:
        # Not at once: an import thread competing for the GIL would delay the first frame.
        self.set_timer(0.5, self.warm_up)

    def on_input_changed(self) -> None:
        self.warm_up()

    def warm_up(self) -> None:
        if not self.warmed:
            self.warmed = True
            self.run_worker(_preload, thread=True, exit_on_error=False, group="preload")

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#gate-status", Static)
        status.update(Text(text))
        status.set_class(error, "error")


class LockScreen(GateScreen):
    """Passphrase in, caseload open. A wrong passphrase keeps the field focused."""

    def __init__(self, *, demo_passphrase: str | None = None, relock: bool = False) -> None:
        super().__init__(id="lock")
        self.demo_passphrase = demo_passphrase
        self.relock = relock
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="gate"):
            yield Static("mhf · caseload locked", id="gate-title")
            yield Static("Type your passphrase and press Enter to unlock.", classes="gate-text")
            yield Input(password=True, id="passphrase", placeholder="Passphrase")
            yield Static("", id="gate-status")
            if self.demo_passphrase:
                yield Static(
                    Text(f"Demo caseload: the passphrase is {self.demo_passphrase}"),
                    classes="gate-text",
                    id="demo-hint",
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#passphrase", Input).focus()
        if self.demo_passphrase and not self.relock:
            self.query_one("#passphrase", Input).value = self.demo_passphrase
            self.submit(self.demo_passphrase)

    @on(Input.Submitted, "#passphrase")
    def passphrase_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            self.set_status("Type your passphrase first.", error=True)
            return
        self.submit(event.value)

    def submit(self, passphrase: str) -> None:
        if self.busy:
            return
        self.busy = True
        self.set_status("Unlocking…")
        self.unlock(passphrase)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def unlock(self, passphrase: str) -> None:
        self.app.lock_settled.wait(30)
        try:
            from mhf_tui.db.store import Caseload

            caseload = Caseload.open(self.app.data, passphrase, sleep=self._wait)
            try:
                finder = build_finder(caseload)
            except BaseException:
                caseload.close()
                raise
        except WrongPassphrase:
            self.post_message(UnlockFailed("Wrong passphrase. Check Caps Lock and try again."))
        except MhfError as exc:
            self.post_message(UnlockFailed(str(exc)))
        except Exception as exc:
            self.post_message(UnlockFailed(f"Could not open the caseload ({type(exc).__name__})."))
        else:
            self.post_message(Unlocked(caseload, finder))

    def _wait(self, seconds: float) -> None:
        self.app.call_from_thread(
            self.set_status,
            f"Waiting {seconds:.0f} s after repeated wrong passphrases…",
            error=True,
        )
        time.sleep(seconds)

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        self.busy = False
        self.set_status(message.message, error=True)
        field = self.query_one("#passphrase", Input)
        field.value = ""
        field.focus()

    def on_unlocked(self, message: Unlocked) -> None:
        self.busy = False
        self.app.unlocked(message)


class SetupScreen(GateScreen):
    """First run: name, passphrase twice with a strength hint, then the recovery key."""

    def __init__(self) -> None:
        super().__init__(id="setup")
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="gate"):
            yield Static("mhf · set up your encrypted caseload", id="gate-title")
            yield Input(id="facilitator", placeholder="Your name (recorded on your notes)")
            yield Input(
                password=True, id="passphrase", placeholder="Passphrase (a few unrelated words)"
            )
            yield Static("", id="strength")
            yield Input(password=True, id="repeat", placeholder="Repeat the passphrase")
            yield Static("", id="gate-status")
            yield Static(
                "If you forget the passphrase and lose the recovery key (shown next), "
                "the caseload cannot be opened by anyone.",
                classes="gate-text warning",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#facilitator", Input).focus()

    @on(Input.Changed, "#passphrase")
    def show_strength(self, event: Input.Changed) -> None:
        from mhf_tui.vault.keys import passphrase_strength

        if not event.value:
            self.query_one("#strength", Static).update("")
            return
        score, hint = passphrase_strength(event.value)
        strength = self.query_one("#strength", Static)
        strength.update(Text(f"Strength {score}/4: {hint}"))
        strength.set_class(score == 0, "error")

    @on(Input.Submitted, "#facilitator, #passphrase")
    def next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#repeat")
    def repeat_submitted(self) -> None:
        if self.busy:
            return
        name = self.query_one("#facilitator", Input).value.strip()
        if not name:
            self.set_status("Type your name first.", error=True)
            self.query_one("#facilitator", Input).focus()
            return
        passphrase = new_passphrase(
            self.query_one("#passphrase", Input),
            self.query_one("#repeat", Input),
            partial(self.set_status, error=True),
        )
        if passphrase is not None:
            self.busy = True
            self.set_status("Creating the encrypted caseload…")
            self.create(name, passphrase)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def create(self, name: str, passphrase: str) -> None:
        try:
            from mhf_tui.services.setup import initialise_caseload

            caseload, recovery = initialise_caseload(self.app.data, passphrase, facilitator=name)
            finder = build_finder(caseload)
        except MhfError as exc:
            self.post_message(UnlockFailed(str(exc)))
        except Exception as exc:
            self.post_message(
                UnlockFailed(f"Could not create the caseload ({type(exc).__name__}).")
            )
        else:
            self.post_message(Unlocked(caseload, finder, recovery_key=recovery))

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        self.busy = False
        self.set_status(message.message, error=True)

    def on_unlocked(self, message: Unlocked) -> None:
        assert message.recovery_key is not None

        def confirmed(_: bool | None) -> None:
            self.app.unlocked(message)

        self.app.push_screen(RecoveryKeyScreen(message.recovery_key), confirmed)


class RecoveryKeyScreen(ModalScreen[bool]):
    """Shown once. Typing the last group back proves it was written down."""

    BINDINGS = [Binding("escape", "nothing", show=False, id="back")]

    def __init__(self, recovery_key: str) -> None:
        super().__init__(id="recovery")
        self.recovery_key = recovery_key

    def compose(self) -> ComposeResult:
        groups = self.recovery_key.split("-")
        half = len(groups) // 2
        shown = "  ".join(groups[:half]) + "\n" + "  ".join(groups[half:])
        with Vertical(id="gate"):
            yield Static("Your recovery key", id="gate-title")
            yield Static(
                "Write it down now and keep it somewhere safe, away from this laptop. "
                "It is shown only this once. With it you can set a new passphrase.",
                classes="gate-text",
            )
            yield Static(Text(shown), id="recovery-key")
            yield Static(
                "To confirm you wrote it down, type its last group of four characters:",
                classes="gate-text",
            )
            yield Input(id="confirm", placeholder="last four characters", max_length=4)
            yield Static("", id="gate-status")

    def on_mount(self) -> None:
        self.query_one("#confirm", Input).focus()

    def action_nothing(self) -> None:
        """Escape must not skip the confirmation."""

    @on(Input.Submitted, "#confirm")
    def confirm(self, event: Input.Submitted) -> None:
        last = self.recovery_key.split("-")[-1]
        if event.value.strip().upper() == last.upper():
            self.dismiss(True)
        else:
            status = self.query_one("#gate-status", Static)
            status.update("That is not the last group. Check what you wrote down.")
            status.add_class("error")
