"""What the practice gets out of its inbox: `mhf inbox letters`, `codes`, `qof` and the
`open` screen. Thin: open the store, call `mhf_tui.sync` (letters, codes, QOF), print."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from mhf_tui.cli.argtypes import contract_year, iso_date, nhs_number
from mhf_tui.cli.inbox_cmds import opened_store
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.sync.letter_store import WrittenLetter

cli = Commands()
cli.group("inbox", "the practice inbox: receive facilitators' sync files")
register = cli.register


def _letter_lines(w: WrittenLetter) -> list[str]:
    risk = "  RISK" if w.risk_flagged else ""
    return [f"{w.path.name}  {w.items} item(s), {w.codes} code(s){risk}"]


@cli.command("inbox letters", help="write a PDF letter per patient with new information", json=True)
@arg("--store", required=True, metavar="DIR", help="the practice inbox")
@arg("--out", required=True, metavar="DIR", help="folder for the letters")
@arg("--all", action="store_true", help="write every letter again, in full")
@arg("--nhs", type=nhs_number, metavar="N", help="only this patient")
def inbox_letters(args: argparse.Namespace) -> int:
    from mhf_tui.sync.letter_store import write_letters

    with opened_store(args) as store, store.session() as session:
        written = write_letters(session, Path(args.out), all_items=args.all, nhs=args.nhs)
    return emit(
        args,
        written,
        lines=_letter_lines,
        empty="No new information: no letters written (--all writes every letter again).",
        footer=f"{len(written)} letter(s) in {args.out}: clear text; file them, then delete them."
        if written
        else None,
    )


@cli.command("inbox codes", help="the coded entries as CSV, for bulk coding")
@arg("--store", required=True, metavar="DIR", help="the practice inbox")
@arg("--out", required=True, metavar="FILE.csv")
@arg("--since", type=iso_date, metavar="YYYY-MM-DD", help="only entries on or after this date")
def inbox_codes(args: argparse.Namespace) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.sync.codes import codes_csv
    from mhf_tui.sync.letter_store import coded_rows

    with opened_store(args) as store, store.session() as session:
        rows = coded_rows(session, since=args.since)
    out = Path(args.out)
    write_private(out, codes_csv(rows).encode("utf-8"))
    print(f"{len(rows)} coded entr{'y' if len(rows) == 1 else 'ies'} written to {out}")
    return 0


@cli.command(
    "inbox qof",
    help="physical health check elements per SMI patient in a contract year",
    json=True,
)
@arg("--store", required=True, metavar="DIR", help="the practice inbox")
@arg(
    "--year", type=contract_year, metavar="2026/27", help="contract year (default: the current one)"
)
def inbox_qof(args: argparse.Namespace) -> int:
    from mhf_tui.sync.qof import qof_lines, qof_report

    with opened_store(args) as store, store.session() as session:
        report = qof_report(session, args.year)
    return emit(args, report, lines=qof_lines)


@cli.command(
    "inbox open", help="the inbox screen: import, read and write letters, mark them filed",
    secret=False,
)  # fmt: skip
@arg("--store", required=True, metavar="DIR", help="the practice inbox")
@arg("--letters", metavar="DIR", help="where `w` writes letters (default: letters/ beside it)")
def inbox_open(args: argparse.Namespace) -> int:
    from mhf_tui.ui.inbox_app import run_inbox

    root = Path(args.store)
    return run_inbox(root, Path(args.letters) if args.letters else root.parent / "letters")
