"""How much is on one patient's record, for the one-line summary under their details."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from mhf_tui.services.care_plans import current_care_plan
from mhf_tui.services.contacts import list_contacts
from mhf_tui.services.notes import current_notes
from mhf_tui.services.related_people import list_related_people
from mhf_tui.services.signposting import list_signposting


def record_counts(session: Session, *, patient_id: uuid.UUID) -> dict[str, int | None]:
    """Current notes, contacts, signposting, related people, and the care plan's version
    (None without one)."""
    plan = current_care_plan(session, patient_id=patient_id)
    return {
        "notes": len(current_notes(session, patient_id=patient_id)),
        "contacts": len(list_contacts(session, patient_id=patient_id)),
        "signposting": len(list_signposting(session, patient_id=patient_id)),
        "related_people": len(list_related_people(session, patient_id=patient_id)),
        "care_plan_version": plan.version if plan else None,
    }
