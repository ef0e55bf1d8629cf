"""Recall, the QOF-style report and the dashboard's reviews section at 10,000 patients.

Builds a synthetic demo caseload (with its demo reviews and outcomes) in a temporary data
dir, then times each query several times. Prints JSON: median and max in ms, plus the row
counts so the figures can be read against the work done.

    .venv/bin/python benchmarks/reviews_bench.py [--patients 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from mhf_tui.db.tables import Patient
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.paths import DataDir
from mhf_tui.services.demo import build_demo_caseload
from mhf_tui.services.qof_report import patient_checks, qof_report
from mhf_tui.services.recall import recall_list
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.templates import load_templates


def timed(fn: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mhf-bench-reviews-") as tmp:
        data = DataDir(Path(tmp) / "home")
        data.ensure()
        caseload, _recovery = initialise_caseload(data, os.urandom(16).hex(), facilitator="bench")
        try:
            start = time.perf_counter()
            build_demo_caseload(caseload, patients=args.patients, seed=1)
            build_s = time.perf_counter() - start
            templates = load_templates()
            out: dict[str, Any] = {"patients": args.patients, "demo_build_s": round(build_s, 1)}
            with caseload.session() as s:
                out["rows"] = {
                    "review": s.exec(select(func.count()).select_from(Review)).one(),
                    "review_answer": s.exec(select(func.count()).select_from(ReviewAnswer)).one(),
                    "outcome_measure": s.exec(
                        select(func.count()).select_from(OutcomeMeasure)
                    ).one(),
                }
                out["recall_all_30_days"], entries = timed(
                    lambda: recall_list(s, templates=templates, within_days=30), args.repeat
                )
                out["recall_all_30_days"]["entries"] = len(entries)
                out["recall_one_practice"], entries = timed(
                    lambda: recall_list(s, templates=templates, practice_ods="Z99901"),
                    args.repeat,
                )
                out["recall_one_practice"]["entries"] = len(entries)
                out["qof_report_one_practice"], report = timed(
                    lambda: qof_report(s, templates=templates, practice_ods="Z99901"), args.repeat
                )
                out["qof_report_one_practice"]["smi_register"] = report.smi_register
                patient = s.exec(select(Patient).where(Patient.smi_register)).first()
                assert patient is not None
                out["one_patient_checks"], _ = timed(
                    lambda: patient_checks(s, patient=patient, templates=templates), args.repeat
                )
        finally:
            caseload.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
