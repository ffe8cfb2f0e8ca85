"""Prometheus metrics of one party: the HTTP endpoint, the RPC observer and the readings every party shares.

Owns serving a party's own CollectorRegistry over plain HTTP on `[metrics] listen`
(GET /metrics) and stopping it cleanly (its socket closed, its threads joined); the gRPC
server interceptor that times every call (`timebank_rpc_duration_seconds{method,code}`)
and counts the refused ones by status code (`timebank_rpc_rejections_total{method,code}`)
without changing anything about the call; and what both kinds of party read from their
own database at scrape time: the transparency log's size and checkpoint age, and open
alarms by kind. Every registry is the party's own, never the global default, so several
parties in one process (tests) do not collide. A scrape whose database read fails still
answers, with `timebank_database_up 0`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pathlib
import socket
import stat
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from timebank import alarms, logformat, translog
from timebank.config import MetricsTable, is_loopback, parse_listen_address
from timebank.errors import ConfigError, TimebankError

__all__ = [
    "Endpoint",
    "LogReadings",
    "POLL_INTERVAL_SECONDS",
    "RpcObserver",
    "SINGLE_HANDLERS",
    "STOP_WAIT_SECONDS",
    "STREAM_HANDLERS",
    "alarm_family",
    "database_families",
    "gauge",
    "halted_family",
    "labelled_gauge",
    "log_families",
    "new_registry",
    "read_token",
    "TOKEN_CHARACTERS_MIN",
    "read_alarms",
    "read_log",
    "rpc_interceptors",
    "seconds_between",
    "serve_collector",
    "start_endpoint",
    "url",
]

log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 0.05
TOKEN_CHARACTERS_MIN = 16
STOP_WAIT_SECONDS = 10.0
STREAM_HANDLERS = ("unary_stream", "stream_stream")
HEALTH_PREFIX = "/grpc.health.v1.Health/"
SINGLE_HANDLERS = ("unary_unary", "stream_unary")


def seconds_between(earlier_micros: int, later_micros: int) -> float:
    """An age in seconds, never negative (two processes' clocks may differ by a little)."""
    return max(0, later_micros - earlier_micros) / 1e6


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def labelled_gauge(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


# -- the endpoint ------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Scrapes are not worth a log line each."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    # Each scrape runs in its own thread; server_close() joins those still running.
    daemon_threads = True
    block_on_close = True

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, _QuietHandler)


@dataclass
class Endpoint:
    """A running /metrics endpoint; stop() closes its socket and joins its threads."""

    server: _Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=STOP_WAIT_SECONDS)


def start_endpoint(listen: str, registry: CollectorRegistry, token: str | None = None) -> Endpoint:
    """Serves the registry on listen (HOST:PORT, port 0: any free port) until stop(), to
    scrapes that present the token when there is one."""
    host, port = parse_listen_address(listen)
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        server = _Server((host, port), family)
    except OSError as error:
        raise ConfigError(f"metrics.listen: cannot listen on {listen}: {error.strerror or error}") from None
    app = make_wsgi_app(registry)
    server.set_app(_behind_token(app, token) if token is not None else app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL_SECONDS}, name="metrics", daemon=True
    )
    thread.start()
    return Endpoint(server, thread)


def new_registry(listen: str) -> CollectorRegistry | None:
    """A party's own registry when its config asks for metrics; None (nothing observed) otherwise."""
    return CollectorRegistry() if listen else None


def serve_collector(
    table: MetricsTable,
    resolve: Callable[[str], pathlib.Path],
    registry: CollectorRegistry | None,
    make_collector: Callable[[], Collector],
) -> Endpoint | None:
    """Registers the party's collector and starts its endpoint (behind the token of
    table.token_file, resolved by resolve, when there is one); None when metrics are off."""
    if registry is None:
        return None
    token = read_token(resolve(table.token_file)) if table.token_file else None
    if token is None and not is_loopback(parse_listen_address(table.listen)[0]):
        log.warning("metrics on %s answer anyone who reaches them: set [metrics] token_file", table.listen)
    registry.register(make_collector())
    return start_endpoint(table.listen, registry, token)


def read_token(path: pathlib.Path) -> str:
    """The scrape token in a file (owner- or group-readable only, at least TOKEN_CHARACTERS_MIN characters)."""
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"metrics.token_file: cannot read {path} ({error.__class__.__name__})") from None
    if mode & stat.S_IROTH:
        raise ConfigError(f"metrics.token_file: {path} is readable by every user of this host; chmod 640 it")
    if len(token) < TOKEN_CHARACTERS_MIN or any(ch.isspace() for ch in token):
        raise ConfigError(
            f"metrics.token_file: {path}: want one token of at least {TOKEN_CHARACTERS_MIN} characters, no spaces"
        )
    return token


def _behind_token(app: Any, token: str) -> Any:
    """The WSGI app, answering 401 to a request without `Authorization: Bearer TOKEN`."""
    expected = hashlib.sha256(f"Bearer {token}".encode()).digest()

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        presented = hashlib.sha256(str(environ.get("HTTP_AUTHORIZATION", "")).encode()).digest()
        if hmac.compare_digest(presented, expected):
            return app(environ, start_response)
        start_response(
            "401 Unauthorized",
            [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
        )
        return [b"metrics: want Authorization: Bearer TOKEN, the token of this party's [metrics] token_file\n"]

    return guarded


def url(listen: str, port: int | None = None) -> str:
    """Where the endpoint answers, e.g. http://127.0.0.1:9400/metrics (port: the one it got, for port 0)."""
    host, listen_port = parse_listen_address(listen)
    return f"http://{f'[{host}]' if ':' in host else host}:{listen_port if port is None else port}/metrics"


# -- the RPC observer --------------------------------------------------------------------------


class RpcObserver(grpc.ServerInterceptor):
    """Times every call and counts the refused ones by status code; the call itself is untouched."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            "timebank_rpc_duration_seconds",
            "Time spent serving each gRPC call, by method and status code.",
            ["method", "code"],
            registry=registry,
        )
        self.rejections = Counter(
            "timebank_rpc_rejections",
            "gRPC calls that ended with a status other than OK, by method and status code.",
            ["method", "code"],
            registry=registry,
        )

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if method.startswith(HEALTH_PREFIX):
            # Left as it is: a wrapped Health/Watch would hold a server thread for as long as
            # each watching node stays connected (unwrapped, it answers by callback).
            return handler
        for kind in SINGLE_HANDLERS:
            if getattr(handler, kind) is not None:
                return handler._replace(**{kind: self._single(getattr(handler, kind), method)})
        for kind in STREAM_HANDLERS:
            if getattr(handler, kind) is not None:
                return handler._replace(**{kind: self._stream(getattr(handler, kind), method)})
        return handler

    def _single(self, behaviour: Callable[[Any, Any], Any], method: str) -> Callable[[Any, Any], Any]:
        def observed(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                response = behaviour(request, context)
            except BaseException as error:
                self._record(method, _code_name(context, error), started)
                raise
            self._record(method, _code_name(context, None), started)
            return response

        return observed

    def _stream(self, behaviour: Callable[[Any, Any], Any], method: str) -> Callable[[Any, Any], Iterator[Any]]:
        def observed(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started = time.perf_counter()
            try:
                yield from behaviour(request, context)
            except BaseException as error:
                self._record(method, _code_name(context, error), started)
                raise
            self._record(method, _code_name(context, None), started)

        return observed

    def _record(self, method: str, code: str, started: float) -> None:
        try:
            self.duration.labels(method, code).observe(time.perf_counter() - started)
            if code != "OK":
                self.rejections.labels(method, code).inc()
        except Exception:  # observing must never change the call's outcome
            log.exception("recording a call to %s failed", method)


def _code_name(context: grpc.ServicerContext, error: BaseException | None) -> str:
    """The status the call ends with: the one set or aborted with, else OK or (raised) UNKNOWN."""
    code = context.code()  # type: ignore[attr-defined]  # grpcio has it; the stubs lack it
    if code is not None:
        return str(code.name)
    if error is None:
        return "OK"
    return "CANCELLED" if isinstance(error, GeneratorExit) else "UNKNOWN"


def rpc_interceptors(registry: CollectorRegistry | None) -> list[grpc.ServerInterceptor]:
    return [RpcObserver(registry)] if registry is not None else []


# -- readings every party shares ---------------------------------------------------------------


@dataclass(frozen=True)
class LogReadings:
    entries: int
    checkpoint_entries: int
    checkpoint_age_seconds: float | None  # None: no checkpoint signed yet


def read_log(connection: Connection, now_micros: int) -> LogReadings:
    latest = translog.latest_checkpoint(connection)
    if latest is None:
        return LogReadings(translog.size(connection), 0, None)
    body = logformat.checkpoint_body(latest)
    return LogReadings(translog.size(connection), body.size, seconds_between(body.timestamp_micros, now_micros))


def read_alarms(connection: Connection) -> dict[str, int]:
    """Open alarms by kind; split-view always present (0 when none is open)."""
    found = Tally(alarm.kind for alarm in alarms.open_alarms(connection))
    return {alarms.SPLIT_VIEW: 0, **found}


def log_families(readings: LogReadings) -> list[Metric]:
    families: list[Metric] = [
        gauge("timebank_log_entries", "Leaves in this party's transparency log.", readings.entries),
        gauge(
            "timebank_log_checkpoint_entries",
            "Size of the log at its latest signed checkpoint.",
            readings.checkpoint_entries,
        ),
    ]
    if readings.checkpoint_age_seconds is not None:
        families.append(
            gauge(
                "timebank_log_checkpoint_age_seconds",
                "Seconds since the latest checkpoint of this party's log was signed (one is signed only when it grew).",
                readings.checkpoint_age_seconds,
            )
        )
    return families


def alarm_family(open_by_kind: dict[str, int]) -> Metric:
    return labelled_gauge(
        "timebank_alarms_open",
        "Open alarms by kind; split-view is a failed consistency check of a transparency log.",
        "kind",
        open_by_kind,
    )


def halted_family(halted_reason: str | None) -> Metric:
    return gauge(
        "timebank_ledger_halted",
        "1 when the books found an imbalance and refuse all writes, else 0.",
        1 if halted_reason else 0,
    )


def database_families(read: Callable[[], Iterable[Metric]]) -> Iterator[Metric]:
    """The families read from the database, and whether that read worked (a failed one is logged)."""
    try:
        families = list(read())
        up = 1
    except (SQLAlchemyError, TimebankError) as error:
        log.warning("metrics: reading the database failed: %s", error)
        families, up = [], 0
    yield from families
    yield gauge("timebank_database_up", "1 when this scrape could read the party's database, else 0.", up)
