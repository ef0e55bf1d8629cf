"""The caseload screen at 10,000 patients: the cost of each filter keystroke, and the
memory of the app with the whole caseload loaded.

The caseload is seeded here; the app then runs in a fresh interpreter (so seeding's
memory is not counted) driven headless with Textual's Pilot: unlock, F3 to the caseload,
then filters typed a key at a time and deleted again. Pilot waits for idle with 20 ms
sleeps, so wall time per press says nothing; what is measured per keystroke is

- `filter_p95_ms`: process CPU time from the key event to idle: key dispatch, the filter
  field's update (its own one-line `LineInput`), the search over the in-memory index, the
  DataTable update and the repaint
  (sleeping is not counted, so noisy neighbours matter less);
- `handler_*`: wall time of `CaseloadScreen.apply_filter` alone (search + table rows +
  count), the part that runs synchronously on the event loop;
- `finder_*`: `PatientIndex.search` alone (the service, no widgets);
- `null_key_*`: the same CPU measure for a key that only moves the filter's cursor: the
  floor of Textual + Pilot per keystroke on this machine.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    PASSPHRASE,
    figure,
    median,
    missing,
    new_caseload,
    percentile,
    rss_mb,
    scratch_dir,
    seed_bulk,
)

PATIENTS = 10_000
#: what a facilitator types: names, an NHS number with spaces, practice, cluster
QUERIES = ["ashdown", "kettley bea", "999 000 12", "c8 mar", "c81002", "selwood ivy", "1975"]
FILTER_UNIT, FILTER_TARGET = "ms", "< 8"
RSS_UNIT, RSS_TARGET = "MB", "< 150"


def run(quick: bool) -> dict[str, Any]:
    try:
        import mhf_tui.ui.app  # noqa: F401
        from mhf_tui.ui.screens.caseload import CaseloadScreen  # noqa: F401
    except ImportError as exc:
        reason = f"the caseload screen is not built yet ({exc})"
        return {
            "filter_p95_ms": missing(reason, unit=FILTER_UNIT, target=FILTER_TARGET),
            "rss_mb": missing(reason, unit=RSS_UNIT, target=RSS_TARGET),
        }
    with scratch_dir("caseload") as root:
        caseload = new_caseload(root)
        try:
            seed_bulk(
                caseload,
                patients=PATIENTS,
                practices=(("C81001", "Bench Surgery"), ("C81002", "Marsh Lane Practice"),
                           ("C81003", "Hill View")),
            )  # fmt: skip
        finally:
            caseload.close()
        proc = subprocess.run(
            [sys.executable, __file__, str(caseload.data.root), "quick" if quick else "full"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if proc.returncode != 0:
        err = proc.stderr.strip().splitlines()
        raise RuntimeError(err[-1] if err else f"driver exited {proc.returncode}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    cpu, handler, finder, null = r["cpu_ms"], r["handler_ms"], r["finder_ms"], r["null_ms"]
    p95 = percentile(cpu, 95)
    return {
        "filter_p95_ms": figure(
            round(p95, 2),
            unit=FILTER_UNIT,
            target=FILTER_TARGET,
            met=p95 < 8,
            patients=PATIENTS,
            keystrokes=len(cpu),
            median_ms=round(median(cpu), 2),
            handler_p95_ms=round(percentile(handler, 95), 2),
            handler_median_ms=round(median(handler), 2),
            finder_p95_ms=round(percentile(finder, 95), 2),
            null_key_p95_ms=round(percentile(null, 95), 2),
            null_key_median_ms=round(median(null), 2),
            measured="CPU time per keystroke, key event to idle, incl. table update and repaint",
        ),
        "rss_mb": figure(
            round(r["rss_mb"], 1),
            unit=RSS_UNIT,
            target=RSS_TARGET,
            met=r["rss_mb"] < 150,
            patients=PATIENTS,
            lock_screen_rss_mb=round(r["lock_rss_mb"], 1),
            dashboard_rss_mb=round(r["unlocked_rss_mb"], 1),
            caseload_shown_rss_mb=round(r["caseload_shown_rss_mb"], 1),
            measured="peak VmRSS of a fresh app process: unlocked, caseload screen shown, filtered",
        ),
    }


async def _drive(app: Any, queries: list[str]) -> dict[str, Any]:
    from mhf_tui.ui.screens.caseload import CaseloadScreen

    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        lock_rss = rss_mb()
        for _ in range(600):
            if app.finder is not None and app.caseload is not None:
                break
            await pilot.pause(0.05)
        else:
            raise RuntimeError("the app did not unlock within 30 s")
        await pilot.pause(1.5)  # the dashboard loads its sections in a worker
        unlocked_rss = rss_mb()
        await pilot.press("f3")
        for _ in range(200):
            if isinstance(app.screen, CaseloadScreen):
                break
            await pilot.pause(0.05)
        else:
            raise RuntimeError("F3 did not open the caseload screen")
        screen = app.screen
        await pilot.pause()
        shown_rss = rss_mb()
        assert screen.focused is not None and screen.focused.id == "filter"  # no blink timer

        handler_ms: list[float] = []
        original = screen.apply_filter

        def timed_apply_filter(query: str) -> None:
            start = time.perf_counter()
            original(query)
            handler_ms.append((time.perf_counter() - start) * 1000)

        screen.apply_filter = timed_apply_filter
        cpu_ms: list[float] = []
        null_ms: list[float] = []
        finder_ms: list[float] = []
        peak_rss = rss_mb()
        for query in queries:
            keys = [("space" if ch == " " else ch) for ch in query] + ["backspace"] * len(query)
            for key in keys:
                start = time.process_time()
                await pilot.press(key)
                cpu_ms.append((time.process_time() - start) * 1000)
            for key in ("home", "end"):  # moves the cursor, filters nothing
                start = time.process_time()
                await pilot.press(key)
                null_ms.append((time.process_time() - start) * 1000)
            for n in range(1, len(query) + 1):
                start = time.perf_counter()
                app.finder.search(query[:n])
                finder_ms.append((time.perf_counter() - start) * 1000)
            peak_rss = max(peak_rss, rss_mb())
        if len(handler_ms) != len(cpu_ms):
            raise RuntimeError(f"{len(cpu_ms)} keys but {len(handler_ms)} filter updates")
        await app.action_quit()
    return {
        "cpu_ms": cpu_ms,
        "handler_ms": handler_ms,
        "finder_ms": finder_ms,
        "null_ms": null_ms,
        "rss_mb": peak_rss,
        "lock_rss_mb": lock_rss,
        "unlocked_rss_mb": unlocked_rss,
        "caseload_shown_rss_mb": shown_rss,
    }


def _main(home: str, mode: str) -> None:
    """In the fresh interpreter: run the app on the seeded data dir."""
    from mhf_tui.paths import DataDir
    from mhf_tui.ui.app import create_app

    app = create_app(DataDir(Path(home)), demo_passphrase=PASSPHRASE, auto_lock_seconds=3600)
    queries = QUERIES[:3] if mode == "quick" else QUERIES
    print(json.dumps(asyncio.run(_drive(app, queries))))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
