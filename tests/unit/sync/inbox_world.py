"""A small practice inbox with fixed dates and a fixed device key, so the inbox screen looks
the same on every machine: two patients; a first sync file already imported; a second one
(PHQ-9 with item 9 answered 2 for one of them) waiting to be imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.paths import DataDir
from mhf_tui.services.outcomes import add_outcome
from mhf_tui.services.reviews import answer_items, start_review
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.templates import load_templates
from mhf_tui.sync.device import DEVICE_ID_SETTING, SIGNING_KEY_SETTING, load_device
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.export import export_practice
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.practice_store import PracticeStore
from tests.unit.sync.conftest import PASS, STORE_PASS, nhs_number

ODS = "C82001"
FACILITATOR = "Test Facilitator"
RISKY_NHS = nhs_number(20)


@dataclass
class SmallInbox:
    store: Path
    waiting: Path  # the second sync file, not yet imported
    letters: Path


def build_small_inbox(tmp_path: Path) -> SmallInbox:
    caseload, _ = initialise_caseload(DataDir(tmp_path / "home"), PASS, facilitator=FACILITATOR)
    caseload.set_setting(DEVICE_ID_SETTING, "00000000-0000-4000-8000-000000000017")
    caseload.set_setting(SIGNING_KEY_SETTING, "17" * 32)
    store_root = tmp_path / "store"
    store, _recovery = PracticeStore.create(store_root, STORE_PASS, ods=ODS, name="Test Surgery")
    with store.session() as s, caseload.session() as c:
        identity = store.identity(s)
        enrol(s, fingerprint=load_device(c).fingerprint, name="Sam's laptop")
    templates = load_templates()
    out = tmp_path / "out"
    try:
        with caseload.session() as s:
            practice = Practice(
                ods_code=ODS, name="Test Surgery", recipient=str(identity.to_public())
            )
            s.add(practice)
            s.flush()
            people = {}
            for n, (family, given) in enumerate((("Able", "Bob"), ("Risky", "Ann")), start=10):
                p = Patient(
                    nhs_number=RISKY_NHS if family == "Risky" else nhs_number(n),
                    family_name=family,
                    given_name=given,
                    date_of_birth=date(1980, 5, n),
                    practice_id=practice.id,
                    smi_register=True,
                )
                s.add(p)
                s.flush()
                people[family] = p.id
            review = start_review(
                s,
                patient_id=people["Able"],
                template=templates.get("smi_physical_health_check"),
                actor=FACILITATOR,
                performed_on=date(2026, 3, 1),
            )
            answer_items(
                s, review_id=review.id, answers={"bp_systolic": "128", "bp_diastolic": "82"},
                templates=templates, actor=FACILITATOR,
            )  # fmt: skip
            first = export_practice(s, ods=ODS, out_dir=out, actor=FACILITATOR).path
        assert first is not None
        import_file(store, first)
        with caseload.session() as s:
            add_outcome(
                s, patient_id=people["Risky"], measure="phq9", items=[1, 1, 1, 1, 1, 1, 1, 1, 2],
                actor=FACILITATOR, taken_on=date(2026, 3, 2),
            )  # fmt: skip
            second = export_practice(s, ods=ODS, out_dir=out, actor=FACILITATOR).path
        assert second is not None
    finally:
        caseload.close()
        store.close()
    return SmallInbox(store_root, second, tmp_path / "letters")
