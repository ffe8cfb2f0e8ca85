"""The clearinghouse's security events: what it refused, from which TLS peer, summarised.

Owns the kinds (KINDS), telling a refusal's kind from its error (`kind_of`), and the
summary: per kind, peer and window of WINDOW_SECONDS one record with a count, the first
and last time, the first detail (bounded) and, for a split-view claim, the claiming node's
signed header as evidence (so a false claim is attributable to its signer). The first event
of a window is logged as one structured line; the rest are only counted, so an attacker
repeating an attempt cannot grow the log. `flush` writes the windows that changed to the
`security_events` table (the sweeper calls it); `read` is what `timebank clearinghouse
events` prints. Counts by kind and peer feed `timebank_security_events_total`.

Bounded: at most WINDOWS_PENDING_MAX windows wait for a flush (beyond that, events are
counted under the "other" peer of their kind) and at most PEERS_COUNTED_MAX peers are
counted in the metrics. The clock is injected.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from prometheus_client.metrics_core import CounterMetricFamily
from sqlalchemy import Connection, Engine, insert, select, update

from clearinghouse.tables import security_events
from timebank.clock import Clock
from timebank.errors import NotPermitted, TimebankError, VerificationError
from timebank.quoting import bounded_detail
from timebank.shares import OTHER_PEERS, PEERS_COUNTED_MAX, Refusal
from timebank.storage.engine import write_transaction

__all__ = [
    "DETAIL_CHARACTERS_MAX",
    "EventWindow",
    "KINDS",
    "SecurityEvents",
    "SecurityEventsCollector",
    "WINDOW_SECONDS",
    "WINDOWS_PENDING_MAX",
    "kind_of",
    "read",
]

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
WINDOWS_PENDING_MAX = 4_096
DETAIL_CHARACTERS_MAX = 300
KINDS = (
    "refused_batch",  # a batch that did not verify: signature, key, header, freshness, size
    "replay",  # a batch id accepted before
    "revoked_key",  # a batch signed with a revoked key
    "expired_key",  # a batch signed with a key rotated out
    "unknown_node",  # a batch from a party not admitted
    "suspended_node",  # a batch from a suspended node
    "split_view_claim",  # a node named a checkpoint this log never signed
    "wrong_party",  # a certificate calling what its kind may not (the bureau exchanging)
    "calls_in_progress",  # a peer over its calls in progress
    "call_rate",  # a peer over its calls a second
    "server_full",  # gRPC's own last-resort limit (the peer is not known yet)
    "no_identity",  # a call without a usable client certificate
)


def kind_of(error: TimebankError) -> str:
    """The kind of an Exchange refusal, from its error."""
    text = str(error)
    if isinstance(error, NotPermitted):
        return "suspended_node" if "is suspended" in text else "unknown_node"
    if isinstance(error, VerificationError):
        if text.startswith("batch_id:") and "accepted before" in text:
            return "replay"
        if text.startswith("key_id:") and " revoked" in text:
            return "revoked_key"
        if text.startswith("key_id:") and " expired" in text:
            return "expired_key"
        if text.startswith("seen_checkpoint_root:"):
            return "split_view_claim"
        return "refused_batch"
    return "refused_batch"  # a malformed or oversized batch, an item refused as a whole


@dataclass(frozen=True)
class EventWindow:
    kind: str
    peer: str
    window_start_micros: int
    first_at_micros: int
    last_at_micros: int
    occurrences: int
    detail: str
    evidence: bytes | None = None


@dataclass
class _Pending:
    windows: dict[tuple[str, str, int], EventWindow] = field(default_factory=dict)
    changed: set[tuple[str, str, int]] = field(default_factory=set)


class SecurityEvents:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending = _Pending()
        self.counts: Counter[tuple[str, str]] = Counter()
        self._counted_peers: set[str] = set()

    def record(self, kind: str, peer: str, detail: str, evidence: bytes | None = None) -> None:
        """One event; the first of its kind, peer and window is logged, the rest counted."""
        now = self._clock.now_micros()
        window_micros = WINDOW_SECONDS * 1_000_000
        with self._lock:
            self.counts[(kind, self._counted(peer))] += 1
            key = (kind, peer, now - now % window_micros)
            if key not in self._pending.windows and len(self._pending.windows) >= WINDOWS_PENDING_MAX:
                key = (kind, OTHER_PEERS, key[2])
            found = self._pending.windows.get(key)
            if found is None:
                shown = bounded_detail(detail)[:DETAIL_CHARACTERS_MAX]
                self._pending.windows[key] = EventWindow(kind, key[1], key[2], now, now, 1, shown, evidence)
            else:
                self._pending.windows[key] = replace(found, last_at_micros=now, occurrences=found.occurrences + 1)
            self._pending.changed.add(key)
        if found is None:
            line = {"event": "security", "kind": kind, "peer": key[1], "detail": bounded_detail(detail)}
            log.warning("security event %s", json.dumps(line, ensure_ascii=False))

    def refused(self, refusal: Refusal) -> None:
        """A call refused for its peer's share (timebank.shares), as an event."""
        self.record(refusal.reason, refusal.peer, refusal.detail or f"{refusal.method}: refused ({refusal.reason})")

    def flush(self, engine: Engine) -> int:
        """Writes the windows that changed since the last flush; forgets closed ones. How many."""
        now = self._clock.now_micros()
        with self._lock:
            changed = [self._pending.windows[key] for key in sorted(self._pending.changed)]
            self._pending.changed.clear()
            window_micros = WINDOW_SECONDS * 1_000_000
            for key in [k for k in self._pending.windows if k[2] + window_micros <= now]:
                if key not in self._pending.changed:
                    del self._pending.windows[key]
        if changed:
            try:
                with write_transaction(engine) as connection:
                    for window in changed:
                        _upsert(connection, window)
            except Exception:
                with self._lock:  # written at the next flush instead
                    for window in changed:
                        key = (window.kind, window.peer, window.window_start_micros)
                        self._pending.windows.setdefault(key, window)
                        self._pending.changed.add(key)
                raise
        return len(changed)

    def _counted(self, peer: str) -> str:
        if peer in self._counted_peers:
            return peer
        if len(self._counted_peers) >= PEERS_COUNTED_MAX:
            return OTHER_PEERS
        self._counted_peers.add(peer)
        return peer


def _upsert(connection: Connection, window: EventWindow) -> None:
    table = security_events.c
    where = (
        (table.kind == window.kind)
        & (table.peer == window.peer)
        & (table.window_start_micros == window.window_start_micros)
    )
    values = {"last_at_micros": window.last_at_micros, "occurrences": window.occurrences}
    updated = connection.execute(update(security_events).where(where).values(**values))
    if updated.rowcount == 0:
        connection.execute(insert(security_events).values(**window.__dict__))


def read(connection: Connection, kind: str | None = None, limit: int = 200) -> list[EventWindow]:
    """The latest windows, newest first (of one kind when given)."""
    query = select(security_events).order_by(security_events.c.first_at_micros.desc()).limit(limit)
    if kind is not None:
        query = query.where(security_events.c.kind == kind)
    return [
        EventWindow(
            row.kind,
            row.peer,
            row.window_start_micros,
            row.first_at_micros,
            row.last_at_micros,
            row.occurrences,
            row.detail,
            None if row.evidence is None else bytes(row.evidence),
        )
        for row in connection.execute(query)
    ]


class SecurityEventsCollector:
    """`timebank_security_events_total{kind,peer}` at scrape time."""

    def __init__(self, events: SecurityEvents) -> None:
        self._events = events

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "timebank_security_events",
            "Security events since the clearinghouse started, by kind and TLS peer "
            "(see `timebank clearinghouse events`).",
            labels=["kind", "peer"],
        )
        for (kind, peer), count in sorted(self._events.counts.items()):
            family.add_metric([kind, peer], count)
        yield family
