"""`mhf directory list|import|export`: the service directory signposting points to."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mhf_tui.cli.common import as_facilitator, in_session, read_text_file, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.directory import ServiceRead

cli = Commands()
cli.group("directory", "the service directory")
register = cli.register


@cli.command("directory list", help="list services", json=True)
@arg("--query", help="words to look for")
@arg("--category")
@arg("--all", action="store_true", help="include retired entries")
@with_caseload
def directory_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.directory import list_services

    services = in_session(
        caseload,
        list_services,
        query=args.query or "",
        category=args.category,
        include_inactive=args.all,
    )
    return emit(args, services, lines=_service_lines, footer=f"{len(services)} service(s)")


def _service_lines(s: ServiceRead) -> list[str]:
    texts = f"text {s.text_number}" if s.text_number else ""
    contact = " / ".join(x for x in (s.phone, texts, s.web) if x)
    checked = f"checked {s.checked_on}" if s.checked_on else "not checked"
    scope = "national" if s.national else (s.area or "local")
    lines = [f"{s.name}  [{s.category}; {scope}; {checked}]", f"    {contact}"]
    if s.opening_hours:
        lines.append(f"    {s.opening_hours}")
    return lines


@cli.command(
    "directory import",
    help="import local services from CSV (all or nothing)",
    description="Columns: name,category (required), how_to_refer,phone,text_number,web,"
    "area,opening_hours,notes,checked_on. A row with the name and area of an existing "
    "entry updates it.",
)
@arg("file", metavar="FILE.csv")
def directory_import(args: argparse.Namespace) -> int:
    return _import(args, read_text_file(args.file))


@with_caseload
def _import(args: argparse.Namespace, caseload: Caseload, text: str) -> int:
    from mhf_tui.services.directory import import_services_csv

    result = as_facilitator(caseload, import_services_csv, text=text)
    print(
        f"Directory: {result.added} added, {result.updated} updated, {result.unchanged} unchanged"
    )
    return 0


@cli.command("directory export", help="export the directory as CSV")
@arg("file", nargs="?", metavar="FILE", help="default: stdout")
@with_caseload
def directory_export(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.paths import write_private
    from mhf_tui.services.directory import export_services_csv

    text = as_facilitator(caseload, export_services_csv)
    if args.file:
        write_private(Path(args.file), text.encode("utf-8"))
        print(f"Wrote {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
