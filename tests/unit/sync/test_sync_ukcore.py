"""The sync bundle as UK Core R4: profiles on every resource, vital signs with LOINC and
SNOMED CT and UCUM units, blood pressure as one Observation, PHQ-9/GAD-7 as coded scores, the
facilitator and service as resources, a DNA as an Appointment. Checked against HL7's own
FHIR R4 JSON Schema (tests/data/fhir.schema.json) and fhir.resources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import bundle as bundle_model
from jsonschema import Draft6Validator

from tests.unit.sync.practice_demo import (
    FACILITATOR,
    FOCUS_NHS,
    DemoExport,
    build_demo_export,
)

SCHEMA = Path(__file__).parents[2] / "data" / "fhir.schema.json"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    return Draft6Validator(schema)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoExport]:
    d = build_demo_export(tmp_path_factory.mktemp("ukcore"))
    yield d
    d.caseload.close()


@pytest.fixture(scope="module")
def resources(demo: DemoExport) -> list[dict[str, Any]]:
    return [e["resource"] for e in demo.bundle()["entry"]]


def focus_resources(demo: DemoExport, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ref = f"Patient/{demo.focus_id}"
    return [
        r
        for r in resources
        if r.get("subject", {}).get("reference") == ref
        or any(p.get("actor", {}).get("reference") == ref for p in r.get("participant", []))
    ]


def quantities(value: Any) -> Iterator[dict[str, Any]]:
    """Every Quantity in a resource (anything with a numeric `value` and a unit)."""
    if isinstance(value, dict):
        if isinstance(value.get("value"), int | float) and ("unit" in value or "code" in value):
            yield value
        for child in value.values():
            yield from quantities(child)
    elif isinstance(value, list):
        for child in value:
            yield from quantities(child)


def test_bundle_validates_against_the_official_r4_schema(demo: DemoExport):
    raw = demo.bundle()
    errors = sorted(validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors] == []
    parsed = bundle_model.Bundle.model_validate(raw)
    assert len(parsed.entry) == len(raw["entry"]) > 50


def test_the_schema_check_would_catch_a_bad_resource(demo: DemoExport):
    raw = demo.bundle()
    observation = next(e for e in raw["entry"] if e["resource"]["resourceType"] == "Observation")
    observation["resource"]["valueQuantity"] = {"value": "128", "unit": "mmHg"}
    observation["resource"]["madeUp"] = True
    messages = [e.message for e in validator().iter_errors(raw)]
    assert messages  # the official schema is strict: unknown elements and wrong types fail


def test_every_resource_has_a_profile(resources: list[dict[str, Any]]):
    kinds = {r["resourceType"] for r in resources}
    assert {"Practitioner", "Organization", "Appointment", "QuestionnaireResponse"} <= kinds
    for r in resources:
        profiles = r["meta"]["profile"]
        assert profiles, r["resourceType"]
        if r["resourceType"] != "Provenance":
            assert profiles[0] == (
                f"https://fhir.hl7.org.uk/StructureDefinition/UKCore-{r['resourceType']}"
            )


def test_every_quantity_is_ucum(resources: list[dict[str, Any]]):
    found = 0
    for r in resources:
        for q in quantities(r):
            assert q["system"] == UCUM and q["code"], q
            found += 1
    assert found > 20
    units = {q["code"] for r in resources for q in quantities(r)}
    assert "mm[Hg]" in units and "mmHg" not in units


def test_blood_pressure_is_one_observation_with_two_components(
    demo: DemoExport, resources: list[dict[str, Any]]
):
    mine = focus_resources(demo, resources)
    bps = [
        r
        for r in mine
        if r["resourceType"] == "Observation" and r["code"]["text"] == "Blood pressure"
    ]
    assert len(bps) == 1
    [bp] = bps
    assert bp["code"]["coding"][0]["system"] == LOINC
    assert bp["code"]["coding"][0]["code"] == "85354-9"
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"
    assert "http://hl7.org/fhir/StructureDefinition/bp" in bp["meta"]["profile"]
    assert not any(key.startswith("value") for key in bp)
    systolic, diastolic = bp["component"]
    assert [c["code"] for c in systolic["code"]["coding"]] == ["8480-6", "271649006"]
    assert [c["code"] for c in diastolic["code"]["coding"]] == ["8462-4", "271650006"]
    assert systolic["valueQuantity"] == {
        "value": 128.0, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]",
    }  # fmt: skip
    assert diastolic["valueQuantity"]["value"] == 82.0
    assert bp["performer"][0]["reference"].startswith("Practitioner/")
    # no separate systolic/diastolic Observations anywhere
    codes = {c["code"] for r in resources if r["resourceType"] == "Observation"
             for c in r["code"].get("coding", [])}  # fmt: skip
    assert not codes & {"271649006", "271650006"}


def test_bmi_is_a_vital_sign_with_loinc_and_snomed(
    demo: DemoExport, resources: list[dict[str, Any]]
):
    [bmi] = [
        r for r in focus_resources(demo, resources)
        if r["resourceType"] == "Observation" and r["code"].get("text") == "Body mass index"
    ]  # fmt: skip
    assert [(c["system"], c["code"]) for c in bmi["code"]["coding"]] == [
        (LOINC, "39156-5"), (SNOMED, "60621009"),
    ]  # fmt: skip
    assert bmi["valueQuantity"] == {"value": 31.2, "unit": "kg/m2", "system": UCUM, "code": "kg/m2"}
    assert bmi["category"][0]["coding"][0]["code"] == "vital-signs"


def test_phq9_goes_as_a_coded_score_derived_from_its_questionnaire(
    demo: DemoExport, resources: list[dict[str, Any]]
):
    mine = focus_resources(demo, resources)
    [qr] = [
        r for r in mine
        if r["resourceType"] == "QuestionnaireResponse"
        and r["questionnaire"] == "http://loinc.org/q/44249-1"
    ]  # fmt: skip
    assert [i["linkId"] for i in qr["item"]] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
        "44253-3", "44260-8", "44261-6",
    ]  # fmt: skip
    assert qr["item"][8]["answer"] == [{"valueInteger": 2}]
    [score] = [
        r for r in mine
        if r["resourceType"] == "Observation"
        and any(c["code"] == "44261-6" for c in r["code"].get("coding", []))
    ]  # fmt: skip
    assert [(c["system"], c["code"]) for c in score["code"]["coding"]] == [
        (LOINC, "44261-6"), (SNOMED, "720433000"),
    ]  # fmt: skip
    assert score["valueInteger"] == 12
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr['id']}"}]
    [gad] = [
        r for r in mine
        if r["resourceType"] == "Observation"
        and any(c["code"] == "70274-6" for c in r["code"].get("coding", []))
    ]  # fmt: skip
    assert [c["code"] for c in gad["code"]["coding"]] == ["70274-6", "445455005"]


def test_facilitator_and_service_are_resources_that_authors_reference(
    resources: list[dict[str, Any]],
):
    [practitioner] = [r for r in resources if r["resourceType"] == "Practitioner"]
    [organization] = [r for r in resources if r["resourceType"] == "Organization"]
    assert practitioner["name"][0]["text"] == FACILITATOR
    assert practitioner["identifier"] == [
        {"system": "https://fhir.hl7.org.uk/Id/nmc-number", "value": "12A3456E"}
    ]
    assert organization["name"] == "Demo Mental Health Facilitator Service"
    target = f"Practitioner/{practitioner['id']}"
    referencing = [
        r["resourceType"]
        for r in resources
        if target in json.dumps(r) and r["resourceType"] != "Practitioner"
    ]
    assert {"DocumentReference", "Observation", "QuestionnaireResponse", "Provenance"} <= set(
        referencing
    )
    [provenance] = [r for r in resources if r["resourceType"] == "Provenance"]
    assert provenance["agent"][0]["onBehalfOf"]["reference"] == f"Organization/{organization['id']}"


def test_a_dna_is_a_noshow_appointment(demo: DemoExport, resources: list[dict[str, Any]]):
    mine = focus_resources(demo, resources)
    [appointment] = [r for r in mine if r["resourceType"] == "Appointment"]
    assert appointment["status"] == "noshow"
    assert appointment["start"] and appointment["end"]
    encounters = [r for r in mine if r["resourceType"] == "Encounter"]
    assert not [e for e in encounters if e["type"][0]["text"] == "Did not attend"]


def test_an_entered_in_error_observation_keeps_its_code(
    demo: DemoExport, resources: list[dict[str, Any]]
):
    [withdrawn] = [
        r for r in focus_resources(demo, resources)
        if r["resourceType"] == "Observation" and r["status"] == "entered-in-error"
    ]  # fmt: skip
    assert withdrawn["code"]["coding"][0]["code"] == "999791000000106"
    assert "valueQuantity" not in withdrawn
    assert withdrawn["note"] == [{"text": "Amended: recorded against the wrong patient"}]


def test_focus_patient_is_in_the_bundle(demo: DemoExport, resources: list[dict[str, Any]]):
    [patient] = [
        r for r in resources if r["resourceType"] == "Patient" and r["id"] == str(demo.focus_id)
    ]
    assert patient["identifier"][0]["value"] == FOCUS_NHS


def test_the_inbox_hand_over_bundle_is_uk_core_and_valid_r4(demo: DemoExport):
    from mhf_tui.sync.practice_store import PracticeStore
    from mhf_tui.sync.practice_view import store_bundle
    from tests.unit.sync.conftest import STORE_PASS
    from tests.unit.sync.practice_demo import import_into_store

    import_into_store(demo, demo.sync_file, demo.store)
    store = PracticeStore.open(demo.store, STORE_PASS)
    try:
        with store.session() as session:
            handed = store_bundle(session)
    finally:
        store.close()
    assert list(validator().iter_errors(handed)) == []
    assert len(handed["entry"]) == len(demo.bundle()["entry"])
    assert all(e["resource"]["meta"]["profile"] for e in handed["entry"])
