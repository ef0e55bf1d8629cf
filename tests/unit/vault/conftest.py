from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mhf_tui.cli.main import main

PASS = "correct horse battery staple"
NEW_PASS = "purple elephant dances quietly"


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def mhf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run `mhf ARGS` in-process with the given stdin lines."""

    def run(*args: str, stdin: str = "") -> CliResult:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def home(tmp_path: Path, mhf: Callable[..., CliResult]) -> Path:
    """A data dir with a fresh vault (passphrase PASS)."""
    h = tmp_path / "home"
    r = mhf(
        "init",
        "--home",
        str(h),
        "--passphrase-stdin",
        "--name",
        "Test Facilitator",
        stdin=f"{PASS}\n{PASS}\n",
    )
    assert r.code == 0, r.err
    return h


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file's bytes under the data dir except the lock and unlock-state files."""
    skip = {"mhf.lock", "unlock-state.json"}
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name not in skip
    }
