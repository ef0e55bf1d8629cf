"""Every way a sync file can be wrong is refused with one clear error, importing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from mhf_tui.sync.device import fingerprint, load_device, public_key_hex
from mhf_tui.sync.enrolment import enrol, remove
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.package import SyncError, canonical_json
from mhf_tui.sync.practice_store import PracticeStore
from tests.unit.sync.conftest import STORE_PASS, World
from tests.unit.sync.helpers import (
    acks_for,
    build_tar,
    do_import,
    export,
    repack,
    store_state,
    unpack,
)


@pytest.fixture
def delivered(world: World, tmp_path: Path) -> tuple[World, Path, Path]:
    """A store that has imported file 1, and file 2 ready to import (or tamper with)."""
    out, store = tmp_path / "out", tmp_path / "store"
    do_import(world, export(world, out).path, store)
    world.add_note(world.patients[0], "second file's note")
    second = export(world, out).path
    assert second is not None
    return world, second, store


def _device_sign(world: World, data: bytes) -> bytes:
    with world.caseload.session() as s:
        return load_device(s).sign(data)


def _edit_manifest(world: World, path: Path, change: Callable[[dict], None], *, key=None) -> None:
    members = unpack(world, path)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = canonical_json(manifest)
    members["manifest.sig"] = (
        key.sign(members["manifest.json"]) if key else _device_sign(world, members["manifest.json"])
    )
    repack(world, path, members)


def addressed_elsewhere(world: World, path: Path) -> None:
    members = unpack(world, path)
    path.write_bytes(pyrage.encrypt(build_tar(members), [x25519.Identity.generate().to_public()]))


def truncated(world: World, path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def truncated_tail(world: World, path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def flipped_byte(world: World, path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def resigned_other_key(world: World, path: Path) -> None:
    def change(m: dict) -> None:
        m["withheld_objection"] = 0

    _edit_manifest(world, path, change, key=Ed25519PrivateKey.generate())


def resigned_other_key_and_public_key(world: World, path: Path) -> None:
    attacker = Ed25519PrivateKey.generate()

    def change(m: dict) -> None:
        m["device_public_key"] = public_key_hex(attacker.public_key())

    _edit_manifest(world, path, change, key=attacker)


def bundle_hash_mismatch(world: World, path: Path) -> None:
    members = unpack(world, path)
    bundle = json.loads(members["bundle.json"])
    bundle["entry"] = bundle["entry"][:-1]
    members["bundle.json"] = json.dumps(bundle, separators=(",", ":")).encode()
    repack(world, path, members)


def unknown_format_version(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m.update(format_version=99))


def counts_do_not_match(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m["counts"].update(Patient=5))


def replayed_sequence(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m.update(sequence=1))


def path_in_practice_code(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m.update(practice_ods="../../etc"))


def extra_member(world: World, path: Path) -> None:
    members = unpack(world, path) | {"evil.sh": b"echo hi"}
    tar = build_tar(members, ("evil.sh", "manifest.json", "manifest.sig", "bundle.json"))
    path.write_bytes(pyrage.encrypt(tar, [world.identity.to_public()]))


def trailing_member(world: World, path: Path) -> None:
    members = unpack(world, path) | {"evil.sh": b"echo hi"}
    tar = build_tar(members, ("manifest.json", "manifest.sig", "bundle.json", "evil.sh"))
    path.write_bytes(pyrage.encrypt(tar, [world.identity.to_public()]))


def bundle_before_manifest(world: World, path: Path) -> None:
    members = unpack(world, path)
    tar = build_tar(members, ("bundle.json", "manifest.json", "manifest.sig"))
    path.write_bytes(pyrage.encrypt(tar, [world.identity.to_public()]))


def extra_manifest_field(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m.update(note="hello"))


def bool_for_an_int(world: World, path: Path) -> None:
    _edit_manifest(world, path, lambda m: m.update(withheld_objection=True))


CASES = {
    addressed_elsewhere: "cannot decrypt",
    truncated: "cannot decrypt",
    truncated_tail: "cannot decrypt",
    flipped_byte: "cannot decrypt",
    resigned_other_key: "signature check failed",
    resigned_other_key_and_public_key: "is not enrolled",
    bundle_hash_mismatch: "does not match the hash",
    unknown_format_version: "unsupported sync format version 99",
    counts_do_not_match: "does not hold the resources",
    replayed_sequence: "is a replay",
    extra_member: "unexpected entry",
    trailing_member: "data after its last entry",
    bundle_before_manifest: "unexpected entry",
    extra_manifest_field: "'note' is missing or malformed",
    bool_for_an_int: "'withheld_objection' is missing or malformed",
    path_in_practice_code: "'practice_ods' is missing or malformed",
}


@pytest.mark.parametrize("tamper", list(CASES), ids=lambda f: f.__name__)
def test_tampered_file_imports_nothing(delivered, tamper: Callable[[World, Path], None]):
    world, path, store = delivered
    before = store_state(store)
    tamper(world, path)
    with pytest.raises(SyncError, match=CASES[tamper]):
        do_import(world, path, store)
    assert store_state(store) == before
    assert acks_for(path) == []


def test_replay_of_the_same_file_is_refused(delivered):
    world, path, store = delivered
    do_import(world, path, store)
    before = store_state(store)
    with pytest.raises(SyncError, match="replay"):
        do_import(world, path, store)
    assert store_state(store) == before


def test_a_changed_device_key_is_a_new_device_to_enrol(delivered):
    world, path, store = delivered
    resigned_other_key_and_public_key(world, path)  # as if the laptop's key were replaced
    members = unpack(world, path)
    fp = fingerprint(json.loads(members["manifest.json"])["device_public_key"])
    with pytest.raises(SyncError, match="not enrolled") as refused:
        do_import(world, path, store)
    assert fp in str(refused.value) and "mhf inbox enrol" in str(refused.value)
    opened = PracticeStore.open(store, STORE_PASS)
    try:
        with opened.session() as s:
            enrol(s, fingerprint=fp, name="Replacement laptop")
    finally:
        opened.close()
    # enrolled, but the resources it updates were sent by the old key: still refused whole
    before = store_state(store)
    with pytest.raises(SyncError, match="another enrolled device"):
        do_import(world, path, store)
    assert store_state(store) == before
    with world.caseload.session() as s:
        old = load_device(s).fingerprint
    opened = PracticeStore.open(store, STORE_PASS)
    try:
        with opened.session() as s:
            remove(s, fingerprint=old)  # the old key is retired, with what it sent
    finally:
        opened.close()
    summary = do_import(world, path, store)
    assert summary.device_fingerprint == fp and summary.missing_sequences == (1, 1)
    assert store_state(store)["imports"] == [(fp, 2)]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_flipped_byte_is_rejected(sync_file: tuple[bytes, PracticeStore, Path], data):
    blob, opened, where = sync_file
    position = data.draw(st.integers(0, len(blob) - 1))
    mask = data.draw(st.integers(1, 255))
    damaged = bytearray(blob)
    damaged[position] ^= mask
    where.write_bytes(bytes(damaged))
    with pytest.raises(SyncError):
        import_file(opened, where)


@pytest.fixture(scope="module")
def sync_file(tmp_path_factory: pytest.TempPathFactory):
    from tests.unit.sync.conftest import make_world

    tmp = tmp_path_factory.mktemp("flip")
    world = make_world(tmp, patients=1, notes_each=1)
    try:
        path = export(world, tmp / "out").path
        blob = path.read_bytes()
    finally:
        world.caseload.close()
    opened = PracticeStore.open(world.store, STORE_PASS)
    yield blob, opened, tmp / "damaged.mhfsync"
    opened.close()


def test_ack_that_cannot_be_written_stops_the_import(delivered, tmp_path: Path):
    world, path, store = delivered
    before = store_state(store)
    not_a_dir = tmp_path / "not-a-dir"
    not_a_dir.write_text("")
    with pytest.raises(SyncError, match="cannot write the ack"):
        do_import(world, path, store, ack_dir=not_a_dir)
    assert store_state(store) == before
    summary = do_import(world, path, store)  # the same file imports once the ack can be written
    assert Path(summary.ack_path).is_file()
    assert not list(path.parent.glob(".*.pending"))


def test_failure_after_the_resources_are_written_rolls_everything_back(
    delivered, monkeypatch: pytest.MonkeyPatch
):
    from mhf_tui.sync import importer

    world, path, store = delivered
    before = store_state(store)

    def broken_ack(**_kw):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(importer, "make_ack", broken_ack)
    with pytest.raises(RuntimeError):
        do_import(world, path, store)
    monkeypatch.undo()
    assert store_state(store) == before
    assert acks_for(path) == []
