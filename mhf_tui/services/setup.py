"""First-run set-up of a new caseload: vault, schema, device identity."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from mhf_tui.db.store import Caseload
from mhf_tui.paths import DataDir
from mhf_tui.services.audit import record_event
from mhf_tui.services.device_key import create_device_key_hook
from mhf_tui.services.directory import seed_national_directory
from mhf_tui.vault.vault import create_vault

#: Feature areas that need something at creation (a signing key, the national service
#: directory) add a function here; each runs once, inside the set-up transaction's caseload.
ON_CREATE: list[Callable[[Caseload], None]] = [seed_national_directory, create_device_key_hook]


def initialise_caseload(
    data: DataDir, passphrase: str, *, facilitator: str
) -> tuple[Caseload, str]:
    """Create the vault and an empty, migrated caseload. Returns it open, with the
    recovery key (to show once)."""
    key, recovery = create_vault(data, passphrase)
    caseload = Caseload.open_with_key(data, key)
    caseload.set_setting("device_id", str(uuid.uuid4()))
    caseload.set_setting("facilitator_name", facilitator)
    for hook in ON_CREATE:
        hook(caseload)
    with caseload.session() as session:
        record_event(session, actor=facilitator, action="create", entity="vault")
    return caseload, recovery
