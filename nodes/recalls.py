"""Recalls of committed cross-node transfers: asking the counterparty to give hours back,
and answering such a request (a yes starts the return transfer at once).

Owns the rules of a recall (only a committed transfer sent from here can be recalled, up
to its amount; a recall is answered once) and its records, read and written through
`nodes.store.recalls`. The return transfer is started through the `submit` the crossing
hands in, in the same transaction as the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from nodes import outbox
from nodes.records import CrossRequest, LegState, RecallRecord, RecallState, RecallView, Side
from nodes.store import legs, recalls
from timebank import ids
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import ItemRefused, NotFound, RequestInvalid
from timebank.ledger.model import ItemResult, Outcome
from timebank.protocol import Recall, RecallAnswer, derive_id, recall_answer_item, recall_item

__all__ = ["REASON_LENGTH_MAX", "Recalls", "view_of"]

REASON_LENGTH_MAX = 200
Submit = Callable[[Connection, Sequence[CrossRequest]], tuple[ItemResult, ...]]


def view_of(recall: RecallRecord) -> RecallView:
    return RecallView(
        recall_id=recall.recall_id,
        original_id=recall.original_id,
        amount_minutes=recall.amount_minutes,
        reason=recall.reason,
        requested_here=recall.requested_here,
        counterparty_node_id=recall.counterparty_node_id,
        state=str(recall.state),
        answer_reason=recall.answer_reason,
        return_transfer_id=recall.return_transfer_id,
    )


def _same_request(known: RecallRecord, original_id: int, amount_minutes: int, reason: str) -> bool:
    return (known.original_id, known.amount_minutes, known.reason) == (original_id, amount_minutes, reason)


class Recalls:
    def __init__(self, books: Books, node_id: str, clock: Clock, submit: Submit) -> None:
        self.books = books
        self.node_id = node_id
        self.clock = clock
        self.submit = submit

    def request(self, recall_id: int, original_id: int, amount_minutes: int, reason: str) -> RecallView:
        """Asks the counterparty of a committed transfer sent from here to give it back
        (the same request again answers the recall as it stands)."""
        if len(reason) > REASON_LENGTH_MAX:
            raise RequestInvalid(f"reason: got {len(reason)} characters, want at most {REASON_LENGTH_MAX}")

        def work(connection: Connection) -> RecallView:
            known = recalls.read_recall(connection, recall_id)
            if known is not None:
                if not _same_request(known, original_id, amount_minutes, reason):
                    raise ItemRefused(
                        Outcome.EXISTS_WITH_DIFFERENT_BODY,
                        f"recall_id: {ids.to_hex(recall_id)} exists with a different body",
                    )
                return view_of(known)
            original = legs.read_legs(connection, [original_id]).get(original_id)
            if original is None:
                raise NotFound(f"original_id: no cross-node transfer {ids.to_hex(original_id)} here")
            if original.state != LegState.COMMITTED or original.side != Side.DEBIT:
                raise ItemRefused(
                    Outcome.INVALID,
                    f"original_id: {ids.to_hex(original_id)} is {original.state} and "
                    f"its {original.side} leg is here; only a committed transfer sent from here "
                    "can be recalled",
                )
            if not 1 <= amount_minutes <= original.amount_minutes:
                raise RequestInvalid(f"amount_minutes: got {amount_minutes}, want 1..={original.amount_minutes}")
            now = self.clock.now_micros()
            recall = RecallRecord(
                recall_id=recall_id,
                original_id=original_id,
                requested_here=True,
                counterparty_node_id=original.counterparty_node_id,
                amount_minutes=amount_minutes,
                reason=reason,
                state=RecallState.REQUESTED,
                answer_reason="",
                return_transfer_id=0,
                created_at_micros=now,
                answered_at_micros=None,
            )
            recalls.insert_recall(connection, recall)
            item = recall_item(Recall(recall_id, original_id, amount_minutes, reason, self.node_id), self.node_id)
            outbox.queue(connection, [item], now)
            return view_of(recall)

        return self.books.write(work)

    def answer(self, recall_id: int, accept: bool, reason: str) -> RecallView:
        """Accepts (holding and starting the return transfer now) or refuses a recall asked of this node."""

        def work(connection: Connection) -> RecallView:
            recall = recalls.read_recall(connection, recall_id)
            if recall is None or recall.requested_here:
                raise NotFound(f"recall_id: no recall {ids.to_hex(recall_id)} was asked of this node")
            if recall.state != RecallState.REQUESTED:
                raise ItemRefused(
                    Outcome.PENDING_ALREADY_RESOLVED, f"recall_id: {ids.to_hex(recall_id)} was {recall.state} already"
                )
            return_id = self._start_return(connection, recall) if accept else 0
            now = self.clock.now_micros()
            state = RecallState.ACCEPTED if accept else RecallState.REFUSED
            recalls.update_answer(
                connection,
                recall_id,
                requested_here=False,
                state=state,
                answer_reason=reason,
                return_transfer_id=return_id,
                answered_at_micros=now,
            )
            answer = RecallAnswer(recall_id, accept, reason, return_id)
            outbox.queue(connection, [recall_answer_item(answer, self.node_id)], now)
            answered = recalls.read_recall(connection, recall_id)
            assert answered is not None
            return view_of(answered)

        return self.books.write(work)

    def _start_return(self, connection: Connection, recall: RecallRecord) -> int:
        original = legs.read_legs(connection, [recall.original_id]).get(recall.original_id)
        assert original is not None and original.side == Side.CREDIT, "a recall names a transfer received here"
        return_id = derive_id("return", recall.recall_id)
        request = CrossRequest(
            id=return_id,
            local_account_id=original.local_account_id,
            remote_node_id=original.counterparty_node_id,
            remote_account_id=original.remote_account_id,
            amount_minutes=recall.amount_minutes,
            memo=f"return of {ids.to_hex(recall.original_id)}"[:200],
            returns_id=recall.original_id,
        )
        result = self.submit(connection, [request])[0]
        if result.outcome != Outcome.OK:
            raise ItemRefused(result.outcome, f"the return transfer cannot start: {result.detail}")
        return return_id

    def list(self, state: str = "", limit: int = 1_000) -> list[RecallView]:
        with self.books.engine.connect() as connection:
            return [view_of(recall) for recall in recalls.list_recalls(connection, state, limit)]

    def record_asked(self, connection: Connection, recall: Recall) -> None:
        """Records a recall the counterparty asked of this node (once)."""
        if recalls.read_recall(connection, recall.recall_id) is not None:
            return
        asked = RecallRecord(
            recall_id=recall.recall_id,
            original_id=recall.original_id,
            requested_here=False,
            counterparty_node_id=recall.requester_node_id,
            amount_minutes=recall.amount_minutes,
            reason=recall.reason,
            state=RecallState.REQUESTED,
            answer_reason="",
            return_transfer_id=0,
            created_at_micros=self.clock.now_micros(),
            answered_at_micros=None,
        )
        recalls.insert_recall(connection, asked)

    def record_answer(self, connection: Connection, answer: RecallAnswer) -> None:
        """Records the counterparty's answer to a recall asked here (a second answer changes nothing)."""
        recalls.update_answer(
            connection,
            answer.recall_id,
            requested_here=True,
            state=RecallState.ACCEPTED if answer.accept else RecallState.REFUSED,
            answer_reason=answer.reason,
            return_transfer_id=answer.return_transfer_id,
            answered_at_micros=self.clock.now_micros(),
        )
