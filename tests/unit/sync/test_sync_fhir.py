"""The bundle is valid FHIR R4 (checked with fhir.resources' R4B models, whose resources used
here are unchanged from R4) and carries what the practice needs."""

from __future__ import annotations

import json
import uuid
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
        "Practitioner",
        "Organization",
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
    assert len(prov["target"]) == len(resources) - 1  # all but itself
    whos = [a["who"] for a in prov["agent"]]
    assert whos[0]["display"] == "Test Facilitator"
    assert whos[0]["reference"].startswith("Practitioner/")
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


def test_review_answers_and_outcomes_map_to_observation_and_questionnaire_response(
    world: World, tmp_path: Path
):
    import uuid
    from datetime import date

    from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer

    patient = world.patients[0]
    lineage = uuid.uuid4()
    with world.caseload.session() as s:
        review = Review(
            patient_id=patient,
            template_id="smi_physical_health_check",
            performed_on=date(2026, 3, 1),
        )
        s.add(review)
        s.flush()
        first = ReviewAnswer(
            review_id=review.id, patient_id=patient, item_id="bmi", lineage_id=lineage,
            value="31", number=31.0, unit="kg/m2", code="60621009", observed_on=date(2026, 3, 1),
        )  # fmt: skip
        s.add(first)
        s.flush()
        s.add(
            ReviewAnswer(
                review_id=review.id, patient_id=patient, item_id="bmi", lineage_id=lineage,
                version=2, replaces_id=first.id, value="30", number=30.0, unit="kg/m2",
                code="60621009", observed_on=date(2026, 3, 1), amend_reason="misread scale",
            )
        )  # fmt: skip
        s.add(
            OutcomeMeasure(
                patient_id=patient, measure="phq9", taken_on=date(2026, 3, 1),
                items=[1, 2, 1, 0, 3, 1, 2, 0, 0], total=10, band="moderate",
            )
        )  # fmt: skip
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    bundle_model.Bundle.model_validate(raw)
    resources = [e["resource"] for e in raw["entry"]]
    [obs, score] = [r for r in resources if r["resourceType"] == "Observation"]
    assert obs["id"] == str(lineage) and obs["status"] == "amended"
    assert obs["code"]["coding"] == [
        {"system": "http://loinc.org", "code": "39156-5", "display": "Body mass index (BMI)"},
        {"system": "http://snomed.info/sct", "code": "60621009", "display": "Body mass index"},
    ]
    assert obs["valueQuantity"] == {
        "value": 30.0, "unit": "kg/m2", "system": "http://unitsofmeasure.org", "code": "kg/m2",
    }  # fmt: skip
    [qr] = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert qr["questionnaire"] == "http://loinc.org/q/44249-1"
    assert [i["linkId"] for i in qr["item"]] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
        "44253-3", "44260-8", "44261-6",
    ]  # fmt: skip
    assert qr["item"][-1]["answer"] == [{"valueInteger": 10}]
    assert score["valueInteger"] == 10
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr['id']}"}]


def test_practice_summary_shows_review_results_and_outcomes(world: World, tmp_path: Path):
    from datetime import date

    from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
    from mhf_tui.sync.practice_store import PracticeStore
    from mhf_tui.sync.practice_view import patient_records, summary_lines
    from tests.unit.sync.conftest import STORE_PASS, nhs_number
    from tests.unit.sync.helpers import do_import

    patient = world.patients[0]
    with world.caseload.session() as s:
        review = Review(patient_id=patient, template_id="smi", performed_on=date(2026, 3, 1))
        s.add(review)
        s.flush()
        s.add(
            ReviewAnswer(
                review_id=review.id, patient_id=patient, item_id="bmi", lineage_id=uuid.uuid4(),
                value="31", number=31.0, unit="kg/m2", code="60621009",
                observed_on=date(2026, 3, 1),
            )
        )  # fmt: skip
        s.add(
            OutcomeMeasure(
                patient_id=patient, measure="gad7", taken_on=date(2026, 3, 1),
                items=[1, 1, 1, 1, 1, 1, 1], total=7, band="mild",
            )
        )  # fmt: skip
    store = tmp_path / "store"
    do_import(world, export(world, tmp_path / "out").path, store)
    st = PracticeStore.open(store, STORE_PASS)
    try:
        with st.session() as s:
            [record] = patient_records(s, nhs=nhs_number(1))
            text = "\n".join(summary_lines(record))
    finally:
        st.close()
    assert "Body mass index (SNOMED 60621009): 31.0 kg/m2" in text
    assert "GAD-7 total score (SNOMED 445455005): 7" in text
    assert "GAD-7 total score (mild): 7" in text
