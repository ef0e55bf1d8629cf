"""Sync: `export_practice` of 1,000 patients with 50,000 notes (one practice), then the
practice-side `import_file` of that file into an existing practice store, as the
commands do it. The import figure includes the store's Argon2id unlock (~0.25 s), because
the practice waits for that too."""

from __future__ import annotations

import time
from typing import Any

from _common import PASSPHRASE, figure, new_caseload, scratch_dir, seed_bulk

from mhf_tui.sync.export import export_practice
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.package import new_identity
from mhf_tui.sync.practice_store import PracticeStore

ODS = "C81001"
TARGET_S = 5.0


def run(quick: bool) -> dict[str, Any]:
    patients, notes = (200, 10_000) if quick else (1_000, 50_000)
    size = f"{patients} patients / {notes} notes" + (" (quick mode: smaller)" if quick else "")
    identity = new_identity()
    with scratch_dir("sync") as root:
        caseload = new_caseload(root)
        try:
            seed_bulk(
                caseload,
                patients=patients,
                notes=notes,
                practices=((ODS, "Bench Surgery"),),
                recipient=str(identity.to_public()),
            )
            out_dir = caseload.data.exports
            start = time.perf_counter()
            with caseload.session() as session:
                result = export_practice(session, ods=ODS, out_dir=out_dir, actor="Bench")
            export_s = time.perf_counter() - start
        finally:
            caseload.close()
        assert result.path is not None
        file_mb = result.path.stat().st_size / 1e6

        identity_file = root / "practice.key"
        identity_file.write_text(f"{identity}\n", encoding="ascii")
        store_root = root / "practice-store"
        store, _recovery = PracticeStore.create(store_root, PASSPHRASE)
        store.close()
        (root / "acks").mkdir()
        start = time.perf_counter()
        summary = import_file(
            result.path,
            identity_path=identity_file,
            store_root=store_root,
            passphrase=lambda _creating: PASSPHRASE,
            ack_dir=root / "acks",
        )
        import_s = time.perf_counter() - start
    counts = dict(result.counts)
    return {
        "export_s": figure(
            round(export_s, 2),
            unit="s",
            target=f"a few seconds (<= {TARGET_S:g})",
            met=export_s <= TARGET_S,
            size=size,
            resources=counts,
            file_mb=round(file_mb, 1),
        ),
        "import_s": figure(
            round(import_s, 2),
            unit="s",
            target=f"a few seconds (<= {TARGET_S:g})",
            met=import_s <= TARGET_S,
            size=size,
            changed=summary.changed,
            includes="store unlock (Argon2id), decrypt, signature and hash checks, upsert",
        ),
    }
