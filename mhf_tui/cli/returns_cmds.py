"""`mhf returns setup|export`: the facilitator's pseudonymised service return, signed and
encrypted to the service's hub (see `mhf_tui.sync.returns` for what it holds)."""

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
    secrets_from,
)


def cmd_setup(args: argparse.Namespace) -> int:
    from mhf_tui.sync.package import parse_recipient
    from mhf_tui.sync.returns import setup_returns

    parse_recipient(args.recipient)  # a clear error before any passphrase is asked
    with open_caseload(args) as caseload:
        key = secrets_from(args).read("Pseudonymisation key (from the hub): ")
        with caseload.session() as session:
            setup_returns(session, recipient=args.recipient, key_text=key, actor=caseload.actor)
    print("Returns set up: they will be encrypted to the hub and pseudonymised with its key.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from mhf_tui.sync.returns import export_return, parse_period

    period = parse_period(args.period, args.date_from, args.date_to)
    out = Path(args.out) if args.out else data_dir(args).exports
    with open_caseload(args) as caseload, caseload.session() as session:
        result = export_return(session, period=period, out_dir=out, actor=caseload.actor)
    if args.json:
        print_json(
            {
                "path": str(result.path),
                "period": result.period.as_json(),
                "sequence": result.sequence,
                "counts": result.counts,
            }
        )
        return 0
    print(result.path)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    print(f"  {result.period.label}: {counts}", file=sys.stderr)
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    rsub = command_group(sub, "returns", "pseudonymised service returns for the hub", common)
    p = rsub.add_parser(
        "setup",
        parents=[common, secret],
        help="store the hub's recipient and the service's pseudonymisation key",
        description="The key is read after the passphrase: the next stdin line with "
        "--passphrase-stdin, else a prompt that does not echo.",
    )
    p.add_argument("--recipient", required=True, metavar="AGE1", help="from `mhf hub init`")
    p.set_defaults(func=cmd_setup)

    p = rsub.add_parser(
        "export", parents=[common, secret], help="write this device's return for a period"
    )
    p.add_argument("--period", metavar="YYYY-Qn", help="a calendar quarter (Q3 = Jul-Sep)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: exports/)")
    add_json_option(p)
    p.set_defaults(func=cmd_export)
