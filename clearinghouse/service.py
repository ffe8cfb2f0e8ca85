"""The Clearinghouse gRPC servicer: open the signed batch, coordinate, seal the answer.

Owns the order of the checks every Exchange goes through before anything is parsed
into state: the TLS peer's identity, the batch's signature by a current key of that
very party, recipient, freshness and Merkle root (timebank.envelope), the node's
standing, and replay. Then the coordinator applies the items in one transaction, and
the answer is sealed with the clearinghouse's key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import registry
from clearinghouse.coordinator import Coordinator
from timebank import pki
from timebank.clock import Clock
from timebank.envelope import open_batch, seal
from timebank.errors import BatchTooLarge
from timebank.grpc_status import translate_errors
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExchangeSettings:
    batch_items_max: int
    clock_skew_micros_max: int
    long_poll_seconds: float
    insecure: bool = False


class ClearinghouseService(cpb_grpc.ClearinghouseServicer):
    def __init__(
        self,
        coordinator: Coordinator,
        signing_key: Ed25519PrivateKey,
        settings: ExchangeSettings,
        clock: Clock,
        random_bytes: Callable[[int], bytes],
    ) -> None:
        self.coordinator = coordinator
        self.signing_key = signing_key
        self.settings = settings
        self.clock = clock
        self.random_bytes = random_bytes
        self._active = 0
        self._idle = threading.Condition()

    def wait_idle(self, timeout_seconds: float) -> bool:
        """Waits until no Exchange is running (after the server stopped taking new ones)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout_seconds)

    def Exchange(self, request: cpb.SignedBatch, context: grpc.ServicerContext) -> cpb.SignedBatch:
        with self._idle:
            self._active += 1
        try:
            return self._exchange(request, context)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    @translate_errors
    def _exchange(self, request: cpb.SignedBatch, context: grpc.ServicerContext) -> cpb.SignedBatch:
        if len(request.items) > self.settings.batch_items_max:
            raise BatchTooLarge(
                f"items: got {len(request.items)}, want at most {self.settings.batch_items_max} per batch"
            )
        peer = None if self.settings.insecure else pki.peer_party(context)
        with self.coordinator.books.engine.connect() as connection:
            ring = registry.key_ring(connection)
        opened = open_batch(
            request,
            ring,
            expected_recipient=CLEARINGHOUSE_ID,
            now_micros=self.clock.now_micros(),
            skew_micros_max=self.settings.clock_skew_micros_max,
            expected_sender=peer,
            items_max=self.settings.batch_items_max,
        )
        header = opened.header
        answer = self.coordinator.exchange(header.sender_id, header.batch_id, header.created_at_micros, opened.items)
        # Only an empty batch is a poll: a node sending items (even only acknowledgements)
        # must get its answer at once, or what it queues meanwhile waits out the poll.
        if not answer and not opened.items and _wait_allowed(context, self.settings.long_poll_seconds):
            answer = self.coordinator.wait_for_mail(header.sender_id, self.settings.long_poll_seconds)
        return seal(
            CLEARINGHOUSE_ID,
            header.sender_id,
            answer,
            self.signing_key,
            batch_id=self.random_bytes(16),
            created_at_micros=self.clock.now_micros(),
        )


def _wait_allowed(context: grpc.ServicerContext, long_poll_seconds: float) -> bool:
    """Long-poll only when the caller's deadline leaves room for it and an answer."""
    remaining = context.time_remaining()
    return remaining is None or remaining > long_poll_seconds + 0.5
