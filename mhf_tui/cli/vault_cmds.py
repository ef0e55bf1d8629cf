"""`mhf init | passwd | recover | rekey | backup | restore | check`."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mhf_tui.cli.common import data_dir, locked_vault, secrets_from, with_caseload
from mhf_tui.cli.registry import Commands, arg

if TYPE_CHECKING:
    from datetime import datetime

    from mhf_tui.db.audit_head import RecordedHead
    from mhf_tui.db.store import Caseload
    from mhf_tui.paths import DataDir

cli = Commands()
register = cli.register

LOST_DATA_WARNING = (
    "Write the recovery key down and keep it apart from this laptop. It is shown only now.\n"
    "If you forget your passphrase AND lose this recovery key, the caseload cannot be\n"
    "opened by anyone, including you: the data is gone."
)


@cli.command("init", help="create a new encrypted caseload")
@arg("--name", help="your name as shown on notes (default: your login name)")
def cmd_init(args: argparse.Namespace) -> int:
    from mhf_tui.services.setup import initialise_caseload
    from mhf_tui.vault.lock import InstanceLock

    data = data_dir(args)
    data.ensure()
    with InstanceLock(data.lock):
        passphrase = secrets_from(args).new_passphrase()
        name = args.name or getpass.getuser()
        _caseload, recovery = initialise_caseload(data, passphrase, facilitator=name)
        _caseload.close()
    print(f"Created an encrypted caseload in {data.root}")
    print(f"Recovery key: {recovery}")
    print(LOST_DATA_WARNING)
    return 0


@cli.command("passwd", help="change the passphrase")
def cmd_passwd(args: argparse.Namespace) -> int:
    from mhf_tui.vault.vault import change_passphrase

    return _set_new_passphrase(
        args,
        "Current passphrase: ",
        change_passphrase,
        done="Passphrase changed. The recovery key is unchanged.",
        check_kdf=True,
    )


@cli.command(
    "recover",
    help="set a new passphrase with the recovery key (asked without echo, or the first "
    "stdin line with --passphrase-stdin; never an argument, which shell history keeps)",
)
def cmd_recover(args: argparse.Namespace) -> int:
    from mhf_tui.vault.vault import recover

    return _set_new_passphrase(
        args,
        "Recovery key: ",
        recover,
        done="New passphrase set. The old passphrase no longer opens the caseload.",
        check_kdf=False,
    )


def _set_new_passphrase(
    args: argparse.Namespace,
    opener: str,
    change: Callable[[DataDir, str, str], object],
    *,
    done: str,
    check_kdf: bool,
) -> int:
    """Ask for what opens the caseload now (the `opener` prompt) and a new passphrase, then
    `change` to it; backups made before keep opening with the old one, so say so."""
    secrets = secrets_from(args)
    with locked_vault(args, check_kdf=check_kdf) as data:
        change(data, secrets.read(opener), secrets.new_passphrase())
    print(done)
    print(_old_backups_notice("the old passphrase"))
    return 0


@cli.command("rekey", help="rotate the database key")
def cmd_rekey(args: argparse.Namespace) -> int:
    from mhf_tui.vault.vault import rekey

    with locked_vault(args, check_kdf=True) as data:
        recovery = rekey(data, secrets_from(args).read("Passphrase: "))
    print("Data key rotated (a backup was taken first). Your passphrase is unchanged.")
    print(f"New recovery key: {recovery}")
    print("The old recovery key no longer works. " + LOST_DATA_WARNING)
    print(_old_backups_notice("the old recovery key"))
    return 0


def _old_backups_notice(secret: str) -> str:
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"Backups made before now still open with {secret}: a backup keeps the secrets of "
        f"the day it was made. Take a new backup (`mhf backup`), then delete the old ones "
        f"with `mhf backup prune --before {now}`."
    )


@cli.command("backup", help="write an encrypted backup")
@arg("--out", help="file or directory (default: backups/ in the data dir)")
@with_caseload
def cmd_backup(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.audit import record_event

    # recorded first, so the backup holds its own event and restoring the latest
    # backup loses nothing (an older one needs --force)
    with caseload.session() as session:
        record_event(session, actor=caseload.actor, action="backup", entity="caseload")
    try:
        path = caseload.backup(Path(args.out) if args.out else None)
    except BaseException:
        with caseload.session() as session:
            record_event(session, actor=caseload.actor, action="backup_failed", entity="caseload")
        raise
    print(path)
    return 0


@cli.command(
    "backup prune", help="delete backups in backups/ made before a date (they keep old secrets)"
)
@arg("--before", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); default: 90 days ago")
def cmd_backup_prune(args: argparse.Namespace) -> int:
    from mhf_tui.vault.backups import parse_before

    return _prune(args, parse_before(args.before))


@with_caseload
def _prune(args: argparse.Namespace, caseload: Caseload, before: datetime) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.vault.backups import backups_before

    doomed = backups_before(caseload.data, before)
    for path in doomed:
        path.unlink()
    with caseload.session() as session:
        record_event(
            session,
            actor=caseload.actor,
            action="prune",
            entity="backup",
            detail=f"deleted={len(doomed)},before={before.isoformat()}",
        )
    for path in doomed:
        print(f"deleted {path.name}")
    print(f"{len(doomed)} backup(s) made before {before.isoformat()} deleted from backups/")
    return 0


@cli.command("restore", help="restore an encrypted backup")
@arg("file")
@arg(
    "--force",
    action="store_true",
    help="restore even a backup of another caseload or one older than the audit head",
)
def cmd_restore(args: argparse.Namespace) -> int:

    from mhf_tui.db.audit_head import HeadUnreadable, read_head
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.audit import record_event
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.restore import restore

    data = data_dir(args)
    archive = Path(args.file)
    with InstanceLock(data.lock):
        try:
            recorded = read_head(data.audit_head)
        except HeadUnreadable:
            recorded = None
        passphrase = secrets_from(args).read("Passphrase of the backup: ")
        done = restore(
            data,
            archive,
            passphrase,
            recorded_events=recorded.head.count if recorded else None,
            force=args.force,
        )
        caseload = Caseload.open(data, passphrase)
        try:
            with caseload.session() as session:
                record_event(
                    session,
                    actor=caseload.actor,
                    action="restore",
                    entity="caseload",
                    detail=(
                        f"from={archive.name[:100]},events={done.events},"
                        f"replaced_events={done.replaced_events},"
                        f"replaced_head={recorded.head.hash[:16] if recorded else None},"
                        f"same_vault={done.replaced_vault_id in (None, caseload.vault_id)},"
                        f"kept={done.kept.name if done.kept else None}"
                    ),
                )
            caseload.replace_audit_head()
        finally:
            caseload.close()
    kept = f"; the replaced files were kept as backups/{done.kept.name}" if done.kept else ""
    print(f"Restored {archive.name} into {data.root}{kept}.")
    return 0


@cli.command("check", help="verify encryption, database and audit chain")
def cmd_check(args: argparse.Namespace) -> int:
    from mhf_tui.db.audit_head import HeadUnreadable, read_head

    try:  # read before unlocking, which writes the head
        recorded = read_head(data_dir(args).audit_head)
    except HeadUnreadable:
        return _check(args, None, unreadable=True)
    return _check(args, recorded, unreadable=False)


@with_caseload
def _check(
    args: argparse.Namespace,
    caseload: Caseload,
    recorded: RecordedHead | None,
    *,
    unreadable: bool,
) -> int:
    from mhf_tui.services.audit import verify_chain
    from mhf_tui.services.evidence import head_problems, note_problems, search_index_problems
    from mhf_tui.vault.files import kdf_summary
    from mhf_tui.vault.vault import load_vault

    vault = load_vault(caseload.data)
    problems = caseload.integrity_problems()
    with caseload.session() as session:
        chain = verify_chain(session)
        tip, head = head_problems(session, recorded, caseload.vault_id)
        if unreadable:
            head = ["audit-head.json is damaged or was not written by mhf"]
        problems.extend(head)
        problems.extend(note_problems(session))
        problems.extend(search_index_problems(session))
    if not chain.ok:
        problems.insert(0, f"audit chain: {chain.problem}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    if not problems:
        print(
            f"OK: cipher and database integrity checks passed; audit chain of {chain.events} "
            "events intact and extending the recorded head; notes match their audit events; "
            "search index intact"
        )
    print(f"audit head: {tip.count} events, last hash {tip.hash[:16]}")
    print(f"key derivation: {kdf_summary(vault.kdf)}")
    return 1 if problems else 0
