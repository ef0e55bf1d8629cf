"""Fixtures for driving the app with Pilot: one synthetic caseload built once per session
(Argon2id is deliberately slow), copied into each test's tmp_path."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mhf_tui.config import Settings
from mhf_tui.paths import DataDir

PASSPHRASE = "correct horse battery staple"
TODAY = date(2026, 3, 2)


@dataclass(frozen=True)
class Seeded:
    home: DataDir
    alice: uuid.UUID  # PARKER, Alice: risk alert, one note
    bob: uuid.UUID  # O'NEIL, Bob: no notes


def build_caseload(root: Path, *, demo_patients: int = 40) -> Seeded:
    from mhf_tui.services import notes, patients, practices
    from mhf_tui.services.demo import build_demo_caseload
    from mhf_tui.services.setup import initialise_caseload

    home = DataDir(root)
    caseload, _recovery = initialise_caseload(home, PASSPHRASE, facilitator="Test Facilitator")
    try:
        build_demo_caseload(caseload, patients=demo_patients, seed=7, today=TODAY)
        actor = caseload.actor
        with caseload.session() as s:
            practices.add_practice(
                s,
                actor=actor,
                data=practices.PracticeCreate(ods_code="Z99990", name="Test Surgery"),
            )
            alice = patients.add_patient(
                s,
                actor=actor,
                data=patients.PatientCreate(
                    family_name="Parker",
                    given_name="Alice",
                    date_of_birth="1980-03-04",
                    practice_ods="Z99990",
                    nhs_number="9990000018",
                    care_cluster=8,
                    alert_risk=True,
                ),
            )
            bob = patients.add_patient(
                s,
                actor=actor,
                data=patients.PatientCreate(
                    family_name="O'Neil",
                    given_name="Bob",
                    date_of_birth="1971-11-20",
                    practice_ods="Z99990",
                    nhs_number="9990000026",
                ),
            )
            notes.add_note(s, actor=actor, patient_id=alice.id, text="Seen at surgery. Low mood.")
    finally:
        caseload.close()
    return Seeded(home, alice.id, bob.id)


@pytest.fixture(scope="session")
def template_caseload(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return build_caseload(tmp_path_factory.mktemp("template") / "home")


@pytest.fixture
def seeded(template_caseload: Seeded, tmp_path: Path) -> Seeded:
    root = tmp_path / "home"
    shutil.copytree(template_caseload.home.root, root)
    return Seeded(DataDir(root), template_caseload.alice, template_caseload.bob)


@pytest.fixture
def make_app() -> Callable[..., Any]:
    from mhf_tui.ui.app import create_app

    def make(home: DataDir, **kwargs: Any) -> Any:
        kwargs.setdefault("settings", Settings())
        kwargs.setdefault("today", lambda: TODAY)
        return create_app(home, **kwargs)

    return make


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let workers finish: poll `condition` between UI pauses."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)


async def unlock(pilot: Any, passphrase: str = PASSPHRASE) -> None:
    from mhf_tui.ui.screens.dashboard import DashboardScreen

    await wait_for(pilot, lambda: pilot.app.screen.id == "lock")
    # typed for real in test_ui_lock; set directly here to keep the suite quick
    pilot.app.screen.query_one("#passphrase").value = passphrase
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen))
