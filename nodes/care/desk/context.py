"""What every operation of the desk shares: the books, the crossing, the clock, the random
source, the policy and the node's keys, and the transactions the operations run in.

Owns the transaction of an operation (Books.write, with the change it made as a leaf of
the node's log, and the link woken when it queued a cross-node transfer), the reads
outside a transaction, the catalogue item an order names, applying ledger transfers,
and raising supervision's alerts in the transaction of what they are about. Must not:
know about protobuf or gRPC, read the clock other than through `clock`, or draw
randomness other than through `random_bytes`; nor decide what an operation may do
(that is the pure rules') or hold SQL (that is the store's).
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from nodes.care import catalogue, rules, supervision
from nodes.care import records as r
from nodes.care.policy import Policy
from nodes.care.store import hours as hour_rows
from nodes.care.store import oversight as oversight_rows
from nodes.care.store import qualifications as qualification_rows
from nodes.care.store.rows import is_id
from nodes.crossing import Crossing
from nodes.records import CrossRequest
from timebank import ids, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import ConfigError, ItemRefused, NotFound
from timebank.ledger.model import TransferRequest
from timebank.logentries import CareEvent
from timebank.operators.acting import acting_username

__all__ = ["care_event", "Desk", "UNLOGGED_FIELDS"]

T = TypeVar("T")
UNLOGGED_FIELDS = frozenset({"identity_hash", "balance_minutes", "available_minutes", "age_years", "home_check"})


class Desk:
    """The shared state of the desk's operations (CareDesk is one, with the operations on it)."""

    def __init__(
        self,
        books: Books,
        *,
        node_id: str,
        node_name: str,
        clock: Clock,
        policy: Policy,
        identity_key: bytes,
        signing_key: Ed25519PrivateKey,
        random_bytes: Callable[[int], bytes],
        crossing: Crossing | None = None,
    ) -> None:
        self.books = books
        self.node_id = node_id
        self.node_name = node_name
        self.clock = clock
        self.policy = policy
        self.identity_key = identity_key
        self.signing_key = signing_key
        self.random_bytes = random_bytes
        self.crossing = crossing
        self._sending = threading.local()  # Books.write runs work in the caller's thread

    # -- transactions ---------------------------------------------------------------------

    def write(self, work: Callable[[Connection], T], operation: str) -> T:
        """Runs work in one ledger transaction, with the change it made as a leaf of the node's
        log; wakes the link if it queued a cross-node transfer."""

        def logged(connection: Connection) -> T:
            result = work(connection)
            if dataclasses.is_dataclass(result):
                translog.record(connection, [care_event(operation, result)], self.clock.now_micros())
            return result

        self._sending.queued = False
        result = self.books.write(logged)
        if self._sending.queued and self.crossing is not None:
            self.crossing.on_outbox()
        return result

    def read(self, work: Callable[[Connection], T]) -> T:
        with self.books.engine.connect() as connection:
            return work(connection)

    def queued(self) -> None:
        """The open transaction queued a message to the clearinghouse: wake the link after it commits."""
        self._sending.queued = True

    # -- time ---------------------------------------------------------------------------------

    def today(self) -> datetime.date:
        return rules.local_date(self.clock.now_micros(), self.policy.utc_offset_hours)

    def stamp(self) -> str:
        """Now in local time to the second, as the steps of an order or a dispute show it."""
        now = self.clock.now_micros()
        return rules.local_time(now, self.policy.utc_offset_hours).isoformat(timespec="seconds")

    # -- shared reads and writes ----------------------------------------------------------------

    def item(self, connection: Connection, code: str) -> catalogue.CatalogueItem:
        """The catalogue item of a code: shipped, or added by an operator; NotFound if neither."""
        shipped = catalogue.SHIPPED_BY_CODE.get(code)
        if shipped is not None:
            return shipped
        added = qualification_rows.catalogue_item(connection, code)
        if added is None:
            raise NotFound(f"item_code: {code!r} is not in the catalogue (see `timebank care list-catalogue`)")
        return added

    def apply(self, connection: Connection, transfers: Sequence[TransferRequest]) -> None:
        """Applies transfers in the open transaction; any refusal refuses the whole operation."""
        for result in self.books.apply(connection, transfers).results:
            if not result.outcome.succeeded:
                raise ItemRefused(result.outcome, result.detail)

    def check_crossing(self, node_id: str) -> Crossing:
        """The crossing that pays a member of another node; ConfigError without a clearinghouse."""
        if self.crossing is None:
            raise ConfigError(f"clearinghouse.address: not configured; cannot pay a member of {node_id} from here")
        return self.crossing

    def send(self, connection: Connection, request: CrossRequest) -> None:
        """Holds and queues a cross-node transfer in the open transaction; any refusal refuses
        the whole operation."""
        crossing = self.check_crossing(request.remote_node_id)
        crossing.check_traffic()
        result = crossing.submit_within(connection, [request])[0]
        if not result.outcome.succeeded:
            raise ItemRefused(result.outcome, result.detail)
        self.queued()

    def record(self, connection: Connection, movement: r.Movement) -> None:
        """Adds a transfer the operation made to the movements index, dated now."""
        now = self.clock.now_micros()
        month = rules.month_of(now, self.policy.utc_offset_hours)
        hour_rows.add_movement(connection, dataclasses.replace(movement, at_micros=now, month=month))

    def raise_alerts(self, connection: Connection, drafts: Sequence[supervision.AlertDraft]) -> None:
        """Records supervision's drafts as alerts, once per fingerprint."""
        for draft in drafts:
            if not oversight_rows.alert_raised(connection, draft.fingerprint):
                oversight_rows.add_alert(
                    connection,
                    draft.rule,
                    draft.subject_id,
                    draft.evidence,
                    draft.fingerprint,
                    self.clock.now_micros(),
                )


def care_event(operation: str, record: Any) -> CareEvent:
    """The log leaf of a change: the record as it stands, named by its first field, without
    the identity's keyed hash or the figures that are read, not stored."""
    first = dataclasses.fields(record)[0].name
    value = getattr(record, first)
    subject = ids.to_hex(value) if is_id(first) and isinstance(value, int) else str(value)
    return CareEvent(operation, subject, record, UNLOGGED_FIELDS, acting_username())
