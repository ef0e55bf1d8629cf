"""`mhf` commands for information governance: the patient summary (subject access)
export, discharge and reopening, retention review and purge, consent decisions.

`patient summary`, `patient discharge` and `patient reopen` join the `patient` command
that the caseload commands create (whichever module registers first creates it).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import (
    add_json_option,
    command_group,
    open_caseload,
    print_json,
    secrets_from,
)
from mhf_tui.errors import MhfError, ValidationError

PLAINTEXT_WARNING = (
    "WARNING: the summary was written UNENCRYPTED. It holds special category health data "
    "and is now outside the encrypted vault: hand it over securely, then delete it."
)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def _patient_id(session: Any, nhs: str) -> Any:
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs).id


def _file_passphrase(args: argparse.Namespace) -> str:
    """The export file's passphrase: the next stdin line with --passphrase-stdin (after
    the vault passphrase), else asked twice without echo."""
    from mhf_tui.vault.keys import passphrase_strength

    reader = secrets_from(args)
    if reader.from_stdin:
        passphrase = reader.read("")
    else:
        passphrase = reader.read("Passphrase for the summary file: ")
        if reader.read("Repeat it: ") != passphrase:
            raise MhfError("the two passphrases do not match")
    score, hint = passphrase_strength(passphrase)
    if score == 0:
        raise MhfError(f"summary file passphrase {hint}")
    return passphrase


def cmd_summary(args: argparse.Namespace) -> int:
    from mhf_tui.services.summary import export_summary

    out = Path(args.out)
    if args.plaintext and args.to:
        raise ValidationError("--plaintext and --to cannot be used together")
    with open_caseload(args) as caseload:
        passphrase = None if (args.plaintext or args.to) else _file_passphrase(args)
        with caseload.session() as session:
            result = export_summary(
                session,
                patient_id=_patient_id(session, args.nhs),
                actor=caseload.actor,
                out=out,
                fmt=args.format,
                passphrase=passphrase,
                recipients=args.to or (),
                plaintext=args.plaintext,
                overwrite=args.force,
            )
    if result.protection == "plaintext":
        print(PLAINTEXT_WARNING, file=sys.stderr)
        print(f"Wrote {out} ({result.size} bytes, readable {args.format})")
    else:
        how = "a passphrase" if result.protection == "passphrase" else "the given recipient(s)"
        print(f"Wrote {out} ({result.size} bytes, age-encrypted to {how}; open with `age -d`)")
    return 0


def cmd_discharge(args: argparse.Namespace) -> int:
    from mhf_tui.services.retention import discharge, patient_retention

    with open_caseload(args) as caseload, caseload.session() as session:
        patient = discharge(
            session,
            patient_id=_patient_id(session, args.nhs),
            actor=caseload.actor,
            on=args.on or date.today(),
            died_on=args.died,
        )
        dates = patient_retention(session, patient)
    print(
        "Discharged: the record is now read-only. Keep until at least "
        f"{dates.destroy_after} ({dates.rule})."
    )
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    from mhf_tui.services.retention import reopen

    with open_caseload(args) as caseload, caseload.session() as session:
        reopen(session, patient_id=_patient_id(session, args.nhs), actor=caseload.actor)
    print("Reopened: the record can be added to again; its retention period restarts.")
    return 0


def cmd_retention_review(args: argparse.Namespace) -> int:
    from mhf_tui.services.retention import due_for_destruction, load_policy

    today = args.today or date.today()
    with open_caseload(args) as caseload, caseload.session() as session:
        policy = load_policy(session)
        due = due_for_destruction(session, today=today)
    if args.json:
        print_json(
            {
                "policy": {
                    "years_after_care": policy.years_after_care,
                    "years_after_death": policy.years_after_death,
                },
                "due": [
                    {
                        "patient_id": str(d.patient_id),
                        "nhs_number": d.nhs_number,
                        "name": d.name,
                        "care_ended_on": d.dates.care_ended_on,
                        "died_on": d.dates.died_on,
                        "destroy_after": d.dates.destroy_after,
                        "rule": d.dates.rule,
                    }
                    for d in due
                ],
            }
        )
        return 0
    print(
        f"Retention: {policy.years_after_care} years after care ended, or "
        f"{policy.years_after_death} years after death if sooner."
    )
    if not due:
        print("No records are due for destruction.")
        return 0
    print(f"{len(due)} record(s) due for destruction (review each before purging):")
    for d in due:
        print(f"  {d.dates.destroy_after}  {d.nhs_number or '-':10}  {d.name}  ({d.dates.rule})")
    print("Run `mhf retention purge --confirm` to destroy them.")
    return 0


def cmd_retention_purge(args: argparse.Namespace) -> int:
    from mhf_tui.services.retention import purge_due, scrub_free_space

    if not args.confirm:
        raise MhfError(
            "purge destroys records for good: review them with `mhf retention review`, "
            "then run `mhf retention purge --confirm`"
        )
    today = args.today or date.today()
    with open_caseload(args) as caseload:
        started = date.today()
        with caseload.session() as session:
            report = purge_due(session, actor=caseload.actor, today=today)
        scrub_free_space(caseload.engine)
        backups = sorted(p for p in caseload.data.backups.glob("*") if p.is_file())
    total = sum(report.rows.values())
    print(
        f"Purged {report.patients} record(s) ({total} rows); tombstone {report.tombstone_id} "
        "written to the audit trail; free space scrubbed."
    )
    if report.patients and backups:
        print(
            f"Note: {len(backups)} encrypted backup(s) in {caseload.data.backups} made before "
            f"{started} still contain these records; delete them when your backup policy "
            "allows."
        )
    return 0


def cmd_retention_policy(args: argparse.Namespace) -> int:
    from mhf_tui.services.retention import RetentionPolicy, load_policy, set_policy

    with open_caseload(args) as caseload, caseload.session() as session:
        policy = load_policy(session)
        if args.after_care is not None or args.after_death is not None:
            policy = set_policy(
                session,
                actor=caseload.actor,
                policy=RetentionPolicy(
                    years_after_care=args.after_care or policy.years_after_care,
                    years_after_death=args.after_death or policy.years_after_death,
                ),
            )
    print(
        f"Keep records {policy.years_after_care} years after care ended, or "
        f"{policy.years_after_death} years after death if sooner."
    )
    return 0


def _yes_no_unknown(value: str) -> bool | None:
    lowered = value.lower()
    if lowered in ("yes", "y", "true"):
        return True
    if lowered in ("no", "n", "false"):
        return False
    if lowered in ("unknown", "clear", "none"):
        return None
    raise argparse.ArgumentTypeError("expected yes, no or unknown")


def _consent_json(state: Any) -> dict[str, Any]:
    return {
        "share_with_practice": state.share_with_practice,
        "share_decision_on": state.share_decision_on,
        "share_objection_reason": state.share_objection_reason,
        "share_recorded_by": state.share_recorded_by,
        "carer_contact_consent": state.carer_contact_consent,
        "carer_consent_on": state.carer_consent_on,
        "carer_consent_recorded_by": state.carer_consent_recorded_by,
    }


def _print_consent(state: Any, as_json: bool) -> None:
    if as_json:
        print_json(_consent_json(state))
        return
    print(f"Sharing with the practice: {state.describe_sharing()}")
    if not state.share_with_practice and state.share_objection_reason:
        print(f"  Reason: {state.share_objection_reason}")
    print(f"Contact with carers: {state.describe_carer_contact()}")


def cmd_consent_set(args: argparse.Namespace) -> int:
    from mhf_tui.services.consent import consent_state, set_carer_contact, set_sharing

    carer_given = hasattr(args, "carer_contact")
    if args.share_with_practice is None and not carer_given:
        raise MhfError("nothing to set: give --share-with-practice and/or --carer-contact")
    today = date.today()
    on = args.on or today
    with open_caseload(args) as caseload, caseload.session() as session:
        patient_id = _patient_id(session, args.nhs)
        if args.share_with_practice is not None:
            set_sharing(
                session,
                patient_id=patient_id,
                actor=caseload.actor,
                share=args.share_with_practice,
                on=on,
                reason=args.reason or "",
                today=today,
            )
        if carer_given:
            set_carer_contact(
                session,
                patient_id=patient_id,
                actor=caseload.actor,
                consent=args.carer_contact,
                on=on,
                today=today,
            )
        state = consent_state(session, patient_id=patient_id)
    _print_consent(state, args.json)
    return 0


def cmd_consent_show(args: argparse.Namespace) -> int:
    from mhf_tui.services.consent import consent_state

    with open_caseload(args) as caseload, caseload.session() as session:
        state = consent_state(session, patient_id=_patient_id(session, args.nhs))
    _print_consent(state, args.json)
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    parents = [common, secret]
    patient = command_group(sub, "patient", "one patient: add, edit, show, ...", common)

    p = patient.add_parser(
        "summary",
        parents=parents,
        help="write everything held about a patient (subject access), encrypted by default",
        description="Write everything held about one patient as HTML or text. Encrypted "
        "with age to a passphrase (asked for; with --passphrase-stdin the second line) or "
        "to --to recipients; a readable file only with --plaintext.",
    )
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--format", choices=("html", "text"), default="html")
    p.add_argument(
        "--to",
        action="append",
        metavar="RECIPIENT",
        help="encrypt to this age public key (age1...) or SSH key instead of a passphrase; "
        "repeatable",
    )
    p.add_argument(
        "--plaintext",
        action="store_true",
        help="write a READABLE file (it leaves the encrypted vault: a warning is printed)",
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=cmd_summary)

    p = patient.add_parser(
        "discharge",
        parents=parents,
        help="discharge a patient: the record becomes read-only and retention starts",
    )
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument("--on", type=_parse_day, help="discharge date (default today), YYYY-MM-DD")
    p.add_argument("--died", type=_parse_day, help="date of death, if the patient has died")
    p.set_defaults(func=cmd_discharge)

    p = patient.add_parser(
        "reopen", parents=parents, help="reopen a discharged record (retention restarts)"
    )
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.set_defaults(func=cmd_reopen)

    retention = sub.add_parser(
        "retention", parents=[common], help="records due for destruction, and purging them"
    )
    rsub = retention.add_subparsers(dest="retention_command", metavar="SUBCOMMAND", required=True)
    p = rsub.add_parser("review", parents=parents, help="list records due for destruction")
    p.add_argument("--today", type=_parse_day, help=argparse.SUPPRESS)
    add_json_option(p)
    p.set_defaults(func=cmd_retention_review)
    p = rsub.add_parser(
        "purge",
        parents=parents,
        help="destroy the records due (with --confirm) and scrub them from the file",
    )
    p.add_argument("--confirm", action="store_true", help="really destroy them")
    p.add_argument("--today", type=_parse_day, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_retention_purge)
    p = rsub.add_parser(
        "policy", parents=parents, help="show or raise the retention periods (in years)"
    )
    p.add_argument("--after-care", type=int, help="years after care ended (minimum 20)")
    p.add_argument("--after-death", type=int, help="years after death (minimum 10)")
    p.set_defaults(func=cmd_retention_policy)

    consent = sub.add_parser(
        "consent", parents=[common], help="a patient's sharing and carer-contact decisions"
    )
    csub = consent.add_subparsers(dest="consent_command", metavar="SUBCOMMAND", required=True)
    p = csub.add_parser("set", parents=parents, help="record a consent decision")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument(
        "--share-with-practice",
        type=_yes_no_share,
        help="no = the patient objects to sharing with the practice; yes = withdraws it",
    )
    p.add_argument("--reason", help="the patient's reason for objecting (optional)")
    p.add_argument(
        "--carer-contact",
        type=_yes_no_unknown,
        default=argparse.SUPPRESS,
        help="yes / no / unknown (clears it): consent to contact carers and family",
    )
    p.add_argument("--on", type=_parse_day, help="date of the decision (default today)")
    add_json_option(p)
    p.set_defaults(func=cmd_consent_set, share_with_practice=None)
    p = csub.add_parser("show", parents=parents, help="show a patient's consent decisions")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    add_json_option(p)
    p.set_defaults(func=cmd_consent_show)


def _yes_no_share(value: str) -> bool:
    result = _yes_no_unknown(value)
    if result is None:
        raise argparse.ArgumentTypeError("expected yes or no")
    return result
