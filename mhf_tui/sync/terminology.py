"""The codes mhf sends, with the terms a practice's summariser sees.

SNOMED CT preferred terms (UK edition) for every concept a review template or an outcome
measure can carry, LOINC codes for the vital signs and questionnaires that UK Core and the
FHIR vital-signs profiles ask for, and UCUM codes for the units a template writes. One table,
shared by the bundle builders, the letters and the coded CSV, so a code and its term never
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

SNOMED_SYSTEM = "http://snomed.info/sct"
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"

#: SNOMED CT concept id -> preferred term (checked against the template sources; see
#: `mhf_tui/review_templates/smi_physical_health_check.toml`)
SNOMED_TERMS: dict[str, str] = {
    "60621009": "Body mass index",
    "27113001": "Body weight",
    "75367002": "Blood pressure",
    "271649006": "Systolic blood pressure",
    "271650006": "Diastolic blood pressure",
    "1082641000000106": "Alcohol units consumed per week",
    "77176002": "Smoker",
    "8517006": "Ex-smoker",
    "266919005": "Never smoked tobacco",
    "999791000000106": "Haemoglobin A1c level - IFCC standardised",
    "1010671000000102": "Plasma glucose level",
    "1005671000000105": "Serum cholesterol level",
    "720433000": "Patient Health Questionnaire Nine Item score",
    "445455005": "Generalized anxiety disorder 7 item score",
    "314530002": "Medication review done",
    # added with the fuller SMI health check and antipsychotic monitoring (2026.2 templates)
    "50373000": "Body height",
    "276361009": "Waist circumference",
    "78564009": "Pulse rate",
    "53741008": "Coronary arteriosclerosis",
    "73211009": "Diabetes mellitus",
    "230690007": "Cerebrovascular accident",
    "266257000": "Transient ischaemic attack",
    "399957001": "Peripheral arterial occlusive disease",
    "398036000": "Familial hypercholesterolaemia",
    "1085871000000105": "QRISK3 cardiovascular disease 10 year risk score",
    "266894000": "Family history: cardiovascular disease",
    "160303001": "Family history: diabetes mellitus",
    "171149006": "Screening for malignant neoplasm of cervix",
    "268547008": "Screening for malignant neoplasm of breast",
    "275978004": "Screening for malignant neoplasm of colon",
    "86198006": "Influenza vaccination",
    "840534001": "SARS-CoV-2 vaccination",
    "12866006": "Pneumococcal vaccination",
    "26958001": "Liver function tests",
    "29303009": "Electrocardiographic procedure",
}


@dataclass(frozen=True)
class VitalSign:
    """A FHIR R4 vital-signs profile: its LOINC code and the UCUM unit it requires."""

    profile: str
    loinc: str
    loinc_display: str
    ucum: str


#: SNOMED code of a review item -> the vital sign it is
VITAL_SIGNS: dict[str, VitalSign] = {
    "60621009": VitalSign(
        "http://hl7.org/fhir/StructureDefinition/bmi", "39156-5", "Body mass index (BMI)", "kg/m2"
    ),
    "27113001": VitalSign(
        "http://hl7.org/fhir/StructureDefinition/bodyweight", "29463-7", "Body weight", "kg"
    ),
}
BP_PROFILE = "http://hl7.org/fhir/StructureDefinition/bp"
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
#: SNOMED code of a BP item -> its LOINC component code and display
BP_COMPONENTS: dict[str, tuple[str, str]] = {
    "271649006": ("8480-6", "Systolic blood pressure"),
    "271650006": ("8462-4", "Diastolic blood pressure"),
}

#: units as templates write them -> UCUM code (a unit with no UCUM form is sent as an
#: annotation, `{...}`, which UCUM allows)
UCUM_CODES: dict[str, str] = {
    "kg/m2": "kg/m2",
    "kg": "kg",
    "mmHg": "mm[Hg]",
    "mm[Hg]": "mm[Hg]",
    "mmol/mol": "mmol/mol",
    "mmol/L": "mmol/L",
    "units/week": "{units}/wk",
    "min": "min",
    "cm": "cm",
    "bpm": "/min",
    "%": "%",
    "mIU/L": "m[IU]/L",
}


def ucum(unit: str) -> str:
    """The UCUM code for a template unit; an unknown unit becomes a UCUM annotation."""
    if unit in UCUM_CODES:
        return UCUM_CODES[unit]
    cleaned = "".join(ch for ch in unit if ch not in "{}") or "1"
    return "{" + cleaned + "}"


def snomed_term(code: str) -> str:
    return SNOMED_TERMS.get(code, "")


@dataclass(frozen=True)
class Questionnaire:
    """PHQ-9 / GAD-7: the LOINC panel, the item codes (used as linkIds) and the total score
    codes in LOINC and SNOMED CT."""

    name: str
    panel: str
    items: tuple[str, ...]
    total_loinc: str
    total_loinc_display: str
    total_snomed: str


QUESTIONNAIRES: dict[str, Questionnaire] = {
    "phq9": Questionnaire(
        "PHQ-9",
        "44249-1",
        (
            "44250-9",
            "44255-8",
            "44259-0",
            "44254-1",
            "44251-7",
            "44258-2",
            "44252-5",
            "44253-3",
            "44260-8",
        ),
        "44261-6",
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
        "720433000",
    ),
    "gad7": Questionnaire(
        "GAD-7",
        "69737-5",
        ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
        "70274-6",
        "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
        "445455005",
    ),
}
#: PHQ-9 item 9 (thoughts of self-harm), the item a practice must see first
PHQ9_ITEM9 = "44260-8"

#: review templates whose completion has a SNOMED CT code of its own
REVIEW_COMPLETION_CODES: dict[str, str] = {"medication_monitoring": "314530002"}

#: QOF physical-health-check element -> the SNOMED codes that record it
QOF_ELEMENT_CODES: dict[str, frozenset[str]] = {
    "bmi": frozenset({"60621009"}),
    "blood_pressure": frozenset({"271649006", "271650006"}),
    "alcohol": frozenset({"1082641000000106"}),
    "smoking": frozenset({"77176002", "8517006", "266919005"}),
    "glucose": frozenset({"999791000000106", "1010671000000102"}),
    "cholesterol": frozenset({"1005671000000105"}),
}
