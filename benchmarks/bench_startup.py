"""Cold start: process start to the lock screen painted, the real `mhf` console script (its
argument parsing, imports and app) vs a minimal Textual app with a password field, each run
in a fresh process, the two interleaved."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import FACILITATOR, PASSPHRASE, figure, median, missing, scratch_dir

HERE = Path(__file__).resolve().parent
PROBE = HERE / "startup_probe.py"
#: on the console script's PYTHONPATH: reports its first frame (startup_hook/sitecustomize.py)
HOOK = HERE / "startup_hook"
TARGET = "<= 1.2"
UNIT = "x (mhf / minimal Textual app)"


def _probe_env() -> dict[str, str]:
    """As on an installed copy, bytecode is cached (pip compiles .pyc at install time), so
    a start-up pays for imports, not for compiling them; PYTHONDONTWRITEBYTECODE, set
    here, would make every start recompile mhf's own modules."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(HOOK), str(HERE)])
    return env


def _time_once(command: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
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
        last = detail[-1] if detail else "no output"
        raise RuntimeError(f"{Path(command[0]).name} did not paint: {last}")
    return elapsed


def run(quick: bool) -> dict[str, Any]:
    try:
        import mhf_tui.ui.app as ui_app

        if not hasattr(ui_app, "create_app"):
            raise ImportError("mhf_tui.ui.app has no create_app")
    except ImportError as exc:
        return {"cold_start_ratio": missing(f"the interface is not built yet ({exc})",
                                            unit=UNIT, target=TARGET)}  # fmt: skip
    console_script = Path(sys.executable).with_name("mhf")
    if not console_script.exists():
        return {"cold_start_ratio": missing("the `mhf` console script is not installed",
                                            unit=UNIT, target=TARGET)}  # fmt: skip
    runs = 5 if quick else 11
    from mhf_tui.services.setup import initialise_caseload

    with scratch_dir("startup") as root:
        from mhf_tui.paths import DataDir

        data = DataDir(root / "home")
        caseload, _recovery = initialise_caseload(data, PASSPHRASE, facilitator=FACILITATOR)
        caseload.close()
        ours_cmd = [str(console_script), "--home", str(data.root)]
        base_cmd = [sys.executable, str(PROBE), "baseline"]
        for _ in range(2):  # warm the page cache and write .pyc files for both
            _time_once(base_cmd)
            _time_once(ours_cmd)
        base, ours = [], []
        for i in range(runs):
            pair = [("base", base_cmd), ("ours", ours_cmd)]
            for name, command in pair if i % 2 == 0 else reversed(pair):
                (base if name == "base" else ours).append(_time_once(command))
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
            measured="fresh process start of the `mhf` console script (vs the minimal app) to "
            "the first composed frame with the password Input",
        )
    }
