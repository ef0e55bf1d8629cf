"""The lazy command table in `cli/main.py` must name exactly what the modules register,
and plain `mhf` (which opens the app) must build no command parser at all."""

from __future__ import annotations

import argparse
import importlib

from mhf_tui.cli import main as cli_main


def _registered_by(module: str) -> set[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    common = argparse.ArgumentParser(add_help=False)
    secret = argparse.ArgumentParser(add_help=False)
    importlib.import_module(f"mhf_tui.cli.{module}").register(sub, common, secret)
    return set(sub.choices)


def test_command_table_matches_what_the_modules_register() -> None:
    modules = {m for mods in cli_main.COMMANDS.values() for m in mods}
    actual: dict[str, set[str]] = {}
    for module in modules:
        for command in _registered_by(module):
            actual.setdefault(command, set()).add(module)
    assert actual == {name: set(mods) for name, mods in cli_main.COMMANDS.items()}


def _choices(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_plain_mhf_builds_no_command_parsers() -> None:
    assert _choices(cli_main.build_parser([])) == set()
    assert _choices(cli_main.build_parser(["--home", "/somewhere"])) == set()


def test_only_the_named_commands_modules_are_built() -> None:
    built = _choices(cli_main.build_parser(["--home", "x", "reviews", "due"]))
    assert "reviews" in built
    assert "patient" not in built


def test_help_and_unknown_words_list_every_command() -> None:
    every = set(cli_main.COMMANDS)
    assert _choices(cli_main.build_parser(["--help"])) == every
    assert _choices(cli_main.build_parser(["no-such-command"])) == every


def test_shared_group_gets_subcommands_from_both_modules() -> None:
    parser = cli_main.build_parser(["patient"])
    args = parser.parse_args(["patient", "summary", "--nhs", "9990000018", "--out", "x"])
    assert args.patient_command == "summary"
    args = parser.parse_args(["patient", "show", "--nhs", "9990000018"])
    assert args.patient_command == "show"
