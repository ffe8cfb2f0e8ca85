"""The clearinghouse's database with a synchronous hot standby (scripts/postgres_cluster.sh).

A primary and its standby on loopback, from this machine's own binaries. A clearinghouse
process refuses to lead on the standby, naming it; a write of the active one is on the
standby once acknowledged; after the primary stops and the standby is promoted, the lease
moves there under a new term; and the old primary, brought back, can never answer a write:
each commit waits for the synchronous standby it no longer has.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from clearinghouse import tables
from clearinghouse.leadership import Elector, InRecovery
from clearinghouse.tables import seen_batches
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine

CLUSTER_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "postgres_cluster.sh"
LEASE_SECONDS = 5.0
VISIBLE_SECONDS_MAX = 10.0
UNANSWERED_SECONDS = 3.0

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]


def _script(*arguments: str) -> str:
    done = subprocess.run([str(CLUSTER_SCRIPT), *arguments], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@contextmanager
def _primary_and_standby() -> Iterator[tuple[str, str, pathlib.Path]]:
    """The URLs of a new clearinghouse database on a primary and on its synchronous standby."""
    if not os.environ.get("TIMEBANK_TEST_POSTGRESQL_URL"):
        pytest.skip("TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)")
    # Directly under the system's temporary folder: the unprivileged server user must reach it.
    root = pathlib.Path(tempfile.mkdtemp(prefix="timebank-replication-"))
    root.chmod(0o755)
    primary, standby = root / "primary", root / "standby"
    try:
        base = make_url(_script("start", str(primary)))
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "clearinghouse"'))
        admin.dispose()
        primary_url = base.set(database="clearinghouse").render_as_string(hide_password=False)
        engine = create_database_engine(primary_url)
        migrate.upgrade(engine, tables.SCHEMA)
        engine.dispose()
        standby_url = make_url(_script("standby", str(standby), str(primary))).set(database="clearinghouse")
        yield primary_url, standby_url.render_as_string(hide_password=False), root
    finally:
        for cluster in (standby, primary):
            subprocess.run([str(CLUSTER_SCRIPT), "stop", str(cluster)], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def _record(connection: Connection, batch: str) -> None:
    connection.execute(insert(seen_batches).values(batch_id=batch, sender_id="shiqi", created_at_micros=1))


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(seen_batches)).scalar_one())


def test_the_lease_follows_a_promotion_and_the_old_primary_answers_nothing() -> None:
    clock = FakeClock()
    with _primary_and_standby() as (primary_url, standby_url, root):
        on_primary, on_standby = create_database_engine(primary_url), create_database_engine(standby_url)
        try:
            port = make_url(standby_url).port
            with pytest.raises(InRecovery) as refused:
                Elector(on_standby, clock, "ch-b", "127.0.0.1:7301", LEASE_SECONDS).try_take()
            assert str(refused.value) == (
                f"the database postgresql+psycopg://timebank@127.0.0.1:{port}/clearinghouse is a standby in "
                "recovery (pg_is_in_recovery() is true): a clearinghouse leads only on the primary; promote this "
                "server or point database.url at the primary"
            )

            active = Elector(on_primary, clock, "ch-a", "127.0.0.1:7300", LEASE_SECONDS)
            assert active.try_take() is not None
            Books(on_primary, clock, fence=active.fence).write(lambda connection: _record(connection, "01" * 16))
            deadline = time.monotonic() + VISIBLE_SECONDS_MAX
            while _count(on_standby) != 1:
                assert time.monotonic() < deadline, "the acknowledged write never reached the standby"
                time.sleep(0.05)

            on_primary.dispose()
            _script("stop", str(root / "primary"))
            _script("promote", str(root / "standby"))
            successor = Elector(on_standby, clock, "ch-b", "127.0.0.1:7301", LEASE_SECONDS)
            deadline = time.monotonic() + VISIBLE_SECONDS_MAX
            while True:  # the promotion ends recovery within moments
                try:
                    assert successor.try_take() is None, "ch-a's lease, replicated, still runs"
                    break
                except InRecovery:
                    assert time.monotonic() < deadline, "the standby stayed in recovery after promote"
                    time.sleep(0.1)
            clock.advance(int(LEASE_SECONDS * 1e6))
            lease = successor.try_take()
            assert lease is not None and lease.term == 2
            Books(on_standby, clock, fence=successor.fence).write(lambda connection: _record(connection, "02" * 16))

            # The old primary comes back by mistake: a commit there waits for its synchronous
            # standby, gone, so the old active's write is never answered.
            _script("restart", str(root / "primary"))
            old_engine = create_database_engine(primary_url)
            old = Books(old_engine, clock, fence=active.fence)
            outcome: list[object] = []

            def write_on_the_old_primary() -> None:
                try:
                    old.write(lambda connection: _record(connection, "03" * 16))
                    outcome.append("answered")
                except Exception as error:  # the server is stopped under it below
                    outcome.append(error)

            writer = threading.Thread(target=write_on_the_old_primary, daemon=True)
            writer.start()
            writer.join(timeout=UNANSWERED_SECONDS)
            assert writer.is_alive() and not outcome, f"the old primary answered a write: {outcome}"
            _script("stop", str(root / "primary"))
            writer.join(timeout=30)
            assert outcome and outcome[0] != "answered", outcome
            old_engine.dispose()
            assert _count(on_standby) == 2
        finally:
            on_primary.dispose()
            on_standby.dispose()
