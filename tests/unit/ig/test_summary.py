"""The patient summary (subject access export): complete for one patient, nothing of
anyone else, escaped, and encrypted unless a readable file is explicitly asked for."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import date
from pathlib import Path

import pyrage
import pytest
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import (
    AuditEvent,
    CarePlan,
    Contact,
    Draft,
    Practice,
    RelatedPerson,
    Service,
    Signposting,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.summary import build_summary
from mhf_tui.services.summary_render import export_summary, render_html, render_text
from mhf_tui.services.validation import format_nhs_number
from tests.unit.ig.conftest import ACTOR, PASS, add_note_versions, add_patient, at, nhs_number


@pytest.fixture
def two_patients(caseload: Caseload, practice: Practice) -> dict[str, uuid.UUID]:
    """Alice (the subject, with a bit of everything) and Bob (must never appear)."""
    with caseload.session() as s:
        alice = add_patient(s, practice, 1, "Quillfeather", "Alicia", phone="07700 900001")
        bob = add_patient(s, practice, 2, "Zebulonsson", "Bartholomew")
        add_note_versions(
            s,
            alice,
            ["First draft ALPHA-ONE", "Corrected ALPHA-TWO", "withdrawn ALPHA-THREE"],
            error_last=True,
        )
        add_note_versions(s, alice, ["Second lineage BETA-ONE"], written=date(2024, 2, 1))
        add_note_versions(s, bob, ["Bob secret GAMMA-NOTE"])
        lineage = uuid.uuid4()
        v1 = CarePlan(
            patient_id=alice.id,
            lineage_id=lineage,
            crisis_plan="PLAN-V1 call sister",
            goals=[{"id": "g1", "goal": "Walk daily", "score": 3}],
        )
        s.add(v1)
        s.flush()
        s.add(
            CarePlan(
                patient_id=alice.id,
                lineage_id=lineage,
                version=2,
                replaces_id=v1.id,
                crisis_plan="PLAN-V2 call crisis line",
                actions=[
                    {"action": "GP review", "owner": "GP", "due": "2024-03-01", "done": False}
                ],
            )
        )
        s.add(
            Contact(
                patient_id=alice.id,
                mode="phone",
                reason="CONTACT-REASON low mood",
                occurred_at=at(date(2024, 1, 9)),
            )
        )
        s.add(
            RelatedPerson(
                patient_id=alice.id,
                name="Carer Person-Kappa",
                role="carer",
                consent_to_contact=True,
            )
        )
        s.add(RelatedPerson(patient_id=bob.id, name="Bob Carer-Omega"))
        service = Service(name="Talking Therapies Test", category="iapt")
        s.add(service)
        s.flush()
        s.add(
            Signposting(
                patient_id=alice.id,
                service_id=service.id,
                signposted_on=date(2024, 1, 11),
                outcome_note="SIGNPOST-OUTCOME",
            )
        )
        s.add(Draft(patient_id=alice.id, text="DRAFT-TEXT unsaved"))
        review = Review(
            patient_id=alice.id, template_id="smi_physical_health", performed_on=date(2024, 1, 12)
        )
        s.add(review)
        s.flush()
        s.add(
            ReviewAnswer(
                review_id=review.id,
                patient_id=alice.id,
                item_id="bmi",
                lineage_id=uuid.uuid4(),
                value="REVIEW-BMI-27.5",
                number=27.5,
                observed_on=date(2024, 1, 12),
            )
        )
        s.add(
            OutcomeMeasure(
                patient_id=alice.id,
                measure="phq9",
                taken_on=date(2024, 1, 12),
                items=[1, 1, 1, 1, 1, 1, 1, 1, 0],
                total=8,
                band="mild",
            )
        )
        record_event(
            s,
            actor="Another Clinician",
            action="view",
            entity="patient",
            entity_id=alice.id,
            patient_id=alice.id,
        )
        return {"alice": alice.id, "bob": bob.id}


def test_summary_contains_every_note_version_and_access_history_and_nothing_of_others(
    caseload: Caseload, two_patients: dict[str, uuid.UUID]
) -> None:
    with caseload.session() as s:
        doc = build_summary(s, patient_id=two_patients["alice"], actor=ACTOR)
    for text in (render_html(doc), render_text(doc)):
        for expected in (
            "Quillfeather",
            format_nhs_number(nhs_number(1)),
            "07700 900001",
            "First draft ALPHA-ONE",
            "Corrected ALPHA-TWO",
            "withdrawn ALPHA-THREE",
            "Second lineage BETA-ONE",
            "ENTERED IN ERROR",
            "SUPERSEDED",
            "PLAN-V1 call sister",
            "PLAN-V2 call crisis line",
            "Walk daily",
            "GP review",
            "CONTACT-REASON low mood",
            "Carer Person-Kappa",
            "Talking Therapies Test",
            "SIGNPOST-OUTCOME",
            "DRAFT-TEXT unsaved",
            "REVIEW-BMI-27.5",
            "PHQ-9",
            "Another Clinician",  # the access history
            "Who has looked at or changed this record",
        ):
            assert expected in text, expected
        bob_nhs = (nhs_number(2), format_nhs_number(nhs_number(2)))
        for foreign in ("Zebulonsson", "Bartholomew", *bob_nhs, "GAMMA-NOTE", "Carer-Omega"):
            assert foreign not in text, foreign
    assert doc.counts["notes"] == 4
    assert doc.counts["care_plans"] == 2


def test_html_escapes_everything_a_user_typed(caseload: Caseload, practice: Practice) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 3, "<b>Evil</b>", '"><script>alert(1)</script>')
        add_note_versions(s, p, ["<img src=x onerror=alert(2)> & \x1b[2J\u202eflipped"])
        doc = build_summary(s, patient_id=p.id, actor=ACTOR)
    page = render_html(doc)
    assert "<script>" not in page and "<img" not in page and "<b>Evil" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt; &amp;" in page
    assert "default-src 'none'" in page  # no script or remote content can run
    text = render_text(doc)
    assert "\x1b" not in text and "\u202e" not in text and "\x1b" not in page


def test_plaintext_refused_without_the_flag(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    out = tmp_path / "summary.html"
    with pytest.raises(ValidationError, match="leaves the vault"):
        with caseload.session() as s:
            export_summary(s, patient_id=two_patients["alice"], actor=ACTOR, out=out)
    assert not out.exists()
    with caseload.session() as s:
        exports = s.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert exports == []  # nothing left the vault, nothing to audit


def test_encrypted_to_recipient_decrypts_and_is_not_readable_raw(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    identity = pyrage.x25519.Identity.generate()
    out = tmp_path / "summary.html.age"
    with caseload.session() as s:
        result = export_summary(
            s,
            patient_id=two_patients["alice"],
            actor=ACTOR,
            out=out,
            recipients=[str(identity.to_public())],
        )
    raw = out.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1")
    assert b"Quillfeather" not in raw and b"ALPHA" not in raw
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = pyrage.decrypt(raw, [identity]).decode()
    assert "Quillfeather" in page and "withdrawn ALPHA-THREE" in page
    assert result.protection == "recipients"
    # The export itself is in the access history it prints.
    assert "patient_summary" in page


def test_export_is_audited_without_patient_data(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    out = tmp_path / "Quillfeather-Alicia.txt"
    with caseload.session() as s:
        export_summary(
            s, patient_id=two_patients["alice"], actor=ACTOR, out=out, fmt="text", plaintext=True
        )
    with caseload.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.patient_id == str(two_patients["alice"])
    assert json.loads(event.detail) == {
        "format": "text",
        "protection": "plaintext",
        "recipients": 0,
    }
    assert "Quillfeather" not in event.detail and nhs_number(1) not in event.detail
    assert out.read_text().startswith("Record held about Alicia Quillfeather")


def test_refuses_to_overwrite_an_existing_file(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    out = tmp_path / "exists.html"
    out.write_text("keep me")
    with pytest.raises(ValidationError, match="already exists"):
        with caseload.session() as s:
            export_summary(
                s, patient_id=two_patients["alice"], actor=ACTOR, out=out, plaintext=True
            )
    assert out.read_text() == "keep me"


def test_cli_plaintext_needs_flag_and_warns(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path, mhf
) -> None:
    home = str(caseload.data.root)
    caseload.close()
    out = tmp_path / "plain.html"
    r = mhf(
        "patient",
        "summary",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(1),
        "--out",
        str(out),
        "--plaintext",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    assert "UNENCRYPTED" in r.err
    assert "Quillfeather" in out.read_text()
    assert "Quillfeather" not in r.out + r.err  # nothing about the patient on the terminal


def test_cli_passphrase_export_decrypts_with_the_second_stdin_line(
    caseload: Caseload, two_patients: dict[str, uuid.UUID], tmp_path: Path, mhf
) -> None:
    home = str(caseload.data.root)
    caseload.close()
    out = tmp_path / "summary.txt.age"
    file_pass = "lighthouse mango quietly seven"
    r = mhf(
        "patient",
        "summary",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(1),
        "--out",
        str(out),
        "--format",
        "text",
        stdin=f"{PASS}\n{file_pass}\n",
    )
    assert r.code == 0, r.err
    raw = out.read_bytes()
    assert b"Quillfeather" not in raw
    text = pyrage.passphrase.decrypt(raw, file_pass).decode()
    assert "Corrected ALPHA-TWO" in text and "Bartholomew" not in text
