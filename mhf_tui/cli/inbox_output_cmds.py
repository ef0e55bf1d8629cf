"""What the practice gets out of its inbox: `mhf inbox letters`, `codes`, `qof` and the
`open` screen. Thin: open the store, call `mhf_tui.sync` (letters, codes, QOF), print."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import add_json_option, command_group, print_json, secrets_from
from mhf_tui.errors import MhfError
from mhf_tui.safe_text import neutralise

STORE_PROMPT = "Practice store passphrase: "


@contextmanager
def opened_store(args: argparse.Namespace) -> Iterator[Any]:
    """Lock the store, ask for its passphrase, yield it open."""
    from mhf_tui.sync.practice_store import PracticeStore, StoreDir
    from mhf_tui.vault.lock import InstanceLock

    root = Path(args.store)
    if not StoreDir(root).exists():
        raise MhfError(f"no practice inbox in {root}")
    with InstanceLock(root / "mhf.lock"):
        store = PracticeStore.open(root, secrets_from(args).read(STORE_PROMPT))
        try:
            yield store
        finally:
            store.close()


def cmd_letters(args: argparse.Namespace) -> int:
    from mhf_tui.sync.letter_store import write_letters

    with opened_store(args) as store, store.session() as session:
        written = write_letters(session, Path(args.out), all_items=args.all, nhs=args.nhs)
    if args.json:
        print_json(
            [
                {
                    "file": str(w.path),
                    "nhs_number": w.nhs_number,
                    "items": w.items,
                    "codes": w.codes,
                    "risk": w.risk_flagged,
                }
                for w in written
            ]
        )
        return 0
    if not written:
        print("No new information: no letters written (--all writes every letter again).")
    for w in written:
        flag = "  RISK" if w.risk_flagged else ""
        print(f"{neutralise(w.path.name)}  {w.items} item(s), {w.codes} code(s){flag}")
    if written:
        print(f"{len(written)} letter(s) in {args.out}: clear text, file them, then delete them.")
    return 0


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MhfError(f"--since takes a date like 2026-04-01, not {text!r}") from None


def cmd_codes(args: argparse.Namespace) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.sync.codes import coded_entries, codes_csv
    from mhf_tui.sync.letter_store import held_items
    from mhf_tui.sync.letters import nhs_of

    since = _since(args.since)
    with opened_store(args) as store, store.session() as session:
        holdings = held_items(session)
    rows = []
    for pid, patient in holdings.patients.items():
        for row in coded_entries(h.body for h in holdings.items.get(pid, [])):
            if since is None or (row.date and date.fromisoformat(row.date) >= since):
                rows.append((nhs_of(patient.body), row))
    rows.sort(key=lambda pair: (pair[0], pair[1]))
    out = Path(args.out)
    write_private(out, codes_csv(rows).encode("utf-8"))
    print(f"{len(rows)} coded entr{'y' if len(rows) == 1 else 'ies'} written to {out}")
    return 0


def cmd_qof(args: argparse.Namespace) -> int:
    from mhf_tui.services.contract_year import ContractYear
    from mhf_tui.sync.qof import qof_lines, qof_report

    try:
        year = ContractYear.parse(args.year) if args.year else None
    except ValueError as exc:
        raise MhfError(str(exc)) from None
    with opened_store(args) as store, store.session() as session:
        report = qof_report(session, year)
    if args.json:
        print_json(report.to_json())
        return 0
    for line in qof_lines(report):
        print(neutralise(line))
    return 0


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, metavar="DIR", help="the practice inbox")


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    isub = command_group(sub, "inbox", "the practice inbox: receive facilitators' sync files")
    p = isub.add_parser(
        "letters",
        parents=[common, secret],
        help="write a PDF letter per patient with new information",
    )
    _store_option(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the letters")
    p.add_argument("--all", action="store_true", help="write every letter again, in full")
    p.add_argument("--nhs", metavar="N", help="only this patient")
    add_json_option(p)
    p.set_defaults(func=cmd_letters)
    p = isub.add_parser(
        "codes", parents=[common, secret], help="the coded entries as CSV, for bulk coding"
    )
    _store_option(p)
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.add_argument("--since", metavar="DATE", help="only entries on or after this date")
    p.set_defaults(func=cmd_codes)
    p = isub.add_parser(
        "qof",
        parents=[common, secret],
        help="physical health check elements per SMI patient in a contract year",
    )
    _store_option(p)
    p.add_argument("--year", metavar="2026/27", help="contract year (default: the current one)")
    add_json_option(p)
    p.set_defaults(func=cmd_qof)
