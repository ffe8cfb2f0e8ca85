"""A node's half of the cross-node protocol: its holds, votes, decisions and consents.

Owns what the node does, in one database transaction each time: starting a transfer
(hold the local leg and queue the Prepare in the outbox together), answering a
forwarded Prepare (validate, check the holder's consent for a pull, hold, queue the
Vote), and applying a Decision (post or void the hold). The node never releases a hold
on its own: only the clearinghouse's decision does. Items received are deduplicated by
id; a decision for a transfer this node never saw changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, bindparam, func, insert, select, update

from nodes import statements
from nodes.tables import consents, home_claims, recalls, remote_transfers
from nodes.witness import Witness
from timebank import alarms, failpoints, ids, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import BatchTooLarge, ItemRefused, NotFound, RequestInvalid, TrafficStopped
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, ItemResult, Outcome, TransferKind, TransferRequest
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    CrossTransfer,
    CycleClosed,
    Decision,
    HomeClaim,
    Item,
    Prepare,
    Recall,
    RecallAnswer,
    Receipt,
    Restore,
    Resync,
    StatementPage,
    Vote,
    decision_item,
    decode_item,
    derive_id,
    encode_item,
    home_claim_item,
    prepare_item,
    recall_answer_item,
    recall_item,
    resync_item,
    statement_item,
    vote_item,
)
from timebank.storage import ledger_store
from timebank.storage.schema import inbox, log_entries, outbox
from timebank.v1 import log_pb2 as lpb

log = logging.getLogger(__name__)

HELD, COMMITTED, ABORTED, REFUSED = "held", "committed", "aborted", "refused"
CLEARING = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING]
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CONSENT_SECONDS_MAX = 31_536_000
# A resync after a restore starts this long before the restored log's last entry.
RESYNC_MARGIN_MICROS = 600_000_000


@dataclass(frozen=True)
class CrossRequest:
    id: int
    local_account_id: int
    remote_node_id: str
    remote_account_id: int
    amount_minutes: int
    memo: str = ""
    pull: bool = False
    one_time_code: str = ""
    mandate_id: int = 0
    returns_id: int = 0


@dataclass(frozen=True)
class CrossView:
    request: CrossRequest
    state: str
    reason: str
    originator: bool
    side: str


@dataclass(frozen=True)
class RecallView:
    recall_id: int
    original_id: int
    amount_minutes: int
    reason: str
    requested_here: bool
    counterparty_node_id: str
    state: str
    answer_reason: str
    return_transfer_id: int


@dataclass(frozen=True)
class ConsentGrant:
    one_time_code: str
    mandate_id: int
    expires_at_micros: int


class Crossing:
    def __init__(
        self,
        books: Books,
        node_id: str,
        clock: Clock,
        on_outbox: Callable[[], None],
        random_bytes: Callable[[int], bytes] = os.urandom,
        *,
        signing_key: Ed25519PrivateKey,
        witness: Witness,
    ) -> None:
        self.books = books
        self.node_id = node_id
        self.clock = clock
        self.on_outbox = on_outbox
        self.random_bytes = random_bytes
        self.signing_key = signing_key
        self.witness = witness

    # -- starting transfers ---------------------------------------------------------------

    def submit(self, requests: Sequence[CrossRequest]) -> tuple[ItemResult, ...]:
        if not requests:
            raise RequestInvalid("transfers: got an empty batch")
        if len(requests) > self.books.batch_size_max:
            raise BatchTooLarge(
                f"transfers: got {len(requests)} items, want at most {self.books.batch_size_max} per batch"
            )
        self.check_traffic()
        results = self.books.write(lambda connection: self._submit(connection, requests))
        failpoints.hit("node.hold-committed")
        if any(result.outcome == Outcome.OK for result in results):
            self.on_outbox()
        return results

    def check_traffic(self) -> None:
        """Refuses (TrafficStopped) while an open alarm stops cross-node traffic."""
        stopped = self.witness.stop_reason()
        if stopped:
            raise TrafficStopped(stopped)

    def submit_within(self, connection: Connection, requests: Sequence[CrossRequest]) -> tuple[ItemResult, ...]:
        """Holds and queues cross-node transfers inside the caller's transaction (opened by
        Books.write), for callers that record rows of their own with them. The caller checks
        traffic first and calls `on_outbox()` after the commit."""
        return self._submit(connection, requests)

    def _submit(self, connection: Connection, requests: Sequence[CrossRequest]) -> tuple[ItemResult, ...]:
        checked = [self._transfer_or_reason(request) for request in requests]
        known = _remote_rows(connection, [r.id for r in requests])
        holds = [self._local_leg(t) for t in checked if isinstance(t, CrossTransfer)]
        applied = iter(self.books.apply(connection, holds).results)
        results: list[ItemResult] = []
        legs: list[tuple[CrossTransfer, bool, str, str]] = []
        items: list[Item] = []
        for request, transfer in zip(requests, checked, strict=True):
            if isinstance(transfer, str):
                results.append(ItemResult(request.id, Outcome.INVALID, transfer))
                continue
            result = next(applied)
            if result.outcome == Outcome.EXISTS:
                result = _compare_remote(known.get(request.id), transfer, result)
            elif result.outcome == Outcome.OK:
                legs.append((transfer, True, HELD, ""))
                items.append(prepare_item(Prepare(transfer), self.node_id))
            results.append(result)
        self._record_legs(connection, legs, items)
        return tuple(results)

    def _transfer_or_reason(self, request: CrossRequest) -> CrossTransfer | str:
        """The cross transfer a request asks for, or why it is invalid."""
        try:
            return self._checked_transfer(request)
        except RequestInvalid as error:
            return str(error)

    def _checked_transfer(self, request: CrossRequest) -> CrossTransfer:
        local = (self.node_id, request.local_account_id)
        remote = (request.remote_node_id, request.remote_account_id)
        debit, credit = (remote, local) if request.pull else (local, remote)
        if not request.remote_node_id:
            raise RequestInvalid("remote_node_id: must not be empty")
        if request.pull and not (request.one_time_code or request.mandate_id):
            raise RequestInvalid("consent: a pull needs the holder's one_time_code or a mandate_id")
        transfer = CrossTransfer(
            transfer_id=request.id,
            debit_node_id=debit[0],
            debit_account_id=debit[1],
            credit_node_id=credit[0],
            credit_account_id=credit[1],
            amount_minutes=request.amount_minutes,
            memo=request.memo,
            originator_node_id=self.node_id,
            one_time_code=request.one_time_code,
            mandate_id=request.mandate_id,
            returns_id=request.returns_id,
        )
        transfer.check()
        return transfer

    def _local_leg(self, transfer: CrossTransfer) -> TransferRequest:
        """The pending transfer that holds this node's leg, named by the transfer's id."""
        if transfer.side_of(self.node_id) == "debit":
            debit, credit = transfer.debit_account_id, CLEARING
        else:
            debit, credit = CLEARING, transfer.credit_account_id
        return TransferRequest(
            transfer.transfer_id,
            TransferKind.PENDING,
            debit,
            credit,
            transfer.amount_minutes,
            memo=transfer.memo,
        )

    # -- receiving ------------------------------------------------------------------------

    def receive(self, items: Sequence[bytes], received: lpb.ReceivedBatch | None = None) -> list[int]:
        """Applies the clearinghouse's items; returns the ids to acknowledge.

        received is the batch as signed (header, key id, signature): logged with its items.
        """
        if not items:
            return []

        def work(connection: Connection) -> tuple[list[int], bool]:
            if received is not None:
                bodies: list[translog.Body] = [("received_batch", received)]
                bodies += [("received_item", lpb.ReceivedItem(position=n, item=data)) for n, data in enumerate(items)]
                translog.append(connection, bodies, self.clock.now_micros())
            return self._receive(connection, items)

        acknowledge, queued = self.books.write(work)
        if queued:
            self.on_outbox()
        return acknowledge

    def _receive(self, connection: Connection, items: Sequence[bytes]) -> tuple[list[int], bool]:
        """Applies a batch of items: holds for all prepares in one ledger batch, then decisions."""
        now = self.clock.now_micros()
        decoded = []
        for data in items:
            try:
                decoded.append(decode_item(data))
            except RequestInvalid as error:
                log.warning("ignored a malformed item from the clearinghouse: %s", error)
        seen = _processed(connection, [item.item_id for item in decoded])
        acknowledge: list[int] = []
        prepares: list[CrossTransfer] = []
        decisions: list[Decision] = []
        restores: list[Restore] = []
        notices: list[Item] = []
        new_ids: list[int] = []
        receipts = [item.body for item in decoded if isinstance(item.body, Receipt)]
        _settle_receipts(connection, receipts, now)
        for item in decoded:
            if isinstance(item.body, Receipt):
                continue
            if isinstance(item.body, CycleClosed):
                notices.append(item)  # acknowledged once its statement is made
                continue
            acknowledge.append(item.item_id)
            if item.item_id in seen:
                continue
            seen.add(item.item_id)
            new_ids.append(item.item_id)
            if isinstance(item.body, Prepare):
                prepares.append(item.body.transfer)
            elif isinstance(item.body, Decision):
                decisions.append(item.body)
            elif isinstance(item.body, Restore):
                restores.append(item.body)
            elif isinstance(item.body, Recall):
                self._record_recall(connection, item.body)
            elif isinstance(item.body, RecallAnswer):
                self._record_recall_answer(connection, item.body)
            else:
                log.warning("ignored a %s item from the clearinghouse", type(item.body).__name__)
        if new_ids:
            connection.execute(
                insert(inbox),
                [
                    {
                        "sender_id": CLEARINGHOUSE_ID,
                        "item_id": ids.to_hex(value),
                        "processed_at_micros": now,
                        "answer": None,
                    }
                    for value in new_ids
                ],
            )
        self._restore_legs(connection, restores)
        queued = self._answer_prepares(connection, prepares)
        self._apply_decisions(connection, decisions)
        for notice in notices:
            if self._answer_cycle_close(connection, notice.body):  # type: ignore[arg-type]
                acknowledge.append(notice.item_id)
                queued = True
        return acknowledge, queued

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
            clearing = ledger_store.read_accounts(connection, [CLEARING])[CLEARING]
            record = lpb.StatementRecord(statement=pages[0], clearing_balance_minutes=clearing.balance_minutes)
            translog.append(connection, [("statement", record)], now)
        items = [
            statement_item(StatementPage(page.SerializeToString()), self.node_id, notice.cycle_id, number + 1)
            for number, page in enumerate(pages)
        ]
        known = _queued_item_ids(connection, [item.item_id for item in items])
        self._queue(connection, [item for item in items if item.item_id not in known])
        return True

    def _restore_legs(self, connection: Connection, restores: Sequence[Restore]) -> None:
        """Makes the legs this node lost with its database, as the clearinghouse recorded them:
        held, held then posted, or (an ABORT) nothing moved. A leg the node has is left alone."""
        known = _remote_rows(connection, [r.transfer.transfer_id for r in restores])
        fresh = {r.transfer.transfer_id: r for r in restores if r.transfer.transfer_id not in known}
        moving = [r for r in fresh.values() if not r.decided or r.commit]
        holds = self.books.apply(connection, [self._local_leg(r.transfer) for r in moving]).results
        posts = [
            TransferRequest(
                derive_id("post", r.transfer.transfer_id),
                TransferKind.POST_PENDING,
                0,
                0,
                r.transfer.amount_minutes,
                pending_id=r.transfer.transfer_id,
            )
            for r, held in zip(moving, holds, strict=True)
            if r.decided and held.outcome == Outcome.OK
        ]
        for result in self.books.apply(connection, posts).results:
            if not result.outcome.succeeded:
                raise AssertionError(f"a restored hold did not post: {result}")
        refused = {r.transfer.transfer_id: h for r, h in zip(moving, holds, strict=True) if h.outcome != Outcome.OK}
        rows = []
        for restore in fresh.values():
            transfer = restore.transfer
            state = (COMMITTED if restore.commit else ABORTED) if restore.decided else HELD
            if transfer.transfer_id in refused:
                problem = refused[transfer.transfer_id]
                detail = f"transfer {ids.to_hex(transfer.transfer_id)}: {problem.outcome.name}: {problem.detail}"
                log.error("a restored leg could not be made: %s", detail)
                alarms.record(connection, alarms.RESTORE_CONFLICT, detail, self.clock.now_micros())
                continue
            row = self._leg_row(transfer, transfer.originator_node_id == self.node_id, state, restore.reason)
            row.update(decided_at_micros=restore.decided_at_micros or None, cycle_id=restore.cycle_id or None)
            rows.append(row)
        if rows:
            connection.execute(insert(remote_transfers), rows)

    def _answer_prepares(self, connection: Connection, transfers: Sequence[CrossTransfer]) -> bool:
        """Holds this node's leg of each new prepare (one ledger batch) and queues the votes."""
        known = _remote_rows(connection, [t.transfer_id for t in transfers])
        overtaken = _processed(connection, [_decision_id(t.transfer_id) for t in transfers])
        holds: list[CrossTransfer] = []
        seen = set(known)
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
            if _decision_id(transfer.transfer_id) in overtaken:
                # The decision overtook its prepare (a redelivery): nothing is held, nothing to vote.
                self._remember(
                    connection,
                    transfer,
                    originator=False,
                    state=ABORTED,
                    reason="decided by the clearinghouse before its prepare arrived",
                )
                continue
            if side == "debit":
                self._answer_pull(connection, transfer)  # consent is checked and used one at a time
            else:
                holds.append(transfer)
        results = self.books.apply(connection, [self._local_leg(t) for t in holds]).results
        legs, votes = [], []
        for transfer, result in zip(holds, results, strict=True):
            reason = "" if result.outcome == Outcome.OK else f"{result.outcome.name}: {result.detail}"
            legs.append((transfer, False, REFUSED if reason else HELD, reason))
            votes.append(vote_item(Vote(transfer.transfer_id, not reason, reason)))
        self._record_legs(connection, legs, votes)
        return bool(transfers)

    def _answer_pull(self, connection: Connection, transfer: CrossTransfer) -> None:
        reason = self._check_consent(connection, transfer)
        if not reason:
            result = self.books.apply(connection, [self._local_leg(transfer)]).results[0]
            if result.outcome != Outcome.OK:
                reason = f"{result.outcome.name}: {result.detail}"
        if not reason:
            self._use_consent(connection, transfer)
        self._vote(connection, transfer, reason)

    def _vote(self, connection: Connection, transfer: CrossTransfer, reason: str) -> None:
        state = REFUSED if reason else HELD
        self._remember(connection, transfer, originator=False, state=state, reason=reason)
        self._send(connection, vote_item(Vote(transfer.transfer_id, not reason, reason)))

    def _apply_decisions(self, connection: Connection, decisions: Sequence[Decision]) -> None:
        """Posts or voids the held legs the decisions name (one ledger batch)."""
        rows = _remote_rows(connection, [d.transfer_id for d in decisions])
        resolves: list[TransferRequest] = []
        updates: list[tuple[Decision, object]] = []
        decided: set[int] = set()
        for decision in decisions:
            row = rows.get(decision.transfer_id)
            if row is None:
                log.warning(
                    "ignored a decision for transfer %s, which this node never saw", ids.to_hex(decision.transfer_id)
                )
                continue
            if row.state in (COMMITTED, ABORTED) or decision.transfer_id in decided:
                continue
            decided.add(decision.transfer_id)
            if row.state == HELD:
                kind = TransferKind.POST_PENDING if decision.commit else TransferKind.VOID_PENDING
                resolves.append(
                    TransferRequest(
                        derive_id("post" if decision.commit else "void", decision.transfer_id),
                        kind,
                        0,
                        0,
                        row.amount_minutes if decision.commit else 0,
                        pending_id=decision.transfer_id,
                    )
                )
            updates.append((decision, row))
        for result in self.books.apply(connection, resolves).results:
            if not result.outcome.succeeded:
                raise AssertionError(f"a hold did not resolve: {result}")
        if updates:
            statement = (
                update(remote_transfers)
                .where(remote_transfers.c.transfer_id == bindparam("key"))
                .values(
                    state=bindparam("new_state"),
                    reason=bindparam("new_reason"),
                    decided_at_micros=bindparam("decided_at"),
                    cycle_id=bindparam("new_cycle"),
                )
            )
            now = self.clock.now_micros()
            connection.execute(
                statement,
                [
                    {
                        "key": ids.to_hex(decision.transfer_id),
                        "new_state": COMMITTED if decision.commit else ABORTED,
                        "new_reason": decision.reason or row.reason,
                        "decided_at": now,
                        "new_cycle": decision.cycle_id if decision.commit else None,
                    }
                    for decision, row in updates
                ],
            )

    # -- recalls --------------------------------------------------------------------------

    def request_recall(self, recall_id: int, original_id: int, amount_minutes: int, reason: str) -> RecallView:
        """Asks the counterparty of a committed transfer sent from here to give it back."""
        if len(reason) > 200:
            raise RequestInvalid(f"reason: got {len(reason)} characters, want at most 200")

        def work(connection: Connection) -> RecallView:
            known = _recall_row(connection, recall_id)
            if known is not None:
                if (ids.from_hex(known.original_id), known.amount_minutes, known.reason) != (
                    original_id,
                    amount_minutes,
                    reason,
                ):
                    raise ItemRefused(
                        Outcome.EXISTS_WITH_DIFFERENT_BODY,
                        f"recall_id: {ids.to_hex(recall_id)} exists with a different body",
                    )
                return _recall_view(known)
            original = _remote_rows(connection, [original_id]).get(original_id)
            if original is None:
                raise NotFound(f"original_id: no cross-node transfer {ids.to_hex(original_id)} here")
            if original.state != COMMITTED or original.side != "debit":
                raise ItemRefused(
                    Outcome.INVALID,
                    f"original_id: {ids.to_hex(original_id)} is {original.state} and "
                    f"its {original.side} leg is here; only a committed transfer sent from here "
                    "can be recalled",
                )
            if not 1 <= amount_minutes <= original.amount_minutes:
                raise RequestInvalid(f"amount_minutes: got {amount_minutes}, want 1..={original.amount_minutes}")
            now = self.clock.now_micros()
            connection.execute(
                insert(recalls).values(
                    recall_id=ids.to_hex(recall_id),
                    original_id=ids.to_hex(original_id),
                    requested_here=True,
                    counterparty_node_id=original.counterparty_node_id,
                    amount_minutes=amount_minutes,
                    reason=reason,
                    state="requested",
                    answer_reason="",
                    return_transfer_id=None,
                    created_at_micros=now,
                    answered_at_micros=None,
                )
            )
            self._send(
                connection,
                recall_item(Recall(recall_id, original_id, amount_minutes, reason, self.node_id), self.node_id),
            )
            return _recall_view(_recall_row(connection, recall_id))

        view = self.books.write(work)
        self.on_outbox()
        return view

    def answer_recall(self, recall_id: int, accept: bool, reason: str) -> RecallView:
        """Accepts (holding and starting the return transfer now) or refuses a recall asked of this node."""

        def work(connection: Connection) -> RecallView:
            row = _recall_row(connection, recall_id)
            if row is None or row.requested_here:
                raise NotFound(f"recall_id: no recall {ids.to_hex(recall_id)} was asked of this node")
            if row.state != "requested":
                raise ItemRefused(
                    Outcome.PENDING_ALREADY_RESOLVED, f"recall_id: {ids.to_hex(recall_id)} was {row.state} already"
                )
            return_id = 0
            if accept:
                return_id = self._start_return(connection, row)
            state = "accepted" if accept else "refused"
            connection.execute(
                update(recalls)
                .where(recalls.c.recall_id == row.recall_id)
                .values(
                    state=state,
                    answer_reason=reason,
                    return_transfer_id=ids.to_hex(return_id) if return_id else None,
                    answered_at_micros=self.clock.now_micros(),
                )
            )
            answer = RecallAnswer(recall_id, accept, reason, return_id)
            self._send(connection, recall_answer_item(answer, self.node_id))
            return _recall_view(_recall_row(connection, recall_id))

        view = self.books.write(work)
        self.on_outbox()
        return view

    def _start_return(self, connection: Connection, row: object) -> int:
        original_id = ids.from_hex(row.original_id)
        original = _remote_rows(connection, [original_id]).get(original_id)
        assert original is not None and original.side == "credit", "a recall names a transfer received here"
        return_id = derive_id("return", ids.from_hex(row.recall_id))
        request = CrossRequest(
            id=return_id,
            local_account_id=ids.from_hex(original.local_account_id),
            remote_node_id=original.counterparty_node_id,
            remote_account_id=ids.from_hex(original.remote_account_id),
            amount_minutes=row.amount_minutes,
            memo=f"return of {ids.to_hex(original_id)}"[:200],
            returns_id=original_id,
        )
        result = self._submit(connection, [request])[0]
        if result.outcome != Outcome.OK:
            raise ItemRefused(result.outcome, f"the return transfer cannot start: {result.detail}")
        return return_id

    def recalls(self, state: str = "", limit: int = 1_000) -> list[RecallView]:
        statement = select(recalls).order_by(recalls.c.created_at_micros.desc()).limit(limit)
        if state:
            statement = statement.where(recalls.c.state == state)
        with self.books.engine.connect() as connection:
            return [_recall_view(row) for row in connection.execute(statement)]

    def _record_recall(self, connection: Connection, recall: Recall) -> None:
        if _recall_row(connection, recall.recall_id) is not None:
            return
        connection.execute(
            insert(recalls).values(
                recall_id=ids.to_hex(recall.recall_id),
                original_id=ids.to_hex(recall.original_id),
                requested_here=False,
                counterparty_node_id=recall.requester_node_id,
                amount_minutes=recall.amount_minutes,
                reason=recall.reason,
                state="requested",
                answer_reason="",
                return_transfer_id=None,
                created_at_micros=self.clock.now_micros(),
                answered_at_micros=None,
            )
        )

    def _record_recall_answer(self, connection: Connection, answer: RecallAnswer) -> None:
        connection.execute(
            update(recalls)
            .where(
                recalls.c.recall_id == ids.to_hex(answer.recall_id),
                recalls.c.requested_here.is_(True),
                recalls.c.state == "requested",
            )
            .values(
                state="accepted" if answer.accept else "refused",
                answer_reason=answer.reason,
                return_transfer_id=ids.to_hex(answer.return_transfer_id) if answer.return_transfer_id else None,
                answered_at_micros=self.clock.now_micros(),
            )
        )

    # -- consents -------------------------------------------------------------------------

    def create_consent(
        self,
        holder_account_id: int,
        beneficiary_node_id: str,
        limit_minutes: int,
        valid_seconds: int,
        mandate_id: int = 0,
    ) -> ConsentGrant:
        if not 1 <= limit_minutes <= 1_000_000_000:
            raise RequestInvalid(f"limit_minutes: got {limit_minutes}, want 1..=1000000000")
        if not 1 <= valid_seconds <= CONSENT_SECONDS_MAX:
            raise RequestInvalid(f"valid_seconds: got {valid_seconds}, want 1..={CONSENT_SECONDS_MAX}")
        code = "" if mandate_id else self._new_code()
        consent_id = ids.to_hex(mandate_id) if mandate_id else _code_key(code)
        now = self.clock.now_micros()
        expires = now + valid_seconds * 1_000_000

        def work(connection: Connection) -> None:
            account = ledger_store.read_account(connection, holder_account_id)
            if account is None or account.spec.kind != AccountKind.MEMBER:
                raise NotFound(f"holder_account_id: member account {ids.to_hex(holder_account_id)} not found")
            if connection.execute(select(consents.c.consent_id).where(consents.c.consent_id == consent_id)).first():
                raise RequestInvalid(f"mandate_id: {consent_id} exists already")
            connection.execute(
                insert(consents).values(
                    consent_id=consent_id,
                    kind="mandate" if mandate_id else "code",
                    holder_account_id=ids.to_hex(holder_account_id),
                    beneficiary_node_id=beneficiary_node_id,
                    limit_minutes=limit_minutes,
                    used_minutes=0,
                    expires_at_micros=expires,
                    created_at_micros=now,
                )
            )

        self.books.write(work)
        return ConsentGrant(code, mandate_id, expires)

    def _new_code(self) -> str:
        """A one-time code: CODE_LENGTH characters of a 31-letter alphabet (about 59 bits)."""
        alphabet = len(CODE_ALPHABET)
        code = []
        while len(code) < CODE_LENGTH:
            for byte in self.random_bytes(2 * CODE_LENGTH):
                if byte < 256 - 256 % alphabet and len(code) < CODE_LENGTH:  # no modulo bias
                    code.append(CODE_ALPHABET[byte % alphabet])
        return "".join(code)

    def _consent_row(self, connection: Connection, transfer: CrossTransfer):  # type: ignore[no-untyped-def]
        key = _code_key(transfer.one_time_code) if transfer.one_time_code else ids.to_hex(transfer.mandate_id)
        return connection.execute(select(consents).where(consents.c.consent_id == key)).first()

    def _check_consent(self, connection: Connection, transfer: CrossTransfer) -> str:
        row = self._consent_row(connection, transfer)
        what = "one-time code" if transfer.one_time_code else "mandate"
        if row is None or ids.from_hex(row.holder_account_id) != transfer.debit_account_id:
            return f"consent: no such {what} for account {ids.to_hex(transfer.debit_account_id)}"
        if row.beneficiary_node_id not in ("", transfer.credit_node_id):
            return f"consent: the {what} is for node {row.beneficiary_node_id!r}, not {transfer.credit_node_id!r}"
        if self.clock.now_micros() >= row.expires_at_micros:
            return f"consent: the {what} has expired"
        if row.kind == "code" and row.used_minutes:
            return "consent: the one-time code was used already"
        if row.used_minutes + transfer.amount_minutes > row.limit_minutes:
            return (
                f"consent: {transfer.amount_minutes} minutes exceed what the {what} allows "
                f"({row.limit_minutes - row.used_minutes} left)"
            )
        return ""

    def _use_consent(self, connection: Connection, transfer: CrossTransfer) -> None:
        row = self._consent_row(connection, transfer)
        used = row.limit_minutes if row.kind == "code" else row.used_minutes + transfer.amount_minutes
        connection.execute(update(consents).where(consents.c.consent_id == row.consent_id).values(used_minutes=used))

    # -- reads for the link and the operator ---------------------------------------------

    def outgoing(self, limit: int) -> list[bytes]:
        with self.books.engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.item)
                .where(outbox.c.recipient_id == CLEARINGHOUSE_ID, outbox.c.acknowledged_at_micros.is_(None))
                .order_by(outbox.c.sequence)
                .limit(limit)
            )
            return [bytes(row.item) for row in rows]

    def backlog(self) -> tuple[int, int]:
        """(items not yet acknowledged by the clearinghouse, legs held waiting for a decision)."""
        with self.books.engine.connect() as connection:
            waiting = connection.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.recipient_id == CLEARINGHOUSE_ID, outbox.c.acknowledged_at_micros.is_(None))
            ).scalar_one()
            held = connection.execute(
                select(func.count()).select_from(remote_transfers).where(remote_transfers.c.state.in_((HELD, REFUSED)))
            ).scalar_one()
        return int(waiting), int(held)

    def held_before(self, before_micros: int, limit: int) -> list[int]:
        with self.books.engine.connect() as connection:
            rows = connection.execute(
                select(remote_transfers.c.transfer_id)
                .where(
                    remote_transfers.c.state.in_((HELD, REFUSED)),
                    remote_transfers.c.created_at_micros < before_micros,
                )
                .order_by(remote_transfers.c.created_at_micros)
                .limit(limit)
            )
            return [ids.from_hex(row.transfer_id) for row in rows]

    def view(self, transfer_id: int) -> CrossView:
        with self.books.engine.connect() as connection:
            row = _remote_rows(connection, [transfer_id]).get(transfer_id)
        if row is None:
            raise NotFound(f"id: this node holds no leg of cross-node transfer {ids.to_hex(transfer_id)}")
        pull = row.side == "credit" if row.originator else row.side == "debit"
        request = CrossRequest(
            transfer_id,
            ids.from_hex(row.local_account_id),
            row.counterparty_node_id,
            ids.from_hex(row.remote_account_id),
            row.amount_minutes,
            row.memo,
            pull=pull,
        )
        state = REFUSED_AS_ABORTED.get(row.state, row.state)
        return CrossView(request, state, row.reason, bool(row.originator), row.side)

    # -- writes shared by the paths above -------------------------------------------------

    def _remember(
        self, connection: Connection, transfer: CrossTransfer, *, originator: bool, state: str, reason: str
    ) -> None:
        connection.execute(insert(remote_transfers), [self._leg_row(transfer, originator, state, reason)])

    def _leg_row(self, transfer: CrossTransfer, originator: bool, state: str, reason: str) -> dict[str, object]:
        """This node's record of its leg of a cross-node transfer, as a row."""
        side = transfer.side_of(self.node_id)
        local, remote = (
            (transfer.debit_account_id, transfer.credit_account_id)
            if side == "debit"
            else (transfer.credit_account_id, transfer.debit_account_id)
        )
        return {
            "transfer_id": ids.to_hex(transfer.transfer_id),
            "side": side,
            "originator": originator,
            "counterparty_node_id": transfer.credit_node_id if side == "debit" else transfer.debit_node_id,
            "local_account_id": ids.to_hex(local),
            "remote_account_id": ids.to_hex(remote),
            "amount_minutes": transfer.amount_minutes,
            "memo": transfer.memo,
            "state": state,
            "reason": reason,
            "created_at_micros": self.clock.now_micros(),
            "decided_at_micros": None,
        }

    def _send(self, connection: Connection, item: Item) -> None:
        self._queue(connection, [item])

    # -- one home node per person -------------------------------------------------------------

    def claim_home(
        self, connection: Connection, identity_hash: bytes, person_id: int, *, release: bool = False
    ) -> None:
        """Asks the clearinghouse, in the caller's transaction, to record (or release) this node
        as the person's home; the answer arrives as a receipt (see `home_claim`). The caller
        calls `on_outbox()` after the commit."""
        item = home_claim_item(HomeClaim(identity_hash, person_id, release))
        key = ids.to_hex(item.item_id)
        if connection.execute(select(home_claims.c.item_id).where(home_claims.c.item_id == key)).first() is not None:
            return  # claimed before: the outbox still holds it, or the answer is in
        self._queue(connection, [item])
        connection.execute(
            insert(home_claims).values(
                item_id=key,
                identity_hash=identity_hash.hex(),
                person_id=ids.to_hex(person_id),
                release=release,
                state="sent",
                reason="",
                sent_at_micros=self.clock.now_micros(),
                answered_at_micros=0,
            )
        )

    @staticmethod
    def home_claim(connection: Connection, person_id: int) -> tuple[str, str]:
        """(state, reason) of this node's claim of the person's home: ("", "") if none was sent."""
        row = connection.execute(
            select(home_claims.c.state, home_claims.c.reason)
            .where(home_claims.c.person_id == ids.to_hex(person_id), home_claims.c.release.is_(False))
            .order_by(home_claims.c.sent_at_micros.desc())
        ).first()
        return (row.state, row.reason) if row is not None else ("", "")

    def _queue(self, connection: Connection, items: Sequence[Item]) -> None:
        """Puts items in the outbox and logs each as sent, in the caller's transaction."""
        if not items:
            return
        rows = [self._outbox_row(item) for item in items]
        connection.execute(insert(outbox), rows)
        bodies = [("sent_item", lpb.SentItem(recipient_id=CLEARINGHOUSE_ID, item=row["item"])) for row in rows]
        translog.append(connection, bodies, self.clock.now_micros())  # type: ignore[arg-type]

    def _outbox_row(self, item: Item) -> dict[str, object]:
        return {
            "recipient_id": CLEARINGHOUSE_ID,
            "item_id": ids.to_hex(item.item_id),
            "item": encode_item(item),
            "created_at_micros": self.clock.now_micros(),
            "acknowledged_at_micros": None,
            "delivered_at_micros": None,
        }

    def _record_legs(
        self, connection: Connection, legs: Sequence[tuple[CrossTransfer, bool, str, str]], items: Sequence[Item]
    ) -> None:
        """Records many legs and queues many items, in two statements."""
        if legs:
            connection.execute(insert(remote_transfers), [self._leg_row(*leg) for leg in legs])
        self._queue(connection, items)


REFUSED_AS_ABORTED = {REFUSED: ABORTED}  # this node voted no: the clearinghouse can only abort


def _recall_row(connection: Connection, recall_id: int):  # type: ignore[no-untyped-def]
    return connection.execute(select(recalls).where(recalls.c.recall_id == ids.to_hex(recall_id))).first()


def _recall_view(row) -> RecallView:  # type: ignore[no-untyped-def]
    return RecallView(
        recall_id=ids.from_hex(row.recall_id),
        original_id=ids.from_hex(row.original_id),
        amount_minutes=row.amount_minutes,
        reason=row.reason,
        requested_here=bool(row.requested_here),
        counterparty_node_id=row.counterparty_node_id,
        state=row.state,
        answer_reason=row.answer_reason,
        return_transfer_id=ids.from_hex(row.return_transfer_id) if row.return_transfer_id else 0,
    )


def _decision_id(transfer_id: int) -> int:
    return decision_item(Decision(transfer_id, False, "", 0)).item_id


def _code_key(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _remote_rows(connection: Connection, transfer_ids: Sequence[int]) -> dict[int, object]:
    rows = ledger_store.rows_where_in(connection, remote_transfers.c.transfer_id, transfer_ids)
    return {ids.from_hex(row.transfer_id): row for row in rows}


def _compare_remote(row: object, transfer: CrossTransfer, result: ItemResult) -> ItemResult:
    if row is None:
        return result
    remote_node = row.counterparty_node_id
    remote_account = ids.from_hex(row.remote_account_id)
    side_remote = (
        transfer.credit_account_id
        if transfer.debit_node_id == transfer.originator_node_id
        else transfer.debit_account_id
    )
    if remote_node != transfer.counterparty_node_id or remote_account != side_remote:
        return ItemResult(
            result.id,
            Outcome.EXISTS_WITH_DIFFERENT_BODY,
            f"remote_node_id: id {ids.to_hex(result.id)} exists for another remote account",
        )
    return result


def queue_resync(connection: Connection, now_micros: int, nonce: int) -> int:
    """After a restore: asks the clearinghouse for everything since shortly before the last
    entry of the restored log (idempotent at both ends, so the margin costs only resends)."""
    last = connection.execute(select(func.max(log_entries.c.logged_at_micros))).scalar_one() or 0
    since = max(0, last - RESYNC_MARGIN_MICROS)
    item = resync_item(Resync(since), nonce)
    connection.execute(
        insert(outbox).values(
            recipient_id=CLEARINGHOUSE_ID,
            item_id=ids.to_hex(item.item_id),
            item=encode_item(item),
            created_at_micros=now_micros,
            acknowledged_at_micros=None,
            delivered_at_micros=None,
        )
    )
    event = lpb.RegistryEvent(
        action="restored", party_id=CLEARINGHOUSE_ID, detail=f"restored from a backup; resync since {since}"
    )
    translog.append(connection, [("registry_event", event)], now_micros)
    return since


def _queued_item_ids(connection: Connection, item_ids: Sequence[int]) -> set[int]:
    rows = ledger_store.rows_where_in(connection, outbox.c.item_id, item_ids)
    return {ids.from_hex(row.item_id) for row in rows}


def _processed(connection: Connection, item_ids: Sequence[int]) -> set[int]:
    rows = ledger_store.rows_where_in(connection, inbox.c.item_id, item_ids, inbox.c.sender_id == CLEARINGHOUSE_ID)
    return {ids.from_hex(row.item_id) for row in rows}


def _settle_receipts(connection: Connection, receipts: Sequence[Receipt], now_micros: int) -> None:
    """The clearinghouse has these items of ours: stop sending them (in bounded IN lists). A
    refusal's reason is logged."""
    ledger_store.acknowledge_outbox(connection, CLEARINGHOUSE_ID, [r.item_id for r in receipts], now_micros)
    for receipt in receipts:
        if not receipt.accepted:
            log.warning("the clearinghouse refused item %032x: %s", receipt.item_id, receipt.reason)
        connection.execute(
            update(home_claims)
            .where(home_claims.c.item_id == ids.to_hex(receipt.item_id), home_claims.c.state == "sent")
            .values(
                state="confirmed" if receipt.accepted else "refused",
                reason=receipt.reason,
                answered_at_micros=now_micros,
            )
        )
