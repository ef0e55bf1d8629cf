"""A clinic letter per patient, built from what the practice inbox holds.

Laid out as a practice files a letter from a third party: the header (practice, patient,
facilitator, service, device, period covered), then first a "Risk and alerts" box (PHQ-9
item 9 above 0 with its score and date, alerts, crisis plans, safeguarding notes), then
"Codes to add to the record" (date, SNOMED CT id, preferred term, value, unit) for the
summariser, then contacts, notes (amended and entered-in-error versions marked), care plan,
signposting, other review answers and what is due. Every piece of received text goes
through `neutralise`; nothing is shortened. Rendering is elsewhere (`letter_pdf`, and
`letter_text` for a preview), so the model is tested without a PDF.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mhf_tui.safe_text import neutralise
from mhf_tui.services.reviews import add_months
from mhf_tui.sync.codes import CodeRow, coded_entries
from mhf_tui.sync.terminology import PHQ9_ITEM9, QOF_ELEMENT_CODES, SNOMED_SYSTEM

Resource = dict[str, Any]
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
FREQUENCY = {
    0: "not at all",
    1: "several days",
    2: "more than half the days",
    3: "nearly every day",
}
PHC_CODES = frozenset().union(*QOF_ELEMENT_CODES.values())
#: a care plan's notes that belong in the risk box when the plan is new or changed
CRISIS_NOTES = ("Crisis plan:", "Crisis contact:", "Crisis service:", "Early warning signs:")


@dataclass(frozen=True)
class Held:
    """One received resource as the inbox holds it (latest version)."""

    resource_type: str
    resource_id: str
    sha256: str
    body: Resource
    device: str = ""


@dataclass
class Letter:
    patient_id: str
    nhs_number: str
    name: str
    born: str
    address: str
    practice: str
    facilitator: str
    service: str
    device: str
    period: str
    risks: list[str] = field(default_factory=list)
    codes: list[CodeRow] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    items: list[Held] = field(default_factory=list)

    @property
    def risk_flagged(self) -> bool:
        return bool(self.risks)


def safe(value: object) -> str:
    return neutralise(str(value))


def format_nhs(number: str) -> str:
    """An NHS number as people write it: 3-3-4."""
    digits = number.replace(" ", "")
    if len(digits) != 10:
        return number
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def nhs_of(patient: Resource) -> str:
    for ident in patient.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == NHS_SYSTEM:
            return str(ident.get("value", ""))
    return ""


def patient_name(patient: Resource) -> str:
    """FAMILY, Given (as a practice lists patients)."""
    name = _first(patient.get("name"))
    given = " ".join(str(g) for g in name.get("given") or [])
    return f"{str(name.get('family', '')).upper()}, {given}".strip(", ")


def _narrative(resource: Resource) -> list[str]:
    div = str((resource.get("text") or {}).get("div", ""))
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", div, flags=re.S)]


def _text(concept: Any) -> str:
    return str(concept.get("text", "")) if isinstance(concept, dict) else ""


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list) and values else {}


def _day(value: Any) -> str:
    return str(value or "")[:10]


def _when(value: Any) -> str:
    text = str(value or "")
    return f"{text[:10]} {text[11:16]}".strip() if len(text) > 10 else text


def _who(resource: Resource, key: str) -> str:
    value = resource.get(key)
    value = _first(value) if isinstance(value, list) else value
    return str(value.get("display", "")) if isinstance(value, dict) else ""


def _note_body(doc: Resource) -> str:
    try:
        data = doc["content"][0]["attachment"]["data"]
        return base64.b64decode(data).decode("utf-8", errors="replace")
    except (KeyError, IndexError, TypeError, binascii.Error):
        return ""


def _of(items: list[Held], kind: str, *, status: str | None = None) -> list[Resource]:
    """The held resources of one type; with `status`, only those in that status."""
    return [
        h.body
        for h in items
        if h.resource_type == kind and (status is None or h.body.get("status") == status)
    ]


_DATE_KEYS = ("effectiveDateTime", "authored", "date", "authoredOn", "start", "created")


def _item_dates(items: list[Held]) -> Iterator[str]:
    for h in items:
        if h.resource_type == "Patient":
            continue
        for key in _DATE_KEYS:
            if h.body.get(key):
                yield _day(h.body[key])
        start = (h.body.get("period") or {}).get("start")
        if start:
            yield _day(start)


def build_letter(
    patient: Held, items: list[Held], everything: list[Held], team: dict[str, str]
) -> Letter:
    """The letter for `items` (what is new, or all with --all). `everything` the patient
    has is read for what is due; `team`: facilitator, service and device names."""
    p = patient.body
    nhs = nhs_of(p)
    org = p.get("managingOrganization") or {}
    ods = str((org.get("identifier") or {}).get("value", ""))
    address = _first(p.get("address"))
    dates = sorted(set(_item_dates(items)))
    letter = Letter(
        patient_id=patient.resource_id,
        nhs_number=nhs,
        name=safe(patient_name(p)),
        born=safe(p.get("birthDate", "")),
        address=safe(" ".join(str(address.get(k, "")) for k in ("text", "postalCode")).strip()),
        practice=safe(f"{org.get('display', '')} ({ods})" if ods else org.get("display", "")),
        facilitator=safe(team.get("facilitator", "")),
        service=safe(team.get("service", "")),
        device=safe(team.get("device", "")),
        period=f"{dates[0]} to {dates[-1]}" if dates else "",
        items=items,
    )
    letter.risks = [safe(line) for line in _risks(p, items)]
    letter.codes = [
        CodeRow(r.date, r.snomed, safe(r.term), safe(r.value), safe(r.unit), r.source)
        for r in coded_entries(h.body for h in items)
    ]
    sections = [
        ("Contacts", _contacts(items)),
        ("Notes", _notes(items)),
        ("Care plan", _care_plans(items)),
        ("Signposting", _signposting(items)),
        ("Other review answers (no SNOMED CT code)", _uncoded(items)),
        ("Entered in error (remove from the record if it was added)", _withdrawn(items)),
        ("Reviews and follow-ups due", _due(everything)),
    ]
    letter.sections = [(title, [safe(line) for line in lines]) for title, lines in sections]
    return letter


def _risks(p: Resource, items: list[Held]) -> list[str]:
    lines = [f for f in _narrative(p) if f.startswith(("Alert:", "Alert note:"))]
    for q in sorted(_of(items, "QuestionnaireResponse"), key=lambda q: str(q.get("authored", ""))):
        answers = {
            i.get("linkId"): _first(i.get("answer")).get("valueInteger")
            for i in q.get("item") or []
        }
        value = answers.get(PHQ9_ITEM9)
        if isinstance(value, int) and value > 0:
            total = answers.get("44261-6")
            lines.append(
                f"PHQ-9 item 9 (thoughts that you would be better off dead, or of hurting "
                f"yourself) answered {value} ({FREQUENCY.get(value, '')}) on "
                f"{_day(q.get('authored'))}; PHQ-9 total {total}"
            )
    for doc in _of(items, "DocumentReference", status="current"):
        if _text(doc.get("type")) == "Safeguarding note":
            lines.append(f"Safeguarding note of {_when(doc.get('date'))} (see Notes)")
    for plan in _of(items, "CarePlan", status="active"):
        lines += [
            f"{n.get('text', '')} (care plan of {_day(plan.get('created'))})"
            for n in plan.get("note") or []
            if str(n.get("text", "")).startswith(CRISIS_NOTES)
        ]
    return lines


def _contacts(items: list[Held]) -> list[str]:
    rows: list[tuple[str, str]] = []
    for e in _of(items, "Encounter"):
        start = (e.get("period") or {}).get("start")
        head = f"{_when(start)}  {_text(_first(e.get('type')))}"
        if e.get("status") == "cancelled":
            head += " (cancelled)"
        rows.append((str(start), "\n".join([head, *(f"    {n}" for n in _narrative(e))])))
    for a in _of(items, "Appointment"):
        head = f"{_when(a.get('start'))}  Did not attend (appointment {a.get('status', '')})"
        rows.append((str(a.get("start")), "\n".join([head, *(f"    {n}" for n in _narrative(a))])))
    return [text for _, text in sorted(rows)]


def _notes(items: list[Held]) -> list[str]:
    out = []
    for d in sorted(_of(items, "DocumentReference"), key=lambda d: str(d.get("date", ""))):
        marker = ""
        if d.get("status") == "entered-in-error":
            marker = "  [ENTERED IN ERROR: disregard this note]"
        elif d.get("status") == "superseded":
            marker = "  [superseded by a later version]"
        elif d.get("docStatus") == "amended":
            marker = f"  [amended: {d.get('description', '')}]"
        by = _who(d, "author")
        out.append(
            f"{_when(d.get('date'))}  {_text(d.get('type'))}{f' by {by}' if by else ''}{marker}"
            f"\n{_note_body(d)}"
        )
    return out


def _care_plans(items: list[Held]) -> list[str]:
    out = []
    for plan in _of(items, "CarePlan", status="active"):
        lines = [f"{plan.get('title', 'Care plan')}, agreed {_day(plan.get('created'))}"]
        for activity in plan.get("activity") or []:
            detail = activity.get("detail") or {}
            lines.append(
                f"  - {detail.get('description', '')} [{detail.get('status', '')}] "
                f"{detail.get('scheduledString', '')}".rstrip()
            )
        lines += [f"  {n.get('text', '')}" for n in plan.get("note") or []]
        out.append("\n".join(lines))
    return out


def _signposting(items: list[Held]) -> list[str]:
    out = []
    for r in sorted(_of(items, "ServiceRequest"), key=lambda r: str(r.get("authoredOn", ""))):
        lines = [f"{r.get('authoredOn', '')}  {_text(r.get('code'))}"]
        if r.get("patientInstruction"):
            lines.append(f"  Contact: {r['patientInstruction']}")
        lines += [f"  {n.get('text', '')}" for n in r.get("note") or []]
        out.append("\n".join(lines))
    return out


def _has_snomed(concept: Any) -> bool:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(c.get("system") == SNOMED_SYSTEM for c in codings or [])


def _uncoded(items: list[Held]) -> list[str]:
    out = []
    for o in sorted(_of(items, "Observation"), key=lambda o: str(o.get("effectiveDateTime", ""))):
        if _has_snomed(o.get("code")) or o.get("status") == "entered-in-error":
            continue
        value = o.get("valueString", o.get("valueInteger", ""))
        out.append(f"{_day(o.get('effectiveDateTime'))}  {_text(o.get('code'))}: {value}")
    return out


def _withdrawn(items: list[Held]) -> list[str]:
    out = []
    for o in _of(items, "Observation", status="entered-in-error"):
        codes = [c.get("code", "") for c in (o.get("code") or {}).get("coding") or []]
        note = " ".join(str(n.get("text", "")) for n in o.get("note") or [])
        out.append(
            f"{_day(o.get('effectiveDateTime'))}  {_text(o.get('code'))}"
            f"{' (' + ', '.join(codes) + ')' if codes else ''}  {note}".rstrip()
        )
    return out


def _due(everything: list[Held]) -> list[str]:
    out = []
    for plan in _of(everything, "CarePlan", status="active"):
        out += [
            f"Care plan review: {str(n.get('text', '')).removeprefix('Review on ')}"
            for n in plan.get("note") or []
            if str(n.get("text", "")).startswith("Review on ")
        ]
    for e in _of(everything, "Encounter"):
        out += [
            f"Follow-up: {n.removeprefix('Follow up on ')}"
            for n in _narrative(e)
            if n.startswith("Follow up on ")
        ]
    checks = [
        row.date
        for row in coded_entries(_of(everything, "Observation"))
        if row.snomed in PHC_CODES and row.date
    ]
    if checks:
        last = date.fromisoformat(max(checks))
        due = add_months(last, 12)
        out.append(f"SMI physical health check: last element recorded {last}, next due by {due}")
    return sorted(set(out))


def letter_text(letter: Letter) -> str:
    """The letter as plain text (the inbox screen's preview; the PDF says the same)."""
    lines = [
        f"Practice: {letter.practice}",
        f"Patient: {letter.name}   NHS number: {format_nhs(letter.nhs_number) or 'not recorded'}",
        f"Date of birth: {letter.born}"
        + (f"   Address: {letter.address}" if letter.address else ""),
        f"From: {letter.facilitator}, {letter.service} (device {letter.device})",
        f"Period covered: {letter.period}",
        "",
        "RISK AND ALERTS",
        *(f"  ! {line}" for line in letter.risks or ["None recorded"]),
        "",
        "CODES TO ADD TO THE RECORD",
        *(f"  {r.date}  {r.snomed}  {r.term}  {r.value} {r.unit}".rstrip() for r in letter.codes),
    ]
    if not letter.codes:
        lines.append("  None")
    for title, entries in letter.sections:
        lines += [
            "",
            title.upper(),
            *(f"  {line}" for entry in entries for line in entry.splitlines()),
        ]
        if not entries:
            lines.append("  None")
    return "\n".join(lines) + "\n"
