"""Who the facilitator's sync files say they come from, beyond their name: a professional
registration (e.g. `NMC 12A3456E`, sent as the Practitioner's identifier) and the service
(the Organization, with its ODS code when it has one). Kept in the caseload's settings;
every change is audited."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlmodel import Session

from mhf_tui.db.tables import Setting
from mhf_tui.errors import ValidationError
from mhf_tui.safe_text import has_control
from mhf_tui.services.audit import record_event

KEYS = {
    "registration": "facilitator_registration",
    "service": "service_name",
    "service_ods": "service_ods",
}
_ORG_CODE = re.compile(r"[A-Z0-9]{3,10}")
MAX_TEXT = 120


@dataclass(frozen=True)
class Profile:
    registration: str = ""
    service: str = ""
    service_ods: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def read_profile(session: Session) -> Profile:
    values = {}
    for field, key in KEYS.items():
        row = session.get(Setting, key)
        values[field] = row.value if row else ""
    return Profile(**values)


def _clean(field: str, value: str) -> str:
    text = value.strip()
    if has_control(text) or len(text) > MAX_TEXT:
        raise ValidationError(f"{field}: one line of at most {MAX_TEXT} characters")
    if field == "service_ods" and text:
        text = text.upper()
        if not _ORG_CODE.fullmatch(text):
            raise ValidationError("service ODS code: 3 to 10 letters and digits")
    return text


def set_profile(session: Session, *, actor: str, **changes: str | None) -> Profile:
    """Set the fields given (an empty value clears one); all checked before any is set."""
    clean = {f: _clean(f, v) for f, v in changes.items() if v is not None and f in KEYS}
    for field, value in clean.items():
        row = session.get(Setting, KEYS[field]) or Setting(key=KEYS[field], value="")
        row.value = value
        session.add(row)
    if clean:
        record_event(
            session, actor=actor, action="update", entity="setting",
            detail="sync profile: " + ",".join(sorted(clean)),
        )  # fmt: skip
    return read_profile(session)
