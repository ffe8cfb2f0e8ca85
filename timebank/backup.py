"""Online backups of a party's database, and restoring one.

Owns the two backends' ways: SQLite through its online backup API (a consistent copy
while the party runs; the copy is checked with PRAGMA integrity_check), PostgreSQL
through pg_dump in its custom format (a consistent snapshot; checked with pg_restore
--list) and pg_restore. The PostgreSQL client programs are found on PATH or in this
machine's /usr/lib/postgresql/*/bin. A restore refuses a database that holds tables
unless told to replace them, and must run while the party is stopped. What a party
must do after a restore (a node asks the clearinghouse to send again what it lost) is
the party's, not this module's.
"""

from __future__ import annotations

import glob
import os
import pathlib
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from timebank.errors import ConfigError, StorageUnavailable
from timebank.storage.engine import backend_name, create_database_engine

__all__ = ["BackupInfo", "PG_TOOL_TIMEOUT_SECONDS", "backup", "restore"]

PG_TOOL_TIMEOUT_SECONDS = 3_600


@dataclass(frozen=True)
class BackupInfo:
    backend: str
    path: pathlib.Path
    size_bytes: int


def backup(database_url: str, out: pathlib.Path) -> BackupInfo:
    """Writes a consistent copy of the database to out (which must not exist)."""
    if out.exists():
        raise ConfigError(f"--out: {out} exists; a backup never overwrites a file")
    out.parent.mkdir(parents=True, exist_ok=True)
    backend = backend_name(database_url)
    if backend == "sqlite":
        _sqlite_copy(_sqlite_path(database_url), out)
        _check_sqlite(out)
    else:
        _run(database_url, "pg_dump", "--format=custom", "--no-owner", f"--file={out}", "{url}")
        _run(database_url, "pg_restore", "--list", str(out))
    os.chmod(out, 0o600)
    return BackupInfo(backend, out, out.stat().st_size)


def restore(database_url: str, source: pathlib.Path, *, replace: bool) -> None:
    """Puts a backup in place of the database; the party must be stopped."""
    if not source.is_file():
        raise ConfigError(f"--from: {source} is not a file")
    if _has_tables(database_url) and not replace:
        raise ConfigError(
            "database.url: the database holds tables; stop the party and give --replace to overwrite them"
        )
    if backend_name(database_url) == "sqlite":
        _check_sqlite(source)
        target = _sqlite_path(database_url)
        for suffix in ("-wal", "-shm"):
            pathlib.Path(f"{target}{suffix}").unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        _sqlite_copy(source, target)
    else:
        _run(
            database_url,
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--dbname={url}",
            str(source),
        )


def _has_tables(database_url: str) -> bool:
    if backend_name(database_url) == "sqlite" and not _sqlite_path(database_url).exists():
        return False
    engine = create_database_engine(database_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _sqlite_path(database_url: str) -> pathlib.Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ConfigError(f"database.url: {database_url!r} names no database file")
    return pathlib.Path(database)


def _sqlite_copy(source: pathlib.Path, target: pathlib.Path) -> None:
    source_connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_connection = sqlite3.connect(target)
    try:
        source_connection.backup(target_connection)
    finally:
        target_connection.close()
        source_connection.close()


def _check_sqlite(path: pathlib.Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (result,) = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise StorageUnavailable(f"{path}: not a readable SQLite database: {error}") from None
    finally:
        connection.close()
    if result != "ok":
        raise StorageUnavailable(f"{path}: SQLite integrity check failed: {result}")


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL for libpq without its password, and the environment that carries the password
    (so it never shows in the process list)."""
    url = make_url(database_url).set(drivername="postgresql")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), environment


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_of)
    if not candidates:
        raise ConfigError(f"{name}: not found on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL client")
    return candidates[-1]


def _version_of(path: str) -> int:
    part = pathlib.Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _run(database_url: str, tool: str, *arguments: str) -> None:
    """Runs a PostgreSQL client program; "{url}" in an argument stands for the database's URL."""
    url, environment = _libpq(database_url)
    command = [_pg_tool(tool), *(argument.replace("{url}", url) for argument in arguments)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=PG_TOOL_TIMEOUT_SECONDS, env=environment
    )
    if completed.returncode != 0:
        raise StorageUnavailable(f"{tool} failed (exit {completed.returncode}): {completed.stderr.strip()[-2000:]}")
