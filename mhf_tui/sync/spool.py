"""The bundle of an export, written once as a stream of entries.

The manifest, which comes first in the file, carries the bundle's hash and counts, so the
bundle is produced before the tar: into this spool, which hashes it and keeps it
zlib-compressed in memory (about a third of its size; never on disk), then replays it into
the tar. The bytes are exactly `json.dumps(bundle, separators=(",", ":"))` of the
transaction Bundle the entries make, with `entry` as its last field.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from typing import Any

from mhf_tui.sync import fhir

_CHUNK = 256 * 1024


class BundleSpool:
    def __init__(self, bundle: dict[str, Any]) -> None:
        """`bundle` is the Bundle without entries (as `fhir.transaction_bundle` makes it)."""
        head = {k: v for k, v in bundle.items() if k != "entry"}
        self._sha = hashlib.sha256()
        self._zip = zlib.compressobj(1)
        self._parts: list[bytes] = []
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.size = 0
        self.counts: dict[str, int] = {}
        self.targets: list[str] = []
        self._write(json.dumps(head, separators=(",", ":"))[:-1].encode() + b',"entry":[')

    def _write(self, data: bytes) -> None:
        self._sha.update(data)
        self.size += len(data)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= _CHUNK:
            self._flush_pending()

    def _flush_pending(self) -> None:
        out = self._zip.compress(b"".join(self._pending))
        if out:
            self._parts.append(out)
        self._pending.clear()
        self._pending_size = 0

    def add(self, resource: fhir.Resource) -> None:
        kind = resource["resourceType"]
        entry = json.dumps(fhir.transaction_entry(resource), separators=(",", ":")).encode()
        self._write(b"," + entry if self.counts else entry)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.targets.append(f"{kind}/{resource['id']}")

    def close(self) -> None:
        self._write(b"]}")
        self._flush_pending()
        self._parts.append(self._zip.flush())

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def chunks(self) -> Iterator[bytes]:
        """The bundle's bytes again, decompressed a piece at a time."""
        unzip = zlib.decompressobj()
        for part in self._parts:
            data = unzip.decompress(part)
            if data:
                yield data
        rest = unzip.flush()
        if rest:
            yield rest
