"""`mhf signpost add|list|update`: a patient signposted to a service, and moved on."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mhf_tui.cli.argtypes import iso_date, nhs_number
from mhf_tui.cli.common import patient_id, patient_records, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.signposting import SignpostingRead

cli = Commands()
cli.group(
    "signpost",
    "signposting: add, list, update (suggested -> referred -> accepted/declined/attended/"
    "did_not_engage -> closed)",
)
register = cli.register


def _lines(s: SignpostingRead) -> list[str]:
    follow = f"  follow up {s.follow_up_on}" if s.follow_up_on else ""
    nexts = ", ".join(s.next_statuses) or "-"
    return [f"{str(s.id)[:8]}  {s.signposted_on}  {s.service_name}  {s.status}{follow}  "
            f"(next: {nexts})"]  # fmt: skip


@cli.command("signpost add", help="signpost a patient to a service", json=True)
@arg("--nhs", required=True, type=nhs_number)
@arg("--service", required=True, help="service name (or unique start of it) or id")
@arg("--status", default="suggested", help="suggested (default), referred, ...")
@arg("--follow-up", dest="follow_up", type=iso_date, metavar="YYYY-MM-DD")
@arg("--note", default="", help="outcome note")
@with_caseload
def signpost_add(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.directory import find_service
    from mhf_tui.services.signposting import signpost

    with caseload.session() as session:
        service = find_service(session, name_or_id=args.service)
        item = signpost(
            session,
            actor=caseload.actor,
            patient_id=patient_id(session, args.nhs),
            service_id=service.id,
            status=args.status,
            follow_up_on=args.follow_up,
            outcome_note=args.note,
        )
    return emit(args, [item], lines=_lines)


@cli.command("signpost list", help="a patient's signposting (audited)", json=True)
@arg("--nhs", required=True, type=nhs_number)
@with_caseload
def signpost_list(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.signposting import list_signposting

    items = patient_records(args, caseload, "signposting", list_signposting)
    return emit(args, items, lines=_lines)


@cli.command("signpost update", help="move a signposting on to its next status", json=True)
@arg("signposting_id", metavar="ID", help="the signposting (id or its first characters)")
@arg("--status", required=True)
@arg("--follow-up", dest="follow_up", type=iso_date, metavar="YYYY-MM-DD")
@arg("--note", help="outcome note")
@with_caseload
def signpost_update(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.signposting import advance_signposting, resolve_signposting_id

    with caseload.session() as session:
        item = advance_signposting(
            session,
            actor=caseload.actor,
            signposting_id=resolve_signposting_id(session, ref=args.signposting_id),
            status=args.status,
            outcome_note=args.note,
            follow_up_on=args.follow_up,
        )
    return emit(args, [item], lines=_lines)
