"""The bundle is valid FHIR R4 (checked with fhir.resources' R4B models, whose resources used
here are unchanged from R4) and carries what the practice needs."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B import bundle as bundle_model

from mhf_tui.sync.fhir import NHS_NUMBER_SYSTEM
from tests.unit.sync.conftest import World
from tests.unit.sync.helpers import export, unpack


def test_bundle_validates_as_fhir_r4(world: World, tmp_path: Path):
    original = world.notes[0]
    with world.caseload.session() as s:
        from mhf_tui.db.tables import Note

        note = s.get(Note, original)
        assert note is not None
    world.add_note(
        note.patient_id, "fixed", lineage_id=note.lineage_id, version=2, replaces_id=note.id
    )
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    bundle = bundle_model.Bundle.model_validate(raw)
    assert bundle.type == "transaction"
    kinds = {e.resource.get_resource_type() for e in bundle.entry}
    assert kinds == {
        "Patient",
        "Encounter",
        "DocumentReference",
        "CarePlan",
        "ServiceRequest",
        "Provenance",
    }
    for entry in bundle.entry:
        assert entry.request.method == "PUT"
        assert entry.request.url == f"{entry.resource.get_resource_type()}/{entry.resource.id}"


def test_patient_carries_nhs_number_and_provenance_names_device(world: World, tmp_path: Path):
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    resources = [e["resource"] for e in raw["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert all(p["identifier"][0]["system"] == NHS_NUMBER_SYSTEM for p in patients)
    assert all(len(p["identifier"][0]["value"]) == 10 for p in patients)
    [prov] = [r for r in resources if r["resourceType"] == "Provenance"]
    assert len(prov["target"]) == len(resources) - 1
    whos = [a["who"] for a in prov["agent"]]
    assert whos[0]["display"] == "Test Facilitator"
    assert whos[1]["identifier"]["value"].startswith("urn:uuid:")
    encounter = next(r for r in resources if r["resourceType"] == "Encounter")
    assert "&lt;b&gt;not markup&lt;/b&gt;" in encounter["text"]["div"]


#: R4 required bindings that the models above do not check
REQUIRED_CODES = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("Encounter", "status"): {
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
        "entered-in-error", "unknown",
    },
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("DocumentReference", "docStatus"): {"preliminary", "final", "amended", "entered-in-error"},
    ("CarePlan", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("ServiceRequest", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("ServiceRequest", "intent"): {
        "proposal", "plan", "directive", "order", "original-order", "reflex-order",
        "filler-order", "instance-order", "option",
    },
}  # fmt: skip


def test_codes_are_from_the_required_r4_value_sets(world: World, tmp_path: Path):
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    checked = 0
    for entry in raw["entry"]:
        resource = entry["resource"]
        for (kind, element), allowed in REQUIRED_CODES.items():
            if resource["resourceType"] == kind and element in resource:
                assert resource[element] in allowed, (kind, element)
                checked += 1
    assert checked >= 20
