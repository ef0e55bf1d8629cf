"""`mhf person add|edit|remove|list`: carers, next of kin, advocates and others around a
patient, with the patient's consent to contacting them and to sharing with them."""

from __future__ import annotations

import argparse
from typing import Any

from mhf_tui.cli.common import add_json_option, command_group, open_caseload, print_json
from mhf_tui.safe_text import neutralise

#: option -> model field, for the options add and edit share
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


def _given(args: argparse.Namespace) -> dict[str, Any]:
    return {
        field: getattr(args, option)
        for option, field in _FIELDS.items()
        if getattr(args, option) is not None
    }


def _patient_id(session: Any, nhs: str) -> Any:
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs).id


def _line(text: str) -> str:
    return neutralise(text, multiline=False)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def cmd_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.fields import parse_model
    from mhf_tui.services.related_people import RelatedPersonCreate, add_related_person

    data = parse_model(RelatedPersonCreate, _given(args))
    with open_caseload(args) as caseload, caseload.session() as session:
        person = add_related_person(
            session, actor=caseload.actor, patient_id=_patient_id(session, args.nhs), data=data
        )
    print(f"{person.role_label} added (id {str(person.id)[:8]})")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from mhf_tui.services.fields import parse_model
    from mhf_tui.services.related_people import (
        RelatedPersonUpdate,
        edit_related_person,
        find_related_person,
    )

    update = parse_model(RelatedPersonUpdate, _given(args))
    with open_caseload(args) as caseload, caseload.session() as session:
        person = find_related_person(
            session, patient_id=_patient_id(session, args.nhs), ref=args.person
        )
        edit_related_person(session, actor=caseload.actor, person_id=person.id, update=update)
    print(f"Person {str(person.id)[:8]} updated")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from mhf_tui.services.related_people import find_related_person, remove_related_person

    with open_caseload(args) as caseload, caseload.session() as session:
        person = find_related_person(
            session, patient_id=_patient_id(session, args.nhs), ref=args.person
        )
        remove_related_person(session, actor=caseload.actor, person_id=person.id)
    print(f"Person {str(person.id)[:8]} removed")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.related_people import list_related_people

    with open_caseload(args) as caseload, caseload.session() as session:
        pid = _patient_id(session, args.nhs)
        people = list_related_people(session, patient_id=pid)
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="related_person",
            patient_id=pid,
            detail=f"rows={len(people)}",
        )
    if args.json:
        print_json([p.model_dump(mode="json") for p in people])
        return 0
    if not people:
        print("No related people recorded")
    for n, p in enumerate(people, start=1):
        who = ", ".join(x for x in (p.relationship, p.organisation) if x)
        print(f"{n}. {_line(p.name)}  {p.role_label}" + (f" ({_line(who)})" if who else ""))
        recorded = f"recorded {p.consent_on or '-'} by {_line(p.consent_recorded_by) or '-'}"
        print(
            f"   phone {_line(p.phone) or '-'}  "
            f"consents to contact: {_yes_no(p.consent_to_contact)}, "
            f"to sharing: {_yes_no(p.consent_to_share)} ({recorded})  id {str(p.id)[:8]}"
        )
    return 0


def _person_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    from mhf_tui.services.related_people import ROLES

    p.add_argument("--name", required=not editing)
    p.add_argument("--role", help=", ".join(ROLES) + ("" if editing else " (default carer)"))
    p.add_argument("--relationship", help="to the patient: mother, partner, friend...")
    p.add_argument("--organisation")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument(
        "--consent-contact", metavar="yes|no", help="the patient consents to us contacting them"
    )
    p.add_argument(
        "--consent-share", metavar="yes|no", help="the patient consents to sharing with them"
    )
    p.add_argument(
        "--consent-on", metavar="YYYY-MM-DD", help="when consent was given (default today)"
    )
    p.add_argument("--notes")


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    parents = [common, secret]
    person = command_group(
        sub, "person", "carers, next of kin, advocates: add, edit, remove, list", common
    )
    p = person.add_parser("add", parents=parents, help="add a carer, next of kin, advocate...")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    _person_options(p, editing=False)
    p.set_defaults(func=cmd_add)
    p = person.add_parser("edit", parents=parents, help="change a person's details or consent")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument("person", help="number in `person list`, or id")
    _person_options(p, editing=True)
    p.set_defaults(func=cmd_edit)
    p = person.add_parser("remove", parents=parents, help="remove a person no longer involved")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument("person", help="number in `person list`, or id")
    p.set_defaults(func=cmd_remove)
    p = person.add_parser("list", parents=parents, help="a patient's related people (audited)")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    add_json_option(p)
    p.set_defaults(func=cmd_list)
