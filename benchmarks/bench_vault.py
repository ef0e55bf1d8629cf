"""Unlock: Argon2id unwrap of the data key, opening the SQLCipher engine (schema check
included) and the first query, as the lock screen does it."""

from __future__ import annotations

import time
from typing import Any

from _common import FACILITATOR, PASSPHRASE, figure, median, scratch_dir
from sqlalchemy import func
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Patient
from mhf_tui.paths import DataDir
from mhf_tui.services.setup import initialise_caseload


def run(quick: bool) -> dict[str, Any]:
    runs = 3 if quick else 7
    with scratch_dir("unlock") as root:
        data = DataDir(root / "home")
        caseload, _recovery = initialise_caseload(data, PASSPHRASE, facilitator=FACILITATOR)
        caseload.close()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            caseload = Caseload.open(data, PASSPHRASE)
            with caseload.session() as session:
                session.exec(select(func.count()).select_from(Patient)).one()
            times.append(time.perf_counter() - start)
            caseload.close()
    value = median(times)
    return {
        "unlock_s": figure(
            round(value, 3),
            unit="s",
            target="0.2-0.6",
            met=0.2 <= value <= 0.6,
            runs=runs,
            all_s=[round(t, 3) for t in times],
            kdf="Argon2id m=64 MiB t=3 p=1",
        )
    }
