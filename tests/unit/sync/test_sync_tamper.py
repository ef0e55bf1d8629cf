"""Every way a sync file can be wrong is refused with one clear error, importing nothing."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from mhf_tui.sync.device import load_device, public_key_hex
from mhf_tui.sync.package import SyncError, canonical_json, encrypt, open_package
from tests.unit.sync.conftest import World
from tests.unit.sync.helpers import acks_for, do_import, export, repack, store_state, unpack


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


def wrong_identity(world: World, path: Path) -> None:
    world.identity_path.write_text(f"{x25519.Identity.generate()}\n")


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
    members["bundle.json"] = canonical_json(bundle)
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
    members = unpack(world, path)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in [*members.items(), ("evil.sh", b"echo hi")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(encrypt(out.getvalue(), world.identity.to_public()))


CASES = {
    wrong_identity: "cannot decrypt",
    truncated: "cannot decrypt",
    truncated_tail: "cannot decrypt",
    flipped_byte: "cannot decrypt",
    resigned_other_key: "signature check failed",
    resigned_other_key_and_public_key: "different key",
    bundle_hash_mismatch: "does not match the hash",
    unknown_format_version: "unsupported sync format version 99",
    counts_do_not_match: "does not hold the resources",
    replayed_sequence: "is a replay",
    extra_member: "unexpected entry",
    path_in_practice_code: "'practice_ods' is malformed",
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


def test_tampered_first_file_creates_no_store(world: World, tmp_path: Path):
    path = export(world, tmp_path / "out").path
    flipped_byte(world, path)
    with pytest.raises(SyncError):
        do_import(world, path, tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_replay_of_the_same_file_is_refused(delivered):
    world, path, store = delivered
    do_import(world, path, store)
    before = store_state(store)
    with pytest.raises(SyncError, match="replay"):
        do_import(world, path, store)
    assert store_state(store) == before


def test_new_device_key_accepted_only_when_asked(delivered):
    world, path, store = delivered
    resigned_other_key_and_public_key(world, path)
    with pytest.raises(SyncError, match="trust-new-key"):
        do_import(world, path, store)
    summary = do_import(world, path, store, trust_new_key=True)
    assert summary.key_replaced


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_flipped_byte_is_rejected(sync_file: tuple[bytes, x25519.Identity], data):
    blob, identity = sync_file
    position = data.draw(st.integers(0, len(blob) - 1))
    mask = data.draw(st.integers(1, 255))
    damaged = bytearray(blob)
    damaged[position] ^= mask
    with pytest.raises(SyncError):
        open_package(bytes(damaged), identity)


@pytest.fixture(scope="module")
def sync_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, x25519.Identity]:
    from tests.unit.sync.conftest import make_world

    tmp = tmp_path_factory.mktemp("flip")
    world = make_world(tmp, patients=1, notes_each=1)
    try:
        path = export(world, tmp / "out").path
        assert open_package(path.read_bytes(), world.identity).manifest["sequence"] == 1
        return path.read_bytes(), world.identity
    finally:
        world.caseload.close()


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

    def broken_log(**_kw):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(importer, "ImportLog", broken_log)
    with pytest.raises(RuntimeError):
        do_import(world, path, store)
    monkeypatch.undo()
    assert store_state(store) == before
    assert acks_for(path) == []
