"""The facilitator's service return: pseudonymised patient-level records for one period,
signed and encrypted to the service's hub (issue 18).

What a return holds, per patient whose episode overlaps the period: a pseudonym (HMAC of
the NHS number under the service key), age band at the period's end, sex, practice ODS
code, care cluster, SMI register flag, episode start and end; and, dated within the period,
contacts (date, mode, minutes, did-not-attend), PHQ-9 and GAD-7 totals with dates, goal-
based outcome scores (goal number, not its wording), physical health check element dates,
and signposting (service name and category from the directory, status, dates). No names,
NHS numbers, dates of birth, addresses, postcodes, phone numbers, notes or other free text.

An episode starts on the earliest of the day the patient was added, their first contact
and their first outcome measure, and ends on discharge.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from mhf_tui.db.store import get_setting, put_setting
from mhf_tui.db.tables import Contact, Patient, Practice, Service, Signposting
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.errors import MhfError
from mhf_tui.paths import private_dirs
from mhf_tui.services.audit import record_event
from mhf_tui.services.contract_year import Quarter
from mhf_tui.services.qof_report import counted_check_answers
from mhf_tui.sync.device import load_device
from mhf_tui.sync.package import parse_recipient, write_atomic
from mhf_tui.sync.pseudonym import key_id, local_pseudonym, parse_service_key, pseudonym
from mhf_tui.sync.returns_package import RETURN_SUFFIX, Period, build_return

RECIPIENT_SETTING = "returns_recipient"
KEY_SETTING = "returns_key"
SEQUENCE_SETTING = "returns_sequence"
AGE_BANDS = ((18, "under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"),
             (65, "55-64"), (75, "65-74"))  # fmt: skip


def parse_period(label: str | None, start: str | None, end: str | None) -> Period:
    """`--period 2026-Q3` (a calendar quarter) or `--from DATE --to DATE`, not both."""
    if label and (start or end):
        raise MhfError("give either --period or --from/--to, not both")
    if label:
        try:
            quarter = Quarter.parse(label)
        except ValueError as exc:
            raise MhfError(str(exc)) from None
        return Period(quarter.start, quarter.end, quarter.label)
    if not (start and end):
        raise MhfError("give --period YYYY-Qn, or both --from and --to")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise MhfError("dates are written YYYY-MM-DD") from None
    if first > last:
        raise MhfError("--from is after --to")
    return Period(first, last, f"{first.isoformat()}_{last.isoformat()}")


def setup_returns(session: Session, *, recipient: str, key_text: str, actor: str) -> None:
    """Keep the hub's recipient and the service key (inside the encrypted caseload)."""
    parse_recipient(recipient)
    key = parse_service_key(key_text)
    put_setting(session, RECIPIENT_SETTING, recipient.strip())
    put_setting(session, KEY_SETTING, key.hex())
    record_event(session, actor=actor, action="update", entity="returns_setup", detail=key_id(key))


def age_band(born: date, on: date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((band for limit, band in AGE_BANDS if age < limit), "75+")


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _first_dates(session: Session, model: Any, column: Any) -> dict[uuid.UUID, date]:
    stmt = sa_select(col(model.patient_id), func.min(column)).group_by(col(model.patient_id))
    rows = session.execute(stmt)
    return {pid: _day(first) for pid, first in rows}


def _health_check_dates(session: Session, period: Period) -> dict[uuid.UUID, set[tuple[str, str]]]:
    """Current answers (newest version, not withdrawn, review not abandoned) that count
    towards a physical health check element, observed within the period."""
    stmt = (
        sa_select(
            col(ReviewAnswer.patient_id), col(ReviewAnswer.check), col(ReviewAnswer.observed_on)
        )
        .join(Review, col(Review.id) == col(ReviewAnswer.review_id))
        .where(
            *counted_check_answers(),
            col(ReviewAnswer.observed_on).between(period.start, period.end),
        )
    )
    out: dict[uuid.UUID, set[tuple[str, str]]] = defaultdict(set)
    for pid, check, on in session.execute(stmt):
        out[pid].add((check, on.isoformat()))
    return out


def _events(session: Session, period: Period) -> dict[str, dict[uuid.UUID, list[Any]]]:
    """Per patient, each kind of event dated within the period (already in return form)."""
    ev: dict[str, dict[uuid.UUID, list[Any]]] = defaultdict(lambda: defaultdict(list))
    start = datetime.combine(period.start, datetime.min.time(), UTC)
    end = datetime.combine(period.end, datetime.max.time(), UTC)
    contacts = sa_select(
        col(Contact.patient_id),
        col(Contact.occurred_at),
        col(Contact.mode),
        col(Contact.duration_minutes),
    ).where(col(Contact.occurred_at).between(start, end))
    for pid, at, mode, minutes in session.execute(contacts.order_by(col(Contact.occurred_at))):
        ev["contacts"][pid].append([_day(at).isoformat(), mode, minutes, mode == "dna"])
    goal_numbers: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    measures = sa_select(
        col(OutcomeMeasure.patient_id),
        col(OutcomeMeasure.measure),
        col(OutcomeMeasure.taken_on),
        col(OutcomeMeasure.total),
        col(OutcomeMeasure.goal_id),
    ).order_by(col(OutcomeMeasure.taken_on), col(OutcomeMeasure.created_at))
    for pid, measure, on, total, goal in session.execute(measures):
        if measure == "gbo":  # numbered in order of first score, the same in every period
            numbers = goal_numbers[pid]
            number = numbers.setdefault(goal, len(numbers) + 1)
            if on in period:
                ev["gbo"][pid].append([on.isoformat(), number, total])
        elif measure in ("phq9", "gad7") and on in period:
            ev[measure][pid].append([on.isoformat(), total])
    for pid, checks in _health_check_dates(session, period).items():
        ev["health_checks"][pid] = [list(c) for c in sorted(checks)]
    signposts = (
        sa_select(
            col(Signposting.patient_id),
            col(Service.name),
            col(Service.category),
            col(Signposting.status),
            col(Signposting.signposted_on),
            col(Signposting.updated_at),
        )
        .join(Service, col(Service.id) == col(Signposting.service_id))
        .where(col(Signposting.signposted_on).between(period.start, period.end))
        .order_by(col(Signposting.signposted_on))
    )
    for pid, name, category, status, on, updated in session.execute(signposts):
        ev["signposting"][pid].append(
            [name, category, status, on.isoformat(), _day(updated).isoformat()]
        )
    return ev


EVENT_KINDS = ("contacts", "phq9", "gad7", "gbo", "health_checks", "signposting")


def collect_records(
    session: Session, *, key: bytes, device_id: str, period: Period
) -> tuple[dict[str, Any], dict[str, int]]:
    """The return's records and their counts, for patients whose episode overlaps."""
    firsts = [
        _first_dates(session, Contact, Contact.occurred_at),
        _first_dates(session, OutcomeMeasure, OutcomeMeasure.taken_on),
    ]
    events = _events(session, period)
    stmt = sa_select(
        col(Patient.id),
        col(Patient.nhs_number),
        col(Patient.date_of_birth),
        col(Patient.sex),
        col(Patient.care_cluster),
        col(Patient.smi_register),
        col(Patient.created_at),
        col(Patient.discharged_on),
        col(Practice.ods_code),
    ).join(Practice, col(Practice.id) == col(Patient.practice_id))
    patients: list[dict[str, Any]] = []
    counts = dict.fromkeys(("patients", *EVENT_KINDS), 0)
    for pid, nhs, born, sex, cluster, smi, created, discharged, ods in session.execute(stmt):
        start = min([_day(created), *(f[pid] for f in firsts if pid in f)])
        if start > period.end or (discharged is not None and discharged < period.start):
            continue
        record: dict[str, Any] = {
            "pseudonym": pseudonym(key, nhs) if nhs else local_pseudonym(key, device_id, str(pid)),
            "age_band": age_band(born, period.end),
            "sex": sex,
            "practice_ods": ods,
            "care_cluster": cluster,
            "smi": bool(smi),
            "episode_start": start.isoformat(),
            "episode_end": discharged.isoformat() if discharged else None,
        }
        for kind in EVENT_KINDS:
            record[kind] = events[kind].get(pid, [])
            counts[kind] += len(record[kind])
        patients.append(record)
    counts["patients"] = len(patients)
    patients.sort(key=lambda r: (r["pseudonym"], r["episode_start"]))
    return {"patients": patients}, counts


@dataclass(frozen=True)
class ReturnResult:
    path: Path
    period: Period
    sequence: int
    counts: dict[str, int]


def export_return(session: Session, *, period: Period, out_dir: Path, actor: str) -> ReturnResult:
    """Write this device's return for the period (re-exporting replaces it at the hub)."""
    recipient_text = get_setting(session, RECIPIENT_SETTING)
    key_hex = get_setting(session, KEY_SETTING)
    if not recipient_text or not key_hex:
        raise MhfError("returns are not set up on this device: run `mhf returns setup` first")
    key = bytes.fromhex(key_hex)
    device = load_device(session)
    records, counts = collect_records(session, key=key, device_id=device.device_id, period=period)
    sequence = int(get_setting(session, SEQUENCE_SETTING) or "0") + 1
    ciphertext = build_return(
        records,
        device=device,
        recipient=parse_recipient(recipient_text),
        period=period,
        sequence=sequence,
        key_id=key_id(key),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=counts,
    )
    try:
        private_dirs(out_dir)
    except OSError as exc:
        raise MhfError(f"cannot create {out_dir} ({exc.strerror})") from None
    path = out_dir / f"return-{period.label}-{device.device_id[:8]}-{sequence}{RETURN_SUFFIX}"
    write_atomic(path, ciphertext)
    put_setting(session, SEQUENCE_SETTING, str(sequence))
    record_event(
        session, actor=actor, action="export", entity="service_return", detail=period.label
    )
    return ReturnResult(path, period, sequence, counts)
