"""`mhf` commands for practices, patients, notes, contacts, signposting, the directory,
follow-ups and the demo caseload. Thin: parse, open the caseload, call a service, print."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import (
    add_json_option,
    command_group,
    data_dir,
    open_caseload,
    print_json,
)
from mhf_tui.errors import MhfError

ALERTS = ("risk", "safeguarding", "lone_worker", "do_not_text")


def _yes_no(value: str) -> bool:
    text = value.strip().lower()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise argparse.ArgumentTypeError("expected yes or no")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def _local_time(value: str) -> datetime:
    """`YYYY-MM-DD HH:MM` in local time (what the user means), kept as aware UTC."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a time as 'YYYY-MM-DD HH:MM'") from None
    return when if when.tzinfo else when.astimezone()


def _read_text(args: argparse.Namespace, what: str) -> str:
    """The TEXT argument, or the rest of stdin (after the passphrase line when
    --passphrase-stdin was given: the caseload is opened before this is called)."""
    if args.text is not None:
        return str(args.text)
    if sys.stdin.isatty():
        print(f"Type the {what}; finish with Ctrl-D on a new line.", file=sys.stderr)
    return sys.stdin.read()


def _read_file(path: str) -> str:
    from mhf_tui.services.csv_input import decode_csv_bytes

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MhfError(f"cannot read {path}: {exc.strerror}") from None
    return decode_csv_bytes(raw)


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip())


def _audit_view(
    session: Any, actor: str, entity: str, *, patient_id: uuid.UUID | None = None, rows: int
) -> None:
    """Listing records shows them, so it is in the audit trail too (a count, no data)."""
    from mhf_tui.services.audit import record_event

    record_event(
        session,
        actor=actor,
        action="view" if patient_id else "list",
        entity=entity,
        patient_id=patient_id,
        detail=f"rows={rows}",
    )


def _patient_id(session: Any, nhs: str) -> uuid.UUID:
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs).id


# --- practices --------------------------------------------------------------------------


def cmd_practice_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.practices import PracticeCreate, add_practice

    with open_caseload(args) as caseload, caseload.session() as session:
        practice = add_practice(
            session,
            actor=caseload.actor,
            data=PracticeCreate(ods_code=args.ods, name=args.name, recipient=args.recipient),
        )
    print(f"Added practice {practice.ods_code} {practice.name}")
    return 0


def cmd_practice_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.practices import list_practices

    with open_caseload(args) as caseload, caseload.session() as session:
        practices = list_practices(session)
    if args.json:
        print_json(
            [
                {
                    "id": str(p.id),
                    "ods_code": p.ods_code,
                    "name": p.name,
                    "recipient": p.recipient,
                    "patients": p.patient_count,
                    "last_ack_seq": p.last_ack_seq,
                }
                for p in practices
            ]
        )
        return 0
    if not practices:
        print("No practices yet: mhf practice add --ods CODE --name NAME")
        return 0
    _table(
        [
            [p.ods_code, p.name, str(p.patient_count), "yes" if p.recipient else "no"]
            for p in practices
        ],
        ["ODS", "Name", "Patients", "Sync key"],
    )
    return 0


# --- patients ---------------------------------------------------------------------------


def _patient_fields(args: argparse.Namespace) -> dict[str, Any]:
    """Options given on the command line, as PatientCreate field names."""
    mapping = {
        "family": "family_name",
        "given": "given_name",
        "dob": "date_of_birth",
        "practice": "practice_ods",
        "sex": "sex",
        "gender_identity": "gender_identity",
        "pronouns": "pronouns",
        "phone": "phone",
        "phone_alt": "phone_alt",
        "address": "address",
        "postcode": "postcode",
        "preferred_contact": "preferred_contact",
        "usual_gp": "usual_gp",
        "cluster": "care_cluster",
        "smi": "smi_register",
        "cv_risk": "raised_cv_risk",
        "status": "status",
        "alert_note": "alert_note",
        "interpreter": "interpreter_needs",
        "accessibility": "accessibility_needs",
        "share_with_practice": "share_with_practice",
        "objection_reason": "share_objection_reason",
        "decision_date": "share_decision_on",
    }
    values = {
        field: getattr(args, option)
        for option, field in mapping.items()
        if getattr(args, option, None) is not None
    }
    for alert in getattr(args, "alert", None) or []:
        values[f"alert_{alert}"] = True
    for alert in getattr(args, "clear_alert", None) or []:
        values[f"alert_{alert}"] = False
    return values


def cmd_patient_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.patients import PatientCreate, add_patient

    fields = _patient_fields(args)
    with open_caseload(args) as caseload, caseload.session() as session:
        patient = add_patient(
            session,
            actor=caseload.actor,
            data=PatientCreate(nhs_number=args.nhs, **fields),
            allow_possible_duplicate=args.allow_duplicate,
        )
    if args.json:
        print_json(patient.to_json())
    else:
        nhs = patient.nhs_number_formatted or "no NHS number (not yet registered)"
        print(f"Added {patient.display_name}, {nhs}, practice {patient.practice_ods}")
        if not patient.share_with_practice:
            print("Objection to sharing recorded: excluded from sync exports to the practice.")
    return 0


def cmd_patient_edit(args: argparse.Namespace) -> int:
    from mhf_tui.services.patients import edit_patient

    changes = _patient_fields(args)
    if args.new_nhs is not None:
        changes["nhs_number"] = args.new_nhs
    if not changes:
        raise MhfError("nothing to change: give at least one option (see --help)")
    with open_caseload(args) as caseload, caseload.session() as session:
        patient = edit_patient(
            session,
            actor=caseload.actor,
            patient_id=_patient_id(session, args.nhs),
            changes=changes,
            allow_possible_duplicate=args.allow_duplicate,
        )
    if args.json:
        print_json(patient.to_json())
    else:
        print(f"Updated {patient.display_name}")
    return 0


def cmd_patient_show(args: argparse.Namespace) -> int:
    from mhf_tui.services.care_plans import current_care_plan
    from mhf_tui.services.contacts import list_contacts
    from mhf_tui.services.notes import current_notes
    from mhf_tui.services.patients import get_patient_record
    from mhf_tui.services.related_people import list_related_people
    from mhf_tui.services.signposting import list_signposting

    with open_caseload(args) as caseload, caseload.session() as session:
        patient = get_patient_record(
            session, actor=caseload.actor, patient_id=_patient_id(session, args.nhs)
        )
        notes = current_notes(session, patient_id=patient.id)
        contacts = list_contacts(session, patient_id=patient.id)
        plan = current_care_plan(session, patient_id=patient.id)
        signposting = list_signposting(session, patient_id=patient.id)
        people = list_related_people(session, patient_id=patient.id)
    if args.json:
        data = patient.to_json()
        data["counts"] = {
            "notes": len(notes),
            "contacts": len(contacts),
            "signposting": len(signposting),
            "related_people": len(people),
            "care_plan_version": plan.version if plan else None,
        }
        print_json(data)
        return 0
    p = patient
    print(f"{p.display_name}  ({p.pronouns})" if p.pronouns else p.display_name)
    print(f"  NHS number     {p.nhs_number_formatted or 'not yet registered'}")
    print(f"  Born           {p.date_of_birth.isoformat()} (age {p.age()})  Sex {p.sex}")
    print(f"  Practice       {p.practice_ods} {p.practice_name}  GP {p.usual_gp or '-'}")
    cluster = str(p.care_cluster) if p.care_cluster is not None else "-"
    print(f"  Cluster        {cluster}  SMI register {'yes' if p.smi_register else 'no'}")
    print(f"  Status         {p.status}")
    print(f"  Phone          {p.phone or '-'}  Prefers {p.preferred_contact or '-'}")
    print(f"  Address        {p.address or '-'} {p.postcode}")
    if p.alerts:
        print(f"  ALERTS         {', '.join(p.alerts)}  {p.alert_note}")
    if p.interpreter_needs or p.accessibility_needs:
        print(f"  Needs          {p.interpreter_needs} {p.accessibility_needs}".rstrip())
    if p.share_with_practice:
        print("  Sharing        shared with the practice for direct care (default)")
    else:
        print(
            f"  Sharing        OBJECTS to sharing with the practice since "
            f"{p.share_decision_on} (recorded by {p.share_recorded_by}): "
            f"{p.share_objection_reason}. Excluded from sync exports."
        )
    print(
        f"  Records        {len(contacts)} contacts, {len(notes)} notes, "
        f"{len(signposting)} signposting, {len(people)} related people, "
        f"care plan {'v' + str(plan.version) if plan else 'none'}"
    )
    return 0


def cmd_patient_access(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import patient_access_history, record_event

    with open_caseload(args) as caseload, caseload.session() as session:
        patient_id = _patient_id(session, args.nhs)
        events = patient_access_history(session, patient_id=patient_id)
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="access_history",
            patient_id=patient_id,
            detail=f"rows={len(events)}",
        )
    rows = [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": e.detail,
        }
        for e in events
    ]
    if args.json:
        print_json(rows)
        return 0
    _table(
        [[_local(e.at), e.actor, e.action, e.entity, e.entity_id[:8], e.detail] for e in events],
        ["When", "Who", "Action", "Record", "Id", "Detail"],
    )
    return 0


def cmd_patients_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.patients import list_patients

    statuses = [args.status] if args.status else None
    with open_caseload(args) as caseload, caseload.session() as session:
        patients = list_patients(session, practice_ods=args.practice, statuses=statuses)
        _audit_view(session, caseload.actor, "patient", rows=len(patients))
    if args.json:
        print_json([p.to_json() for p in patients])
        return 0
    _table(
        [
            [
                p.nhs_number_formatted or "-",
                p.display_name,
                p.date_of_birth.isoformat(),
                p.practice_ods,
                str(p.care_cluster) if p.care_cluster is not None else "",
                p.status,
                ",".join(p.alerts),
            ]
            for p in patients
        ],
        ["NHS number", "Name", "Born", "Practice", "Cluster", "Status", "Alerts"],
    )
    print(f"{len(patients)} patient(s)")
    return 0


def cmd_patients_import(args: argparse.Namespace) -> int:
    from mhf_tui.services.patient_import import import_patients_csv

    text = _read_file(args.file)
    with open_caseload(args) as caseload, caseload.session() as session:
        result = import_patients_csv(
            session,
            actor=caseload.actor,
            text=text,
            allow_possible_duplicates=args.allow_duplicates,
        )
    print(
        f"Imported {result.added} patient(s); {result.already_present} already on the "
        "caseload (matched by NHS number) left unchanged."
    )
    return 0


# --- notes ------------------------------------------------------------------------------


def _note_json(note: Any, nhs: str | None = None) -> dict[str, Any]:
    data = {
        "note_id": str(note.id),
        "lineage_id": str(note.lineage_id),
        "version": note.version,
        "replaces_id": str(note.replaces_id) if note.replaces_id else None,
        "patient_id": str(note.patient_id),
        "time": note.written_at.isoformat(),
        "first_written_at": note.first_written_at.isoformat(),
        "kind": note.kind,
        "author": note.author,
        "entered_in_error": note.entered_in_error,
        "amend_reason": note.amend_reason,
        "text": note.text,
    }
    if nhs is not None:
        data["nhs_number"] = nhs
    return data


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def cmd_note_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import add_note

    with open_caseload(args) as caseload:
        text = _read_text(args, "note")
        with caseload.session() as session:
            note = add_note(
                session,
                actor=caseload.actor,
                patient_id=_patient_id(session, args.nhs),
                text=text,
                kind=args.kind,
            )
    # The unit of work has committed (synchronous=FULL): the note is on disk.
    print(f"Saved note {note.id}")
    return 0


def cmd_note_amend(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import amend_note, resolve_note_id

    with open_caseload(args) as caseload:
        text = _read_text(args, "amended note")
        with caseload.session() as session:
            note = amend_note(
                session,
                actor=caseload.actor,
                note_id=resolve_note_id(session, ref=args.note_id),
                text=text,
                reason=args.reason or "",
            )
    print(f"Saved version {note.version} as {note.id}; earlier versions are kept")
    return 0


def cmd_note_error(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import mark_entered_in_error, resolve_note_id

    with open_caseload(args) as caseload, caseload.session() as session:
        note = mark_entered_in_error(
            session,
            actor=caseload.actor,
            note_id=resolve_note_id(session, ref=args.note_id),
            reason=args.reason,
        )
    print(f"Marked entered in error (version {note.version}, {note.id}); nothing was deleted")
    return 0


def cmd_note_history(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import note_history, resolve_note_id

    with open_caseload(args) as caseload, caseload.session() as session:
        versions = note_history(session, note_id=resolve_note_id(session, ref=args.note_id))
        _audit_view(
            session, caseload.actor, "note", patient_id=versions[0].patient_id, rows=len(versions)
        )
    if args.json:
        print_json([_note_json(v) for v in versions])
        return 0
    for v in versions:
        flag = "  ENTERED IN ERROR" if v.entered_in_error else ""
        why = f"  ({v.amend_reason})" if v.amend_reason else ""
        print(f"v{v.version}  {_local(v.written_at)}  {v.author}  {v.id}{flag}{why}")
        for line in v.text.splitlines():
            print(f"    {line}")
    return 0


def cmd_note_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import current_notes

    with open_caseload(args) as caseload, caseload.session() as session:
        patient_id = _patient_id(session, args.nhs)
        notes = current_notes(session, patient_id=patient_id)
        _audit_view(session, caseload.actor, "note", patient_id=patient_id, rows=len(notes))
    if args.json:
        print_json([_note_json(n) for n in notes])
        return 0
    for n in notes:
        flags = " ENTERED IN ERROR" if n.entered_in_error else (" amended" if n.amended else "")
        print(f"{str(n.id)[:8]}  {_local(n.first_written_at)}  {n.kind}  {n.author}{flags}")
        for line in n.text.splitlines():
            print(f"    {line}")
    return 0


def cmd_note_search(args: argparse.Namespace) -> int:
    from mhf_tui.services.notes import search_notes

    with open_caseload(args) as caseload, caseload.session() as session:
        patient_id = _patient_id(session, args.nhs) if args.nhs else None
        hits = search_notes(
            session,
            actor=caseload.actor,
            query=args.query,
            patient_id=patient_id,
            limit=args.limit,
        )
    if args.json:
        print_json([h.to_json() for h in hits])
        return 0
    for h in hits:
        nhs = h.nhs_number or "-"
        print(f"{str(h.note.id)[:8]}  {_local(h.note.written_at)}  {nhs}  {h.patient_name}")
        for line in h.note.text.splitlines():
            print(f"    {line}")
    print(f"{len(hits)} note(s)")
    return 0


# --- contacts and follow-ups -------------------------------------------------------------


def cmd_contact_add(args: argparse.Namespace) -> int:
    from mhf_tui.services.contacts import ContactCreate, add_contact

    with open_caseload(args) as caseload, caseload.session() as session:
        contact, note = add_contact(
            session,
            actor=caseload.actor,
            patient_id=_patient_id(session, args.nhs),
            data=ContactCreate(
                mode=args.mode,
                occurred_at=args.at,
                duration_minutes=args.minutes,
                practice_ods=args.practice,
                location=args.location or "",
                reason=args.reason or "",
                outcome=args.outcome or "",
                follow_up_on=args.follow_up,
            ),
            note_text=args.note,
        )
    print(f"Recorded {contact.mode_label.lower()} contact {contact.id}")
    if note is not None:
        print(f"Saved note {note.id}")
    if contact.follow_up_on:
        print(f"Follow-up due {contact.follow_up_on.isoformat()}")
    return 0


def cmd_contact_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.contacts import list_contacts

    with open_caseload(args) as caseload, caseload.session() as session:
        patient_id = _patient_id(session, args.nhs)
        contacts = list_contacts(session, patient_id=patient_id)
        _audit_view(session, caseload.actor, "contact", patient_id=patient_id, rows=len(contacts))
    if args.json:
        print_json(
            [
                {
                    "contact_id": str(c.id),
                    "time": c.occurred_at.isoformat(),
                    "mode": c.mode,
                    "minutes": c.duration_minutes,
                    "reason": c.reason,
                    "outcome": c.outcome,
                    "follow_up_on": c.follow_up_on.isoformat() if c.follow_up_on else None,
                    "follow_up_done": c.follow_up_done,
                }
                for c in contacts
            ]
        )
        return 0
    _table(
        [
            [
                _local(c.occurred_at),
                c.mode_label,
                str(c.duration_minutes or ""),
                c.outcome,
                c.follow_up_on.isoformat() if c.follow_up_on else "",
            ]
            for c in contacts
        ],
        ["When", "Mode", "Min", "Outcome", "Follow-up"],
    )
    return 0


def cmd_followups(args: argparse.Namespace) -> int:
    from mhf_tui.services.followups import follow_ups_due

    with open_caseload(args) as caseload, caseload.session() as session:
        items = follow_ups_due(session, within_days=args.days)
    if args.json:
        print_json(
            [
                {
                    "kind": f.kind,
                    "id": str(f.source_id),
                    "patient_id": str(f.patient_id),
                    "nhs_number": f.nhs_number,
                    "due_on": f.due_on.isoformat(),
                    "overdue": f.overdue,
                    "label": f.label,
                }
                for f in items
            ]
        )
        return 0
    _table(
        [
            [
                f.due_on.isoformat() + (" OVERDUE" if f.overdue else ""),
                f.patient_name,
                f.nhs_number or "-",
                f.label,
            ]
            for f in items
        ],
        ["Due", "Patient", "NHS number", "What"],
    )
    return 0


# --- signposting and directory -----------------------------------------------------------


def _signposting_json(s: Any) -> dict[str, Any]:
    return {
        "signposting_id": str(s.id),
        "patient_id": str(s.patient_id),
        "service": s.service_name,
        "service_id": str(s.service_id),
        "status": s.status,
        "signposted_on": s.signposted_on.isoformat(),
        "follow_up_on": s.follow_up_on.isoformat() if s.follow_up_on else None,
        "outcome_note": s.outcome_note,
    }


def cmd_signpost(args: argparse.Namespace) -> int:
    from mhf_tui.services.directory import find_service
    from mhf_tui.services.signposting import (
        advance_signposting,
        list_signposting,
        resolve_signposting_id,
        signpost,
    )

    with open_caseload(args) as caseload, caseload.session() as session:
        if args.update:
            if not args.status:
                raise MhfError("--update needs --status")
            item = advance_signposting(
                session,
                actor=caseload.actor,
                signposting_id=resolve_signposting_id(session, ref=args.update),
                status=args.status,
                outcome_note=args.note,
                follow_up_on=args.follow_up,
            )
            items = [item]
        elif args.nhs and (args.list or not args.service):
            patient_id = _patient_id(session, args.nhs)
            items = list_signposting(session, patient_id=patient_id)
            _audit_view(
                session, caseload.actor, "signposting", patient_id=patient_id, rows=len(items)
            )
        elif args.nhs and args.service:
            service = find_service(session, name_or_id=args.service)
            item = signpost(
                session,
                actor=caseload.actor,
                patient_id=_patient_id(session, args.nhs),
                service_id=service.id,
                status=args.status or "suggested",
                follow_up_on=args.follow_up,
                outcome_note=args.note or "",
            )
            items = [item]
        else:
            raise MhfError("give --nhs N --service NAME, --nhs N --list, or --update ID --status S")
    if args.json:
        print_json([_signposting_json(s) for s in items])
        return 0
    for s in items:
        follow = f"  follow up {s.follow_up_on}" if s.follow_up_on else ""
        nexts = ", ".join(s.next_statuses) or "-"
        print(
            f"{str(s.id)[:8]}  {s.signposted_on}  {s.service_name}  {s.status}{follow}  "
            f"(next: {nexts})"
        )
    return 0


def cmd_directory_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.directory import list_services

    with open_caseload(args) as caseload, caseload.session() as session:
        services = list_services(
            session, query=args.query or "", category=args.category, include_inactive=args.all
        )
    if args.json:
        print_json([s.to_json() for s in services])
        return 0
    for s in services:
        contact = " / ".join(
            x for x in (s.phone, f"text {s.text_number}" if s.text_number else "", s.web) if x
        )
        checked = f"checked {s.checked_on}" if s.checked_on else "not checked"
        scope = "national" if s.national else (s.area or "local")
        print(f"{s.name}  [{s.category}; {scope}; {checked}]")
        print(f"    {contact}")
        if s.opening_hours:
            print(f"    {s.opening_hours}")
    print(f"{len(services)} service(s)")
    return 0


def cmd_directory_import(args: argparse.Namespace) -> int:
    from mhf_tui.services.directory import import_services_csv

    text = _read_file(args.file)
    with open_caseload(args) as caseload, caseload.session() as session:
        result = import_services_csv(session, actor=caseload.actor, text=text)
    print(
        f"Directory: {result.added} added, {result.updated} updated, {result.unchanged} unchanged"
    )
    return 0


def cmd_directory_export(args: argparse.Namespace) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.services.directory import export_services_csv

    with open_caseload(args) as caseload, caseload.session() as session:
        text = export_services_csv(session, actor=caseload.actor)
    if args.file:
        write_private(Path(args.file), text.encode("utf-8"))
        print(f"Wrote {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# --- demo -------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    import secrets
    import tempfile

    from mhf_tui.paths import DataDir
    from mhf_tui.services.demo import build_demo_caseload
    from mhf_tui.services.setup import initialise_caseload
    from mhf_tui.vault.lock import InstanceLock

    if not 1 <= args.patients <= 100_000:
        raise MhfError("--patients must be between 1 and 100000")
    if getattr(args, "home", None):
        data = data_dir(args)
    else:
        data = DataDir(Path(tempfile.mkdtemp(prefix="mhf-demo-")))
    data.ensure()
    passphrase = "demo-" + "-".join(secrets.token_hex(2) for _ in range(4))
    started = time.perf_counter()
    with InstanceLock(data.lock):
        caseload, _recovery = initialise_caseload(data, passphrase, facilitator="Demo Facilitator")
        try:
            summary = build_demo_caseload(caseload, patients=args.patients, seed=args.seed)
        finally:
            caseload.close()
    took = time.perf_counter() - started
    print(f"Data dir: {data.root}")
    print(f"Demo passphrase: {passphrase}")
    print(
        f"Synthetic caseload: {summary.patients} patients, {summary.contacts} contacts, "
        f"{summary.notes} notes, {summary.care_plans} care plans, "
        f"{summary.signposting} signposting in {took:.1f} s. NHS numbers are test numbers "
        "(999 range); everything is made up.",
        file=sys.stderr,
    )
    sys.stdout.flush()
    if args.no_tui:
        return 0
    try:
        from mhf_tui.ui.app import run
    except ImportError:
        print(
            f"The interface is not available in this build. Open the caseload with the CLI, "
            f"e.g. `mhf patients list --home {data.root}`.",
            file=sys.stderr,
        )
        return 0
    return int(run(data, demo_passphrase=passphrase) or 0)


# --- registration -----------------------------------------------------------------------


def _add_patient_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    p.add_argument("--family", help="family name")
    p.add_argument("--given", help="given name")
    p.add_argument("--dob", help="date of birth, YYYY-MM-DD")
    p.add_argument("--practice", metavar="ODS", help="the practice's ODS code")
    p.add_argument("--sex", help="female, male, other or unknown")
    p.add_argument("--gender-identity", dest="gender_identity")
    p.add_argument("--pronouns")
    p.add_argument("--phone")
    p.add_argument("--phone-alt", dest="phone_alt")
    p.add_argument("--address")
    p.add_argument("--postcode")
    p.add_argument("--preferred-contact", dest="preferred_contact", metavar="HOW")
    p.add_argument("--usual-gp", dest="usual_gp")
    p.add_argument("--cluster", help="care cluster, e.g. 8 or c11")
    p.add_argument("--smi", type=_yes_no, metavar="yes|no", help="on the SMI register")
    p.add_argument("--cv-risk", dest="cv_risk", type=_yes_no, metavar="yes|no")
    p.add_argument("--status", choices=("active", "on_hold", "discharged"))
    p.add_argument("--alert", action="append", choices=ALERTS, help="set an alert (repeatable)")
    if editing:
        p.add_argument(
            "--clear-alert", dest="clear_alert", action="append", choices=ALERTS, help="clear one"
        )
    p.add_argument("--alert-note", dest="alert_note")
    p.add_argument("--interpreter", help="interpreter needs (language)")
    p.add_argument("--accessibility", help="accessibility needs")
    p.add_argument(
        "--share-with-practice",
        dest="share_with_practice",
        type=_yes_no,
        metavar="yes|no",
        help="no = the patient objects to sharing with the practice (give --objection-reason)",
    )
    p.add_argument("--objection-reason", dest="objection_reason")
    p.add_argument("--decision-date", dest="decision_date", type=_day, metavar="YYYY-MM-DD")
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="add even if a patient with the same date of birth and a similar name exists",
    )
    add_json_option(p)


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    parents = [common, secret]

    practice = command_group(
        sub, "practice", "practices: add, list (and practice-side sync)", common
    )
    p = practice.add_parser("add", parents=parents, help="add a practice you work in")
    p.add_argument("--ods", required=True, help="the practice's ODS code, e.g. C82001")
    p.add_argument("--name", required=True)
    p.add_argument("--recipient", metavar="AGE1KEY", help="the practice's age public key")
    p.set_defaults(func=cmd_practice_add)
    p = practice.add_parser("list", parents=parents, help="list practices")
    add_json_option(p)
    p.set_defaults(func=cmd_practice_list)

    patient = command_group(sub, "patient", "one patient: add, edit, show, ...", common)
    p = patient.add_parser("add", parents=parents, help="add a patient")
    p.add_argument("--nhs", help="NHS number (spaces allowed); omit only if not yet registered")
    _add_patient_options(p, editing=False)
    p.set_defaults(func=cmd_patient_add)
    p = patient.add_parser("edit", parents=parents, help="change a patient's details")
    p.add_argument("--nhs", required=True, help="the patient's current NHS number")
    p.add_argument("--new-nhs", dest="new_nhs", help="correct the NHS number")
    _add_patient_options(p, editing=True)
    p.set_defaults(func=cmd_patient_edit)
    p = patient.add_parser("show", parents=parents, help="show a patient's record (audited)")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_patient_show)

    p = patient.add_parser(
        "access", parents=parents, help="who created, changed or viewed a patient's record"
    )
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_patient_access)

    patients = command_group(sub, "patients", "the caseload: list, import", common)
    p = patients.add_parser("list", parents=parents, help="list patients")
    p.add_argument("--practice", metavar="ODS")
    p.add_argument("--status", choices=("active", "on_hold", "discharged"))
    add_json_option(p)
    p.set_defaults(func=cmd_patients_list)
    p = patients.add_parser(
        "import",
        parents=parents,
        help="import patients from CSV (all or nothing)",
        description="Header: nhs_number,family_name,given_name,date_of_birth,sex,phone,"
        "postcode,practice_ods,care_cluster,smi_register (dates YYYY-MM-DD, smi_register "
        "true/false). If any row is invalid nothing is imported and every bad line is listed. "
        "Patients already on the caseload (same NHS number) are left unchanged.",
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="import rows that look like possible duplicates (same date of birth, similar name)",
    )
    p.set_defaults(func=cmd_patients_import)

    note = command_group(sub, "note", "notes: add, list, amend, error, history, search", common)
    p = note.add_parser(
        "add",
        parents=parents,
        help="add a note (durable when the command returns)",
        description="The text comes from TEXT or from stdin (with --passphrase-stdin the "
        "first stdin line is the passphrase and the rest is the note).",
    )
    p.add_argument("--nhs", required=True)
    p.add_argument(
        "--kind", default="contact", help="contact, phone_call, care_plan, safeguarding, general"
    )
    p.add_argument("text", nargs="?", help="the note (default: read stdin)")
    p.set_defaults(func=cmd_note_add)
    p = note.add_parser("list", parents=parents, help="a patient's notes (current versions)")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_note_list)
    p = note.add_parser("amend", parents=parents, help="correct a note (a new version)")
    p.add_argument("note_id", metavar="NOTE_ID", help="id or its first 6+ characters")
    p.add_argument("text", nargs="?", help="the corrected text (default: read stdin)")
    p.add_argument("--reason")
    p.set_defaults(func=cmd_note_amend)
    p = note.add_parser("error", parents=parents, help="mark a note entered in error")
    p.add_argument("note_id", metavar="NOTE_ID")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_note_error)
    p = note.add_parser("history", parents=parents, help="every version of a note")
    p.add_argument("note_id", metavar="NOTE_ID")
    add_json_option(p)
    p.set_defaults(func=cmd_note_history)
    p = note.add_parser("search", parents=parents, help="full-text search over notes")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--nhs", help="only this patient's notes")
    p.add_argument("--limit", type=int, default=200)
    add_json_option(p)
    p.set_defaults(func=cmd_note_search)

    contact = command_group(sub, "contact", "contacts (encounters): add, list", common)
    p = contact.add_parser("add", parents=parents, help="record a contact")
    p.add_argument("--nhs", required=True)
    p.add_argument(
        "--mode", required=True, help="face_to_face, phone, video, home_visit, dna, cancelled"
    )
    p.add_argument("--minutes", type=int)
    p.add_argument("--at", type=_local_time, help="when, 'YYYY-MM-DD HH:MM' (default now)")
    p.add_argument("--practice", metavar="ODS", help="where, if at a practice")
    p.add_argument("--location")
    p.add_argument("--reason")
    p.add_argument("--outcome")
    p.add_argument("--follow-up", dest="follow_up", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--note", help="a note for this contact")
    p.set_defaults(func=cmd_contact_add)
    p = contact.add_parser("list", parents=parents, help="a patient's contacts")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_contact_list)

    p = sub.add_parser("followups", parents=parents, help="follow-ups due and overdue")
    p.add_argument("--days", type=int, default=0, help="also those due in the next N days")
    add_json_option(p)
    p.set_defaults(func=cmd_followups)

    p = sub.add_parser(
        "signpost",
        parents=parents,
        help="signpost a patient to a service, or move a signposting on",
        description="mhf signpost --nhs N --service NAME [--status S]; "
        "mhf signpost --nhs N --list; mhf signpost --update ID --status S [--note TEXT]. "
        "Status flow: suggested -> referred -> accepted/declined/attended/did_not_engage "
        "-> closed.",
    )
    p.add_argument("--nhs")
    p.add_argument("--service", help="service name (or unique start of it) or id")
    p.add_argument("--status")
    p.add_argument("--follow-up", dest="follow_up", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--note", help="outcome note")
    p.add_argument("--update", metavar="ID", help="the signposting to move on (id or prefix)")
    p.add_argument("--list", action="store_true", help="list the patient's signposting")
    add_json_option(p)
    p.set_defaults(func=cmd_signpost)

    directory = command_group(sub, "directory", "the service directory", common)
    p = directory.add_parser("list", parents=parents, help="list services")
    p.add_argument("--query", help="words to look for")
    p.add_argument("--category")
    p.add_argument("--all", action="store_true", help="include retired entries")
    add_json_option(p)
    p.set_defaults(func=cmd_directory_list)
    p = directory.add_parser(
        "import",
        parents=parents,
        help="import local services from CSV (all or nothing)",
        description="Columns: name,category (required), how_to_refer,phone,text_number,web,"
        "area,opening_hours,notes,checked_on. A row with the name and area of an existing "
        "entry updates it.",
    )
    p.add_argument("file", metavar="FILE.csv")
    p.set_defaults(func=cmd_directory_import)
    p = directory.add_parser("export", parents=parents, help="export the directory as CSV")
    p.add_argument("file", nargs="?", metavar="FILE", help="default: stdout")
    p.set_defaults(func=cmd_directory_export)

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="create a synthetic demo caseload and open it",
        description="Creates a new caseload full of made-up patients (NHS test numbers "
        "999 000 0000 - 999 999 9999 only). Without --home, in a new temporary directory. "
        "Prints 'Data dir: PATH' and 'Demo passphrase: PASSPHRASE'.",
    )
    p.add_argument("--patients", type=int, default=300)
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    p.add_argument("--no-tui", action="store_true", help="do not open the interface")
    p.set_defaults(func=cmd_demo)
