"""Export -> practice import -> ack -> next export, and what each export carries."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from mhf_tui.db.tables import AuditEvent, Note, Patient, Practice
from mhf_tui.db.tables.sync import ReceivedResource
from mhf_tui.sync import fhir
from mhf_tui.sync.package import SyncError, canonical_json
from mhf_tui.sync.practice_store import PracticeStore
from tests.unit.sync.conftest import ODS, STORE_PASS, World, make_world
from tests.unit.sync.helpers import ack, craft, device_key, do_import, export, store_state, unpack


def _bundle(world: World, path: Path) -> dict:
    return json.loads(unpack(world, path)["bundle.json"])


def _ids(bundle: dict, kind: str) -> set[str]:
    return {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind}


def test_round_trip_then_second_export_carries_only_new_changes(world: World, tmp_path: Path):
    out, store = tmp_path / "out", tmp_path / "store"
    first = export(world, out)
    assert first.path == out / f"{ODS}-1.mhfsync"
    assert first.counts["Patient"] == 3 and first.counts["DocumentReference"] == 6
    assert first.withheld_objection == 1
    summary = do_import(world, first.path, store)
    assert summary.sequence == 1 and summary.changed == 21
    ack_name = f"{ODS}-1-{summary.device_id[:8]}.mhfack"
    assert Path(summary.ack_path).name == ack_name
    ack(world, summary.ack_path)
    with world.caseload.session() as s:
        practice = s.exec(select(Practice).where(Practice.ods_code == ODS)).one()
        assert practice.last_ack_seq == first.change_seq_to

    nothing = export(world, out)
    assert nothing.nothing_new and nothing.path is None
    assert sorted(p.name for p in out.iterdir()) == [ack_name, f"{ODS}-1.mhfsync"]

    new_note = world.add_note(world.patients[1], "a new note after the ack")
    second = export(world, out)
    assert second.number == 2
    assert second.counts == {
        "DocumentReference": 1,
        "Provenance": 1,
        "Practitioner": 1,
        "Organization": 1,
    }
    assert _ids(_bundle(world, second.path), "DocumentReference") == {str(new_note.id)}
    summary2 = do_import(world, second.path, store)
    assert summary2.changed == 2 and not summary2.missing_sequences
    state = store_state(store)
    assert ("DocumentReference", str(new_note.id)) in state["resources"]


def test_only_this_practice_and_no_objectors(world: World, tmp_path: Path):
    bundle = _bundle(world, export(world, tmp_path / "out").path)
    patients = _ids(bundle, "Patient")
    assert patients == {str(p) for p in world.patients}
    text = json.dumps(bundle)
    assert "Objectorperson" not in text and "Otherpractice" not in text
    assert "objector note" not in text
    with world.caseload.session() as s:
        assert str(world.objector) not in text
        assert s.get(Patient, world.objector) is not None


def test_unacknowledged_data_is_sent_again_and_reimport_changes_nothing(
    world: World, tmp_path: Path
):
    out, store = tmp_path / "out", tmp_path / "store"
    first = export(world, out)
    do_import(world, first.path, store)
    before = store_state(store)["resources"]
    second = export(world, out)  # no ack yet: at-least-once, same contents again
    assert second.number == 2
    assert {k: v for k, v in second.counts.items() if k != "Provenance"} == {
        k: v for k, v in first.counts.items() if k != "Provenance"
    }
    summary = do_import(world, second.path, store)
    assert summary.changed == 1  # only the new Provenance
    assert summary.unchanged == sum(first.counts.values()) - 1
    after = store_state(store)["resources"]
    assert {k: v for k, v in after.items() if k[0] != "Provenance"} == {
        k: v for k, v in before.items() if k[0] != "Provenance"
    }


def test_amended_and_entered_in_error_notes_carry_version_links(world: World, tmp_path: Path):
    out, store = tmp_path / "out", tmp_path / "store"
    ack(world, do_import(world, export(world, out).path, store).ack_path)
    with world.caseload.session() as s:
        original = s.get(Note, world.notes[0])
        assert original is not None
    v2 = world.add_note(
        original.patient_id,
        "corrected text",
        lineage_id=original.lineage_id,
        version=2,
        replaces_id=original.id,
        amend_reason="typo",
    )
    v3 = world.add_note(
        original.patient_id,
        "",
        lineage_id=original.lineage_id,
        version=3,
        replaces_id=v2.id,
        entered_in_error=True,
    )
    bundle = _bundle(world, export(world, out).path)
    docs = {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    }
    assert set(docs) == {str(original.id), str(v2.id), str(v3.id)}
    assert docs[str(original.id)]["status"] == "superseded"
    assert docs[str(v2.id)]["status"] == "superseded"
    assert docs[str(v2.id)]["docStatus"] == "amended"
    assert docs[str(v2.id)]["relatesTo"] == [
        {"code": "replaces", "target": {"reference": f"DocumentReference/{original.id}"}}
    ]
    assert docs[str(v3.id)]["status"] == "entered-in-error"
    assert docs[str(v3.id)]["docStatus"] == "entered-in-error"


def test_patient_sharing_again_is_sent_in_full(world: World, tmp_path: Path):
    out, store = tmp_path / "out", tmp_path / "store"
    ack(world, do_import(world, export(world, out).path, store).ack_path)
    with world.caseload.session() as s:
        objector = s.get(Patient, world.objector)
        assert objector is not None
        objector.share_with_practice = True
        s.add(objector)
    bundle = _bundle(world, export(world, out).path)
    assert _ids(bundle, "Patient") == {str(world.objector)}
    assert len(_ids(bundle, "DocumentReference")) == 1  # the note written long before the ack


def test_gap_is_reported(world: World, tmp_path: Path):
    out, store = tmp_path / "out", tmp_path / "store"
    export(world, out)  # never delivered
    second = export(world, out)
    summary = do_import(world, second.path, store)
    assert summary.missing_sequences == (1, 1)
    assert any("gap" in w for w in summary.warnings)


def test_each_export_is_audited_without_patient_data(world: World, tmp_path: Path):
    export(world, tmp_path / "out")
    with world.caseload.session() as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "export")))
    assert len(events) == 1
    assert "sync file 1" in events[0].detail and "Zebedee" not in events[0].detail


def test_ack_must_match_an_export_from_this_device(world: World, tmp_path: Path):
    out, store = tmp_path / "out", tmp_path / "store"
    summary = do_import(world, export(world, out).path, store)
    ack_path = Path(summary.ack_path)
    good = json.loads(ack_path.read_text())

    forged = json.loads(json.dumps(good))
    forged["ack"]["sequence"] = 1
    forged["ack"]["counts"] = {"Patient": 999}
    ack_path.write_text(json.dumps(forged))
    with pytest.raises(SyncError, match="signature"):
        ack(world, ack_path)

    wrong_hash = json.loads(json.dumps(good))
    wrong_hash["ack"]["bundle_sha256"] = "0" * 64
    ack_path.write_text(json.dumps(wrong_hash))
    with pytest.raises(SyncError, match="bundle hash"):
        ack(world, ack_path)

    unknown = json.loads(json.dumps(good))
    unknown["ack"]["sequence"] = 7
    ack_path.write_text(json.dumps(unknown))
    with pytest.raises(SyncError, match="no sync file"):
        ack(world, ack_path)

    other_device = json.loads(json.dumps(good))
    other_device["ack"]["device_id"] = str(uuid.uuid4())
    ack_path.write_text(json.dumps(other_device))
    with pytest.raises(SyncError, match="another device"):
        ack(world, ack_path)

    with world.caseload.session() as s:
        assert s.exec(select(Practice).where(Practice.ods_code == ODS)).one().last_ack_seq == 0
    ack_path.write_text(json.dumps(good))
    ack(world, ack_path)
    ack(world, ack_path)  # loading it twice is harmless


def test_ack_from_another_facilitator_device_is_refused(tmp_path: Path):
    a = make_world(tmp_path / "a")
    b = make_world(tmp_path / "b")
    try:
        summary = do_import(a, export(a, tmp_path / "out").path)
        with pytest.raises(SyncError, match="another device"):
            ack(b, summary.ack_path)
    finally:
        a.caseload.close()
        b.caseload.close()


def test_practice_without_recipient_is_refused(world: World, tmp_path: Path):
    from mhf_tui.sync.export import export_practice

    with world.caseload.session() as s, pytest.raises(SyncError, match="no sync recipient"):
        export_practice(s, ods="C82002", out_dir=tmp_path, actor="t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "store"]


def test_streamed_export_and_import_equal_the_whole_file_forms(world: World, tmp_path: Path):
    """The exporter streams resources into the tar and the importer streams them out; the
    result is what building the whole Bundle with json.dumps gave, every resource lands in
    the store as sent, and the ack is the one the whole-file importer made."""
    first = export(world, tmp_path / "out")
    members = unpack(world, first.path)  # pyrage and tarfile, not the code under test
    bundle = json.loads(members["bundle.json"])
    resources = [e["resource"] for e in bundle["entry"]]
    when = datetime.fromisoformat(bundle["timestamp"])
    whole = fhir.transaction_bundle(bundle["id"], when, resources)
    assert members["bundle.json"] == json.dumps(whole, separators=(",", ":")).encode()
    manifest = json.loads(members["manifest.json"])
    assert manifest["counts"] == first.counts
    assert sum(first.counts.values()) == len(resources)

    summary = do_import(world, first.path)
    store = PracticeStore.open(world.store, STORE_PASS)
    try:
        with store.session() as s:
            held = {(r.resource_type, r.resource_id): json.loads(r.body) for r in s.exec(
                select(ReceivedResource))}  # fmt: skip
    finally:
        store.close()
    assert held == {(r["resourceType"], r["id"]): r for r in resources}

    ack_file = json.loads(Path(summary.ack_path).read_text())
    body = ack_file["ack"]
    assert {k: body[k] for k in ("device_id", "practice_ods", "sequence", "counts")} == {
        "device_id": manifest["device_id"],
        "practice_ods": ODS,
        "sequence": 1,
        "counts": manifest["counts"],
    }
    assert body["bundle_sha256"] == hashlib.sha256(members["bundle.json"]).hexdigest()
    assert body["manifest_sha256"] == hashlib.sha256(members["manifest.json"]).hexdigest()
    mac = hmac.new(bytes.fromhex(manifest["ack_key"]), canonical_json(body), hashlib.sha256)
    assert ack_file["mac"] == mac.hexdigest()
    ack(world, summary.ack_path)  # and the facilitator accepts it


def test_the_handover_bundle_rebuilds_narratives(world: World, mhf, tmp_path: Path):
    """Markup a sender put in a narrative reaches the clinical system as text, escaped."""
    path = export(world, tmp_path / "out").path
    members = unpack(world, path)
    bundle = json.loads(members["bundle.json"])
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["text"]["div"] = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Alert: risk</p>'
        '<p><img src=x onerror="alert(1)"></p><script>steal()</script></div>'
    )
    craft(world, path, device_key(world), bundle=bundle)
    do_import(world, path)
    out = tmp_path / "handover.json"
    r = mhf("inbox", "bundle", "--store", str(world.store), "--out", str(out),
            "--passphrase-stdin", stdin=f"{STORE_PASS}\n")  # fmt: skip
    assert r.code == 0, r.err
    handed = {e["resource"]["id"]: e["resource"] for e in json.loads(out.read_text())["entry"]}
    div = handed[patient["id"]]["text"]["div"]
    assert "<img" not in div and "<script" not in div and "steal" not in div
    assert "<p>Alert: risk</p>" in div and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in div
