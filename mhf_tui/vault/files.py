"""vault.json and unlock-state.json: small JSON files beside the database, no secrets in clear."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mhf_tui.errors import MhfError
from mhf_tui.paths import write_private
from mhf_tui.vault.keys import KdfParams, Wrapped

VAULT_FORMAT = 1
MAX_VAULT_BYTES = 64 * 1024
#: the floor below which vault.json is refused: OWASP's Argon2id minimum is 19 MiB, t=2;
#: mhf's own defaults (64 MiB, t=3) are the floor, so lowering them can only be tampering
MIN_MEMORY_KIB = 65536
MIN_ITERATIONS = 3
#: above these, unlocking would exhaust the laptop's memory or time: also tampering
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 16


class WeakKeySettings(MhfError):
    """vault.json's Argon2id settings are outside what mhf ever writes."""

    def __init__(self, kdf: KdfParams) -> None:
        super().__init__(
            f"key settings outside the allowed range ({kdf_summary(kdf)}; the minimum is "
            f"m={MIN_MEMORY_KIB} KiB, t={MIN_ITERATIONS}): this file may have been tampered "
            "with; restore vault.json from a backup, or run `mhf recover` with the recovery key"
        )


def kdf_summary(kdf: KdfParams) -> str:
    """The settings as `mhf check` reports them."""
    return f"Argon2id m={kdf.memory_kib} KiB, t={kdf.iterations}, p={kdf.lanes}"


def kdf_in_range(kdf: KdfParams) -> bool:
    return (
        MIN_MEMORY_KIB <= kdf.memory_kib <= MAX_MEMORY_KIB
        and MIN_ITERATIONS <= kdf.iterations <= MAX_ITERATIONS
        and 1 <= kdf.lanes <= MAX_LANES
    )


def stronger_kdf(stored: KdfParams) -> KdfParams:
    """Fresh settings for a rewrap: never weaker than what is stored nor than the defaults,
    so a tampered file cannot carry weak (or absurd) settings forward."""
    defaults = KdfParams.fresh()
    if not kdf_in_range(stored):  # tampered either way: start again from the defaults
        return defaults
    return KdfParams.fresh(
        max(stored.memory_kib, defaults.memory_kib), max(stored.iterations, defaults.iterations)
    )


@dataclass(frozen=True)
class VaultFile:
    vault_id: str
    kdf: KdfParams
    passphrase_wrap: Wrapped
    recovery_wrap: Wrapped
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": VAULT_FORMAT,
            "vault_id": self.vault_id,
            "cipher": "aes-256-gcm",
            "kdf": self.kdf.to_json(),
            "wraps": {
                "passphrase": self.passphrase_wrap.to_json(),
                "recovery": self.recovery_wrap.to_json(),
            },
            "created_at": self.created_at,
        }

    def check_kdf(self) -> None:
        """Refuse settings mhf never writes before any passphrase is tried against them."""
        if not kdf_in_range(self.kdf):
            raise WeakKeySettings(self.kdf)

    def save(self, path: Path) -> None:
        self.check_kdf()
        write_private(path, json.dumps(self.to_json(), indent=2).encode() + b"\n")

    @classmethod
    def load(cls, path: Path) -> VaultFile:
        try:
            with path.open("rb") as f:
                data = f.read(MAX_VAULT_BYTES + 1)  # a few hundred bytes when mhf wrote it
        except OSError as exc:
            raise MhfError(f"{path.name} is damaged or unreadable ({type(exc).__name__})") from None
        return cls.from_bytes(data, path.name)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "vault.json") -> VaultFile:
        try:
            if len(data) > MAX_VAULT_BYTES:
                raise ValueError("too large")
            raw = json.loads(data.decode("utf-8"))
            if raw.get("format") != VAULT_FORMAT:
                raise MhfError(f"{name}: unsupported vault format {str(raw.get('format'))[:20]!r}")
            kdf = raw["kdf"]
            if kdf.get("algorithm") != "argon2id":
                raise MhfError(f"{name}: unsupported key derivation")
            params = KdfParams(
                salt=kdf["salt"],
                memory_kib=int(kdf["memory_kib"]),
                iterations=int(kdf["iterations"]),
                lanes=int(kdf["lanes"]),
            )
            wraps = raw["wraps"]
            return cls(
                vault_id=str(raw["vault_id"]),
                kdf=params,
                passphrase_wrap=Wrapped(**wraps["passphrase"]),
                recovery_wrap=Wrapped(**wraps["recovery"]),
                created_at=str(raw.get("created_at", "")),
            )
        except MhfError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MhfError(f"{name} is damaged or unreadable ({type(exc).__name__})") from None


@dataclass
class UnlockState:
    """Failed unlock attempts, persisted so a restart does not reset the delay."""

    path: Path
    failures: int = 0
    last_failure: float = 0.0

    FREE_ATTEMPTS = 3
    MAX_DELAY_S = 300.0

    @classmethod
    def load(cls, path: Path) -> UnlockState:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, int(raw["failures"]), float(raw["last_failure"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(path)

    def delay_s(self) -> float:
        """Seconds to wait before the next attempt: 0, then 1, 2, 4... after 3 failures."""
        if self.failures < self.FREE_ATTEMPTS:
            return 0.0
        return min(2.0 ** (self.failures - self.FREE_ATTEMPTS), self.MAX_DELAY_S)

    def remaining_s(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        return max(0.0, self.last_failure + self.delay_s() - now)

    def record_failure(self) -> None:
        self.failures += 1
        self.last_failure = time.time()
        self._save()

    def record_success(self) -> None:
        if self.failures:
            self.failures = 0
            self.last_failure = 0.0
            self._save()

    def _save(self) -> None:
        data = {"failures": self.failures, "last_failure": self.last_failure}
        write_private(self.path, json.dumps(data).encode())
