"""A demo caseload exported to a practice, with one patient whose records are known: the
UK Core, letter and coded-extract tests all start from it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pyrage import x25519
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Contact, Patient, Practice
from mhf_tui.paths import DataDir
from mhf_tui.services.care_plans import CarePlanUpdate, edit_care_plan
from mhf_tui.services.demo import build_demo_caseload
from mhf_tui.services.fields import parse_model
from mhf_tui.services.outcomes import add_outcome
from mhf_tui.services.reviews import answer_items, complete_review, start_review
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.templates import load_templates
from mhf_tui.sync.device import load_device
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.export import export_practice
from mhf_tui.sync.importer import ImportSummary, import_file
from mhf_tui.sync.package import decrypt, read_tar
from mhf_tui.sync.practice_store import PracticeStore
from tests.unit.sync.conftest import PASS, STORE_PASS, nhs_number

ODS = "Z99901"
FACILITATOR = "Sam Facilitator"
FOCUS_NHS = nhs_number(4242)
FOCUS_FAMILY = "Quillfeather"
#: free text with markup and a formula, to show it is escaped and neutralised
FOCUS_NOTE = '=HYPERLINK("x") <b>not bold</b> & Co'


@dataclass
class DemoExport:
    home: Path
    caseload: Caseload
    identity: x25519.Identity
    store: Path
    sync_file: Path
    focus_id: uuid.UUID
    phq_day: date
    review_day: date

    def bundle(self) -> dict[str, Any]:
        members = read_tar(decrypt(self.sync_file.read_bytes(), self.identity))
        return dict(json.loads(members["bundle.json"]))

    def export_again(self, out: Path) -> Path | None:
        with self.caseload.session() as s:
            return export_practice(s, ods=ODS, out_dir=out, actor=FACILITATOR).path


def import_into_store(demo: DemoExport, path: Path, store: Path) -> ImportSummary:
    """The practice imports a file into its inbox (the one place that knows how)."""
    assert store == demo.store, "the demo's inbox is made with it"
    opened = PracticeStore.open(store, STORE_PASS)
    try:
        return import_file(opened, path)
    finally:
        opened.close()


def build_demo_export(tmp_path: Path, *, patients: int = 30) -> DemoExport:
    home = tmp_path / "home"
    caseload, _recovery = initialise_caseload(DataDir(home), PASS, facilitator=FACILITATOR)
    caseload.set_setting("facilitator_registration", "NMC 12A3456E")
    caseload.set_setting("service_name", "Demo Mental Health Facilitator Service")
    today = date.today()
    build_demo_caseload(caseload, patients=patients, seed=7, today=today)
    store, _recovery = PracticeStore.create(tmp_path / "store", STORE_PASS, ods=ODS)
    with store.session() as s, caseload.session() as c:
        identity = store.identity(s)
        enrol(s, fingerprint=load_device(c).fingerprint, name=FACILITATOR)
    store.close()
    review_day = today - timedelta(days=20)
    phq_day = today - timedelta(days=10)
    templates = load_templates()
    with caseload.session() as s:
        practice = s.exec(select(Practice).where(Practice.ods_code == ODS)).one()
        practice.recipient = str(identity.to_public())
        s.add(practice)
        focus = Patient(
            nhs_number=FOCUS_NHS,
            family_name=FOCUS_FAMILY,
            given_name="Robin",
            date_of_birth=date(1979, 4, 2),
            sex="female",
            address="2 Example Lane, Testtown",
            postcode="ZZ1 1ZZ",
            practice_id=practice.id,
            smi_register=True,
            alert_note=FOCUS_NOTE,
        )
        s.add(focus)
        s.flush()
        s.add(
            Contact(
                patient_id=focus.id,
                occurred_at=datetime.combine(review_day, datetime.min.time(), UTC),
                mode="dna",
                reason="Annual health check",
                author=FACILITATOR,
            )
        )
        review = start_review(
            s,
            patient_id=focus.id,
            template=templates.get("smi_physical_health_check"),
            actor=FACILITATOR,
            performed_on=review_day,
        )
        answers = {
            "bmi": "31.2",
            "bp_systolic": "128",
            "bp_diastolic": "82",
            "alcohol_units_week": "10",
            "smoking_status": "current",
            "hba1c": "48",
            "health_promotion_advice": "yes",
            "referral_offered": "no",
            "referral_details": FOCUS_NOTE,
        }
        answer_items(
            s, review_id=review.id, answers=answers, templates=templates, actor=FACILITATOR
        )
        complete_review(s, review_id=review.id, templates=templates, actor=FACILITATOR)
        answer_items(
            s,
            review_id=review.id,
            answers={"hba1c": ""},
            templates=templates,
            actor=FACILITATOR,
            amend_reason="recorded against the wrong patient",
        )
        crisis = parse_model(
            CarePlanUpdate,
            {
                "crisis_plan": "Call the crisis line",
                "crisis_contacts": [{"name": "Ann", "relationship": "sister",
                                     "phone": "07700 900123"}],
            },
        )  # fmt: skip
        edit_care_plan(s, actor=FACILITATOR, patient_id=focus.id, update=crisis)
        add_outcome(
            s,
            patient_id=focus.id,
            measure="phq9",
            items=[1, 2, 1, 0, 3, 1, 2, 0, 2],
            actor=FACILITATOR,
            taken_on=phq_day,
        )
        add_outcome(
            s,
            patient_id=focus.id,
            measure="gad7",
            items=[1, 1, 2, 1, 0, 1, 1],
            actor=FACILITATOR,
            taken_on=phq_day,
        )
        focus_id = focus.id
        result = export_practice(s, ods=ODS, out_dir=tmp_path / "out", actor=FACILITATOR)
    assert result.path is not None
    return DemoExport(
        home, caseload, identity, tmp_path / "store", result.path, focus_id, phq_day, review_day
    )
