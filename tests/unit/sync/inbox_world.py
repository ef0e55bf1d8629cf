"""A small practice inbox with fixed dates and a fixed device key, so the inbox screen looks
the same on every machine: two patients; a first sync file already imported; a second one
(PHQ-9 with item 9 answered 2 for one of them) waiting to be imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pyrage import x25519

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.paths import DataDir
from mhf_tui.services.outcomes import add_outcome
from mhf_tui.services.reviews import answer_items, start_review
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.templates import load_templates
from mhf_tui.sync.device import DEVICE_ID_SETTING, SIGNING_KEY_SETTING
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
    identity_path: Path
    waiting: Path  # the second sync file, not yet imported
    letters: Path

    def importer(self, store: PracticeStore, path: Path) -> str:
        """Import into the open store, as the inbox screen does (one line, no patient data)."""
        summary = import_file(
            path,
            identity_path=self.identity_path,
            store_root=store.directory.root,
            passphrase=lambda _creating: STORE_PASS,
        )
        return f"Imported {summary.file_name}: {summary.changed} new or changed"


def build_small_inbox(tmp_path: Path) -> SmallInbox:
    caseload, _ = initialise_caseload(DataDir(tmp_path / "home"), PASS, facilitator=FACILITATOR)
    caseload.set_setting(DEVICE_ID_SETTING, "00000000-0000-4000-8000-000000000017")
    caseload.set_setting(SIGNING_KEY_SETTING, "17" * 32)
    identity = x25519.Identity.generate()
    identity_path = tmp_path / "practice.key"
    identity_path.write_text(f"{identity}\n")
    identity_path.chmod(0o600)
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
        store = tmp_path / "store"
        import_file(first, identity_path=identity_path, store_root=store,
                    passphrase=lambda _creating: STORE_PASS)  # fmt: skip
        with caseload.session() as s:
            add_outcome(
                s, patient_id=people["Risky"], measure="phq9", items=[1, 1, 1, 1, 1, 1, 1, 1, 2],
                actor=FACILITATOR, taken_on=date(2026, 3, 2),
            )  # fmt: skip
            second = export_practice(s, ods=ODS, out_dir=out, actor=FACILITATOR).path
        assert second is not None
    finally:
        caseload.close()
    return SmallInbox(store, identity_path, second, tmp_path / "letters")
