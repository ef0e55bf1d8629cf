"""A real PostgreSQL for the hub tests: one throwaway cluster per session (see pg.py), a
fresh database per test. No PostgreSQL is a failure, not a skip."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyrage import x25519

from mhf_tui.hub.admin import enrol_device, init_hub
from mhf_tui.hub.db import connect
from mhf_tui.hub.importer import ImportResult, import_return
from mhf_tui.sync.device import Device
from mhf_tui.sync.package import load_identity, parse_recipient
from mhf_tui.sync.pseudonym import parse_service_key
from tests.hub import pg
from tests.hub.helpers import Returns, new_device
from tests.hub.known import load_known

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    if pg.find_bin() is None:
        pytest.fail("PostgreSQL is required for the hub tests: apt-get install postgresql")
    with pg.cluster() as conninfo:
        yield conninfo


@pytest.fixture
def hub_url(pg_cluster: str) -> Iterator[str]:
    """The conninfo of a new, empty database."""
    name = f"hub_test_{next(_numbers)}"
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_cluster.replace("dbname=postgres", f"dbname={name}")
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@dataclass
class Hub:
    """An initialised hub in a fresh database, and a writer of returns addressed to it."""

    url: str
    conn: psycopg.Connection[Any]
    identity_path: Path
    identity: x25519.Identity
    service_key: str
    returns: Returns

    def enrol(self, name: str) -> Device:
        device = new_device(name)
        enrol_device(self.conn, fingerprint_text=device.fingerprint, name=name)
        return device

    def load(self, *paths: Path) -> list[ImportResult]:
        return [import_return(self.conn, p, self.identity) for p in paths]

    def rows(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM hub.{table}").fetchone()[0])  # type: ignore[index]


@pytest.fixture
def hub(hub_url: str, tmp_path: Path) -> Iterator[Hub]:
    conn = connect(hub_url)
    identity_path = tmp_path / "hub.key"
    setup = init_hub(conn, identity_path)
    returns = Returns(
        tmp_path / "returns",
        parse_recipient(setup.recipient),
        parse_service_key(setup.service_key),
    )
    yield Hub(hub_url, conn, identity_path, load_identity(identity_path), setup.service_key,
              returns)  # fmt: skip
    conn.close()


@pytest.fixture
def known(hub: Hub) -> Hub:
    """A hub holding the hand-made service of tests/hub/known.py."""
    load_known(hub)
    return hub
