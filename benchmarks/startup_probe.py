"""Started fresh by bench_startup for each measurement: builds one app, runs it headless and
writes "painted" to fd 1 once a password Input is on the active screen and a frame has
been drawn, then exits. The parent times process start to that line.

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


async def _probe(pilot: Any) -> None:
    from textual.widgets import Input

    app = pilot.app
    for _ in range(2000):
        if any(w.password for w in app.screen.query(Input)):
            break
        await pilot.pause(0.001)
    else:
        os.write(1, b"no password input appeared\n")
        app.exit(return_code=2)
        return
    await pilot.pause()
    os.write(1, b"painted\n")
    app.exit()


def main() -> None:
    app = baseline_app() if sys.argv[1] == "baseline" else mhf_app(sys.argv[2])
    app.run(headless=True, size=(80, 24), auto_pilot=_probe)


if __name__ == "__main__":
    main()
