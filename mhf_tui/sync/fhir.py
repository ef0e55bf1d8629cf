"""Caseload rows as FHIR R4 resources (plain dicts, serialised by the exporter), shaped to
the UK Core R4 profiles a GP system's importer checks against.

One function per resource kind; each takes rows and returns a resource dict whose `id` is
the row's UUID, so PUT by id makes import idempotent. Review answers and outcome measures
(Observation, QuestionnaireResponse) are in `mhf_tui.sync.fhir_clinical`. Every resource
carries `meta.profile`; authors, performers and requesters reference the facilitator's
Practitioner and their service's Organization (`Team`).
"""

from __future__ import annotations

import base64
import html
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from mhf_tui.db.tables import CarePlan, Contact, Patient, Service, Signposting
from mhf_tui.sync.terminology import UCUM_SYSTEM

if TYPE_CHECKING:
    from mhf_tui.sync.fhir_team import Team

Resource = dict[str, Any]

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
URI_SYSTEM = "urn:ietf:rfc:3986"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPANT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
#: namespace for ids derived from other ids (Provenance, Bundle)
MHF_NAMESPACE = uuid.UUID("8f4b1a52-6a1e-4c55-9d0e-3c2f7f0a9e11")

GENDERS = {"male", "female", "other", "unknown"}
ENCOUNTER_CLASS = {
    "face_to_face": ("AMB", "ambulatory"),
    "phone": ("VR", "virtual"),
    "video": ("VR", "virtual"),
    "home_visit": ("HH", "home health"),
    "dna": ("AMB", "ambulatory"),
    "cancelled": ("AMB", "ambulatory"),
}
MODE_LABEL = {
    "face_to_face": "Face to face",
    "phone": "Telephone",
    "video": "Video",
    "home_visit": "Home visit",
    "dna": "Did not attend",
    "cancelled": "Cancelled",
}
NOTE_KIND_LABEL = {
    "contact": "Contact note",
    "care_plan": "Care plan note",
    "phone_call": "Telephone call note",
    "safeguarding": "Safeguarding note",
    "general": "Note",
}
SIGNPOSTING_STATUS = {
    # ours -> (ServiceRequest.status, ServiceRequest.intent)
    "suggested": ("active", "proposal"),
    "referred": ("active", "order"),
    "accepted": ("active", "order"),
    "attended": ("completed", "order"),
    "declined": ("revoked", "proposal"),
    "did_not_engage": ("revoked", "order"),
    "closed": ("completed", "order"),
}


def instant(value: datetime | str) -> str:
    """FHIR instant/dateTime; naive values read back from SQLite are UTC. A string is the
    raw SQLite form ('YYYY-MM-DD HH:MM:SS[.ffffff]', UTC), from the exporter's fast path."""
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}+00:00"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def day(value: date) -> str:
    return value.isoformat()


def ref(resource_type: str, row_id: object) -> dict[str, str]:
    return {"reference": f"{resource_type}/{row_id}"}


def ods_ref(ods: str, display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"identifier": {"system": ODS_SYSTEM, "value": ods}}
    if display:
        out["display"] = display
    return out


def narrative(lines: Iterable[str]) -> dict[str, str]:
    """Human-readable text for fields FHIR R4 has no element for; escaped, never markup."""
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return {
        "status": "additional",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>',
    }


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(MHF_NAMESPACE, "/".join(parts)))


def meta(*profiles: str) -> dict[str, list[str]]:
    """`meta.profile`: the UK Core profile by resource name, or full URLs as given."""
    return {"profile": [p if "/" in p else UKCORE + p for p in profiles]}


def author_ref(team: Team | None, name: str) -> dict[str, str] | None:
    """The author reference for a row, or None when there is nothing to say."""
    if team is not None:
        return team.author(name)
    return {"display": name} if name else None


def patient_resource(p: Patient, ods: str, practice_name: str) -> Resource:
    r: Resource = {"resourceType": "Patient", "id": str(p.id), "meta": meta("Patient")}
    if p.nhs_number:
        r["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": p.nhs_number}]
    r["active"] = p.status != "discharged"
    r["name"] = [{"use": "official", "family": p.family_name, "given": p.given_name.split()}]
    telecom = [
        {"system": "phone", "value": phone, "rank": rank}
        for rank, phone in enumerate((p.phone, p.phone_alt), start=1)
        if phone
    ]
    if telecom:
        r["telecom"] = telecom
    r["gender"] = p.sex if p.sex in GENDERS else "unknown"
    r["birthDate"] = day(p.date_of_birth)
    if p.date_of_death:
        r["deceasedDateTime"] = day(p.date_of_death)
    if p.address or p.postcode:
        r["address"] = [_address(p)]
    r["generalPractitioner"] = [ods_ref(ods, practice_name)]
    r["managingOrganization"] = ods_ref(ods, practice_name)
    r["text"] = narrative(_patient_facts(p))
    return r


def _address(p: Patient) -> dict[str, Any]:
    address: dict[str, Any] = {"use": "home"}
    if p.address:
        address["text"] = p.address
    if p.postcode:
        address["postalCode"] = p.postcode
    return address


def _patient_facts(p: Patient) -> list[str]:
    """What a GP should know about the patient beyond the coded fields ("" where absent)."""
    return [
        f"Usual GP: {p.usual_gp}" if p.usual_gp else "",
        f"Care cluster: {p.care_cluster}" if p.care_cluster is not None else "",
        "On the SMI register" if p.smi_register else "",
        f"Status: {p.status}",
        "Alert: risk" if p.alert_risk else "",
        "Alert: safeguarding" if p.alert_safeguarding else "",
        "Alert: lone worker" if p.alert_lone_worker else "",
        "Alert: do not text" if p.alert_do_not_text else "",
        f"Alert note: {p.alert_note}" if p.alert_note else "",
        f"Pronouns: {p.pronouns}" if p.pronouns else "",
        f"Interpreter: {p.interpreter_needs}" if p.interpreter_needs else "",
        f"Accessibility: {p.accessibility_needs}" if p.accessibility_needs else "",
        f"Preferred contact: {p.preferred_contact}" if p.preferred_contact else "",
    ]


def contact_resource(c: Contact, ods: str, *, team: Team | None = None) -> Resource:
    """A contact: an Encounter, or for a DNA an Appointment the patient did not attend
    (UK Core: a missed appointment is not an encounter)."""
    if c.mode == "dna":
        return appointment_resource(c, team=team)
    return encounter_resource(c, ods, team=team)


def _minutes(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "min", "system": UCUM_SYSTEM, "code": "min"}


def _contact_lines(c: Contact) -> list[str]:
    return [
        f"Reason: {c.reason}" if c.reason else "",
        f"Outcome: {c.outcome}" if c.outcome else "",
        f"Follow up on {day(c.follow_up_on)}" if c.follow_up_on else "",
    ]


def encounter_resource(c: Contact, ods: str, *, team: Team | None = None) -> Resource:
    code, display = ENCOUNTER_CLASS.get(c.mode, ("AMB", "ambulatory"))
    r: Resource = {
        "resourceType": "Encounter",
        "id": str(c.id),
        "meta": meta("Encounter"),
        "status": "cancelled" if c.mode == "cancelled" else "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": code, "display": display},
        "type": [{"text": MODE_LABEL.get(c.mode, c.mode)}],
        "subject": ref("Patient", c.patient_id),
        "period": {"start": instant(c.occurred_at)},
        "serviceProvider": ods_ref(ods),
    }
    if c.duration_minutes:
        r["length"] = _minutes(c.duration_minutes)
    if c.reason:
        r["reasonCode"] = [{"text": c.reason}]
    if c.location:
        r["location"] = [{"location": {"display": c.location}}]
    who = author_ref(team, c.author)
    if who:
        r["participant"] = [{"individual": who}]
    lines = _contact_lines(c)
    if any(lines):
        r["text"] = narrative(lines)
    return r


def appointment_resource(c: Contact, *, team: Team | None = None) -> Resource:
    """A did-not-attend. R4 asks a no-show for start and end: the end is the start plus the
    booked length (the start itself when none was recorded)."""
    start = instant(c.occurred_at)
    end = instant(c.occurred_at + timedelta(minutes=c.duration_minutes or 0))
    participants: list[dict[str, Any]] = [
        {"actor": ref("Patient", c.patient_id), "status": "accepted"}
    ]
    who = author_ref(team, c.author)
    if who:
        participants.append({"actor": who, "status": "accepted"})
    r: Resource = {
        "resourceType": "Appointment",
        "id": str(c.id),
        "meta": meta("Appointment"),
        "status": "noshow",
        "description": MODE_LABEL["dna"],
        "start": start,
        "end": end,
        "participant": participants,
    }
    if c.duration_minutes:
        r["minutesDuration"] = c.duration_minutes
    if c.reason:
        r["reasonCode"] = [{"text": c.reason}]
    lines = _contact_lines(c)
    if any(lines):
        r["text"] = narrative(lines)
    return r


class NoteFields(Protocol):
    """What a note version needs to become a DocumentReference: a `Note`, or the exporter's
    lighter row for bulk exports."""

    @property
    def id(self) -> object: ...
    @property
    def patient_id(self) -> object: ...
    @property
    def contact_id(self) -> object | None: ...
    @property
    def lineage_id(self) -> object: ...
    @property
    def version(self) -> int: ...
    @property
    def replaces_id(self) -> object | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def written_at(self) -> datetime | str: ...
    @property
    def entered_in_error(self) -> bool: ...
    @property
    def amend_reason(self) -> str: ...


def document_reference(n: NoteFields, *, superseded: bool, team: Team | None = None) -> Resource:
    """A note version. Corrections point at the version they replace; the replaced version
    is sent again as `superseded`; an entered-in-error version says so in both statuses."""
    if n.entered_in_error:
        status, doc_status = "entered-in-error", "entered-in-error"
    else:
        status = "superseded" if superseded else "current"
        doc_status = "amended" if n.version > 1 else "final"
    written = instant(n.written_at)
    r: Resource = {
        "resourceType": "DocumentReference",
        "id": str(n.id),
        "meta": meta("DocumentReference"),
        "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{n.lineage_id}"}],
        "status": status,
        "docStatus": doc_status,
        "type": {"text": NOTE_KIND_LABEL.get(n.kind, n.kind)},
        "category": [{"text": "Mental health facilitator note"}],
        "subject": ref("Patient", n.patient_id),
        "date": written,
    }
    who = author_ref(team, n.author)
    if who:
        r["author"] = [who]
    if n.replaces_id:
        r["relatesTo"] = [{"code": "replaces", "target": ref("DocumentReference", n.replaces_id)}]
    if n.amend_reason:
        r["description"] = f"Version {n.version}: {n.amend_reason}"
    r["content"] = [
        {
            "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": base64.b64encode(n.text.encode()).decode("ascii"),
                "creation": written,
            }
        }
    ]
    if n.contact_id:
        r["context"] = {"encounter": [ref("Encounter", n.contact_id)]}
    return r


def care_plan_resource(
    cp: CarePlan,
    *,
    superseded: bool,
    team: Team | None = None,
    services: dict[str, str] | None = None,
) -> Resource:
    """R4 CarePlan has no `superseded` status: an older version is `revoked` (no longer in
    effect) and the newer one lists it in `replaces`. `services` names the directory's
    services by id (the crisis plan's services are kept as ids)."""
    r: Resource = {
        "resourceType": "CarePlan",
        "id": str(cp.id),
        "meta": meta("CarePlan"),
        "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{cp.lineage_id}"}],
        "status": "revoked" if superseded else "active",
        "intent": "plan",
        "title": f"Mental health care plan (version {cp.version})",
        "subject": ref("Patient", cp.patient_id),
        "created": instant(cp.created_at),
    }
    if cp.replaces_id:
        r["replaces"] = [ref("CarePlan", cp.replaces_id)]
    who = author_ref(team, cp.author)
    if who:
        r["author"] = who
    activities = [{"detail": _activity(action)} for action in cp.actions or []]
    if activities:
        r["activity"] = activities
    notes = _care_plan_notes(cp, services or {})
    if any(notes):
        r["note"] = [{"text": text} for text in notes if text]
    return r


def _activity(action: dict[str, Any]) -> dict[str, Any]:
    """A care plan action as a CarePlan activity's detail."""
    detail: dict[str, Any] = {
        "status": "completed" if action.get("done") else "not-started",
        "description": str(action.get("action", "")),
    }
    if action.get("due"):
        detail["scheduledString"] = f"Due {action['due']}"
    if action.get("owner"):
        detail["performer"] = [{"display": str(action["owner"])}]
    return detail


def _goal_note(goal: dict[str, Any]) -> str:
    score = goal.get("score")
    suffix = f" (goal-based outcome {score}/10)" if score is not None else ""
    target = f", target {goal['target_on']}" if goal.get("target_on") else ""
    status = f" [{goal['status']}{target}]" if goal.get("status") else ""
    return f"Goal: {goal.get('goal', '')}{status}{suffix}"


def _care_plan_notes(cp: CarePlan, services: dict[str, str]) -> list[str]:
    """The plan's goals, needs and crisis plan as note texts ("" where a part is empty)."""
    return [
        *(_goal_note(goal) for goal in cp.goals or []),
        *(f"Need: {need}" for need in cp.needs or []),
        f"Early warning signs: {cp.early_warning_signs}" if cp.early_warning_signs else "",
        f"What helps: {cp.what_helps}" if cp.what_helps else "",
        *(
            f"Crisis contact: {c.get('name', '')} ({c.get('relationship', '')}): "
            f"{c.get('phone', '')}"
            for c in cp.crisis_contacts or []
        ),
        *(f"Crisis service: {services.get(sid, sid)}" for sid in cp.crisis_services or []),
        f"Crisis plan: {cp.crisis_plan}" if cp.crisis_plan else "",
        f"Contingency plan: {cp.contingency_plan}" if cp.contingency_plan else "",
        f"Review on {day(cp.review_on)}" if cp.review_on else "",
    ]


def service_request(
    s: Signposting, service: Service | None, *, team: Team | None = None
) -> Resource:
    status, intent = SIGNPOSTING_STATUS.get(s.status, ("unknown", "proposal"))
    name = service.name if service else "Service"
    r: Resource = {
        "resourceType": "ServiceRequest",
        "id": str(s.id),
        "meta": meta("ServiceRequest"),
        "status": status,
        "intent": intent,
        "category": [{"text": f"Signposting: {service.category}" if service else "Signposting"}],
        "code": {"text": name},
        "subject": ref("Patient", s.patient_id),
        "authoredOn": day(s.signposted_on),
        "performer": [{"display": name}],
    }
    who = author_ref(team, s.author)
    if who:
        r["requester"] = who
    if service:
        how = [
            f"Phone {service.phone}" if service.phone else "",
            f"Text {service.text_number}" if service.text_number else "",
            service.web,
        ]
        if any(how):
            r["patientInstruction"] = "; ".join(h for h in how if h)
    notes = [
        f"Signposting status: {s.status}",
        f"Follow up on {day(s.follow_up_on)}" if s.follow_up_on else "",
        f"Outcome: {s.outcome_note}" if s.outcome_note else "",
    ]
    r["note"] = [{"text": text} for text in notes if text]
    return r


def transaction_entry(resource: Resource) -> dict[str, Any]:
    kind, rid = resource["resourceType"], resource["id"]
    return {
        "fullUrl": f"urn:uuid:{rid}",
        "resource": resource,
        "request": {"method": "PUT", "url": f"{kind}/{rid}"},
    }


def transaction_bundle(bundle_id: str, timestamp: datetime, resources: list[Resource]) -> Resource:
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "transaction",
        "timestamp": instant(timestamp),
        "entry": [transaction_entry(r) for r in resources],
    }


def resource_patient_id(resource: Resource) -> str:
    """The patient a resource is about, for the practice store's per-patient view."""
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id", ""))
    candidates = [resource.get("subject")]
    if resource.get("resourceType") == "Appointment":
        participants = resource.get("participant")
        if isinstance(participants, list):
            candidates += [p.get("actor") for p in participants if isinstance(p, dict)]
    for candidate in candidates:
        if isinstance(candidate, dict):
            reference = str(candidate.get("reference", ""))
            if reference.startswith("Patient/"):
                return reference.removeprefix("Patient/")
    return ""
