"""Sync: `export_practice` of 1,000 patients with 50,000 notes (one practice), then the
practice inbox's `import_file` of that file into an existing inbox with the device
enrolled, as the commands do it. Each runs in a fresh process (`sync_rss_probe.py`) so
its peak memory is its own; both figures include the Argon2id unlock of the caseload or
the inbox (~0.25 s, 64 MiB), because the user waits for that too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import PASSPHRASE, figure, new_caseload, scratch_dir, seed_bulk

ODS = "C81001"
TARGET_S = 5.0
TARGET_RSS_MB = 150
PROBE = Path(__file__).resolve().parent / "sync_rss_probe.py"


def _probe(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(PROBE), *args], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool) -> dict[str, Any]:
    from mhf_tui.sync.device import load_device
    from mhf_tui.sync.enrolment import enrol
    from mhf_tui.sync.practice_store import PracticeStore

    patients, notes = (200, 10_000) if quick else (1_000, 50_000)
    size = f"{patients} patients / {notes} notes" + (" (quick mode: smaller)" if quick else "")
    with scratch_dir("sync") as root:
        store, _recovery = PracticeStore.create(root / "inbox", PASSPHRASE, ods=ODS)
        with store.session() as session:
            recipient = str(store.identity(session).to_public())
        caseload = new_caseload(root)
        try:
            seed_bulk(
                caseload,
                patients=patients,
                notes=notes,
                practices=((ODS, "Bench Surgery"),),
                recipient=recipient,
            )
            with caseload.session() as session:
                device = load_device(session).fingerprint
            home, out_dir = str(caseload.data.root), str(caseload.data.exports)
        finally:
            caseload.close()
        with store.session() as session:
            enrol(session, fingerprint=device, name="Bench")
        store.close()
        exported = _probe("export", home, PASSPHRASE, ODS, out_dir)
        file_mb = Path(exported["path"]).stat().st_size / 1e6
        (root / "acks").mkdir()
        imported = _probe(
            "import", str(root / "inbox"), PASSPHRASE, exported["path"], str(root / "acks")
        )
    peak = max(exported["peak_rss_mb"], imported["peak_rss_mb"])
    return {
        "export_s": figure(
            exported["seconds"],
            unit="s",
            target=f"a few seconds (<= {TARGET_S:g})",
            met=exported["seconds"] <= TARGET_S,
            size=size,
            resources=exported["counts"],
            file_mb=round(file_mb, 1),
            cpu_s=exported["cpu_s"],
            includes="caseload unlock (Argon2id), select, build, hash, sign, encrypt, write",
        ),
        "import_s": figure(
            imported["seconds"],
            unit="s",
            target=f"a few seconds (<= {TARGET_S:g})",
            met=imported["seconds"] <= TARGET_S,
            size=size,
            changed=imported["changed"],
            cpu_s=imported["cpu_s"],
            includes="inbox unlock (Argon2id), decrypt, limits, signature, shapes, upsert",
        ),
        "sync_peak_rss_mb": figure(
            peak,
            unit="MB",
            target=f"< {TARGET_RSS_MB}",
            met=peak < TARGET_RSS_MB,
            size=size,
            export_peak_rss_mb=exported["peak_rss_mb"],
            import_peak_rss_mb=imported["peak_rss_mb"],
            how="VmHWM of a fresh process per step (includes the 64 MiB Argon2id unlock)",
        ),
    }
