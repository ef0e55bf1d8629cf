"""`mhf careplan` and `mhf person` as a facilitator uses them: plans as TOML or JSON on
stdin, `show --json` back into `edit`, goal scores for a patient without demo data, and
carers with dated consent."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliResult

from .conftest import PASSPHRASE

Mhf = Callable[..., CliResult]
P = PASSPHRASE + "\n"
NHS = "9990000018"

PLAN_TOML = """
review_on = "2030-03-01"
needs = ["housing", "money worries"]
early_warning_signs = "Stops answering the phone; sleeping in the day."
what_helps = "A walk with her sister; music."
crisis_services = ["Samaritans"]

[[goals]]
goal = "Walk to the shops twice a week"
target_on = "2030-01-31"

[[actions]]
action = "Refer to the walking group"
owner = "facilitator"
due = "2030-01-10"

[[crisis_contacts]]
name = "Ann Sister"
relationship = "sister"
phone = "07700 900123"
"""


@pytest.fixture
def home(mhf: Mhf, cli_home: Path) -> tuple[str, ...]:
    h = ("--home", str(cli_home), "--passphrase-stdin")
    assert mhf("practice", "add", *h, "--ods", "Z99901", "--name", "Riverside", stdin=P).code == 0
    r = mhf(
        "patient", "add", *h, "--nhs", NHS, "--family", "Smith", "--given", "Jo",
        "--dob", "1970-01-01", "--practice", "Z99901", stdin=P,
    )  # fmt: skip
    assert r.code == 0, r.err
    return h


def _show_json(mhf: Mhf, h: tuple[str, ...]) -> dict:
    r = mhf("careplan", "show", *h, "--nhs", NHS, "--json", stdin=P)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_a_plan_with_a_crisis_plan_from_toml_on_stdin(mhf: Mhf, home: tuple[str, ...]) -> None:
    r = mhf("careplan", "show", *home, "--nhs", NHS, stdin=P)
    assert r.code == 0 and "No care plan yet" in r.out
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + PLAN_TOML)
    assert r.code == 0, r.err
    assert "Care plan version 1 saved" in r.out
    r = mhf("careplan", "show", *home, "--nhs", NHS, stdin=P)
    assert "[active target 2030-01-31] Walk to the shops twice a week" in r.out
    assert "Needs: housing; money worries" in r.out
    assert "Early warning signs: Stops answering the phone" in r.out
    assert "Contact: Ann Sister (sister) 07700 900123" in r.out
    assert "Service: Samaritans 116 123" in r.out
    assert "[ ] Refer to the walking group  (facilitator, due 2030-01-10)" in r.out


def test_show_json_round_trips_into_edit(mhf: Mhf, home: tuple[str, ...]) -> None:
    assert mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + PLAN_TOML).code == 0
    first = _show_json(mhf, home)
    assert first["version"] == 1
    assert first["crisis_services"][0]["name"] == "Samaritans"
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + json.dumps(first))
    assert r.code == 0, r.err
    second = _show_json(mhf, home)
    assert second["version"] == 2
    ignore = {"id", "version", "replaces_id", "created_at"}
    assert {k: v for k, v in second.items() if k not in ignore} == {
        k: v for k, v in first.items() if k not in ignore
    }
    assert second["replaces_id"] == first["id"]
    # the same document again was written from version 1, which is no longer current
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + json.dumps(first))
    assert r.code == 1 and "changed meanwhile" in r.err
    r = mhf("careplan", "history", *home, "--nhs", NHS, stdin=P)
    assert [line.split()[0] for line in r.out.splitlines()] == ["Version", "1", "2"]


def test_edit_from_a_file_changes_only_the_fields_given(
    mhf: Mhf, home: tuple[str, ...], tmp_path: Path
) -> None:
    assert mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + PLAN_TOML).code == 0
    change = tmp_path / "plan.toml"
    change.write_text('what_helps = "Talking to her GP"\nreview_on = ""\n', encoding="utf-8")
    r = mhf("careplan", "edit", *home, "--nhs", NHS, "--from", str(change), stdin=P)
    assert r.code == 0, r.err
    plan = _show_json(mhf, home)
    assert plan["what_helps"] == "Talking to her GP" and plan["review_on"] is None
    assert plan["needs"] == ["housing", "money worries"]
    assert plan["crisis_contacts"][0]["phone"] == "07700 900123"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("", "no care plan given"),
        ("{not json", "not valid JSON"),
        ("goals = [", "neither JSON nor valid TOML"),
        ('colour = "blue"', "colour: Extra inputs are not permitted"),
        ('[[goals]]\ngoal = "Walk\\u001b]0;x\\u0007"', "goals #1 goal: must be one line"),
        ('review_on = "2030-02-30"', "review_on: date must be a date"),
        ('[[crisis_contacts]]\nname = "Ann"\nphone = "call me"', "crisis_contacts #1 phone"),
        ('crisis_services = ["No Such Helpline"]', "service"),
    ],
)
def test_a_bad_plan_is_one_line_on_stderr_and_nothing_is_saved(
    mhf: Mhf, home: tuple[str, ...], document: str, message: str
) -> None:
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + document)
    assert r.code == 1
    assert message in r.err and r.err.count("\n") == 1
    assert "\x1b" not in r.err and "Walk" not in r.err
    assert _show_json(mhf, home) is None


def test_goal_scores_for_a_patient_without_demo_data(mhf: Mhf, home: tuple[str, ...]) -> None:
    r = mhf("careplan", "goal", "add", *home, "--nhs", NHS, "--text", "Back to work", stdin=P)
    assert r.code == 0, r.err
    assert "Goal 1 added" in r.out and "care plan version 1" in r.out
    last_week = (date.today() - timedelta(days=7)).isoformat()
    r = mhf(
        "careplan", "goal", "score", *home, "--nhs", NHS, "--goal", "1", "--score", "3",
        "--on", last_week, stdin=P,
    )  # fmt: skip
    assert r.code == 0, r.err
    r = mhf(
        "careplan", "goal", "score", *home, "--nhs", NHS, "--goal", "1", "--score", "6", stdin=P
    )
    assert r.code == 0 and "scores so far: 3 -> 6" in r.out
    r = mhf(
        "careplan", "goal", "score", *home, "--nhs", NHS, "--goal", "1", "--score", "11", stdin=P
    )
    assert r.code == 1 and "0-10" in r.err
    r = mhf(
        "careplan", "goal", "score", *home, "--nhs", NHS, "--goal", "7", "--score", "1", stdin=P
    )
    assert r.code == 1 and "no such goal" in r.err
    r = mhf("outcome", "list", *home, "--nhs", NHS, "--json", stdin=P)
    assert r.code == 0, r.err
    assert [(o["measure"], o["total"]) for o in json.loads(r.out)] == [("gbo", 3), ("gbo", 6)]
    plan = _show_json(mhf, home)
    assert [s["score"] for s in plan["goals"][0]["scores"]] == [3, 6]
    r = mhf("careplan", "goal", "close", *home, "--nhs", NHS, "--goal", plan["goals"][0]["id"][:8],
            stdin=P)  # fmt: skip
    assert r.code == 0 and "closed as achieved; care plan version 2" in r.out
    assert _show_json(mhf, home)["goals"][0]["status"] == "achieved"


def test_people_add_edit_list_remove(mhf: Mhf, home: tuple[str, ...]) -> None:
    r = mhf(
        "person", "add", *home, "--nhs", NHS, "--name", "Ann Smith", "--role", "carer",
        "--relationship", "sister", "--phone", "07700 900123", "--consent-contact", "yes",
        stdin=P,
    )  # fmt: skip
    assert r.code == 0 and "Carer added" in r.out, r.err
    r = mhf(
        "person", "add", *home, "--nhs", NHS, "--name", "Bo Advocate", "--role", "advocate",
        "--consent-on", "2020-05-01", stdin=P,
    )  # fmt: skip
    assert r.code == 0, r.err
    r = mhf("person", "list", *home, "--nhs", NHS, "--json", stdin=P)
    people = json.loads(r.out)
    assert [(p["name"], p["role"]) for p in people] == [
        ("Bo Advocate", "advocate"),
        ("Ann Smith", "carer"),
    ]
    ann = people[1]
    assert ann["consent_to_contact"] is True and ann["consent_to_share"] is False
    assert ann["consent_on"] == date.today().isoformat()
    assert ann["consent_recorded_by"] == "Test Facilitator"
    assert people[0]["consent_on"] == "2020-05-01"
    r = mhf("person", "edit", *home, "--nhs", NHS, ann["id"][:8], "--consent-share", "yes",
            "--role", "next of kin", stdin=P)  # fmt: skip
    assert r.code == 0, r.err
    r = mhf("person", "list", *home, "--nhs", NHS, stdin=P)
    assert "Ann Smith  Next of kin (sister)" in r.out
    assert "consents to contact: yes, to sharing: yes" in r.out
    r = mhf("person", "remove", *home, "--nhs", NHS, "1", stdin=P)
    assert r.code == 0 and "removed" in r.out
    r = mhf("person", "list", *home, "--nhs", NHS, "--json", stdin=P)
    assert [p["name"] for p in json.loads(r.out)] == ["Ann Smith"]
    r = mhf("patient", "access", *home, "--nhs", NHS, "--json", stdin=P)
    events = json.loads(r.out)
    actions = [(e["action"], e["entity"]) for e in events if e["entity"] == "related_person"]
    assert ("delete", "related_person") in actions and ("update", "related_person") in actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--name", "Ann\x1b[2J"), "name: must be one line"),
        (("--name", "Ann", "--role", "cousin"), "role: Input should be"),
        (("--name", "Ann", "--phone", "12"), "phone"),
        (("--name", "Ann", "--email", "ann at home"), "email: is not a valid email"),
    ],
)
def test_bad_people_are_refused_without_echoing_them(
    mhf: Mhf, home: tuple[str, ...], args: tuple[str, ...], message: str
) -> None:
    r = mhf("person", "add", *home, "--nhs", NHS, *args, stdin=P)
    assert r.code == 1 and message in r.err, r.err
    assert "\x1b" not in r.err and "Ann" not in r.err
    r = mhf("person", "list", *home, "--nhs", NHS, "--json", stdin=P)
    assert json.loads(r.out) == []


EVIL = "a\x1b]0;pwned\x07b\x1b[2J\x9b31m\u202eevil"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_stored_escapes_never_reach_the_terminal(
    mhf: Mhf, home: tuple[str, ...], cli_home: Path
) -> None:
    """Rows as an older version or another tool could have left them (not validated)."""
    import uuid

    from mhf_tui.db.store import Caseload
    from mhf_tui.db.tables import CarePlan, RelatedPerson
    from mhf_tui.paths import DataDir
    from mhf_tui.services.patients import find_patient_by_nhs

    caseload = Caseload.open(DataDir(cli_home), PASSPHRASE)
    try:
        with caseload.session() as s:
            pid = find_patient_by_nhs(s, nhs_number=NHS).id
            plan_id = uuid.uuid4()
            s.add(
                CarePlan(
                    id=plan_id, patient_id=pid, lineage_id=plan_id, author=EVIL,
                    goals=[{"id": "g1", "goal": EVIL, "status": "active"}], needs=[EVIL],
                    actions=[{"action": EVIL, "owner": EVIL, "due": None, "done": False}],
                    early_warning_signs=EVIL, what_helps=EVIL, crisis_plan=EVIL,
                    crisis_contacts=[{"name": EVIL, "relationship": EVIL, "phone": EVIL}],
                )
            )  # fmt: skip
            s.add(RelatedPerson(patient_id=pid, name=EVIL, relationship=EVIL, phone=EVIL))
    finally:
        caseload.close()
    for command in (("careplan", "show"), ("person", "list")):
        for extra in ((), ("--json",)):
            r = mhf(*command, *home, "--nhs", NHS, *extra, stdin=P)
            assert r.code == 0, r.err
            assert "evil" in r.out and not UNSAFE.search(r.out), (command, extra)


def test_a_date_written_as_a_number_is_read_as_its_text_or_refused_in_one_line(
    mhf: Mhf, home: tuple[str, ...]
) -> None:
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + "review_on = 20300301\n")
    assert r.code == 0, r.err
    assert _show_json(mhf, home)["review_on"] == "2030-03-01"
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + "review_on = 5\n")
    assert r.code == 1
    assert r.err.strip() == "mhf: review_on: date must be a date as YYYY-MM-DD"
    goal = '[[goals]]\ngoal = "Walk"\ntarget_on = 7\n'
    r = mhf("careplan", "edit", *home, "--nhs", NHS, stdin=P + goal)
    assert r.code == 1 and "target_on" in r.err and r.err.count("\n") == 1
