"""Snapshot fixtures: the functional tests' synthetic caseload, a fixed 'today' and a fixed
time zone so every date and time on screen is the same on every machine."""

from __future__ import annotations

import os
import time

import pytest

from tests.functional.conftest import make_app, seeded, template_caseload  # noqa: F401


@pytest.fixture(autouse=True)
def london_time(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def no_color_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    os.environ.pop("NO_COLOR", None)
