"""The layer contract in pyproject.toml ([tool.importlinter]) holds: the UI and the CLI sit
over sync, sync over the services, the services over the database, the database over the
vault; nothing imports upwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layers_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout
