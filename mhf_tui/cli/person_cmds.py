"""`mhf person add|edit|remove|list`: carers, next of kin, advocates and others around a
patient, with the patient's consent to contacting them and to sharing with them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mhf_tui.cli.argtypes import iso_date, nhs_number, yes_no
from mhf_tui.cli.common import on_patient, patient_id, patient_records, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Arg, Commands, arg, args
from mhf_tui.safe_text import neutralise

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mhf_tui.db.store import Caseload
    from mhf_tui.services.related_people import RelatedPersonPublic

M = TypeVar("M", bound="BaseModel")

cli = Commands()
cli.group("person", "carers, next of kin, advocates: add, edit, remove, list")
register = cli.register

#: option dest -> model field, for the options add and edit share
_FIELDS = {
    "name": "name",
    "role": "role",
    "relationship": "relationship",
    "organisation": "organisation",
    "phone": "phone",
    "email": "email",
    "consent_contact": "consent_to_contact",
    "consent_share": "consent_to_share",
    "consent_on": "consent_on",
    "notes": "notes",
}
NHS = arg("--nhs", required=True, type=nhs_number, help="the patient's NHS number")
PERSON = arg("person", help="number in `person list`, or id")


def _details(*, adding: bool) -> tuple[Arg, ...]:
    from mhf_tui.services.related_people import ROLES

    return (
        arg("--name", required=adding),
        arg("--role", help=", ".join(ROLES) + (" (default carer)" if adding else "")),
        arg("--relationship", help="to the patient: mother, partner, friend..."),
        arg("--organisation"),
        arg("--phone"),
        arg("--email"),
        arg("--consent-contact", type=yes_no, metavar="yes|no",
            help="the patient consents to us contacting them"),
        arg("--consent-share", type=yes_no, metavar="yes|no",
            help="the patient consents to sharing information with them"),
        arg("--consent-on", type=iso_date, metavar="YYYY-MM-DD",
            help="when consent was given (default today)"),
        arg("--notes"),
    )  # fmt: skip


def _given(ns: argparse.Namespace, model: type[M]) -> M:
    """The details given on the command line, checked as `model` (a create or an update)."""
    from mhf_tui.services.fields import parse_model

    given = {
        field: getattr(ns, dest) for dest, field in _FIELDS.items() if getattr(ns, dest) is not None
    }
    return parse_model(model, given)


def _line(text: str) -> str:
    return neutralise(text, multiline=False)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@cli.command("person add", help="add a carer, next of kin, advocate...")
@NHS
@args(*_details(adding=True))
@with_caseload
def person_add(ns: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.related_people import RelatedPersonCreate, add_related_person

    person = on_patient(ns, caseload, add_related_person, data=_given(ns, RelatedPersonCreate))
    print(f"{person.role_label} added (id {str(person.id)[:8]})")
    return 0


def _on_person(
    ns: argparse.Namespace, caseload: Caseload, change: Callable[..., object], **fields: Any
) -> RelatedPersonPublic:
    """A change to the patient's person PERSON names, by the facilitator."""
    from mhf_tui.services.related_people import find_related_person

    with caseload.session() as session:
        pid = patient_id(session, ns.nhs)
        person = find_related_person(session, patient_id=pid, ref=ns.person)
        change(session, actor=caseload.actor, person_id=person.id, **fields)
    return person


@cli.command("person edit", help="change a person's details or consent")
@NHS
@PERSON
@args(*_details(adding=False))
@with_caseload
def person_edit(ns: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.related_people import RelatedPersonUpdate, edit_related_person

    update = _given(ns, RelatedPersonUpdate)
    person = _on_person(ns, caseload, edit_related_person, update=update)
    print(f"Person {str(person.id)[:8]} updated")
    return 0


@cli.command("person remove", help="remove a person no longer involved")
@NHS
@PERSON
@with_caseload
def person_remove(ns: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.related_people import remove_related_person

    person = _on_person(ns, caseload, remove_related_person)
    print(f"Person {str(person.id)[:8]} removed")
    return 0


@cli.command("person list", help="a patient's related people (audited)", json=True)
@NHS
@with_caseload
def person_list(ns: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.related_people import list_related_people

    people = patient_records(ns, caseload, "related_person", list_related_people)
    numbered = {p.id: n for n, p in enumerate(people, start=1)}

    def lines(p: RelatedPersonPublic) -> list[str]:
        return _person_lines(numbered[p.id], p)

    return emit(ns, people, lines=lines, empty="No related people recorded")


def _person_lines(n: int, p: RelatedPersonPublic) -> list[str]:
    who = ", ".join(x for x in (p.relationship, p.organisation) if x)
    recorded = f"recorded {p.consent_on or '-'} by {_line(p.consent_recorded_by) or '-'}"
    return [
        f"{n}. {_line(p.name)}  {p.role_label}" + (f" ({_line(who)})" if who else ""),
        f"   phone {_line(p.phone) or '-'}  "
        f"consents to contact: {_yes_no(p.consent_to_contact)}, "
        f"to sharing: {_yes_no(p.consent_to_share)} ({recorded})  id {str(p.id)[:8]}",
    ]
