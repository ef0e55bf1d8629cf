"""Shared test settings and the in-process CLI runner. Area fixtures live in each
subfolder's own conftest."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

# Tests never read a developer's real caseload.
os.environ.pop("MHF_HOME", None)
os.environ.setdefault("MHF_TEST", "1")


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def mhf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run `mhf ARGS` in-process with the given stdin, as a user at a terminal would."""
    from mhf_tui.cli.main import main

    def run(*args: str, stdin: str = "") -> CliResult:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
