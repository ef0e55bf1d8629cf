"""The whole loop as the service runs it: a real caseload exports its return with
`mhf returns export`, the hub enrols the device by the fingerprint `mhf sync whoami`
shows, imports the file and reports the figures the caseload holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.unit.returns.test_returns_export import PASS, make_caseload


def test_a_facilitators_return_reaches_the_report(mhf: Any, hub_url: str, tmp_path: Path) -> None:
    identity = tmp_path / "hub.key"
    r = mhf("hub", "init", "--db", hub_url, "--identity", str(identity))
    recipient, key = (line.split(": ", 1)[1] for line in r.out.splitlines()[:2])
    home, out = str(tmp_path / "home"), tmp_path / "returns"
    make_caseload(tmp_path / "home")
    r = mhf("sync", "whoami", "--home", home, "--passphrase-stdin", "--json", stdin=f"{PASS}\n")
    fingerprint = json.loads(r.out)["fingerprint"]
    assert (
        mhf(
            "hub",
            "enrol",
            "--db",
            hub_url,
            "--fingerprint",
            fingerprint,
            "--name",
            "Test Facilitator",
        ).code
        == 0
    )
    r = mhf(
        "returns",
        "setup",
        "--home",
        home,
        "--passphrase-stdin",
        "--recipient",
        recipient,
        stdin=f"{PASS}\n{key}\n",
    )
    assert r.code == 0, r.err

    def export_and_import() -> str:
        r = mhf(
            "returns",
            "export",
            "--home",
            home,
            "--passphrase-stdin",
            "--period",
            "2026-Q3",
            "--out",
            str(out),
            stdin=f"{PASS}\n",
        )
        assert r.code == 0, r.err
        r = mhf(
            "hub", "import", r.out.strip(), "--db", hub_url, "--identity", str(identity), "--json"
        )
        assert r.code == 0, r.err
        return str(json.loads(r.out)[0]["status"])

    assert export_and_import() == "imported"
    assert export_and_import() == "replaced"  # re-exporting the quarter replaces it
    r = mhf(
        "hub",
        "report",
        "--db",
        hub_url,
        "--period",
        "2026-Q3",
        "--json",
        "--unsuppressed",
        "--by",
        "facilitator",
    )
    report = json.loads(r.out)
    s = report["service"]
    assert (s["caseload"], s["new_episodes"], s["closed_episodes"]) == (1, 1, 0)
    assert s["contacts"]["total"] == 2 and s["contacts"]["dna"] == 1
    assert s["contacts"]["minutes"] == 45
    phq9 = s["phq9"]  # 18 on 6 July, 9 on 30 September
    assert (
        phq9["paired"],
        phq9["mean_change"],
        phq9["reliable_improvement"],
        phq9["recovery"],
        phq9["reliable_deterioration"],
    ) == (1, -9.0, 1, 1, 0)
    assert s["gad7"]["paired"] == 0
    assert s["physical_health_checks"] == {"smi": 1, "all_six": 0, "rate": 0.0}
    assert s["signposting"] == [
        {"service": "Talking Therapies Test", "status": "referred", "count": 1}
    ]
    assert [g["group"] for g in report["groups"]] == ["Test Facilitator"]
