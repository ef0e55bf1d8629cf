"""mhf benchmarks: `python benchmarks/run.py [--quick]`.

Prints one JSON object and writes it to benchmarks/results.json (or
benchmarks/results-quick.json with --quick, so a quick run never replaces the committed
full run). Each benchmark module runs in its own fresh interpreter, so one's imports and
memory do not colour another's figures, and one that fails or is not built yet is reported
as null with a reason instead of sinking the run. Every figure carries its target and
whether it was met.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_info, missing  # noqa: E402

#: module -> (the figures it reports with their unit and target, timeout full/quick in s)
BENCHMARKS: dict[str, tuple[dict[str, tuple[str, str]], tuple[int, int]]] = {
    "bench_startup": ({"cold_start_ratio": ("x (mhf / minimal Textual app)", "<= 1.2")},
                      (120, 30)),
    "bench_vault": ({"unlock_s": ("s", "0.2-0.6")}, (60, 15)),
    "bench_caseload": ({"filter_p95_ms": ("ms", "< 8"), "rss_mb": ("MB", "< 150")},
                       (150, 40)),
    "bench_notes": ({"note_save_ms": ("ms", "< 5")}, (60, 15)),
    "bench_sqlcipher": ({"sqlcipher_ratio": ("x (keyed / unkeyed sqlcipher3, same build)",
                                             "<= 1.2")}, (120, 20)),
    "bench_sync": ({"export_s": ("s", "a few seconds (<= 5)"),
                    "import_s": ("s", "a few seconds (<= 5)"),
                    "sync_peak_rss_mb": ("MB", "< 150")}, (150, 30)),
    "bench_hub": ({"hub_import_rows_per_s": ("rows/s", ">= 50,000"),
                   "hub_report_s": ("s", "< 2")}, (600, 60)),
    "bench_letters": ({"letters_ms_per_letter": ("ms", "< 250")}, (600, 120)),
}  # fmt: skip


def run_one(module: str, quick: bool) -> dict[str, Any]:
    """In this process: run one benchmark module and return its figures."""
    mod = __import__(module)
    result: dict[str, Any] = mod.run(quick)
    return result


def run_isolated(module: str, quick: bool) -> dict[str, Any]:
    figures, timeouts = BENCHMARKS[module]
    timeout = timeouts[1] if quick else timeouts[0]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--only", module]
    if quick:
        cmd.append("--quick")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * 2)
    except subprocess.TimeoutExpired:
        reason = f"{module} did not finish within {timeout * 2} s"
        return {k: missing(reason, unit=u, target=t) for k, (u, t) in figures.items()}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode == 0 and lines:
        result: dict[str, Any] = json.loads(lines[-1])
        return result
    err = proc.stderr.strip().splitlines()
    reason = f"{module} failed: {err[-1] if err else f'exit {proc.returncode}'}"
    return {k: missing(reason, unit=u, target=t) for k, (u, t) in figures.items()}


def _git_commit() -> str | None:
    """The code measured: the commit, with "-dirty" if the work tree had changes."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="where to write the JSON")
    args = parser.parse_args(argv)

    if args.only:
        print(json.dumps(run_one(args.only, args.quick)))
        return 0

    started = time.perf_counter()
    results: dict[str, Any] = {
        "mode": "quick (smaller sizes; not comparable with a full run)" if args.quick else "full",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": machine_info(),
        # other work on the machine skews every figure; the ratios less than the rest
        "load_average_1m": {"start": round(os.getloadavg()[0], 2)},
    }
    seconds: dict[str, float] = {}
    for module in BENCHMARKS:
        print(f"running {module}...", file=sys.stderr, flush=True)
        module_start = time.perf_counter()
        results.update(run_isolated(module, args.quick))
        seconds[module] = round(time.perf_counter() - module_start, 1)
    keys = [k for figures, _ in BENCHMARKS.values() for k in figures]
    results["targets_missed"] = [k for k in keys if results[k].get("met") is False]
    results["not_measured"] = [k for k in keys if results[k].get("value") is None]
    results["load_average_1m"]["end"] = round(os.getloadavg()[0], 2)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["seconds_per_benchmark"] = seconds

    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    text = json.dumps(results, indent=2)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
