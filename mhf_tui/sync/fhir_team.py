"""The people and organisation behind a sync file, as UK Core resources: the facilitator
(Practitioner, with their professional registration when settings give one), their service
(Organization), and the Provenance that names the device that assembled the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mhf_tui.sync.fhir import (
    DATA_OPERATION_SYSTEM,
    ODS_SYSTEM,
    PARTICIPANT_TYPE_SYSTEM,
    URI_SYSTEM,
    Resource,
    derived_id,
    instant,
    meta,
)

#: UK Core has no Provenance profile: the base R4 one
PROVENANCE_PROFILE = "http://hl7.org/fhir/StructureDefinition/Provenance"
#: professional registers a registration in settings may name (prefix -> identifier system)
REGISTERS = {
    "NMC": "https://fhir.hl7.org.uk/Id/nmc-number",
    "HCPC": "https://fhir.hl7.org.uk/Id/hcpc-number",
    "GMC": "https://fhir.hl7.org.uk/Id/gmc-number",
}


@dataclass(frozen=True)
class Team:
    """Who the resources are by: the facilitator (a Practitioner, one per device, so one
    device never writes another's resource) and their service (an Organization)."""

    device_id: str
    facilitator: str
    registration: str = ""
    service: str = ""
    service_ods: str = ""

    @property
    def practitioner_id(self) -> str:
        return derived_id("practitioner", self.device_id)

    @property
    def organization_id(self) -> str:
        return derived_id("organization", self.device_id)

    def author(self, name: str) -> dict[str, str]:
        """A reference for a row's author: the Practitioner when it is the facilitator
        (or unnamed), a name alone for anyone else."""
        if name and name != self.facilitator:
            return {"display": name}
        return {"reference": f"Practitioner/{self.practitioner_id}", "display": self.facilitator}

    def organization(self) -> dict[str, str]:
        return {"reference": f"Organization/{self.organization_id}", "display": self.service_name}

    @property
    def service_name(self) -> str:
        return self.service or "Mental health facilitator service"


def _active(kind: str, rid: str) -> Resource:
    return {"resourceType": kind, "id": rid, "meta": meta(kind), "active": True}


def practitioner_resource(team: Team) -> Resource:
    r = _active("Practitioner", team.practitioner_id)
    r["name"] = [{"use": "official", "text": team.facilitator}]
    registration = team.registration.strip()
    if registration:
        register, _, number = registration.partition(" ")
        system = REGISTERS.get(register.upper())
        r["identifier"] = [
            {"system": system, "value": number.strip()}
            if system and number.strip()
            else {"type": {"text": "Professional registration"}, "value": registration}
        ]
    return r


def organization_resource(team: Team) -> Resource:
    r = _active("Organization", team.organization_id)
    r["name"] = team.service_name
    if team.service_ods:
        r["identifier"] = [{"system": ODS_SYSTEM, "value": team.service_ods}]
    return r


def provenance(
    *,
    targets: list[str],
    device_id: str,
    device_fingerprint: str,
    team: Team,
    ods: str,
    sequence: int,
    recorded: datetime,
) -> Resource:
    return {
        "resourceType": "Provenance",
        "id": derived_id("provenance", device_id, ods, str(sequence)),
        "meta": meta(PROVENANCE_PROFILE),
        "target": [{"reference": t} for t in targets],
        "recorded": instant(recorded),
        "activity": {"coding": [{"system": DATA_OPERATION_SYSTEM, "code": "UPDATE"}]},
        "agent": [
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE_SYSTEM, "code": "author"}]},
                "who": team.author(""),
                "onBehalfOf": team.organization(),
            },
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE_SYSTEM, "code": "assembler"}]},
                "who": {
                    "identifier": {"system": URI_SYSTEM, "value": f"urn:uuid:{device_id}"},
                    "display": f"mhf device {device_fingerprint}",
                },
            },
        ],
    }
