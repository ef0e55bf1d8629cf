"""Which backups are old: `mhf backup prune` deletes them, because a backup keeps the
passphrase and recovery key of the day it was made, even after `passwd` or `rekey`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mhf_tui.errors import MhfError
from mhf_tui.paths import DataDir
from mhf_tui.vault.vault import BACKUP_SUFFIX

DEFAULT_KEEP_DAYS = 90
_STAMP = re.compile(r"(?:caseload|pre-restore)-(\d{8}T\d{6})\d*Z" + re.escape(BACKUP_SUFFIX))


def parse_before(text: str | None, *, now: datetime | None = None) -> datetime:
    """`--before`: a date (midnight UTC) or a UTC time; default 90 days ago."""
    if not text:
        return (now or datetime.now(UTC)) - timedelta(days=DEFAULT_KEEP_DAYS)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MhfError("--before must be a date (YYYY-MM-DD) or a UTC time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def made_at(path: Path) -> datetime:
    """When a backup was made: from its name if mhf named it, else its modification time."""
    found = _STAMP.fullmatch(path.name)
    if found:
        return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def backups_before(data: DataDir, before: datetime) -> list[Path]:
    """Regular backup files in backups/ made before `before`, oldest first."""
    found = [
        p
        for p in data.backups.glob(f"*{BACKUP_SUFFIX}")
        if p.is_file() and not p.is_symlink() and made_at(p) < before
    ]
    return sorted(found, key=made_at)
