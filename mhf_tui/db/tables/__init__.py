"""All tables. Importing this module registers every table on `SQLModel.metadata`.

Feature areas keep their tables in their own module here and are imported below.
"""

# Feature areas' tables: each module registers its own on SQLModel.metadata.
from mhf_tui.db.tables import reviews, sync  # noqa: F401
from mhf_tui.db.tables.base import Row, utcnow
from mhf_tui.db.tables.care import CarePlan, RelatedPerson
from mhf_tui.db.tables.core import (
    AuditEvent,
    ChangeCounter,
    Contact,
    Draft,
    Note,
    Patient,
    Practice,
    Service,
    Setting,
    Signposting,
)

__all__ = [
    "AuditEvent",
    "CarePlan",
    "ChangeCounter",
    "Contact",
    "Draft",
    "Note",
    "Patient",
    "Practice",
    "RelatedPerson",
    "Row",
    "Service",
    "Setting",
    "Signposting",
    "utcnow",
]
