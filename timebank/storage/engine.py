"""The one place that creates database engines.

SQLite: one file per node, WAL journal, synchronous=FULL (every commit is durable),
foreign keys on, and BEGIN IMMEDIATE so a writer takes the write lock at the start of
its transaction (writers queue instead of failing to upgrade a read lock).
PostgreSQL through psycopg 3, with a bounded connection pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from timebank.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MILLISECONDS = 30_000


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


def create_database_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    url = normalise_url(url)
    pool = pool or PoolSettings()
    if backend_name(url) == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MILLISECONDS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.overflow_max,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=pool.recycle_seconds,
        pool_pre_ping=True,
    )


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
