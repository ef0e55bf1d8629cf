"""`mhf sync profile`: the professional registration and the service a facilitator's sync
files name (the Practitioner's identifier, the Organization). Shown without options."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mhf_tui.cli.common import as_facilitator, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.cli.sync_cmds import SYNC_HELP

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.sync.profile import Profile

cli = Commands()
cli.group("sync", SYNC_HELP)
register = cli.register


def _lines(p: Profile) -> list[str]:
    return [
        f"Registration: {p.registration or '(none)'}",
        f"Service:      {p.service or '(none: sent as Mental health facilitator service)'}",
        f"Service ODS:  {p.service_ods or '(none)'}",
    ]


@cli.command("sync profile", help="the registration and service your sync files name", json=True)
@arg("--registration", metavar="TEXT", help='e.g. "NMC 12A3456E" (empty clears it)')
@arg("--service", metavar="NAME", help="your service's name")
@arg("--service-ods", dest="service_ods", metavar="CODE", help="your service's ODS code")
@with_caseload
def sync_profile(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.sync.profile import set_profile

    profile = as_facilitator(
        caseload,
        set_profile,
        registration=args.registration,
        service=args.service,
        service_ods=args.service_ods,
    )
    return emit(args, profile, lines=_lines)
