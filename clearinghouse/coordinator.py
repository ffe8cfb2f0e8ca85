"""The clearinghouse's two-phase commit: the single, durable decision point.

Owns the entry points of the coordinator and their transactions, one per batch: a node's
exchange (its standing, replay, the batch and its items logged, each item handled once by
`clearinghouse.items`, the answers and the node's mail returned), the delivery of mail and
the wakeup of long polls when mail arrives, the close of a settlement cycle (logged, and
every node told) and the expiry sweep. Batches are decided one at a time (one active
writer); each is collected in a `clearinghouse.batch.Batch` and written at its end.

A prepare is checked, given an expiry by this clock, held in the clearinghouse's own books
(one account per node) and forwarded; a vote leads to COMMIT (only before the expiry) or
ABORT, recorded before anyone is told; decisions go to both nodes until acknowledged;
queries are answered, and an id never seen is ABORTed on the spot. The expiry sweeper
ABORTs what nobody decided in time.

Invariant kept: the clearinghouse's books mirror the nodes' clearing accounts. Each
node's account here is the exact negative of the node's own clearing account once
both have applied the decision; all node accounts here sum to zero.
Must not: write SQL (the stores do), know gRPC; the log leaves come from clearinghouse.leaves.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection

from clearinghouse import leaves, registry, settlement
from clearinghouse.batch import Batch, accepted, refused, write
from clearinghouse.items import decisions, homes, recalls, resync
from clearinghouse.items.prepare import prepare
from clearinghouse.records import ClosedCycle, ProcessedItem, ReceivedHeader
from clearinghouse.store import mail as mail_store
from clearinghouse.store import registry as registry_store
from clearinghouse.store import supervision as supervision_store
from timebank import failpoints, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import NotFound, RequestInvalid, StorageUnavailable, VerificationError
from timebank.protocol import (
    Ack,
    CycleClosed,
    HomeClaim,
    Item,
    Prepare,
    Query,
    Recall,
    RecallAnswer,
    Resync,
    StatementPage,
    SupervisionReport,
    Vote,
    cycle_closed_item,
    decode_item,
    encode_item,
)

__all__ = ["Coordinator", "MAILBOX_ITEMS_MAX", "Settings", "SWEEP_BATCH_MAX"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAILBOX_ITEMS_MAX = 4_096
SWEEP_BATCH_MAX = 1_000


@dataclass(frozen=True)
class Settings:
    prepare_ttl_micros: int = 30_000_000
    mailbox_items_max: int = MAILBOX_ITEMS_MAX
    # Batch ids older than this are forgotten: the freshness check refuses such batches anyway.
    replay_window_micros: int = 600_000_000
    # An item sent to a node and not acknowledged within this is sent again.
    redelivery_micros: int = 5_000_000
    # Settlement cycles close at multiples of this length (the clearinghouse's clock).
    cycle_micros: int = 3_600_000_000


@dataclass(frozen=True)
class _Answers:
    items: list[bytes]
    recipients: frozenset[str]  # the nodes this batch put mail in the outbox for


class _MailSignal:
    """Wakes long polls when mail arrives for them.

    Counts deliveries of mail per recipient (and to everyone): a long poll waits for its
    own count to change, so a notice that arrives between its check of the mailbox and its
    wait is not lost, and mail for one node does not send every other node's poll back to
    the database. A node holds one long poll at a time: a new one replaces the one it
    holds, which returns at once (empty), so no node can keep the server's threads waiting.
    """

    def __init__(self) -> None:
        self._arrived = threading.Condition()
        self._generation: dict[str, int] = {}
        self._to_everyone = 0
        self._polls: dict[str, int] = {}  # node -> the ticket of the poll it holds
        self.polls_replaced: Counter[str] = Counter()
        self.closed = False

    def close(self) -> None:
        self.closed = True
        with self._arrived:
            self._arrived.notify_all()

    def announce(self, recipients: Collection[str] | None = None) -> None:
        """Wakes the long polls of recipients (of every node when None)."""
        with self._arrived:
            if recipients is None:
                self._to_everyone += 1
            else:
                for node_id in recipients:
                    self._generation[node_id] = self._generation.get(node_id, 0) + 1
            self._arrived.notify_all()

    def count(self, node_id: str) -> tuple[int, int]:
        with self._arrived:
            return self._count(node_id)

    def _count(self, node_id: str) -> tuple[int, int]:
        return self._generation.get(node_id, 0), self._to_everyone

    def wait(self, node_id: str, seen: tuple[int, int], timeout_seconds: float) -> bool:
        """Until mail for the node arrives after seen, the signal closes, the timeout, or a
        newer poll of the same node replaces this one (then False: answer empty, at once)."""
        with self._arrived:
            ticket = self._polls.get(node_id, 0) + 1
            self._polls[node_id] = ticket
            self._arrived.notify_all()  # the poll this one replaces returns

            def done() -> bool:
                return self.closed or self._count(node_id) != seen or self._polls[node_id] != ticket

            self._arrived.wait_for(done, timeout_seconds)
            if self._polls[node_id] != ticket:
                self.polls_replaced[node_id] += 1
                return False
            del self._polls[node_id]
            return True


class Coordinator:
    def __init__(self, books: Books, clock: Clock, settings: Settings | None = None) -> None:
        self.books = books
        self.clock = clock
        self.settings = settings or Settings()
        self._mail = _MailSignal()
        # The clearinghouse is one active writer: batches are decided one at a time.
        self._writer = threading.Lock()

    def close(self) -> None:
        """Refuses new exchanges and wakes every long poll, before the server stops."""
        self._mail.close()

    def _refuse_if_closed(self) -> None:
        if self._mail.closed:
            raise StorageUnavailable("the clearinghouse is shutting down; retry shortly")

    # -- the exchange ---------------------------------------------------------------------

    def exchange(
        self,
        sender_id: str,
        batch_id: bytes,
        created_at_micros: int,
        items: Sequence[bytes],
        received: ReceivedHeader | None = None,
    ) -> list[bytes]:
        """Applies a verified node's batch; returns the items to send back to it.

        received is the batch as signed (header, key id, signature): logged with its items.
        """
        self._refuse_if_closed()
        with self._writer:
            answers = self.books.write(
                lambda connection: self._apply(connection, sender_id, batch_id, created_at_micros, items, received)
            )
            if items:
                failpoints.hit("clearinghouse.batch-applied")
        if answers.recipients:
            self._mail.announce(answers.recipients)
        return answers.items

    def wait_for_mail(self, node_id: str, timeout_seconds: float) -> list[bytes]:
        """Items due to a node; waits up to timeout_seconds for new mail if there is none."""
        seen = self._mail.count(node_id)
        if self._mail.closed:
            return []
        items = self.mailbox(node_id)
        if items or timeout_seconds <= 0:
            return items
        current = self._mail.wait(node_id, seen, timeout_seconds)
        return [] if self._mail.closed or not current else self.mailbox(node_id)

    def polls_replaced(self) -> dict[str, int]:
        """Long polls each node replaced with a newer one (the old answered empty at once)."""
        return dict(self._mail.polls_replaced)

    def mailbox(self, node_id: str) -> list[bytes]:
        """Items due to a node: never sent, or sent and not acknowledged in time. Marks them sent."""
        with self._writer:
            return self.books.write(lambda connection: self._deliver(connection, node_id))

    def _deliver(self, connection: Connection, node_id: str) -> list[bytes]:
        return mail_store.deliver(
            connection,
            node_id,
            self.settings.mailbox_items_max,
            self.clock.now_micros(),
            self.settings.redelivery_micros,
        )

    def _apply(
        self,
        connection: Connection,
        sender_id: str,
        batch_id: bytes,
        created_at_micros: int,
        items: Sequence[bytes],
        received: ReceivedHeader | None,
    ) -> _Answers:
        batch = Batch(connection, self.clock.now_micros())
        log.debug("batch from %s: %d items", sender_id, len(items))
        registry.require_active(connection, sender_id)
        _refuse_replay(connection, sender_id, batch_id, created_at_micros)
        first_item_index = self._log_received(batch, items, received)
        decoded = [_decode(data) for data in items]
        seen = mail_store.processed_answers(connection, sender_id, [item.item_id for item in decoded if item])
        batch.prefetch(_transfer_ids(item for item in decoded if item))
        processed: list[ProcessedItem] = []
        for position, (data, item) in enumerate(zip(items, decoded, strict=True)):
            batch.item_log_index = None if first_item_index is None else first_item_index + position
            if item is None:
                batch.answers.append(refused(_raw_id(data), "item: not a timebank.v1.Item"))
                continue
            if item.item_id in seen:
                answer = seen[item.item_id]
                if answer is not None:
                    batch.answers.append(answer)
                continue
            receipt = self._handle(batch, sender_id, item)
            seen[item.item_id] = receipt
            processed.append(ProcessedItem(sender_id, item.item_id, batch.now_micros, receipt))
            if receipt is not None:
                batch.answers.append(receipt)
        mail_store.insert_processed(connection, processed)
        write(batch, self.books)
        mail = self._deliver(connection, sender_id)
        return _Answers(
            [encode_item(item) for item in batch.answers] + mail, frozenset(node_id for node_id, _ in batch.mailbox)
        )

    def _log_received(self, batch: Batch, items: Sequence[bytes], received: ReceivedHeader | None) -> int | None:
        """Logs the signed batch and its items (locking the log); returns the first item's index."""
        batch.begin_logged(self.settings.cycle_micros)
        if not items or received is None:
            return None
        return translog.record(batch.connection, leaves.received(received, items), batch.now_micros) + 1

    def _handle(self, batch: Batch, sender_id: str, item: Item) -> Item | None:
        body = item.body
        try:
            if isinstance(body, Prepare):
                return prepare(batch, sender_id, item.item_id, body, ttl_micros=self.settings.prepare_ttl_micros)
            if isinstance(body, Vote):
                return decisions.vote(batch, sender_id, item.item_id, body)
            if isinstance(body, Ack):
                mail_store.acknowledge(batch.connection, sender_id, body.item_ids, batch.now_micros)
                return None
            if isinstance(body, Query):
                decisions.query(batch, sender_id, body)
                return None
            if isinstance(body, Recall):
                return recalls.recall(batch, sender_id, item.item_id, body)
            if isinstance(body, RecallAnswer):
                return recalls.recall_answer(batch, sender_id, item.item_id, body)
            if isinstance(body, Resync):
                resync.resync(batch, sender_id, item.item_id, body.since_micros)
                return accepted(item.item_id)
            if isinstance(body, StatementPage):
                settlement.record_statement(batch.connection, sender_id, body.signed, batch.now_micros)
                return accepted(item.item_id)
            if isinstance(body, HomeClaim):
                return homes.claim_home(batch, sender_id, item.item_id, body)
            if isinstance(body, SupervisionReport):
                supervision_store.keep_report(
                    batch.connection, sender_id, body.as_of_micros, body.report, batch.now_micros
                )
                return accepted(item.item_id)
            raise RequestInvalid(f"item: a node does not send {type(body).__name__} items")
        except (RequestInvalid, NotFound, VerificationError) as error:
            return refused(item.item_id, str(error))

    # -- cycles and expiry ------------------------------------------------------------------

    def close_cycle(self, *, scheduled: bool = False) -> ClosedCycle | None:
        """Closes the open cycle now (the bureau's unscheduled close), or, when scheduled,
        only if its cut-off has passed. Returns what was closed and logged, or None."""
        return self.in_batch(lambda batch: self._close_cycle(batch, scheduled), announce=lambda closed: bool(closed))

    def _close_cycle(self, batch: Batch, scheduled: bool) -> ClosedCycle | None:
        connection = batch.connection
        assert batch.cycle is not None
        if scheduled and batch.now_micros < batch.cycle.closes_at_micros:
            return None
        closed = settlement.close(
            connection, batch.cycle, batch.now_micros, self.settings.cycle_micros, scheduled=scheduled
        )
        index = translog.record(connection, [leaves.cycle_close(closed)], batch.now_micros)
        settlement.mark_logged(connection, closed.cycle_id, index)
        counts = {p.node_id: p.debit_count + p.credit_count for p in closed.positions}
        for node_id in registry_store.node_ids(connection):
            previous = closed.cycle_id - 1 if _was_told(connection, node_id, closed.cycle_id - 1) else 0
            notice = CycleClosed(closed.cycle_id, batch.now_micros, counts.get(node_id, 0), previous)
            batch.mailbox.append((node_id, cycle_closed_item(notice)))
        log.info("closed settlement cycle %d at log index %d", closed.cycle_id, index)
        return closed

    def in_batch(self, work: Callable[[Batch], T], announce: Callable[[T], bool] = lambda _: True) -> T:
        """Runs work in a logged batch of its own (the open cycle read once the log's head is
        locked), writes what the batch changed, and wakes the mail when announce says the
        result sent something: a change the bureau asked for, a cycle's close, the sweep."""
        self._refuse_if_closed()

        def run(connection: Connection) -> T:
            batch = Batch(connection, self.clock.now_micros())
            batch.begin_logged(self.settings.cycle_micros)
            result = work(batch)
            write(batch, self.books)
            return result

        with self._writer:
            result = self.books.write(run)
        if announce(result):
            self._mail.announce()
        return result

    def sweep_expired(self) -> int:
        """ABORTs every prepared transfer past its expiry; returns how many."""
        return self.in_batch(self._sweep, announce=bool)

    def _sweep(self, batch: Batch) -> int:
        count = decisions.expire(batch, SWEEP_BATCH_MAX)
        mail_store.forget_batches_before(batch.connection, batch.now_micros - self.settings.replay_window_micros)
        return count


def _refuse_replay(connection: Connection, sender_id: str, batch_id: bytes, created_at_micros: int) -> None:
    if mail_store.batch_seen(connection, batch_id):
        raise VerificationError(f"batch_id: {batch_id.hex()} was accepted before; a replayed batch is refused")
    mail_store.insert_seen_batch(connection, batch_id, sender_id, created_at_micros)


def _was_told(connection: Connection, node_id: str, cycle_id: int) -> bool:
    """Whether the node was sent the notice of that cycle's close."""
    if cycle_id < 1:
        return False
    return mail_store.was_queued(connection, node_id, cycle_closed_item(CycleClosed(cycle_id, 0, 0)).item_id)


def _decode(data: bytes) -> Item | None:
    try:
        return decode_item(data)
    except RequestInvalid:
        return None


def _raw_id(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:16], "big")


def _transfer_ids(items: Iterable[Item]) -> list[int]:
    """Every transfer id a batch's items name, to read their records at once."""
    found: list[int] = []
    for item in items:
        body = item.body
        if isinstance(body, Prepare):
            found += [body.transfer.transfer_id, body.transfer.returns_id]
        elif isinstance(body, Vote):
            found.append(body.transfer_id)
        elif isinstance(body, Query):
            found += list(body.transfer_ids)
        elif isinstance(body, Recall):
            found.append(body.original_id)
    return found
