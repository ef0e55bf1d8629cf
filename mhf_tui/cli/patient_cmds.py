"""`mhf patient add|edit|show|access` and `mhf patients list|import`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.argtypes import iso_date, nhs_number, ods_code, yes_no
from mhf_tui.cli.common import (
    as_facilitator,
    audit_view,
    local,
    on_patient,
    patient_id,
    patient_records,
    read_text_file,
    with_caseload,
)
from mhf_tui.cli.output import Column, emit, jsonable
from mhf_tui.cli.registry import Commands, arg, args
from mhf_tui.errors import MhfError

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.audit import AccessEvent
    from mhf_tui.services.patients import PatientRead

cli = Commands()
cli.group("patient", "one patient: add, edit, show, ...")
cli.group("patients", "the caseload: list, import")
register = cli.register

ALERTS = ("risk", "safeguarding", "lone_worker", "do_not_text")
STATUSES = ("active", "on_hold", "discharged")
#: command-line option (its dest) -> PatientCreate field
FIELDS = {
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

patient_options = args(
    arg("--family", help="family name"),
    arg("--given", help="given name"),
    arg("--dob", help="date of birth, YYYY-MM-DD"),
    arg("--practice", metavar="ODS", help="the practice's ODS code"),
    arg("--sex", help="female, male, other or unknown"),
    arg("--gender-identity", dest="gender_identity"),
    arg("--pronouns"),
    arg("--phone"),
    arg("--phone-alt", dest="phone_alt"),
    arg("--address"),
    arg("--postcode"),
    arg("--preferred-contact", dest="preferred_contact", metavar="HOW"),
    arg("--usual-gp", dest="usual_gp"),
    arg("--cluster", help="care cluster, e.g. 8 or c11"),
    arg("--smi", type=yes_no, metavar="yes|no", help="on the SMI register"),
    arg("--cv-risk", dest="cv_risk", type=yes_no, metavar="yes|no"),
    arg("--status", choices=STATUSES),
    arg("--alert", action="append", choices=ALERTS, help="set an alert (repeatable)"),
    arg("--alert-note", dest="alert_note"),
    arg("--interpreter", help="interpreter needs (language)"),
    arg("--accessibility", help="accessibility needs"),
    arg(
        "--share-with-practice",
        dest="share_with_practice",
        type=yes_no,
        metavar="yes|no",
        help="no = the patient objects to sharing with the practice (give --objection-reason)",
    ),
    arg("--objection-reason", dest="objection_reason"),
    arg("--decision-date", dest="decision_date", type=iso_date, metavar="YYYY-MM-DD"),
    arg(
        "--allow-duplicate",
        action="store_true",
        help="add even if a patient with the same date of birth and a similar name exists",
    ),
)


def _patient_fields(args: argparse.Namespace) -> dict[str, Any]:
    """Options given on the command line, as PatientCreate field names."""
    values = {
        field: getattr(args, option)
        for option, field in FIELDS.items()
        if getattr(args, option, None) is not None
    }
    for alert in args.alert or []:
        values[f"alert_{alert}"] = True
    for alert in getattr(args, "clear_alert", None) or []:
        values[f"alert_{alert}"] = False
    return values


@cli.command("patient add", help="add a patient", json=True)
@arg("--nhs", help="NHS number (spaces allowed); omit only if not yet registered")
@patient_options
@with_caseload
def patient_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.patients import PatientCreate, add_patient

    patient = as_facilitator(
        caseload,
        add_patient,
        data=PatientCreate(nhs_number=args.nhs, **_patient_fields(args)),
        allow_possible_duplicate=args.allow_duplicate,
    )
    return emit(args, patient, lines=_added)


def _added(p: PatientRead) -> list[str]:
    nhs = p.nhs_number_formatted or "no NHS number (not yet registered)"
    lines = [f"Added {p.display_name}, {nhs}, practice {p.practice_ods}"]
    if not p.share_with_practice:
        lines.append("Objection to sharing recorded: excluded from sync exports to the practice.")
    return lines


@cli.command("patient edit", help="change a patient's details", json=True)
@arg("--nhs", required=True, type=nhs_number, help="the patient's current NHS number")
@arg("--new-nhs", dest="new_nhs", help="correct the NHS number")
@patient_options
@arg("--clear-alert", dest="clear_alert", action="append", choices=ALERTS, help="clear one")
def patient_edit(args: argparse.Namespace) -> int:
    changes = _patient_fields(args)
    if args.new_nhs is not None:
        changes["nhs_number"] = args.new_nhs
    if not changes:
        raise MhfError("nothing to change: give at least one option (see --help)")
    return _edit(args, changes)


@with_caseload
def _edit(args: argparse.Namespace, caseload: Caseload, changes: dict[str, Any]) -> int:
    from mhf_tui.services.patients import edit_patient

    patient = on_patient(
        args,
        caseload,
        edit_patient,
        changes=changes,
        allow_possible_duplicate=args.allow_duplicate,
    )
    return emit(args, patient, lines=lambda p: [f"Updated {p.display_name}"])


@cli.command("patient show", help="show a patient's record (audited)", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def patient_show(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.patients import get_patient_record
    from mhf_tui.services.record_counts import record_counts

    with caseload.session() as session:
        patient = get_patient_record(
            session, actor=caseload.actor, patient_id=patient_id(session, args.nhs)
        )
        counts = record_counts(session, patient_id=patient.id)
    if args.json:
        return emit(args, {**jsonable(patient), "counts": counts})
    return emit(args, patient, lines=lambda p: _record_lines(p, counts))


def _record_lines(p: PatientRead, counts: dict[str, Any]) -> list[str]:
    cluster = str(p.care_cluster) if p.care_cluster is not None else "-"
    lines = [
        f"{p.display_name}  ({p.pronouns})" if p.pronouns else p.display_name,
        f"  NHS number     {p.nhs_number_formatted or 'not yet registered'}",
        f"  Born           {p.date_of_birth.isoformat()} (age {p.age()})  Sex {p.sex}",
        f"  Practice       {p.practice_ods} {p.practice_name}  GP {p.usual_gp or '-'}",
        f"  Cluster        {cluster}  SMI register {'yes' if p.smi_register else 'no'}",
        f"  Status         {p.status}",
        f"  Phone          {p.phone or '-'}  Prefers {p.preferred_contact or '-'}",
        f"  Address        {p.address or '-'} {p.postcode}",
    ]
    if p.alerts:
        lines.append(f"  ALERTS         {', '.join(p.alerts)}  {p.alert_note}")
    if p.interpreter_needs or p.accessibility_needs:
        lines.append(f"  Needs          {p.interpreter_needs} {p.accessibility_needs}".rstrip())
    if p.share_with_practice:
        lines.append("  Sharing        shared with the practice for direct care (default)")
    else:
        lines.append(
            f"  Sharing        OBJECTS to sharing with the practice since "
            f"{p.share_decision_on} (recorded by {p.share_recorded_by}): "
            f"{p.share_objection_reason}. Excluded from sync exports."
        )
    version = counts["care_plan_version"]
    lines.append(
        f"  Records        {counts['contacts']} contacts, {counts['notes']} notes, "
        f"{counts['signposting']} signposting, {counts['related_people']} related people, "
        f"care plan {'v' + str(version) if version else 'none'}"
    )
    return lines


ACCESS_COLUMNS: list[Column[AccessEvent]] = [
    ("When", lambda e: local(e.at)),
    ("Who", lambda e: e.actor),
    ("Action", lambda e: e.action),
    ("Record", lambda e: e.entity),
    ("Id", lambda e: e.entity_id[:8]),
    ("Detail", lambda e: e.detail),
]


@cli.command("patient access", help="who created, changed or viewed a patient's record", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def patient_access(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.audit import patient_access_history

    return emit(
        args,
        patient_records(args, caseload, "access_history", patient_access_history),
        columns=ACCESS_COLUMNS,
    )


PATIENT_COLUMNS: list[Column[PatientRead]] = [
    ("NHS number", lambda p: p.nhs_number_formatted or "-"),
    ("Name", lambda p: p.display_name),
    ("Born", lambda p: p.date_of_birth.isoformat()),
    ("Practice", lambda p: p.practice_ods),
    ("Cluster", lambda p: p.care_cluster if p.care_cluster is not None else ""),
    ("Status", lambda p: p.status),
    ("Alerts", lambda p: ",".join(p.alerts)),
]


@cli.command("patients list", help="list patients", json=True)
@arg("--practice", metavar="ODS", type=ods_code)
@arg("--status", choices=STATUSES)
@with_caseload
def patients_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.patients import list_patients

    statuses = [args.status] if args.status else None
    with caseload.session() as session:
        patients = list_patients(session, practice_ods=args.practice, statuses=statuses)
        audit_view(session, caseload.actor, "patient", rows=len(patients))
    return emit(
        args,
        patients,
        columns=PATIENT_COLUMNS,
        footer=f"{len(patients)} patient(s)",
    )


@cli.command(
    "patients import",
    help="import patients from CSV (all or nothing)",
    description="Header: nhs_number,family_name,given_name,date_of_birth,sex,phone,"
    "postcode,practice_ods,care_cluster,smi_register (dates YYYY-MM-DD, smi_register "
    "true/false). If any row is invalid nothing is imported and every bad line is listed. "
    "Patients already on the caseload (same NHS number) are left unchanged.",
)
@arg("file", metavar="FILE.csv")
@arg(
    "--allow-duplicates",
    action="store_true",
    help="import rows that look like possible duplicates (same date of birth, similar name)",
)
def patients_import(args: argparse.Namespace) -> int:
    return _import(args, read_text_file(args.file))


@with_caseload
def _import(args: argparse.Namespace, caseload: Caseload, text: str) -> int:
    from mhf_tui.services.patient_import import import_patients_csv

    result = as_facilitator(
        caseload,
        import_patients_csv,
        text=text,
        allow_possible_duplicates=args.allow_duplicates,
    )
    print(
        f"Imported {result.added} patient(s); {result.already_present} already on the "
        "caseload (matched by NHS number) left unchanged."
    )
    return 0
