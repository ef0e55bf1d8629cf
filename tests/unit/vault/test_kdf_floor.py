"""Attack: one write to vault.json lowers Argon2id so offline guessing gets 4,000 times
cheaper, and the next `recover` or `passwd` would carry the weak settings forward."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.vault.conftest import NEW_PASS, PASS

RECOVERY_RE = re.compile(r"Recovery key: ((?:[A-Z2-7]{4}-){7}[A-Z2-7]{4})")


def _set_kdf(home: Path, **values: int) -> None:
    path = home / "vault.json"
    vault = json.loads(path.read_text())
    vault["kdf"].update(values)
    path.write_text(json.dumps(vault))


def _passwd(mhf, home: Path):
    """`mhf passwd` from PASS to NEW_PASS."""
    stdin = f"{PASS}\n{NEW_PASS}\n{NEW_PASS}\n"
    return mhf("passwd", "--home", str(home), "--passphrase-stdin", stdin=stdin)


def _kdf(home: Path) -> dict[str, int]:
    return json.loads((home / "vault.json").read_text())["kdf"]


@pytest.fixture
def home_and_recovery(tmp_path, mhf) -> tuple[Path, str]:
    home = tmp_path / "h"
    r = mhf("init", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n{PASS}\n")
    assert r.code == 0, r.err
    return home, RECOVERY_RE.search(r.out).group(1)


@pytest.mark.parametrize(
    "values", [{"memory_kib": 8, "iterations": 1}, {"iterations": 1}, {"memory_kib": 19456}]
)
def test_lowered_kdf_is_refused_with_its_own_message(home_and_recovery, mhf, values):
    home, _ = home_and_recovery
    _set_kdf(home, **values)
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1
    assert "wrong passphrase" not in r.err
    assert "key settings outside the allowed range" in r.err
    assert "tampered" in r.err and "restore vault.json from a backup" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_absurd_kdf_is_refused_before_deriving(home_and_recovery, mhf):
    """A huge memory cost would exhaust the laptop at unlock: refused just the same."""
    home, _ = home_and_recovery
    _set_kdf(home, memory_kib=2**31)
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1 and "key settings outside the allowed range" in r.err


def test_passwd_refuses_a_lowered_kdf_and_writes_nothing(home_and_recovery, mhf):
    home, _ = home_and_recovery
    _set_kdf(home, memory_kib=8, iterations=1)
    before = (home / "vault.json").read_bytes()
    r = _passwd(mhf, home)
    assert r.code == 1 and "key settings outside the allowed range" in r.err
    assert (home / "vault.json").read_bytes() == before


def test_recover_after_a_lowered_kdf_writes_the_defaults(home_and_recovery, mhf):
    home, recovery = home_and_recovery
    _set_kdf(home, memory_kib=8, iterations=1)
    r = mhf(
        "recover",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{recovery}\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert r.code == 0, r.err
    kdf = _kdf(home)
    assert kdf["memory_kib"] >= 65536 and kdf["iterations"] >= 3
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{NEW_PASS}\n")
    assert r.code == 0, r.out + r.err
    assert "key derivation: Argon2id m=65536 KiB, t=3, p=1" in r.out


def _raise_kdf(home: Path, memory_kib: int, iterations: int) -> None:
    """Rewrap the passphrase with settings stronger than the defaults, as a user who
    raised them would have."""
    from mhf_tui.paths import DataDir
    from mhf_tui.vault import vault as v
    from mhf_tui.vault.files import VaultFile
    from mhf_tui.vault.keys import KdfParams, derive_passphrase_key, wrap_key

    data = DataDir(home)
    dek = v.unlock_data_key(data, PASS)
    old = v.load_vault(data)
    kdf = KdfParams.fresh(memory_kib, iterations)
    wrap = wrap_key(
        derive_passphrase_key(PASS, kdf), dek, aad=f"mhf-vault:{old.vault_id}:passphrase".encode()
    )
    VaultFile(old.vault_id, kdf, wrap, old.recovery_wrap, old.created_at).save(data.vault)


def test_rewraps_keep_settings_stronger_than_the_defaults(home_and_recovery, mhf):
    """passwd and rekey use max(stored, defaults): a raised setting is never lowered."""
    home, _ = home_and_recovery
    _raise_kdf(home, 65536 + 1024, 4)
    r = _passwd(mhf, home)
    assert r.code == 0, r.err
    assert (_kdf(home)["memory_kib"], _kdf(home)["iterations"]) == (65536 + 1024, 4)
    r = mhf("rekey", "--home", str(home), "--passphrase-stdin", stdin=f"{NEW_PASS}\n")
    assert r.code == 0, r.err
    assert (_kdf(home)["memory_kib"], _kdf(home)["iterations"]) == (65536 + 1024, 4)


def test_recover_after_an_absurd_kdf_writes_the_defaults(home_and_recovery, mhf):
    """Raised to exhaust the laptop's memory: recover starts again from the defaults."""
    home, recovery = home_and_recovery
    _set_kdf(home, memory_kib=2**31, iterations=1000)
    r = mhf(
        "recover",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{recovery}\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert r.code == 0, r.err
    assert (_kdf(home)["memory_kib"], _kdf(home)["iterations"]) == (65536, 3)
    assert "still open with the old passphrase" in r.out
