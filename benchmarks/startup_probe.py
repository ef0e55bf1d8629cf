"""Started fresh by bench_startup for each measurement: builds one app, runs it headless and
writes "painted" to fd 1 when the first frame showing a password Input has been composed,
then exits. The parent times process start to that line.

`python startup_probe.py baseline` is a minimal Textual app with a password field;
`python startup_probe.py mhf HOME` is mhf's own app on an existing vault (lock screen).
"""

from __future__ import annotations

import os
import sys
from typing import Any


def baseline_app() -> Any:
    from textual.app import App, ComposeResult
    from textual.widgets import Input, Label

    class MinimalLock(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("Passphrase")
            yield Input(password=True, placeholder="Passphrase")

    return MinimalLock()


def mhf_app(home: str) -> Any:
    from mhf_tui.paths import DataDir
    from mhf_tui.ui.app import create_app

    return create_app(DataDir.resolve(home))


def _report_first_paint(app: Any) -> None:
    """Wrap the app's frame output: the first frame composed for a screen holding a
    password Input is the lock screen painted. (Headless, the frame is composed as on a
    terminal and then not written; Pilot's wait-for-idle would instead also wait for any
    background thread, which is not what a user sees.)"""
    from textual.widgets import Input

    display = app._display

    def display_and_report(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None and not app._exit:
            if any(w.password for w in screen.query(Input)):
                os.write(1, b"painted\n")
                app._display = display
                app.call_later(app.exit)

    app._display = display_and_report


def main() -> None:
    app = baseline_app() if sys.argv[1] == "baseline" else mhf_app(sys.argv[2])
    _report_first_paint(app)
    app.run(headless=True, size=(80, 24))


if __name__ == "__main__":
    main()
