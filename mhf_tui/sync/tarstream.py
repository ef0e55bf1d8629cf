"""The tar inside a sync file, written and read as a stream with hard limits.

Reading is a push parser fed by the age decryptor chunk by chunk, so nothing is held but
the current header and the small members. Every header is checked before any of its data
is read: the expected member in the expected order, a plain ustar regular file (no sparse,
link, device, directory or pax/GNU extension members, no base-256 sizes) and a declared size
within that member's cap. The caps are the documented limits of a sync file:

- `manifest.json` at most 64 KiB, `manifest.sig` at most 1 KiB;
- `bundle.json` at most `MAX_BUNDLE_BYTES` (1 GiB: a 10,000-patient caseload with 50 notes
  each is about 0.5 GiB);
- the whole encrypted file at most `MAX_FILE_BYTES` (checked before decrypting).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Iterator
from typing import Protocol

from mhf_tui.sync.package import SyncError

BLOCK = 512
MEMBER_ORDER = ("manifest.json", "manifest.sig", "bundle.json")
MAX_MANIFEST_BYTES = 64 * 1024
MAX_SIGNATURE_BYTES = 1024
MAX_BUNDLE_BYTES = 1024**3
MEMBER_CAPS = {
    "manifest.json": MAX_MANIFEST_BYTES,
    "manifest.sig": MAX_SIGNATURE_BYTES,
    "bundle.json": MAX_BUNDLE_BYTES,
}
#: the tar's own overhead: headers, padding and the end-of-archive record
_TAR_OVERHEAD = 16 * 1024
MAX_TAR_BYTES = sum(MEMBER_CAPS.values()) + _TAR_OVERHEAD
#: age adds 16 bytes per 64 KiB chunk and a header of a few hundred bytes
MAX_FILE_BYTES = MAX_TAR_BYTES + MAX_TAR_BYTES // 4096 + 64 * 1024


class MemberSink(Protocol):
    """Receives each member's bytes as they are decrypted."""

    def start(self, name: str, size: int) -> None: ...
    def data(self, name: str, chunk: bytes) -> None: ...
    def end(self, name: str) -> None: ...


def _octal(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:
        raise SyncError("sync file has a tar entry with a base-256 number (not written by mhf)")
    text = field.replace(b"\x00", b" ").strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise SyncError("sync file is damaged (bad number in a tar header)") from None


def check_header(block: bytes, expected: str) -> int:
    """The member size declared by `block`, which must be the plain regular file `expected`
    within its cap; SyncError otherwise."""
    stored = _octal(block[148:156])
    computed = sum(block[:148]) + 8 * 32 + sum(block[156:])
    if stored != computed:
        raise SyncError("sync file is damaged (tar header checksum)")
    kind = block[156:157]
    if kind not in (b"0", b"\x00"):
        raise SyncError(
            f"sync file has a tar entry that is not a regular file (type {kind!r}); refused"
        )
    name = block[:100].split(b"\x00", 1)[0]
    if name != expected.encode() or block[345:500].strip(b"\x00"):
        shown = name[:40].decode("ascii", "replace").encode("unicode_escape").decode()
        raise SyncError(f"unexpected entry in sync file: {shown!r} (expected {expected})")
    if block[257:262] != b"ustar":
        raise SyncError("sync file is not a ustar archive")
    size = _octal(block[124:136])
    cap = MEMBER_CAPS[expected]
    if size > cap:
        raise SyncError(f"sync file entry {expected} declares {size} bytes, over its {cap} limit")
    return size


class TarStreamReader:
    """A file-like sink for `pyrage.decrypt_io`: parses the tar as it arrives and hands each
    member's bytes to `sink`. `close()` checks the archive was complete."""

    def __init__(self, sink: MemberSink) -> None:
        self.sink = sink
        self._pending = bytearray()  # part of a header block
        self._member = 0  # index into MEMBER_ORDER of the next or current member
        self._left = 0  # data bytes left in the current member
        self._pad = 0  # padding bytes left after it
        self._in_member = False
        self._total = 0
        #: what stopped the parser or its sink, so the decryptor's caller can re-raise it
        self.failure: BaseException | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None:  # the decryptor may write again while unwinding
            raise self.failure
        try:
            self._total += len(data)
            if self._total > MAX_TAR_BYTES:
                raise SyncError("sync file is larger than the limit for its contents")
            view = memoryview(data)
            while view:
                view = self._step(view)
        except BaseException as exc:
            self.failure = exc
            raise
        return len(data)

    def _step(self, view: memoryview) -> memoryview:
        if self._in_member and self._left:
            take = min(self._left, len(view))
            self.sink.data(MEMBER_ORDER[self._member], bytes(view[:take]))
            self._left -= take
            if not self._left:
                self._finish_member()
            return view[take:]
        if self._pad:
            take = min(self._pad, len(view))
            self._pad -= take
            return view[take:]
        if self._member == len(MEMBER_ORDER):
            if any(view):
                raise SyncError("sync file has data after its last entry")
            return view[len(view) :]
        take = min(BLOCK - len(self._pending), len(view))
        self._pending += view[:take]
        if len(self._pending) == BLOCK:
            self._start_member(bytes(self._pending))
            self._pending.clear()
        return view[take:]

    def _start_member(self, block: bytes) -> None:
        name = MEMBER_ORDER[self._member]
        if not any(block):
            raise SyncError(f"sync file is incomplete: {name} missing")
        size = check_header(block, name)
        self.sink.start(name, size)
        self._in_member, self._left, self._pad = True, size, -size % BLOCK
        if not size:
            self._finish_member()

    def _finish_member(self) -> None:
        self.sink.end(MEMBER_ORDER[self._member])
        self._in_member = False
        self._member += 1

    def flush(self) -> None:
        """File-like: nothing is buffered beyond a partial header."""

    def close(self) -> None:
        if self._member < len(MEMBER_ORDER) or self._pad or self._pending:
            raise SyncError("sync file is damaged or truncated (incomplete archive)")


def _header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def tar_chunks(
    manifest: bytes, signature: bytes, bundle_size: int, bundle: Iterable[bytes], mtime: int
) -> Iterator[bytes]:
    """The sync file's tar as a stream of chunks, the bundle's bytes passed through."""
    for name, data in (("manifest.json", manifest), ("manifest.sig", signature)):
        yield _header(name, len(data), mtime) + data + b"\x00" * (-len(data) % BLOCK)
    yield _header("bundle.json", bundle_size, mtime)
    yield from bundle
    yield b"\x00" * (-bundle_size % BLOCK + 2 * BLOCK)


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks, for `pyrage.encrypt_io`."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        n = min(len(buffer), len(self._buffer))
        buffer[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n
