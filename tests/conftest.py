"""Shared fixtures: a fresh store per test, in a real DuckDB file, or (tests marked
`both_stores`) once in a DuckDB file and once in a PostgreSQL database.

PostgreSQL comes from a throw-away server started once per session from the machine's
binaries (tests/pg_server.py); each test gets its own database, copied from a template
that already holds the schema. Without PostgreSQL (binaries or the psycopg driver) those
runs skip, unless CXMETRICS_REQUIRE_POSTGRES=1 (set by .ci/run): then they fail.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cxmetrics.config import SAMPLES_DIR
from cxmetrics.ingest import load_batch
from cxmetrics.store import open_store

STORE_KINDS = ("duckdb", "postgresql")
TEMPLATE = "cx_template"
_numbers = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_stores` run once per store kind (the `store_kind` fixture)."""
    if "store_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_stores"
    ):
        metafunc.parametrize("store_kind", STORE_KINDS, indirect=True)


@pytest.fixture
def store_kind(request) -> str:
    """ "duckdb", or the kind a `both_stores` test is run for."""
    return getattr(request, "param", "duckdb")


def _postgres_missing(reason: str) -> None:
    if os.environ.get("CXMETRICS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CXMETRICS_REQUIRE_POSTGRES=1: PostgreSQL tests may not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    """The session's PostgreSQL server, with a template database holding the schema; yields
    the server's URL (its maintenance database)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _postgres_missing("the psycopg driver is not installed (pip install 'psycopg[binary]')")
    from tests import pg_server

    if pg_server.binaries() is None:
        _postgres_missing("PostgreSQL is not installed (initdb, pg_ctl)")
    with pg_server.postgres_server() as url:
        admin = url.rsplit("/", 1)[0] + "/postgres"
        _sql(admin, f"CREATE DATABASE {TEMPLATE}")
        open_store(database_url(admin, TEMPLATE)).close()  # schema, rollups, settings
        yield admin


def database_url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + name


def _sql(admin: str, statement: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextmanager
def postgres_database(admin: str, *, empty: bool = False) -> Iterator[str]:
    """A fresh PostgreSQL store (its own database, schema in place unless `empty`); dropped
    afterwards."""
    name = f"cx_test_{os.getpid()}_{next(_numbers)}"
    _sql(admin, f"CREATE DATABASE {name} TEMPLATE {'template0' if empty else TEMPLATE}")
    try:
        yield database_url(admin, name)
    finally:
        _sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_url(postgres_admin) -> Iterator[str]:
    """A fresh PostgreSQL store for one test."""
    with postgres_database(postgres_admin) as url:
        yield url


def new_store_url(request, kind: str, folder: Path, *, empty: bool = False) -> str:
    """A fresh store of `kind` for a fixture of any scope: a DuckDB file in `folder`, or a
    PostgreSQL database dropped when the requesting fixture ends (`empty`: without the
    schema, as a database no cxmetrics has opened yet)."""
    if kind != "postgresql":
        return f"duckdb:///{folder / 'store.duckdb'}"
    database = postgres_database(request.getfixturevalue("postgres_admin"), empty=empty)
    url = database.__enter__()
    request.addfinalizer(lambda: database.__exit__(None, None, None))
    return url


@pytest.fixture
def store_url(request, store_kind, tmp_path) -> str:
    """The URL of a fresh store of the test's kind (a DuckDB file under tmp_path)."""
    return new_store_url(request, store_kind, tmp_path)


@pytest.fixture
def empty_store_url(request, store_kind, tmp_path) -> str:
    """The URL of a place no store is in yet: a DuckDB file that does not exist, or an
    empty PostgreSQL database."""
    return new_store_url(request, store_kind, tmp_path, empty=True)


@pytest.fixture
def store(store_url):
    """A fresh store: a real DuckDB file, or a PostgreSQL database (`both_stores`)."""
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def known_store(store):
    """The hand-worked fixture of tests/fixtures/known_answer.py, inserted directly."""
    from tests.fixtures.known_answer import insert_directly

    insert_directly(store)
    return store


@pytest.fixture
def shared(tmp_path) -> str:
    """A DuckDB store file with a roster in it, closed (no process holds it): the file the
    store-sharing and hand-off tests share between processes."""
    url = f"duckdb:///{tmp_path / 'shared.duckdb'}"
    store = open_store(url)
    load_batch(store, "roster", SAMPLES_DIR / "roster.csv")
    store.close()
    return url
