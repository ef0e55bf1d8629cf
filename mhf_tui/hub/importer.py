"""Loading returns into the hub: each file verified (age, signature, enrolled device,
service key, record shapes) before anything is written, then loaded in one transaction
with COPY. Idempotent (the same file again changes nothing); a newer return for the same
device and period replaces the older; an older one is refused as a replay. A per-device
advisory lock makes concurrent imports from several processes safe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyrage import x25519

from mhf_tui.hub.admin import hub_key_id
from mhf_tui.hub.db import HubError
from mhf_tui.hub.rows import TABLES, Rows, build_rows
from mhf_tui.sync.package import SyncError, read_sync_file
from mhf_tui.sync.returns_package import OpenedReturn, open_return

_LOCK_SPACE = 0x6D686672  # advisory locks: (this, hashtext(device fingerprint))
_COLUMNS = {
    "contact": "contact_on, mode, minutes, dna",
    "measure": "seq, measure, taken_on, total",
    "goal_score": "seq, goal, scored_on, score",
    "health_check": "element, done_on",
    "signposting": "service, category, status, signposted_on, updated_on",
}
_EPISODE_COLUMNS = (
    "id, return_id, key_id, episode_end, age_band, sex, practice_ods, care_cluster, smi"
)
_KEYS = """
INSERT INTO hub.episode_key (device, pseudonym, episode_start)
SELECT %(device)s, p, s FROM unnest(%(p)s::text[], %(s)s::date[]) AS u(p, s)
ON CONFLICT DO NOTHING
"""
_KEY_IDS = """
SELECT k.id FROM unnest(%(p)s::text[], %(s)s::date[]) WITH ORDINALITY AS u(p, s, n)
JOIN hub.episode_key k ON k.device = %(device)s AND k.pseudonym = u.p AND k.episode_start = u.s
ORDER BY u.n
"""
_CONTACT_SUMS = """
INSERT INTO hub.episode_contacts
SELECT c.episode_id, c.return_id, e.practice_ods, e.care_cluster, count(*),
       coalesce(sum(minutes), 0),
       count(*) FILTER (WHERE mode = 'face_to_face'), count(*) FILTER (WHERE mode = 'phone'),
       count(*) FILTER (WHERE mode = 'video'), count(*) FILTER (WHERE mode = 'home_visit'),
       count(*) FILTER (WHERE mode = 'dna'), count(*) FILTER (WHERE mode = 'cancelled')
FROM hub.contact c JOIN hub.episode e ON e.id = c.episode_id
WHERE c.return_id = %(r)s AND e.return_id = %(r)s
GROUP BY c.episode_id, c.return_id, e.practice_ods, e.care_cluster
"""


@dataclass(frozen=True)
class ImportResult:
    file: str
    facilitator: str
    period: str
    sequence: int
    status: str  # imported, replaced, already imported
    rows: int

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def open_file(path: Path, identity: x25519.Identity) -> OpenedReturn:
    try:
        return open_return(read_sync_file(path), identity)
    except SyncError as exc:
        raise HubError(f"{path.name}: {exc}") from None


def _copy(cur: Any, table: str, columns: str, lines: Any) -> None:
    with cur.copy(f"COPY hub.{table} ({columns}) FROM STDIN") as copy:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= 5000:
                copy.write("".join(batch))
                batch.clear()
        if batch:
            copy.write("".join(batch))


def _device(cur: Any, fingerprint: str) -> tuple[int, str]:
    cur.execute("SELECT id, name FROM hub.device WHERE fingerprint = %s", (fingerprint,))
    row = cur.fetchone()
    if row is None:
        raise HubError(
            f"the device with fingerprint {fingerprint} is not enrolled; if it is one of the "
            f"service's facilitators, enrol it with: mhf hub enrol --fingerprint "
            f"'{fingerprint}' --name NAME"
        )
    return int(row[0]), str(row[1])


def _previous(cur: Any, device: int, opened: OpenedReturn, name: str) -> tuple[int | None, str]:
    """The loaded return this one replaces (None if new), or an error for a replay or an
    overlapping period."""
    p = opened.period
    cur.execute(
        "SELECT id, sequence, period_start, period_end FROM hub.return_file "
        "WHERE device = %s AND period_start <= %s AND period_end >= %s",
        (device, p.end, p.start),
    )
    rows = cur.fetchall()
    for _id, _seq, start, end in rows:
        if (start, end) != (p.start, p.end):
            raise HubError(
                f"{name}: its period {p.label} overlaps another period already loaded from "
                f"this device ({start} to {end}); nothing was imported"
            )
    if not rows:
        return None, "imported"
    old_id, old_seq = int(rows[0][0]), int(rows[0][1])
    if opened.manifest["sequence"] <= old_seq:
        raise HubError(
            f"{name}: an older return for {p.label} (number {opened.manifest['sequence']}) "
            f"than the one already loaded (number {old_seq}); refused as a replay"
        )
    return old_id, "replaced"


def _delete_return(cur: Any, return_id: int) -> None:
    for table in (*TABLES, "episode_contacts"):
        cur.execute(f"DELETE FROM hub.{table} WHERE return_id = %s", (return_id,))
    cur.execute("DELETE FROM hub.episode WHERE return_id = %s", (return_id,))
    cur.execute("DELETE FROM hub.return_file WHERE id = %s", (return_id,))


def _load(cur: Any, rows: Rows, return_id: int, device: int) -> None:
    keys = {
        "device": device,
        "p": [e[0] for e in rows.episodes],
        "s": [e[1] for e in rows.episodes],
    }
    cur.execute(_KEYS, keys)
    cur.execute(_KEY_IDS, keys)
    key_ids = [int(r[0]) for r in cur.fetchall()]
    cur.execute(
        "SELECT nextval('hub.episode_id_seq') FROM generate_series(1, %s)", (len(rows.episodes),)
    )
    ids = [int(r[0]) for r in cur.fetchall()]
    _copy(
        cur,
        "episode",
        _EPISODE_COLUMNS,
        (
            f"{i}\t{return_id}\t{k}\t" + "\t".join(e[2:]) + "\n"
            for i, k, e in zip(ids, key_ids, rows.episodes, strict=True)
        ),
    )
    for table in ("contact", "signposting"):
        _copy(
            cur,
            table,
            "return_id, episode_id, " + _COLUMNS[table],
            (f"{return_id}\t{ids[index]}\t{line}\n" for index, line in rows.events[table]),
        )
    for table in ("measure", "goal_score", "health_check"):  # these carry the episode's key
        _copy(
            cur,
            table,
            "return_id, episode_id, key_id, " + _COLUMNS[table],
            (
                f"{return_id}\t{ids[index]}\t{key_ids[index]}\t{line}\n"
                for index, line in rows.events[table]
            ),
        )
    cur.execute(_CONTACT_SUMS, {"r": return_id})


@dataclass(frozen=True)
class Prepared:
    """A return decrypted, verified and checked: all that needs no database."""

    path: Path
    opened: OpenedReturn
    rows: Rows


def prepare(path: Path, identity: x25519.Identity, hub_key: str) -> Prepared:
    opened = open_file(path, identity)
    if opened.manifest["key_id"] != hub_key:
        raise HubError(
            f"{path.name}: pseudonymised under another key than this hub's; run "
            "`mhf returns setup` on the device with the key from `mhf hub init`"
        )
    return Prepared(path, opened, build_rows(opened.records, opened.period))


def load(conn: Any, prepared: Prepared) -> ImportResult:
    """One transaction: the device's lock, the replay and overlap checks, then COPY."""
    opened, rows, name = prepared.opened, prepared.rows, prepared.path.name
    m, p = opened.manifest, opened.period
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, opened.fingerprint)
        )
        device, facilitator = _device(cur, opened.fingerprint)
        cur.execute(
            "SELECT 1 FROM hub.return_file WHERE manifest_sha256 = %s", (opened.manifest_sha256,)
        )
        if cur.fetchone() is not None:
            return ImportResult(name, facilitator, p.label, m["sequence"], "already imported", 0)
        old_id, status = _previous(cur, device, opened, name)
        if old_id is not None:
            _delete_return(cur, old_id)
        cur.execute(
            "INSERT INTO hub.return_file (device, device_uuid, period_label, period_start, "
            "period_end, sequence, manifest_sha256, created_at, counts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (device, m["device_id"], p.label, p.start, p.end, m["sequence"],
             opened.manifest_sha256, m["created_at"], json.dumps(m["counts"])),
        )  # fmt: skip
        return_id = int(cur.fetchone()[0])
        _load(cur, rows, return_id, device)
        cur.execute("UPDATE hub.device SET last_import_at = now() WHERE id = %s", (device,))
    return ImportResult(name, facilitator, p.label, m["sequence"], status, rows.count)


def import_return(conn: Any, path: Path, identity: x25519.Identity) -> ImportResult:
    """Verify and load one file, all or nothing."""
    return load(conn, prepare(path, identity, hub_key_id(conn)))


def import_files(
    conn: Any, paths: list[Path], identity: x25519.Identity
) -> Iterator[tuple[Path, ImportResult | HubError]]:
    """Each file in turn, all or nothing per file; the next file is decrypted and checked in
    a thread while this one loads, so the client's work overlaps the server's."""
    hub_key = hub_key_id(conn)
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = [pool.submit(prepare, path, identity, hub_key) for path in paths[:1]]
        for i, path in enumerate(paths):
            current = upcoming.pop()
            if i + 1 < len(paths):
                upcoming.append(pool.submit(prepare, paths[i + 1], identity, hub_key))
            outcome: ImportResult | HubError
            try:
                outcome = load(conn, current.result())
            except HubError as exc:
                outcome = exc
            yield path, outcome


def analyse(conn: Any) -> None:
    """Refresh the planner's statistics after a load, so the report's plans fit the data."""
    for table in ("return_file", "episode_key", "episode", "episode_contacts", *TABLES):
        conn.execute(f"ANALYZE hub.{table}")
