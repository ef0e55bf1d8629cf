"""The practice's letters at scale: a 1,200-patient demo caseload (about 320 of them at the
one practice that gets the file) exported, imported into an inbox, then every letter written
as `mhf inbox letters` does (PDF rendered, written 0600, items recorded), and the coded CSV.

    .venv/bin/python benchmarks/bench_letters.py [--quick]

Building, exporting and importing are not timed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import figure, machine_info, scratch_dir  # noqa: E402

from mhf_tui.sync.codes import codes_csv  # noqa: E402
from mhf_tui.sync.letter_store import coded_rows, write_letters  # noqa: E402
from mhf_tui.sync.practice_store import PracticeStore  # noqa: E402
from tests.unit.sync.conftest import STORE_PASS  # noqa: E402
from tests.unit.sync.practice_demo import build_demo_export, import_into_store  # noqa: E402

LETTER_TARGET_MS = 250


def run(quick: bool) -> dict[str, Any]:
    patients = 200 if quick else 1200
    with scratch_dir("letters") as tmp:
        demo = build_demo_export(tmp, patients=patients)
        try:
            import_into_store(demo, demo.sync_file, demo.store)
        finally:
            demo.caseload.close()
        store = PracticeStore.open(demo.store, STORE_PASS)
        try:
            with store.session() as session:
                start = time.perf_counter()
                written = write_letters(session, tmp / "letters")
                letters_s = time.perf_counter() - start
            with store.session() as session:
                start = time.perf_counter()
                rows = coded_rows(session)
                codes_csv(rows)
                codes_s = time.perf_counter() - start
        finally:
            store.close()
    per_letter = letters_s / max(len(written), 1) * 1000
    return {
        "letters_ms_per_letter": figure(
            round(per_letter, 1), unit="ms", target=f"< {LETTER_TARGET_MS}",
            met=per_letter < LETTER_TARGET_MS, letters=len(written),
            total_s=round(letters_s, 2), coded_rows=len(rows), codes_csv_s=round(codes_s, 2),
        ),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps({**run("--quick" in sys.argv), "machine": machine_info()}, indent=2))
