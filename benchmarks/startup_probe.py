"""Started fresh by bench_startup for each baseline measurement: a minimal Textual app with
a password field, run headless; it writes "painted" to fd 1 when the first frame showing the
password Input has been composed, then exits. The parent times process start to that line.

mhf itself is timed as the real `mhf` console script; `startup_hook/sitecustomize.py` uses
`report_first_paint` below to say when its lock screen is painted.
"""

from __future__ import annotations

import os
from typing import Any


def baseline_app() -> Any:
    from textual.app import App, ComposeResult
    from textual.widgets import Input, Label

    class MinimalLock(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("Passphrase")
            yield Input(password=True, placeholder="Passphrase")

    return MinimalLock()


def report_first_paint(app: Any) -> None:
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
    app = baseline_app()
    report_first_paint(app)
    app.run(headless=True, size=(80, 24))


if __name__ == "__main__":
    main()
