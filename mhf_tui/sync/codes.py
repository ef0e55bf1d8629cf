"""The coded entries a practice adds to its record, read from what the inbox holds.

Every Observation with a SNOMED CT code (a blood pressure gives one row per component, a
PHQ-9/GAD-7 score its total), plus a review completion that has a code of its own (a
medication review, recognised by its answers' category). The same rows feed the letters'
"Codes to add to the record" table, the CSV for practices that bulk-enter codes, and the
QOF view. Entries withdrawn as entered in error are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mhf_tui.safe_text import neutralise
from mhf_tui.services.csv_input import write_csv
from mhf_tui.sync.terminology import REVIEW_COMPLETION_CODES, SNOMED_SYSTEM, snomed_term

Resource = dict[str, Any]
CSV_HEADER = ("nhs_number", "date", "snomed_code", "term", "value", "unit", "source")
#: the Observation category text a review's answers carry -> the review's template id
_REVIEW_CATEGORIES = {t.replace("_", " "): t for t in REVIEW_COMPLETION_CODES}


@dataclass(frozen=True, order=True)
class CodeRow:
    """One entry for the record: date, SNOMED CT concept id, preferred term, value, unit,
    and the resource it came from (`Observation/<id>`)."""

    date: str
    snomed: str
    term: str
    value: str
    unit: str
    source: str


def _snomed(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == SNOMED_SYSTEM:
            return str(coding.get("code", ""))
    return ""


def _term(concept: Any, code: str) -> str:
    term = snomed_term(code)
    if term or not isinstance(concept, dict):
        return term
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and coding.get("code") == code and coding.get("display"):
            return str(coding["display"])
    return str(concept.get("text", ""))


def _value(element: dict[str, Any]) -> tuple[str, str]:
    quantity = element.get("valueQuantity")
    if isinstance(quantity, dict):
        value = quantity.get("value", "")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value), str(quantity.get("code") or quantity.get("unit") or "")
    for key in ("valueInteger", "valueString"):
        if key in element:
            return str(element[key]), ""
    return "", ""


def observation_rows(o: Resource) -> list[CodeRow]:
    """The coded rows of one Observation (none if it was entered in error)."""
    if o.get("status") == "entered-in-error":
        return []
    when = str(o.get("effectiveDateTime", ""))[:10]
    source = f"Observation/{o.get('id', '')}"
    rows = []
    components = [c for c in o.get("component") or [] if isinstance(c, dict)]
    parts = [c for c in components if _snomed(c.get("code"))] or [o]
    for part in parts:
        code = _snomed(part.get("code"))
        if not code or ("dataAbsentReason" in part and part is not o):
            continue
        value, unit = _value(part)
        rows.append(CodeRow(when, code, _term(part.get("code"), code), value, unit, source))
    return rows


def completion_rows(observations: Iterable[Resource]) -> list[CodeRow]:
    """A review whose completion has its own code, once per day its answers were taken."""
    seen: dict[tuple[str, str], CodeRow] = {}
    for o in observations:
        if o.get("status") == "entered-in-error":
            continue
        for category in o.get("category") or []:
            template = _REVIEW_CATEGORIES.get(str((category or {}).get("text", "")))
            if template is None:
                continue
            code = REVIEW_COMPLETION_CODES[template]
            when = str(o.get("effectiveDateTime", ""))[:10]
            source = f"Observation/{o.get('id', '')}"
            seen.setdefault((when, code), CodeRow(when, code, snomed_term(code), "", "", source))
    return list(seen.values())


def coded_entries(resources: Iterable[Resource]) -> list[CodeRow]:
    """Every coded row in these resources, by date then code."""
    observations = [r for r in resources if r.get("resourceType") == "Observation"]
    rows = [row for o in observations for row in observation_rows(o)]
    return sorted(rows + completion_rows(observations))


def codes_csv(rows: Iterable[tuple[str, CodeRow]]) -> str:
    """(NHS number, row) pairs as CSV with the exact header; every cell made formula-safe."""
    return write_csv(
        CSV_HEADER,
        [
            [
                neutralise(cell, multiline=False)
                for cell in (nhs, row.date, row.snomed, row.term, row.value, row.unit, row.source)
            ]
            for nhs, row in rows
        ],
    )
