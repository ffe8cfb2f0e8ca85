"""The node process: builds the books and the gRPC server, serves until told to stop.

`create_server(config, ...) -> (server, port)` is what tests use to run a real server
on port 0; `serve(config)` is the process entry point, the only place here that binds
the real clock and sets up logging from the config. The standard gRPC health
(NOT_SERVING once the books halt) and reflection services are served beside NodeLedger;
with `[metrics] listen` set, every call is observed and /metrics is served there.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from nodes import tables
from nodes.care import roles as care_roles
from nodes.care.desk import CareDesk
from nodes.care.policy import Policy
from nodes.care.reporting import SupervisionReporter
from nodes.care.service import CareDeskService
from nodes.config import NodeConfig
from nodes.crossing import Crossing
from nodes.door import open_door
from nodes.link import ClearinghouseLink, LinkProtocol, LinkSettings
from nodes.metrics import NodeCollector
from nodes.personal import roles as personal_roles
from nodes.personal.desk import PersonalAccess
from nodes.personal.service import PersonalService, PersonPinsService
from nodes.service import LinkStatus, NodeIdentity, NodeLedgerService
from nodes.tables import OPERATOR_TABLES
from nodes.witness import Witness
from timebank import keys, logcheck, logs, memory, metrics, pki, translog
from timebank.books import Books
from timebank.clock import Clock, process_clock
from timebank.errors import ConfigError
from timebank.grpc_status import add_servicer, listen, server_options
from timebank.logservice import LogService, Publisher
from timebank.operators.desk import Operators
from timebank.operators.guard import Guarded
from timebank.operators.records import NODE_STAFF
from timebank.operators.service import OperatorAccountsService
from timebank.signing import KeyRecord, KeyRing
from timebank.storage import migrate
from timebank.v1 import care_pb2, ledger_pb2, log_pb2, operators_pb2, personal_pb2
from timebank.v1 import clearing_pb2 as cpb

__all__ = [
    "CARE_SERVICE",
    "CHANNEL_OPTIONS",
    "clearinghouse_target",
    "create_server",
    "FAILOVER_OPTIONS",
    "HEALTH_ROUTED_SERVICE_CONFIG",
    "identity_of",
    "LOG_SERVICE",
    "LOG_SERVICE_NAME",
    "open_books",
    "open_desk",
    "open_link",
    "RunningNode",
    "serve",
    "SERVICE",
    "SERVICE_NAME",
    "start_log",
    "STOP_GRACE_SECONDS_MIN",
    "trusted_keys",
]

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS_MIN = 2.0
SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["NodeLedger"]
LOG_SERVICE = log_pb2.DESCRIPTOR.services_by_name["TransparencyLog"]
CARE_SERVICE = care_pb2.DESCRIPTOR.services_by_name["CareDesk"]
OPERATORS_SERVICE = operators_pb2.DESCRIPTOR.services_by_name["OperatorAccounts"]
PINS_SERVICE = personal_pb2.DESCRIPTOR.services_by_name["PersonPins"]
PERSONAL_SERVICE = personal_pb2.DESCRIPTOR.services_by_name["Personal"]
SERVICE_NAME, LOG_SERVICE_NAME = SERVICE.full_name, LOG_SERVICE.full_name
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 30_000),
]

# With several clearinghouse addresses (the active one and its standbys), calls go only to
# an address whose gRPC health for the Clearinghouse service is SERVING (gRPC's client-side
# health checking, which round_robin honours); reconnects are tried quickly, so a standby
# that takes over is found within a second or two. A paused clearinghouse still looks
# SERVING to the channel: the link opens a new one when a call times out.
HEALTH_ROUTED_SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": cpb.DESCRIPTOR.services_by_name["Clearinghouse"].full_name},
}
FAILOVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.service_config", json.dumps(HEALTH_ROUTED_SERVICE_CONFIG)),
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]


def clearinghouse_target(addresses: Sequence[str]) -> tuple[str, list[tuple[str, Any]]]:
    """The channel target and routing options for one clearinghouse address or several."""
    if len(addresses) == 1:
        return addresses[0], []
    scheme = "ipv6" if addresses[0].startswith("[") else "ipv4"
    return f"{scheme}:{','.join(addresses)}", FAILOVER_OPTIONS


@dataclass
class RunningNode:
    server: grpc.Server
    port: int
    books: Books
    health: health.HealthServicer
    link: ClearinghouseLink | None = None
    checkpoints: _Checkpoints | None = None
    metrics: metrics.Endpoint | None = None
    reporter: SupervisionReporter | None = None

    def stop(self, grace_seconds: float | None = None) -> None:
        """Stops the link, lets calls in flight finish (bounded), then closes the database."""
        if self.metrics is not None:
            self.metrics.stop()
        if self.reporter is not None:
            self.reporter.stop()
        self.health.enter_graceful_shutdown()
        if self.link is not None:
            self.link.stop()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.server.stop(max(grace_seconds or 0.0, STOP_GRACE_SECONDS_MIN)).wait()
        self.books.engine.dispose()


class _Checkpoints:
    """Signs a checkpoint of the node's log every interval while it grows, until stopped."""

    def __init__(self, publisher: Publisher, interval_seconds: float) -> None:
        self.publisher = publisher
        self.interval_seconds = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_seconds):
            if self.publisher.books.halted_reason:
                continue  # a halted ledger refuses writes: nothing to sign until it is restored
            try:
                self.publisher.publish()
            except Exception:  # the next interval retries; a halted ledger refuses writes
                log.exception("publishing a checkpoint of the node's log failed")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)


def open_books(config: NodeConfig, clock: Clock, on_halt: Callable[[str], None] | None = None) -> Books:
    """The node's books on its database; refuses a database whose schema is not current."""
    engine = migrate.open_current(
        config.database_url, config.database.pool, tables.SCHEMA, "timebank node migrate --config FILE"
    )
    return Books(
        engine,
        clock,
        batch_size_max=config.ledger.batch_size_max,
        statement_page_max=config.ledger.statement_page_max,
        on_halt=on_halt,
        journal=translog.posting_journal(clock.now_micros),
    )


def trusted_keys(config: NodeConfig) -> KeyRing:
    """The clearinghouse's keys this node trusts (empty for a node on its own)."""
    settings = config.clearinghouse
    return keys.load_key_ring_file(config.path(settings.keys_file)) if settings.address else KeyRing([])


def start_log(config: NodeConfig, books: Books, now_micros: int) -> None:
    """Creates the node's log on first start; logs its own key and the trusted keys once."""
    public = keys.public_bytes(keys.load_signing_key(config.signing_key_path).public_key())
    own = KeyRecord(keys.key_id_of_raw(public), config.node.id, public, 0)
    known = [own, *trusted_keys(config).records()]
    books.write(lambda connection: translog.start(connection, config.node.id, known, now_micros, "key-known"))


def identity_of(config: NodeConfig) -> NodeIdentity:
    public_key = keys.load_signing_key(config.signing_key_path).public_key()
    return NodeIdentity(
        node_id=config.node.id,
        display_name=config.node.display_name,
        node_kind=config.node.kind,
        signing_public_key=keys.public_bytes(public_key),
        signing_key_id=keys.key_id(public_key),
    )


def open_link(
    config: NodeConfig, books: Books, clock: Clock, random_bytes: Callable[[int], bytes]
) -> tuple[Crossing, ClearinghouseLink] | None:
    """The node's half of the cross-node protocol, when a clearinghouse is configured."""
    settings = config.clearinghouse
    if not settings.address:
        return None
    wake = threading.Event()
    key_ring = trusted_keys(config)
    crossing = Crossing(
        books,
        config.node.id,
        clock,
        on_outbox=wake.set,
        random_bytes=random_bytes,
        signing_key=keys.load_signing_key(config.signing_key_path),
        witness=Witness(books.engine, key_ring, clock),
    )
    target, routing = clearinghouse_target(settings.addresses)
    if settings.insecure:

        def open_channel() -> grpc.Channel:
            return grpc.insecure_channel(target, options=CHANNEL_OPTIONS + routing)

    else:
        tls = config.tls
        credentials = pki.channel_credentials(
            config.path(tls.ca_file), config.path(tls.certificate_file), config.path(tls.key_file)
        )
        options = CHANNEL_OPTIONS + routing + pki.channel_options(settings.party_id)

        def open_channel() -> grpc.Channel:
            return grpc.secure_channel(target, credentials, options=options)

    protocol = LinkProtocol(
        crossing,
        config.node.id,
        keys.load_signing_key(config.signing_key_path),
        key_ring,
        LinkSettings(
            exchange_deadline_seconds=settings.exchange_deadline_seconds,
            batch_items_max=settings.batch_items_max,
            retry_backoff_max_seconds=settings.retry_backoff_max_seconds,
            query_after_micros=int(settings.query_after_seconds * 1e6),
            clock_skew_micros_max=int(settings.clock_skew_seconds_max * 1e6),
            server_party=settings.party_id,
        ),
        clock,
        random_bytes,
    )
    jitter = random.Random(int.from_bytes(random_bytes(8), "big"))
    renew = open_channel if len(settings.addresses) > 1 else None
    link = ClearinghouseLink(protocol, open_channel(), jitter, renew)
    crossing.on_outbox = link.wake
    return crossing, link


def open_desk(
    config: NodeConfig,
    books: Books,
    clock: Clock,
    random_bytes: Callable[[int], bytes],
    crossing: Crossing | None,
    identity_key: bytes,
) -> CareDesk:
    """The node's time-bank services under the city's policy rules from [care]."""
    return CareDesk(
        books,
        node_id=config.node.id,
        node_name=config.node.display_name,
        clock=clock,
        policy=Policy.from_table(config.care),
        identity_key=identity_key,
        signing_key=keys.load_signing_key(config.signing_key_path),
        random_bytes=random_bytes,
        crossing=crossing,
    )


def create_server(config: NodeConfig, clock: Clock, random_bytes: Callable[[int], bytes] = os.urandom) -> RunningNode:
    """Starts a node's gRPC server on config.server.listen (port 0: any free port)."""
    identity = identity_of(config)
    identity_key = keys.load_identity_key(config.path(config.care.identity_key_file))  # before anything opens
    door = open_door(config)  # a missing or open credential file stops the start, named
    health_servicer = health.HealthServicer()

    def on_halt(reason: str) -> None:
        for name in ("", SERVICE_NAME):
            health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    books = open_books(config, clock, on_halt)
    books.check_balanced()
    own_key = keys.load_signing_key(config.signing_key_path).public_key()
    own = KeyRecord(keys.key_id(own_key), config.node.id, keys.public_bytes(own_key), 0)
    logcheck.halt_if_damaged(books, config.node.id, KeyRing([own]))
    if not books.halted_reason:  # a damaged log gets no new entries
        start_log(config, books, clock.now_micros())
    publisher = Publisher(books, keys.load_signing_key(config.signing_key_path), clock)
    registry = metrics.new_registry(config.metrics.listen)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.server.workers_max, thread_name_prefix="rpc"),
        options=server_options(config.server.message_bytes_max),
        maximum_concurrent_rpcs=config.server.workers_max * 8,
        interceptors=[*metrics.rpc_interceptors(registry), door],  # refusals at the door are counted
    )
    protocol = open_link(config, books, clock, random_bytes)
    crossing, link = protocol if protocol else (None, None)

    def release() -> None:
        server.stop(None)
        if link is not None:
            link.channel.close()
        books.engine.dispose()

    link_status = None
    if link is not None:
        link_status = LinkStatus(config.clearinghouse.address, lambda: link.exchanges, lambda: link.failures)
    service = NodeLedgerService(books, identity, crossing, link_status)
    add_servicer(server, service, SERVICE)
    operators = Operators(books, clock, OPERATOR_TABLES, NODE_STAFF, random_bytes)
    desk = open_desk(config, books, clock, random_bytes, crossing, identity_key)
    service.credit_check = desk.check_plain_credits  # the storage cap holds for plain credits to members too
    care = CareDeskService(desk)
    add_servicer(server, Guarded(care, CARE_SERVICE, operators, care_roles.ROLES, care_roles.READS), CARE_SERVICE)
    access = PersonalAccess(books, clock, desk, random_bytes)
    pins = Guarded(PersonPinsService(access), PINS_SERVICE, operators, personal_roles.ROLES, personal_roles.READS)
    add_servicer(server, pins, PINS_SERVICE)
    add_servicer(server, PersonalService(access), PERSONAL_SERVICE)
    add_servicer(server, LogService(books.engine, publisher), LOG_SERVICE)
    add_servicer(server, OperatorAccountsService(operators), OPERATORS_SERVICE)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            SERVICE_NAME,
            LOG_SERVICE_NAME,
            CARE_SERVICE.full_name,
            OPERATORS_SERVICE.full_name,
            PINS_SERVICE.full_name,
            PERSONAL_SERVICE.full_name,
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    try:
        port = listen(server, config.server.listen)
        endpoint = metrics.serve_collector(
            config.metrics, config.path, registry, lambda: NodeCollector(books, config.node.id, clock, link)
        )
    except ConfigError:
        release()
        raise
    server.start()
    status = (
        health_pb2.HealthCheckResponse.NOT_SERVING if books.halted_reason else health_pb2.HealthCheckResponse.SERVING
    )
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, status)
    reporter = None
    if link is not None and crossing is not None:
        link.start()
        reporter = SupervisionReporter(desk, crossing, config.clearinghouse.supervision_report_seconds)
    checkpoints = _Checkpoints(publisher, config.ledger.checkpoint_interval_seconds)
    return RunningNode(server, port, books, health_servicer, link, checkpoints, endpoint, reporter)


def serve(config: NodeConfig) -> None:
    """Runs the node until SIGTERM or SIGINT, then drains in-flight calls and stops."""
    logs.configure(config.logging)
    memory.bound_heap()  # large messages freed go back to the system
    running = create_server(config, process_clock())
    host = config.server.listen.rpartition(":")[0]
    # The address line is printed first: whoever started the process reads it from the output.
    print(f"node {config.node.id} ({config.node.display_name}) serving on {host}:{running.port}", flush=True)
    log.info("node %s serving on %s:%d", config.node.id, host, running.port, extra={"node_id": config.node.id})
    if running.metrics is not None:
        print(f"metrics on {metrics.url(config.metrics.listen, running.metrics.port)}", flush=True)
    print("policy rules:\n  " + "\n  ".join(Policy.from_table(config.care).describe()), flush=True)
    if running.books.halted_reason:
        print(f"WARNING: this node refuses all writes: {running.books.halted_reason}", flush=True)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    stop.wait()
    print("stopping: finishing in-flight calls", flush=True)
    running.stop(config.server.shutdown_grace_seconds)
