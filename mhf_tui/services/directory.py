"""The service directory: where patients can be signposted.

A small national set ships with mhf (`mhf_tui/data/national_services.csv`, each entry
marked with the date it was last checked) and is seeded into every new caseload; local
services are imported and exported as CSV. An entry is identified by name and area.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlmodel import Session, col, select
from sqlmodel.main import SQLModelConfig

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Service
from mhf_tui.db.tables.core import ServiceBase
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.audited import apply_changes, audited_add
from mhf_tui.services.csv_input import CsvImportError, by_line, read_csv, write_csv
from mhf_tui.services.validation import (
    normalise_service_phone,
    optional_date,
    optional_text,
    required_text,
)

CATEGORIES = (
    "crisis",
    "iapt",
    "cmht",
    "information",
    "housing",
    "debt",
    "employment",
    "peer_support",
    "carers",
    "drugs_alcohol",
    "social_prescribing",
    "physical_health",
    "other",
)
REFERRAL_ROUTES = ("self", "gp", "professional")
#: the directory CSV's columns: an entry's fields as given
CSV_COLUMNS = tuple(ServiceBase.model_fields)
NATIONAL_CSV = "national_services.csv"


class ServiceCreate(ServiceBase):
    """An entry as given (a CSV row: every cell text); `_clean` checks it, one rule after
    another, and gives the values to store."""

    model_config = SQLModelConfig(frozen=True, hide_input_in_errors=True)
    how_to_refer: str = "self"
    #: as typed (YYYY-MM-DD) until `_clean` makes it a date
    checked_on: date | str | None = None  # type: ignore[assignment]


class ServiceRead(ServiceBase):
    model_config = SQLModelConfig(frozen=True, hide_input_in_errors=True)
    id: uuid.UUID
    national: bool
    active: bool

    @classmethod
    def from_row(cls, row: Service) -> ServiceRead:
        return cls.model_validate(row)


def _clean(data: ServiceCreate) -> dict[str, object]:
    category = (data.category or "").strip().lower().replace(" ", "_").replace("-", "_")
    if category not in CATEGORIES:
        raise ValidationError("category must be one of " + ", ".join(CATEGORIES))
    routes = [r.strip().lower() for r in (data.how_to_refer or "").split(",") if r.strip()]
    if not routes or any(r not in REFERRAL_ROUTES for r in routes):
        raise ValidationError("how_to_refer must list some of " + ", ".join(REFERRAL_ROUTES))
    web = optional_text(data.web, "web", max_length=300, one_line=True)
    if web and not web.startswith(("https://", "http://")):
        raise ValidationError("web must start with https://")
    return {
        "name": required_text(data.name, "service name", max_length=200),
        "category": category,
        "how_to_refer": ",".join(dict.fromkeys(routes)),
        "phone": normalise_service_phone(data.phone),
        "text_number": normalise_service_phone(data.text_number, "text number"),
        "web": web,
        "area": optional_text(data.area, "area", max_length=200, one_line=True),
        "opening_hours": optional_text(
            data.opening_hours, "opening hours", max_length=300, one_line=True
        ),
        "notes": optional_text(data.notes, "notes", max_length=2000),
        "checked_on": optional_date(data.checked_on, "checked_on"),
    }


def _existing(session: Session, name: str, area: str) -> Service | None:
    return session.exec(select(Service).where(Service.name == name, Service.area == area)).first()


def add_service(
    session: Session, *, actor: str, data: ServiceCreate, national: bool = False
) -> ServiceRead:
    clean = _clean(data)
    if _existing(session, str(clean["name"]), str(clean["area"])):
        raise ValidationError("a service with this name and area is already in the directory")
    row = Service(**clean, national=national)  # type: ignore[arg-type]
    audited_add(session, row, actor=actor, action="create", entity="service")
    return ServiceRead.from_row(row)


def list_services(
    session: Session,
    *,
    query: str = "",
    category: str | None = None,
    include_inactive: bool = False,
) -> list[ServiceRead]:
    """Entries by name; `query` matches words of name, category, area and notes."""
    stmt = select(Service).order_by(col(Service.name), col(Service.area))
    if category:
        stmt = stmt.where(Service.category == category)
    if not include_inactive:
        stmt = stmt.where(col(Service.active).is_(True))
    rows = [ServiceRead.from_row(r) for r in session.exec(stmt)]
    words = query.lower().split()
    if words:
        rows = [
            r
            for r in rows
            if all(
                w in f"{r.name} {r.category} {r.area} {r.notes} {r.how_to_refer}".lower()
                for w in words
            )
        ]
    return rows


def find_service(session: Session, *, name_or_id: str) -> ServiceRead:
    """By id, exact name (case-insensitive), or a unique name prefix."""
    text = (name_or_id or "").strip()
    try:
        row = session.get(Service, uuid.UUID(text))
        if row is not None:
            return ServiceRead.from_row(row)
    except ValueError:
        pass
    services = list_services(session, include_inactive=True)
    exact = [s for s in services if s.name.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    prefix = exact or [s for s in services if s.name.lower().startswith(text.lower())]
    if len(prefix) == 1:
        return prefix[0]
    if not prefix:
        raise MhfError("no service of that name in the directory (see `mhf directory list`)")
    raise MhfError(f"{len(prefix)} services match that name; use the id from `mhf directory list`")


@dataclass(frozen=True)
class DirectoryImportResult:
    added: int
    updated: int
    unchanged: int


def import_services_csv(
    session: Session, *, actor: str, text: str, national: bool = False
) -> DirectoryImportResult:
    """All or nothing: every bad line is reported and nothing changes. A row whose name
    and area are already in the directory updates that entry."""
    rows, problems = read_csv(text, required=("name", "category"), optional=CSV_COLUMNS[2:])
    cleaned: list[tuple[int, dict[str, object]]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        try:
            clean = _clean(ServiceCreate(**cells))
        except ValidationError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = (str(clean["name"]), str(clean["area"]))
        if key in seen:
            problems.append(f"line {line}: repeats the service on line {seen[key]}")
            continue
        seen[key] = line
        cleaned.append((line, clean))
    if problems:
        raise CsvImportError(by_line(problems))
    added = updated = unchanged = 0
    for _line, clean in cleaned:
        row = _existing(session, str(clean["name"]), str(clean["area"]))
        if row is None:
            row = Service(**clean, national=national)  # type: ignore[arg-type]
            added += 1
        else:
            if not apply_changes(row, clean):
                unchanged += 1
                continue
            updated += 1
        session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="import",
        entity="service",
        detail=f"added={added},updated={updated},unchanged={unchanged}",
    )
    return DirectoryImportResult(added, updated, unchanged)


def export_services_csv(session: Session, *, actor: str) -> str:
    services = list_services(session, include_inactive=False)
    body = write_csv(
        CSV_COLUMNS,
        [
            [
                s.name,
                s.category,
                s.how_to_refer,
                s.phone,
                s.text_number,
                s.web,
                s.area,
                s.opening_hours,
                s.notes,
                s.checked_on.isoformat() if s.checked_on else "",
            ]
            for s in services
        ],
    )
    record_event(
        session, actor=actor, action="export", entity="service", detail=f"rows={len(services)}"
    )
    return body


def national_directory_csv() -> str:
    return (resources.files("mhf_tui") / "data" / NATIONAL_CSV).read_text(encoding="utf-8")


def seed_national_directory(caseload: Caseload) -> None:
    """ON_CREATE hook: every new caseload starts with the national set."""
    with caseload.session() as session:
        import_services_csv(
            session, actor=caseload.actor, text=national_directory_csv(), national=True
        )
