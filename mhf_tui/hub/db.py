"""Connecting to the hub's PostgreSQL: psycopg is imported here only, so the facilitator's
commands never load it, and no message ever shows the connection URL's password."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mhf_tui.errors import MhfError

if TYPE_CHECKING:
    import psycopg

ENV_URL = "MHF_HUB_DB"


class HubError(MhfError):
    """A hub command that could not be done; nothing was changed."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise HubError("the hub needs PostgreSQL support: install mhf[hub]") from None
    return psycopg


def resolve_url(url: str | None) -> str:
    chosen = url or os.environ.get(ENV_URL, "")
    if not chosen:
        raise HubError(f"no hub database: give --db URL or set ${ENV_URL}")
    return chosen


def _password(url: str) -> str:
    try:
        from psycopg.conninfo import conninfo_to_dict

        return str(conninfo_to_dict(url).get("password") or "")
    except Exception:
        return ""


def scrub(message: str, url: str) -> str:
    """The message with the URL's password (and the URL itself) taken out."""
    secret = _password(url)
    if url:
        message = message.replace(url, "<hub database>")
    if secret:
        message = message.replace(secret, "***")
    return message


def describe(url: str) -> str:
    """Where the hub is, for messages: host and database, never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(url)
    except Exception:
        return "the hub database"
    host = parts.get("host") or "local socket"
    return f"database {parts.get('dbname') or parts.get('user') or '?'} on {host}"


def connect(url: str | None) -> psycopg.Connection[Any]:
    """An open connection, or one clear line saying why not. Autocommit: every change is
    made in an explicit `conn.transaction()` block."""
    driver = _psycopg()
    target = resolve_url(url)
    try:
        conn: psycopg.Connection[Any] = driver.connect(target, connect_timeout=10, autocommit=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HubError(f"cannot connect to {describe(target)}: {scrub(first, target)}") from None
    return conn


def database_error(exc: Exception, url: str | None) -> HubError:
    """A PostgreSQL error as one line (password scrubbed)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return HubError(f"the hub database refused: {scrub(text, resolve_url(url))}")
