from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mhf_tui.services.validation import is_valid_nhs_number
from tests.conftest import CliResult

from .conftest import PASSPHRASE, test_nhs_number

Mhf = Callable[..., CliResult]
P = PASSPHRASE + "\n"


def _setup(mhf: Mhf, home: Path) -> None:
    h = ("--home", str(home), "--passphrase-stdin")
    assert mhf("practice", "add", *h, "--ods", "z99901", "--name", "Riverside", stdin=P).code == 0
    r = mhf(
        "patient", "add", *h, "--nhs", "999 000 0018", "--family", "Smith", "--given", "Jo",
        "--dob", "1970-01-01", "--practice", "Z99901", "--cluster", "c8", "--smi", "yes",
        stdin=P,
    )  # fmt: skip
    assert r.code == 0, r.err


def test_patients_list_json_shape(mhf: Mhf, cli_home: Path) -> None:
    _setup(mhf, cli_home)
    r = mhf("patients", "list", "--home", str(cli_home), "--passphrase-stdin", "--json", stdin=P)
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert isinstance(data, list) and len(data) == 1
    patient = data[0]
    assert patient["nhs_number"] == "9990000018"
    assert patient["family_name"] == "Smith" and patient["given_name"] == "Jo"
    assert patient["date_of_birth"] == "1970-01-01"
    assert patient["practice_ods"] == "Z99901"
    assert patient["care_cluster"] == 8 and patient["smi_register"] is True
    assert patient["share_with_practice"] is True
    for key in ("id", "status", "created_at", "change_seq", "alert_risk"):
        assert key in patient


def test_note_from_stdin_after_the_passphrase_then_search(mhf: Mhf, cli_home: Path) -> None:
    _setup(mhf, cli_home)
    h = ("--home", str(cli_home), "--passphrase-stdin")
    r = mhf("note", "add", *h, "--nhs", "9990000018", stdin=P + "Walked to the shop\nslept well\n")
    assert r.code == 0, r.err
    r = mhf("note", "add", *h, "--nhs", "9990000018", "Phoned about benefits", stdin=P)
    assert r.code == 0, r.err
    r = mhf("note", "search", *h, "slept", "--json", stdin=P)
    hits = json.loads(r.out)
    assert [(x["nhs_number"], x["text"]) for x in hits] == [
        ("9990000018", "Walked to the shop\nslept well")
    ]
    assert set(hits[0]) >= {"note_id", "nhs_number", "time", "text"}
    note_id = hits[0]["note_id"]
    r = mhf("note", "amend", *h, note_id[:8], "Walked to the shop; slept well", stdin=P)
    assert r.code == 0, r.err
    r = mhf("note", "history", *h, note_id[:8], "--json", stdin=P)
    assert [v["version"] for v in json.loads(r.out)] == [1, 2]


def test_errors_are_one_clear_line(mhf: Mhf, cli_home: Path) -> None:
    _setup(mhf, cli_home)
    h = ("--home", str(cli_home), "--passphrase-stdin")
    r = mhf(
        "patient", "add", *h, "--nhs", "9990000017", "--family", "X", "--given", "Y",
        "--dob", "1970-01-01", "--practice", "Z99901", stdin=P,
    )  # fmt: skip
    assert r.code == 1 and r.err.startswith("mhf: ") and "Modulus 11" in r.err
    assert "Traceback" not in r.err


def test_patients_import_cli(mhf: Mhf, cli_home: Path, tmp_path: Path) -> None:
    _setup(mhf, cli_home)
    h = ("--home", str(cli_home), "--passphrase-stdin")
    good = tmp_path / "good.csv"
    good.write_text(
        "nhs_number,family_name,given_name,date_of_birth,sex,phone,postcode,practice_ods,"
        "care_cluster,smi_register\n"
        f"{test_nhs_number(5)},Green,Ann,1966-06-06,female,,,Z99901,11,false\n"
    )
    r = mhf("patients", "import", *h, str(good), stdin=P)
    assert r.code == 0 and "Imported 1" in r.out
    r = mhf("patients", "import", *h, str(good), stdin=P)
    assert "Imported 0" in r.out and "1 already" in r.out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    r = mhf("patients", "import", *h, str(bad), stdin=P)
    assert r.code == 1 and "UTF-8" in r.err


def test_demo_prints_how_to_open_it_and_uses_test_numbers_only(mhf: Mhf, tmp_path: Path) -> None:
    home = tmp_path / "demo"
    r = mhf("demo", "--patients", "40", "--home", str(home), "--no-tui")
    assert r.code == 0, r.err
    lines = dict(line.split(": ", 1) for line in r.out.splitlines())
    assert lines["Data dir"] == str(home)
    passphrase = lines["Demo passphrase"]
    r = mhf(
        "patients", "list", "--home", str(home), "--passphrase-stdin", "--json",
        stdin=passphrase + "\n",
    )  # fmt: skip
    patients = json.loads(r.out)
    assert len(patients) == 40
    numbers = [p["nhs_number"] for p in patients]
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    assert len(set(numbers)) == 40
    assert sum(not p["share_with_practice"] for p in patients) == 1
    assert {p["practice_ods"] for p in patients} <= {"Z99901", "Z99902", "Z99903", "Z99904"}


def test_services_import_without_textual() -> None:
    code = (
        "import sys\n"
        "import mhf_tui.services.patients, mhf_tui.services.notes, mhf_tui.services.finder\n"
        "import mhf_tui.services.demo, mhf_tui.services.patient_import\n"
        "import mhf_tui.services.directory, mhf_tui.services.signposting\n"
        "import mhf_tui.services.followups, mhf_tui.services.care_plans\n"
        "import mhf_tui.services.contacts, mhf_tui.services.related_people\n"
        "import mhf_tui.services.drafts, mhf_tui.cli.patient_cmds, mhf_tui.cli.note_cmds\n"
        "import mhf_tui.cli.contact_cmds, mhf_tui.cli.signpost_cmds, mhf_tui.cli.demo_cmds\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_patient_show_is_audited_and_access_history_lists_it(mhf: Mhf, cli_home: Path) -> None:
    _setup(mhf, cli_home)
    h = ("--home", str(cli_home), "--passphrase-stdin")
    r = mhf("patient", "show", *h, "--nhs", "9990000018", stdin=P)
    assert r.code == 0 and "SMITH, Jo" in r.out and "shared with the practice" in r.out
    r = mhf("patient", "access", *h, "--nhs", "9990000018", "--json", stdin=P)
    events = json.loads(r.out)
    assert [(e["action"], e["entity"]) for e in events] == [
        ("create", "patient"),
        ("view", "patient"),
    ]
