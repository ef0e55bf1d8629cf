"""Care planning tables: the versioned care plan (with its crisis plan) and the people
around a patient (carers, next of kin, advocates).

Each entity has a `...Base` with the fields the user edits; the table adds ids, lineage and
bookkeeping. The validated `Create`/`Update` models and the `Public` read models live with
their service (`mhf_tui.services.care_plans`, `mhf_tui.services.related_people`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mhf_tui.db.tables.base import Row


class CarePlanBase(SQLModel):
    """The plan's free-text parts; the lists (goals, needs, actions, crisis contacts and
    services) are JSON columns on the table and typed models on Create and Public."""

    #: the plan's review date (a follow-up on the dashboard)
    review_on: date | None = None
    #: crisis plan: the patient's early warning signs (relapse signature)
    early_warning_signs: str = ""
    #: crisis plan: what helps (and what does not)
    what_helps: str = ""
    #: crisis plan: anything else for a crisis
    crisis_plan: str = ""
    contingency_plan: str = ""


class CarePlan(CarePlanBase, Row, table=True):
    """Versioned like notes: each save is a new row; the newest in a lineage is current."""

    __tablename__ = "care_plan"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    lineage_id: uuid.UUID = Field(index=True)
    version: int = 1
    replaces_id: uuid.UUID | None = Field(default=None, foreign_key="care_plan.id")
    #: [{"id": hex, "goal": str, "target_on": "YYYY-MM-DD" | None, "status": str}]
    goals: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    #: ["housing", ...]
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    #: [{"action": str, "owner": str, "due": "YYYY-MM-DD" | None, "done": bool}]
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    #: crisis plan: who to contact, [{"name": str, "relationship": str, "phone": str}]
    crisis_contacts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    #: crisis plan: service directory ids, chosen by the user
    crisis_services: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    #: before schema 3: early warning signs were kept here (migration 3 copies them to
    #: `early_warning_signs`); no longer written
    relapse_signatures: str = ""
    author: str = ""


class RelatedPersonBase(SQLModel):
    name: str
    #: carer, next_of_kin, advocate, family, professional, other
    role: str = "carer"
    #: their relationship to the patient: mother, partner, care coordinator...
    relationship: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    #: the patient consents to us contacting this person
    consent_to_contact: bool = False
    #: the patient consents to us sharing information with this person
    consent_to_share: bool = False
    notes: str = ""


class RelatedPerson(RelatedPersonBase, Row, table=True):
    __tablename__ = "related_person"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    #: when and by whom the two consents were last recorded
    consent_on: date | None = None
    consent_recorded_by: str = ""
