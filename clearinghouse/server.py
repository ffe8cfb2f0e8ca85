"""The clearinghouse process: books, coordinator, mutual-TLS gRPC server, expiry sweeper.

`create_server(config, clock, random_bytes) -> RunningClearinghouse` is what tests use
(port 0 picks a free port); `serve(config)` is the process entry point, the only place
here that binds the real clock and randomness and sets up logging from the config. gRPC
health and reflection are served; with `[metrics] listen` set, every call is observed
and /metrics is served there.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy import Connection

from clearinghouse import proofs, security, tables
from clearinghouse import registry as node_registry
from clearinghouse.bureau import (
    BUREAU_CHANGES,
    BUREAU_ROLES,
    SETTLEMENT_CHANGES,
    SETTLEMENT_ROLES,
    BureauService,
    Defaults,
    describe,
)
from clearinghouse.config import ClearinghouseConfig
from clearinghouse.coordinator import Coordinator, Settings
from clearinghouse.leadership import Elector, InRecovery
from clearinghouse.metrics import ClearinghouseCollector
from clearinghouse.records import AUDITOR_PARTY, BUREAU_PARTY, Lease, RegistryAction
from clearinghouse.service import ClearinghouseService, ExchangeSettings, SettlementService
from clearinghouse.standby import StandbyServer, wait_to_lead
from clearinghouse.tables import OPERATOR_TABLES
from timebank import keys, logcheck, logs, memory, metrics, pki, shares, translog
from timebank.books import Books
from timebank.clock import Clock, process_clock
from timebank.errors import ConfigError
from timebank.grpc_status import add_servicer, listen, server_options
from timebank.logservice import LogService, Publisher
from timebank.operators.desk import Operators
from timebank.operators.guard import Guarded, reads_of
from timebank.operators.records import BUREAU_STAFF
from timebank.operators.service import OperatorAccountsService
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.signing import KeyRecord
from timebank.storage import migrate
from timebank.storage.engine import PoolSettings
from timebank.v1 import bureau_pb2, clearing_pb2, log_pb2, operators_pb2

__all__ = [
    "create_active_server",
    "create_server",
    "HEALTH_SERVICE_NAMES",
    "LOG_SERVICE",
    "LOG_SERVICE_NAME",
    "open_books",
    "open_elector",
    "RunningClearinghouse",
    "serve",
    "SERVICE",
    "SERVICE_NAME",
    "SETTLEMENT_SERVICE",
    "SETTLEMENT_SERVICE_NAME",
    "STOP_GRACE_SECONDS_MIN",
    "STOP_WAIT_SECONDS_MAX",
]

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS_MIN = 2.0
STOP_WAIT_SECONDS_MAX = 10.0
SERVICE = clearing_pb2.DESCRIPTOR.services_by_name["Clearinghouse"]
LOG_SERVICE = log_pb2.DESCRIPTOR.services_by_name["TransparencyLog"]
SETTLEMENT_SERVICE = clearing_pb2.DESCRIPTOR.services_by_name["Settlement"]
SERVICE_NAME, LOG_SERVICE_NAME = SERVICE.full_name, LOG_SERVICE.full_name
SETTLEMENT_SERVICE_NAME = SETTLEMENT_SERVICE.full_name
BUREAU_SERVICE = bureau_pb2.DESCRIPTOR.services_by_name["Bureau"]
OPERATORS_SERVICE = operators_pb2.DESCRIPTOR.services_by_name["OperatorAccounts"]
EXCHANGE_METHOD = f"/{SERVICE_NAME}/Exchange"
HEALTH_METHODS = frozenset({"/grpc.health.v1.Health/Check"})
HEALTH_SERVICE_NAMES = ("", SERVICE_NAME)
MIGRATE_COMMAND = "timebank clearinghouse migrate --config FILE"
# The lease's own connections, beside the books' pool: one renewal at a time.
LEASE_POOL = PoolSettings(size=1, overflow_max=1)


@dataclass
class RunningClearinghouse:
    server: grpc.Server
    port: int
    coordinator: Coordinator
    service: ClearinghouseService
    sweeper: threading.Thread
    stopping: threading.Event
    publisher: Publisher
    metrics: metrics.Endpoint | None = None
    lease_keeper: threading.Thread | None = None  # renews an active's lease (create_active_server)

    def stop(self, grace_seconds: float | None = None) -> None:
        """Ends long polls, lets calls in flight finish (bounded), then closes the database."""
        if self.metrics is not None:
            self.metrics.stop()
        self.stopping.set()
        self.coordinator.close()
        self.server.stop(max(grace_seconds or 0.0, STOP_GRACE_SECONDS_MIN)).wait()
        if not self.service.wait_idle(STOP_WAIT_SECONDS_MAX):
            log.warning("calls still running after %s s; closing the database anyway", STOP_WAIT_SECONDS_MAX)
        self.sweeper.join(timeout=STOP_WAIT_SECONDS_MAX)
        try:
            self.service.events.flush(self.coordinator.books.engine)
        except Exception:  # the database may be gone already; the events were logged
            log.exception("writing the last security events failed")
        self.coordinator.books.engine.dispose()
        if self.lease_keeper is not None:  # it ends with stopping, within a renewal interval
            self.lease_keeper.join(timeout=STOP_WAIT_SECONDS_MAX)


def open_books(config: ClearinghouseConfig, clock: Clock, fence: Callable[[Connection], None] | None = None) -> Books:
    """The clearinghouse's books; fence runs in every write transaction (the active's term).

    Fenced, a write transaction left idle for half a lease (this process paused mid-write)
    is ended by PostgreSQL, so its locks cannot hold up the process that takes over.
    """
    idle = config.server.lease_seconds / 2 if fence is not None else None
    engine = migrate.open_current(
        config.database_url, config.database.pool, tables.SCHEMA, MIGRATE_COMMAND, write_idle_seconds_max=idle
    )
    return Books(engine, clock, batch_size_max=2 * config.protocol.batch_items_max, fence=fence)


@dataclass(frozen=True)
class _Schedule:
    sweep_interval_seconds: float
    checkpoint_interval_seconds: float


def _server_credentials(config: ClearinghouseConfig) -> grpc.ServerCredentials | None:
    """Mutual TLS from the config's files; None when the clearinghouse runs insecure."""
    if config.server.insecure:
        return None
    tls = config.tls
    return pki.server_credentials(
        config.path(tls.certificate_file), config.path(tls.key_file), config.path(tls.ca_file)
    )


def _sweep_until_stopped(
    coordinator: Coordinator,
    publisher: Publisher,
    events: security.SecurityEvents,
    schedule: _Schedule,
    stopping: threading.Event,
) -> None:
    """Expiry sweeps, scheduled cycle closes, checkpoints and security events written, until
    the server stops."""
    last_checkpoint = 0.0
    while not stopping.wait(schedule.sweep_interval_seconds):
        try:
            events.flush(coordinator.books.engine)
            swept = coordinator.sweep_expired()
            if swept:
                log.info("aborted %d transfers past their expiry", swept)
            coordinator.close_cycle(scheduled=True)
            now = coordinator.clock.now_micros() / 1e6
            if now - last_checkpoint >= schedule.checkpoint_interval_seconds:
                publisher.publish()
                last_checkpoint = now
        except Exception:  # the sweeper must outlive a failed pass; the next pass retries
            if stopping.is_set():
                return  # the coordinator refuses work once the server is stopping: not a failure
            log.exception("expiry sweep, cycle close or checkpoint failed")


def _start_log(books: Books, signing_key: Ed25519PrivateKey, now_micros: int) -> None:
    """Creates the log on first start; logs the signing key if it is new."""
    public = keys.public_bytes(signing_key.public_key())
    own = KeyRecord(keys.key_id_of_raw(public), CLEARINGHOUSE_ID, public, 0)
    action = RegistryAction.KEY_ADDED.value
    books.write(lambda connection: translog.start(connection, CLEARINGHOUSE_ID, [own], now_micros, action))


def _exchange_policy(peer: str, method: str) -> str | None:
    """Who may call what, before any work: only nodes exchange batches."""
    if method == EXCHANGE_METHOD and peer in (BUREAU_PARTY, AUDITOR_PARTY):
        return f"the {peer}'s certificate does not exchange batches; only a node's does"
    return None


def _shares_interceptor(config: ClearinghouseConfig, events: security.SecurityEvents) -> shares.SharesInterceptor:
    limits = config.limits
    share_limits = shares.ShareLimits(
        limits.calls_in_progress_per_peer_max, limits.calls_per_second_per_peer, limits.calls_burst_per_peer
    )
    peer_of = _connection_peer if config.server.insecure else pki.peer_party
    door = shares.Shares(share_limits, _exchange_policy, on_refusal=events.refused)
    return shares.SharesInterceptor(door, peer_of, HEALTH_METHODS)


def _connection_peer(context: grpc.ServicerContext) -> str:
    """Without TLS a peer has no verified name: its connection's address stands for it."""
    return str(context.peer())


def _replaced_polls(coordinator: Coordinator) -> dict[tuple[str, str], int]:
    return {("poll_replaced", node): count for node, count in coordinator.polls_replaced().items()}


def create_server(
    config: ClearinghouseConfig,
    clock: Clock,
    random_bytes: Callable[[int], bytes] = os.urandom,
    fence: Callable[[Connection], None] | None = None,
) -> RunningClearinghouse:
    """The active clearinghouse's server, started; fence: see open_books (None: no standby)."""
    books = open_books(config, clock, fence)
    books.check_balanced()
    protocol = config.protocol
    settings = Settings(
        prepare_ttl_micros=int(protocol.prepare_ttl_seconds * 1e6),
        # Twice the allowed skew: a batch id forgotten after that is refused as stale.
        replay_window_micros=int(2 * protocol.clock_skew_seconds_max * 1e6),
        cycle_micros=protocol.cycle_seconds * 1_000_000,
    )
    coordinator = Coordinator(books, clock, settings)
    signing_key = keys.load_signing_key(config.path(config.keys.signing_key_file))
    ring = node_registry.current_key_ring(books.engine)
    logcheck.halt_if_damaged(books, CLEARINGHOUSE_ID, ring)
    publisher = Publisher(books, signing_key, clock)
    if not books.halted_reason:  # a damaged log gets no new entries
        _start_log(books, signing_key, clock.now_micros())
        publisher.publish()
    service = ClearinghouseService(
        coordinator,
        signing_key,
        ExchangeSettings(
            batch_items_max=protocol.batch_items_max,
            clock_skew_micros_max=int(protocol.clock_skew_seconds_max * 1e6),
            long_poll_seconds=config.server.long_poll_seconds,
            insecure=config.server.insecure,
        ),
        clock,
        random_bytes,
    )
    registry = metrics.new_registry(config.metrics.listen)
    door = _shares_interceptor(config, service.events)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.server.workers_max, thread_name_prefix="rpc"),
        options=[
            *server_options(config.server.message_bytes_max),
            ("grpc.max_concurrent_streams", config.limits.streams_per_connection_max),
        ],
        maximum_concurrent_rpcs=config.server.workers_max * 4,
        interceptors=[*metrics.rpc_interceptors(registry), door],
    )
    door.watch(server)
    if registry is not None:
        registry.register(shares.SharesCollector(door.shares, lambda: _replaced_polls(coordinator)))
        registry.register(security.SecurityEventsCollector(service.events))
    add_servicer(server, service, SERVICE)
    operators = Operators(books, clock, OPERATOR_TABLES, BUREAU_STAFF, random_bytes)
    defaults = Defaults(
        protocol.default_net_debit_cap_minutes,
        protocol.default_pending_cap_minutes,
        config.supervision.guarantee_minutes,
        config.supervision.guarantee_warn_percent,
    )
    bureau = BureauService(coordinator, service.sightings, defaults, config.server.insecure, service.events)
    add_servicer(server, OperatorAccountsService(operators, bureau.admit_reader), OPERATORS_SERVICE)
    add_servicer(
        server,
        Guarded(bureau, BUREAU_SERVICE, operators, BUREAU_ROLES, reads_of(BUREAU_SERVICE, BUREAU_CHANGES), describe),
        BUREAU_SERVICE,
    )
    log_service = LogService(books.engine, publisher, proofs.Prover(books.engine, publisher))
    add_servicer(server, log_service, LOG_SERVICE)
    settlement_service = SettlementService(coordinator, signing_key, config.server.insecure)
    settlement_reads = reads_of(SETTLEMENT_SERVICE, SETTLEMENT_CHANGES)
    guarded = Guarded(settlement_service, SETTLEMENT_SERVICE, operators, SETTLEMENT_ROLES, settlement_reads, describe)
    add_servicer(server, guarded, SETTLEMENT_SERVICE)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            SERVICE_NAME,
            LOG_SERVICE_NAME,
            SETTLEMENT_SERVICE_NAME,
            BUREAU_SERVICE.full_name,
            OPERATORS_SERVICE.full_name,
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    try:
        port = listen(server, config.server.listen, _server_credentials(config))
        endpoint = metrics.serve_collector(
            config.metrics, config.path, registry, lambda: ClearinghouseCollector(books, clock)
        )
    except ConfigError:
        server.stop(None)
        books.engine.dispose()
        raise
    server.start()
    for name in HEALTH_SERVICE_NAMES:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    stopping = threading.Event()
    sweeper = threading.Thread(
        target=_sweep_until_stopped,
        args=(
            coordinator,
            publisher,
            service.events,
            _Schedule(protocol.sweep_interval_seconds, protocol.checkpoint_interval_seconds),
            stopping,
        ),
        name="expiry-sweeper",
        daemon=True,
    )
    sweeper.start()
    return RunningClearinghouse(server, port, coordinator, service, sweeper, stopping, publisher, endpoint)


def open_elector(config: ClearinghouseConfig, clock: Clock, on_lost: Callable[[str], None] = lambda _: None) -> Elector:
    """This process's side of the lease, on a small pool of its own (dispose `engine` at the end).

    A write transaction of the lease left idle for half a lease is ended by PostgreSQL.
    """
    engine = migrate.open_current(
        config.database_url,
        LEASE_POOL,
        tables.SCHEMA,
        MIGRATE_COMMAND,
        write_idle_seconds_max=config.server.lease_seconds / 2,
    )
    return Elector(
        engine, clock, config.instance_name, config.server.listen, config.server.lease_seconds, on_lost=on_lost
    )


def create_active_server(
    config: ClearinghouseConfig, clock: Clock, elector: Elector, random_bytes: Callable[[int], bytes] = os.urandom
) -> RunningClearinghouse:
    """The active clearinghouse, on the lease elector has taken: every write of its books is
    fenced by it, and a thread renews it until the server stops."""
    running = create_server(config, clock, random_bytes, fence=elector.fence)
    host = config.server.listen.rpartition(":")[0]
    elector.address = f"{host}:{running.port}"
    try:
        elector.renew()  # the lease now names the port really bound
    except BaseException:
        running.stop()
        raise
    running.lease_keeper = threading.Thread(target=elector.keep, args=(running.stopping,), name="lease", daemon=True)
    running.lease_keeper.start()
    return running


def serve(config: ClearinghouseConfig) -> None:
    """Runs the clearinghouse until SIGTERM or SIGINT, then drains in-flight calls.

    Active while it holds the lease (clearinghouse.leadership); otherwise a standby
    (clearinghouse.standby) until the lease is free. An active process that loses its lease
    (another took over while it was paused or cut off) steps down and stands by again.
    """
    logs.configure(config.logging)
    memory.bound_heap()  # large messages freed go back to the system
    stop, wake = threading.Event(), threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()
        wake.set()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, on_signal)
    clock = process_clock()
    elector = open_elector(config, clock, on_lost=lambda _: wake.set())
    try:
        while not stop.is_set():
            if _stand_by(config, elector, stop) is None:
                break
            wake.clear()
            if stop.is_set():  # a signal between the two lines above
                break
            _lead(config, elector, clock, wake)
            if not stop.is_set():
                print("stepping down: another clearinghouse took over; standing by", flush=True)
    finally:
        elector.engine.dispose()


def _stand_by(config: ClearinghouseConfig, elector: Elector, stop: threading.Event) -> Lease | None:
    """Our lease at once when it is free; otherwise serves as a standby until it is (None: stopped)."""
    try:
        lease = elector.try_take()
    except InRecovery as error:
        print(error, flush=True)
        lease = None
    if lease is not None:
        return lease
    credentials = _server_credentials(config)
    options = server_options(config.server.message_bytes_max)
    standby = StandbyServer(elector, config.server.listen, credentials, HEALTH_SERVICE_NAMES, options)
    host = config.server.listen.rpartition(":")[0]
    print(f"clearinghouse ({config.clearinghouse.display_name}) standby on {host}:{standby.port}", flush=True)
    try:
        return wait_to_lead(elector, stop)
    finally:
        standby.stop()


def _lead(config: ClearinghouseConfig, elector: Elector, clock: Clock, wake: threading.Event) -> None:
    """Serves as the active clearinghouse until wake is set (a signal, or the lease lost)."""
    running = create_active_server(config, clock, elector)
    try:
        host = config.server.listen.rpartition(":")[0]
        mode = "PLAINTEXT (--insecure)" if config.server.insecure else "mutual TLS"
        print(
            f"clearinghouse ({config.clearinghouse.display_name}) serving on {host}:{running.port} with {mode}",
            flush=True,
        )
        if elector.lease is not None:
            print(f"active: {elector.lease.describe()}", flush=True)
        if running.metrics is not None:
            print(f"metrics on {metrics.url(config.metrics.listen, running.metrics.port)}", flush=True)
        wake.wait()
        print("stopping: finishing in-flight calls", flush=True)
    finally:
        running.stop(config.server.shutdown_grace_seconds)
