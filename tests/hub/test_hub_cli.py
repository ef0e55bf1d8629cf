"""`mhf hub ...` as an operator runs it, against the real PostgreSQL: init's output and
identity file, enrolment, import (text and --json, concurrent processes), the report as
JSON and as HTML (parsed; its numbers match --json), the password never shown, psycopg
loaded only by hub commands and a one-line error without it."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pyrage import x25519

from mhf_tui.sync.package import load_identity, parse_recipient
from mhf_tui.sync.pseudonym import parse_service_key
from tests.conftest import CliResult
from tests.hub.helpers import Returns, new_device, patient, quarter

Q3 = quarter("2026-Q3")
ROOT = Path(__file__).resolve().parents[2]


def init(mhf: Any, url: str, tmp_path: Path) -> tuple[Returns, Path]:
    identity = tmp_path / "hub.key"
    r: CliResult = mhf("hub", "init", "--db", url, "--identity", str(identity))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("Recipient: age1") and lines[1].startswith("Pseudonymisation key: ")
    key = lines[1].split(": ", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{64}", key)  # 256 bits
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert str(load_identity(identity).to_public()) == lines[0].split(": ", 1)[1]
    out = tmp_path / "returns"
    return Returns(
        out, parse_recipient(lines[0].split(": ", 1)[1]), parse_service_key(key)
    ), identity


def test_commands_on_a_database_without_a_hub_say_run_init(
    mhf: Any, hub_url: str, tmp_path: Path
) -> None:
    device = new_device("Alex")
    for args in (
        ("enrol", "--fingerprint", device.fingerprint, "--name", "Alex"),
        ("import", str(tmp_path / "none.mhfreturn"), "--identity", str(tmp_path / "k")),
        ("report",),
    ):
        if args[0] == "import":
            (tmp_path / "k").write_text(f"{x25519.Identity.generate()}\n")
        r = mhf("hub", *args, "--db", hub_url)
        assert r.code == 1 and "run `mhf hub init` first" in r.err, r.err


def test_init_refuses_a_second_hub_and_an_existing_identity(
    mhf: Any, hub_url: str, tmp_path: Path
) -> None:
    init(mhf, hub_url, tmp_path)
    r = mhf("hub", "init", "--db", hub_url, "--identity", str(tmp_path / "other.key"))
    assert r.code == 1 and "already has a hub" in r.err and "Pseudonymisation" not in r.out
    r = mhf("hub", "report", "--db", hub_url)  # nothing imported yet: zeros, not an error
    assert r.code == 0 and "Caseload 0, new 0, closed 0" in r.out


def test_db_defaults_to_env_and_password_never_shown(
    mhf: Any, hub_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = re.search(r"host=(\S+)", hub_url)[1]  # type: ignore[index]
    db = re.search(r"dbname=(\S+)", hub_url)[1]  # type: ignore[index]
    secret = "Sup3rSecretPw"
    url = f"postgresql://mhf:{secret}@/{db}?host={host}"
    monkeypatch.setenv("MHF_HUB_DB", url)
    r = mhf("hub", "init", "--identity", str(tmp_path / "hub.key"))
    assert r.code == 0 and secret not in r.out + r.err
    bad = f"postgresql://mhf:{secret}@/no_such_db?host={host}"
    r = mhf("hub", "report", "--db", bad)
    assert r.code == 1 and secret not in r.out + r.err
    assert "no_such_db" in r.err and len(r.err.strip().splitlines()) == 1
    monkeypatch.delenv("MHF_HUB_DB")
    r = mhf("hub", "report")
    assert r.code == 1 and "MHF_HUB_DB" in r.err


def _setup(mhf: Any, url: str, tmp_path: Path) -> tuple[list[Path], Path]:
    returns, identity = init(mhf, url, tmp_path)
    files = []
    for n, name in enumerate(("Alex Facilitator", "Sam Facilitator")):
        device = new_device(name)
        r = mhf(
            "hub",
            "enrol",
            "--db",
            url,
            "--fingerprint",
            device.fingerprint.lower().replace(" ", "-"),
            "--name",
            name,
        )
        assert r.code == 0 and device.fingerprint in r.out
        patients = [
            patient(
                100 * n + i,
                returns.key,
                practice=("C82001", "C82002")[i % 2],
                phq9=[["2026-07-01", 10 + i % 10], ["2026-09-01", 5 + i % 7]],
                gad7=[["2026-07-01", 9 + i % 8], ["2026-09-01", 4 + i % 5]],
                contacts=[["2026-07-01", "phone", 20, False]] * (1 + i % 3),
                signposting=[["Talking Therapies", "iapt", "referred", "2026-07-02", "2026-07-02"]],
            )
            for i in range(40)
        ]
        files.append(returns.write(device, Q3, patients))
    return files, identity


def test_import_then_report_json_and_html_agree(mhf: Any, hub_url: str, tmp_path: Path) -> None:
    files, identity = _setup(mhf, hub_url, tmp_path)
    r = mhf(
        "hub", "import", *map(str, files), "--db", hub_url, "--identity", str(identity), "--json"
    )
    assert r.code == 0, r.err
    assert [x["status"] for x in json.loads(r.out)] == ["imported", "imported"]
    r = mhf("hub", "import", str(files[0]), "--db", hub_url, "--identity", str(identity))
    assert r.code == 0 and "already imported" in r.out

    r = mhf("hub", "report", "--db", hub_url, "--period", "2026-Q3", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["service"]["caseload"] == 80
    for key in (
        "paired",
        "mean_change",
        "reliable_improvement",
        "recovery",
        "reliable_deterioration",
    ):
        assert key in report["service"]["phq9"] and key in report["groups"][0]["gad7"]
    assert [g["group"] for g in report["groups"]] == ["C82001", "C82002"]

    html_path = tmp_path / "report.html"
    r = mhf("hub", "report", "--db", hub_url, "--period", "2026-Q3", "--html", str(html_path))
    assert r.code == 0, r.err
    html = html_path.read_text(encoding="utf-8")
    cells = parse_cells(html)
    assert len(cells) > 60
    for key, text in cells.items():
        assert text == shown(lookup(report, key)), key
    assert "<script" not in html.lower() and "<svg" in html
    assert not re.search(r"(src|href)=", html) and "http" not in html.replace(
        "http://www.w3.org/2000/svg", ""
    )

    r = mhf("hub", "report", "--db", hub_url, "--json", "--unsuppressed", "--by", "facilitator")
    exact = json.loads(r.out)
    assert exact["suppressed"] is False and exact["service"]["caseload"] == 80
    assert [g["group"] for g in exact["groups"]] == ["Alex Facilitator", "Sam Facilitator"]
    r = mhf("hub", "report", "--db", hub_url, "--unsuppressed")
    assert r.code == 1 and "--json" in r.err


def test_unenrolled_device_refused_by_the_cli(mhf: Any, hub_url: str, tmp_path: Path) -> None:
    returns, identity = init(mhf, hub_url, tmp_path)
    stranger = new_device("Stranger")
    path = returns.write(stranger, Q3, [patient(1, returns.key)])
    r = mhf("hub", "import", str(path), "--db", hub_url, "--identity", str(identity))
    assert r.code == 1 and "not enrolled" in r.err and "mhf hub enrol" in r.err


def test_concurrent_imports_from_two_processes_count_once(
    mhf: Any, hub_url: str, tmp_path: Path
) -> None:
    files, identity = _setup(mhf, hub_url, tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "mhf_tui.cli.main",
        "hub",
        "import",
        *map(str, files),
        "--db",
        hub_url,
        "--identity",
        str(identity),
        "--json",
    ]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    statuses = sorted(x["status"] for out, _ in outs for x in json.loads(out))
    assert statuses == ["already imported", "already imported", "imported", "imported"]
    r = mhf("hub", "report", "--db", hub_url, "--json", "--unsuppressed")
    assert json.loads(r.out)["service"]["caseload"] == 80


def test_psycopg_only_for_hub_commands_and_a_clear_error_without_it(
    mhf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = (
        "import sys; from mhf_tui.cli.main import build_parser;"
        "build_parser(['returns', 'export']); build_parser(['hub', 'report']);"
        "import mhf_tui.sync.returns; print('psycopg' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert out.stdout.strip() == "False"
    monkeypatch.setitem(sys.modules, "psycopg", None)
    r = mhf("hub", "report", "--db", "host=/nowhere dbname=x")
    assert (
        r.code == 1 and r.err.strip() == "mhf: the hub needs PostgreSQL support: install mhf[hub]"
    )


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._key = dict(attrs).get("data-key")

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.cells[self._key] = self.cells.get(self._key, "") + data

    def handle_endtag(self, tag: str) -> None:
        self._key = None


def parse_cells(html: str) -> dict[str, str]:
    parser = _Cells()
    parser.feed(html)
    parser.close()
    return parser.cells


def lookup(report: dict[str, Any], key: str) -> Any:
    value: Any = report
    for part in key.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def shown(value: Any) -> str:
    return "n/a" if value is None else str(value)
