"""The subject access summary's outcome measures: the self-harm line belongs to the PHQ-9
(its item 9) and never appears under a GAD-7, which has no such question."""

from __future__ import annotations

from datetime import date

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Practice
from mhf_tui.services.outcomes import add_outcome
from mhf_tui.services.summary import build_summary
from mhf_tui.services.summary_render import render_text
from tests.unit.ig.conftest import ACTOR, add_patient


def test_self_harm_line_only_under_the_phq9(caseload: Caseload, practice: Practice) -> None:
    with caseload.session() as s:
        patient = add_patient(s, practice, 1, "Quillfeather", "Alicia")
        add_outcome(s, patient_id=patient.id, measure="gad7", items=[1] * 7, actor=ACTOR,
                    taken_on=date(2024, 3, 1))  # fmt: skip
        add_outcome(s, patient_id=patient.id, measure="phq9", items=[1] * 9, actor=ACTOR,
                    taken_on=date(2024, 3, 2))  # fmt: skip
        text = render_text(build_summary(s, patient_id=patient.id, actor=ACTOR))
    gad7 = text[text.index(": GAD-7") : text.index(": PHQ-9")]
    phq9 = text[text.index(": PHQ-9") :]
    assert "self-harm" not in gad7
    assert "Item 9 (better off dead or self-harm) above 0" in phq9.split("\n\n")[0]
