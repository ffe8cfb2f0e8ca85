"""Each peer's share of a server: calls in progress, calls a second, who may call what, and
the count of every refusal by reason and by peer.

A peer with valid credentials must not be able to shut the others out. `SharesInterceptor`
wraps every unary call of a gRPC server; once the call runs (after the TLS handshake, before
any work of the servicer) `Shares.admit` decides, in this order:

- `wrong_party`: the peer's kind may not call this method at all (a policy the server gives;
  at the clearinghouse the bureau's and the auditors' certificates do not exchange batches),
  PERMISSION_DENIED;
- `calls_in_progress`: the peer already has `calls_in_progress_per_peer_max` calls running,
  RESOURCE_EXHAUSTED;
- `call_rate`: the peer's bucket of `calls_burst_per_peer` calls, refilled at
  `calls_per_second_per_peer`, is empty, RESOURCE_EXHAUSTED.

Every refusal names the limit and its configuration key. gRPC's own last-resort limit
(`maximum_concurrent_rpcs`) refuses a call before it runs, hence before its peer is known:
the interceptor sees such a call being refused (it reads the server's count under the lock
gRPC holds while it decides) and counts it as `server_full` of peer `unidentified`.

Counts are kept for at most PEERS_COUNTED_MAX peers (then "other"), so a stream of new
identities cannot grow them without bound. The clock is injected (monotonic seconds).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from prometheus_client.metrics_core import CounterMetricFamily

from timebank.errors import NotPermitted, Throttled, TimebankError
from timebank.grpc_status import status_of
from timebank.quoting import bounded_detail, named

__all__ = [
    "OTHER_PEERS",
    "PEERS_COUNTED_MAX",
    "REASONS",
    "Refusal",
    "ShareLimits",
    "Shares",
    "SharesCollector",
    "SharesInterceptor",
    "UNIDENTIFIED",
]

PEERS_COUNTED_MAX = 256
OTHER_PEERS = "other"
UNIDENTIFIED = "unidentified"
REASONS = ("wrong_party", "calls_in_progress", "call_rate", "server_full", "no_identity", "poll_replaced")


@dataclass(frozen=True)
class ShareLimits:
    calls_in_progress_per_peer_max: int = 8
    calls_per_second_per_peer: float = 1000.0
    calls_burst_per_peer: int = 2000
    table: str = "limits"  # the configuration table the keys are in, for the messages


@dataclass(frozen=True)
class Refusal:
    reason: str
    peer: str
    method: str
    detail: str = ""  # the message the peer was answered with


class Shares:
    """The per-peer state: calls running, each peer's bucket, the refusal counts."""

    def __init__(
        self,
        limits: ShareLimits,
        may_call: Callable[[str, str], str | None] = lambda peer, method: None,
        monotonic: Callable[[], float] = time.monotonic,
        on_refusal: Callable[[Refusal], None] = lambda refusal: None,
    ) -> None:
        self.limits = limits
        self._may_call = may_call  # (peer, method) -> why not, or None
        self._monotonic = monotonic
        self._on_refusal = on_refusal
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()
        self._buckets: dict[str, tuple[float, float]] = {}  # peer -> (tokens, at)
        self.refusals: Counter[tuple[str, str]] = Counter()  # (reason, peer) -> count
        self._counted_peers: set[str] = set()

    @contextmanager
    def admit(self, peer: str, method: str) -> Iterator[None]:
        """Runs the block as one of peer's calls, or raises the refusal (counted)."""
        self.enter(peer, method)
        try:
            yield
        finally:
            self.leave(peer)

    def enter(self, peer: str, method: str) -> None:
        """Counts a call of peer's as running, or raises the refusal (counted); `leave` ends it."""
        self._check(peer, method)

    def leave(self, peer: str) -> None:
        with self._lock:
            self._running[peer] -= 1
            if self._running[peer] <= 0:
                del self._running[peer]

    def refused(self, reason: str, peer: str, method: str) -> None:
        """Counts a refusal made elsewhere (gRPC's own, or a peer without an identity)."""
        with self._lock:
            self._count(reason, peer)
        self._on_refusal(Refusal(reason, peer, method))

    def running(self, peer: str) -> int:
        with self._lock:
            return self._running.get(peer, 0)

    def _check(self, peer: str, method: str) -> None:
        why_not = self._may_call(peer, method)
        limits, key = self.limits, self.limits.table
        error: TimebankError | None = None
        with self._lock:
            if why_not is not None:
                reason, error = "wrong_party", NotPermitted(f"{method}: {why_not}")
            elif self._running.get(peer, 0) >= limits.calls_in_progress_per_peer_max:
                reason = "calls_in_progress"
                error = Throttled(
                    f"{key}.calls_in_progress_per_peer_max: {named(peer)} has {limits.calls_in_progress_per_peer_max} "
                    "calls in progress, the most one peer may have; retry when one ends"
                )
            elif not self._take_token(peer):
                reason = "call_rate"
                error = Throttled(
                    f"{key}.calls_per_second_per_peer: {named(peer)} made more than "
                    f"{limits.calls_per_second_per_peer:g} calls a second (a burst of {limits.calls_burst_per_peer}); "
                    f"retry in {1 / limits.calls_per_second_per_peer:.3g} s"
                )
            if error is None:
                self._running[peer] += 1
                return
            self._count(reason, peer)
        self._on_refusal(Refusal(reason, peer, method, str(error)))
        raise error

    def _take_token(self, peer: str) -> bool:
        now = self._monotonic()
        limits = self.limits
        tokens, at = self._buckets.get(peer, (float(limits.calls_burst_per_peer), now))
        tokens = min(float(limits.calls_burst_per_peer), tokens + (now - at) * limits.calls_per_second_per_peer)
        if len(self._buckets) >= PEERS_COUNTED_MAX and peer not in self._buckets:
            self._buckets.pop(next(iter(self._buckets)))  # the oldest peer starts afresh
        if tokens < 1.0:
            self._buckets[peer] = (tokens, now)
            return False
        self._buckets[peer] = (tokens - 1.0, now)
        return True

    def _count(self, reason: str, peer: str) -> None:
        if peer not in self._counted_peers:
            if len(self._counted_peers) >= PEERS_COUNTED_MAX:
                peer = OTHER_PEERS
            else:
                self._counted_peers.add(peer)
        self.refusals[(reason, peer)] += 1


class SharesInterceptor(grpc.ServerInterceptor):
    """Puts every unary call through `Shares.admit` under its TLS peer's name.

    peer_of(context) names the peer (raising a TimebankError when it has no identity);
    exempt: full method names that pass untouched (health checks). Call `watch(server)` once
    the server exists, so that gRPC's own refusals are counted too.
    """

    def __init__(
        self, shares: Shares, peer_of: Callable[[grpc.ServicerContext], str], exempt: frozenset[str] = frozenset()
    ) -> None:
        self.shares = shares
        self._peer_of = peer_of
        self._exempt = exempt
        self._server_state: Any = None

    def watch(self, server: grpc.Server) -> None:
        self._server_state = getattr(server, "_state", None)

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.unary_unary is None or method in self._exempt:
            return handler
        if self._grpc_refuses():
            self.shares.refused("server_full", UNIDENTIFIED, method)
            return handler
        return handler._replace(unary_unary=self._admitted(handler.unary_unary, method))

    def _grpc_refuses(self) -> bool:
        """Whether gRPC is about to refuse this call itself (read under the lock it decides under)."""
        state = self._server_state
        limit = getattr(state, "maximum_concurrent_rpcs", None)
        return limit is not None and getattr(state, "active_rpc_count", 0) >= limit

    def _admitted(self, behaviour: Callable[[Any, Any], Any], method: str) -> Callable[[Any, Any], Any]:
        def admitted(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                peer = self._peer_of(context)
            except TimebankError as error:
                self.shares.refused("no_identity", UNIDENTIFIED, method)
                context.abort(status_of(error), bounded_detail(str(error)))
            try:
                self.shares.enter(peer, method)
            except TimebankError as error:
                context.abort(status_of(error), str(error))
            try:
                return behaviour(request, context)
            finally:
                self.shares.leave(peer)

        return admitted


class SharesCollector:
    """`timebank_refusals_total{reason,peer}` at scrape time, from the Shares' counts."""

    def __init__(self, shares: Shares, extra: Callable[[], dict[tuple[str, str], int]] = dict) -> None:
        self._shares = shares
        self._extra = extra  # more (reason, peer) counts kept elsewhere, e.g. replaced long polls

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "timebank_refusals",
            "Calls refused before any work, by reason (wrong_party, calls_in_progress, call_rate, server_full, "
            "no_identity, poll_replaced) and by TLS peer (unidentified: refused before the peer was known).",
            labels=["reason", "peer"],
        )
        counts = Counter(dict(self._shares.refusals))
        counts.update(self._extra())
        for (reason, peer), count in sorted(counts.items()):
            family.add_metric([reason, peer], count)
        yield family
