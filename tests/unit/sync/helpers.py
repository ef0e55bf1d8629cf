"""Helpers to export, import and take sync files apart in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from mhf_tui.db.tables.sync import ImportLog, ReceivedResource
from mhf_tui.sync.ack import apply_ack, read_ack
from mhf_tui.sync.export import ExportResult, export_practice
from mhf_tui.sync.importer import ImportSummary, import_file
from mhf_tui.sync.package import decrypt, encrypt, read_tar
from mhf_tui.sync.practice_store import PracticeStore, StoreDir
from tests.unit.sync.conftest import ODS, STORE_PASS, World


def export(world: World, out: Path) -> ExportResult:
    with world.caseload.session() as s:
        return export_practice(s, ods=ODS, out_dir=out, actor="Test Facilitator")


def do_import(world: World, path: Path, store: Path, **kw: Any) -> ImportSummary:
    return import_file(
        path,
        identity_path=world.identity_path,
        store_root=store,
        passphrase=lambda _creating: STORE_PASS,
        **kw,
    )


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
                "imports": [(i.device_id, i.sequence) for i in s.exec(select(ImportLog))],
            }
    finally:
        st.close()


def unpack(world: World, path: Path) -> dict[str, bytes]:
    return read_tar(decrypt(path.read_bytes(), world.identity))


def repack(world: World, path: Path, members: dict[str, bytes]) -> None:
    """Rebuild the file with changed members, encrypted to the practice as anyone can."""
    from mhf_tui.sync.package import build_tar

    path.write_bytes(encrypt(build_tar(members, 0), world.identity.to_public()))


def acks_for(sync_file: Path, directory: Path | None = None) -> list[Path]:
    """Every ack (published or staged) for this sync file, from any device."""
    where = directory or sync_file.parent
    stem = sync_file.name.removesuffix(".mhfsync")
    return [*where.glob(f"{stem}-*.mhfack"), *where.glob(f".{stem}-*.pending")]
