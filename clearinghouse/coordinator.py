"""The clearinghouse's two-phase commit: the single, durable decision point.

Owns what happens to each item a node sends, in one database transaction per batch:
a prepare is checked (originator, counterparty standing, idempotency, the debit node's
limits), given an expiry by this clock, held in the clearinghouse's own books (one
account per node) and forwarded; a vote leads to COMMIT (only before the expiry) or
ABORT, recorded before anyone is told; decisions go to both nodes until acknowledged;
queries are answered, and an id never seen is ABORTed on the spot. The expiry sweeper
ABORTs what nobody decided in time.

Invariant kept: the clearinghouse's books mirror the nodes' clearing accounts. Each
node's account here is the exact negative of the node's own clearing account once
both have applied the decision; all node accounts here sum to zero.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from clearinghouse import registry, settlement
from clearinghouse.tables import cross_transfers, person_homes, registry_nodes, seen_batches
from timebank import failpoints, ids, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import NotFound, RequestInvalid, StorageUnavailable, VerificationError
from timebank.ledger.model import Account, AccountKind, AccountSpec, TransferKind, TransferRequest
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    Ack,
    CrossTransfer,
    CycleClosed,
    Decision,
    HomeClaim,
    Item,
    Prepare,
    Query,
    Recall,
    RecallAnswer,
    Receipt,
    Restore,
    Resync,
    StatementPage,
    Vote,
    cycle_closed_item,
    decision_item,
    decode_item,
    derive_id,
    encode_item,
    prepare_item,
    recall_answer_item,
    recall_item,
    receipt_item,
    restore_item,
    transfer_bytes,
    transfer_from_bytes,
)
from timebank.storage import ledger_store
from timebank.storage.schema import inbox, outbox
from timebank.v1 import log_pb2 as lpb

log = logging.getLogger(__name__)

PREPARED, COMMITTED, ABORTED = "prepared", "committed", "aborted"
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


def node_account_id(node_id: str) -> int:
    """The id of a node's account in the clearinghouse's books."""
    return int.from_bytes(hashlib.sha256(b"node-account\x00" + node_id.encode()).digest()[:16], "big")


@dataclass
class Record:
    """The clearinghouse's record of one cross-node transfer (a row of cross_transfers)."""

    transfer_id: int
    body: bytes
    debit_node_id: str
    credit_node_id: str
    originator_node_id: str
    amount_minutes: int
    state: str
    reason: str
    prepared_at_micros: int
    expires_at_micros: int
    decided_at_micros: int | None
    returns_id: int
    cycle_id: int | None = None
    prepare_log_index: int | None = None
    decision_log_index: int | None = None

    def row(self) -> dict[str, object]:
        return {
            "transfer_id": ids.to_hex(self.transfer_id),
            "body": self.body,
            "debit_node_id": self.debit_node_id,
            "credit_node_id": self.credit_node_id,
            "originator_node_id": self.originator_node_id,
            "amount_minutes": self.amount_minutes,
            "state": self.state,
            "reason": self.reason,
            "prepared_at_micros": self.prepared_at_micros,
            "expires_at_micros": self.expires_at_micros,
            "decided_at_micros": self.decided_at_micros,
            "returns_id": ids.to_hex(self.returns_id) if self.returns_id else None,
            "cycle_id": self.cycle_id,
            "prepare_log_index": self.prepare_log_index,
            "decision_log_index": self.decision_log_index,
        }


def _record_from_row(row) -> Record:  # type: ignore[no-untyped-def]
    return Record(
        ids.from_hex(row.transfer_id),
        bytes(row.body),
        row.debit_node_id,
        row.credit_node_id,
        row.originator_node_id,
        row.amount_minutes,
        row.state,
        row.reason,
        row.prepared_at_micros,
        row.expires_at_micros,
        row.decided_at_micros,
        ids.from_hex(row.returns_id) if row.returns_id else 0,
        row.cycle_id,
        row.prepare_log_index,
        row.decision_log_index,
    )


@dataclass
class _Batch:
    """What one transaction changes, collected and then written together.

    Records are read once (prefetched for the whole batch) and changed here; new and
    decided records are written in bulk at the end, so reads during the batch go through
    `record`, never to the table.
    """

    connection: Connection
    now_micros: int
    # The open settlement cycle (read once the log's head is locked) and, while an item
    # is handled, where that item is in the log.
    cycle: settlement.OpenCycle | None = None
    item_log_index: int | None = None
    answers: list[Item] = field(default_factory=list)
    ledger: list[TransferRequest] = field(default_factory=list)
    mailbox: list[tuple[str, Item]] = field(default_factory=list)
    # Pending debits added in this batch, per debit node (limits count them at once).
    exposure_minutes: dict[str, int] = field(default_factory=dict)
    # Read once per batch: the registry's records and the nodes' accounts (the accounts'
    # balances change only when the batch's ledger requests are applied, at its end).
    nodes: dict[str, registry.NodeRecord | None] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

    records: dict[int, Record | None] = field(default_factory=dict)
    new_records: list[Record] = field(default_factory=list)
    new_ids: set[int] = field(default_factory=set)  # the transfer ids of new_records
    decided: list[Record] = field(default_factory=list)

    def node(self, node_id: str) -> registry.NodeRecord | None:
        if node_id not in self.nodes:
            self.nodes[node_id] = registry.node(self.connection, node_id)
        return self.nodes[node_id]

    def prefetch(self, transfer_ids: Iterable[int]) -> None:
        wanted = {value for value in transfer_ids if value} - set(self.records)
        for row in ledger_store.rows_where_in(self.connection, cross_transfers.c.transfer_id, wanted):
            record = _record_from_row(row)
            self.records[record.transfer_id] = record
        for value in wanted:
            self.records.setdefault(value, None)

    def record(self, transfer_id: int) -> Record | None:
        if transfer_id not in self.records:
            self.prefetch([transfer_id])
        return self.records[transfer_id]

    def returned_minutes(self, original_id: int) -> int:
        """Minutes of an original given back or being given back (returns not aborted)."""
        total = self.connection.execute(
            select(func.coalesce(func.sum(cross_transfers.c.amount_minutes), 0)).where(
                cross_transfers.c.returns_id == ids.to_hex(original_id), cross_transfers.c.state != ABORTED
            )
        ).scalar_one()
        pending = sum(r.amount_minutes for r in self.new_records if r.returns_id == original_id and r.state != ABORTED)
        return int(total) + pending


class Coordinator:
    def __init__(self, books: Books, clock: Clock, settings: Settings | None = None) -> None:
        self.books = books
        self.clock = clock
        self.settings = settings or Settings()
        self._mail_arrived = threading.Condition()
        # Counts deliveries of mail per recipient (and to everyone): a long poll waits for
        # its own count to change, so a notice that arrives between its check of the
        # mailbox and its wait is not lost, and mail for one node does not send every
        # other node's poll back to the database.
        self._mail_generation: dict[str, int] = {}
        self._mail_to_everyone = 0
        # The clearinghouse is one active writer: batches are decided one at a time.
        self._writer = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Refuses new exchanges and wakes every long poll, before the server stops."""
        self._closed = True
        with self._mail_arrived:
            self._mail_arrived.notify_all()

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise StorageUnavailable("the clearinghouse is shutting down; retry shortly")

    # -- the exchange ---------------------------------------------------------------------

    def exchange(
        self,
        sender_id: str,
        batch_id: bytes,
        created_at_micros: int,
        items: Sequence[bytes],
        received: lpb.ReceivedBatch | None = None,
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
            self._announce_mail(answers.recipients)
        return answers.items

    def _announce_mail(self, recipients: Collection[str] | None = None) -> None:
        """Wakes the long polls of recipients (of every node when None)."""
        with self._mail_arrived:
            if recipients is None:
                self._mail_to_everyone += 1
            else:
                for node_id in recipients:
                    self._mail_generation[node_id] = self._mail_generation.get(node_id, 0) + 1
            self._mail_arrived.notify_all()

    def _mail_count(self, node_id: str) -> tuple[int, int]:
        return self._mail_generation.get(node_id, 0), self._mail_to_everyone

    def wait_for_mail(self, node_id: str, timeout_seconds: float) -> list[bytes]:
        """Items due to a node; waits up to timeout_seconds for new mail if there is none."""
        with self._mail_arrived:
            seen = self._mail_count(node_id)
        if self._closed:
            return []
        items = self.mailbox(node_id)
        if items or timeout_seconds <= 0:
            return items
        with self._mail_arrived:
            self._mail_arrived.wait_for(lambda: self._closed or self._mail_count(node_id) != seen, timeout_seconds)
        return [] if self._closed else self.mailbox(node_id)

    def mailbox(self, node_id: str) -> list[bytes]:
        """Items due to a node: never sent, or sent and not acknowledged in time. Marks them sent."""
        with self._writer:
            return self.books.write(lambda connection: self._deliver(connection, node_id))

    def _deliver(self, connection: Connection, node_id: str) -> list[bytes]:
        return _deliver_mail(
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
        received: lpb.ReceivedBatch | None,
    ) -> _Answers:
        batch = _Batch(connection, self.clock.now_micros())
        log.debug("batch from %s: %d items", sender_id, len(items))
        registry.require_active(connection, sender_id)
        _refuse_replay(connection, sender_id, batch_id, created_at_micros)
        first_item_index = self._log_received(batch, items, received)
        decoded = [_decode(data) for data in items]
        seen = _processed(connection, sender_id, [item.item_id for item in decoded if item])
        batch.prefetch(_transfer_ids(item for item in decoded if item))
        processed: list[dict[str, object]] = []
        for position, (data, item) in enumerate(zip(items, decoded, strict=True)):
            batch.item_log_index = None if first_item_index is None else first_item_index + position
            if item is None:
                batch.answers.append(_refusal(_raw_id(data), "item: not a timebank.v1.Item"))
                continue
            if item.item_id in seen:
                answer = seen[item.item_id]
                if answer is not None:
                    batch.answers.append(answer)
                continue
            receipt = self._handle(batch, sender_id, item)
            seen[item.item_id] = receipt
            processed.append(
                {
                    "sender_id": sender_id,
                    "item_id": ids.to_hex(item.item_id),
                    "processed_at_micros": batch.now_micros,
                    "answer": encode_item(receipt) if receipt else None,
                }
            )
            if receipt is not None:
                batch.answers.append(receipt)
        if processed:
            connection.execute(insert(inbox), processed)
        self._write(batch)
        mail = self._deliver(connection, sender_id)
        return _Answers(
            [encode_item(item) for item in batch.answers] + mail, frozenset(node_id for node_id, _ in batch.mailbox)
        )

    def _log_received(self, batch: _Batch, items: Sequence[bytes], received: lpb.ReceivedBatch | None) -> int | None:
        """Logs the signed batch and its items (locking the log); returns the first item's index."""
        self._begin_logged(batch)
        if not items or received is None:
            return None
        bodies: list[translog.Body] = [("received_batch", received)]
        bodies += [("received_item", lpb.ReceivedItem(position=n, item=data)) for n, data in enumerate(items)]
        return translog.append(batch.connection, bodies, batch.now_micros) + 1

    def _begin_logged(self, batch: _Batch) -> None:
        """Locks the log's head, then reads the open cycle: a close cannot slip in between."""
        translog.lock(batch.connection)
        batch.cycle = settlement.open_cycle(batch.connection, batch.now_micros, self.settings.cycle_micros)

    def _handle(self, batch: _Batch, sender_id: str, item: Item) -> Item | None:
        body = item.body
        try:
            if isinstance(body, Prepare):
                return self._prepare(batch, sender_id, item.item_id, body)
            if isinstance(body, Vote):
                return self._vote(batch, sender_id, item.item_id, body)
            if isinstance(body, Ack):
                ledger_store.acknowledge_outbox(batch.connection, sender_id, body.item_ids, batch.now_micros)
                return None
            if isinstance(body, Query):
                self._query(batch, sender_id, body)
                return None
            if isinstance(body, Recall):
                return self._recall(batch, sender_id, item.item_id, body)
            if isinstance(body, RecallAnswer):
                return self._recall_answer(batch, sender_id, item.item_id, body)
            if isinstance(body, Resync):
                self._resync(batch, sender_id, item.item_id, body.since_micros)
                return _accepted(item.item_id)
            if isinstance(body, StatementPage):
                settlement.record_statement(batch.connection, sender_id, body.signed, batch.now_micros)
                return _accepted(item.item_id)
            if isinstance(body, HomeClaim):
                return _claim_home(batch, sender_id, item.item_id, body)
            raise RequestInvalid(f"item: a node does not send {type(body).__name__} items")
        except (RequestInvalid, NotFound, VerificationError) as error:
            return _refusal(item.item_id, str(error))

    # -- prepare --------------------------------------------------------------------------

    def _prepare(self, batch: _Batch, sender_id: str, item_id: int, prepare: Prepare) -> Item:
        transfer = prepare.transfer
        transfer.check()
        if transfer.originator_node_id != sender_id:
            raise RequestInvalid(
                f"originator_node_id: got {transfer.originator_node_id!r}, but the batch was "
                f"signed by {sender_id!r}; a node prepares only its own transfers"
            )
        existing = batch.record(transfer.transfer_id)
        if existing is not None:
            if bytes(existing.body) != transfer_bytes(transfer):
                raise RequestInvalid(
                    f"transfer_id: {ids.to_hex(transfer.transfer_id)} exists with a different body; "
                    "a reused id must carry the same body"
                )
            return _accepted(item_id)  # a retry: already recorded, nothing changes
        refusal = self._check_standing_and_limits(batch, transfer) or self._check_return(batch, transfer)
        if refusal:
            # Recorded, so the id is spent; only the originator holds anything to release.
            self._record(batch, transfer, ABORTED, refusal, expires_at_micros=batch.now_micros)
            self._decide(batch, transfer, commit=False, reason=refusal, recipients=(sender_id,))
            return _refusal(item_id, refusal)
        expires_at = batch.now_micros + self.settings.prepare_ttl_micros
        self._record(batch, transfer, PREPARED, "", expires_at_micros=expires_at)
        batch.records[transfer.transfer_id].prepare_log_index = batch.item_log_index
        batch.ledger.append(
            TransferRequest(
                id=transfer.transfer_id,
                kind=TransferKind.PENDING,
                debit_account_id=node_account_id(transfer.debit_node_id),
                credit_account_id=node_account_id(transfer.credit_node_id),
                amount_minutes=transfer.amount_minutes,
                memo=transfer.memo,
            )
        )
        batch.exposure_minutes[transfer.debit_node_id] = (
            batch.exposure_minutes.get(transfer.debit_node_id, 0) + transfer.amount_minutes
        )
        forward = Prepare(transfer, expires_at)
        batch.mailbox.append((transfer.counterparty_node_id, prepare_item(forward, CLEARINGHOUSE_ID)))
        return _accepted(item_id)

    def _check_standing_and_limits(self, batch: _Batch, transfer: CrossTransfer) -> str:
        counterparty = batch.node(transfer.counterparty_node_id)
        if counterparty is None:
            return f"credit_node_id: node {transfer.counterparty_node_id!r} is not admitted to this city"
        if counterparty.status != registry.ACTIVE:
            return f"node {transfer.counterparty_node_id!r} is suspended; no transfers to or from it"
        debit_node = batch.node(transfer.debit_node_id)
        assert debit_node is not None  # the sender or the counterparty, both checked
        self._node_account(batch, transfer.credit_node_id)  # made on first use
        account = self._node_account(batch, debit_node.node_id)
        pending = account.debits_pending_minutes + batch.exposure_minutes.get(debit_node.node_id, 0)
        net_debit = max(0, -account.balance_minutes)
        amount = transfer.amount_minutes
        if pending + amount > debit_node.pending_cap_minutes:
            return (
                f"amount_minutes: node {debit_node.node_id!r} would have {pending + amount} minutes "
                f"pending, above its pending cap of {debit_node.pending_cap_minutes}"
            )
        if net_debit + pending + amount > debit_node.net_debit_cap_minutes:
            return (
                f"amount_minutes: node {debit_node.node_id!r} could reach a net debit position of "
                f"{net_debit + pending + amount} minutes, above its cap of "
                f"{debit_node.net_debit_cap_minutes}"
            )
        return ""

    def _check_return(self, batch: _Batch, transfer: CrossTransfer) -> str:
        """A return names a committed original between the same nodes, swapped, and with the
        other returns of that original never gives back more than it moved."""
        if not transfer.returns_id:
            return ""
        original = batch.record(transfer.returns_id)
        if original is None or original.state != COMMITTED:
            return f"returns_id: transfer {ids.to_hex(transfer.returns_id)} is not a committed cross-node transfer"
        if (transfer.debit_node_id, transfer.credit_node_id) != (original.credit_node_id, original.debit_node_id):
            return "returns_id: a return goes from the original's credit node to its debit node"
        left = original.amount_minutes - batch.returned_minutes(transfer.returns_id)
        if transfer.amount_minutes > left:
            return (
                f"amount_minutes: got {transfer.amount_minutes}, but only {left} of transfer "
                f"{ids.to_hex(transfer.returns_id)} are left to give back"
            )
        return ""

    # -- recalls --------------------------------------------------------------------------

    def _recall(self, batch: _Batch, sender_id: str, item_id: int, recall: Recall) -> Item:
        original = batch.record(recall.original_id)
        refusal = ""
        if original is None or original.state != COMMITTED:
            refusal = f"original_id: {ids.to_hex(recall.original_id)} is not a committed cross-node transfer"
        elif original.debit_node_id != sender_id or recall.requester_node_id != sender_id:
            refusal = f"original_id: only the node that paid ({original.debit_node_id}) may recall it"
        elif not 1 <= recall.amount_minutes <= original.amount_minutes - batch.returned_minutes(recall.original_id):
            left = original.amount_minutes - batch.returned_minutes(recall.original_id)
            refusal = f"amount_minutes: got {recall.amount_minutes}, want 1..={left} (what is left to give back)"
        if refusal:
            answer = RecallAnswer(recall.recall_id, False, refusal)
            batch.mailbox.append((sender_id, recall_answer_item(answer, CLEARINGHOUSE_ID)))
            return _refusal(item_id, refusal)
        batch.mailbox.append((original.credit_node_id, recall_item(recall, CLEARINGHOUSE_ID)))
        return _accepted(item_id)

    def _recall_answer(self, batch: _Batch, sender_id: str, item_id: int, answer: RecallAnswer) -> Item:
        requester = self._recall_requester(batch.connection, sender_id, answer.recall_id)
        if requester is None:
            raise RequestInvalid(f"recall_id: {ids.to_hex(answer.recall_id)} was not asked of {sender_id!r}")
        batch.mailbox.append((requester, recall_answer_item(answer, CLEARINGHOUSE_ID)))
        return _accepted(item_id)

    @staticmethod
    def _recall_requester(connection: Connection, answerer_id: str, recall_id: int) -> str | None:
        """Who asked answerer_id for this recall: read from the forwarded Recall in the outbox."""
        item_key = ids.to_hex(recall_item(Recall(recall_id, 1, 1, "", ""), CLEARINGHOUSE_ID).item_id)
        row = connection.execute(
            select(outbox.c.item).where(outbox.c.recipient_id == answerer_id, outbox.c.item_id == item_key)
        ).first()
        if row is None:
            return None
        forwarded = decode_item(bytes(row.item)).body
        return forwarded.requester_node_id if isinstance(forwarded, Recall) else None

    def _node_account(self, batch: _Batch, node_id: str) -> Account:
        """A node's account in these books as the batch began (made on the node's first transfer)."""
        if node_id in batch.accounts:
            return batch.accounts[node_id]
        account_id = node_account_id(node_id)
        found = ledger_store.read_accounts(batch.connection, [account_id]).get(account_id)
        if found is None:
            spec = AccountSpec(account_id, AccountKind.CLEARING, f"node {node_id}"[:64], no_floor=True)
            found = Account(spec, created_at_micros=batch.now_micros)
            ledger_store.insert_accounts(batch.connection, [found])
        batch.accounts[node_id] = found
        return found

    # -- a node restored from a backup --------------------------------------------------------

    def _resync(self, batch: _Batch, node_id: str, resync_item_id: int, since_micros: int) -> None:
        """Sends again what the node may have lost: every item sent to it since then, and the
        record of every transfer it took part in since then that was decided or that it began."""
        connection = batch.connection
        connection.execute(
            update(outbox)
            .where(outbox.c.recipient_id == node_id, outbox.c.created_at_micros >= since_micros)
            .values(acknowledged_at_micros=None, delivered_at_micros=None)
        )
        involved = or_(cross_transfers.c.debit_node_id == node_id, cross_transfers.c.credit_node_id == node_id)
        rows = connection.execute(
            select(cross_transfers)
            .where(involved, cross_transfers.c.prepared_at_micros >= since_micros)
            .order_by(cross_transfers.c.prepared_at_micros)
        )
        for row in rows:
            record = _record_from_row(row)
            if record.state == PREPARED and record.originator_node_id != node_id:
                continue  # the forwarded prepare, queued again above, asks for the node's vote
            restore = Restore(
                _transfer_of(record),
                decided=record.state != PREPARED,
                commit=record.state == COMMITTED,
                reason=record.reason,
                decided_at_micros=record.decided_at_micros or 0,
                cycle_id=record.cycle_id or 0,
            )
            batch.mailbox.append((node_id, restore_item(restore, resync_item_id)))
        log.warning("node %s resynchronises from %d", node_id, since_micros, extra={"node_id": node_id})

    # -- votes, decisions, queries ---------------------------------------------------------

    def _vote(self, batch: _Batch, sender_id: str, item_id: int, vote: Vote) -> Item:
        record = batch.record(vote.transfer_id)
        if (
            record is None
            or sender_id not in (record.debit_node_id, record.credit_node_id)
            or sender_id == record.originator_node_id
        ):
            raise RequestInvalid(f"transfer_id: {ids.to_hex(vote.transfer_id)} awaits no vote from {sender_id!r}")
        if record.state != PREPARED:
            return _accepted(item_id)  # decided already (e.g. expired): the decision stands
        transfer = _transfer_of(record)
        if not vote.accept:
            self._finish(batch, transfer, commit=False, reason=f"refused by {sender_id}: {vote.reason}")
        elif batch.now_micros >= record.expires_at_micros:
            self._finish(batch, transfer, commit=False, reason="expired before the counterparty's vote")
        else:
            self._finish(batch, transfer, commit=True, reason="")
        return _accepted(item_id)

    def _query(self, batch: _Batch, sender_id: str, query: Query) -> None:
        for transfer_id in query.transfer_ids:
            record = batch.record(transfer_id)
            if record is None:
                # Recorded as aborted so that a prepare arriving later is refused: the id is spent.
                tombstone = CrossTransfer(transfer_id, sender_id, 1, sender_id, 1, 1, "", sender_id)
                reason = "unknown to the clearinghouse: aborted on query"
                self._record(batch, tombstone, ABORTED, reason, expires_at_micros=batch.now_micros)
                batch.answers.append(decision_item(Decision(transfer_id, False, reason, batch.now_micros)))
                continue
            if sender_id not in (record.debit_node_id, record.credit_node_id):
                continue  # not a party: nothing to tell
            if record.state == PREPARED and batch.now_micros >= record.expires_at_micros:
                self._finish(batch, _transfer_of(record), commit=False, reason="expired with no decision")
                record = batch.record(transfer_id)
                assert record is not None
            if record.state != PREPARED:
                decision = Decision(
                    transfer_id,
                    record.state == COMMITTED,
                    record.reason,
                    record.decided_at_micros or batch.now_micros,
                )
                batch.answers.append(decision_item(decision))

    def close_cycle(self, *, scheduled: bool = False) -> lpb.CycleClose | None:
        """Closes the open cycle now (the bureau's unscheduled close), or, when scheduled,
        only if its cut-off has passed. Returns what was logged, or None."""
        self._refuse_if_closed()
        with self._writer:
            closed = self.books.write(lambda connection: self._close_cycle(connection, scheduled))
        if closed is not None:
            self._announce_mail()
        return closed

    def _close_cycle(self, connection: Connection, scheduled: bool) -> lpb.CycleClose | None:
        batch = _Batch(connection, self.clock.now_micros())
        self._begin_logged(batch)
        assert batch.cycle is not None
        if scheduled and batch.now_micros < batch.cycle.closes_at_micros:
            return None
        closing = settlement.close(
            connection, batch.cycle, batch.now_micros, self.settings.cycle_micros, scheduled=scheduled
        )
        index = translog.append(connection, [("cycle_close", closing)], batch.now_micros)
        settlement.mark_logged(connection, closing.cycle_id, index)
        counts = {p.node_id: p.debit_count + p.credit_count for p in closing.positions}
        for node_id in connection.execute(
            select(registry_nodes.c.node_id).order_by(registry_nodes.c.node_id)
        ).scalars():
            previous = closing.cycle_id - 1 if _was_told(connection, node_id, closing.cycle_id - 1) else 0
            notice = CycleClosed(closing.cycle_id, batch.now_micros, counts.get(node_id, 0), previous)
            batch.mailbox.append((node_id, cycle_closed_item(notice)))
        self._write(batch)
        log.info("closed settlement cycle %d at log index %d", closing.cycle_id, index)
        return closing

    def sweep_expired(self) -> int:
        """ABORTs every prepared transfer past its expiry; returns how many."""
        self._refuse_if_closed()
        with self._writer:
            count = self.books.write(self._sweep)
        if count:
            self._announce_mail()
        return count

    def _sweep(self, connection: Connection) -> int:
        batch = _Batch(connection, self.clock.now_micros())
        self._begin_logged(batch)
        rows = connection.execute(
            select(cross_transfers)
            .where(cross_transfers.c.state == PREPARED, cross_transfers.c.expires_at_micros <= batch.now_micros)
            .limit(SWEEP_BATCH_MAX)
        ).all()
        for row in rows:
            record = _record_from_row(row)
            batch.records[record.transfer_id] = record
            self._finish(batch, _transfer_of(record), commit=False, reason="expired with no decision")
        self._write(batch)
        horizon = batch.now_micros - self.settings.replay_window_micros
        connection.execute(delete(seen_batches).where(seen_batches.c.created_at_micros < horizon))
        return len(rows)

    def _finish(self, batch: _Batch, transfer: CrossTransfer, *, commit: bool, reason: str) -> None:
        """Records the decision for a prepared transfer, releases or posts the hold, tells both."""
        record = batch.record(transfer.transfer_id)
        assert record is not None and record.state == PREPARED, "only a prepared transfer is decided"
        record.state = COMMITTED if commit else ABORTED
        record.reason = reason
        record.decided_at_micros = batch.now_micros
        if commit:
            assert batch.cycle is not None, "a batch that decides has locked the log and read the cycle"
            record.cycle_id = batch.cycle.cycle_id
        if record.transfer_id not in batch.new_ids:
            batch.decided.append(record)
        kind = TransferKind.POST_PENDING if commit else TransferKind.VOID_PENDING
        batch.ledger.append(
            TransferRequest(
                id=derive_id("post" if commit else "void", transfer.transfer_id),
                kind=kind,
                debit_account_id=0,
                credit_account_id=0,
                amount_minutes=transfer.amount_minutes if commit else 0,
                pending_id=transfer.transfer_id,
            )
        )
        self._decide(batch, transfer, commit=commit, reason=reason)

    def _decide(
        self,
        batch: _Batch,
        transfer: CrossTransfer,
        *,
        commit: bool,
        reason: str,
        recipients: tuple[str, ...] | None = None,
    ) -> None:
        cycle_id = batch.cycle.cycle_id if commit and batch.cycle else 0
        item = decision_item(Decision(transfer.transfer_id, commit, reason, batch.now_micros, cycle_id))
        log.info(
            "transfer %032x %s %s",
            transfer.transfer_id,
            "COMMIT" if commit else "ABORT",
            reason,
            extra={"transfer_id": transfer.transfer_id, "cycle_id": cycle_id or None},
        )
        for node_id in sorted(set(recipients or (transfer.debit_node_id, transfer.credit_node_id))):
            if batch.node(node_id) is not None:
                batch.mailbox.append((node_id, item))

    def _record(
        self, batch: _Batch, transfer: CrossTransfer, state: str, reason: str, *, expires_at_micros: int
    ) -> None:
        record = Record(
            transfer.transfer_id,
            transfer_bytes(transfer),
            transfer.debit_node_id,
            transfer.credit_node_id,
            transfer.originator_node_id,
            transfer.amount_minutes,
            state,
            reason,
            batch.now_micros,
            expires_at_micros,
            None if state == PREPARED else batch.now_micros,
            transfer.returns_id,
        )
        batch.records[transfer.transfer_id] = record
        batch.new_records.append(record)
        batch.new_ids.add(record.transfer_id)

    def _log_sent(self, batch: _Batch) -> None:
        """Logs every item going out; a decision's first copy is where its record points."""
        if not batch.mailbox:
            return
        bodies = [("sent_item", lpb.SentItem(recipient_id=r, item=encode_item(item))) for r, item in batch.mailbox]
        first = translog.append(batch.connection, bodies, batch.now_micros)
        logged: dict[int, int] = {}
        for offset, (_recipient, item) in enumerate(batch.mailbox):
            if isinstance(item.body, Decision):
                logged.setdefault(item.body.transfer_id, first + offset)
        for record in batch.new_records + batch.decided:
            if record.transfer_id in logged and record.decision_log_index is None:
                record.decision_log_index = logged[record.transfer_id]

    def _write(self, batch: _Batch) -> None:
        self._log_sent(batch)
        if batch.new_records:
            batch.connection.execute(insert(cross_transfers), [record.row() for record in batch.new_records])
        if batch.decided:
            statement = (
                update(cross_transfers)
                .where(cross_transfers.c.transfer_id == bindparam("key"), cross_transfers.c.state == PREPARED)
                .values(
                    state=bindparam("new_state"),
                    reason=bindparam("new_reason"),
                    decided_at_micros=bindparam("decided_at"),
                    cycle_id=bindparam("new_cycle"),
                    decision_log_index=bindparam("logged_at"),
                )
            )
            batch.connection.execute(
                statement,
                [
                    {
                        "key": ids.to_hex(r.transfer_id),
                        "new_state": r.state,
                        "new_reason": r.reason,
                        "decided_at": r.decided_at_micros,
                        "new_cycle": r.cycle_id,
                        "logged_at": r.decision_log_index,
                    }
                    for r in batch.decided
                ],
            )
        if batch.ledger:
            result = self.books.apply(batch.connection, batch.ledger)
            refused = [r for r in result.results if not r.outcome.succeeded]
            if refused:  # the coordinator checked everything the books check: a bug
                raise AssertionError(f"the clearinghouse's books refused {refused[0]}")
        if batch.mailbox:
            batch.connection.execute(
                insert(outbox),
                [
                    {
                        "recipient_id": recipient,
                        "item_id": ids.to_hex(item.item_id),
                        "item": encode_item(item),
                        "created_at_micros": batch.now_micros,
                        "acknowledged_at_micros": None,
                    }
                    for recipient, item in batch.mailbox
                ],
            )


@dataclass(frozen=True)
class _Answers:
    items: list[bytes]
    recipients: frozenset[str]  # the nodes this batch put mail in the outbox for


def _refuse_replay(connection: Connection, sender_id: str, batch_id: bytes, created_at_micros: int) -> None:
    key = batch_id.hex()
    seen = connection.execute(select(seen_batches.c.sender_id).where(seen_batches.c.batch_id == key)).first()
    if seen is not None:
        raise VerificationError(f"batch_id: {key} was accepted before; a replayed batch is refused")
    connection.execute(
        insert(seen_batches).values(batch_id=key, sender_id=sender_id, created_at_micros=created_at_micros)
    )


def _decode(data: bytes) -> Item | None:
    try:
        return decode_item(data)
    except RequestInvalid:
        return None


def _raw_id(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:16], "big")


def _accepted(item_id: int) -> Item:
    return receipt_item(Receipt(item_id, True, ""))


def _refusal(item_id: int, reason: str) -> Item:
    return receipt_item(Receipt(item_id, False, reason))


def _processed(connection: Connection, sender_id: str, item_ids: list[int]) -> dict[int, Item | None]:
    rows = ledger_store.rows_where_in(connection, inbox.c.item_id, item_ids, inbox.c.sender_id == sender_id)
    return {ids.from_hex(row.item_id): decode_item(bytes(row.answer)) if row.answer else None for row in rows}


def _deliver_mail(
    connection: Connection, recipient_id: str, limit: int, now_micros: int, redelivery_micros: int
) -> list[bytes]:
    """Unacknowledged items never sent, or sent longer ago than redelivery_micros; marked sent now.

    Each item is in flight once at a time: a node polling and sending at once does not get
    the same items twice, and an item whose answer was lost goes again after the timeout.
    """
    rows = connection.execute(
        select(outbox.c.sequence, outbox.c.item)
        .where(
            outbox.c.recipient_id == recipient_id,
            outbox.c.acknowledged_at_micros.is_(None),
            or_(outbox.c.delivered_at_micros.is_(None), outbox.c.delivered_at_micros <= now_micros - redelivery_micros),
        )
        .order_by(outbox.c.sequence)
        .limit(limit)
    ).all()
    for chunk in ledger_store.chunks([row.sequence for row in rows]):
        connection.execute(update(outbox).where(outbox.c.sequence.in_(chunk)).values(delivered_at_micros=now_micros))
    return [bytes(row.item) for row in rows]


def _was_told(connection: Connection, node_id: str, cycle_id: int) -> bool:
    """Whether the node was sent the notice of that cycle's close."""
    if cycle_id < 1:
        return False
    item_id = cycle_closed_item(CycleClosed(cycle_id, 0, 0)).item_id
    row = connection.execute(
        select(outbox.c.sequence).where(outbox.c.recipient_id == node_id, outbox.c.item_id == ids.to_hex(item_id))
    ).first()
    return row is not None


def _claim_home(batch: _Batch, sender_id: str, item_id: int, claim: HomeClaim) -> Item:
    """One home node per person: the first node to claim a person keeps them until it releases."""
    key = claim.identity_hash.hex()
    row = batch.connection.execute(select(person_homes).where(person_homes.c.identity_hash == key)).first()
    if claim.release:
        if row is not None and row.node_id == sender_id and row.person_id == ids.to_hex(claim.person_id):
            batch.connection.execute(delete(person_homes).where(person_homes.c.identity_hash == key))
        return _accepted(item_id)
    if row is None:
        batch.connection.execute(
            insert(person_homes).values(
                identity_hash=key,
                node_id=sender_id,
                person_id=ids.to_hex(claim.person_id),
                claimed_at_micros=batch.now_micros,
            )
        )
        return _accepted(item_id)
    if row.node_id == sender_id and row.person_id == ids.to_hex(claim.person_id):
        return _accepted(item_id)  # a retry
    return _refusal(
        item_id,
        f"identity: this person is registered already with home node {row.node_id} as {row.person_id}; "
        f"a person has one home node (to serve here, register them with home_node_id {row.node_id})",
    )


def _transfer_of(record: Record) -> CrossTransfer:
    return transfer_from_bytes(record.body)


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


# -- reads for the bureau's reports --------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A node's position in the clearinghouse's books: + the city owes it, - it owes."""

    node_id: str
    balance_minutes: int
    pending_out_minutes: int
    pending_in_minutes: int


def positions(connection: Connection, node_ids: Sequence[str]) -> dict[str, Position]:
    by_account = {node_account_id(node_id): node_id for node_id in node_ids}
    found = ledger_store.read_accounts(connection, by_account)
    result = {}
    for node_id in node_ids:
        account = found.get(node_account_id(node_id))
        result[node_id] = Position(
            node_id,
            account.balance_minutes if account else 0,
            account.debits_pending_minutes if account else 0,
            account.credits_pending_minutes if account else 0,
        )
    return result


def decisions(connection: Connection) -> dict[int, tuple[str, str]]:
    """Every cross-node transfer's state and reason, by transfer id."""
    rows = connection.execute(select(cross_transfers.c.transfer_id, cross_transfers.c.state, cross_transfers.c.reason))
    return {ids.from_hex(row.transfer_id): (row.state, row.reason) for row in rows}
