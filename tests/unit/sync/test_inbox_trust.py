"""The practice inbox trusts only enrolled devices, and each device only with its own
resources: a second real install, and files crafted as an attacker would (pyrage and
cryptography, with only what is public or one enrolled key)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mhf_tui.sync.device import fingerprint
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.package import SyncError
from mhf_tui.sync.practice_store import PracticeStore
from tests.unit.sync.conftest import ODS, PASS, STORE_PASS, World, nhs_number
from tests.unit.sync.helpers import (
    bundle_of,
    craft,
    device_key,
    do_import,
    export,
    store_files,
    store_state,
    unpack,
)


def _fp(key: Ed25519PrivateKey) -> str:
    return fingerprint(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())


def _enrol(world: World, key: Ed25519PrivateKey, name: str) -> None:
    store = PracticeStore.open(world.store, STORE_PASS)
    try:
        with store.session() as s:
            enrol(s, fingerprint=_fp(key), name=name)
    finally:
        store.close()


def _show(mhf: Callable, world: World, *extra: str):
    return mhf(
        "inbox", "show", "--store", str(world.store), "--passphrase-stdin", *extra,
        stdin=f"{STORE_PASS}\n",
    )  # fmt: skip


def test_a_second_real_install_is_refused_until_enrolled(
    world: World, mhf: Callable, tmp_path: Path
):
    """Another facilitator's own install (data dir, device key) exports to the same public
    recipient: refused whole, nothing written, until the practice enrols it."""
    genuine = export(world, tmp_path / "out")
    do_import(world, genuine.path)
    home = ["--home", str(tmp_path / "second"), "--passphrase-stdin"]
    p = f"{PASS}\n"
    assert mhf("init", *home, "--name", "Second Facilitator", stdin=p + p).code == 0
    recipient = str(world.identity.to_public())
    r = mhf("practice", "add", *home, "--ods", ODS, "--name", "Same Surgery",
            "--recipient", recipient, stdin=p)  # fmt: skip
    assert r.code == 0, r.err
    r = mhf("patient", "add", *home, "--nhs", nhs_number(700), "--family", "Secondperson",
            "--given", "Jo", "--dob", "1975-04-03", "--practice", ODS, stdin=p)  # fmt: skip
    assert r.code == 0, r.err
    r = mhf("sync", "export", *home, "--practice", ODS, "--out", str(tmp_path / "b"), stdin=p)
    assert r.code == 0, r.err
    second_file = Path(r.out.strip())
    who = json.loads(mhf("sync", "whoami", *home, "--json", stdin=p).out)

    before = store_files(world.store)
    r = mhf("inbox", "import", str(second_file), "--store", str(world.store),
            "--passphrase-stdin", stdin=f"{STORE_PASS}\n")  # fmt: skip
    assert r.code == 1 and r.out == "" and r.err.count("\n") == 1
    assert who["fingerprint"] in r.err and "mhf inbox enrol" in r.err
    assert store_files(world.store) == before  # byte for byte
    assert list((tmp_path / "b").glob("*.mhfack")) == []

    r = mhf("inbox", "enrol", "--store", str(world.store), "--fingerprint", who["fingerprint"],
            "--name", "Second Facilitator", "--passphrase-stdin",
            stdin=f"{STORE_PASS}\n")  # fmt: skip
    assert r.code == 0, r.err
    r = mhf("inbox", "import", str(second_file), "--store", str(world.store),
            "--passphrase-stdin", "--json", stdin=f"{STORE_PASS}\n")  # fmt: skip
    assert r.code == 0, r.err
    assert json.loads(r.out)[0]["device_fingerprint"] == who["fingerprint"]
    r = _show(mhf, world)
    assert "4 patient(s)" in r.out and "SECONDPERSON, Jo" in r.out
    assert "From Second Facilitator" in r.out and "From Facilitator of home" in r.out


def test_another_devices_resource_id_refuses_the_whole_file(
    world: World, mhf: Callable, tmp_path: Path
):
    """An enrolled second device (or its stolen key) reuses the genuine Patient's id to
    clear a risk alert, plus a forged note: refused whole, the genuine record unchanged."""
    path = export(world, tmp_path / "out").path
    do_import(world, path)
    genuine_show = _show(mhf, world, "--nhs", nhs_number(1)).out
    assert "Alert: risk" in genuine_show
    before = store_state(world.store)

    other = Ed25519PrivateKey.generate()
    _enrol(world, other, "Other laptop")
    bundle = json.loads(unpack(world, path)["bundle.json"])
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["id"] == str(world.patients[0])
    )
    forged = copy.deepcopy(patient)
    forged["text"]["div"] = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Alert: none (risk cleared)</p></div>'
    )
    note = {
        "resourceType": "DocumentReference",
        "id": "0d9c2f8e-1b2a-4c3d-8e9f-0a1b2c3d4e5f",
        "status": "current",
        "subject": {"reference": f"Patient/{patient['id']}"},
        "content": [{"attachment": {"data": "Rm9yZ2Vk"}}],
    }
    attack = tmp_path / "attack.mhfsync"
    attack.write_bytes(path.read_bytes())
    craft(world, attack, other, bundle=bundle_of(note, forged), sequence=1)
    with pytest.raises(SyncError, match="another enrolled device") as refused:
        do_import(world, attack)
    assert "\n" not in str(refused.value)
    assert store_state(world.store) == before
    assert _show(mhf, world, "--nhs", nhs_number(1)).out == genuine_show


def test_a_malformed_patient_is_refused_and_show_still_works(
    world: World, mhf: Callable, tmp_path: Path
):
    path = export(world, tmp_path / "out").path
    do_import(world, path)
    before = store_state(world.store)
    world.add_note(world.patients[1], "second file")
    second = export(world, tmp_path / "out").path
    bundle = json.loads(unpack(world, second)["bundle.json"])
    patient = {"resourceType": "Patient", "id": "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716",
               "name": [{"family": 1, "given": ["Ada"]}]}  # fmt: skip
    bundle["entry"].append(bundle_of(patient)["entry"][0])
    craft(world, second, device_key(world), bundle=bundle)
    with pytest.raises(SyncError, match="a Patient whose 'name' is malformed"):
        do_import(world, second)
    assert store_state(world.store) == before
    r = _show(mhf, world)
    assert r.code == 0 and "3 patient(s)" in r.out, r.err


def test_unknown_resource_types_are_refused(world: World, tmp_path: Path):
    path = export(world, tmp_path / "out").path
    medication = {"resourceType": "MedicationRequest", "id": "a1", "status": "active"}
    craft(world, path, device_key(world), bundle=bundle_of(medication))
    with pytest.raises(SyncError):  # by the manifest's counts, then by the resource itself
        do_import(world, path)
    assert store_state(world.store)["resources"] == {}


def test_show_never_fails_on_what_is_stored(world: World, mhf: Callable, tmp_path: Path):
    """Data that got into the store some other way (an older mhf, a bug) still shows."""
    do_import(world, export(world, tmp_path / "out").path)
    store = PracticeStore.open(world.store, STORE_PASS)
    try:
        with store.session() as s:
            conn = s.connection().connection
            conn.execute(
                "UPDATE received_resource SET body = ? WHERE resource_type = 'Encounter' "
                "AND patient_id = ?",
                ('{"resourceType":"Encounter","id":"x","period":7,"type":"odd"}',
                 str(world.patients[0])),
            )  # fmt: skip
            conn.execute(
                "UPDATE received_resource SET body = ? WHERE resource_type = 'Patient' "
                "AND resource_id = ?",
                ('{"resourceType":"Patient","name":1,"identifier":"x"}', str(world.patients[1])),
            )  # fmt: skip
            conn.execute(
                "UPDATE received_resource SET body = 'not json' WHERE resource_type = 'Patient' "
                "AND resource_id = ?",
                (str(world.patients[2]),),
            )
    finally:
        store.close()
    r = _show(mhf, world)
    assert r.code == 0, r.err
    assert "could not be shown" in r.out and "3 patient(s)" in r.out


def test_a_file_for_another_practice_is_refused(world: World, tmp_path: Path):
    path = export(world, tmp_path / "out").path
    craft(world, path, device_key(world), practice_ods="C82002")
    with pytest.raises(SyncError, match="for practice C82002, but this inbox is C82001's"):
        do_import(world, path)
    assert store_state(world.store)["imports"] == []


def test_the_audit_trail_going_backwards_is_refused(world: World, tmp_path: Path):
    out = tmp_path / "out"
    first = export(world, out)
    summary = do_import(world, first.path)
    manifest = json.loads(unpack(world, first.path)["manifest.json"])
    assert manifest["audit_count"] > 0 and len(manifest["audit_head"]) == 64
    world.add_note(world.patients[0], "after the first export")
    second = export(world, out).path
    craft(world, second, device_key(world), audit_count=manifest["audit_count"] - 1)
    before = store_state(world.store)
    with pytest.raises(SyncError, match="the device's audit trail went backwards"):
        do_import(world, second)
    assert store_state(world.store) == before
    assert summary.sequence == 1


def test_the_enrolled_fingerprint_decides_not_the_claimed_device_id(world: World, tmp_path: Path):
    """The device id is printed in clear in every ack: claiming it with a huge sequence,
    from a stranger or another enrolled device, locks nobody out."""
    out = tmp_path / "out"
    first = export(world, out)
    summary = do_import(world, first.path)
    stolen_id = summary.device_id

    stranger = tmp_path / "stranger.mhfsync"
    stranger.write_bytes(first.path.read_bytes())
    craft(world, stranger, Ed25519PrivateKey.generate(), device_id=stolen_id, sequence=10**6)
    with pytest.raises(SyncError, match="not enrolled"):
        do_import(world, stranger)

    other = Ed25519PrivateKey.generate()
    _enrol(world, other, "Colleague")
    colleague = tmp_path / "colleague.mhfsync"
    colleague.write_bytes(first.path.read_bytes())
    own = {"resourceType": "Patient", "id": "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
           "name": [{"family": "Colleaguepatient", "given": ["Sam"]}]}  # fmt: skip
    craft(world, colleague, other, bundle=bundle_of(own), device_id=stolen_id, sequence=999)
    assert do_import(world, colleague).device_fingerprint == _fp(other)

    world.add_note(world.patients[0], "the genuine device carries on")
    assert do_import(world, export(world, out).path).sequence == 2


def test_a_sequence_jump_beyond_the_bound_is_refused(world: World, tmp_path: Path):
    path = export(world, tmp_path / "out").path
    craft(world, path, device_key(world), sequence=1001)
    with pytest.raises(SyncError, match="jumps more than 1000 files"):
        do_import(world, path)
    craft(world, path, device_key(world), sequence=1000)
    assert do_import(world, path).missing_sequences == (1, 999)
