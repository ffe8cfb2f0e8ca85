"""A standby clearinghouse process: what it serves while another one is active, and when it takes over.

Owns the standby's gRPC server on the configured address, with the same TLS: gRPC health
answers NOT_SERVING (so a node's channel, which routes by health, sends nothing here) and
every other call is refused UNAVAILABLE naming the active process, its address and term;
and the wait for the lease (`wait_to_lead`): a try every quarter of the lease, until it is
taken or the process is asked to stop. Must not: open the books or write anything but the
lease (clearinghouse.leadership).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy.exc import SQLAlchemyError

from clearinghouse.leadership import Elector, InRecovery
from clearinghouse.records import Lease
from timebank.grpc_status import listen

__all__ = ["StandbyServer", "TRIES_PER_LEASE", "wait_to_lead"]

log = logging.getLogger(__name__)
TRIES_PER_LEASE = 4  # a standby tries to take the lease this many times in each lease
WORKERS = 4


class _RefuseAll(grpc.GenericRpcHandler):
    """Every method but health: UNAVAILABLE, naming the active clearinghouse."""

    def __init__(self, elector: Elector) -> None:
        self.elector = elector

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[bytes, bytes] | None:
        return grpc.unary_unary_rpc_method_handler(self._refuse)

    def _refuse(self, _request: bytes, context: grpc.ServicerContext) -> bytes:
        context.abort(grpc.StatusCode.UNAVAILABLE, self.message())
        raise AssertionError("abort returns only by raising")

    def message(self) -> str:
        try:
            active = self.elector.current()
        except SQLAlchemyError as error:  # the database may be out of reach: say so
            problem = str(error).splitlines()[0]
            return f"this clearinghouse ({self.elector.holder}) is a standby; its database cannot be read: {problem}"
        if active is None or not active.live(self.elector.clock.now_micros()):
            return f"this clearinghouse ({self.elector.holder}) is a standby and no clearinghouse is active yet"
        return f"this clearinghouse ({self.elector.holder}) is a standby; the active one is {active.describe()}"


class StandbyServer:
    """The standby's gRPC server: health NOT_SERVING, everything else UNAVAILABLE."""

    def __init__(
        self,
        elector: Elector,
        address: str,
        credentials: grpc.ServerCredentials | None,
        service_names: tuple[str, ...],
        options: Sequence[tuple[str, Any]],
    ) -> None:
        executor = futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="standby")
        self.server = grpc.server(executor, options=options)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.server.add_generic_rpc_handlers((_RefuseAll(elector),))
        self.port = listen(self.server, address, credentials)
        for name in service_names:
            self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        self.server.start()

    def stop(self) -> None:
        self.server.stop(None).wait()


def wait_to_lead(elector: Elector, stopping: threading.Event) -> Lease | None:
    """Tries to take the lease until it is taken (the new lease) or stopping is set (None)."""
    interval_seconds = elector.lease_micros / 1e6 / TRIES_PER_LEASE
    said = ""
    while True:
        try:
            lease = elector.try_take()
            if lease is not None:
                return lease
            active = elector.current()
            news = f"standing by; the active clearinghouse is {active.describe() if active else 'none'}"
        except InRecovery as error:
            news = str(error)
        except SQLAlchemyError as error:  # the database out of reach: keep trying, bounded by stopping
            news = f"standing by; the database cannot be reached: {str(error).splitlines()[0]}"
        if news != said:
            log.warning("%s", news)
            print(news, flush=True)
            said = news
        if stopping.wait(interval_seconds):
            return None
