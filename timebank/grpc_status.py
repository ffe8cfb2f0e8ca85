"""The one place that maps the project's errors and outcomes to gRPC status codes.

Nothing escapes a servicer as UNKNOWN: `translate_errors` turns every TimebankError
into its status with the error's message, a database lost mid-read into UNAVAILABLE (the
caller retries), and anything unexpected into INTERNAL with a reference the operator can
find in the log. `add_servicer` registers a servicer so that a request whose bytes do not
parse as its message is INVALID_ARGUMENT, naming the message (gRPC's own handlers answer
such bytes with INTERNAL). `listen` binds a server's address, retrying briefly and
then refusing with a ConfigError that names the setting (gRPC's own call raises a bare
RuntimeError, and logs a line per try); `port_free` is its quiet check.
"""

from __future__ import annotations

import functools
import logging
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError
from sqlalchemy.exc import InterfaceError, OperationalError

from timebank.config import parse_listen_address
from timebank.errors import (
    AlreadyExists,
    BatchTooLarge,
    ConfigError,
    ItemRefused,
    LedgerHalted,
    NotFound,
    NotNow,
    NotPermitted,
    OutOfStock,
    RequestInvalid,
    StorageUnavailable,
    Throttled,
    TimebankError,
    TrafficStopped,
    VerificationError,
)
from timebank.ledger.model import Outcome
from timebank.quoting import bounded_detail

__all__ = [
    "ERROR_STATUS",
    "F",
    "LISTEN_ATTEMPTS_MAX",
    "LISTEN_RETRY_SECONDS",
    "OUTCOME_STATUS",
    "add_servicer",
    "listen",
    "port_free",
    "server_options",
    "status_of",
    "translate_errors",
]

log = logging.getLogger(__name__)

OUTCOME_STATUS: dict[Outcome, grpc.StatusCode] = {
    Outcome.OK: grpc.StatusCode.OK,
    Outcome.EXISTS: grpc.StatusCode.OK,
    Outcome.INVALID: grpc.StatusCode.INVALID_ARGUMENT,
    Outcome.EXISTS_WITH_DIFFERENT_BODY: grpc.StatusCode.ALREADY_EXISTS,
    Outcome.ID_ALREADY_REFUSED: grpc.StatusCode.ALREADY_EXISTS,
    Outcome.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Outcome.ACCOUNT_CLOSED: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.PENDING_ALREADY_RESOLVED: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.EXCEEDS_ORIGINAL: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.OVERFLOW: grpc.StatusCode.OUT_OF_RANGE,
    Outcome.EXCEEDS_FLOOR: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.EXCEEDS_CAP: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.LINKED_EVENT_FAILED: grpc.StatusCode.ABORTED,
}

ERROR_STATUS: dict[type[TimebankError], grpc.StatusCode] = {
    RequestInvalid: grpc.StatusCode.INVALID_ARGUMENT,
    BatchTooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    NotFound: grpc.StatusCode.NOT_FOUND,
    LedgerHalted: grpc.StatusCode.DATA_LOSS,
    StorageUnavailable: grpc.StatusCode.UNAVAILABLE,
    ConfigError: grpc.StatusCode.FAILED_PRECONDITION,
    TrafficStopped: grpc.StatusCode.FAILED_PRECONDITION,
    NotNow: grpc.StatusCode.FAILED_PRECONDITION,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    OutOfStock: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Throttled: grpc.StatusCode.RESOURCE_EXHAUSTED,
    NotPermitted: grpc.StatusCode.PERMISSION_DENIED,  # before its parent: first match wins
    VerificationError: grpc.StatusCode.UNAUTHENTICATED,
}


def status_of(error: TimebankError) -> grpc.StatusCode:
    if isinstance(error, ItemRefused):
        return OUTCOME_STATUS[error.outcome]
    for kind, code in ERROR_STATUS.items():
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


F = TypeVar("F", bound=Callable[..., Any])


def translate_errors(method: F) -> F:
    """Wraps a servicer method so that every failure leaves with a specific status."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except TimebankError as error:
            _abort(context, status_of(error), str(error))
        except (OperationalError, InterfaceError) as error:
            # A read lost its database (a restart, a broken connection): the caller retries.
            detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            log.warning("%s: the database is unavailable: %s", method.__name__, detail)
            _abort(context, grpc.StatusCode.UNAVAILABLE, f"the database is unavailable, retry shortly: {detail}")
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("internal error %s in %s", reference, method.__name__)
            _abort(context, grpc.StatusCode.INTERNAL, f"internal error, reference {reference}")

    return wrapper  # type: ignore[return-value]


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, bounded_detail(message))
    raise AssertionError("context.abort returns only by raising")


class _Malformed:
    """A request whose bytes did not parse: answered INVALID_ARGUMENT before the servicer runs."""

    def __init__(self, message_name: str, error: str) -> None:
        self.detail = f"request: not a valid {message_name}: {error or 'malformed protobuf'}"


def add_servicer(server: grpc.Server, servicer: Any, service: ServiceDescriptor) -> None:
    """Registers every (unary) method of service on server, with a deserializer that never raises."""
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        if method.client_streaming or method.server_streaming:
            raise ValueError(f"{service.full_name}.{method.name}: only unary methods are registered here")
        request_class = message_factory.GetMessageClass(method.input_type)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            _refusing_malformed(getattr(servicer, method.name)),
            request_deserializer=_parse_or_malformed(request_class),
            response_serializer=lambda response: response.SerializeToString(),
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))


def server_options(message_bytes_max: int) -> list[tuple[str, int]]:
    """A party's server options: the message size limit both ways, and an exclusive port.

    gRPC sets SO_REUSEPORT by default, which lets a second process started by mistake on the
    same address share the first one's calls without a word; with it off, that start is refused.
    """
    return [
        ("grpc.max_receive_message_length", message_bytes_max),
        ("grpc.max_send_message_length", message_bytes_max),
        ("grpc.so_reuseport", 0),
    ]


LISTEN_ATTEMPTS_MAX = 20
LISTEN_RETRY_SECONDS = 0.25


def port_free(address: str) -> bool:
    """Whether this process could listen on address now (gRPC's own bind sets SO_REUSEADDR,
    so this does too); port 0 and an address that does not parse are left to gRPC."""
    try:
        host, port = parse_listen_address(address)
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (ConfigError, OSError, UnicodeError):
        return True
    if port == 0:
        return True
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError:
            return False
    return True


def listen(server: grpc.Server, address: str, credentials: grpc.ServerCredentials | None = None) -> int:
    """Binds address on server and returns the port it got, or raises ConfigError.

    An address still held for a moment by the process this one replaces is retried for
    LISTEN_ATTEMPTS_MAX * LISTEN_RETRY_SECONDS (5 s) before the start is refused. Each try
    first binds a plain socket, so that gRPC is asked (and logs its own errors) only when the
    address is free.
    """
    for attempt in range(1, LISTEN_ATTEMPTS_MAX + 1):
        try:
            if port_free(address):
                if credentials is None:
                    return server.add_insecure_port(address)
                return server.add_secure_port(address, credentials)
        except RuntimeError:
            pass
        if attempt == 1:
            waited = LISTEN_ATTEMPTS_MAX * LISTEN_RETRY_SECONDS
            log.warning("server.listen: %s is in use; waiting up to %g s for it to be released", address, waited)
        if attempt < LISTEN_ATTEMPTS_MAX:
            time.sleep(LISTEN_RETRY_SECONDS)
    raise ConfigError(
        f"server.listen: cannot listen on {address} after {LISTEN_ATTEMPTS_MAX * LISTEN_RETRY_SECONDS:g} s "
        "(the port is in use, or the host is not an address of this machine)"
    )


def _parse_or_malformed(request_class: Any) -> Callable[[bytes], Any]:
    name = request_class.DESCRIPTOR.full_name

    def parse(data: bytes) -> Any:
        try:
            return request_class.FromString(data)
        except DecodeError as error:
            return _Malformed(name, str(error))

    return parse


def _refusing_malformed(behaviour: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[..., Any]:
    @functools.wraps(behaviour)
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, _Malformed):
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, request.detail)
        return behaviour(request, context)

    return handle
