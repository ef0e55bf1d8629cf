"""`mhf hub init|enrol|import|report`: the service's PostgreSQL hub (needs the `hub`
extra). psycopg is imported only when one of these commands runs, so the facilitator's
commands and the app never load it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import add_json_option, print_json
from mhf_tui.errors import MhfError
from mhf_tui.safe_text import neutralise


@contextmanager
def hub_connection(args: argparse.Namespace) -> Iterator[Any]:
    """An open connection to --db / $MHF_HUB_DB; database errors become one scrubbed line."""
    from mhf_tui.hub.db import connect, database_error
    from mhf_tui.hub.schema import LATEST, migrate, schema_version

    conn = connect(args.db)
    import psycopg

    try:
        if 0 < schema_version(conn) < LATEST:  # a hub made by an older mhf
            migrate(conn)
        yield conn
    except psycopg.Error as exc:
        raise database_error(exc, args.db) from None
    finally:
        conn.close()


def cmd_init(args: argparse.Namespace) -> int:
    from mhf_tui.hub.admin import init_hub

    with hub_connection(args) as conn:
        setup = init_hub(conn, Path(args.identity))
    print(f"Recipient: {setup.recipient}")
    print(f"Pseudonymisation key: {setup.service_key}")
    print(
        f"Identity written to {args.identity} (keep it safe). The key is shown only now: "
        "give it to each facilitator for `mhf returns setup`; the hub does not keep it.",
        file=sys.stderr,
    )
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    from mhf_tui.hub.admin import enrol_device

    with hub_connection(args) as conn:
        fp, new = enrol_device(conn, fingerprint_text=args.fingerprint, name=args.name)
    state = "enrolled" if new else "already enrolled; name updated"
    print(f"{fp}: {state} ({neutralise(args.name, multiline=False)})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mhf_tui.hub.importer import analyse, import_files
    from mhf_tui.sync.package import SyncError, load_identity

    try:
        identity = load_identity(Path(args.identity))
    except SyncError as exc:
        raise MhfError(str(exc)) from None
    results: list[dict[str, Any]] = []
    with hub_connection(args) as conn:
        for path, outcome in import_files(conn, [Path(f) for f in args.files], identity):
            if isinstance(outcome, MhfError):
                results.append({"file": path.name, "status": "refused", "error": str(outcome)})
            else:
                results.append(outcome.as_json())
        failed = sum(r["status"] == "refused" for r in results)
        if len(results) > failed:
            analyse(conn)
    if args.json:
        print_json(results)
    else:
        for r in results:
            if r["status"] == "refused":
                print(f"mhf: {neutralise(r['error'], multiline=False)}", file=sys.stderr)
            else:
                print(
                    f"{neutralise(r['file'])}: {r['status']} ({neutralise(r['facilitator'])}, "
                    f"{r['period']}, {r['rows']} rows)"
                )
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from mhf_tui.hub.admin import hub_key_id
    from mhf_tui.hub.html import render
    from mhf_tui.hub.report import collect, window
    from mhf_tui.hub.suppress import build_report
    from mhf_tui.sync.package import write_atomic
    from mhf_tui.sync.returns import parse_period

    if args.unsuppressed and not args.json:
        raise MhfError("--unsuppressed is only for --json (the service's own analysts)")
    asked = None
    if args.period or args.date_from or args.date_to:
        asked = parse_period(args.period, args.date_from, args.date_to)
    with hub_connection(args) as conn:
        hub_key_id(conn)  # a clear "run hub init" on a database without a hub
        period = window(conn, asked)
        raw, by_practice = collect(conn, period, args.by)
    report = build_report(
        raw, by_practice, period=period, by=args.by, suppressed=not args.unsuppressed
    )
    if args.html:
        write_atomic(Path(args.html), render(report).encode("utf-8"))
    if args.json:
        print_json(report)
    elif args.html:
        print(args.html)
    else:
        print_summary(report)
    return 0


def _pct(rate: Any) -> str:
    """A rate as text: n/a with nothing to divide, * when suppressed."""
    return "n/a" if rate is None else str(rate) if rate == "*" else f"{rate}%"


def print_summary(report: dict[str, Any]) -> None:
    """A short plain-text view (suppressed figures)."""
    s = report["service"]
    print(
        f"Service outcomes, {report['period']['label']} ({report['period']['from']} to "
        f"{report['period']['to']}); small numbers suppressed"
    )
    print(f"Caseload {s['caseload']}, new {s['new_episodes']}, closed {s['closed_episodes']}")
    c, checks = s["contacts"], s["physical_health_checks"]
    print(f"Contacts {c['total']} ({c['minutes']} minutes), DNA {c['dna']} ({_pct(c['dna_rate'])})")
    print(
        f"SMI physical health check, all six: {checks['all_six']} of {checks['smi']} "
        f"({_pct(checks['rate'])})"
    )
    for m, label in (("phq9", "PHQ-9"), ("gad7", "GAD-7")):
        f = s[m]
        print(
            f"{label}: paired {f['paired']}, mean change {f['mean_change']}, reliable "
            f"improvement {f['reliable_improvement']}, recovery {f['recovery']}, reliable "
            f"deterioration {f['reliable_deterioration']}"
        )
    print(f"\n{'group':<24} {'caseload':>8} {'PHQ-9 paired':>12} {'GAD-7 paired':>12}")
    for g in report["groups"]:
        name = neutralise(str(g["group"]), multiline=False)[:24]
        print(
            f"{name:<24} {g['caseload']!s:>8} {g['phq9']['paired']!s:>12} "
            f"{g['gad7']['paired']!s:>12}"
        )


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="PostgreSQL URL or conninfo (default: $MHF_HUB_DB)",
    )


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    hub = sub.add_parser("hub", help="the service hub (PostgreSQL): init, enrol, import, report")
    hub.set_defaults(func=lambda _args: hub.print_help() or 2)
    hsub = hub.add_subparsers(dest="hub_command", metavar="COMMAND")

    p = hsub.add_parser("init", help="create the schema, an age identity and the service key")
    _db(p)
    p.add_argument("--identity", required=True, metavar="FILE", help="identity file to write")
    p.set_defaults(func=cmd_init)

    p = hsub.add_parser("enrol", help="accept returns from one facilitator device")
    _db(p)
    p.add_argument("--fingerprint", required=True, metavar="FP", help="from `mhf sync whoami`")
    p.add_argument("--name", required=True, metavar="NAME", help="the facilitator's name")
    p.set_defaults(func=cmd_enrol)

    p = hsub.add_parser("import", help="verify and load return files (each all or nothing)")
    p.add_argument("files", nargs="+", metavar="FILE")
    _db(p)
    p.add_argument("--identity", required=True, metavar="FILE", help="the hub's identity file")
    add_json_option(p)
    p.set_defaults(func=cmd_import)

    p = hsub.add_parser("report", help="the service outcomes report")
    _db(p)
    p.add_argument("--period", metavar="YYYY-Qn", help="a calendar quarter (default: all)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument(
        "--by",
        choices=("practice", "facilitator", "cluster"),
        default="practice",
        help="the groups (default: practice)",
    )
    add_json_option(p)
    p.add_argument(
        "--unsuppressed",
        action="store_true",
        help="with --json: exact small numbers, for the service's own analysts only",
    )
    p.add_argument("--html", metavar="OUT", help="also write a self-contained HTML report")
    p.set_defaults(func=cmd_report)
