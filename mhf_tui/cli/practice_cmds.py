"""`mhf practice add|list`: the practices the facilitator works in."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mhf_tui.cli.argtypes import ods_code
from mhf_tui.cli.common import as_facilitator, in_session, with_caseload
from mhf_tui.cli.output import Column, emit
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.practices import PracticeRead

cli = Commands()
cli.group("practice", "practices: add, list")
register = cli.register


@cli.command("practice add", help="add a practice you work in")
@arg("--ods", required=True, type=ods_code, help="the practice's ODS code, e.g. C82001")
@arg("--name", required=True)
@arg("--recipient", metavar="AGE1KEY", help="the practice's age public key")
@with_caseload
def practice_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.practices import PracticeCreate, add_practice

    data = PracticeCreate(ods_code=args.ods, name=args.name, recipient=args.recipient)
    practice = as_facilitator(caseload, add_practice, data=data)
    print(f"Added practice {practice.ods_code} {practice.name}")
    return 0


PRACTICE_COLUMNS: list[Column[PracticeRead]] = [
    ("ODS", lambda p: p.ods_code),
    ("Name", lambda p: p.name),
    ("Patients", lambda p: p.patient_count),
    ("Sync key", lambda p: "yes" if p.recipient else "no"),
]


@cli.command("practice list", help="list practices", json=True)
@with_caseload
def practice_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.practices import list_practices

    return emit(
        args,
        in_session(caseload, list_practices),
        columns=PRACTICE_COLUMNS,
        empty="No practices yet: mhf practice add --ods CODE --name NAME",
    )
