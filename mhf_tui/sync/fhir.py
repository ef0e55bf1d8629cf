"""Caseload rows as FHIR R4 resources (plain dicts, serialised by the exporter).

One function per resource kind; each takes rows and returns a resource dict whose `id` is
the row's UUID, so PUT by id makes import idempotent. Review items (Observation) and
outcome measures (QuestionnaireResponse) plug in the same way: a mapper here and a
`Source` in `mhf_tui.sync.export`.
"""

from __future__ import annotations

import base64
import html
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, Protocol

from mhf_tui.db.tables import CarePlan, Contact, Patient, Service, Signposting
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer

Resource = dict[str, Any]

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
URI_SYSTEM = "urn:ietf:rfc:3986"
SNOMED_SYSTEM = "http://snomed.info/sct"
UCUM_SYSTEM = "http://unitsofmeasure.org"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPANT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
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


def patient_resource(p: Patient, ods: str, practice_name: str) -> Resource:
    r: Resource = {"resourceType": "Patient", "id": str(p.id)}
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
        address: dict[str, Any] = {"use": "home"}
        if p.address:
            address["text"] = p.address
        if p.postcode:
            address["postalCode"] = p.postcode
        r["address"] = [address]
    r["generalPractitioner"] = [ods_ref(ods, practice_name)]
    r["managingOrganization"] = ods_ref(ods, practice_name)
    facts = [
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
    r["text"] = narrative(facts)
    return r


def encounter_resource(c: Contact, ods: str) -> Resource:
    code, display = ENCOUNTER_CLASS.get(c.mode, ("AMB", "ambulatory"))
    r: Resource = {
        "resourceType": "Encounter",
        "id": str(c.id),
        "status": "cancelled" if c.mode in {"dna", "cancelled"} else "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": code, "display": display},
        "type": [{"text": MODE_LABEL.get(c.mode, c.mode)}],
        "subject": ref("Patient", c.patient_id),
        "period": {"start": instant(c.occurred_at)},
        "serviceProvider": ods_ref(ods),
    }
    if c.duration_minutes:
        r["length"] = {
            "value": c.duration_minutes,
            "unit": "min",
            "system": UCUM_SYSTEM,
            "code": "min",
        }
    if c.reason:
        r["reasonCode"] = [{"text": c.reason}]
    if c.location:
        r["location"] = [{"location": {"display": c.location}}]
    if c.author:
        r["participant"] = [{"individual": {"display": c.author}}]
    lines = [
        f"Reason: {c.reason}" if c.reason else "",
        f"Outcome: {c.outcome}" if c.outcome else "",
        f"Follow up on {day(c.follow_up_on)}" if c.follow_up_on else "",
    ]
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


def document_reference(n: NoteFields, *, superseded: bool) -> Resource:
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
        "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{n.lineage_id}"}],
        "status": status,
        "docStatus": doc_status,
        "type": {"text": NOTE_KIND_LABEL.get(n.kind, n.kind)},
        "category": [{"text": "Mental health facilitator note"}],
        "subject": ref("Patient", n.patient_id),
        "date": written,
    }
    if n.author:
        r["author"] = [{"display": n.author}]
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


def care_plan_resource(cp: CarePlan, *, superseded: bool) -> Resource:
    """R4 CarePlan has no `superseded` status: an older version is `revoked` (no longer in
    effect) and the newer one lists it in `replaces`."""
    r: Resource = {
        "resourceType": "CarePlan",
        "id": str(cp.id),
        "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{cp.lineage_id}"}],
        "status": "revoked" if superseded else "active",
        "intent": "plan",
        "title": f"Mental health care plan (version {cp.version})",
        "subject": ref("Patient", cp.patient_id),
        "created": instant(cp.created_at),
    }
    if cp.replaces_id:
        r["replaces"] = [ref("CarePlan", cp.replaces_id)]
    if cp.author:
        r["author"] = {"display": cp.author}
    activities = []
    for action in cp.actions or []:
        detail: dict[str, Any] = {
            "status": "completed" if action.get("done") else "not-started",
            "description": str(action.get("action", "")),
        }
        if action.get("due"):
            detail["scheduledString"] = f"Due {action['due']}"
        if action.get("owner"):
            detail["performer"] = [{"display": str(action["owner"])}]
        activities.append({"detail": detail})
    if activities:
        r["activity"] = activities
    notes = []
    for goal in cp.goals or []:
        score = goal.get("score")
        suffix = f" (goal-based outcome {score}/10)" if score is not None else ""
        target = f", target {goal['target_on']}" if goal.get("target_on") else ""
        status = f" [{goal['status']}{target}]" if goal.get("status") else ""
        notes.append(f"Goal: {goal.get('goal', '')}{status}{suffix}")
    notes += [
        *(f"Need: {need}" for need in cp.needs or []),
        f"Early warning signs: {cp.early_warning_signs}" if cp.early_warning_signs else "",
        f"What helps: {cp.what_helps}" if cp.what_helps else "",
        *(
            f"Crisis contact: {c.get('name', '')} ({c.get('relationship', '')}): "
            f"{c.get('phone', '')}"
            for c in cp.crisis_contacts or []
        ),
        f"Crisis plan: {cp.crisis_plan}" if cp.crisis_plan else "",
        f"Contingency plan: {cp.contingency_plan}" if cp.contingency_plan else "",
        f"Review on {day(cp.review_on)}" if cp.review_on else "",
    ]
    if any(notes):
        r["note"] = [{"text": text} for text in notes if text]
    return r


def service_request(s: Signposting, service: Service | None) -> Resource:
    status, intent = SIGNPOSTING_STATUS.get(s.status, ("unknown", "proposal"))
    name = service.name if service else "Service"
    r: Resource = {
        "resourceType": "ServiceRequest",
        "id": str(s.id),
        "status": status,
        "intent": intent,
        "category": [{"text": f"Signposting: {service.category}" if service else "Signposting"}],
        "code": {"text": name},
        "subject": ref("Patient", s.patient_id),
        "authoredOn": day(s.signposted_on),
        "performer": [{"display": name}],
    }
    if s.author:
        r["requester"] = {"display": s.author}
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


def observation(answer: ReviewAnswer, review: Review | None) -> Resource:
    """A review answer. The resource id is the answer's lineage, so an amended answer
    replaces the one the practice holds (status `amended` or `entered-in-error`)."""
    if answer.entered_in_error:
        status = "entered-in-error"
    else:
        status = "amended" if answer.version > 1 else "final"
    label = answer.item_id.replace("_", " ")
    code: dict[str, Any] = {"text": label}
    if answer.code:
        code["coding"] = [{"system": SNOMED_SYSTEM, "code": answer.code}]
    r: Resource = {
        "resourceType": "Observation",
        "id": str(answer.lineage_id),
        "status": status,
        "code": code,
        "subject": ref("Patient", answer.patient_id),
        "effectiveDateTime": day(answer.observed_on),
        "issued": instant(answer.recorded_at),
    }
    if review is not None:
        r["category"] = [{"text": review.template_id.replace("_", " ")}]
    if answer.author:
        r["performer"] = [{"display": answer.author}]
    if not answer.entered_in_error:
        if answer.number is not None:
            quantity: dict[str, Any] = {"value": answer.number}
            if answer.unit:
                quantity["unit"] = answer.unit
            r["valueQuantity"] = quantity
        elif answer.value:
            r["valueString"] = answer.value
    if answer.amend_reason:
        r["note"] = [{"text": f"Amended: {answer.amend_reason}"}]
    return r


#: LOINC panels, used as the questionnaire's canonical URL
QUESTIONNAIRE = {
    "phq9": ("http://loinc.org/q/44249-1", "PHQ-9"),
    "gad7": ("http://loinc.org/q/69737-5", "GAD-7"),
}


def questionnaire_response(m: OutcomeMeasure) -> Resource:
    """PHQ-9 / GAD-7 with every item, or a goal-based outcome score."""
    r: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(m.id),
        "status": "completed",
        "subject": ref("Patient", m.patient_id),
        "authored": day(m.taken_on),
    }
    if m.measure in QUESTIONNAIRE:
        r["questionnaire"] = QUESTIONNAIRE[m.measure][0]
    if m.author:
        r["author"] = {"display": m.author}
    items: list[dict[str, Any]] = [
        {"linkId": str(i), "answer": [{"valueInteger": value}]}
        for i, value in enumerate(m.items or [], start=1)
    ]
    if m.measure == "gbo":
        items = [
            {
                "linkId": "goal",
                "text": m.goal_text or "Goal",
                "answer": [{"valueInteger": m.total}],
            }
        ]
    else:
        name = QUESTIONNAIRE.get(m.measure, ("", m.measure))[1]
        band = f" ({m.band})" if m.band else ""
        items.append(
            {
                "linkId": "total",
                "text": f"{name} total score{band}",
                "answer": [{"valueInteger": m.total}],
            }
        )
    r["item"] = items
    return r


def provenance(
    *,
    targets: list[str],
    device_id: str,
    device_fingerprint: str,
    facilitator: str,
    ods: str,
    sequence: int,
    recorded: datetime,
) -> Resource:
    return {
        "resourceType": "Provenance",
        "id": derived_id("provenance", device_id, ods, str(sequence)),
        "target": [{"reference": t} for t in targets],
        "recorded": instant(recorded),
        "activity": {"coding": [{"system": DATA_OPERATION_SYSTEM, "code": "UPDATE"}]},
        "agent": [
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE_SYSTEM, "code": "author"}]},
                "who": {"display": facilitator},
            },
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE_SYSTEM, "code": "assembler"}]},
                "who": {
                    "identifier": {"system": URI_SYSTEM, "value": f"urn:uuid:{device_id}"},
                    "display": f"mhf device {device_fingerprint}",
                },
            },
        ],
    }


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
    subject = resource.get("subject")
    if isinstance(subject, dict):
        reference = str(subject.get("reference", ""))
        if reference.startswith("Patient/"):
            return reference.removeprefix("Patient/")
    return ""
