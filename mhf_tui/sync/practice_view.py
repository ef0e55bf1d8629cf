"""Reading the practice inbox: received patients with their resources (per sending
device), a per-patient summary for people, a bundle for software.

Everything stored passed `mhf_tui.sync.shapes` on the way in, so the fields read here have
the JSON types expected; a record that still cannot be shown says so instead of failing
the whole view. Text from the store is shown through `safe_text.neutralise`.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables.sync import EnrolledDevice, ReceivedResource
from mhf_tui.safe_text import neutralise
from mhf_tui.sync import fhir
from mhf_tui.sync.package import SyncError

STATUS_PREFIX = "Signposting status: "
SNOMED = "http://snomed.info/sct"


@dataclass
class PatientRecord:
    """One patient as one enrolled device sent them: the Patient resource and the other
    resources (by type) that device sent about them. Two devices sending the same person
    give two records (a device can neither see nor change another's)."""

    patient: fhir.Resource
    device_fingerprint: str
    device_name: str
    resources: dict[str, list[fhir.Resource]] = field(default_factory=lambda: defaultdict(list))

    @property
    def nhs_number(self) -> str:
        try:
            for ident in self.patient.get("identifier", []):
                if ident.get("system") == fhir.NHS_NUMBER_SYSTEM:
                    return str(ident.get("value", ""))
        except (AttributeError, TypeError):
            pass  # stored some other way than through the shape checks
        return ""

    @property
    def name(self) -> str:
        try:
            names = self.patient.get("name") or [{}]
            given = " ".join(names[0].get("given", []))
            return f"{names[0].get('family', '').upper()}, {given}".strip(", ")
        except (AttributeError, TypeError, IndexError, KeyError):
            return "(name unreadable)"


def _body(text: str) -> fhir.Resource:
    """A stored body, or an empty resource if it is not a JSON object (never an error)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def patient_records(session: Session, *, nhs: str | None = None) -> list[PatientRecord]:
    """Everything received, grouped by (sending device, patient), sorted by name; only the
    patient with NHS number `nhs` if given (SyncError if none was received)."""
    names = {d.fingerprint: d.name for d in session.exec(select(EnrolledDevice))}
    records: dict[tuple[str, str], PatientRecord] = {}
    for row in session.exec(
        select(ReceivedResource).where(ReceivedResource.resource_type == "Patient")
    ):
        fp = row.device_fingerprint
        records[(fp, row.resource_id)] = PatientRecord(_body(row.body), fp, names.get(fp, ""))
    if nhs is not None:
        wanted = nhs.replace(" ", "")
        records = {k: r for k, r in records.items() if r.nhs_number == wanted}
        if not records:
            raise SyncError("no patient with that NHS number has been received")
    stmt = select(ReceivedResource).where(
        ReceivedResource.resource_type != "Patient", ReceivedResource.patient_id != ""
    )
    if nhs is not None:
        stmt = stmt.where(col(ReceivedResource.patient_id).in_([k[1] for k in records]))
    for row in session.exec(stmt):
        record = records.get((row.device_fingerprint, row.patient_id))
        if record is not None:
            record.resources[row.resource_type].append(_body(row.body))
    return sorted(records.values(), key=lambda r: (r.name, r.nhs_number, r.device_name))


def narrative_lines(resource: fhir.Resource) -> list[str]:
    """The paragraphs of a resource's narrative as plain text (we wrote them: one <p> each)."""
    div = str((resource.get("text") or {}).get("div", ""))
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", div, flags=re.S)]


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%d %b %Y %H:%M")
    except ValueError:
        return value


def _note_text(doc: fhir.Resource) -> str:
    try:
        data = doc["content"][0]["attachment"]["data"]
        return base64.b64decode(data).decode("utf-8", errors="replace")
    except (KeyError, IndexError, TypeError, binascii.Error):
        return ""


def summary_lines(record: PatientRecord) -> list[str]:
    """Plain text, one patient; the text is the patient's data as received, shown literally
    (control characters made visible). Never fails on what is stored."""
    try:
        lines = _summary_lines(record)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        lines = ["(a record from this device could not be shown: its data is malformed)"]
    return [neutralise(line, multiline=False) for line in lines]


def _summary_lines(record: PatientRecord) -> list[str]:
    """The per-patient text: who, then each kind of resource received, in a fixed order."""
    lines = _patient_lines(record)
    for part in (_contact_lines, _note_lines, _plan_lines, _signposting_lines):
        lines += part(record)
    return lines + _result_lines(record)


def _patient_lines(record: PatientRecord) -> list[str]:
    p = record.patient
    lines = [
        f"{record.name}  NHS {record.nhs_number or '(none)'}  born {p.get('birthDate', '?')}"
        f"  {p.get('gender', '')}",
    ]
    for address in p.get("address", []):
        lines.append(
            f"  Address: {address.get('text', '')} {address.get('postalCode', '')}".rstrip()
        )
    lines += [f"  Phone: {phone.get('value', '')}" for phone in p.get("telecom", [])]
    return lines + [f"  {fact}" for fact in narrative_lines(p)]


def _contact_lines(record: PatientRecord) -> list[str]:
    encounters = sorted(
        [
            *record.resources.get("Encounter", []),
            *map(_as_encounter, record.resources.get("Appointment", [])),
        ],
        key=lambda e: e.get("period", {}).get("start", ""),
    )
    if not encounters:
        return []
    lines = [f"  Contacts ({len(encounters)}):"]
    for e in encounters:
        kind = (e.get("type") or [{}])[0].get("text", "")
        reason = (e.get("reasonCode") or [{}])[0].get("text", "")
        when = _when(e.get("period", {}).get("start"))
        lines.append(f"    {when}  {kind}  {e.get('status', '')}  {reason}".rstrip())
    return lines


def _note_lines(record: PatientRecord) -> list[str]:
    docs = sorted(record.resources.get("DocumentReference", []), key=lambda d: d.get("date", ""))
    if not docs:
        return []
    current = [d for d in docs if d.get("status") == "current"]
    lines = [f"  Notes ({len(current)} current, {len(docs) - len(current)} older or in error):"]
    for d in current:
        kind = d.get("type", {}).get("text", "Note")
        author = (d.get("author") or [{}])[0].get("display", "")
        amended = " (amended)" if d.get("docStatus") == "amended" else ""
        lines.append(f"    {_when(d.get('date'))}  {kind}{amended}  {author}".rstrip())
        lines.extend(f"      {text_line}" for text_line in _note_text(d).splitlines())
    errors = [d for d in docs if d.get("status") == "entered-in-error"]
    if errors:
        lines.append(f"    ({len(errors)} note(s) marked entered in error, not shown)")
    return lines


def _plan_lines(record: PatientRecord) -> list[str]:
    lines: list[str] = []
    for plan in record.resources.get("CarePlan", []):
        if plan.get("status") != "active":
            continue
        lines.append(f"  {plan.get('title', 'Care plan')}:")
        for activity in plan.get("activity", []):
            detail = activity.get("detail", {})
            lines.append(
                f"    - {detail.get('description', '')} [{detail.get('status', '')}] "
                f"{detail.get('scheduledString', '')}".rstrip()
            )
        lines.extend(f"    {note.get('text', '')}" for note in plan.get("note", []))
    return lines


def _signposting_status(request: fhir.Resource) -> str:
    texts = (n.get("text", "") for n in request.get("note", []))
    status = next((t for t in texts if t.startswith("Signposting")), "")
    return status.removeprefix("Signposting status: ")


def _signposting_lines(record: PatientRecord) -> list[str]:
    requests = record.resources.get("ServiceRequest", [])
    if not requests:
        return []
    return [f"  Signposting ({len(requests)}):"] + [
        f"    {r.get('authoredOn', '')}  {r.get('code', {}).get('text', '')}  "
        f"{_signposting_status(r)}"
        for r in sorted(requests, key=lambda r: r.get("authoredOn", ""))
    ]


def _result_lines(record: PatientRecord) -> list[str]:
    lines: list[str] = []
    observations = [
        o for o in record.resources.get("Observation", []) if o.get("status") != "entered-in-error"
    ]
    if observations:
        lines.append(f"  Review results ({len(observations)}):")
        for o in sorted(observations, key=lambda o: o.get("effectiveDateTime", "")):
            lines.append(f"    {o.get('effectiveDateTime', '')}  {_observation_text(o)}")
    responses = record.resources.get("QuestionnaireResponse", [])
    if responses:
        lines.append(f"  Outcome measures ({len(responses)}):")
        for q in sorted(responses, key=lambda q: q.get("authored", "")):
            last = (q.get("item") or [{}])[-1]
            value = (last.get("answer") or [{}])[0].get("valueInteger", "")
            lines.append(f"    {q.get('authored', '')}  {last.get('text', '')}: {value}")
    return lines


def _as_encounter(appointment: fhir.Resource) -> fhir.Resource:
    """A missed appointment listed with the contacts."""
    return {
        "type": [{"text": appointment.get("description", "Appointment")}],
        "status": appointment.get("status", ""),
        "period": {"start": appointment.get("start", "")},
        "reasonCode": appointment.get("reasonCode", []),
    }


def _observation_text(o: fhir.Resource) -> str:
    code = o.get("code", {})
    label = code.get("text", "") + _snomed_suffix(code)
    if "valueQuantity" in o:
        label += f": {_quantity(o['valueQuantity'])}"
    elif "valueInteger" in o:
        label += f": {o['valueInteger']}"
    elif "valueString" in o:
        label += f": {o['valueString']}"
    parts = [
        f"{c.get('code', {}).get('text', '')}{_snomed_suffix(c.get('code', {}))} "
        f"{_quantity(c['valueQuantity'])}"
        for c in o.get("component", [])
        if "valueQuantity" in c
    ]
    if parts:
        label += ": " + ", ".join(parts)
    if o.get("status") == "amended":
        label += " (amended)"
    return label


def _snomed_suffix(code: dict[str, Any]) -> str:
    codes = [c.get("code", "") for c in code.get("coding", []) if c.get("system") == SNOMED]
    return f" (SNOMED {codes[0]})" if codes else ""


def _quantity(q: dict[str, Any]) -> str:
    return f"{q.get('value', '')} {q.get('unit', '')}".rstrip()


def handover_resource(resource: fhir.Resource) -> fhir.Resource:
    """A stored resource as handed on to a clinical system: any narrative is rebuilt from
    its text, escaped, so no markup a sender wrote is passed through."""
    if "text" not in resource:
        return resource
    out = dict(resource)
    out["text"] = fhir.narrative(narrative_lines(resource))
    return out


def store_bundle(session: Session) -> dict[str, Any]:
    """Every resource held, latest version, as a FHIR R4 transaction Bundle."""
    resources = [
        handover_resource(_body(row.body))
        for row in session.exec(
            select(ReceivedResource).order_by(
                col(ReceivedResource.resource_type), col(ReceivedResource.resource_id)
            )
        )
    ]
    now = datetime.now().astimezone()
    return fhir.transaction_bundle(fhir.derived_id("store-bundle", now.isoformat()), now, resources)
