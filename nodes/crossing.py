"""A node's half of the cross-node protocol: the one object the services, the link and
the care desk hold.

Owns starting transfers (hold the local leg and queue the Prepare in the outbox, in one
transaction), the reads the link and the operator need (what to send, the backlog, a
leg's view), home claims, and the wiring of the parts it delegates to: receiving the
clearinghouse's items (`nodes.receiving`), recalls (`nodes.recalls`) and consents
(`nodes.consents`). The rules of a leg are pure (`nodes.legs`); the SQL is in
`nodes.store`; what is sent is logged by `nodes.outbox`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from nodes import legs as rules
from nodes import outbox
from nodes.consents import Consents
from nodes.recalls import Recalls
from nodes.receiving import Receiving
from nodes.records import ConsentGrant, CrossRequest, CrossView, LegState, RecallView
from nodes.store import homes, legs, mail
from nodes.witness import Witness
from timebank import failpoints, ids, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import BatchTooLarge, NotFound, RequestInvalid, TrafficStopped
from timebank.ledger.model import ItemResult, Outcome
from timebank.logentries import LogValue, ReceivedBatch, ReceivedItem, RegistryEvent
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    CrossTransfer,
    HomeClaim,
    Prepare,
    Resync,
    SupervisionReport,
    home_claim_item,
    prepare_item,
    resync_item,
    supervision_item,
)

__all__ = ["RESYNC_MARGIN_MICROS", "Crossing", "queue_resync"]

log = logging.getLogger(__name__)

# A resync after a restore starts this long before the restored log's last entry.
RESYNC_MARGIN_MICROS = 600_000_000
HELD = LegState.HELD


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
        self.witness = witness
        self.consents = Consents(books, clock, random_bytes)
        self.recall_desk = Recalls(books, node_id, clock, self._submit)
        self.receiving = Receiving(books, node_id, clock, signing_key, self.consents, self.recall_desk)

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
        checked = [rules.transfer_or_reason(request, self.node_id) for request in requests]
        known = legs.read_legs(connection, [r.id for r in requests])
        holds = [rules.local_hold(t, self.node_id) for t in checked if isinstance(t, CrossTransfer)]
        applied = iter(self.books.apply(connection, holds).results)
        now = self.clock.now_micros()
        results: list[ItemResult] = []
        held, prepares = [], []
        for request, transfer in zip(requests, checked, strict=True):
            if isinstance(transfer, str):
                results.append(ItemResult(request.id, Outcome.INVALID, transfer))
                continue
            result = next(applied)
            if result.outcome in (Outcome.EXISTS, Outcome.EXISTS_WITH_DIFFERENT_BODY):
                result = rules.compare_with_leg(known.get(request.id), request, result)
            elif result.outcome == Outcome.OK:
                held.append(
                    rules.leg_of(transfer, self.node_id, originator=True, state=HELD, reason="", now_micros=now)
                )
                prepares.append(prepare_item(Prepare(transfer), self.node_id))
            results.append(result)
        legs.insert_legs(connection, held)
        outbox.queue(connection, prepares, now)
        return tuple(results)

    # -- receiving ------------------------------------------------------------------------

    def receive(self, items: Sequence[bytes], received: ReceivedBatch | None = None) -> list[int]:
        """Applies the clearinghouse's items; returns the ids to acknowledge.

        received is the batch as signed (header, key id, signature): logged with its items.
        """
        if not items:
            return []

        def work(connection: Connection) -> tuple[list[int], bool]:
            if received is not None:
                values: list[LogValue] = [received]
                values += [ReceivedItem(position, data) for position, data in enumerate(items)]
                translog.record(connection, values, self.clock.now_micros())
            return self.receiving.apply(connection, items)

        acknowledge, queued = self.books.write(work)
        if queued:
            self.on_outbox()
        return acknowledge

    # -- recalls and consents -------------------------------------------------------------

    def request_recall(self, recall_id: int, original_id: int, amount_minutes: int, reason: str) -> RecallView:
        """Asks the counterparty of a committed transfer sent from here to give it back."""
        view = self.recall_desk.request(recall_id, original_id, amount_minutes, reason)
        self.on_outbox()
        return view

    def answer_recall(self, recall_id: int, accept: bool, reason: str) -> RecallView:
        """Accepts (holding and starting the return transfer now) or refuses a recall asked of this node."""
        view = self.recall_desk.answer(recall_id, accept, reason)
        self.on_outbox()
        return view

    def recalls(self, state: str = "", limit: int = 1_000) -> list[RecallView]:
        return self.recall_desk.list(state, limit)

    def create_consent(
        self,
        holder_account_id: int,
        beneficiary_node_id: str,
        limit_minutes: int,
        valid_seconds: int,
        mandate_id: int = 0,
    ) -> ConsentGrant:
        return self.consents.create(holder_account_id, beneficiary_node_id, limit_minutes, valid_seconds, mandate_id)

    # -- reads for the link and the operator ---------------------------------------------

    def outgoing(self, limit: int) -> list[bytes]:
        with self.books.engine.connect() as connection:
            return mail.unacknowledged(connection, limit)

    def backlog(self) -> tuple[int, int]:
        """(items not yet acknowledged by the clearinghouse, legs held waiting for a decision)."""
        with self.books.engine.connect() as connection:
            return mail.count_waiting(connection), legs.count_undecided(connection)

    def held_before(self, before_micros: int, limit: int) -> list[int]:
        with self.books.engine.connect() as connection:
            return legs.undecided_before(connection, before_micros, limit)

    def views(self, state: str, limit: int) -> list[CrossView]:
        """The newest cross-node transfers this node holds a leg of, in a reported state ("" any)."""
        if not 0 <= limit <= legs.LISTED_MAX:
            raise RequestInvalid(f"limit: got {limit}, want 0 (100) to {legs.LISTED_MAX}")
        states = [leg for leg in LegState if str(leg.as_reported) == state] if state else []
        with self.books.engine.connect() as connection:
            return [rules.view_of(leg) for leg in legs.recent_legs(connection, states, limit or 100)]

    def view(self, transfer_id: int) -> CrossView:
        with self.books.engine.connect() as connection:
            leg = legs.read_legs(connection, [transfer_id]).get(transfer_id)
        if leg is None:
            raise NotFound(f"id: this node holds no leg of cross-node transfer {ids.to_hex(transfer_id)}")
        return rules.view_of(leg)

    # -- one home node per person -------------------------------------------------------------

    def claim_home(
        self, connection: Connection, identity_hash: bytes, person_id: int, *, release: bool = False
    ) -> None:
        """Asks the clearinghouse, in the caller's transaction, to record (or release) this node
        as the person's home; the answer arrives as a receipt (see `home_claim`). The caller
        calls `on_outbox()` after the commit."""
        item = home_claim_item(HomeClaim(identity_hash, person_id, release))
        if homes.claim_exists(connection, item.item_id):
            return  # claimed before: the outbox still holds it, or the answer is in
        now = self.clock.now_micros()
        outbox.queue(connection, [item], now)
        homes.insert_claim(connection, item.item_id, identity_hash, person_id, release, now)

    def report_supervision(self, report: bytes, as_of_micros: int) -> None:
        """Queues the node's supervision report (its aggregates, for the bureau) for the
        clearinghouse, in a transaction of its own, and wakes the link."""
        item = supervision_item(SupervisionReport(report, as_of_micros), self.node_id)
        self.books.write(lambda connection: outbox.queue(connection, [item], self.clock.now_micros()))
        self.on_outbox()

    @staticmethod
    def home_claim(connection: Connection, person_id: int) -> tuple[str, str]:
        """(state, reason) of this node's claim of the person's home: ("", "") if none was sent."""
        return homes.latest_claim(connection, person_id)


def queue_resync(connection: Connection, now_micros: int, nonce: int) -> int:
    """After a restore: asks the clearinghouse for everything since shortly before the last
    entry of the restored log (idempotent at both ends, so the margin costs only resends)."""
    since = max(0, translog.last_logged_micros(connection) - RESYNC_MARGIN_MICROS)
    mail.insert_outbox(connection, [resync_item(Resync(since), nonce)], now_micros)
    event = RegistryEvent("restored", CLEARINGHOUSE_ID, f"restored from a backup; resync since {since}")
    translog.record(connection, [event], now_micros)
    return since
