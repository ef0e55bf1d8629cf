"""The shape every received resource must have before the store takes it.

Only the resource types a sync bundle carries are accepted, and every field the store or a
view reads has the JSON type it is read as (present fields only: FHIR leaves most out).
So `mhf inbox show` and the other views can read anything stored without failing. The
spec is data: a type is "this JSON type"; a dict is "an object whose listed keys, where
present, have these shapes"; a one-item list is "an array whose items have this shape".
Fields not listed are kept as received and never read.
"""

from __future__ import annotations

import re
from typing import Any

Spec = Any  # type | dict[str, Spec] | list[Spec]

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
NUMBER = (int, float)

_TEXT = {"text": str}
_CODING = {"system": str, "code": str, "display": str}
_CONCEPT = {"text": str, "coding": [_CODING]}
_REFERENCE = {"reference": str, "display": str}
_NOTE = [{"text": str}]
_NARRATIVE = {"status": str, "div": str}
_COMMON: dict[str, Spec] = {"text": _NARRATIVE, "subject": _REFERENCE, "status": str}

SHAPES: dict[str, dict[str, Spec]] = {
    "Patient": {
        "identifier": [{"system": str, "value": str}],
        "name": [{"family": str, "given": [str]}],
        "birthDate": str,
        "gender": str,
        "address": [{"text": str, "postalCode": str}],
        "telecom": [{"value": str}],
    },
    "Encounter": {
        "type": [_TEXT],
        "reasonCode": [_TEXT],
        "period": {"start": str},
        "participant": [{"individual": _REFERENCE}],
    },
    "Appointment": {
        "description": str,
        "start": str,
        "reasonCode": [_TEXT],
        "participant": [{"actor": _REFERENCE}],
    },
    "Practitioner": {"name": [{"text": str, "family": str, "given": [str]}]},
    "Organization": {"name": str},
    "DocumentReference": {
        "type": _TEXT,
        "docStatus": str,
        "date": str,
        "author": [_REFERENCE],
        "content": [{"attachment": {"data": str, "contentType": str}}],
    },
    "CarePlan": {
        "title": str,
        "activity": [{"detail": {"description": str, "status": str, "scheduledString": str}}],
        "note": _NOTE,
    },
    "ServiceRequest": {"authoredOn": str, "code": _TEXT, "note": _NOTE},
    "Observation": {
        "code": _CONCEPT,
        "effectiveDateTime": str,
        "valueQuantity": {"value": NUMBER, "unit": str, "code": str},
        "valueString": str,
        "valueInteger": int,
        "component": [{"code": _CONCEPT, "valueQuantity": {"value": NUMBER, "unit": str}}],
        "note": _NOTE,
    },
    "QuestionnaireResponse": {
        "authored": str,
        "item": [{"linkId": str, "text": str, "answer": [{"valueInteger": int}]}],
    },
    "Provenance": {"target": [_REFERENCE]},
}


#: each type's spec with the common fields, merged once
_SPECS = {kind: _COMMON | spec for kind, spec in SHAPES.items()}


def _fits(value: Any, spec: Spec) -> bool:
    """Loops rather than `all(...)`: this runs for every field of every resource."""
    if type(spec) is dict:
        if type(value) is not dict:
            return False
        for key, sub in spec.items():
            if key in value and not _fits(value[key], sub):
                return False
        return True
    if type(spec) is list:
        if type(value) is not list:
            return False
        for item in value:
            if not _fits(item, spec[0]):
                return False
        return True
    if type(value) is bool:
        return spec is bool
    return isinstance(value, spec)


def shape_problem(resource: Any) -> str | None:
    """None if the store may take `resource`, else what is wrong (no values quoted)."""
    if not isinstance(resource, dict):
        return "an entry's resource is not an object"
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or kind not in SHAPES:
        return "a resource of a type the inbox does not take"
    rid = resource.get("id")
    if not isinstance(rid, str) or not FHIR_ID.fullmatch(rid):
        return f"a {kind} without a valid id"
    for key, sub in _SPECS[kind].items():
        if key in resource and not _fits(resource[key], sub):
            return f"a {kind} whose {key!r} is malformed"
    return None
