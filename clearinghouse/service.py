"""The Clearinghouse gRPC servicer: open the signed batch, coordinate, seal the answer.

Owns the order of the checks every Exchange goes through before anything is parsed
into state: the TLS peer's identity, the batch's signature by a current key of that
very party, recipient, freshness and Merkle root (timebank.envelope), the node's
standing, replay, and the clearinghouse checkpoint the node last verified (it must be
a checkpoint of this very log, or someone showed the node a forged or forked history).
Then the coordinator applies and logs the items in one transaction, and the answer is
sealed with the clearinghouse's key, with the latest checkpoint and the consistency
proof from the node's checkpoint to it beside the signed header. The servicers read and
write only through the domain modules (registry, checkpoints, coordinator, reports), and
build the wire messages of what those return.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import checkpoints, leaves, registry, reports, security, timeline
from clearinghouse.coordinator import Coordinator
from clearinghouse.records import AUDITOR_PARTY, BUREAU_PARTY, ReceivedHeader
from clearinghouse.sightings import Sightings
from timebank import alarms, ids, pki
from timebank.clock import Clock
from timebank.envelope import open_batch, seal
from timebank.errors import BatchTooLarge, TimebankError, VerificationError
from timebank.grpc_status import translate_errors
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.storage.engine import read_transaction
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

__all__ = [
    "AUDITOR_PARTY",
    "BUREAU_PARTY",
    "ClearinghouseService",
    "ExchangeSettings",
    "Handled",
    "ROOTS_REMEMBERED_MAX",
    "SettlementService",
]

log = logging.getLogger(__name__)
ROOTS_REMEMBERED_MAX = 1_024


@dataclass(frozen=True)
class ExchangeSettings:
    batch_items_max: int
    clock_skew_micros_max: int
    long_poll_seconds: float
    insecure: bool = False


@dataclass(frozen=True)
class Handled:
    """A node's batch, applied: who sent it, the checkpoint it named, the items to answer."""

    sender_id: str
    seen_checkpoint_size: int
    answer: list[bytes]
    poll: bool  # the batch carried no items: the answer may wait for mail


class ClearinghouseService(cpb_grpc.ClearinghouseServicer):
    def __init__(
        self,
        coordinator: Coordinator,
        signing_key: Ed25519PrivateKey,
        settings: ExchangeSettings,
        clock: Clock,
        random_bytes: Callable[[int], bytes],
        sightings: Sightings | None = None,
        events: security.SecurityEvents | None = None,
    ) -> None:
        self.coordinator = coordinator
        self.events = events or security.SecurityEvents(clock)
        self.sightings = sightings or Sightings()
        self.signing_key = signing_key
        self.settings = settings
        self.clock = clock
        self.random_bytes = random_bytes
        self._key_ring = registry.KeyRingCache(coordinator.books.engine)
        self._active = 0
        self._idle = threading.Condition()
        # Consistency proofs by (old size, new size): every node asks for the same few.
        self._proofs: dict[tuple[int, int], list[bytes]] = {}
        # Roots of this log at the sizes nodes named, once checked.
        self._roots: dict[int, bytes] = {}

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
        peer = None if self.settings.insecure else pki.peer_party(context)
        try:
            handled = self.handle(request, peer)
        except TimebankError as error:
            self._record_refusal(request, peer or str(context.peer()), error)
            raise
        answer = handled.answer
        # Only an empty batch is a poll: a node sending items (even only acknowledgements)
        # must get its answer at once, or what it queues meanwhile waits out the poll.
        if not answer and handled.poll and _wait_allowed(context, self.settings.long_poll_seconds):
            answer = self.coordinator.wait_for_mail(handled.sender_id, self.settings.long_poll_seconds)
        return self.seal_reply(handled, answer)

    def _record_refusal(self, request: cpb.SignedBatch, peer: str, error: TimebankError) -> None:
        kind = security.kind_of(error)
        evidence = None
        if kind == "split_view_claim":  # the claim as its node signed it: attributable to the signer
            signed = cpb.SignedBatch(header=request.header, key_id=request.key_id, signature=request.signature)
            evidence = signed.SerializeToString()
        self.events.record(kind, peer, str(error), evidence)

    def handle(self, request: cpb.SignedBatch, peer: str | None) -> Handled:
        """Opens and checks a node's batch and applies its items; what to answer.

        peer: the party the transport authenticated (None: not checked). Transport-free:
        the gRPC servicer and the simulator (city.sim) both call it.
        """
        if len(request.items) > self.settings.batch_items_max:
            raise BatchTooLarge(
                f"items: got {len(request.items)}, want at most {self.settings.batch_items_max} per batch"
            )
        ring = self._key_ring.current()
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
        self._check_seen_checkpoint(header)
        received = ReceivedHeader(request.header, request.key_id, request.signature)
        answer = self.coordinator.exchange(
            header.sender_id, header.batch_id, header.created_at_micros, opened.items, received
        )
        self.sightings.saw(header.sender_id, self.clock.now_micros(), header.seen_checkpoint_size)
        return Handled(header.sender_id, header.seen_checkpoint_size, answer, poll=not opened.items)

    def seal_reply(self, handled: Handled, answer: list[bytes]) -> cpb.SignedBatch:
        """The signed answer, with the latest checkpoint and the proof from the node's one."""
        reply = seal(
            CLEARINGHOUSE_ID,
            handled.sender_id,
            answer,
            self.signing_key,
            batch_id=self.random_bytes(16),
            created_at_micros=self.clock.now_micros(),
        )
        self._attach_checkpoint(reply, handled.seen_checkpoint_size)
        return reply

    def _check_seen_checkpoint(self, header: cpb.BatchHeader) -> None:
        """The node's latest verified checkpoint of this log must be one this log signed."""
        size, root = header.seen_checkpoint_size, bytes(header.seen_checkpoint_root)
        if size == 0 or self._roots.get(size) == root:
            return
        found = checkpoints.root_at(self.coordinator.books.engine, size)
        log_size, ours = found.log_size, found.root
        if ours == root:
            if len(self._roots) >= ROOTS_REMEMBERED_MAX:
                self._roots.clear()
            self._roots[size] = root  # the log is append-only: a root at a size never changes
            return
        detail = (
            f"node {header.sender_id} verified a clearinghouse checkpoint of size {size} and root "
            f"{root.hex()[:16]}… that this log does not have (its size is {log_size}"
            + (f", its root at that size {ours.hex()[:16]}…)" if ours else ")")
        )
        alarms.raise_alarm(self.coordinator.books.engine, alarms.SPLIT_VIEW, detail, self.clock.now_micros())
        log.error("split view: %s", detail)
        raise VerificationError(f"seen_checkpoint_root: {detail}; refused until the bureau investigates")

    def _attach_checkpoint(self, reply: cpb.SignedBatch, seen_size: int) -> None:
        latest = checkpoints.latest_checkpoint(
            self.coordinator.books.engine, seen_size, lambda old, new: self._proofs.get((old, new))
        )
        if latest is None:
            return  # none yet, or the node saw a newer one (answers crossed): nothing to prove
        key = (seen_size, latest.size)
        if key not in self._proofs:
            self._proofs = {key: latest.proof, **dict(list(self._proofs.items())[:63])}
        reply.checkpoint.CopyFrom(latest.checkpoint)
        reply.consistency_proof.extend(latest.proof)


def _wait_allowed(context: grpc.ServicerContext, long_poll_seconds: float) -> bool:
    """Long-poll only when the caller's deadline leaves room for it and an answer."""
    remaining = context.time_remaining()
    return remaining is None or remaining > long_poll_seconds + 0.5


class SettlementService(cpb_grpc.SettlementServicer):
    """The bureau's calls: close the open cycle, fetch a cycle's signed reconciliation report."""

    def __init__(self, coordinator: Coordinator, signing_key: Ed25519PrivateKey, insecure: bool) -> None:
        self.coordinator = coordinator
        self.signing_key = signing_key
        self.insecure = insecure

    def _require_party(self, context: grpc.ServicerContext, allowed: tuple[str, ...]) -> None:
        if not self.insecure:
            pki.require_peer(context, allowed)

    @translate_errors
    def CloseCycle(self, request: cpb.CloseCycleRequest, context: grpc.ServicerContext) -> cpb.CloseCycleResponse:
        self._require_party(context, (BUREAU_PARTY,))
        closed = self.coordinator.close_cycle()
        return cpb.CloseCycleResponse(cycle_close=None if closed is None else leaves.cycle_close_message(closed))

    @translate_errors
    def GetCrossTransfer(
        self, request: cpb.GetCrossTransferRequest, context: grpc.ServicerContext
    ) -> cpb.CrossTransferTimeline:
        self._require_party(context, (BUREAU_PARTY, AUDITOR_PARTY))
        transfer_id = ids.from_bytes(request.transfer_id, "transfer_id")
        with read_transaction(self.coordinator.books.engine) as connection:
            return _timeline_message(timeline.timeline(connection, transfer_id))

    @translate_errors
    def GetReconReport(self, request: cpb.ReconReportRequest, context: grpc.ServicerContext) -> cpb.ReconReport:
        self._require_party(context, (BUREAU_PARTY, AUDITOR_PARTY))
        books = self.coordinator.books
        cycle_id = request.cycle_id or reports.latest_cycle(books)
        written = reports.make(books, self.signing_key, cycle_id, self.coordinator.clock.now_micros())
        return cpb.ReconReport(
            cycle_id=cycle_id,
            json=written.json_bytes,
            csv=written.csv_text,
            html=written.html_text,
            key_id=written.key_id,
            signature=written.signature,
            break_count=len(written.report.breaks),
        )


def _timeline_message(found: timeline.Timeline) -> cpb.CrossTransferTimeline:
    record = found.record
    return cpb.CrossTransferTimeline(
        transfer_id=ids.to_bytes(record.transfer_id),
        debit_node_id=record.debit_node_id,
        credit_node_id=record.credit_node_id,
        originator_node_id=record.originator_node_id,
        amount_minutes=record.amount_minutes,
        state=str(record.state),
        reason=record.reason,
        prepared_at_micros=record.prepared_at_micros,
        expires_at_micros=record.expires_at_micros,
        decided_at_micros=record.decided_at_micros or 0,
        cycle_id=record.cycle_id or 0,
        prepare_log_index=-1 if record.prepare_log_index is None else record.prepare_log_index,
        decision_log_index=-1 if record.decision_log_index is None else record.decision_log_index,
        returns_id=ids.to_bytes(record.returns_id),
        steps=[
            cpb.TimelineStep(at_micros=s.at_micros, party=s.party, what=s.what, detail=s.detail) for s in found.steps
        ],
    )
