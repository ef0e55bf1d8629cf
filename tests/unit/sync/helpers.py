"""Helpers to export, import and take sync files apart in tests (with pyrage and the
standard tarfile module, not the code under test)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pyrage
from sqlmodel import select

from mhf_tui.db.tables.sync import ImportLog, ReceivedResource
from mhf_tui.sync.ack import apply_ack, read_ack
from mhf_tui.sync.export import ExportResult, export_practice
from mhf_tui.sync.importer import ImportSummary, import_file
from mhf_tui.sync.practice_store import PracticeStore, StoreDir
from tests.unit.sync.conftest import ODS, STORE_PASS, World

MEMBERS = ("manifest.json", "manifest.sig", "bundle.json")


def export(world: World, out: Path) -> ExportResult:
    with world.caseload.session() as s:
        return export_practice(s, ods=ODS, out_dir=out, actor="Test Facilitator")


def do_import(
    world: World, path: Path, store: Path | None = None, ack_dir: Path | None = None
) -> ImportSummary:
    opened = PracticeStore.open(store or world.store, STORE_PASS)
    try:
        return import_file(opened, path, ack_dir=ack_dir)
    finally:
        opened.close()


def ack(world: World, ack_path: str | Path) -> None:
    with world.caseload.session() as s:
        apply_ack(s, ack=read_ack(Path(ack_path)), actor="Test Facilitator")


def store_state(store: Path) -> dict[str, Any]:
    """Everything the practice store holds (empty if it was never created)."""
    if not StoreDir(store).exists():
        return {}
    st = PracticeStore.open(store, STORE_PASS)
    try:
        with st.session() as s:
            return {
                "resources": {
                    (r.resource_type, r.resource_id): r.sha256
                    for r in s.exec(select(ReceivedResource))
                },
                "imports": [(i.device_fingerprint, i.sequence) for i in s.exec(select(ImportLog))],
            }
    finally:
        st.close()


def unpack(world: World, path: Path) -> dict[str, bytes]:
    plain = pyrage.decrypt(path.read_bytes(), [world.identity])
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def build_tar(members: dict[str, bytes], order: tuple[str, ...] = MEMBERS) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in order:
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tar.addfile(info, io.BytesIO(members[name]))
    return buf.getvalue()


def repack(world: World, path: Path, members: dict[str, bytes]) -> None:
    """Rebuild the file with changed members, encrypted to the practice as anyone can."""
    path.write_bytes(pyrage.encrypt(build_tar(members), [world.identity.to_public()]))


def acks_for(sync_file: Path, directory: Path | None = None) -> list[Path]:
    """Every ack (published or staged) for this sync file, from any device."""
    where = directory or sync_file.parent
    stem = sync_file.name.removesuffix(".mhfsync")
    return [*where.glob(f"{stem}-*.mhfack"), *where.glob(f".{stem}-*.pending")]
