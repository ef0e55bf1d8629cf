"""Cold start: process start to the lock screen painted, mhf vs a minimal Textual app with a
password field, each run in a fresh interpreter, the two interleaved."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import FACILITATOR, PASSPHRASE, figure, median, missing, scratch_dir

PROBE = Path(__file__).with_name("startup_probe.py")
TARGET = "<= 1.2"
UNIT = "x (mhf / minimal Textual app)"


def _probe_env() -> dict[str, str]:
    """As on an installed copy, bytecode is cached (pip compiles .pyc at install time), so
    a start-up pays for imports, not for compiling them; PYTHONDONTWRITEBYTECODE, set
    here, would make every start recompile mhf's own modules."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time_once(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(PROBE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_probe_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    _out, err = proc.communicate(timeout=60)
    if line.strip() != b"painted":
        detail = (line + err).decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"probe {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return elapsed


def run(quick: bool) -> dict[str, Any]:
    try:
        import mhf_tui.ui.app as ui_app

        if not hasattr(ui_app, "create_app"):
            raise ImportError("mhf_tui.ui.app has no create_app")
    except ImportError as exc:
        return {"cold_start_ratio": missing(f"the interface is not built yet ({exc})",
                                            unit=UNIT, target=TARGET)}  # fmt: skip
    runs = 5 if quick else 11
    from mhf_tui.services.setup import initialise_caseload

    with scratch_dir("startup") as root:
        from mhf_tui.paths import DataDir

        data = DataDir(root / "home")
        caseload, _recovery = initialise_caseload(data, PASSPHRASE, facilitator=FACILITATOR)
        caseload.close()
        ours_args = ["mhf", str(data.root)]
        for _ in range(2):  # warm the page cache and write .pyc files for both
            _time_once(["baseline"])
            _time_once(ours_args)
        base, ours = [], []
        for i in range(runs):
            pair = [("base", ["baseline"]), ("ours", ours_args)]
            for name, args in pair if i % 2 == 0 else reversed(pair):
                (base if name == "base" else ours).append(_time_once(args))
    ratio = median(ours) / median(base)
    return {
        "cold_start_ratio": figure(
            round(ratio, 3),
            unit=UNIT,
            target=TARGET,
            met=ratio <= 1.2,
            mhf_median_s=round(median(ours), 3),
            baseline_median_s=round(median(base), 3),
            runs=runs,
            measured="fresh process start to the first composed frame with the password Input",
        )
    }
