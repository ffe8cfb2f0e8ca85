"""What one transaction of the coordinator changes, collected while its items are handled,
then written together.

Owns the batch's state (the records it read once and changed, the new ones, the decisions,
the ledger requests for the clearinghouse's books, the mail for the nodes, the debit
nodes' exposure so far), the decision of a prepared transfer (`finish`: the record, the
hold posted or voided, both nodes told), and the write at the end (`write`: the sent items
logged first, so a decision's record points at its leaf; then records, books, outbox).

Must not: write SQL (the stores do), know gRPC, commit (the coordinator owns the
transaction). Invariant: every read of a record during the batch goes through `record`,
never to the table, so what an item changed is what the next item sees; the books are
applied once, at the end, and must accept every request (the handlers checked what the
books check).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from clearinghouse import leaves, registry, settlement
from clearinghouse.records import CrossRecord, CrossState, NodeRecord, OpenCycle, node_account_id
from clearinghouse.store import accounts as account_store
from clearinghouse.store import mail as mail_store
from clearinghouse.store import transfers as transfer_store
from timebank import ids, translog
from timebank.books import Books
from timebank.ledger.model import Account, AccountKind, AccountSpec, TransferKind, TransferRequest
from timebank.protocol import (
    CrossTransfer,
    Decision,
    Item,
    Receipt,
    decision_item,
    derive_id,
    encode_item,
    receipt_item,
    transfer_bytes,
    transfer_from_bytes,
)

__all__ = ["accepted", "Batch", "refused", "transfer_of", "write"]

log = logging.getLogger("clearinghouse.coordinator")


def accepted(item_id: int) -> Item:
    return receipt_item(Receipt(item_id, True, ""))


def refused(item_id: int, reason: str) -> Item:
    return receipt_item(Receipt(item_id, False, reason))


def transfer_of(record: CrossRecord) -> CrossTransfer:
    return transfer_from_bytes(record.body)


@dataclass
class Batch:
    """What one transaction changes, collected and then written together.

    Records are read once (prefetched for the whole batch) and changed here; new and
    decided records are written in bulk at the end, so reads during the batch go through
    `record`, never to the table.
    """

    connection: Connection
    now_micros: int
    # The open settlement cycle (read once the log's head is locked) and, while an item
    # is handled, where that item is in the log.
    cycle: OpenCycle | None = None
    item_log_index: int | None = None
    answers: list[Item] = field(default_factory=list)
    ledger: list[TransferRequest] = field(default_factory=list)
    mailbox: list[tuple[str, Item]] = field(default_factory=list)
    # Pending debits added in this batch, per debit node (limits count them at once).
    exposure_minutes: dict[str, int] = field(default_factory=dict)
    # Read once per batch: the registry's records and the nodes' accounts (the accounts'
    # balances change only when the batch's ledger requests are applied, at its end).
    nodes: dict[str, NodeRecord | None] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

    records: dict[int, CrossRecord | None] = field(default_factory=dict)
    new_records: list[CrossRecord] = field(default_factory=list)
    new_ids: set[int] = field(default_factory=set)  # the transfer ids of new_records
    decided: list[CrossRecord] = field(default_factory=list)

    # -- reads, once per batch -------------------------------------------------------------

    def begin_logged(self, cycle_micros: int) -> None:
        """Locks the log's head, then reads the open cycle: a close cannot slip in between."""
        translog.lock(self.connection)
        self.cycle = settlement.open_cycle(self.connection, self.now_micros, cycle_micros)

    def node(self, node_id: str) -> NodeRecord | None:
        if node_id not in self.nodes:
            self.nodes[node_id] = registry.node(self.connection, node_id)
        return self.nodes[node_id]

    def prefetch(self, transfer_ids: Iterable[int]) -> None:
        wanted = {value for value in transfer_ids if value} - set(self.records)
        self.records.update(transfer_store.read_records(self.connection, wanted))
        for value in wanted:
            self.records.setdefault(value, None)

    def record(self, transfer_id: int) -> CrossRecord | None:
        if transfer_id not in self.records:
            self.prefetch([transfer_id])
        return self.records[transfer_id]

    def returned_minutes(self, original_id: int) -> int:
        """Minutes of an original given back or being given back (returns not aborted)."""
        stored = transfer_store.returned_minutes(self.connection, original_id)
        pending = sum(
            r.amount_minutes for r in self.new_records if r.returns_id == original_id and r.state != CrossState.ABORTED
        )
        return stored + pending

    def node_account(self, node_id: str) -> Account:
        """A node's account in these books as the batch began (made on the node's first transfer)."""
        if node_id in self.accounts:
            return self.accounts[node_id]
        found = account_store.read_node_account(self.connection, node_id)
        if found is None:
            spec = AccountSpec(node_account_id(node_id), AccountKind.CLEARING, f"node {node_id}"[:64], no_floor=True)
            found = Account(spec, created_at_micros=self.now_micros)
            account_store.insert_node_account(self.connection, found)
        self.accounts[node_id] = found
        return found

    # -- changes ----------------------------------------------------------------------------

    def add_record(self, transfer: CrossTransfer, state: CrossState, reason: str, *, expires_at_micros: int) -> None:
        """A new record of a transfer, prepared or decided at once."""
        record = CrossRecord(
            transfer.transfer_id,
            transfer_bytes(transfer),
            transfer.debit_node_id,
            transfer.credit_node_id,
            transfer.originator_node_id,
            transfer.amount_minutes,
            state,
            reason,
            self.now_micros,
            expires_at_micros,
            None if state == CrossState.PREPARED else self.now_micros,
            transfer.returns_id,
        )
        self.records[transfer.transfer_id] = record
        self.new_records.append(record)
        self.new_ids.add(record.transfer_id)

    def finish(self, transfer: CrossTransfer, *, commit: bool, reason: str) -> None:
        """Records the decision for a prepared transfer, releases or posts the hold, tells both."""
        record = self.record(transfer.transfer_id)
        assert record is not None and record.state == CrossState.PREPARED, "only a prepared transfer is decided"
        record.state = CrossState.COMMITTED if commit else CrossState.ABORTED
        record.reason = reason
        record.decided_at_micros = self.now_micros
        if commit:
            assert self.cycle is not None, "a batch that decides has locked the log and read the cycle"
            record.cycle_id = self.cycle.cycle_id
        if record.transfer_id not in self.new_ids:
            self.decided.append(record)
        kind = TransferKind.POST_PENDING if commit else TransferKind.VOID_PENDING
        self.ledger.append(
            TransferRequest(
                id=derive_id("post" if commit else "void", transfer.transfer_id),
                kind=kind,
                debit_account_id=0,
                credit_account_id=0,
                amount_minutes=transfer.amount_minutes if commit else 0,
                pending_id=transfer.transfer_id,
            )
        )
        self.decide(transfer, commit=commit, reason=reason)

    def decide(
        self, transfer: CrossTransfer, *, commit: bool, reason: str, recipients: tuple[str, ...] | None = None
    ) -> None:
        """Tells the transfer's nodes (or only recipients) the decision, if they are admitted."""
        cycle_id = self.cycle.cycle_id if commit and self.cycle else 0
        item = decision_item(Decision(transfer.transfer_id, commit, reason, self.now_micros, cycle_id))
        log.info(
            "transfer %s %s %s",
            ids.to_hex(transfer.transfer_id),
            "COMMIT" if commit else "ABORT",
            reason,
            extra={"transfer_id": transfer.transfer_id, "cycle_id": cycle_id or None},
        )
        for node_id in sorted(set(recipients or (transfer.debit_node_id, transfer.credit_node_id))):
            if self.node(node_id) is not None:
                self.mailbox.append((node_id, item))


def _log_sent(batch: Batch, encoded: Sequence[bytes]) -> None:
    """Logs every item going out (encoded: each one's bytes); a decision's first copy is where its record points."""
    if not batch.mailbox:
        return
    recipients = [recipient for recipient, _item in batch.mailbox]
    first = translog.record(batch.connection, leaves.sent(recipients, encoded), batch.now_micros)
    logged: dict[int, int] = {}
    for offset, (_recipient, item) in enumerate(batch.mailbox):
        if isinstance(item.body, Decision):
            logged.setdefault(item.body.transfer_id, first + offset)
    for record in batch.new_records + batch.decided:
        if record.transfer_id in logged and record.decision_log_index is None:
            record.decision_log_index = logged[record.transfer_id]


def write(batch: Batch, books: Books) -> None:
    """Writes what the batch changed: the sent items' leaves, records, the books, the outbox
    (each item going out is encoded once, for its leaf and its outbox row)."""
    encoded = [encode_item(item) for _recipient, item in batch.mailbox]
    _log_sent(batch, encoded)
    transfer_store.insert_records(batch.connection, batch.new_records)
    transfer_store.update_decided(batch.connection, batch.decided)
    if batch.ledger:
        result = books.apply(batch.connection, batch.ledger)
        refusals = [r for r in result.results if not r.outcome.succeeded]
        if refusals:  # the coordinator checked everything the books check: a bug
            raise AssertionError(f"the clearinghouse's books refused {refusals[0]}")
    mail_store.insert_mail(batch.connection, batch.mailbox, encoded, batch.now_micros)
