"""`mhf sync export|ack|status|whoami|recipient`: the facilitator's side of sync (the
practice's side is `mhf inbox`, in `inbox_cmds`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhf_tui.cli.common import as_facilitator, data_dir, in_session, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg, one_of
from mhf_tui.errors import MhfError

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.sync.ack import AckResult
    from mhf_tui.sync.status import PracticeSyncStatus

SYNC_HELP = "sync files for practices: export, ack, status, whoami, profile"

cli = Commands()
cli.group("sync", SYNC_HELP)
register = cli.register


@cli.command("sync export", help="write the sync file for a practice", json=True)
@one_of(
    arg("--practice", metavar="ODS", help="the practice's ODS code"),
    arg("--all", action="store_true", help="every practice with a recipient"),
    required=True,
)
@arg("--out", metavar="DIR", help="where to write (default: exports/ in the data dir)")
@with_caseload
def sync_export(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.sync.export import export_practice

    out = Path(args.out) if args.out else data_dir(args).exports
    codes = _practices_with_recipient(caseload) if args.all else [args.practice]
    results = [as_facilitator(caseload, export_practice, ods=ods, out_dir=out) for ods in codes]
    if args.json:
        return emit(args, results)
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


def _practices_with_recipient(caseload: Caseload) -> list[str]:
    from sqlmodel import col, select

    from mhf_tui.db.tables import Practice

    with caseload.session() as session:
        codes = [
            p.ods_code
            for p in session.exec(select(Practice).order_by(col(Practice.ods_code)))
            if p.recipient
        ]
    if not codes:
        raise MhfError("no practice has a sync recipient yet (`mhf sync recipient`)")
    return codes


@cli.command("sync ack", help="load ack file(s) from a practice", json=True)
@arg("files", nargs="+", metavar="FILE")
def sync_ack(args: argparse.Namespace) -> int:
    """Every file is read and checked before the passphrase is asked for."""
    from mhf_tui.sync.ack import read_ack

    return _apply_acks(args, [read_ack(Path(f)) for f in args.files])


@with_caseload
def _apply_acks(args: argparse.Namespace, caseload: Caseload, acks: list[dict[str, Any]]) -> int:
    from mhf_tui.sync.ack import apply_ack

    results = [as_facilitator(caseload, apply_ack, ack=ack) for ack in acks]
    return emit(args, results, lines=_ack_lines)


def _ack_lines(r: AckResult) -> list[str]:
    state = "was already recorded" if r.already else "recorded"
    return [
        f"{r.practice_ods}-{r.number}: acknowledgement {state}; the next export starts "
        f"after change {r.last_ack_seq}"
    ]


@cli.command(
    "sync whoami",
    help="this device's id and key fingerprint (for the practice to enrol)",
    json=True,
)
@with_caseload
def sync_whoami(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.sync.device import load_device

    device = in_session(caseload, load_device)
    info = {
        "device_id": device.device_id,
        "facilitator": device.facilitator,
        "public_key": device.public_key_hex,
        "fingerprint": device.fingerprint,
    }
    emit(args, info, lines=_device_lines)
    if not args.json:
        print(
            "Read the fingerprint to each practice (in person or by phone); they accept your "
            "files once they run `mhf inbox enrol --fingerprint ...`.",
            file=sys.stderr,
        )
    return 0


def _device_lines(info: dict[str, str]) -> list[str]:
    return [
        f"Device:      {info['device_id']}",
        f"Facilitator: {info['facilitator']}",
        f"Signing key: ed25519 {info['public_key']}",
        f"Fingerprint: {info['fingerprint']}",
    ]


@cli.command("sync status", help="per-practice sync status", json=True)
@with_caseload
def show_status(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.sync.status import sync_status

    return emit(
        args,
        in_session(caseload, sync_status),
        header=f"{'ODS':<8} {'recipient':<9} {'exported':>8} {'acked':>6} {'waiting':>8}  "
        "last export",
        lines=_status_lines,
        empty="no practices yet",
    )


def _status_lines(r: PracticeSyncStatus) -> list[str]:
    when = r.last_export_at.strftime("%Y-%m-%d %H:%M") if r.last_export_at else "never"
    return [
        f"{r.ods_code:<8} {'yes' if r.has_recipient else 'NO':<9} "
        f"{r.last_export_number:>8} {r.last_acked_number:>6} {r.waiting:>8}  {when}"
    ]


@cli.command("sync recipient", help="set a practice's age public key")
@arg("ods", metavar="ODS")
@arg("recipient", metavar="AGE1KEY", help="as `mhf inbox init` printed it at the practice")
@with_caseload
def sync_recipient(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.sync.status import set_recipient

    practice = as_facilitator(caseload, set_recipient, ods=args.ods, recipient=args.recipient)
    print(f"{practice.ods_code}: sync files will be encrypted to {args.recipient.strip()}")
    return 0
