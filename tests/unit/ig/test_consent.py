"""Consent decisions: the objection to sharing with the practice and consent to contact
carers, each dated and attributed, audited by field name only, and obeyed by sync."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session, select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent, Practice
from mhf_tui.errors import ValidationError
from mhf_tui.services.consent import set_carer_contact, set_sharing
from mhf_tui.services.retention import discharge
from mhf_tui.sync.selection import Selection, changed_resources, load_team
from tests.unit.ig.conftest import ACTOR, PASS, add_patient, nhs_number


def test_objection_is_dated_attributed_and_audited_without_the_reason(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 50, "Objector", "Olive")
        state = set_sharing(
            s,
            patient_id=p.id,
            actor=ACTOR,
            share=False,
            on=date(2024, 3, 1),
            reason="REASON-PRIVATE worried about employer",
        )
    assert not state.share_with_practice
    assert state.share_decision_on == date(2024, 3, 1)
    assert state.share_recorded_by == ACTOR
    assert "OBJECTS" in state.describe_sharing()
    with caseload.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "consent")).one()
        assert event.patient_id == str(p.id)
        assert "REASON-PRIVATE" not in event.detail
        assert "share_with_practice" in json.loads(event.detail)["fields"]
        withdrawn = set_sharing(
            s, patient_id=p.id, actor="Second Worker", share=True, on=date(2024, 4, 1)
        )
    assert withdrawn.share_with_practice and withdrawn.share_objection_reason == ""
    assert withdrawn.share_recorded_by == "Second Worker"


def test_carer_contact_consent_set_refused_and_cleared(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 51, "Carer", "Cass")
        yes = set_carer_contact(s, patient_id=p.id, actor=ACTOR, consent=True, on=date(2024, 1, 5))
        assert yes.carer_contact_consent is True and yes.carer_consent_on == date(2024, 1, 5)
        no = set_carer_contact(s, patient_id=p.id, actor=ACTOR, consent=False, on=date(2024, 2, 5))
        assert no.carer_contact_consent is False
        assert "does NOT consent" in no.describe_carer_contact()
        cleared = set_carer_contact(s, patient_id=p.id, actor=ACTOR, consent=None, on=None)
        assert cleared.carer_contact_consent is None and cleared.carer_consent_on is None
        with pytest.raises(ValidationError, match="needs the date"):
            set_carer_contact(s, patient_id=p.id, actor=ACTOR, consent=True, on=None)


def test_consent_dates_must_be_plausible(caseload: Caseload, practice: Practice) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 52, "Dates", "Dan", date_of_birth=date(1990, 1, 1))
        with pytest.raises(ValidationError, match="future"):
            set_sharing(
                s,
                patient_id=p.id,
                actor=ACTOR,
                share=False,
                on=date(2030, 1, 1),
                today=date(2025, 1, 1),
            )
        with pytest.raises(ValidationError, match="before the date of birth"):
            set_sharing(s, patient_id=p.id, actor=ACTOR, share=False, on=date(1980, 1, 1))


def test_objection_still_recordable_after_discharge(caseload: Caseload, practice: Practice) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 53, "Late", "Objector")
        discharge(s, patient_id=p.id, actor=ACTOR, on=date(2024, 1, 1))
        state = set_sharing(s, patient_id=p.id, actor=ACTOR, share=False, on=date(2024, 2, 1))
    assert not state.share_with_practice


def select_changes(s: Session, practice: Practice) -> Selection:
    """What the next sync file for the practice would carry (its resources drained)."""
    sel = Selection(practice, practice.last_ack_seq, 0, load_team(s))
    for _resource in changed_resources(s, sel):
        pass
    return sel


def test_objection_removes_the_patient_from_the_sync_export(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        sharing = add_patient(s, practice, 54, "Sharing", "Sam")
        objector = add_patient(s, practice, 55, "Private", "Pat")
        before = select_changes(s, practice)
        assert {sharing.id, objector.id} <= before.patient_ids
        set_sharing(s, patient_id=objector.id, actor=ACTOR, share=False, on=date(2024, 3, 1))
        after = select_changes(s, practice)
        assert sharing.id in after.patient_ids and objector.id not in after.patient_ids
        assert after.withheld_objection == 1
        set_sharing(s, patient_id=objector.id, actor=ACTOR, share=True, on=date(2024, 4, 1))
        again = select_changes(s, practice)
        assert objector.id in again.patient_ids and again.withheld_objection == 0


def test_cli_consent_set_and_show(caseload: Caseload, practice: Practice, mhf) -> None:
    with caseload.session() as s:
        add_patient(s, practice, 56, "Cli", "Consent")
    home = str(caseload.data.root)
    caseload.close()
    r = mhf(
        "consent",
        "set",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(56),
        "--share-with-practice",
        "no",
        "--carer-contact",
        "yes",
        "--on",
        "2024-05-01",
        "--json",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    state = json.loads(r.out)
    assert state["share_with_practice"] is False and state["carer_contact_consent"] is True
    assert state["share_decision_on"] == "2024-05-01"
    r = mhf(
        "consent",
        "set",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(56),
        "--carer-contact",
        "unknown",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    r = mhf(
        "consent",
        "show",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(56),
        stdin=f"{PASS}\n",
    )
    assert "OBJECTS to sharing" in r.out and "not asked / not recorded" in r.out
    r = mhf(
        "consent",
        "set",
        "--home",
        home,
        "--passphrase-stdin",
        "--nhs",
        nhs_number(56),
        stdin=f"{PASS}\n",
    )
    assert r.code == 1 and "nothing to set" in r.err
