"""Reading the practice store: a per-patient summary for people, a bundle for software."""

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

from mhf_tui.db.tables.sync import DeviceTrust, ImportLog, ReceivedResource
from mhf_tui.sync import fhir
from mhf_tui.sync.device import fingerprint
from mhf_tui.sync.package import SyncError

STATUS_PREFIX = "Signposting status: "
SNOMED = "http://snomed.info/sct"


@dataclass
class PatientRecord:
    patient: fhir.Resource
    resources: dict[str, list[fhir.Resource]] = field(default_factory=lambda: defaultdict(list))

    @property
    def nhs_number(self) -> str:
        for ident in self.patient.get("identifier", []):
            if ident.get("system") == fhir.NHS_NUMBER_SYSTEM:
                return str(ident.get("value", ""))
        return ""

    @property
    def name(self) -> str:
        names = self.patient.get("name") or [{}]
        given = " ".join(names[0].get("given", []))
        return f"{names[0].get('family', '').upper()}, {given}".strip(", ")


def patient_records(session: Session, *, nhs: str | None = None) -> list[PatientRecord]:
    """Everything received, grouped by patient (sorted by name)."""
    records: dict[str, PatientRecord] = {}
    for row in session.exec(
        select(ReceivedResource).where(ReceivedResource.resource_type == "Patient")
    ):
        records[row.resource_id] = PatientRecord(json.loads(row.body))
    if nhs is not None:
        wanted = nhs.replace(" ", "")
        records = {k: r for k, r in records.items() if r.nhs_number == wanted}
        if not records:
            raise SyncError("no patient with that NHS number has been received")
    stmt = select(ReceivedResource).where(
        col(ReceivedResource.patient_id).in_(list(records)),
        ReceivedResource.resource_type != "Patient",
    )
    if nhs is None:
        stmt = select(ReceivedResource).where(
            ReceivedResource.resource_type != "Patient", ReceivedResource.patient_id != ""
        )
    for row in session.exec(stmt):
        record = records.get(row.patient_id)
        if record is not None:
            record.resources[row.resource_type].append(json.loads(row.body))
    return sorted(records.values(), key=lambda r: (r.name, r.nhs_number))


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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Received text made safe for a terminal: control characters (an ESC could drive it)
    and bidi overrides become visible stand-ins."""
    return _CONTROL.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def summary_lines(record: PatientRecord) -> list[str]:
    """Plain text, one patient; the text is the patient's data as received, shown literally
    (control characters made visible)."""
    return [printable(line) for line in _summary_lines(record)]


def _summary_lines(record: PatientRecord) -> list[str]:
    p = record.patient
    lines = [
        f"{record.name}  NHS {record.nhs_number or '(none)'}  born {p.get('birthDate', '?')}"
        f"  {p.get('gender', '')}",
    ]
    for address in p.get("address", []):
        lines.append(
            f"  Address: {address.get('text', '')} {address.get('postalCode', '')}".rstrip()
        )
    for phone in p.get("telecom", []):
        lines.append(f"  Phone: {phone.get('value', '')}")
    lines.extend(f"  {fact}" for fact in narrative_lines(p))
    encounters = sorted(
        [
            *record.resources.get("Encounter", []),
            *map(_as_encounter, record.resources.get("Appointment", [])),
        ],
        key=lambda e: e.get("period", {}).get("start", ""),
    )
    if encounters:
        lines.append(f"  Contacts ({len(encounters)}):")
        for e in encounters:
            kind = (e.get("type") or [{}])[0].get("text", "")
            reason = (e.get("reasonCode") or [{}])[0].get("text", "")
            when = _when(e.get("period", {}).get("start"))
            lines.append(f"    {when}  {kind}  {e.get('status', '')}  {reason}".rstrip())
    docs = sorted(record.resources.get("DocumentReference", []), key=lambda d: d.get("date", ""))
    current = [d for d in docs if d.get("status") == "current"]
    if docs:
        lines.append(
            f"  Notes ({len(current)} current, {len(docs) - len(current)} older or in error):"
        )
        for d in current:
            kind = d.get("type", {}).get("text", "Note")
            author = (d.get("author") or [{}])[0].get("display", "")
            amended = " (amended)" if d.get("docStatus") == "amended" else ""
            lines.append(f"    {_when(d.get('date'))}  {kind}{amended}  {author}".rstrip())
            lines.extend(f"      {text_line}" for text_line in _note_text(d).splitlines())
        errors = [d for d in docs if d.get("status") == "entered-in-error"]
        if errors:
            lines.append(f"    ({len(errors)} note(s) marked entered in error, not shown)")
    plans = [c for c in record.resources.get("CarePlan", []) if c.get("status") == "active"]
    for plan in plans:
        lines.append(f"  {plan.get('title', 'Care plan')}:")
        for activity in plan.get("activity", []):
            detail = activity.get("detail", {})
            lines.append(
                f"    - {detail.get('description', '')} [{detail.get('status', '')}] "
                f"{detail.get('scheduledString', '')}".rstrip()
            )
        lines.extend(f"    {note.get('text', '')}" for note in plan.get("note", []))
    requests = record.resources.get("ServiceRequest", [])
    if requests:
        lines.append(f"  Signposting ({len(requests)}):")
        for r in sorted(requests, key=lambda r: r.get("authoredOn", "")):
            status = next(
                (
                    n["text"]
                    for n in r.get("note", [])
                    if n.get("text", "").startswith("Signposting")
                ),
                "",
            ).removeprefix("Signposting status: ")
            lines.append(
                f"    {r.get('authoredOn', '')}  {r.get('code', {}).get('text', '')}  {status}"
            )
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


def store_bundle(session: Session) -> dict[str, Any]:
    """Every resource held, latest version, as a FHIR R4 transaction Bundle."""
    resources = [
        json.loads(row.body)
        for row in session.exec(
            select(ReceivedResource).order_by(
                col(ReceivedResource.resource_type), col(ReceivedResource.resource_id)
            )
        )
    ]
    now = datetime.now().astimezone()
    return fhir.transaction_bundle(fhir.derived_id("store-bundle", now.isoformat()), now, resources)


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    facilitator: str
    fingerprint: str
    last_sequence: dict[str, int]


def devices(session: Session) -> list[DeviceStatus]:
    out = []
    for trust in session.exec(select(DeviceTrust)):
        seqs: dict[str, int] = {}
        for log in session.exec(select(ImportLog).where(ImportLog.device_id == trust.device_id)):
            seqs[log.practice_ods] = max(seqs.get(log.practice_ods, 0), log.sequence)
        out.append(
            DeviceStatus(trust.device_id, trust.facilitator, fingerprint(trust.public_key), seqs)
        )
    return out
