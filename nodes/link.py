"""The node's link to the clearinghouse: two loops that carry items both ways.

Owns the transport of the cross-node protocol for one node: a sender loop that wakes
when the outbox has items (or acknowledgements are due) and delivers them in signed
batches, and a poller loop that holds one long-poll Exchange open so the
clearinghouse's items arrive at once (the poll itself carries nothing). LinkProtocol
seals each batch and accepts each answer; ClearinghouseLink carries them over gRPC.
Every call has a deadline; a failed call (an unknown outcome included) is retried with
the same items after a bounded exponential backoff with jitter, never guessed at. Every
answer is verified (signature by a current clearinghouse key, addressed to this node,
fresh, Merkle root) before its items are applied.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nodes.crossing import Crossing
from timebank import failpoints
from timebank.clock import Clock
from timebank.envelope import open_batch, seal
from timebank.errors import TimebankError
from timebank.logentries import ReceivedBatch
from timebank.protocol import CLEARINGHOUSE_ID, ack_item, encode_item, query_item
from timebank.signing import KeyRing
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

__all__ = [
    "ACK_DELAY_SECONDS",
    "ACKS_MAX",
    "ClearinghouseLink",
    "LinkProtocol",
    "LinkSettings",
    "QUERY_ITEMS_MAX",
    "Request",
    "STOPPED_POLL_SECONDS",
]

log = logging.getLogger(__name__)
QUERY_ITEMS_MAX = 1_000
ACKS_MAX = 8_000
STOPPED_POLL_SECONDS = 1.0
ACK_DELAY_SECONDS = 0.05  # acknowledgements with nothing else to send wait this long for company


@dataclass(frozen=True)
class LinkSettings:
    exchange_deadline_seconds: float
    batch_items_max: int
    retry_backoff_max_seconds: float
    query_after_micros: int
    clock_skew_micros_max: int
    server_party: str = CLEARINGHOUSE_ID


@dataclass(frozen=True)
class Request:
    """A signed batch for the clearinghouse, with what the answer is checked against."""

    batch: cpb.SignedBatch
    seen_checkpoint: tuple[int, bytes]  # the checkpoint named in the header: the proof starts there
    acks: list[int]  # the acknowledgements it carries: given back if no answer comes


class LinkProtocol:
    """The node's side of one exchange, with no transport: seal a batch, accept the answer.

    ClearinghouseLink carries these over gRPC; the simulator (city.sim) carries them
    over its own network, so both run the same checks in the same order.
    """

    def __init__(
        self,
        crossing: Crossing,
        node_id: str,
        signing_key: Ed25519PrivateKey,
        key_ring: KeyRing,
        settings: LinkSettings,
        clock: Clock,
        random_bytes: Callable[[int], bytes],
    ) -> None:
        self.crossing = crossing
        self.node_id = node_id
        self.signing_key = signing_key
        self.key_ring = key_ring
        self.settings = settings
        self.clock = clock
        self.random_bytes = random_bytes
        self._acks: list[int] = []
        self._acks_lock = threading.Lock()
        self._nonce = 0

    def items_to_send(self) -> list[bytes]:
        """Outbox items not yet acknowledged, and queries about legs held too long."""
        return self.crossing.outgoing(self.settings.batch_items_max - 2) + self._queries()

    def acks_waiting(self) -> bool:
        with self._acks_lock:
            return bool(self._acks)

    def request(self, items: list[bytes], *, with_acks: bool) -> Request:
        """A signed batch of items (plus the acknowledgements due, when with_acks)."""
        acks = self._take_acks() if with_acks else []
        if acks:
            items = [*items, encode_item(ack_item(tuple(acks), self._next_nonce()))]
        seen = self.crossing.witness.seen()
        batch = seal(
            self.node_id,
            self.settings.server_party,
            items,
            self.signing_key,
            batch_id=self.random_bytes(16),
            created_at_micros=self.clock.now_micros(),
            seen_checkpoint=seen,
        )
        return Request(batch, seen, acks)

    def failed(self, request: Request) -> None:
        """No answer came (an unknown outcome): its acknowledgements go out again later."""
        if request.acks:
            with self._acks_lock:
                self._acks[:0] = request.acks

    def accept(self, request: Request, response: cpb.SignedBatch) -> int:
        """Verifies the answer, checks the checkpoint it carries, applies its items;
        returns how many acknowledgements it queued (the sender loop sends them)."""
        opened = open_batch(
            response,
            self.key_ring,
            expected_recipient=self.node_id,
            now_micros=self.clock.now_micros(),
            skew_micros_max=self.settings.clock_skew_micros_max,
            expected_sender=self.settings.server_party,
            items_max=2 * self.settings.batch_items_max + 8_000,
        )
        self.crossing.witness.observe(response.checkpoint, response.consistency_proof, request.seen_checkpoint)
        if opened.items:
            failpoints.hit("node.answer-verified")
        received = ReceivedBatch(response.header, response.key_id, response.signature)
        acknowledge = self.crossing.receive(list(opened.items), received)
        if opened.items:
            failpoints.hit("node.answer-applied")
        if acknowledge:
            with self._acks_lock:
                self._acks.extend(acknowledge)
        return len(acknowledge)

    def _queries(self) -> list[bytes]:
        before = self.clock.now_micros() - self.settings.query_after_micros
        held = self.crossing.held_before(before, QUERY_ITEMS_MAX)
        return [encode_item(query_item(tuple(held), self._next_nonce()))] if held else []

    def _take_acks(self) -> list[int]:
        with self._acks_lock:
            taken, self._acks = self._acks[:ACKS_MAX], self._acks[ACKS_MAX:]
        return taken

    def _next_nonce(self) -> int:
        self._nonce += 1
        return int.from_bytes(self.random_bytes(8), "big") ^ self._nonce


class ClearinghouseLink:
    """Two loops that carry LinkProtocol's batches over a gRPC channel."""

    def __init__(
        self,
        protocol: LinkProtocol,
        channel: grpc.Channel,
        jitter: random.Random,
        renew_channel: Callable[[], grpc.Channel] | None = None,
    ) -> None:
        self.protocol = protocol
        self.crossing = protocol.crossing
        self.settings = protocol.settings
        self.channel = channel
        self.stub = cpb_grpc.ClearinghouseStub(channel)
        # With several clearinghouse addresses: how to open the channel afresh (see _renew).
        self._renew_channel = renew_channel
        self._channel_lock = threading.Lock()
        self.jitter = jitter
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(self._send_once,), name="link-sender", daemon=True),
            threading.Thread(target=self._loop, args=(self._poll_once,), name="link-poller", daemon=True),
        ]
        # Counted from both loops: a lock, so no increment is lost.
        self._counts = threading.Lock()
        self.exchanges = 0
        self.failures = 0

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stops both loops; closing the channel cancels a call in flight (it is retried
        with the same items at the next start, so nothing is lost)."""
        self._stopping.set()
        self._wake.set()
        self.channel.close()
        for thread in self._threads:
            thread.join(timeout=self.settings.exchange_deadline_seconds + 5)

    def _count_failure(self) -> None:
        with self._counts:
            self.failures += 1

    def wake(self) -> None:
        """Something waits in the outbox: send now rather than at the next tick."""
        self._wake.set()

    # -- the loops --------------------------------------------------------------------------

    def _loop(self, once: Callable[[], bool]) -> None:
        backoff = 0.05
        while not self._stopping.is_set():
            try:
                once()
                backoff = 0.05
            except (grpc.RpcError, TimebankError, ValueError) as error:
                if self._stopping.is_set():
                    return  # the channel was closed to stop: not a failure
                self._count_failure()
                if isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    self._renew()
                detail = error.details() if isinstance(error, grpc.RpcError) else str(error)  # ValueError: closed
                log.warning("exchange with the clearinghouse failed, retrying: %s", detail)
                delay = min(backoff, self.settings.retry_backoff_max_seconds)
                self._stopping.wait(delay * (0.5 + self.jitter.random()))
                backoff *= 2
            except Exception:  # keep the link alive; the failure is logged with its trace
                self._count_failure()
                log.exception("the clearinghouse link failed unexpectedly, retrying")
                self._stopping.wait(self.settings.retry_backoff_max_seconds)

    def _renew(self) -> None:
        """A new channel, after a call timed out, when there are several addresses.

        A clearinghouse that is paused or cut off still looks connected and SERVING to the
        channel that knew it, so calls keep going there and time out; a channel opened afresh
        routes only to the addresses that complete a handshake and say SERVING.
        """
        if self._renew_channel is None or self._stopping.is_set():
            return
        with self._channel_lock:
            old, self.channel = self.channel, self._renew_channel()
            self.stub = cpb_grpc.ClearinghouseStub(self.channel)
        log.warning("an exchange timed out: opening the channel to the clearinghouse addresses afresh")
        old.close()

    def _stopped_by_alarm(self) -> bool:
        """A split view stops every exchange; the loops idle until an operator clears it."""
        reason = self.crossing.witness.stop_reason()
        if reason:
            self._stopping.wait(STOPPED_POLL_SECONDS)
        return bool(reason)

    def _send_once(self) -> bool:
        self._wake.wait(timeout=1.0)
        self._wake.clear()
        if self._stopped_by_alarm():
            return False
        items = self.protocol.items_to_send()
        if not items and self.protocol.acks_waiting():
            # Acknowledgements alone are not urgent (the clearinghouse redelivers only after
            # seconds): they wait a moment for items to travel with, saving an exchange.
            self._wake.wait(timeout=ACK_DELAY_SECONDS)
            self._wake.clear()
            items = self.protocol.items_to_send()
        if not items and not self.protocol.acks_waiting():
            return False
        self._exchange(items, with_acks=True)
        return True

    def _poll_once(self) -> bool:
        """One empty Exchange, which the clearinghouse holds open until it has mail for us.

        Acknowledgements are left to the sender loop (woken when they are queued), so an
        answer's acknowledgements and the votes it causes travel in one batch.
        """
        if self._stopped_by_alarm():
            return False
        self._exchange([], with_acks=False)
        return True

    def _exchange(self, items: list[bytes], *, with_acks: bool) -> None:
        request = self.protocol.request(items, with_acks=with_acks)
        log.debug("exchange: sending %d items", len(request.batch.items))
        try:
            response = self.stub.Exchange(request.batch, timeout=self.settings.exchange_deadline_seconds)
        except BaseException:
            self.protocol.failed(request)
            raise
        log.debug("exchange: received %d items", len(response.items))
        with self._counts:
            self.exchanges += 1
        try:
            queued = self.protocol.accept(request, response)
        except BaseException:
            self.protocol.failed(request)
            raise
        if queued:
            self._wake.set()
