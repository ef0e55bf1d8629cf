"""The practice receives the crisis plan with the care plan: warning signs, what helps,
who to call and the crisis services by name and number."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.sync.conftest import World
from tests.unit.sync.helpers import export, unpack


def test_care_plan_carries_the_crisis_plan(world: World, tmp_path: Path) -> None:
    from mhf_tui.services.care_plans import CarePlanUpdate, edit_care_plan
    from mhf_tui.services.fields import parse_model

    patient = world.patients[0]
    update = parse_model(
        CarePlanUpdate,
        {
            "early_warning_signs": "Stops eating",
            "what_helps": "Music",
            "crisis_contacts": [{"name": "Ann", "relationship": "sister", "phone": "07700 900123"}],
            "crisis_services": ["Samaritans"],
        },
    )
    with world.caseload.session() as s:
        plan = edit_care_plan(s, actor="Test Facilitator", patient_id=patient, update=update)
    raw = json.loads(unpack(world, export(world, tmp_path / "out").path)["bundle.json"])
    [resource] = [
        e["resource"]
        for e in raw["entry"]
        if e["resource"]["resourceType"] == "CarePlan" and e["resource"]["id"] == str(plan.id)
    ]
    notes = [n["text"] for n in resource["note"]]
    assert "Early warning signs: Stops eating" in notes
    assert "What helps: Music" in notes
    assert "Crisis contact: Ann (sister): 07700 900123" in notes
    assert "Crisis service: Samaritans 116 123" in notes
