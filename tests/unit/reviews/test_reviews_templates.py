"""Templates as data: the shipped ones load with their codes; malformed ones are refused
with a message naming the file and the field; answers are checked against their item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mhf_tui.errors import ValidationError
from mhf_tui.services.templates import (
    TemplateError,
    TemplateSet,
    clean_answer,
    load_templates,
    parse_template_text,
)

MINIMAL = """
id = "mini"
title = "Mini"
version = "1"
recurrence_months = 6
source = "test"

[[items]]
id = "weight"
label = "Weight"
type = "number"
unit = "kg"
min = 20
max = 300
required = true
"""


def test_shipped_templates_load(templates: TemplateSet) -> None:
    ids = {t.id for t in templates}
    assert {"smi_physical_health_check", "medication_monitoring", "care_plan_review"} <= ids
    for template in templates:
        assert template.source and template.version and template.recurrence_months == 12


def test_physical_health_check_codes_and_rules(templates: TemplateSet) -> None:
    phc = templates.get("smi_physical_health_check")
    assert phc.item("bmi").snomed == "60621009"
    assert phc.item("bp_systolic").snomed == "271649006"
    assert phc.item("bp_diastolic").snomed == "271650006"
    assert phc.item("alcohol_units_week").snomed == "1082641000000106"
    assert phc.item("hba1c").snomed == "999791000000106"
    assert phc.item("cholesterol").snomed == "1005671000000105"
    smoking = {c.id: c.snomed for c in phc.item("smoking_status").choices}
    assert smoking == {"current": "77176002", "ex": "8517006", "never": "266919005"}
    assert [c.id for c in phc.checks] == [
        "bmi", "blood_pressure", "alcohol", "smoking", "glucose", "cholesterol",
    ]  # fmt: skip
    assert phc.item("cholesterol").window == "mh011_lipids"
    assert phc.item("bmi").window == "contract_year"
    assert phc.item("bmi").formula == "bmi"
    for item_id in ("health_promotion_advice", "referral_offered"):
        assert phc.item(item_id).required


def test_care_plan_review_items(templates: TemplateSet) -> None:
    cpr = templates.get("care_plan_review")
    required = {i.id for i in cpr.required_items}
    assert required == {"agreed_with_patient", "crisis_plan_current", "copy_given"}


def test_minimal_template_parses() -> None:
    template = parse_template_text(MINIMAL, source_name="mini.toml")
    assert template.item("weight").max == 300


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('title = "Mini"\n', ""), "missing 'title'"),
        (('type = "number"', 'type = "slider"'), "'type' must be one of"),
        (("min = 20", 'min = "twenty"'), "'min' must be a number"),
        (("min = 20", "min = 400"), "'min' (400) is above 'max' (300)"),
        (("required = true", "requird = true"), "unknown field(s) requird"),
        (
            ("recurrence_months = 6", "recurrence_months = 0"),
            "'recurrence_months' must be greater than or equal to 1",
        ),
        (('id = "weight"', 'id = "Weight!"'), "'id' must be lower case"),
        (('unit = "kg"', 'unit = "kg"\nsnomed = "12ab"'), "SNOMED CT concept id"),
        (('unit = "kg"', 'unit = "kg"\ncheck = "bmi"'), "not one of the template's checks"),
    ],
)
def test_malformed_template_rejected_clearly(change: tuple[str, str], message: str) -> None:
    text = MINIMAL.replace(*change, 1)
    assert text != MINIMAL
    with pytest.raises(TemplateError) as info:
        parse_template_text(text, source_name="bad.toml")
    assert "review template bad.toml" in str(info.value)
    assert message in str(info.value)


def test_invalid_toml_syntax_named() -> None:
    with pytest.raises(TemplateError, match=r"review template broken.toml is not valid"):
        parse_template_text("id = \n", source_name="broken.toml")


def test_choice_item_needs_choices() -> None:
    text = MINIMAL.replace('type = "number"\nunit = "kg"\nmin = 20\nmax = 300', 'type = "choice"')
    with pytest.raises(TemplateError, match="needs at least two 'choices'"):
        parse_template_text(text, source_name="c.toml")


def test_duplicate_item_ids_rejected() -> None:
    item = MINIMAL[MINIMAL.index("[[items]]") :]
    with pytest.raises(TemplateError, match="item id 'weight' is used twice"):
        parse_template_text(MINIMAL + item, source_name="dup.toml")


def test_user_templates_added_and_override(tmp_path: Path) -> None:
    (tmp_path / "mini.toml").write_text(MINIMAL)
    override = {
        "id": "care_plan_review",
        "title": "Local care plan review",
        "version": "local-2",
        "recurrence_months": 6,
        "source": "local policy",
        "applies_to": ["care_plan"],
        "items": [{"id": "agreed", "label": "Agreed", "type": "yes_no", "required": True}],
    }
    (tmp_path / "cpr.json").write_text(json.dumps(override))
    (tmp_path / "notes.txt").write_text("ignored")
    templates = load_templates(tmp_path)
    assert templates.get("mini").origin == "user"
    assert templates.get("care_plan_review").recurrence_months == 6
    assert "smi_physical_health_check" in templates


def test_malformed_user_template_stops_loading_with_path(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(MINIMAL.replace('type = "number"', 'type = "dial"'))
    with pytest.raises(TemplateError) as info:
        load_templates(tmp_path)
    assert str(tmp_path / "bad.toml") in str(info.value)


def test_unknown_template_lists_available(templates: TemplateSet) -> None:
    with pytest.raises(ValidationError, match=r"available: .*care_plan_review"):
        templates.get("nope")


# --- answers ----------------------------------------------------------------------------


def test_number_answers_checked_against_range_and_unit(templates: TemplateSet) -> None:
    phc = templates.get("smi_physical_health_check")
    assert clean_answer(phc.item("bmi"), "27.4").value == "27.4"
    assert clean_answer(phc.item("bmi"), "27.4 kg/m2").number == 27.4
    assert clean_answer(phc.item("bmi"), "27.4 kg/m²").unit == "kg/m2"
    assert clean_answer(phc.item("bp_systolic"), "128 mmHg").value == "128"
    with pytest.raises(ValidationError, match=r"BMI: 95 is outside 10-90 kg/m2"):
        clean_answer(phc.item("bmi"), "95")
    with pytest.raises(ValidationError, match=r"expected mmHg, got 'kPa'"):
        clean_answer(phc.item("bp_systolic"), "17 kPa")
    with pytest.raises(ValidationError, match="whole number"):
        clean_answer(phc.item("bp_systolic"), "120.5")
    with pytest.raises(ValidationError, match="not a number"):
        clean_answer(phc.item("bmi"), "fat")
    with pytest.raises(ValidationError, match="no value"):
        clean_answer(phc.item("bmi"), "  ")


def test_boundaries_inclusive(templates: TemplateSet) -> None:
    item = templates.get("smi_physical_health_check").item("bmi")
    assert clean_answer(item, "10").value == "10"
    assert clean_answer(item, "90").value == "90"
    with pytest.raises(ValidationError):
        clean_answer(item, "9.99")


def test_choice_by_id_label_or_position(templates: TemplateSet) -> None:
    item = templates.get("smi_physical_health_check").item("smoking_status")
    assert clean_answer(item, "ex").value == "ex"
    assert clean_answer(item, "Never smoked").code == "266919005"
    answer = clean_answer(item, "1")
    assert (answer.value, answer.code) == ("current", "77176002")
    with pytest.raises(ValidationError, match="not an option"):
        clean_answer(item, "vapes")


def test_yes_no_and_dates(templates: TemplateSet) -> None:
    item = templates.get("smi_physical_health_check").item("referral_offered")
    assert clean_answer(item, "Y").value == "yes"
    assert clean_answer(item, "no").value == "no"
    with pytest.raises(ValidationError, match="yes or no"):
        clean_answer(item, "maybe")


#: every SNOMED CT code the shipped templates carry (verified against published code lists)
SHIPPED_CODES = {
    ("smi_physical_health_check", "weight"): "27113001",
    ("smi_physical_health_check", "height"): "50373000",
    ("smi_physical_health_check", "waist_cm"): "276361009",
    ("smi_physical_health_check", "pulse"): "78564009",
    ("smi_physical_health_check", "blood_glucose"): "1010671000000102",
    ("smi_physical_health_check", "qrisk3"): "1085871000000105",
    ("medication_monitoring", "weight"): "27113001",
    ("medication_monitoring", "waist_cm"): "276361009",
    ("medication_monitoring", "pulse"): "78564009",
    ("medication_monitoring", "hba1c"): "999791000000106",
    ("medication_monitoring", "cholesterol"): "1005671000000105",
}
CHOICE_CODES = {
    "condition_chd": "53741008",
    "condition_diabetes": "73211009",
    "condition_stroke": "230690007",
    "condition_tia": "266257000",
    "condition_pad": "399957001",
    "condition_familial_hypercholesterolaemia": "398036000",
    "family_history_cvd": "266894000",
    "family_history_diabetes": "160303001",
    "medication_review": "314530002",
    "cervical_screening": "171149006",
    "breast_screening": "268547008",
    "bowel_screening": "275978004",
    "flu_immunisation": "86198006",
    "covid_immunisation": "840534001",
    "pneumococcal_immunisation": "12866006",
}


def test_new_items_carry_their_codes(templates: TemplateSet) -> None:
    for (template_id, item_id), code in SHIPPED_CODES.items():
        assert templates.get(template_id).item(item_id).snomed == code, item_id
    phc = templates.get("smi_physical_health_check")
    for item_id, code in CHOICE_CODES.items():
        coded = {c.snomed for c in phc.item(item_id).choices} - {""}
        assert coded == {code}, item_id  # only the positive answer is coded
    assert phc.item("liver_function").choice("done").snomed == "26958001"  # type: ignore[union-attr]
    ecg = templates.get("medication_monitoring").item("ecg").choice("done")
    assert ecg is not None and ecg.snomed == "29303009"
    # no code where none was verified
    for item_id in ("condition_ckd_3_5", "substance_use", "ethnic_category", "bbv_testing"):
        item = phc.item(item_id)
        assert item.snomed == "" and all(c.snomed == "" for c in item.choices)


def test_screening_prompts_by_age_and_sex(templates: TemplateSet) -> None:
    phc = templates.get("smi_physical_health_check")
    cervical, breast, bowel = (phc.item(f"{k}_screening") for k in ("cervical", "breast", "bowel"))
    assert cervical.applies(sex="female", age=25) and cervical.applies(sex="female", age=64)
    assert not cervical.applies(sex="female", age=24) and not cervical.applies(sex="female", age=65)
    assert not cervical.applies(sex="male", age=40)
    assert breast.applies(sex="female", age=50) and not breast.applies(sex="female", age=71)
    assert bowel.applies(sex="male", age=50) and bowel.applies(sex="female", age=74)
    assert not bowel.applies(sex="male", age=49)
    assert phc.item("qrisk3").applies(sex="male", age=84) and not phc.item("qrisk3").applies(
        sex="male", age=85
    )
    assert phc.item("flu_immunisation").applies(sex="unknown", age=30)


def test_medication_monitoring_schedule_in_the_template(templates: TemplateSet) -> None:
    meds = templates.get("medication_monitoring")
    assert meds.schedule_weeks == (0, 12, 52) and meds.schedule_start_item == "started_on"
    assert meds.recurrence_months == 12
    ids = {i.id for i in meds.items}
    assert {"weight", "waist_cm", "pulse", "bp_systolic", "hba1c", "fasting_glucose",
            "cholesterol", "prolactin", "ecg"} <= ids  # fmt: skip
    assert "NICE CG178" in meds.source


def test_labels_and_citations(templates: TemplateSet) -> None:
    phc = templates.get("smi_physical_health_check")
    assert "MH021" not in phc.source and "2023/24" not in phc.source
    assert "six-element SMI physical health check" in phc.source
    assert "business rules v50" in phc.source
    assert {c.indicator for c in phc.checks} == {
        "MH003", "MH006", "MH007", "MH011", "MH012", "SMOK002",
    }  # fmt: skip


UNIT, SOURCE = 'unit = "kg"', 'source = "test"'
NUMBER = 'type = "number"\nunit = "kg"\nmin = 20\nmax = 300'


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("recurrence_months = 6", "recurrence_months = 6.0"), "'recurrence_months' must be"),
        (('unit = "kg"', 'unit = "kg"\nformula = "bmi"'), "needs 'weight' and 'height'"),
        (('unit = "kg"', 'unit = "kg"\nformula = "bsa"'), "'formula' must be one of"),
        ((UNIT, UNIT + '\nqof_window = "contract_year"'), "'qof_window' needs 'check'"),
        (('source = "test"', 'source = "test"\nschedule_weeks = [0, 12]'),
         "'schedule_start_item' must name a date item"),
        ((SOURCE, SOURCE + '\nschedule_weeks = [12, 0]\nschedule_start_item = "w"'),
         "'schedule_weeks' must be increasing"),
        (('unit = "kg"', 'unit = "kg"\neligible = { sex = "woman" }'), "'sex' must be one of"),
        (('unit = "kg"', 'unit = "kg"\neligible = { min_age = "50" }'), "'min_age' must be"),
        (('type = "number"', 'type = "yes_no"'), "only apply to number items"),
        ((NUMBER, 'type = "yes_no"\nsnomed = "314530002"'), "a yes_no item has no 'snomed'"),
        (("required = true", 'required = "yes"'), "'required' must be a valid boolean"),
    ],
)  # fmt: skip
def test_model_rules_refuse_bad_templates(change: tuple[str, str], message: str) -> None:
    text = MINIMAL.replace(*change, 1)
    assert text != MINIMAL
    with pytest.raises(TemplateError) as info:
        parse_template_text(text, source_name="bad.toml")
    assert message in str(info.value)
    assert "review template bad.toml" in str(info.value)
