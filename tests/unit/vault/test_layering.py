"""The core packages never pull in Textual (DESIGN.md, rules of the house)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "mhf_tui.vault",
    "mhf_tui.db",
    "mhf_tui.db.store",
    "mhf_tui.services",
    "mhf_tui.sync",
    "mhf_tui.cli.main",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_textual(module):
    code = (
        "import importlib, pkgutil, sys\n"
        f"mod = importlib.import_module({module!r})\n"
        "if hasattr(mod, '__path__'):\n"
        "    for info in pkgutil.walk_packages(mod.__path__, mod.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print('textual' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"
