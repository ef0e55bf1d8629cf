"""The signed manifest of a sync file, as a strict model: every field of the expected JSON
type (no bool for an int, no float, no extra fields), in the form it is used in (file
names, messages, the store), whoever signed it.

A validation error never repeats the value it rejected: the manifest is hostile until its
signer is known to be enrolled.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mhf_tui.sync.package import FORMAT_NAME, FORMAT_VERSION, SyncError, canonical_json

#: fits SQLite's 64-bit integers with room
MAX_INT = 2**62
#: the resource types a sync bundle may hold (the store refuses anything else)
ResourceType = Literal[
    "Patient",
    "Encounter",
    "Appointment",
    "Practitioner",
    "Organization",
    "DocumentReference",
    "CarePlan",
    "ServiceRequest",
    "Observation",
    "QuestionnaireResponse",
    "Provenance",
]
RESOURCE_TYPES: tuple[str, ...] = get_args(ResourceType)

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
#: an ODS code and a device id name the ack file, so both are checked wherever one is built
OdsCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{3,10}$")]
DeviceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class SyncManifest(BaseModel):
    """`manifest.json`. `audit_count`/`audit_head` are the head of the facilitator's audit
    hash chain when the file was made: the practice refuses a later file whose count is
    lower, so a trail cut short between exports leaves evidence at the practice."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    format: Literal["mhf-sync"]  # package.FORMAT_NAME
    format_version: Literal[1]  # package.FORMAT_VERSION
    device_id: DeviceId
    device_public_key: Hex64
    facilitator: Annotated[str, Field(max_length=200)] = ""
    practice_ods: OdsCode
    sequence: Annotated[int, Field(ge=1, le=MAX_INT)]
    change_seq_from: Count
    change_seq_to: Count
    previous_manifest_sha256: Hex64 | None = None
    created_at: Annotated[str, Field(max_length=40)]
    counts: dict[str, Count]
    withheld_objection: Count = 0
    bundle_sha256: Hex64
    ack_key: Hex64
    audit_count: Count
    audit_head: Hex64

    @model_validator(mode="after")
    def _consistent(self) -> SyncManifest:
        if self.change_seq_from > self.change_seq_to + 1:
            raise ValueError("change range")
        if not set(self.counts) <= set(RESOURCE_TYPES) or sum(self.counts.values()) == 0:
            raise ValueError("counts")
        return self

    def to_json_bytes(self) -> bytes:
        """The canonical bytes that are signed."""
        return canonical_json(self.model_dump(mode="json"))


def parse_manifest(data: bytes) -> SyncManifest:
    """The manifest, or a SyncError naming the first bad field (never its value)."""
    try:
        raw: Any = json.loads(data)
    except (ValueError, RecursionError):
        raise SyncError("manifest.json is not valid JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise SyncError("not an mhf sync file (manifest format)")
    if raw.get("format_version") != FORMAT_VERSION:
        version = raw.get("format_version")
        shown = version if type(version) is int else "?"
        raise SyncError(
            f"unsupported sync format version {shown} (this mhf reads {FORMAT_VERSION})"
        )
    try:
        return SyncManifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"][:1]) or "(whole manifest)"
        raise SyncError(f"manifest field {where[:40]!r} is missing or malformed") from None
