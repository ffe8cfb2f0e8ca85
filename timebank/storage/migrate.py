"""Schema migrations with Alembic, run by an explicit command (never implicitly at serve time).

`upgrade(engine)` brings a database to the newest revision; `current_revision(engine)`
tells where it is (a server refuses to start unless it is the head).
"""

from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from timebank.errors import ConfigError
from timebank.storage.engine import PoolSettings, check_readable, create_database_engine, write_transaction

MIGRATIONS = pathlib.Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine, migrate_command: str) -> str:
    """The head revision, if the database is at it; ConfigError naming the command otherwise."""
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        raise ConfigError(
            f"database.url: the database schema is at revision {revision or 'none'}, want {head}; "
            f"run `{migrate_command}` first"
        )
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _config()
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_current(url: str, pool: PoolSettings, migrate_command: str) -> Engine:
    """A party's engine on a database that is readable (check_readable) and at the head
    revision; ConfigError naming the damage or the command to run otherwise."""
    engine = create_database_engine(url, pool)
    try:
        check_readable(engine)
        require_current(engine, migrate_command)
    except ConfigError:
        engine.dispose()
        raise
    return engine
