"""Hard limits, checked before anything is read: crafted files (pyrage, tarfile and
cryptography) are refused in a child process whose peak memory is measured, so a hostile
header cannot make the importer allocate what it declares. The peak includes the store's
Argon2id unlock (64 MiB).

The child (benchmarks/sync_rss_probe.py, as the benchmark runs it) reports its own
high-water mark, `VmHWM` from /proc, with `resource.getrusage` as the fallback off Linux:
on Linux `ru_maxrss` carries the parent's high-water mark across fork and exec, so in a
child of a large pytest process it would measure pytest."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhf_tui.sync.package import SyncError
from mhf_tui.sync.tarstream import MAX_MANIFEST_BYTES, TarStreamReader, check_header
from tests.unit.sync.conftest import STORE_PASS, World
from tests.unit.sync.helpers import build_tar, craft, device_key, export, store_files, unpack

GIB = 1024**3
#: what the importer may use at most on any of these files (the issue's bound)
PEAK_RSS_MB = 200

#: the benchmark's probe: one import in a fresh process, reporting its own peak memory
PROBE = Path(__file__).resolve().parents[3] / "benchmarks" / "sync_rss_probe.py"


def _import_in_child(store: Path, path: Path) -> dict[str, Any]:
    acks = path.parent / "acks"
    done = subprocess.run(
        [sys.executable, str(PROBE), "import", str(store), STORE_PASS, str(path), str(acks)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    print(f"{path.name}: {result}")  # the figures, for the closing note (pytest -s)
    return result


def _checksum(header: bytearray) -> bytearray:
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header)
    return header


def sparse_3_gib(world: World, path: Path) -> None:
    """A 10 KB GNU sparse member whose real size is 3 GiB (one hole, then the data)."""
    info = tarfile.TarInfo("manifest.json")
    info.type, info.size = tarfile.GNUTYPE_SPARSE, 10_240
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[386:398] = b"%011o\x00" % (3 * GIB - 10_240)  # sparse map: offset
    header[398:410] = b"%011o\x00" % 10_240  # ... and its length
    header[483:495] = b"%011o\x00" % (3 * GIB)  # the real size
    tar = bytes(_checksum(header)) + b"x" * 10_240 + b"\x00" * 1024
    path.write_bytes(pyrage.encrypt(tar, [world.identity.to_public()]))


def manifest_over_its_cap(world: World, path: Path) -> None:
    members = unpack(world, path)
    manifest = json.loads(members["manifest.json"])
    manifest["facilitator"] = "x" * (MAX_MANIFEST_BYTES + 1)
    members["manifest.json"] = json.dumps(manifest).encode()
    path.write_bytes(pyrage.encrypt(build_tar(members), [world.identity.to_public()]))


def bundle_declaring_2_gib(world: World, path: Path) -> None:
    """A bundle header declaring 2 GiB, followed by a few bytes: refused on the header."""
    members = unpack(world, path)
    tar = build_tar(members)
    head = tar[: tar.index(b"bundle.json")]
    info = tarfile.TarInfo("bundle.json")
    info.size = 2 * GIB
    forged = head + info.tobuf(format=tarfile.USTAR_FORMAT) + b"{" * 4096
    path.write_bytes(pyrage.encrypt(forged, [world.identity.to_public()]))


def sequence_40_million(world: World, path: Path) -> None:
    craft(world, path, device_key(world), sequence=40_000_000)


CRAFTED = {
    sparse_3_gib: "not a regular file",
    manifest_over_its_cap: "manifest.json declares",
    bundle_declaring_2_gib: f"bundle.json declares {2 * GIB} bytes, over its",
    sequence_40_million: "jumps more than 1000 files",
}


@pytest.mark.parametrize("make", list(CRAFTED), ids=lambda f: f.__name__)
def test_crafted_files_are_refused_within_bounded_memory(world: World, tmp_path: Path, make):
    path = export(world, tmp_path / "out").path
    make(world, path)
    before = store_files(world.store)
    result = _import_in_child(world.store, path)
    assert CRAFTED[make] in result["error"]
    assert "\n" not in result["error"]
    assert result["peak_rss_mb"] < PEAK_RSS_MB
    assert store_files(world.store) == before


class _Sink:
    def start(self, name: str, size: int) -> None: ...
    def data(self, name: str, chunk: bytes) -> None: ...
    def end(self, name: str) -> None: ...


@pytest.mark.parametrize(
    "kind",
    [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.DIRTYPE,
     tarfile.FIFOTYPE, tarfile.CONTTYPE, tarfile.XHDTYPE, tarfile.XGLTYPE,
     tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_SPARSE],
)  # fmt: skip
def test_only_regular_files_are_read(kind: bytes):
    info = tarfile.TarInfo("manifest.json")
    info.type = kind
    header = info.tobuf(format=tarfile.USTAR_FORMAT)
    with pytest.raises(SyncError, match="not a regular file"):
        check_header(header, "manifest.json")
    with pytest.raises(SyncError, match="not a regular file"):
        TarStreamReader(_Sink()).write(header)


def test_a_base_256_size_and_a_bad_checksum_are_refused():
    info = tarfile.TarInfo("bundle.json")
    header = bytearray(info.tobuf(format=tarfile.USTAR_FORMAT))
    header[124:136] = b"\x80" + (5 * GIB).to_bytes(11, "big")
    with pytest.raises(SyncError, match="base-256"):
        check_header(bytes(_checksum(header)), "bundle.json")
    header[0] ^= 1
    with pytest.raises(SyncError, match="checksum"):
        check_header(bytes(header), "bundle.json")


class _Collect:
    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def start(self, name: str, size: int) -> None:
        self.sizes[name] = size

    def data(self, name: str, chunk: bytes) -> None:
        assert len(chunk) <= self.sizes[name]

    def end(self, name: str) -> None: ...


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_damaged_tar_streams_fail_only_with_a_clear_error(data):
    """A valid sync tar, damaged anywhere and fed in random chunks: the parser either reads
    it or stops with a SyncError, never anything else, and never passes on more bytes than
    a member declared."""
    members = {"manifest.json": b"{}", "manifest.sig": b"s" * 64, "bundle.json": b"[" * 3000}
    tar = bytearray(build_tar(members))
    for _ in range(data.draw(st.integers(0, 3))):
        tar[data.draw(st.integers(0, len(tar) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, 4096))
    reader = TarStreamReader(_Collect())
    try:
        for start in range(0, len(tar), cut):
            reader.write(bytes(tar[start : start + cut]))
        reader.close()
    except SyncError as exc:
        assert str(exc) and "\n" not in str(exc)
