"""Attack: a secret given as an argument lands in shell history and in /proc/PID/cmdline,
readable by every process of the user (`mhf recover --recovery-key KEY` did)."""

from __future__ import annotations

import argparse
import re

import pytest

from mhf_tui.cli.main import build_parser


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found.extend(_parsers(child))
    return found


def test_no_command_takes_a_secret_as_an_argument():
    offenders = sorted(
        {
            f"{p.prog} {option}"
            for p in _parsers(build_parser(None))
            for action in p._actions
            if action.nargs != 0 and not isinstance(action, argparse._SubParsersAction)
            for option in action.option_strings
            if re.search(r"pass|recovery|secret|private|token", option)
        }
    )
    assert offenders == []


def test_recovery_key_option_is_gone(mhf):
    with pytest.raises(SystemExit) as exit_info:
        mhf("recover", "--recovery-key", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    assert exit_info.value.code == 2
