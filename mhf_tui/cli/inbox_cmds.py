"""`mhf inbox ...`: the practice side of sync, with no caseload. The inbox is an encrypted
store bound to one ODS code that holds its own age identity; it takes files only from
facilitator devices enrolled by fingerprint.

Other modules add to the group with `command_group(sub, "inbox", ...)` and open the store
with `opened_store(args)` (each sub-command takes `--store DIR` and `--passphrase-stdin`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.common import add_json_option, command_group, print_json, secrets_from
from mhf_tui.errors import MhfError

if TYPE_CHECKING:
    from mhf_tui.sync.importer import ImportSummary
    from mhf_tui.sync.practice_store import PracticeStore

STORE_PROMPT = "Practice inbox passphrase: "


@contextmanager
def opened_store(args: argparse.Namespace, *, lock: bool = True) -> Iterator[PracticeStore]:
    """The inbox at `args.store`, unlocked (and locked against a second writer)."""
    from mhf_tui.sync.practice_store import PracticeStore, StoreDir
    from mhf_tui.vault.lock import InstanceLock

    root = Path(args.store)
    if not StoreDir(root).exists():
        raise MhfError(f"no practice inbox in {root} (`mhf inbox init`)")
    with InstanceLock(StoreDir(root).lock) if lock else _nothing():
        store = PracticeStore.open(root, secrets_from(args).read(STORE_PROMPT))
        try:
            yield store
        finally:
            store.close()


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def cmd_init(args: argparse.Namespace) -> int:
    from mhf_tui.cli.vault_cmds import LOST_DATA_WARNING
    from mhf_tui.paths import private_dirs
    from mhf_tui.sync.practice_store import PracticeStore, StoreDir
    from mhf_tui.vault.lock import InstanceLock

    root = Path(args.store)
    if StoreDir(root).vault.exists():
        raise MhfError(f"{root} already holds a practice inbox")
    private_dirs(root)  # each missing parent 0700 too
    with InstanceLock(StoreDir(root).lock):
        passphrase = secrets_from(args).new_passphrase("New passphrase for the inbox: ")
        store, recovery = PracticeStore.create(root, passphrase, ods=args.ods, name=args.name)
        store.close()
    print(f"Created the practice inbox for {args.ods.upper()} in {root}", file=sys.stderr)
    print(f"Recovery key: {recovery}", file=sys.stderr)
    print(LOST_DATA_WARNING, file=sys.stderr)
    print("Give the facilitator this recipient (it is public):", file=sys.stderr)
    print(_recipient(root))
    return 0


def _recipient(root: Path) -> str:
    from mhf_tui.sync.practice_store import read_recipient

    return read_recipient(root)


def cmd_recipient(args: argparse.Namespace) -> int:
    print(_recipient(Path(args.store)))
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    from mhf_tui.sync.enrolment import enrol

    with opened_store(args) as store, store.session() as session:
        device = enrol(session, fingerprint=args.fingerprint, name=args.name)
        fp, name = device.fingerprint, device.name
    print(f"Enrolled {name}'s device {fp}: files it signs are now accepted")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from mhf_tui.safe_text import neutralise
    from mhf_tui.sync.enrolment import devices

    if not getattr(args, "store", None):
        raise MhfError("give the inbox with --store DIR")
    with opened_store(args, lock=False) as store, store.session() as session:
        rows = devices(session)
    if args.json:
        print_json([d.to_json() for d in rows])
        return 0
    if not rows:
        print("no devices enrolled yet (`mhf inbox enrol --fingerprint FP --name NAME`)")
    for d in rows:
        last = f"{d.last_import_at:%Y-%m-%d %H:%M}" if d.last_import_at else "never"
        print(f"{neutralise(d.name, multiline=False)}  {d.fingerprint}")
        print(
            f"  last file {d.last_sequence} (imported {last}); {d.resources} resources held; "
            f"audit head {d.audit_count} events, {d.audit_head[:16] or '-'}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from mhf_tui.sync.enrolment import remove

    with opened_store(args) as store, store.session() as session:
        removed = remove(session, fingerprint=args.fingerprint)
    print(
        f"Removed device {removed.fingerprint}, the {removed.resources} resources it sent "
        f"and its {removed.imports} import records"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Each file in turn, each all or nothing; the first refused stops the rest."""
    from mhf_tui.sync.importer import import_file

    ack_dir = Path(args.ack_out) if args.ack_out else None
    done: list[ImportSummary] = []
    try:
        with opened_store(args) as store:
            for name in args.files:
                summary = import_file(store, Path(name), ack_dir=ack_dir)
                done.append(summary)
                if not args.json:
                    _print_summary(summary)
    finally:
        # with --json, the files imported before one was refused are still reported
        if args.json and done:
            print_json([s.to_json() for s in done])
    return 0


def _print_summary(summary: ImportSummary) -> None:
    from mhf_tui.safe_text import neutralise

    print(
        f"Imported {summary.practice_ods}-{summary.sequence} from "
        f"{neutralise(summary.device_name, multiline=False)} "
        f"(device {summary.device_fingerprint})"
    )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
    print(f"  {counts}")
    print(f"  {summary.changed} new or changed, {summary.unchanged} already held")
    print(f"  patients withheld (objection to sharing): {summary.withheld_objection}")
    for warning in summary.warnings:
        print(f"  warning: {warning}")
    print(f"Ack: {summary.ack_path} (return it to the facilitator)")


def cmd_show(args: argparse.Namespace) -> int:
    from mhf_tui.safe_text import neutralise
    from mhf_tui.sync.enrolment import devices
    from mhf_tui.sync.practice_view import patient_records, summary_lines

    with opened_store(args, lock=False) as store, store.session() as session:
        records = patient_records(session, nhs=args.nhs)
        senders = devices(session)
    if args.json:
        print_json(
            {
                "devices": [d.to_json() for d in senders],
                "patients": [
                    {
                        "device_fingerprint": r.device_fingerprint,
                        "patient": r.patient,
                        "resources": dict(r.resources),
                    }
                    for r in records
                ],
            }
        )
        return 0
    if args.nhs is None:
        for d in senders:
            print(
                f"From {neutralise(d.name, multiline=False)} (device {d.fingerprint}): "
                f"last file {d.last_sequence}"
            )
        print(f"{len(records)} patient(s)\n")
    for record in records:
        print("\n".join(summary_lines(record)))
        print()
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.sync.practice_view import store_bundle

    with opened_store(args, lock=False) as store, store.session() as session:
        bundle = store_bundle(session)
    out = Path(args.out)
    write_private(out, json.dumps(bundle, ensure_ascii=False, indent=1).encode())
    print(f"{out}: FHIR R4 transaction Bundle with {len(bundle['entry'])} resources")
    print(
        "It holds patient data in clear: hand it to the clinical system, then delete it.",
        file=sys.stderr,
    )
    return 0


def _store_option(parser: argparse.ArgumentParser, **kw: Any) -> None:
    parser.add_argument("--store", metavar="DIR", help="the practice inbox directory", **kw)


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    isub = command_group(sub, "inbox", "the practice inbox: receive facilitators' sync files")

    p = isub.add_parser("init", parents=[secret], help="create the inbox for one practice")
    _store_option(p, required=True)
    p.add_argument("--ods", required=True, metavar="ODS", help="the practice's ODS code")
    p.add_argument("--name", default="", help="the practice's name")
    p.set_defaults(func=cmd_init)

    p = isub.add_parser("recipient", help="print the inbox's public age recipient (age1...)")
    _store_option(p, required=True)
    p.set_defaults(func=cmd_recipient)

    p = isub.add_parser("enrol", parents=[secret], help="accept files from one facilitator device")
    _store_option(p, required=True)
    p.add_argument(
        "--fingerprint", required=True, metavar="FP", help="as `mhf sync whoami` shows it"
    )
    p.add_argument("--name", required=True, help="the facilitator's name")
    p.set_defaults(func=cmd_enrol)

    p = isub.add_parser("devices", parents=[secret], help="enrolled devices; `remove` one")
    _store_option(p, default=argparse.SUPPRESS)
    add_json_option(p)
    p.set_defaults(func=cmd_devices)
    dsub = p.add_subparsers(dest="devices_command", metavar="COMMAND")
    r = dsub.add_parser("remove", parents=[secret], help="remove a device with everything it sent")
    _store_option(r, required=True)
    r.add_argument("--fingerprint", required=True, metavar="FP")
    r.set_defaults(func=cmd_remove)

    p = isub.add_parser("import", parents=[secret], help="check and import sync file(s)")
    p.add_argument("files", nargs="+", metavar="FILE")
    _store_option(p, required=True)
    p.add_argument(
        "--ack-out",
        metavar="DIR",
        help="where to write the acks (made, 0700, if new; default: beside each FILE)",
    )
    add_json_option(p)
    p.set_defaults(func=cmd_import)

    p = isub.add_parser("show", parents=[secret], help="per-patient summary")
    _store_option(p, required=True)
    p.add_argument("--nhs", metavar="NUMBER", help="only this patient")
    add_json_option(p)
    p.set_defaults(func=cmd_show)

    p = isub.add_parser(
        "bundle", parents=[secret], help="write everything received as a FHIR bundle"
    )
    _store_option(p, required=True)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_bundle)
