"""Entry point for `mhf`. Parses arguments, dispatches, and turns user errors into one
line on stderr with a non-zero exit, never a traceback (set MHF_DEBUG=1 to see one)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from mhf_tui import __version__
from mhf_tui.errors import DiskFull, MhfError, is_disk_full

Handler = Callable[[argparse.Namespace], int | None]

#: top-level command -> the modules that register it (each module has
#: register(subparsers, common_parent, secret_parent)). Only the modules for the command
#: named in argv are imported and built, so plain `mhf` (the app) builds no parser at all;
#: `tests/unit/test_cli_registry.py` checks this table against what the modules register.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("vault_cmds",),
    "passwd": ("vault_cmds",),
    "recover": ("vault_cmds",),
    "rekey": ("vault_cmds",),
    "backup": ("vault_cmds",),
    "restore": ("vault_cmds",),
    "check": ("vault_cmds",),
    "practice": ("practice_cmds",),
    "patient": ("patient_cmds", "ig_cmds"),
    "patients": ("patient_cmds",),
    "note": ("note_cmds",),
    "contact": ("contact_cmds",),
    "followups": ("contact_cmds",),
    "signpost": ("signpost_cmds",),
    "directory": ("directory_cmds",),
    "demo": ("demo_cmds",),
    "reviews": ("reviews_cmds",),
    "outcome": ("outcome_cmds",),
    "sync": ("sync_cmds", "sync_profile_cmds"),
    "inbox": ("inbox_cmds", "inbox_output_cmds"),
    "retention": ("ig_cmds",),
    "consent": ("ig_cmds",),
    "returns": ("returns_cmds",),
    "hub": ("hub_cmds",),
    "careplan": ("careplan_cmds",),
    "person": ("person_cmds",),
}

#: root options that take a value, so the command is found after them
_VALUE_OPTIONS = ("--home",)


def command_in(argv: list[str]) -> str | None:
    """The command named in argv (the first word that is not an option or its value)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


class Parser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr (no usage block), like every other
    mhf error; the sub-command parsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for argv's command only; with argv None, or `--help`, or a word that is
    not a command, every command (so help and "invalid choice" list them all)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        default=argparse.SUPPRESS,
        help="data dir (default: $MHF_HOME or the platform's user data dir)",
    )
    secret = argparse.ArgumentParser(add_help=False)
    secret.add_argument(
        "--passphrase-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read passphrase(s) from stdin, one per line, instead of prompting",
    )
    parser = Parser(
        prog="mhf",
        description="Encrypted offline caseload for mental health facilitators. "
        "With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"mhf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _modules_for(argv):
        importlib.import_module(f"mhf_tui.cli.{name}").register(sub, common, secret)
    return parser


def _modules_for(argv: list[str] | None) -> list[str]:
    everything = list(dict.fromkeys(m for mods in COMMANDS.values() for m in mods))
    if argv is None:
        return everything
    command = command_in(argv)
    if command is None:
        return everything if any(w in ("-h", "--help") for w in argv) else []
    return list(COMMANDS.get(command, everything))


def run_app(args: argparse.Namespace) -> int:
    from mhf_tui.cli.common import data_dir

    try:
        from mhf_tui.ui.app import run
    except ImportError:
        print("the interface is not installed in this build; see `mhf --help`", file=sys.stderr)
        return 2
    return run(data_dir(args))


def main(argv: list[str] | None = None) -> int:
    from mhf_tui.cli.safe_output import safe_output
    from mhf_tui.vault.process import harden_process

    harden_process()  # before any passphrase or key is in memory
    words = sys.argv[1:] if argv is None else argv
    with safe_output():
        args = build_parser(words).parse_args(words)
        func = getattr(args, "func", None)
        if func is not None:
            return _dispatch(func, args)
    return _dispatch(run_app, args)  # the app owns the terminal: no wrapper


def _dispatch(func: Handler, args: argparse.Namespace) -> int:
    """Run one handler; user errors become one line on stderr and an exit code."""
    try:
        return int(func(args) or 0)
    except MhfError as exc:
        print(f"mhf: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mhf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        if os.environ.get("MHF_DEBUG"):
            raise
        if is_disk_full(exc):
            print(f"mhf: {DiskFull()}", file=sys.stderr)
            return 1
        # The message may hold patient data, so only the type is printed.
        print(
            f"mhf: unexpected error ({type(exc).__name__}); nothing further was changed. "
            "Run with MHF_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
