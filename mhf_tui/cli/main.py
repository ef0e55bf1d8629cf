"""Entry point for `mhf`. Parses arguments, dispatches, and turns user errors into one
line on stderr with a non-zero exit, never a traceback (set MHF_DEBUG=1 to see one)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from mhf_tui import __version__
from mhf_tui.errors import DiskFull, MhfError, is_disk_full

#: command modules; each has register(subparsers, common_parent, secret_parent)
COMMAND_MODULES = [
    "mhf_tui.cli.vault_cmds",
    "mhf_tui.cli.caseload_cmds",
    "mhf_tui.cli.reviews_cmds",
    "mhf_tui.cli.sync_cmds",
    "mhf_tui.cli.ig_cmds",
]


def build_parser() -> argparse.ArgumentParser:
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
    parser = argparse.ArgumentParser(
        prog="mhf",
        description="Encrypted offline caseload for mental health facilitators. "
        "With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"mhf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common, secret)
    return parser


def run_app(args: argparse.Namespace) -> int:
    from mhf_tui.cli.common import data_dir

    try:
        from mhf_tui.ui.app import run
    except ImportError:
        print("the interface is not installed in this build; see `mhf --help`", file=sys.stderr)
        return 2
    return run(data_dir(args))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        func = getattr(args, "func", None)
        result = func(args) if func else run_app(args)
        return int(result or 0)
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
