"""Importing returns: idempotent, replays and unenrolled devices refused, another key or
a malformed record refused, each file all or nothing; a newer return replaces the older."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhf_tui.hub.db import HubError
from mhf_tui.sync.pseudonym import new_service_key, parse_service_key
from tests.hub.conftest import Hub
from tests.hub.helpers import new_device, patient, quarter

Q3 = quarter("2026-Q3")
TABLES = ("return_file", "episode", "contact", "measure", "signposting")


def counts(hub: Hub) -> dict[str, int]:
    return {t: hub.rows(t) for t in TABLES}


def some_patients(hub: Hub, n: int = 3) -> list[dict[str, object]]:
    return [
        patient(
            i,
            hub.returns.key,
            contacts=[["2026-07-0" + str(i), "phone", 20, False]],
            phq9=[["2026-07-01", 12], ["2026-09-01", 5]],
        )
        for i in range(1, n + 1)
    ]


def test_importing_the_same_file_again_changes_nothing(hub: Hub) -> None:
    device = hub.enrol("Alex")
    path = hub.returns.write(device, Q3, some_patients(hub))
    (first,) = hub.load(path)
    assert first.status == "imported" and first.rows == 3 + 3 + 6
    before = counts(hub)
    (again,) = hub.load(path)
    assert again.status == "already imported"
    assert (
        counts(hub)
        == before
        == {"return_file": 1, "episode": 3, "contact": 3, "measure": 6, "signposting": 0}
    )


def test_a_newer_return_replaces_the_device_quarter_and_an_older_is_a_replay(hub: Hub) -> None:
    device = hub.enrol("Alex")
    old = hub.returns.write(device, Q3, some_patients(hub, 3))
    new = hub.returns.write(device, Q3, some_patients(hub, 2))
    assert [r.status for r in hub.load(old, new)] == ["imported", "replaced"]
    assert counts(hub)["episode"] == 2
    with pytest.raises(HubError, match="refused as a replay"):
        hub.load(old)
    assert counts(hub)["episode"] == 2


def test_replay_refused_even_before_the_newer_one_is_seen_again(hub: Hub) -> None:
    device = hub.enrol("Alex")
    old = hub.returns.write(device, Q3, some_patients(hub, 3))
    new = hub.returns.write(device, Q3, some_patients(hub, 2))
    hub.load(new)
    with pytest.raises(HubError, match="replay"):
        hub.load(old)
    assert counts(hub)["return_file"] == 1


def test_unenrolled_device_refused_with_the_enrol_command(hub: Hub) -> None:
    stranger = new_device("Stranger")
    path = hub.returns.write(stranger, Q3, some_patients(hub))
    with pytest.raises(HubError) as caught:
        hub.load(path)
    message = str(caught.value)
    assert stranger.fingerprint in message and "mhf hub enrol" in message
    assert counts(hub) == dict.fromkeys(TABLES, 0)


def test_a_return_made_under_another_key_is_refused(hub: Hub) -> None:
    device = hub.enrol("Alex")
    other = parse_service_key(new_service_key())
    path = hub.returns.write(device, Q3, some_patients(hub), key=other)
    with pytest.raises(HubError, match="another key"):
        hub.load(path)
    assert counts(hub)["return_file"] == 0


def test_a_malformed_record_refuses_the_whole_file(hub: Hub) -> None:
    device = hub.enrol("Alex")
    patients = some_patients(hub, 3)
    patients[2]["contacts"] = [["2026-10-01", "phone", 20, False]]  # outside the quarter
    with pytest.raises(HubError, match="malformed"):
        hub.load(hub.returns.write(device, Q3, patients))
    patients[2]["contacts"] = [["2026-07-01", "telepathy", 20, False]]
    with pytest.raises(HubError, match="malformed"):
        hub.load(hub.returns.write(device, Q3, patients))
    assert counts(hub) == dict.fromkeys(TABLES, 0)


def test_an_overlapping_period_from_the_same_device_is_refused(hub: Hub) -> None:
    from mhf_tui.sync.returns import parse_period

    device = hub.enrol("Alex")
    hub.load(hub.returns.write(device, Q3, some_patients(hub)))
    august = parse_period(None, "2026-08-01", "2026-10-31")
    with pytest.raises(HubError, match="overlaps"):
        hub.load(hub.returns.write(device, august, []))


def test_a_file_not_addressed_to_the_hub_is_refused(hub: Hub, tmp_path: Path) -> None:
    from pyrage import x25519

    from tests.hub.helpers import Returns

    device = hub.enrol("Alex")
    elsewhere = Returns(tmp_path / "x", x25519.Identity.generate().to_public(), hub.returns.key)
    with pytest.raises(HubError, match="cannot decrypt"):
        hub.load(elsewhere.write(device, Q3, some_patients(hub)))


@pytest.mark.parametrize(
    "change",
    [
        {"pseudonym": "not-hex"},
        {"age_band": []},
        {"sex": {"x": 1}},
        {"practice_ods": "lower case"},
        {"care_cluster": "11"},
        {"smi": 1},
        {"episode_start": "2026-02-30"},
        {"episode_end": "2025-01-01"},
        {"contacts": [[[], "phone", 20, False]]},
        {"contacts": [["2026-07-01", ["phone"], 20, False]]},
        {"contacts": [["2026-07-01", "phone", 20, True]]},
        {"contacts": [["2026-07-01", "phone", -5, False]]},
        {"contacts": "none"},
        {"phq9": [["2026-07-01", 28]]},
        {"gad7": [["2026-07-01", True]]},
        {"gbo": [["2026-07-01", 1, 11]]},
        {"health_checks": [["bmi\x00", "2026-07-01"]]},
        {"signposting": [["", "iapt", "referred", "2026-07-01", "2026-07-01"]]},
    ],
)
def test_malformed_records_are_refused_with_one_line(change: dict[str, object]) -> None:
    from mhf_tui.hub.rows import BadRecord, build_rows
    from mhf_tui.sync.pseudonym import new_service_key

    record = patient(1, parse_service_key(new_service_key())) | change
    with pytest.raises(BadRecord, match="malformed"):
        build_rows({"patients": [record]}, Q3)
