"""The IG commands share one `patient` command with the caseload commands."""

from __future__ import annotations

import argparse

from mhf_tui.cli import ig_cmds
from mhf_tui.cli.common import command_group
from mhf_tui.cli.main import build_parser


def test_summary_discharge_and_reopen_join_an_existing_patient_command() -> None:
    common = argparse.ArgumentParser(add_help=False)
    secret = argparse.ArgumentParser(add_help=False)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    patient = command_group(sub, "patient", "patients")
    patient.add_parser("add").set_defaults(which="add")
    ig_cmds.register(sub, common, secret)
    assert parser.parse_args(["patient", "add"]).which == "add"
    args = parser.parse_args(["patient", "summary", "--nhs", "9990000018", "--out", "x.age"])
    assert args.func is ig_cmds.summary and args.format == "html" and not args.plaintext


def test_the_real_parser_has_the_ig_commands() -> None:
    parser = build_parser()
    args = parser.parse_args(["retention", "purge", "--confirm"])
    assert args.func is ig_cmds.retention_purge and args.confirm
    args = parser.parse_args(["patient", "discharge", "--nhs", "9990000018", "--on", "2024-01-02"])
    assert args.func is ig_cmds.discharge
    args = parser.parse_args(["consent", "set", "--nhs", "9990000018", "--carer-contact", "no"])
    assert args.carer_contact is False and args.share_with_practice is None
