"""Helpers to export, import and take sync files apart in tests (with pyrage and the
standard tarfile module, not the code under test)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
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


def device_key(world: World) -> Ed25519PrivateKey:
    """The world's device signing key (as a test holding the caseload can read it)."""
    from mhf_tui.sync.device import load_device

    with world.caseload.session() as s:
        return load_device(s).signing_key


def craft(
    world: World,
    path: Path,
    key: Ed25519PrivateKey,
    *,
    bundle: dict[str, Any] | None = None,
    **manifest_changes: Any,
) -> None:
    """Rewrite the sync file at `path` as someone holding `key` could: the bundle replaced
    (if given), manifest fields changed, hash and counts made consistent, signed with
    `key`, encrypted to the practice. Built with json, tarfile, cryptography and pyrage."""
    members = unpack(world, path)
    manifest = json.loads(members["manifest.json"])
    if bundle is None:
        bundle = json.loads(members["bundle.json"])
    members["bundle.json"] = json.dumps(bundle, separators=(",", ":")).encode()
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    manifest.update(
        device_public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
        bundle_sha256=hashlib.sha256(members["bundle.json"]).hexdigest(),
        counts=counts,
    )
    manifest.update(manifest_changes)
    members["manifest.json"] = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    members["manifest.sig"] = key.sign(members["manifest.json"])
    repack(world, path, members)


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    kind, rid = resource["resourceType"], resource["id"]
    return {
        "fullUrl": f"urn:uuid:{rid}",
        "resource": resource,
        "request": {"method": "PUT", "url": f"{kind}/{rid}"},
    }


def bundle_of(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": "crafted",
        "type": "transaction",
        "entry": [entry(r) for r in resources],
    }


def store_files(store: Path) -> dict[str, bytes]:
    """Every file in the store directory with its bytes, but the instance lock (which
    holds the pid of whoever last opened the store, not data)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(store.iterdir())
        if p.is_file() and p.name != StoreDir(store).lock.name
    }
