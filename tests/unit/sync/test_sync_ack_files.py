"""Where acks go and what they are called: `--ack-out` into a directory that is not there
yet, and acks from two facilitators' devices for the same practice and number."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mhf_tui.db.tables import Setting
from mhf_tui.sync.ack import PendingAck, ack_file_name
from mhf_tui.sync.device import DEVICE_ID_SETTING, load_device
from mhf_tui.sync.package import SyncError
from tests.unit.sync.conftest import ODS, PASS, STORE_PASS, World, make_world
from tests.unit.sync.helpers import acks_for, export, store_state


def _import(mhf: Callable, world: World, sync_file: Path, store: Path, *extra: str):
    return mhf(
        "inbox", "import", str(sync_file), "--store", str(store), "--passphrase-stdin",
        "--json", *extra, stdin=f"{STORE_PASS}\n",
    )  # fmt: skip


def _ack(mhf: Callable, world: World, ack_path: str | Path):
    return mhf(
        "sync", "ack", str(ack_path), "--home", str(world.home), "--passphrase-stdin",
        stdin=f"{PASS}\n",
    )  # fmt: skip


def _device_id(world: World) -> str:
    with world.caseload.session() as s:
        return load_device(s).device_id


# --- `--ack-out DIR` that does not exist ---------------------------------------------------


def test_missing_ack_dir_is_created_private_and_the_ack_is_accepted(
    world: World, mhf: Callable, tmp_path: Path
):
    sync_file = export(world, tmp_path / "out").path
    world.caseload.close()
    acks = tmp_path / "returns" / "to-facilitator"
    r = _import(mhf, world, sync_file, tmp_path / "store", "--ack-out", str(acks))
    assert r.code == 0, r.err
    ack_path = Path(json.loads(r.out)[0]["ack_path"])
    assert ack_path.parent == acks and ack_path.is_file()
    for made in (acks, acks.parent):
        assert made.stat().st_mode & 0o777 == 0o700
    assert ack_path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in acks.iterdir()) == [ack_path.name]  # nothing staged left
    r = _ack(mhf, world, ack_path)
    assert r.code == 0 and "recorded" in r.out, r.err


def test_ack_dir_that_cannot_be_made_stops_the_import(world: World, mhf: Callable, tmp_path: Path):
    sync_file = export(world, tmp_path / "out").path
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = tmp_path / "store"
    before = store_state(store)
    r = _import(mhf, world, sync_file, store, "--ack-out", str(blocker / "acks"))
    assert r.code == 1 and r.out == ""
    assert r.err.startswith("mhf: cannot write the ack into") and r.err.count("\n") == 1
    assert store_state(store) == before
    assert acks_for(sync_file) == []


def test_failed_import_removes_the_ack_dir_it_made(world: World, mhf: Callable, tmp_path: Path):
    sync_file = export(world, tmp_path / "out").path
    store = tmp_path / "store"
    assert _import(mhf, world, sync_file, store).code == 0
    before = store_state(store)
    acks = tmp_path / "new" / "acks"
    r = _import(mhf, world, sync_file, store, "--ack-out", str(acks))
    assert r.code == 1 and "replay" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "new").exists()  # no ack without an import, not even its folder
    assert store_state(store) == before


# --- two devices, one practice, the same sequence number ----------------------------------


@pytest.fixture
def second_device(tmp_path: Path, world: World) -> Iterator[World]:
    """Another facilitator's caseload, enrolled in and exporting to the same inbox."""
    other = make_world(tmp_path, home="second")
    assert str(other.identity) == str(world.identity)
    yield other
    other.caseload.close()


def test_two_devices_same_number_get_separate_acks_each_accepted_by_its_own_device(
    world: World, second_device: World, mhf: Callable, tmp_path: Path
):
    first = export(world, tmp_path / "out-a").path
    second = export(second_device, tmp_path / "out-b").path
    assert first.name == second.name == f"{ODS}-1.mhfsync"
    device_a, device_b = _device_id(world), _device_id(second_device)
    world.caseload.close()
    second_device.caseload.close()

    store, acks = tmp_path / "store", tmp_path / "acks"
    r = _import(mhf, world, first, store, "--ack-out", str(acks))
    assert r.code == 0, r.err
    ack_a = Path(json.loads(r.out)[0]["ack_path"])
    r = _import(mhf, world, second, store, "--ack-out", str(acks))
    assert r.code == 0, r.err
    ack_b = Path(json.loads(r.out)[0]["ack_path"])
    assert ack_a.name == f"{ODS}-1-{device_a[:8]}.mhfack"
    assert ack_b.name == f"{ODS}-1-{device_b[:8]}.mhfack"
    assert sorted(acks.iterdir()) == sorted([ack_a, ack_b])

    refused = _ack(mhf, world, ack_b)
    assert refused.code == 1 and "another device" in refused.err
    for owner, ack_path in ((world, ack_a), (second_device, ack_b)):
        r = _ack(mhf, owner, ack_path)
        assert r.code == 0 and f"{ODS}-1: acknowledgement recorded" in r.out, r.err


def test_another_devices_ack_under_the_same_name_is_never_overwritten(
    world: World, second_device: World, mhf: Callable, tmp_path: Path
):
    """A device id that starts like a trusted one (chance, or a stranger's file: any key is
    trusted on first use) is refused before importing, and the genuine ack survives."""
    device_a = _device_id(world)
    with second_device.caseload.session() as s:
        setting = s.get(Setting, DEVICE_ID_SETTING)
        assert setting is not None
        setting.value = device_a[:8] + "-0000-4000-8000-000000000000"
        s.add(setting)
    genuine = export(world, tmp_path / "out-a").path
    lookalike = export(second_device, tmp_path / "out-b").path
    world.caseload.close()
    second_device.caseload.close()

    store, acks = tmp_path / "store", tmp_path / "acks"
    r = _import(mhf, world, genuine, store, "--ack-out", str(acks))
    assert r.code == 0, r.err
    ack_a = Path(json.loads(r.out)[0]["ack_path"])
    kept = ack_a.read_bytes()
    before = store_state(store)

    r = _import(mhf, world, lookalike, store, "--ack-out", str(acks))
    assert r.code == 1 and r.out == "" and r.err.count("\n") == 1
    assert "already exists and is not this device's ack" in r.err
    assert store_state(store) == before  # not imported: it could not have had its ack
    assert ack_a.read_bytes() == kept and sorted(acks.iterdir()) == [ack_a]

    r = _import(mhf, world, lookalike, store, "--ack-out", str(tmp_path / "elsewhere"))
    assert r.code == 0, r.err
    assert _ack(mhf, world, ack_a).code == 0


def test_the_same_devices_ack_is_replaced(world: World, tmp_path: Path):
    """Importing the same file into a second store writes the same device's ack again."""
    ack = _ack_body("abcdef01-1111")
    first = PendingAck(tmp_path, ack)
    first.publish()
    again = PendingAck(tmp_path, ack | {"mac": "00"})
    assert json.loads(again.publish().read_text())["mac"] == "00"


def test_an_unreadable_file_under_the_ack_name_is_not_overwritten(tmp_path: Path):
    ack = _ack_body("abcdef01-1111")
    target = tmp_path / ack_file_name(ODS, 1, "abcdef01-1111")
    target.write_text("not an ack")
    with pytest.raises(SyncError, match="not this device's ack"):
        PendingAck(tmp_path, ack)
    assert target.read_text() == "not an ack" and list(tmp_path.iterdir()) == [target]


def _ack_body(device_id: str) -> dict:
    body = {
        "format": "mhf-ack", "format_version": 1, "device_id": device_id,
        "practice_ods": ODS, "sequence": 1, "bundle_sha256": "0" * 64,
    }  # fmt: skip
    return {"ack": body, "mac": "ff"}


@pytest.mark.parametrize(
    ("ods", "device_id"),
    [("../C82001", "abcdef01"), ("C82001\n", "abcdef01"), (ODS, "ab/../../x"), (ODS, "")],
)
def test_ack_name_refuses_values_that_are_not_codes(ods: str, device_id: str):
    with pytest.raises(SyncError, match="cannot be named"):
        ack_file_name(ods, 1, device_id)


def test_an_unexpected_resource_type_is_refused_on_one_line():
    """Found by the reliability fuzzing: the type was shown as read, so a line break in it
    made the one-line error two lines. The type is never quoted now."""
    from mhf_tui.sync.shapes import shape_problem

    problem = shape_problem({"resourceType": "\n\x1b[2J", "id": "a"})
    assert problem == "a resource of a type the inbox does not take"
