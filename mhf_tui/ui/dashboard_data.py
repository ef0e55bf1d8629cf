"""What the dashboard lists, gathered from the services in one unit of work.

Each section is a function `(session, today) -> DashSection | None`; a feature area adds
its own by appending to `SECTIONS` (e.g. reviews due), without touching the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from mhf_tui.ui.screens.dashboard import DashLine, DashSection
from mhf_tui.ui.widgets.item9 import item9_section
from mhf_tui.ui.widgets.reviews_tab import reviews_due_section

if TYPE_CHECKING:
    from sqlmodel import Session

SectionFn = Callable[["Session", date], "DashSection | None"]


def _when(due: date, today: date) -> str:
    if due == today:
        return "today"
    days = (today - due).days
    return f"{days} day{'s' if days != 1 else ''} overdue" if days > 0 else f"{due:%d %b}"


def follow_ups(session: Session, today: date) -> DashSection:
    from mhf_tui.services.followups import follow_ups_due

    lines = [
        DashLine(
            f"{f.patient_name:<24.24} {f.label:<26.26} {_when(f.due_on, today)}",
            f.patient_id,
            tab="contacts" if f.kind == "contact" else "careplan",
            urgent=f.overdue,
        )
        for f in follow_ups_due(session, today=today)
        if f.kind != "signposting"
    ]
    return DashSection("Follow-ups due today or overdue", lines)


def signposting(session: Session, today: date) -> DashSection:
    from mhf_tui.services.followups import follow_ups_due

    lines = [
        DashLine(
            f"{f.patient_name:<24.24} {f.label.removeprefix('Signposting: '):<26.26} "
            f"{_when(f.due_on, today)}",
            f.patient_id,
            tab="signposting",
            urgent=f.overdue,
        )
        for f in follow_ups_due(session, today=today)
        if f.kind == "signposting"
    ]
    return DashSection("Signposting awaiting follow-up", lines)


#: the "coming up" section looks this many days ahead (today itself is in the sections above)
WEEK_AHEAD = 7


def coming_up(session: Session, today: date) -> DashSection:
    """Follow-ups of every kind (contacts, signposting, care-plan reviews and actions) due
    after today and within the week, soonest first, so the week can be planned."""
    from mhf_tui.services.followups import follow_ups_due

    lines = [
        DashLine(
            f"{f.patient_name:<24.24} {f.label.removeprefix('Signposting: '):<26.26} "
            f"{f.due_on:%a %d %b}",
            f.patient_id,
            tab={"contact": "contacts", "signposting": "signposting"}.get(f.kind, "careplan"),
        )
        for f in sorted(
            follow_ups_due(session, today=today, within_days=WEEK_AHEAD), key=lambda f: f.due_on
        )
        if f.due_on > today
    ]
    return DashSection(f"Coming up in the next {WEEK_AHEAD} days", lines)


def drafts(session: Session, today: date) -> DashSection:
    from mhf_tui.services import drafts as draft_service
    from mhf_tui.services.patients import get_patient

    lines = []
    for d in draft_service.list_drafts(session):
        if d.patient_id is None or d.kind != "note":
            continue
        patient = get_patient(session, patient_id=d.patient_id)
        first_line = (d.text.strip().splitlines() or [""])[0]
        lines.append(
            DashLine(
                f"{patient.display_name:<24.24} draft: {first_line:<40.40}",
                d.patient_id,
                draft_id=d.id,
            )
        )
    return DashSection("Unfinished notes (drafts)", lines)


SECTIONS: list[SectionFn] = [
    item9_section,
    drafts,
    follow_ups,
    signposting,
    coming_up,
    reviews_due_section,
]


def sections(session: Session, *, today: date) -> list[DashSection]:
    out = []
    for fn in SECTIONS:
        section = fn(session, today)
        if section is not None:
            out.append(section)
    return out
