"""One vault per test session (Argon2id is deliberately slow), copied for each test; the
tests drive the `mhf` CLI against the copy with the real passphrase."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mhf_tui.paths import DataDir
from tests.conftest import CliResult

PASS = "correct horse battery staple"


@pytest.fixture(scope="session")
def vault_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mhf_tui.services.setup import initialise_caseload

    data = DataDir(tmp_path_factory.mktemp("security-template") / "home")
    data.ensure()
    caseload, _recovery = initialise_caseload(data, PASS, facilitator="Test Facilitator")
    caseload.close()
    return data.root


@pytest.fixture
def home(vault_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "home"
    shutil.copytree(vault_template, root)
    return root


@pytest.fixture
def run(home: Path, mhf: Callable[..., CliResult]) -> Callable[..., CliResult]:
    """`mhf ARGS --home HOME --passphrase-stdin` with the passphrase (and `stdin`) fed in."""

    def go(*args: str, stdin: str = "") -> CliResult:
        return mhf(*args, "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n{stdin}")

    return go


def add_patient(run: Callable[..., CliResult], nhs: str) -> None:
    """A practice and one patient (Jo Smith), through the CLI."""
    assert run("practice", "add", "--ods", "Z99901", "--name", "Surgery").code == 0
    r = run(
        "patient", "add", "--nhs", nhs, "--family", "Smith", "--given", "Jo",
        "--dob", "1970-01-01", "--practice", "Z99901",
    )  # fmt: skip
    assert r.code == 0, r.err
