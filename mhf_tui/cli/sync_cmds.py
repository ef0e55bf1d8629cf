"""`mhf sync export|ack|status|whoami|recipient`: the facilitator's side of sync (the
practice's side is `mhf inbox`, in `inbox_cmds`)."""

from __future__ import annotations

import argparse
import sys
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
    print(
        "Read the fingerprint to each practice (in person or by phone); they accept your files "
        "once they run `mhf inbox enrol --fingerprint ...`.",
        file=sys.stderr,
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mhf_tui.sync.status import sync_status

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
    from mhf_tui.sync.status import set_recipient

    with open_caseload(args) as caseload, caseload.session() as session:
        practice = set_recipient(
            session, ods=args.ods, recipient=args.recipient, actor=caseload.actor
        )
        ods = practice.ods_code
    print(f"{ods}: sync files will be encrypted to {args.recipient.strip()}")
    return 0


SYNC_HELP = "sync files for practices: export, ack, status, whoami, profile"


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    ssub = command_group(sub, "sync", SYNC_HELP)

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

    p = ssub.add_parser(
        "whoami",
        parents=[common, secret],
        help="this device's id and key fingerprint (for the practice to enrol)",
    )
    add_json_option(p)
    p.set_defaults(func=cmd_whoami)

    p = ssub.add_parser("status", parents=[common, secret], help="per-practice sync status")
    add_json_option(p)
    p.set_defaults(func=cmd_status)

    p = ssub.add_parser(
        "recipient", parents=[common, secret], help="set a practice's age public key"
    )
    p.add_argument("ods", metavar="ODS")
    p.add_argument(
        "recipient", metavar="AGE1KEY", help="as `mhf inbox init` printed it at the practice"
    )
    p.set_defaults(func=cmd_recipient)
