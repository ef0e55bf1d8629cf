"""Building returns by hand for the hub tests: real devices (Ed25519 keys), real age
encryption, records written exactly as `mhf returns export` writes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from mhf_tui.services.contract_year import Quarter
from mhf_tui.sync.device import Device
from mhf_tui.sync.package import write_atomic
from mhf_tui.sync.pseudonym import key_id, pseudonym
from mhf_tui.sync.returns_package import Period, build_return


def quarter(label: str) -> Period:
    q = Quarter.parse(label)
    return Period(q.start, q.end, q.label)


def new_device(name: str) -> Device:
    return Device(str(uuid.uuid4()), name, Ed25519PrivateKey.generate())


def patient(
    n: int,
    key: bytes,
    *,
    practice: str = "C82001",
    start: str = "2026-01-10",
    end: str | None = None,
    smi: bool = False,
    cluster: int | None = 11,
    **events: list[Any],
) -> dict[str, Any]:
    """A patient record; `n` picks a synthetic NHS number (999 range)."""
    record: dict[str, Any] = {
        "pseudonym": pseudonym(key, f"99900{n:05d}"),
        "age_band": "35-44",
        "sex": "female",
        "practice_ods": practice,
        "care_cluster": cluster,
        "smi": smi,
        "episode_start": start,
        "episode_end": end,
    }
    for kind in ("contacts", "phq9", "gad7", "gbo", "health_checks", "signposting"):
        record[kind] = events.get(kind, [])
    return record


@dataclass
class Returns:
    """Writes return files for one hub (its recipient and service key)."""

    out: Path
    recipient: x25519.Recipient
    key: bytes
    sequences: dict[str, int] = field(default_factory=dict)

    def write(
        self,
        device: Device,
        period: Period,
        patients: list[dict[str, Any]],
        *,
        sequence: int | None = None,
        key: bytes | None = None,
    ) -> Path:
        seq = sequence or self.sequences.get(device.device_id, 0) + 1
        self.sequences[device.device_id] = max(seq, self.sequences.get(device.device_id, 0))
        data = build_return(
            {"patients": patients},
            device=device,
            recipient=self.recipient,
            period=period,
            sequence=seq,
            key_id=key_id(key or self.key),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            counts={"patients": len(patients)},
        )
        path = self.out / f"return-{period.label}-{device.device_id[:8]}-{seq}.mhfreturn"
        self.out.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        return path


def day(text: str) -> date:
    return date.fromisoformat(text)
