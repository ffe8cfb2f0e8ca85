"""The one place that creates database engines.

SQLite: one file per node, WAL journal, synchronous=FULL (every commit is durable),
foreign keys on. A transaction opened with write_transaction begins IMMEDIATE: it takes
the write lock at its start, so writers queue instead of failing to upgrade a read lock.
Any other transaction (engine.connect(), a read) begins deferred: it reads a snapshot
and never waits for, nor holds up, a writer.
PostgreSQL through psycopg 3, with a bounded connection pool; with write_idle_seconds_max,
a write transaction left idle that long (its process paused or cut off mid-transaction) is
ended by the server, so the locks it holds cannot stop another process for longer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from timebank.errors import ConfigError

__all__ = [
    "read_transaction",
    "PoolSettings",
    "RESTORE_ADVICE",
    "SQLITE_BUSY_TIMEOUT_MILLISECONDS",
    "backend_name",
    "check_readable",
    "create_database_engine",
    "is_writing",
    "normalise_url",
    "write_transaction",
]

SQLITE_BUSY_TIMEOUT_MILLISECONDS = 30_000
# The execution option write_transaction sets: the SQLite BEGIN takes the write lock.
_WRITE_OPTION = "timebank_writes"
# What to do about a damaged database or log (a runbook of deploy/README.md).
RESTORE_ADVICE = "restore it from a backup: deploy/README.md, 'A party names damage at start'"


@dataclass(frozen=True)
class PoolSettings:
    size: int = 5
    overflow_max: int = 5
    timeout_seconds: float = 10.0
    recycle_seconds: int = 1_800


def normalise_url(url: str) -> str:
    """Accepts postgresql:// and postgres:// as psycopg 3; refuses other databases."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError; say which key is wrong
        raise ConfigError(f"database.url: cannot parse {url!r}: {error}") from error
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConfigError("database.url: want a SQLite file path, got an in-memory database")
        return url
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ConfigError(f"database.url: got backend {backend!r}, want sqlite or postgresql")


def backend_name(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


def create_database_engine(
    url: str, pool: PoolSettings | None = None, *, write_idle_seconds_max: float | None = None
) -> Engine:
    url = normalise_url(url)
    pool = pool or PoolSettings()
    if backend_name(url) == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MILLISECONDS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.overflow_max,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=pool.recycle_seconds,
        pool_pre_ping=True,
    )
    if write_idle_seconds_max is not None:
        _end_idle_writes(engine, int(write_idle_seconds_max * 1000))
    return engine


def _end_idle_writes(engine: Engine, milliseconds: int) -> None:
    """PostgreSQL: each write transaction idle for milliseconds is ended by the server."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_WRITE_OPTION, False):
            connection.exec_driver_sql(f"SET LOCAL idle_in_transaction_session_timeout = {milliseconds}")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MILLISECONDS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes, committed when the block ends (rolled back on an exception).

    Every write goes through here: on SQLite it begins IMMEDIATE (see the module's docstring).
    """
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads (deferred on SQLite: a snapshot that never waits), rolled back at the end."""
    with engine.connect() as connection:
        yield connection


def is_writing(connection: Connection) -> bool:
    """Whether the connection is in a transaction opened by `write_transaction`."""
    return bool(connection.get_execution_options().get(_WRITE_OPTION, False))


def check_readable(engine: Engine) -> None:
    """SQLite: PRAGMA quick_check over the whole file; ConfigError naming the damage when it
    is not whole (a truncated or overwritten file). PostgreSQL checks its own pages."""
    if engine.dialect.name != "sqlite":
        return
    where, advice = engine.url.database, RESTORE_ADVICE
    try:
        with engine.connect() as connection:
            problems = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check(10)")]
    except DBAPIError as error:
        raise ConfigError(f"database.url: {where} cannot be read ({error.orig}); {advice}") from None
    if problems != ["ok"]:
        raise ConfigError(f"database.url: {where} is damaged: {'; '.join(problems)}; {advice}")
