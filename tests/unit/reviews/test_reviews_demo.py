"""The demo extension leaves reviews and outcomes in realistic states."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from mhf_tui.db.tables.reviews import OutcomeMeasure
from mhf_tui.paths import DataDir
from mhf_tui.services import demo
from mhf_tui.services.outcomes import trends
from mhf_tui.services.qof_report import qof_report
from mhf_tui.services.recall import recall_list
from mhf_tui.services.reviews_demo import add_demo_reviews
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.templates import TemplateSet


def test_demo_reviews_and_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, templates: TemplateSet
) -> None:
    monkeypatch.setattr(demo, "DEMO_EXTENSIONS", [add_demo_reviews])
    data = DataDir(tmp_path / "home")
    data.ensure()
    caseload, _recovery = initialise_caseload(
        data, "correct horse battery staple", facilitator="Test Facilitator"
    )
    try:
        demo.build_demo_caseload(caseload, patients=120, seed=3)
        with caseload.session() as session:
            entries = recall_list(session, templates=templates)
            phc = Counter(e.status for e in entries if e.template_id == "smi_physical_health_check")
            assert phc["overdue"] > 0 and phc["never"] > 0 and phc["due"] > 0
            report = qof_report(session, templates=templates, practice_ods="Z99901")
            assert 0 < report.all_checks_complete < report.smi_register
            rows = session.exec(select(OutcomeMeasure)).all()
            by_patient: dict[object, list[OutcomeMeasure]] = {}
            for row in rows:
                by_patient.setdefault(row.patient_id, []).append(row)
            series = [
                t
                for group in by_patient.values()
                for t in trends(sorted(group, key=lambda r: r.taken_on))
                if t.measure == "phq9" and len(t.points) >= 3
            ]
            assert series, "some patients have a PHQ-9 trend"
            improving = sum(1 for t in series if (t.change or 0) < 0)
            assert improving > len(series) / 2
    finally:
        caseload.close()
