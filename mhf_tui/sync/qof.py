"""The practice's QOF view of what it received: per patient on the SMI register, which of the
six physical health check elements are recorded in a contract year, and the totals.

An element counts when a coded entry for it (see `terminology.QOF_ELEMENT_CODES`) has a date
in the 12-month window the facilitator's own report uses (`services.qof_report.window_start`:
the contract year, 1 April - 31 March). Cholesterol's 24-month window (QOF MH011, for
patients without raised cardiovascular risk) is not applied: the facts that decide it stay
with the facilitator, so the view counts cholesterol in the year like the other elements (the
practice's own QOF run, with its full record, decides). Entries withdrawn as entered in
error never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from mhf_tui.services.contract_year import ContractYear
from mhf_tui.services.qof_report import window_start
from mhf_tui.sync.codes import coded_entries
from mhf_tui.sync.letter_store import held_items
from mhf_tui.sync.letters import Held, format_nhs, nhs_of, patient_name
from mhf_tui.sync.terminology import QOF_ELEMENT_CODES

#: element -> (label, QOF indicator)
ELEMENTS = {
    "bmi": ("BMI", "MH006"),
    "blood_pressure": ("Blood pressure", "MH003"),
    "alcohol": ("Alcohol consumption", "MH007"),
    "smoking": ("Smoking status", "SMOK002"),
    "glucose": ("HbA1c or blood glucose", "MH012"),
    "cholesterol": ("Cholesterol", "MH011"),
}
SMI_FACT = "On the SMI register"


@dataclass
class QofPatient:
    nhs_number: str
    name: str
    #: element -> the latest date it was recorded in the year ("" when not recorded)
    elements: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(self.elements.get(e) for e in ELEMENTS)


@dataclass
class QofReport:
    year: ContractYear
    patients: list[QofPatient]

    @property
    def totals(self) -> dict[str, int]:
        out = {e: sum(1 for p in self.patients if p.elements.get(e)) for e in ELEMENTS}
        out["all_six"] = sum(1 for p in self.patients if p.complete)
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "contract_year": self.year.label,
            "from": self.year.start.isoformat(),
            "to": self.year.end.isoformat(),
            "smi_patients": len(self.patients),
            "totals": self.totals,
            "patients": [
                {"nhs_number": p.nhs_number, "name": p.name, **p.elements, "all_six": p.complete}
                for p in self.patients
            ],
        }


def _on_register(patient: Held) -> bool:
    div = str((patient.body.get("text") or {}).get("div", ""))
    return f"<p>{SMI_FACT}</p>" in div


def qof_report(session: Session, year: ContractYear | None = None) -> QofReport:
    year = year or ContractYear.containing(date.today())
    start = window_start(year, 12)
    holdings = held_items(session)
    patients = []
    for pid, patient in holdings.patients.items():
        if not _on_register(patient):
            continue
        rows = coded_entries(h.body for h in holdings.items.get(pid, []))
        elements = {}
        for element, codes in QOF_ELEMENT_CODES.items():
            dates = [
                r.date
                for r in rows
                if r.snomed in codes and r.date and start <= date.fromisoformat(r.date) <= year.end
            ]
            elements[element] = max(dates, default="")
        patients.append(QofPatient(nhs_of(patient.body), patient_name(patient.body), elements))
    return QofReport(year, sorted(patients, key=lambda p: (p.name, p.nhs_number)))


def qof_lines(report: QofReport) -> list[str]:
    """The report as a table for the terminal (callers neutralise before printing)."""
    heads = [ELEMENTS[e][0] for e in ELEMENTS]
    lines = [
        f"QOF {report.year.label} ({report.year.start} to {report.year.end}): "
        f"{len(report.patients)} patient(s) on the SMI register received",
        "  ".join(["NHS number  ", *(f"{h[:14]:14}" for h in heads), "All six"]),
    ]
    for p in report.patients:
        cells = [f"{(p.elements.get(e) or '-'):14}" for e in ELEMENTS]
        lines.append(
            "  ".join([f"{format_nhs(p.nhs_number):12}", *cells, "yes" if p.complete else "no"])
        )
    totals = report.totals
    lines.append(
        "Totals: "
        + ", ".join(f"{ELEMENTS[e][0]} ({ELEMENTS[e][1]}) {totals[e]}" for e in ELEMENTS)
        + f"; all six {totals['all_six']}"
    )
    return lines
