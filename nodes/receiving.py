"""What a node does with the clearinghouse's items: holds and votes for prepares, posts or
voids for decisions, legs rebuilt after a restore, recalls, receipts, the statement a
closed cycle asks for, and the bureau's acknowledgements of alerts (handed to the node's
services).

Owns applying one batch of items in the caller's transaction: each item id is processed
once (the inbox remembers it), prepares are held in one ledger batch and their votes
queued, decisions resolve held legs in one ledger batch. The node never releases a hold
on its own: only the clearinghouse's decision does; a decision for a transfer this node
never saw changes nothing. Rows are read and written through `nodes.store`; the rules of
a leg are `nodes.legs`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from nodes import legs as rules
from nodes import outbox, statements
from nodes.consents import Consents
from nodes.recalls import Recalls
from nodes.records import Leg, LegState
from nodes.store import homes, legs, mail
from timebank import alarms, ids, seams, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import RequestInvalid
from timebank.ledger.model import Outcome, TransferRequest
from timebank.logentries import StatementRecord
from timebank.protocol import (
    AlertAcknowledgement,
    CrossTransfer,
    CycleClosed,
    Decision,
    Item,
    Prepare,
    Recall,
    RecallAnswer,
    Receipt,
    Restore,
    StatementPage,
    Vote,
    decode_item,
    statement_item,
    vote_item,
)
from timebank.storage import ledger_store

__all__ = ["Receiving"]

log = logging.getLogger(__name__)


@dataclass
class _Sorted:
    """A batch's new items, by what they ask."""

    acknowledge: list[int] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    prepares: list[CrossTransfer] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    restores: list[Restore] = field(default_factory=list)
    recalls: list[Recall] = field(default_factory=list)
    answers: list[RecallAnswer] = field(default_factory=list)
    notices: list[tuple[int, CycleClosed]] = field(default_factory=list)
    acknowledgements: list[AlertAcknowledgement] = field(default_factory=list)


class Receiving:
    def __init__(
        self,
        books: Books,
        node_id: str,
        clock: Clock,
        signing_key: Ed25519PrivateKey,
        consents: Consents,
        recalls: Recalls,
    ) -> None:
        self.books = books
        self.node_id = node_id
        self.clock = clock
        self.signing_key = signing_key
        self.consents = consents
        self.recalls = recalls
        # What the node's services do with the bureau's acknowledgement of one of their
        # alerts, in the receiving transaction (set by them; None: no services here).
        self.alert_acknowledged: Callable[[Connection, AlertAcknowledgement], None] | None = None

    def apply(self, connection: Connection, items: Sequence[bytes]) -> tuple[list[int], bool]:
        """Applies a batch of items; returns (the ids to acknowledge, whether items were queued)."""
        now = self.clock.now_micros()
        decoded = []
        for data in items:
            try:
                decoded.append(decode_item(data))
            except RequestInvalid as error:
                log.warning("ignored a malformed item from the clearinghouse: %s", error)
        self._settle_receipts(connection, [item.body for item in decoded if isinstance(item.body, Receipt)], now)
        batch = self._sort(connection, decoded)
        mail.mark_processed(connection, batch.new_ids, now)
        for recall in batch.recalls:
            self.recalls.record_asked(connection, recall)
        for answer in batch.answers:
            self.recalls.record_answer(connection, answer)
        self._restore_legs(connection, batch.restores)
        queued = self._answer_prepares(connection, batch.prepares)
        self._apply_decisions(connection, seams.through("node.decisions", batch.decisions))
        self._apply_acknowledgements(connection, batch.acknowledgements)
        for item_id, notice in batch.notices:
            if self._answer_cycle_close(connection, notice):
                batch.acknowledge.append(item_id)
                queued = True
        return batch.acknowledge, queued

    def _sort(self, connection: Connection, decoded: Sequence[Item]) -> _Sorted:
        """The batch's items by kind, each new id once (a redelivery is acknowledged, not applied)."""
        seen = mail.processed(connection, [item.item_id for item in decoded])
        batch = _Sorted()
        for item in decoded:
            body = item.body
            if isinstance(body, Receipt):
                continue
            if isinstance(body, CycleClosed):
                batch.notices.append((item.item_id, body))  # acknowledged once its statement is made
                continue
            batch.acknowledge.append(item.item_id)
            if item.item_id in seen:
                continue
            seen.add(item.item_id)
            batch.new_ids.append(item.item_id)
            if isinstance(body, Prepare):
                batch.prepares.append(body.transfer)
            elif isinstance(body, Decision):
                batch.decisions.append(body)
            elif isinstance(body, Restore):
                batch.restores.append(body)
            elif isinstance(body, Recall):
                batch.recalls.append(body)
            elif isinstance(body, RecallAnswer):
                batch.answers.append(body)
            elif isinstance(body, AlertAcknowledgement):
                batch.acknowledgements.append(body)
            else:
                log.warning("ignored a %s item from the clearinghouse", type(body).__name__)
        return batch

    def _apply_acknowledgements(self, connection: Connection, acknowledged: Sequence[AlertAcknowledgement]) -> None:
        for acknowledgement in acknowledged:
            if self.alert_acknowledged is None:
                log.warning(
                    "ignored the bureau's acknowledgement of alert %d: no services here", acknowledgement.alert_id
                )
            else:
                self.alert_acknowledged(connection, acknowledgement)

    # -- prepares and votes -----------------------------------------------------------------

    def _answer_prepares(self, connection: Connection, transfers: Sequence[CrossTransfer]) -> bool:
        """Holds this node's leg of each new prepare (one ledger batch) and queues the votes."""
        now = self.clock.now_micros()
        seen = set(legs.read_legs(connection, [t.transfer_id for t in transfers]))
        overtaken = mail.processed(connection, [rules.decision_item_id(t.transfer_id) for t in transfers])
        holds: list[CrossTransfer] = []
        for transfer in transfers:
            try:
                transfer.check()
                side = transfer.side_of(self.node_id)
            except RequestInvalid as error:
                log.warning("ignored a prepare not for this node: %s", error)
                continue
            if transfer.transfer_id in seen:
                continue  # answered before (the vote is in the outbox), or twice in this batch
            seen.add(transfer.transfer_id)
            if rules.decision_item_id(transfer.transfer_id) in overtaken:
                # The decision overtook its prepare (a redelivery): nothing is held, nothing to vote.
                reason = "decided by the clearinghouse before its prepare arrived"
                legs.insert_legs(connection, [self._leg(transfer, LegState.ABORTED, reason)])
                continue
            if side == "debit":
                self._answer_pull(connection, transfer)  # consent is checked and used one at a time
            else:
                holds.append(transfer)
        results = self.books.apply(connection, [rules.local_hold(t, self.node_id) for t in holds]).results
        answered, votes = [], []
        for transfer, result in zip(holds, results, strict=True):
            reason = "" if result.outcome == Outcome.OK else f"{result.outcome.name}: {result.detail}"
            answered.append(self._leg(transfer, LegState.REFUSED if reason else LegState.HELD, reason))
            votes.append(vote_item(Vote(transfer.transfer_id, not reason, reason)))
        legs.insert_legs(connection, answered)
        outbox.queue(connection, votes, now)
        return bool(transfers)

    def _answer_pull(self, connection: Connection, transfer: CrossTransfer) -> None:
        """A pull from an account here: held only with the holder's consent, which it uses."""
        consent, reason = self.consents.check(connection, transfer)
        if not reason:
            result = self.books.apply(connection, [rules.local_hold(transfer, self.node_id)]).results[0]
            if result.outcome != Outcome.OK:
                reason = f"{result.outcome.name}: {result.detail}"
        if not reason and consent is not None:
            self.consents.use(connection, consent, transfer.amount_minutes)
        legs.insert_legs(connection, [self._leg(transfer, LegState.REFUSED if reason else LegState.HELD, reason)])
        vote = vote_item(Vote(transfer.transfer_id, not reason, reason))
        outbox.queue(connection, [vote], self.clock.now_micros())

    def _leg(self, transfer: CrossTransfer, state: LegState, reason: str) -> Leg:
        return rules.leg_of(
            transfer, self.node_id, originator=False, state=state, reason=reason, now_micros=self.clock.now_micros()
        )

    # -- decisions --------------------------------------------------------------------------

    def _apply_decisions(self, connection: Connection, decisions: Sequence[Decision]) -> None:
        """Posts or voids the held legs the decisions name (one ledger batch)."""
        known = legs.read_legs(connection, [d.transfer_id for d in decisions])
        resolves: list[TransferRequest] = []
        decided: list[legs.Decided] = []
        decided_ids: set[int] = set()
        now = self.clock.now_micros()
        for decision in decisions:
            leg = known.get(decision.transfer_id)
            if leg is None:
                log.warning(
                    "ignored a decision for transfer %s, which this node never saw", ids.to_hex(decision.transfer_id)
                )
                continue
            if leg.state.decided or decision.transfer_id in decided_ids:
                continue
            decided_ids.add(decision.transfer_id)
            if leg.state == LegState.HELD:
                resolves.append(rules.resolution(decision.transfer_id, decision.commit, leg.amount_minutes))
            state = LegState.COMMITTED if decision.commit else LegState.ABORTED
            cycle_id = decision.cycle_id if decision.commit else None
            decided.append(legs.Decided(decision.transfer_id, state, decision.reason or leg.reason, now, cycle_id))
        for result in self.books.apply(connection, resolves).results:
            if not result.outcome.succeeded:
                raise AssertionError(f"a hold did not resolve: {result}")
        legs.update_decided(connection, decided)

    # -- restores ---------------------------------------------------------------------------

    def _restore_legs(self, connection: Connection, restores: Sequence[Restore]) -> None:
        """Makes the legs this node lost with its database, as the clearinghouse recorded them:
        held, held then posted, or (an ABORT) nothing moved. A leg the node has is left alone."""
        known = legs.read_legs(connection, [r.transfer.transfer_id for r in restores])
        fresh = {r.transfer.transfer_id: r for r in restores if r.transfer.transfer_id not in known}
        moving = [r for r in fresh.values() if not r.decided or r.commit]
        holds = self.books.apply(connection, [rules.local_hold(r.transfer, self.node_id) for r in moving]).results
        posts = [
            rules.resolution(r.transfer.transfer_id, True, r.transfer.amount_minutes)
            for r, held in zip(moving, holds, strict=True)
            if r.decided and held.outcome == Outcome.OK
        ]
        for result in self.books.apply(connection, posts).results:
            if not result.outcome.succeeded:
                raise AssertionError(f"a restored hold did not post: {result}")
        refused = {r.transfer.transfer_id: h for r, h in zip(moving, holds, strict=True) if h.outcome != Outcome.OK}
        now = self.clock.now_micros()
        rebuilt = []
        for restore in fresh.values():
            transfer = restore.transfer
            if transfer.transfer_id in refused:
                problem = refused[transfer.transfer_id]
                detail = f"transfer {ids.to_hex(transfer.transfer_id)}: {problem.outcome.name}: {problem.detail}"
                log.error("a restored leg could not be made: %s", detail)
                alarms.record(connection, alarms.RESTORE_CONFLICT, detail, now)
                continue
            state = (LegState.COMMITTED if restore.commit else LegState.ABORTED) if restore.decided else LegState.HELD
            leg = rules.leg_of(
                transfer,
                self.node_id,
                originator=transfer.originator_node_id == self.node_id,
                state=state,
                reason=restore.reason,
                now_micros=now,
            )
            rebuilt.append(
                replace(leg, decided_at_micros=restore.decided_at_micros or None, cycle_id=restore.cycle_id or None)
            )
        legs.insert_legs(connection, rebuilt)

    # -- receipts and statements ------------------------------------------------------------

    def _settle_receipts(self, connection: Connection, receipts: Sequence[Receipt], now_micros: int) -> None:
        """The clearinghouse has these items of ours: stop sending them. A refusal's reason is
        logged; a receipt for a home claim is its answer."""
        mail.acknowledge(connection, [r.item_id for r in receipts], now_micros)
        for receipt in receipts:
            if not receipt.accepted:
                log.warning("the clearinghouse refused item %s: %s", ids.to_hex(receipt.item_id), receipt.reason)
        homes.answer_claims(connection, [(r.item_id, r.accepted, r.reason) for r in receipts], now_micros)

    def _answer_cycle_close(self, connection: Connection, notice: CycleClosed) -> bool:
        """Makes (or resends) the cycle's statement once every COMMIT of it is applied here."""
        applied = statements.committed_count(connection, notice.cycle_id)
        previous_made = not notice.previous_cycle_id or bool(
            statements.stored_pages(connection, self.node_id, notice.previous_cycle_id)
        )
        if applied < notice.entry_count or not previous_made:
            log.info(
                "cycle %d closed: %d of its %d COMMITs applied here, statement of cycle %d %s; the statement waits",
                notice.cycle_id,
                applied,
                notice.entry_count,
                notice.previous_cycle_id,
                "made" if previous_made else "not made yet",
            )
            return False
        now = self.clock.now_micros()
        pages, new = statements.make(connection, self.node_id, notice.cycle_id, self.signing_key, now)
        if new:
            clearing = ledger_store.read_accounts(connection, [rules.CLEARING])[rules.CLEARING]
            record = StatementRecord(pages[0].SerializeToString(), clearing.balance_minutes)
            translog.record(connection, [record], now)
        items = [
            statement_item(StatementPage(page.SerializeToString()), self.node_id, notice.cycle_id, number + 1)
            for number, page in enumerate(pages)
        ]
        known = mail.queued(connection, [item.item_id for item in items])
        outbox.queue(connection, [item for item in items if item.item_id not in known], now)
        return True
