"""Started fresh by bench_sync for each measurement, so each figure is one process's own
peak memory (its high-water mark, including the Argon2id unlock): `VmHWM` from /proc, with
`resource.getrusage` off Linux (on Linux `ru_maxrss` keeps the parent's high-water mark
across fork and exec, so a child of the seeding process would report the seeding):

    python sync_rss_probe.py export HOME PASSPHRASE ODS OUT_DIR
    python sync_rss_probe.py import STORE PASSPHRASE FILE ACK_DIR

Prints one JSON line: seconds and cpu_s (unlock included), peak_rss_mb, and what it did
(an import refused says why in `error`; tests/unit/sync/test_inbox_limits.py uses that).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def export(home: str, passphrase: str, ods: str, out: str) -> dict[str, Any]:
    from mhf_tui.db.store import Caseload
    from mhf_tui.paths import DataDir
    from mhf_tui.sync.export import export_practice

    caseload = Caseload.open(DataDir(Path(home)), passphrase)
    try:
        with caseload.session() as session:
            result = export_practice(session, ods=ods, out_dir=Path(out), actor="Bench")
    finally:
        caseload.close()
    assert result.path is not None
    return {"path": str(result.path), "counts": result.counts}


def import_(store_dir: str, passphrase: str, path: str, acks: str) -> dict[str, Any]:
    """The import's counts, or the one-line error it was refused with."""
    from mhf_tui.errors import MhfError
    from mhf_tui.sync.importer import import_file
    from mhf_tui.sync.practice_store import PracticeStore

    store = PracticeStore.open(Path(store_dir), passphrase)
    try:
        summary = import_file(store, Path(path), ack_dir=Path(acks))
    except MhfError as exc:
        return {"error": str(exc)}
    finally:
        store.close()
    return {"error": "", "changed": summary.changed, "unchanged": summary.unchanged}


def _peak_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    mode, *rest = sys.argv[1:]
    start, cpu = time.perf_counter(), time.process_time()
    done = export(*rest) if mode == "export" else import_(*rest)
    done["seconds"] = round(time.perf_counter() - start, 2)
    done["cpu_s"] = round(time.process_time() - cpu, 2)
    done["peak_rss_mb"] = round(_peak_kib() / 1024)
    print(json.dumps(done))


if __name__ == "__main__":
    main()
