"""The clearinghouse's lease and fence (clearinghouse.leadership) on both backends.

Two electors on one database: who may take the lease and when, a restart under the same
instance name, renewals, the fence in a write transaction of the books (a write under an
old term fails and nothing of it stays), and two processes racing for a fresh lease many
times, of which at most one ever leads. Then the standby's gRPC face: health NOT_SERVING
and every call UNAVAILABLE naming the active one.
"""

from __future__ import annotations

import pathlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import Connection, Engine, func, insert, select

from clearinghouse import tables
from clearinghouse.leadership import Elector, Fenced
from clearinghouse.server import HEALTH_SERVICE_NAMES
from clearinghouse.standby import StandbyServer
from clearinghouse.tables import leadership, seen_batches
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.storage.engine import create_database_engine
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

LEASE_SECONDS = 5.0
LEASE_MICROS = int(LEASE_SECONDS * 1e6)
RACES = 40


@pytest.fixture
def engine(backend: str, templates: Any, tmp_path: pathlib.Path) -> Iterator[Engine]:
    """A fresh, migrated clearinghouse database on the backend under test."""
    if backend == "sqlite":
        url = templates.new_sqlite(tmp_path, tables.SCHEMA)
    else:
        url = templates.new_postgresql(tables.SCHEMA)
    engine = create_database_engine(url)
    yield engine
    engine.dispose()


def elector(engine: Engine, clock: FakeClock, holder: str) -> Elector:
    """An elector whose address ends in 7300 for "...-a", 7301 for "...-b"."""
    return Elector(engine, clock, holder, f"127.0.0.1:{7300 + ord(holder[-1]) - ord('a')}", LEASE_SECONDS)


def test_one_holds_the_lease_and_another_takes_it_only_when_it_ends(engine: Engine) -> None:
    clock = FakeClock()
    first, second = elector(engine, clock, "ch-a"), elector(engine, clock, "ch-b")
    lease = first.try_take()
    assert lease is not None and lease.term == 1 and lease.holder == "ch-a"
    assert second.try_take() is None
    clock.advance(LEASE_MICROS - 1)
    assert second.try_take() is None, "the lease still runs"
    assert first.renew()
    clock.advance(LEASE_MICROS - 1)
    assert second.try_take() is None, "renewed: it runs a lease from the renewal"
    clock.advance(2)
    taken = second.try_take()
    assert taken is not None and taken.term == 2 and taken.holder == "ch-b"
    current = first.current()
    assert current is not None and current.describe() == "ch-b at 127.0.0.1:7301 (term 2)"
    assert not first.renew() and first.lost


def test_an_instance_restarted_under_its_name_takes_its_lease_back_at_once(engine: Engine) -> None:
    clock = FakeClock()
    assert elector(engine, clock, "ch-a").try_take() is not None
    again = elector(engine, clock, "ch-a").try_take()
    assert again is not None and again.term == 2, "a new term: whatever the old process left running is fenced"


def test_a_write_under_an_old_term_fails_and_leaves_nothing(engine: Engine) -> None:
    clock = FakeClock()
    old, new = elector(engine, clock, "ch-a"), elector(engine, clock, "ch-b")
    assert old.try_take() is not None
    books = Books(engine, clock, fence=old.fence)

    def record(connection: Connection, batch: str) -> None:
        connection.execute(insert(seen_batches).values(batch_id=batch, sender_id="shiqi", created_at_micros=1))

    books.write(lambda connection: record(connection, "01" * 16))
    clock.advance(LEASE_MICROS)  # paused past its lease
    assert new.try_take() is not None
    with pytest.raises(Fenced) as refused:
        books.write(lambda connection: record(connection, "02" * 16))
    assert str(refused.value) == (
        "this clearinghouse (ch-a) led under term 1, but the active one is now ch-b at 127.0.0.1:7301 (term 2); "
        "the write was not made"
    )
    assert old.lost
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(seen_batches)).scalar() == 1
    new_books = Books(engine, clock, fence=new.fence)
    new_books.write(lambda connection: record(connection, "03" * 16))


def test_a_standby_writes_nothing(engine: Engine) -> None:
    clock = FakeClock()
    assert elector(engine, clock, "ch-a").try_take() is not None
    standby = elector(engine, clock, "ch-b")
    assert standby.try_take() is None
    with pytest.raises(Fenced, match=r"this clearinghouse \(ch-b\) is a standby: it holds no lease"):
        Books(engine, clock, fence=standby.fence).write(lambda connection: None)


def test_two_processes_starting_at_once_never_both_lead(engine: Engine) -> None:
    """RACES rounds: both try at the same moment on a fresh row; exactly one leads each round."""
    clock = FakeClock()
    for race in range(RACES):
        with engine.begin() as connection:
            connection.execute(leadership.delete())
        contenders = [elector(engine, clock, f"ch-{race}-{side}") for side in "ab"]
        barrier = threading.Barrier(len(contenders))
        won: list[str] = []

        threads = [threading.Thread(target=_contend, args=(contender, barrier, won)) for contender in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(won) == 1, f"round {race}: {won} took the lease"
        leaders = [c for c in contenders if c.lease is not None]
        fenced = 0
        for contender in contenders:
            try:
                Books(engine, clock, fence=contender.fence).write(lambda connection: None)
            except Fenced:
                fenced += 1
        assert (len(leaders), fenced) == (1, 1)


def _contend(contender: Elector, barrier: threading.Barrier, won: list[str]) -> None:
    barrier.wait()
    if contender.try_take() is not None:
        won.append(contender.holder)


def test_a_standby_answers_not_serving_and_names_the_active(engine: Engine) -> None:
    clock = FakeClock()
    assert elector(engine, clock, "ch-a").try_take() is not None
    standby = StandbyServer(elector(engine, clock, "ch-b"), "127.0.0.1:0", None, HEALTH_SERVICE_NAMES, [])
    channel = grpc.insecure_channel(f"127.0.0.1:{standby.port}")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        for name in HEALTH_SERVICE_NAMES:
            answer = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING
        with pytest.raises(grpc.RpcError) as refused:
            cpb_grpc.ClearinghouseStub(channel).Exchange(cpb.SignedBatch(), timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert refused.value.details() == (
            "this clearinghouse (ch-b) is a standby; the active one is ch-a at 127.0.0.1:7300 (term 1)"
        )
        clock.advance(LEASE_MICROS)
        with pytest.raises(grpc.RpcError) as refused:
            cpb_grpc.ClearinghouseStub(channel).Exchange(cpb.SignedBatch(), timeout=5)
        assert refused.value.details() == "this clearinghouse (ch-b) is a standby and no clearinghouse is active yet"
    finally:
        channel.close()
        standby.stop()


def test_an_active_that_cannot_renew_before_its_lease_ends_steps_down(engine: Engine, tmp_path: pathlib.Path) -> None:
    clock = FakeClock()
    reasons: list[str] = []
    active = Elector(engine, clock, "ch-a", "127.0.0.1:7300", 1.0, on_lost=reasons.append)
    assert active.try_take() is not None
    active.engine = create_database_engine(f"sqlite:///{tmp_path / 'gone' / 'no.db'}")  # the database out of reach
    stopping = threading.Event()
    keeper = threading.Thread(target=active.keep, args=(stopping,))
    keeper.start()
    try:
        time.sleep(0.5)  # a renewal fails within the lease: retried, still active
        assert not active.lost
        clock.advance(1_000_000)
        deadline = time.monotonic() + 5
        while not active.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert active.lost
        assert reasons[0].startswith("this clearinghouse (ch-a) could not renew its lease before it ended: ")
    finally:
        stopping.set()
        keeper.join(timeout=5)
        active.engine.dispose()


def test_nodes_watching_health_hold_no_server_thread() -> None:
    """Every node's channel keeps a Health/Watch open on each clearinghouse address; with the
    metrics interceptor in place, those watches must not take the server's worker threads."""
    from concurrent import futures

    from grpc_health.v1 import health

    from timebank import metrics

    registry = metrics.new_registry("127.0.0.1:0")
    assert registry is not None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), interceptors=metrics.rpc_interceptors(registry))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channels = [grpc.insecure_channel(f"127.0.0.1:{port}") for _ in range(6)]
    try:
        request = health_pb2.HealthCheckRequest(service="")
        watches = [health_pb2_grpc.HealthStub(c).Watch(request, timeout=10) for c in channels]
        for watch in watches:
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        answer = health_pb2_grpc.HealthStub(channels[0]).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        for watch in watches:
            watch.cancel()
    finally:
        for channel in channels:
            channel.close()
        server.stop(None)
