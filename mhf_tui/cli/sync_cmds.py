"""`mhf sync export|ack|status|whoami|recipient` (facilitator) and
`mhf practice keygen|import|show|bundle` (practice side, no caseload needed)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import (
    add_json_option,
    command_group,
    data_dir,
    open_caseload,
    print_json,
    secrets_from,
)
from mhf_tui.errors import MhfError


def cmd_export(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from mhf_tui.db.tables import Practice
    from mhf_tui.sync.export import export_practice

    out = Path(args.out) if args.out else data_dir(args).exports
    results = []
    with open_caseload(args) as caseload:
        if args.all:
            with caseload.session() as session:
                codes = [
                    p.ods_code
                    for p in session.exec(select(Practice).order_by(col(Practice.ods_code)))
                    if p.recipient
                ]
            if not codes:
                raise MhfError("no practice has a sync recipient yet (`mhf sync recipient`)")
        else:
            codes = [args.practice]
        for ods in codes:
            with caseload.session() as session:
                results.append(export_practice(session, ods=ods, out_dir=out, actor=caseload.actor))
    if args.json:
        print_json([r.__dict__ | {"path": str(r.path) if r.path else None} for r in results])
        return 0
    for r in results:
        if r.path is None:
            print(
                f"{r.practice_ods}: nothing new since the last acknowledged export; no file written"
            )
        else:
            print(r.path)
            counts = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()))
            print(
                f"  {counts}; withheld (objection to sharing): {r.withheld_objection}",
                file=sys.stderr,
            )
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    from mhf_tui.sync.ack import apply_ack, read_ack

    acks = [read_ack(Path(f)) for f in args.files]
    results = []
    with open_caseload(args) as caseload:
        for ack in acks:
            with caseload.session() as session:
                results.append(apply_ack(session, ack=ack, actor=caseload.actor))
    if args.json:
        print_json([r.__dict__ for r in results])
        return 0
    for r in results:
        state = "was already recorded" if r.already else "recorded"
        print(
            f"{r.practice_ods}-{r.number}: acknowledgement {state}; the next export starts "
            f"after change {r.last_ack_seq}"
        )
    return 0


def cmd_whoami(args: argparse.Namespace) -> int:
    from mhf_tui.sync.device import load_device

    with open_caseload(args) as caseload, caseload.session() as session:
        device = load_device(session)
    info = {
        "device_id": device.device_id,
        "facilitator": device.facilitator,
        "public_key": device.public_key_hex,
        "fingerprint": device.fingerprint,
    }
    if args.json:
        print_json(info)
        return 0
    print(f"Device:      {info['device_id']}")
    print(f"Facilitator: {info['facilitator']}")
    print(f"Signing key: ed25519 {info['public_key']}")
    print(f"Fingerprint: {info['fingerprint']}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mhf_tui.sync.export import sync_status

    with open_caseload(args) as caseload, caseload.session() as session:
        rows = sync_status(session)
    if args.json:
        print_json([r.__dict__ for r in rows])
        return 0
    if not rows:
        print("no practices yet")
        return 0
    print(f"{'ODS':<8} {'recipient':<9} {'exported':>8} {'acked':>6} {'waiting':>8}  last export")
    for r in rows:
        when = r.last_export_at.strftime("%Y-%m-%d %H:%M") if r.last_export_at else "never"
        print(
            f"{r.ods_code:<8} {'yes' if r.has_recipient else 'NO':<9} "
            f"{r.last_export_number:>8} {r.last_acked_number:>6} {r.waiting:>8}  {when}"
        )
    return 0


def cmd_recipient(args: argparse.Namespace) -> int:
    from mhf_tui.sync.export import set_recipient

    with open_caseload(args) as caseload, caseload.session() as session:
        practice = set_recipient(
            session, ods=args.ods, recipient=args.recipient, actor=caseload.actor
        )
        ods = practice.ods_code
    print(f"{ods}: sync files will be encrypted to {args.recipient.strip()}")
    return 0


# --- practice side ----------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> int:
    from mhf_tui.paths import private_dirs, write_private
    from mhf_tui.sync.package import new_identity

    out = Path(args.out)
    if out.exists() and not args.force:
        raise MhfError(f"{out} exists; refusing to overwrite an identity (use --force)")
    identity = new_identity()
    recipient = str(identity.to_public())
    created = datetime.now(UTC).isoformat(timespec="seconds")
    body = f"# created: {created}\n# public key: {recipient}\n{identity}\n"
    private_dirs(out.parent)
    write_private(out, body.encode())
    print(recipient)
    print(
        f"Identity written to {out} (keep it private and backed up: without it the practice "
        "cannot open sync files). Give the facilitator the public key above.",
        file=sys.stderr,
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mhf_tui.sync.importer import import_file
    from mhf_tui.sync.practice_view import printable

    secrets = secrets_from(args)

    def passphrase(creating: bool) -> str:
        if creating:
            return secrets.new_passphrase("New passphrase for the practice store: ")
        return secrets.read("Practice store passphrase: ")

    summary = import_file(
        Path(args.file),
        identity_path=Path(args.identity),
        store_root=Path(args.store),
        passphrase=passphrase,
        trust_new_key=args.trust_new_key,
        ack_dir=Path(args.ack_out) if args.ack_out else None,
    )
    if args.json:
        print_json(summary.to_json())
    else:
        print(
            f"Imported {summary.practice_ods}-{summary.sequence} "
            f"from {printable(summary.facilitator)} "
            f"(device {summary.device_id[:8]}, key {summary.device_fingerprint})"
        )
        if summary.new_device:
            print("  first file from this device: its key is now trusted")
        if summary.key_replaced:
            print("  the device's new key replaced the one trusted before (--trust-new-key)")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
        print(f"  {counts}")
        print(f"  {summary.changed} new or changed, {summary.unchanged} already held")
        print(f"  patients withheld (objection to sharing): {summary.withheld_objection}")
        for warning in summary.warnings:
            print(f"  warning: {warning}")
        print(f"Ack: {summary.ack_path} (return it to the facilitator)")
    if summary.store_created:
        print(f"Created practice store {args.store}", file=sys.stderr)
        print(f"Store recovery key: {summary.recovery_key}", file=sys.stderr)
        print("Write it down and keep it apart from this computer.", file=sys.stderr)
    return 0


def _open_store(args: argparse.Namespace) -> Any:
    from mhf_tui.sync.practice_store import PracticeStore

    return PracticeStore.open(
        Path(args.store), secrets_from(args).read("Practice store passphrase: ")
    )


def cmd_show(args: argparse.Namespace) -> int:
    from mhf_tui.sync.practice_view import devices, patient_records, printable, summary_lines

    store = _open_store(args)
    try:
        with store.session() as session:
            records = patient_records(session, nhs=args.nhs)
            senders = devices(session)
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "devices": [d.__dict__ for d in senders],
                "patients": [
                    {"patient": r.patient, "resources": dict(r.resources)} for r in records
                ],
            }
        )
        return 0
    if args.nhs is None:
        for d in senders:
            last = ", ".join(f"{ods}-{n}" for ods, n in sorted(d.last_sequence.items()))
            print(
                f"From {printable(d.facilitator)} (device {d.device_id[:8]}, "
                f"key {d.fingerprint}): {last}"
            )
        print(f"{len(records)} patient(s)\n")
    for record in records:
        print("\n".join(summary_lines(record)))
        print()
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.sync.practice_view import store_bundle

    store = _open_store(args)
    try:
        with store.session() as session:
            bundle = store_bundle(session)
    finally:
        store.close()
    out = Path(args.out)
    write_private(out, json.dumps(bundle, ensure_ascii=False, indent=1).encode())
    print(f"{out}: FHIR R4 transaction Bundle with {len(bundle['entry'])} resources")
    print(
        "It holds patient data in clear: hand it to the clinical system, then delete it.",
        file=sys.stderr,
    )
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    sync = sub.add_parser("sync", help="sync files for practices: export, ack, status, whoami")
    sync.set_defaults(func=lambda _args: sync.print_help() or 2)
    ssub = sync.add_subparsers(dest="sync_command", metavar="COMMAND")

    p = ssub.add_parser(
        "export", parents=[common, secret], help="write the sync file for a practice"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--practice", metavar="ODS", help="the practice's ODS code")
    which.add_argument("--all", action="store_true", help="every practice with a recipient")
    p.add_argument(
        "--out", metavar="DIR", help="where to write (default: exports/ in the data dir)"
    )
    add_json_option(p)
    p.set_defaults(func=cmd_export)

    p = ssub.add_parser("ack", parents=[common, secret], help="load ack file(s) from a practice")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_json_option(p)
    p.set_defaults(func=cmd_ack)

    p = ssub.add_parser("whoami", parents=[common, secret], help="this device's id and signing key")
    add_json_option(p)
    p.set_defaults(func=cmd_whoami)

    p = ssub.add_parser("status", parents=[common, secret], help="per-practice sync status")
    add_json_option(p)
    p.set_defaults(func=cmd_status)

    p = ssub.add_parser(
        "recipient", parents=[common, secret], help="set a practice's age public key"
    )
    p.add_argument("ods", metavar="ODS")
    p.add_argument("recipient", metavar="AGE1KEY", help="from `mhf practice keygen`")
    p.set_defaults(func=cmd_recipient)

    psub = command_group(sub, "practice", "practices, and the practice-side sync tools")
    p = psub.add_parser("keygen", help="(practice) make an age identity; prints the public key")
    p.add_argument("--out", required=True, metavar="FILE", help="identity file to write (0600)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_keygen)

    p = psub.add_parser("import", parents=[secret], help="(practice) check and import a sync file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--identity", required=True, metavar="KEY", help="age identity file")
    p.add_argument("--store", required=True, metavar="DIR", help="practice store (made if new)")
    p.add_argument(
        "--trust-new-key",
        action="store_true",
        help="accept a changed signing key for a known device (check its fingerprint first)",
    )
    p.add_argument(
        "--ack-out",
        metavar="DIR",
        help="where to write the ack (made, 0700, if new; default: beside FILE)",
    )
    add_json_option(p)
    p.set_defaults(func=cmd_import)

    p = psub.add_parser("show", parents=[secret], help="(practice) per-patient summary")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("--nhs", metavar="NUMBER", help="only this patient")
    add_json_option(p)
    p.set_defaults(func=cmd_show)

    p = psub.add_parser(
        "bundle", parents=[secret], help="(practice) write everything received as a FHIR bundle"
    )
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_bundle)
