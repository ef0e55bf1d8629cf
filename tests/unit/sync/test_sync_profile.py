"""`mhf sync profile`: the registration and service a facilitator's sync files name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.unit.sync.conftest import PASS, World
from tests.unit.sync.helpers import export, unpack


def test_profile_is_set_shown_audited_and_sent(world: World, mhf: Callable, tmp_path: Path):
    world.caseload.close()
    home = ["--home", str(world.home), "--passphrase-stdin"]
    r = mhf("sync", "profile", *home, "--registration", "HCPC PYL123456", "--service",
            "County MHF Service", "--service-ods", "rt5", "--json", stdin=f"{PASS}\n")  # fmt: skip
    assert r.code == 0, r.err
    assert json.loads(r.out) == {
        "registration": "HCPC PYL123456", "service": "County MHF Service", "service_ods": "RT5",
    }  # fmt: skip
    r = mhf("sync", "profile", *home, stdin=f"{PASS}\n")
    assert "Registration: HCPC PYL123456" in r.out and "Service ODS:  RT5" in r.out
    r = mhf("sync", "profile", *home, "--service-ods", "not a code!", stdin=f"{PASS}\n")
    assert r.code != 0 and "service ODS code" in r.err

    from mhf_tui.db.store import Caseload
    from mhf_tui.paths import DataDir
    from mhf_tui.services.audit import verify_chain

    world.caseload = Caseload.open(DataDir(world.home), PASS)
    with world.caseload.session() as s:
        from sqlmodel import select

        from mhf_tui.db.tables import AuditEvent

        details = [e.detail for e in s.exec(select(AuditEvent))]
        assert "sync profile: registration,service,service_ods" in details
        assert verify_chain(s).ok
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    resources = [e["resource"] for e in raw["entry"]]
    [practitioner] = [r for r in resources if r["resourceType"] == "Practitioner"]
    [organization] = [r for r in resources if r["resourceType"] == "Organization"]
    assert practitioner["identifier"] == [
        {"system": "https://fhir.hl7.org.uk/Id/hcpc-number", "value": "PYL123456"}
    ]
    assert organization["name"] == "County MHF Service"
    assert organization["identifier"][0]["value"] == "RT5"
