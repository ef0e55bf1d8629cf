"""`mhf init | passwd | recover | rekey | backup | restore | check`."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import data_dir, open_caseload, secrets_from

LOST_DATA_WARNING = (
    "Write the recovery key down and keep it apart from this laptop. It is shown only now.\n"
    "If you forget your passphrase AND lose this recovery key, the caseload cannot be\n"
    "opened by anyone, including you: the data is gone."
)


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


def cmd_passwd(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import change_passphrase, load_vault

    data = data_dir(args)
    load_vault(data).check_kdf()  # before asking for anything
    secrets = secrets_from(args)
    with InstanceLock(data.lock):
        old = secrets.read("Current passphrase: ")
        new = secrets.new_passphrase()
        change_passphrase(data, old, new)
    print("Passphrase changed. The recovery key is unchanged.")
    print(_old_backups_notice("the old passphrase"))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import load_vault, recover

    data = data_dir(args)
    load_vault(data)
    secrets = secrets_from(args)
    recovery_key = secrets.read("Recovery key: ")
    with InstanceLock(data.lock):
        new = secrets.new_passphrase()
        recover(data, recovery_key, new)
    print("New passphrase set. The old passphrase no longer opens the caseload.")
    print(_old_backups_notice("the old passphrase"))
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import load_vault, rekey

    data = data_dir(args)
    load_vault(data).check_kdf()
    with InstanceLock(data.lock):
        passphrase = secrets_from(args).read("Passphrase: ")
        recovery = rekey(data, passphrase)
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


def cmd_backup(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event

    if getattr(args, "backup_command", None) == "prune":
        return cmd_backup_prune(args)
    with open_caseload(args) as caseload:
        # recorded first, so the backup holds its own event and restoring the latest
        # backup loses nothing (an older one needs --force)
        with caseload.session() as session:
            record_event(session, actor=caseload.actor, action="backup", entity="caseload")
        try:
            path = caseload.backup(Path(args.out) if args.out else None)
        except BaseException:
            with caseload.session() as session:
                record_event(
                    session, actor=caseload.actor, action="backup_failed", entity="caseload"
                )
            raise
    print(path)
    return 0


def cmd_backup_prune(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.vault.backups import backups_before, parse_before

    before = parse_before(args.before)
    with open_caseload(args) as caseload:
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


def cmd_check(args: argparse.Namespace) -> int:
    from mhf_tui.db.audit_head import HeadUnreadable, read_head
    from mhf_tui.services.audit import verify_chain
    from mhf_tui.services.evidence import head_problems, note_problems, search_index_problems
    from mhf_tui.vault.files import kdf_summary
    from mhf_tui.vault.vault import load_vault

    data = data_dir(args)
    problems: list[str] = []
    unreadable = False
    try:  # read before unlocking, which writes the head
        recorded = read_head(data.audit_head)
    except HeadUnreadable:
        recorded, unreadable = None, True
    with open_caseload(args) as caseload:
        vault = load_vault(caseload.data)
        problems.extend(caseload.integrity_problems())
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


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common, secret], help="create a new encrypted caseload")
    p.add_argument("--name", help="your name as shown on notes (default: your login name)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("passwd", parents=[common, secret], help="change the passphrase")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser(
        "recover",
        parents=[common, secret],
        help="set a new passphrase with the recovery key (asked without echo, or the first "
        "stdin line with --passphrase-stdin; never an argument, which shell history keeps)",
    )
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("rekey", parents=[common, secret], help="rotate the database key")
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("backup", parents=[common, secret], help="write an encrypted backup")
    p.add_argument("--out", help="file or directory (default: backups/ in the data dir)")
    p.set_defaults(func=cmd_backup)
    actions = p.add_subparsers(dest="backup_command", metavar="[prune]")
    prune = actions.add_parser(
        "prune",
        parents=[common, secret],
        help="delete backups in backups/ made before a date (they keep old secrets)",
    )
    prune.add_argument(
        "--before",
        help="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); default: 90 days ago",
    )

    p = sub.add_parser("restore", parents=[common, secret], help="restore an encrypted backup")
    p.add_argument("file")
    p.add_argument(
        "--force",
        action="store_true",
        help="restore even a backup of another caseload or one older than the audit head",
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "check", parents=[common, secret], help="verify encryption, database and audit chain"
    )
    p.set_defaults(func=cmd_check)
