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
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.argtypes import iso_date, nhs_number, yes_no, yes_no_unknown
from mhf_tui.cli.common import as_facilitator, on_patient, patient_id, secrets_from, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.errors import MhfError, ValidationError

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.consent import ConsentState

cli = Commands()
cli.group("patient", "one patient: add, edit, show, ...")
cli.group("retention", "records due for destruction, and purging them")
cli.group("consent", "a patient's sharing and carer-contact decisions")
register = cli.register

PLAINTEXT_WARNING = (
    "WARNING: the summary was written UNENCRYPTED. It holds special category health data "
    "and is now outside the encrypted vault: hand it over securely, then delete it."
)
NHS_HELP = "the patient's NHS number"


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


@cli.command(
    "patient summary",
    help="write everything held about a patient (subject access), encrypted by default",
    description="Write everything held about one patient as HTML or text. Encrypted "
    "with age to a passphrase (asked for; with --passphrase-stdin the second line) or "
    "to --to recipients; a readable file only with --plaintext.",
)
@arg("--nhs", required=True, type=nhs_number, help=NHS_HELP)
@arg("--out", required=True, help="file to write")
@arg("--format", choices=("html", "text"), default="html")
@arg(
    "--to",
    action="append",
    metavar="RECIPIENT",
    help="encrypt to this age public key (age1...) or SSH key instead of a passphrase; repeatable",
)
@arg(
    "--plaintext",
    action="store_true",
    help="write a READABLE file (it leaves the encrypted vault: a warning is printed)",
)
@arg("--force", action="store_true", help="overwrite FILE if it exists")
def summary(args: argparse.Namespace) -> int:
    if args.plaintext and args.to:
        raise ValidationError("--plaintext and --to cannot be used together")
    return _summary(args)


@with_caseload
def _summary(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.summary_render import export_summary

    out = Path(args.out)
    passphrase = None if (args.plaintext or args.to) else _file_passphrase(args)
    result = on_patient(
        args,
        caseload,
        export_summary,
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


@cli.command(
    "patient discharge",
    help="discharge a patient: the record becomes read-only and retention starts",
)
@arg("--nhs", required=True, type=nhs_number, help=NHS_HELP)
@arg("--on", type=iso_date, help="discharge date (default today), YYYY-MM-DD")
@arg("--died", type=iso_date, help="date of death, if the patient has died")
@with_caseload
def discharge(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.retention import discharge, patient_retention

    with caseload.session() as session:
        patient = discharge(
            session,
            patient_id=patient_id(session, args.nhs),
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


@cli.command("patient reopen", help="reopen a discharged record (retention restarts)")
@arg("--nhs", required=True, type=nhs_number, help=NHS_HELP)
@with_caseload
def reopen(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.retention import reopen

    on_patient(args, caseload, reopen)
    print("Reopened: the record can be added to again; its retention period restarts.")
    return 0


@cli.command("retention review", help="list records due for destruction", json=True)
@arg("--today", type=iso_date, help=argparse.SUPPRESS)
@with_caseload
def retention_review(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.retention import due_for_destruction, load_policy

    today = args.today or date.today()
    with caseload.session() as session:
        policy = load_policy(session)
        due = due_for_destruction(session, today=today)
    if args.json:
        return emit(
            args,
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
            },
        )
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


@cli.command(
    "retention purge",
    help="destroy the records due (with --confirm) and scrub them from the file",
)
@arg("--confirm", action="store_true", help="really destroy them")
@arg("--today", type=iso_date, help=argparse.SUPPRESS)
def retention_purge(args: argparse.Namespace) -> int:
    if not args.confirm:
        raise MhfError(
            "purge destroys records for good: review them with `mhf retention review`, "
            "then run `mhf retention purge --confirm`"
        )
    return _purge(args)


@with_caseload
def _purge(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.retention import purge_due, scrub_free_space

    today = args.today or date.today()
    started = date.today()
    report = as_facilitator(caseload, purge_due, today=today)
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


@cli.command("retention policy", help="show or raise the retention periods (in years)")
@arg("--after-care", type=int, help="years after care ended (minimum 20)")
@arg("--after-death", type=int, help="years after death (minimum 10)")
@with_caseload
def retention_policy(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.retention import RetentionPolicy, load_policy, set_policy

    with caseload.session() as session:
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


def _consent_lines(state: ConsentState) -> list[str]:
    lines = [f"Sharing with the practice: {state.describe_sharing()}"]
    if not state.share_with_practice and state.share_objection_reason:
        lines.append(f"  Reason: {state.share_objection_reason}")
    lines.append(f"Contact with carers: {state.describe_carer_contact()}")
    return lines


@cli.command("consent set", help="record a consent decision", json=True)
@arg("--nhs", required=True, type=nhs_number, help=NHS_HELP)
@arg(
    "--share-with-practice",
    type=yes_no,
    metavar="yes|no",
    help="no = the patient objects to sharing with the practice; yes = withdraws it",
)
@arg("--reason", help="the patient's reason for objecting (optional)")
@arg(
    "--carer-contact",
    type=yes_no_unknown,
    metavar="yes|no|unknown",
    default=argparse.SUPPRESS,
    help="yes / no / unknown (clears it): consent to contact carers and family",
)
@arg("--on", type=iso_date, help="date of the decision (default today)")
def consent_set(args: argparse.Namespace) -> int:
    if args.share_with_practice is None and not hasattr(args, "carer_contact"):
        raise MhfError("nothing to set: give --share-with-practice and/or --carer-contact")
    return _consent_set(args)


@with_caseload
def _consent_set(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.consent import consent_state, set_carer_contact, set_sharing

    today = date.today()
    on = args.on or today
    with caseload.session() as session:
        patient = patient_id(session, args.nhs)
        decision: dict[str, Any] = dict(
            patient_id=patient, actor=caseload.actor, on=on, today=today
        )
        if args.share_with_practice is not None:
            set_sharing(
                session, share=args.share_with_practice, reason=args.reason or "", **decision
            )
        if hasattr(args, "carer_contact"):
            set_carer_contact(session, consent=args.carer_contact, **decision)
        state = consent_state(session, patient_id=patient)
    return emit(args, state, lines=_consent_lines)


@cli.command("consent show", help="show a patient's consent decisions", json=True)
@arg("--nhs", required=True, type=nhs_number, help=NHS_HELP)
@with_caseload
def consent_show(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.consent import consent_state

    with caseload.session() as session:
        state = consent_state(session, patient_id=patient_id(session, args.nhs))
    return emit(args, state, lines=_consent_lines)
