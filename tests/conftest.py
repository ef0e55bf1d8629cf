"""Shared test settings. Area fixtures live in each subfolder's own conftest."""

from __future__ import annotations

import os

# Tests never read a developer's real caseload.
os.environ.pop("MHF_HOME", None)
os.environ.setdefault("MHF_TEST", "1")
