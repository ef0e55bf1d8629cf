from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

PASS = "correct horse battery staple"
NEW_PASS = "purple elephant dances quietly"


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
