"""The `mhf reviews` and `mhf outcome` commands end to end against a real encrypted caseload."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from mhf_tui.cli.main import main
from mhf_tui.paths import DataDir
from mhf_tui.services.contract_year import ContractYear
from mhf_tui.services.patients import PatientCreate, add_patient
from mhf_tui.services.practices import PracticeCreate, add_practice
from mhf_tui.services.setup import initialise_caseload

from .conftest import synthetic_nhs_numbers

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def caseload_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One vault for the module (the KDF is slow): a practice and three SMI patients."""
    home = tmp_path_factory.mktemp("cli") / "home"
    data = DataDir(home)
    data.ensure()
    caseload, _recovery = initialise_caseload(data, PASS, facilitator="Test Facilitator")
    numbers = synthetic_nhs_numbers()
    nhs = [next(numbers) for _ in range(3)]
    with caseload.session() as s:
        add_practice(s, actor="t", data=PracticeCreate(ods_code="A81001", name="Test Surgery"))
        for n, (family, number) in enumerate(zip(["Alpha", "Bravo", "Charlie"], nhs, strict=True)):
            add_patient(
                s, actor="t", data=PatientCreate(
                    family_name=f"Testperson{family}", given_name="Sam",
                    date_of_birth=date(1980, 1, 1 + n), practice_ods="A81001",
                    nhs_number=number, smi_register=True,
                ),
            )  # fmt: skip
    caseload.close()
    return home, nhs


@pytest.fixture
def mhf(
    caseload_home: tuple[Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    home, _ = caseload_home

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASS + "\n"))
        code = main([*args, "--home", str(home), "--passphrase-stdin"])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_outcome_add_prints_total_band_and_item9_prompt(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    nhs = caseload_home[1][0]
    code, out, _ = mhf("outcome", "add", "--nhs", nhs, "--measure", "phq9", "--items",
                       "3,3,3,3,3,3,3,3,3")  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "PHQ-9 total 27: severe"
    assert lines[1].startswith("RISK: PHQ-9 item 9")
    code, out, _ = mhf("outcome", "add", "--nhs", nhs, "--measure", "gad7", "--items",
                       "1,1,1,1,1,0,0")  # fmt: skip
    assert (code, out.strip()) == (0, "GAD-7 total 5: mild")
    code, out, _ = mhf("outcome", "add", "--nhs", nhs, "--measure", "phq9", "--items",
                       "1,0,0,0,0,0,0,0,0")  # fmt: skip
    assert out.strip() == "PHQ-9 total 1: none-minimal"
    code, out, _ = mhf("outcome", "list", "--nhs", nhs, "--measure", "phq9", "--json")
    rows = json.loads(out)
    assert [r["total"] for r in rows] == [27, 1]
    assert rows[0]["items"] == [3] * 9 and rows[0]["risk_prompt"] is True
    code, out, _ = mhf("outcome", "list", "--nhs", nhs)
    assert "PHQ-9: first 27 -> last 1 (-26, better)" in out


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("1,2,0", "PHQ-9 needs 9 items, got 3"),
        ("0,0,0,0,0,0,0,0,4", "PHQ-9 item 9 is 4; each item is 0-3"),
        ("0,0,x,0,0,0,0,0,0", "'x' is not a whole number"),
    ],
)
def test_outcome_add_refuses_invalid_items(
    mhf: Callable[..., tuple[int, str, str]],
    caseload_home: tuple[Path, list[str]],
    items: str,
    message: str,
) -> None:
    code, out, err = mhf("outcome", "add", "--nhs", caseload_home[1][0], "--measure", "phq9",
                         "--items", items)  # fmt: skip
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_review_lifecycle_due_and_report(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    nhs = caseload_home[1]
    code, out, err = mhf("reviews", "start", "--nhs", nhs[1], "--json")
    assert code == 0, err
    review = json.loads(out)["review_id"]
    code, out, err = mhf("reviews", "answer", review[:8], "bmi=31.2", "bp_systolic=400")
    assert code == 1 and "BP systolic: 400 is outside 50-300 mmHg" in err
    code, out, err = mhf(
        "reviews", "answer", review, "bmi=31.2", "bp_systolic=142 mmHg", "bp_diastolic=91",
        "alcohol_units_week=14", "smoking_status=never",
    )  # fmt: skip
    assert code == 0, err
    assert "Still required: health_promotion_advice, referral_offered" in out
    code, _, err = mhf("reviews", "complete", review)
    assert code == 1 and "required item(s) not answered" in err
    mhf("reviews", "answer", review, "health_promotion_advice=y", "referral_offered=n",
        "hba1c=40", "cholesterol=4.8")  # fmt: skip
    code, out, err = mhf("reviews", "complete", review)
    assert code == 0, err
    next_year = out.strip().rsplit(" ", 1)[1]
    assert next_year > date.today().isoformat()
    code, out, _ = mhf("reviews", "show", review, "--json")
    shown = json.loads(out)
    assert shown["status"] == "completed" and shown["missing_required"] == []
    smoking = next(a for a in shown["answers"] if a["item"] == "smoking_status")
    assert smoking["snomed"] == "266919005"

    code, out, _ = mhf("reviews", "due", "--json", "--practice", "A81001")
    entries = json.loads(out)
    phc = {e["nhs_number"]: e for e in entries if e["template"] == "smi_physical_health_check"}
    assert nhs[1] not in phc  # done today
    assert phc[nhs[0]]["status"] == "never" and phc[nhs[0]]["due_date"] is None
    assert {"patient_name", "nhs_number", "template", "due_date", "status"} <= set(phc[nhs[0]])

    code, out, _ = mhf("reviews", "report", "--practice", "A81001", "--json")
    report = json.loads(out)
    assert report["smi_register"] == 3
    assert report["all_checks_complete"] == 1
    assert report["checks"] == {
        "bmi": 1, "blood_pressure": 1, "alcohol": 1, "smoking": 1, "glucose": 1, "cholesterol": 1,
    }  # fmt: skip
    code, out, _ = mhf("reviews", "report", "--practice", "A81001")
    assert "SMI register 3" in out and "All six (SMI health check)" in out
    assert f"contract year {ContractYear.containing(date.today())}" in out

    code, out, err = mhf("reviews", "answer", review, "bmi=30.2", "--reason", "misread scale")
    assert code == 0, err
    code, out, _ = mhf("reviews", "show", review)
    assert "30.2 kg/m2  (version 2)" in out


def test_unknown_patient_and_template(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    code, _, err = mhf("reviews", "start", "--nhs", caseload_home[1][0], "--template", "nope")
    assert code == 1 and "no review template 'nope'" in err


def test_malformed_user_template_reported_before_passphrase(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    templates = caseload_home[0] / "templates"
    templates.mkdir(exist_ok=True)
    bad = templates / "local.toml"
    bad.write_text('id = "local"\ntitle = "Local"\nversion = "1"\nrecurrence_months = 6\n')
    try:
        code, _, err = mhf("reviews", "templates")
        assert code == 1
        assert "local.toml" in err and "missing 'items'" in err
    finally:
        bad.unlink()


def test_list_abandon_and_goal_score(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    nhs = caseload_home[1][2]
    code, out, err = mhf("reviews", "start", "--nhs", nhs, "--template", "care_plan_review",
                         "--json")  # fmt: skip
    assert code == 0, err
    review = json.loads(out)["review_id"]
    code, out, _ = mhf("reviews", "list", "--nhs", nhs, "--json")
    assert [(r["template"], r["status"]) for r in json.loads(out)] == [
        ("care_plan_review", "in_progress")
    ]
    code, out, _ = mhf("reviews", "abandon", review)
    assert code == 0
    code, out, _ = mhf("reviews", "list", "--nhs", nhs)
    assert "abandoned" in out
    code, _, err = mhf("outcome", "add", "--nhs", nhs, "--measure", "gbo", "--goal", "g1",
                       "--score", "5")  # fmt: skip
    assert code == 1 and "no care-plan goal 'g1'" in err
    code, _, err = mhf("outcome", "add", "--nhs", nhs, "--measure", "gbo")
    assert code == 1 and "--goal ID and --score" in err


def test_report_and_due_by_contract_year(
    mhf: Callable[..., tuple[int, str, str]], caseload_home: tuple[Path, list[str]]
) -> None:
    code, out, err = mhf("reviews", "report", "--practice", "A81001", "--year", "2025/26",
                         "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["contract_year"] == "2025/26"
    assert report["period"] == {"start": "2025-04-01", "end": "2026-03-31"}
    assert report["as_of"] == "2026-03-31"  # the year's last day, it being over
    assert "NHS England SMI physical health check" in report["all_checks_measure"]
    assert all("lipid_window" in p and "checks" in p for p in report["patients"])
    code, out, _ = mhf("reviews", "report", "--practice", "A81001", "--year", "2025/26",
                       "--as-of", "2025-12-02")  # fmt: skip
    assert code == 0
    assert "contract year 2025/26 (2025-04-01 to 2026-03-31)" in out
    assert "By contract year, as of 2025-12-02" in out and "MH021 retired" in out
    code, out, _ = mhf("reviews", "due", "--year", "2026/27", "--as-of", "2026-12-02", "--json")
    assert code == 0 and isinstance(json.loads(out), list)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "--practice", "A81001", "--year", "2026/28"), "--year: a contract year"),
        (("report", "--practice", "A81001", "--year", "2026/27", "--as-of", "2026-03-31"),
         "before contract year 2026/27 starts"),
        (("due", "--year", "26/27"), "--year: a contract year is written like 2026/27"),
    ],
)  # fmt: skip
def test_bad_contract_year_is_one_line_on_stderr(
    mhf: Callable[..., tuple[int, str, str]], args: tuple[str, ...], message: str
) -> None:
    code, out, err = mhf("reviews", *args)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
