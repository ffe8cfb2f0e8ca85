"""Schema migrations with Alembic, run by an explicit command (never implicitly at serve time).

Each kind of party has its own schema (`PartySchema`: a node's tables or the
clearinghouse's, beside the kernel's) and its own migrations. They share one history up to
revision 0007 (`migrations/versions`: the schema every party had when all tables lived in
one chain); from there each party's chain continues in its own folder (`nodes/migrations`,
`clearinghouse/migrations`), whose first revision drops the tables the other kind of party
owns (refusing, and changing nothing, if one of them holds rows). A change to a kernel
table after that is one revision in each party's chain.

`upgrade(engine, schema)` brings a database to its party's newest revision;
`current_revision(engine)` tells where it is; a server refuses to start unless it is at
the head (`require_current`).
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
from timebank.storage.schema import PartySchema

__all__ = [
    "SHARED_HISTORY_HEAD",
    "current_revision",
    "drop_other_partys_tables",
    "head_revision",
    "open_current",
    "require_current",
    "upgrade",
]

MIGRATIONS = pathlib.Path(__file__).resolve().parent / "migrations"
SHARED_HISTORY_HEAD = "0007"


def _config(schema: PartySchema | None) -> Config:
    """Alembic's configuration for one party's chain (None: the shared history alone)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [MIGRATIONS / "versions", *([schema.versions] if schema else [])]
    config.set_main_option("version_locations", " ".join(str(location) for location in locations))
    config.set_main_option("path_separator", "space")
    config.attributes["target_metadata"] = schema.metadata if schema else None
    return config


def drop_other_partys_tables(party: str, owner: str, tables: list[str]) -> None:
    """For a party's first own revision: drops the tables another kind of party owns, after
    checking each is empty (ConfigError naming the table and its rows otherwise, so the
    migration's transaction rolls back and nothing changes)."""
    from alembic import op
    from sqlalchemy import inspect, text

    connection = op.get_bind()
    present = set(inspect(connection).get_table_names())
    for table in tables:
        if table not in present:
            continue
        rows = connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
        if rows:
            raise ConfigError(
                f"database.url: table {table} holds {rows} rows, and a {party}'s database has no {table} "
                f"(it is a {owner}'s table): is this a {owner}'s database? Nothing was changed"
            )
    for table in tables:
        if table in present:
            op.drop_table(table)


def head_revision(schema: PartySchema) -> str:
    head = ScriptDirectory.from_config(_config(schema)).get_current_head()
    assert head is not None, f"the {schema.name} migrations have no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None, schema: PartySchema) -> None:
    """ConfigError unless revision is one of the party's chain (another kind of party's database)."""
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory.from_config(_config(schema)).walk_revisions()}
    if revision not in known:
        raise ConfigError(
            f"database.url: the database schema is at revision {revision}, which is not a {schema.name}'s: "
            "is this another kind of party's database?"
        )


def require_current(engine: Engine, schema: PartySchema, migrate_command: str) -> str:
    """The head revision, if the database is at it; ConfigError naming the command otherwise."""
    revision, head = current_revision(engine), head_revision(schema)
    _check_known(revision, schema)
    if revision != head:
        raise ConfigError(
            f"database.url: the database schema is at revision {revision or 'none'}, want {head} "
            f"(a {schema.name}'s); run `{migrate_command}` first"
        )
    return head


def upgrade(engine: Engine, schema: PartySchema | None, revision: str = "head") -> None:
    """Migrates to revision of the party's chain (schema None: of the shared history, for tests
    that build a database as the single chain left it)."""
    config = _config(schema)
    if schema is not None:
        _check_known(current_revision(engine), schema)
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_current(
    url: str,
    pool: PoolSettings,
    schema: PartySchema,
    migrate_command: str,
    *,
    write_idle_seconds_max: float | None = None,
) -> Engine:
    """A party's engine on a database that is readable (check_readable) and at the head
    revision; ConfigError naming the damage or the command to run otherwise.
    write_idle_seconds_max: see timebank.storage.engine."""
    engine = create_database_engine(url, pool, write_idle_seconds_max=write_idle_seconds_max)
    try:
        check_readable(engine)
        require_current(engine, schema, migrate_command)
    except ConfigError:
        engine.dispose()
        raise
    return engine
