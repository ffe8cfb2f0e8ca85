"""The service desk of a node: every time-bank operation, each in one transaction.

Owns the order of the checks and the writes of each operation: read what it names,
let the pure rules (nodes.care.rules, policy, catalogue, supervision) decide, then
write the records and the ledger transfers together through Books.write, so a refused
operation writes nothing and an accepted one is whole. Hours move only as ledger
transfers (to a volunteer at another node, as a cross-node transfer through the
clearinghouse); the care_movements index names each transfer. Supervision alerts are
raised in the same transaction as what they are about.

Must not: know about protobuf or gRPC, read the clock other than through `clock`, or
draw randomness other than through `random_bytes`.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, func, select

from nodes import tables as s
from nodes.care import catalogue, rules, store, supervision
from nodes.care import records as r
from nodes.care.policy import Policy
from nodes.crossing import Crossing, CrossRequest
from timebank import certificate, ids, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import (
    AlreadyExists,
    ConfigError,
    ItemRefused,
    NotFound,
    NotNow,
    NotPermitted,
    OutOfStock,
    RequestInvalid,
)
from timebank.ledger.model import (
    SYSTEM_ACCOUNT_IDS,
    AccountKind,
    AccountSpec,
    TransferKind,
    TransferRequest,
    format_hours,
)
from timebank.protocol import derive_id

T = TypeVar("T")
ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
DONATION_POOL = SYSTEM_ACCOUNT_IDS[AccountKind.DONATION_POOL]
MALL = SYSTEM_ACCOUNT_IDS[AccountKind.MALL]
ADJUSTMENT = SYSTEM_ACCOUNT_IDS[AccountKind.ADJUSTMENT]
MATCH_LIMIT_DEFAULT, MATCH_LIMIT_MAX = 10, 100
MATCH_POOL_MAX = 5_000
RECENT_DAYS = 30
MALL_QUANTITY_MAX = 100
TREND_MONTHS_MAX = 120
BIRTH_YEARS_MAX = 130


class CareDesk:
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

    def _write(self, work: Callable[[Connection], T], operation: str) -> T:
        """Runs work in one ledger transaction, with the change it made as a leaf of the node's
        log; wakes the link if it queued a cross-node transfer."""

        def logged(connection: Connection) -> T:
            result = work(connection)
            if dataclasses.is_dataclass(result):
                translog.append(connection, [_care_event(operation, result)], self.clock.now_micros())
            return result

        self._sending.queued = False
        result = self.books.write(logged)
        if self._sending.queued and self.crossing is not None:
            self.crossing.on_outbox()
        return result

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self.books.engine.connect() as connection:
            return work(connection)

    def _today(self) -> datetime.date:
        return rules.local_date(self.clock.now_micros(), self.policy.utc_offset_hours)

    # -- people -------------------------------------------------------------------------------

    def register_person(
        self,
        person_id: int,
        role: str,
        name: str,
        identity_number: str,
        birth_date: str,
        community: str,
        home_node_id: str = "",
    ) -> r.Person:
        rules.choice("role", role, rules.ROLES)
        born = rules.parse_date("birth_date", birth_date)
        today = self._today()
        if born > today or rules.age_years(born, today) > BIRTH_YEARS_MAX:
            raise RequestInvalid(f"birth_date: got {birth_date}, want a date in the last {BIRTH_YEARS_MAX} years")
        number = rules.check_identity_number(identity_number, born)
        home = home_node_id.strip() or self.node_id
        if home != self.node_id and role != "volunteer":
            raise RequestInvalid(
                f"home_node_id: only a volunteer may be homed at another node ({home}), got role {role}"
            )
        wanted = r.Person(
            person_id=person_id,
            role=role,
            name=rules.text("name", name, rules.NAME_LENGTH_MAX),
            identity_hash=rules.identity_hash(self.identity_key, number),
            identity_masked=rules.mask_identity(number),
            birth_date=born.isoformat(),
            community=rules.text("community", community, rules.NAME_LENGTH_MAX),
            home_node_id=home,
            state="pending",
            registered_at_micros=self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.Person:
            existing = _stored_same(
                connection,
                s.care_people,
                wanted,
                "person_id",
                ("role", "name", "identity_hash", "birth_date", "community", "home_node_id"),
            )
            if existing is not None:
                return existing
            twin = store.person_by_identity(connection, wanted.identity_hash)
            if twin is not None:
                raise AlreadyExists(
                    f"identity_number: this person is registered here already as {ids.to_hex(twin.person_id)} "
                    f"({twin.role}, {twin.state}); one person has one record at a node"
                )
            store.insert(connection, s.care_people, wanted)
            if home == self.node_id:
                self._claim_home(connection, wanted)
            return wanted

        return self._shown(self._write(work, "RegisterPerson"))

    def _claim_home(self, connection: Connection, person: r.Person, *, release: bool = False) -> None:
        """Asks the clearinghouse to record (or release) this node as the person's one home."""
        if self.crossing is not None:
            self.crossing.claim_home(connection, bytes.fromhex(person.identity_hash), person.person_id, release=release)
            self._sending.queued = True

    def _home_claim_problem(self, connection: Connection, person: r.Person) -> str:
        """Why approval must wait ("" when it need not): the clearinghouse has not confirmed
        that no other node is the person's home. A claim never sent (the person was
        registered before this node joined a city) is sent now."""
        if self.crossing is None or person.home_node_id != self.node_id:
            return ""
        state, reason = self.crossing.home_claim(connection, person.person_id)
        if state == "confirmed":
            return ""
        if state == "refused":
            return f"{reason}; reject this registration"
        if not state:
            self._claim_home(connection, person)
        return (
            "identity: the clearinghouse has not yet confirmed that this person has no other home node; "
            "try again in a few seconds"
        )

    def review_person(self, person_id: int, approve: bool, reason: str, hardship: bool, operator: str) -> r.Person:
        operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

        def work(connection: Connection) -> r.Person | str:
            person = store.get(connection, s.care_people, r.Person, "person_id", person_id=person_id)
            if person.state != "pending":
                raise NotNow(f"person_id: {ids.to_hex(person_id)} was {person.state} already on review")
            if not approve:
                self._claim_home(connection, person, release=True)
            elif problem := self._home_claim_problem(connection, person):
                return problem  # committed: a claim sent now must not roll back
            reviewed = dataclasses.replace(
                person,
                state="approved" if approve else "rejected",
                review_reason=reason,
                reviewed_by=operator,
                hardship=hardship and approve,
                reviewed_at_micros=self.clock.now_micros(),
            )
            if approve and reviewed.home_node_id == self.node_id:
                holder = f"{person.role} {person.identity_masked}"
                spec = AccountSpec(id=person_id, kind=AccountKind.MEMBER, holder=holder)
                result = self.books.add_accounts(connection, [spec])[0]
                if not result.outcome.succeeded:
                    raise ItemRefused(result.outcome, f"person_id: the member account was not created: {result.detail}")
            store.save(connection, s.care_people, ("person_id",), reviewed)
            return reviewed

        reviewed = self._write(work, "ReviewPerson")
        if isinstance(reviewed, str):
            raise NotNow(reviewed)
        return self._shown(reviewed)

    def person(self, person_id: int) -> r.Person:
        return self._shown(
            self._read(lambda c: store.get(c, s.care_people, r.Person, "person_id", person_id=person_id))
        )

    def people(self, state: str, role: str, limit: int) -> list[r.Person]:
        if state:
            rules.choice("state", state, rules.REVIEW_STATES)
        if role:
            rules.choice("role", role, rules.ROLES)
        return self._read(lambda c: self._shown_all(c, store.people(c, state, role, limit)))

    def _shown(self, person: r.Person) -> r.Person:
        return self._read(lambda connection: self._shown_all(connection, [person]))[0]

    def _shown_all(self, connection: Connection, people: list[r.Person]) -> list[r.Person]:
        """The people with their balances here (one read of their accounts), their age today
        and the check of their home."""
        accounts = self.books.read_accounts(connection, [person.person_id for person in people])
        today = self._today()
        shown = []
        for person in people:
            age = rules.age_years(datetime.date.fromisoformat(person.birth_date), today)
            person = dataclasses.replace(person, age_years=age, home_check=self._home_check(connection, person))
            account = accounts.get(person.person_id)
            if account is not None:
                person = dataclasses.replace(
                    person, balance_minutes=account.balance_minutes, available_minutes=account.available_minutes
                )
            shown.append(person)
        return shown

    def _home_check(self, connection: Connection, person: r.Person) -> str:
        if self.crossing is None or person.home_node_id != self.node_id:
            return ""
        state, reason = self.crossing.home_claim(connection, person.person_id)
        return {"sent": "waiting", "refused": f"refused: {reason}"}.get(state, state)

    def _approved(self, connection: Connection, person_id: int, name: str, role: str = "") -> r.Person:
        person = store.get(connection, s.care_people, r.Person, name, person_id=person_id)
        if person.state != "approved":
            raise NotNow(
                f"{name}: {ids.to_hex(person_id)} is {person.state}, not approved; an operator must approve them first"
            )
        if role and person.role != role:
            raise NotNow(f"{name}: {ids.to_hex(person_id)} is a {person.role}, want a {role}")
        return person

    def _local_member(self, connection: Connection, person_id: int, name: str) -> r.Person:
        person = self._approved(connection, person_id, name)
        if person.home_node_id != self.node_id:
            raise NotNow(f"{name}: {ids.to_hex(person_id)} holds hours at {person.home_node_id}, not here")
        return person

    def _check_acts_for(self, connection: Connection, acting_id: int, elder_id: int, *, volunteer_id: int = 0) -> None:
        """The acting person is the elder, a verified proxy of the elder (or the order's volunteer)."""
        self._approved(connection, acting_id, "acting_person_id")
        if acting_id in (elder_id, volunteer_id):
            return
        proxies = store.verified_relationships(connection, "proxy", person_id=elder_id, other_person_id=acting_id)
        if not proxies:
            raise NotPermitted(
                f"acting_person_id: {ids.to_hex(acting_id)} is neither the elder {ids.to_hex(elder_id)} "
                "nor a verified proxy of the elder"
            )

    # -- relationships ----------------------------------------------------------------------------

    def add_relationship(
        self, relationship_id: int, kind: str, person_id: int, other_node_id: str, other_person_id: int, relation: str
    ) -> r.Relationship:
        rules.choice("kind", kind, rules.RELATIONSHIP_KINDS)
        other_node = other_node_id.strip() or self.node_id
        if kind == "proxy" and other_node != self.node_id:
            raise RequestInvalid("other_node_id: a proxy must be registered at the elder's node")
        if not other_person_id or other_person_id == person_id:
            raise RequestInvalid("other_person_id: want another person")
        wanted = r.Relationship(
            relationship_id=relationship_id,
            kind=kind,
            person_id=person_id,
            other_node_id=other_node,
            other_person_id=other_person_id,
            relation=rules.text("relation", relation, rules.NAME_LENGTH_MAX),
            state="pending",
            created_at_micros=self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.Relationship:
            existing = _stored_same(
                connection,
                s.care_relationships,
                wanted,
                "relationship_id",
                ("kind", "person_id", "other_node_id", "other_person_id", "relation"),
            )
            if existing is not None:
                return existing
            self._approved(connection, person_id, "person_id", "elder" if kind == "proxy" else "")
            if other_node == self.node_id:
                self._approved(connection, other_person_id, "other_person_id")
            store.insert(connection, s.care_relationships, wanted)
            return wanted

        return self._write(work, "AddRelationship")

    def review_relationship(self, relationship_id: int, approve: bool, reason: str, operator: str) -> r.Relationship:
        rules.text("operator", operator, rules.NAME_LENGTH_MAX)
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

        def work(connection: Connection) -> r.Relationship:
            found = store.get(
                connection, s.care_relationships, r.Relationship, "relationship_id", relationship_id=relationship_id
            )
            if found.state != "pending":
                raise NotNow(f"relationship_id: {ids.to_hex(relationship_id)} was {found.state} already on review")
            reviewed = dataclasses.replace(found, state="verified" if approve else "rejected", review_reason=reason)
            store.save(connection, s.care_relationships, ("relationship_id",), reviewed)
            if approve and found.kind == "proxy":
                elders = store.verified_relationships(connection, "proxy", other_person_id=found.other_person_id)
                self._raise(
                    connection,
                    supervision.proxy_load(found.other_person_id, [e.person_id for e in elders], self.policy),
                )
            return reviewed

        return self._write(work, "ReviewRelationship")

    # -- catalogue and qualifications ----------------------------------------------------------------

    def catalogue(self) -> list[catalogue.CatalogueItem]:
        added = self._read(lambda c: list(c.execute(select(s.care_catalogue).order_by(s.care_catalogue.c.code))))
        return [*catalogue.SHIPPED, *(_catalogue_item(row) for row in added)]

    def _item(self, connection: Connection, code: str) -> catalogue.CatalogueItem:
        shipped = catalogue.SHIPPED_BY_CODE.get(code)
        if shipped is not None:
            return shipped
        row = connection.execute(select(s.care_catalogue).where(s.care_catalogue.c.code == code)).first()
        if row is None:
            raise NotFound(f"item_code: {code!r} is not in the catalogue (see `timebank care list-catalogue`)")
        return _catalogue_item(row)

    def add_catalogue_item(self, item: catalogue.CatalogueItem) -> catalogue.CatalogueItem:
        item.check()
        if item.code in catalogue.SHIPPED_BY_CODE:
            raise AlreadyExists(f"item.code: {item.code!r} is a shipped item and cannot be redefined")

        def work(connection: Connection) -> catalogue.CatalogueItem:
            row = connection.execute(select(s.care_catalogue).where(s.care_catalogue.c.code == item.code)).first()
            if row is not None:
                return _same(_catalogue_item(row), item, "item.code", tuple(f.name for f in dataclasses.fields(item)))
            connection.execute(
                s.care_catalogue.insert().values(
                    code=item.code,
                    name_zh=item.name_zh,
                    name_en=item.name_en,
                    category=item.category,
                    professional=item.professional,
                    qualifications=",".join(item.qualifications),
                    rate_percent=item.rate_percent,
                    group_activity=item.group,
                )
            )
            return item

        return self._write(work, "AddCatalogueItem")

    def add_qualification(
        self, qualification_id: int, person_id: int, kind: str, issuer: str, number: str, scope: str, expires_on: str
    ) -> r.Qualification:
        rules.choice("kind", kind, catalogue.QUALIFICATION_KINDS)
        expires = rules.parse_date("expires_on", expires_on)
        if expires < self._today():
            raise NotNow(f"expires_on: {expires_on} has passed; an expired qualification cannot be registered")
        wanted = r.Qualification(
            qualification_id=qualification_id,
            person_id=person_id,
            kind=kind,
            issuer=rules.text("issuer", issuer, 80),
            number=rules.text("number", number, rules.NAME_LENGTH_MAX),
            scope=rules.text("scope", scope, 80, required=False),
            expires_on=expires.isoformat(),
            state="pending",
            created_at_micros=self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.Qualification:
            existing = _stored_same(
                connection,
                s.care_qualifications,
                wanted,
                "qualification_id",
                ("person_id", "kind", "issuer", "number", "scope", "expires_on"),
            )
            if existing is not None:
                return existing
            person = store.get(connection, s.care_people, r.Person, "person_id", person_id=person_id)
            if person.role != "volunteer":
                raise NotNow(
                    f"person_id: {ids.to_hex(person_id)} is a {person.role}; qualifications are for volunteers"
                )
            store.insert(connection, s.care_qualifications, wanted)
            return wanted

        return self._write(work, "AddQualification")

    def review_qualification(self, qualification_id: int, approve: bool, reason: str, operator: str) -> r.Qualification:
        rules.text("operator", operator, rules.NAME_LENGTH_MAX)
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

        def work(connection: Connection) -> r.Qualification:
            found = store.get(
                connection,
                s.care_qualifications,
                r.Qualification,
                "qualification_id",
                qualification_id=qualification_id,
            )
            if found.state != "pending":
                raise NotNow(f"qualification_id: {ids.to_hex(qualification_id)} was {found.state} already on review")
            reviewed = dataclasses.replace(found, state="approved" if approve else "rejected", review_reason=reason)
            store.save(connection, s.care_qualifications, ("qualification_id",), reviewed)
            return reviewed

        return self._write(work, "ReviewQualification")

    def _qualification_problem(
        self, connection: Connection, item: catalogue.CatalogueItem, volunteer_id: int, on: datetime.date
    ) -> str:
        """Why the volunteer may not serve this item on that day ("" when they may)."""
        if not item.professional:
            return ""
        held = [q for q in store.approved_qualifications(connection, volunteer_id) if q.kind in item.qualifications]
        valid = [q for q in held if datetime.date.fromisoformat(q.expires_on) >= on]
        if valid:
            return ""
        if held:
            latest = max(held, key=lambda q: q.expires_on)
            return (
                f"qualification: {latest.kind} {latest.number} of volunteer {ids.to_hex(volunteer_id)} "
                f"expired on {latest.expires_on}; {item.code} needs a valid one"
            )
        return (
            f"qualification: volunteer {ids.to_hex(volunteer_id)} holds no approved qualification for "
            f"{item.code} (one of: {', '.join(item.qualifications)})"
        )

    # -- demands and orders ---------------------------------------------------------------------------

    def publish_demand(
        self,
        order_id: int,
        elder_id: int,
        acting_person_id: int,
        item_code: str,
        window_start_micros: int,
        window_end_micros: int,
        community: str,
        place: str,
        notes: str,
        paid_by: str,
    ) -> r.Order:
        paid_by = rules.choice("paid_by", paid_by or "node", rules.PAYERS)
        now = self.clock.now_micros()
        rules.check_window(window_start_micros, window_end_micros, now)
        place = rules.text("place", place, 80, required=False)
        notes = rules.text("notes", notes, rules.REASON_LENGTH_MAX, required=False)

        def work(connection: Connection) -> r.Order:
            elder = self._approved(connection, elder_id, "elder_id", "elder")
            wanted = r.Order(
                order_id=order_id,
                elder_id=elder_id,
                publisher_id=acting_person_id,
                item_code=item_code,
                window_start_micros=window_start_micros,
                window_end_micros=window_end_micros,
                community=rules.text("community", community, rules.NAME_LENGTH_MAX, required=False) or elder.community,
                place=place,
                notes=notes,
                paid_by=paid_by,
                state="open",
                published_at_micros=now,
            )
            existing = store.find(connection, s.care_orders, r.Order, order_id=order_id)
            if existing is not None:
                fields = (
                    "elder_id",
                    "publisher_id",
                    "item_code",
                    "window_start_micros",
                    "window_end_micros",
                    "paid_by",
                )
                return _same(existing, wanted, "order_id", fields)
            self._check_acts_for(connection, acting_person_id, elder_id)
            self._item(connection, item_code)
            if paid_by == "elder":
                self._check_elder_may_redeem(elder)
            store.insert(connection, s.care_orders, wanted)
            return wanted

        return self._write(work, "PublishDemand")

    def _check_elder_may_redeem(self, elder: r.Person) -> None:
        if elder.home_node_id != self.node_id:
            raise NotNow(f"paid_by: elder {ids.to_hex(elder.person_id)} holds no hours here")
        age = rules.age_years(datetime.date.fromisoformat(elder.birth_date), self._today())
        rules.check_redeem_age(self.policy, age, elder.hardship)

    def order(self, order_id: int) -> r.Order:
        return self._read(lambda c: store.get(c, s.care_orders, r.Order, "order_id", order_id=order_id))

    def orders(self, state: str, person_id: int, limit: int) -> list[r.Order]:
        if state:
            rules.choice("state", state, rules.ORDER_STATES)
        return self._read(lambda c: store.orders(c, state, person_id, limit))

    def match(self, order_id: int, limit: int) -> list[tuple[int, rules.CandidateFacts]]:
        limit = limit or MATCH_LIMIT_DEFAULT
        if not 1 <= limit <= MATCH_LIMIT_MAX:
            raise RequestInvalid(f"limit: got {limit}, want 1..={MATCH_LIMIT_MAX}")

        def work(connection: Connection) -> list[tuple[int, rules.CandidateFacts]]:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            if order.state != "open":
                raise NotNow(f"order_id: {ids.to_hex(order_id)} is {order.state}; only open demands are matched")
            item = self._item(connection, order.item_code)
            return list(enumerate(rules.rank(self._candidates(connection, order, item))[:limit], start=1))

        return self._read(work)

    def _candidates(
        self, connection: Connection, order: r.Order, item: catalogue.CatalogueItem
    ) -> list[rules.CandidateFacts]:
        """Every approved volunteer who may take the order, with the facts ranking uses.

        The same rules as _why_unavailable, read for the whole pool in five queries whatever
        its size (up to MATCH_POOL_MAX volunteers).
        """
        pool = store.match_pool(connection, MATCH_POOL_MAX)
        if item.professional:
            on = rules.local_date(order.window_end_micros, self.policy.utc_offset_hours).isoformat()
            qualified = store.valid_qualification_holders(connection, item.qualifications, on)
            pool = [volunteer for volunteer in pool if volunteer.person_id in qualified]
        booked = {other.volunteer_id for other in store.clashing_orders(connection, order)}
        now = self.clock.now_micros()
        ratings = store.rating_averages_percent(connection)
        recent = store.served_by_volunteer(connection, now - RECENT_DAYS * rules.MICROS_PER_DAY, now + 1)
        return [
            rules.CandidateFacts(
                person_id=volunteer.person_id,
                name=volunteer.name,
                home_node_id=volunteer.home_node_id,
                same_community=volunteer.community == order.community,
                rating_average_percent=ratings.get(volunteer.person_id, 0),
                recent_minutes=recent.get(volunteer.person_id, 0),
            )
            for volunteer in pool
            if volunteer.person_id not in booked
        ]

    def _why_unavailable(
        self, connection: Connection, volunteer: r.Person, order: r.Order, item: catalogue.CatalogueItem
    ) -> str:
        """Why the volunteer may not take the order ("" when they may): a qualification, another booking."""
        on = rules.local_date(order.window_end_micros, self.policy.utc_offset_hours)
        problem = self._qualification_problem(connection, item, volunteer.person_id, on)
        if problem:
            return problem
        clashes = store.clashing_orders(connection, order, volunteer.person_id)
        if clashes:
            booked = ids.to_hex(clashes[0].order_id)
            return f"volunteer_id: {ids.to_hex(volunteer.person_id)} is booked for order {booked} at that time"
        return ""

    def _check_available(
        self, connection: Connection, volunteer: r.Person, order: r.Order, item: catalogue.CatalogueItem
    ) -> None:
        problem = self._why_unavailable(connection, volunteer, order, item)
        if problem:
            raise NotNow(problem)

    def accept(self, order_id: int, volunteer_id: int, operator: str) -> r.Order:
        rules.text("operator", operator, rules.NAME_LENGTH_MAX, required=False)

        def work(connection: Connection) -> r.Order:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            if order.state != "open":
                if order.volunteer_id == volunteer_id and order.state == "accepted":
                    return order
                raise NotNow(f"order_id: {ids.to_hex(order_id)} is {order.state}, not open")
            volunteer = self._approved(connection, volunteer_id, "volunteer_id", "volunteer")
            self._check_available(connection, volunteer, order, self._item(connection, order.item_code))
            accepted = dataclasses.replace(
                order, state="accepted", volunteer_id=volunteer_id, volunteer_node_id=volunteer.home_node_id
            )
            store.save(connection, s.care_orders, ("order_id",), accepted)
            return accepted

        return self._write(work, "AcceptDemand")

    def release(self, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
        """The accepted order given back by its volunteer (or an operator): open again, to be matched anew."""

        def change(connection: Connection, order: r.Order, reason: str) -> r.Order:
            if order.state != "accepted":
                raise NotNow(f"release: order {ids.to_hex(order_id)} is {order.state}, want accepted")
            who = _who_acts(
                acting_person_id, operator, lambda: self._check_volunteer(connection, acting_person_id, order)
            )
            volunteer = ids.to_hex(order.volunteer_id)
            by = f"volunteer {volunteer}" if who == volunteer else f"{who} (volunteer {volunteer})"
            step = f"{self._stamp()} released by {by}: {reason}"
            return dataclasses.replace(
                order, state="open", volunteer_id=0, volunteer_node_id="", steps=(*order.steps, step)
            )

        return self._change_order("ReleaseOrder", order_id, reason, change)

    def cancel(self, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
        """An open or accepted order cancelled by the elder, a verified proxy, or an operator."""

        def change(connection: Connection, order: r.Order, reason: str) -> r.Order:
            if order.state == "cancelled":
                raise NotNow(f"cancel: order {ids.to_hex(order_id)} was cancelled already ({order.steps[-1]})")
            if order.state not in ("open", "accepted"):
                raise NotNow(
                    f"cancel: order {ids.to_hex(order_id)} is {order.state}, want open or accepted "
                    "(a service under way or done is disputed instead)"
                )
            who = _who_acts(
                acting_person_id, operator, lambda: self._check_acts_for(connection, acting_person_id, order.elder_id)
            )
            step = f"{self._stamp()} cancelled by {who}: {reason}"
            return dataclasses.replace(order, state="cancelled", steps=(*order.steps, step))

        return self._change_order("CancelOrder", order_id, reason, change)

    def _change_order(
        self, operation: str, order_id: int, reason: str, change: Callable[[Connection, r.Order, str], r.Order]
    ) -> r.Order:
        """A change of an order that records a step with its reason (a release, a cancellation)."""
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)

        def work(connection: Connection) -> r.Order:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            changed = change(connection, order, reason)
            store.save(connection, s.care_orders, ("order_id",), changed)
            return changed

        return self._write(work, operation)

    def _check_volunteer(self, connection: Connection, acting_person_id: int, order: r.Order) -> None:
        """The acting person is the order's volunteer, and approved."""
        self._approved(connection, acting_person_id, "acting_person_id")
        if acting_person_id != order.volunteer_id:
            raise NotPermitted(
                f"acting_person_id: {ids.to_hex(acting_person_id)} is not the order's volunteer "
                f"{ids.to_hex(order.volunteer_id)}"
            )

    # -- check-in and check-out ----------------------------------------------------------------------

    def issue_code(self, order_id: int, purpose: str) -> tuple[str, int]:
        rules.choice("purpose", purpose, rules.CODE_PURPOSES)
        order = self.order(order_id)
        if order.state not in store.ACTIVE_ORDER_STATES:
            raise NotNow(f"order_id: {ids.to_hex(order_id)} is {order.state}; codes are for accepted orders")
        expires_at = self.clock.now_micros() + self.policy.code_valid_seconds * 1_000_000
        claims = rules.CodeClaims(order_id, purpose, expires_at, self.random_bytes(16))
        return rules.make_code(self.signing_key, claims), expires_at

    def scan(self, code: str, volunteer_id: int) -> r.Order:
        now = self.clock.now_micros()
        claims = rules.open_code(self.signing_key.public_key(), code.strip(), now)

        def work(connection: Connection) -> r.Order:
            used = connection.execute(
                select(s.care_codes_used).where(s.care_codes_used.c.nonce == claims.nonce.hex())
            ).first()
            if used is not None:
                raise NotNow(f"code: used already at {used.used_at_micros} (each code works once); ask for a new one")
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=claims.order_id)
            if order.volunteer_id != volunteer_id:
                raise NotPermitted(
                    f"volunteer_id: {ids.to_hex(volunteer_id)} is not the volunteer of order "
                    f"{ids.to_hex(order.order_id)}"
                )
            scanned = (
                self._check_in(connection, order, now)
                if claims.purpose == "check-in"
                else self._check_out(connection, order, now)
            )
            connection.execute(
                s.care_codes_used.insert().values(
                    nonce=claims.nonce.hex(),
                    order_id=ids.to_hex(order.order_id),
                    purpose=claims.purpose,
                    used_at_micros=now,
                )
            )
            store.save(connection, s.care_orders, ("order_id",), scanned)
            return scanned

        return self._write(work, "ScanCode")

    def _check_in(self, connection: Connection, order: r.Order, now: int) -> r.Order:
        if order.state != "accepted":
            raise NotNow(f"check-in: order {ids.to_hex(order.order_id)} is {order.state}, want accepted")
        on = rules.local_date(now, self.policy.utc_offset_hours)
        problem = self._qualification_problem(
            connection, self._item(connection, order.item_code), order.volunteer_id, on
        )
        if problem:
            raise NotNow(problem)
        checked_in = dataclasses.replace(order, state="checked-in", checked_in_micros=now)
        self._raise(
            connection, supervision.overlapping_orders(_visit(checked_in), self._visits(connection, order), now)
        )
        return checked_in

    def _check_out(self, connection: Connection, order: r.Order, now: int) -> r.Order:
        if order.state != "checked-in":
            raise NotNow(f"check-out: order {ids.to_hex(order.order_id)} is {order.state}; it must be checked in first")
        day = rules.local_date(order.checked_in_micros, self.policy.utc_offset_hours)
        start = rules.day_start_micros(day, self.policy.utc_offset_hours)
        today = store.served_between(connection, order.volunteer_id, start, start + rules.MICROS_PER_DAY)
        served = rules.served_minutes(order.checked_in_micros, now, order.window_minutes, today, self.policy)
        item = self._item(connection, order.item_code)
        checked_out = dataclasses.replace(
            order,
            state="checked-out",
            checked_out_micros=now,
            served_minutes=served,
            credited_minutes=rules.credited_minutes(served, item.rate_percent),
        )
        visit = _visit(checked_out)
        self._raise(connection, supervision.overlapping_orders(visit, self._visits(connection, order), now))
        self._raise(connection, supervision.duration(visit, order.window_minutes, self.policy))
        return checked_out

    def _visits(self, connection: Connection, order: r.Order) -> list[supervision.Visit]:
        states = ("checked-in", "checked-out", "confirmed", "disputed", "resolved")
        return [_visit(o) for o in store.volunteer_orders(connection, order.volunteer_id, states)]

    # -- confirmation and deposits --------------------------------------------------------------------

    def confirm(self, order_id: int, acting_person_id: int) -> r.Order:
        def work(connection: Connection) -> r.Order:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            self._check_acts_for(connection, acting_person_id, order.elder_id)
            if order.state == "confirmed":
                raise NotNow(
                    f"confirm: order {ids.to_hex(order_id)} was confirmed already "
                    f"(deposit {ids.to_hex(order.deposit_transfer_id) if order.deposit_transfer_id else 'none'})"
                )
            if order.state != "checked-out":
                raise NotNow(f"confirm: order {ids.to_hex(order_id)} is {order.state}, want checked-out")
            deposit_id = self._deposit(connection, order, order.credited_minutes)
            confirmed = dataclasses.replace(
                order, state="confirmed", confirmer_id=acting_person_id, deposit_transfer_id=deposit_id
            )
            store.save(connection, s.care_orders, ("order_id",), confirmed)
            return confirmed

        return self._write(work, "ConfirmOrder")

    def _payer(self, connection: Connection, order: r.Order) -> int:
        if order.paid_by == "node":
            return ISSUANCE
        elder = store.get(connection, s.care_people, r.Person, "elder_id", person_id=order.elder_id)
        self._check_elder_may_redeem(elder)
        return elder.person_id

    def _deposit(self, connection: Connection, order: r.Order, amount: int) -> int:
        """Pays the volunteer for an order (the part above the storage cap to the donation pool)."""
        if amount <= 0:
            return 0
        payer = self._payer(connection, order)
        if payer != ISSUANCE:
            self._check_spend(connection, payer, amount, "deposit")
        kind = "deposit" if order.paid_by == "node" else "redeem"
        memo = f"order {ids.to_hex(order.order_id)}"
        deposit_id = derive_id("care-deposit", order.order_id)
        base = r.Movement(
            transfer_id=deposit_id,
            kind=kind,
            person_id=order.volunteer_id,
            counterparty_node_id=self.node_id,
            counterparty_id=payer if payer != ISSUANCE else 0,
            amount_minutes=amount,
            state="posted",
            memo=memo,
            order_id=order.order_id,
            item_code=order.item_code,
        )
        if order.volunteer_node_id != self.node_id:
            self._send(connection, deposit_id, payer, order.volunteer_node_id, order.volunteer_id, amount, memo)
            self._record(connection, dataclasses.replace(base, state="sent"))
            return deposit_id
        volunteer = self.books.read_accounts(connection, [order.volunteer_id])[order.volunteer_id]
        holding = volunteer.balance_minutes + volunteer.credits_pending_minutes
        kept, overflow = rules.split_over_cap(amount, holding, self.policy.storage_cap_minutes)
        moves = []
        if kept:
            moves.append(
                (
                    base,
                    TransferRequest(deposit_id, TransferKind.SINGLE_PHASE, payer, order.volunteer_id, kept, memo=memo),
                )
            )
        if overflow:
            overflow_id = derive_id("care-overflow", order.order_id)
            overflow_memo = f"{memo}: above the storage cap"
            moves.append(
                (
                    dataclasses.replace(base, transfer_id=overflow_id, kind="overflow", memo=overflow_memo),
                    TransferRequest(
                        overflow_id, TransferKind.SINGLE_PHASE, payer, DONATION_POOL, overflow, memo=overflow_memo
                    ),
                )
            )
        self._apply(connection, [t for _, t in moves])
        for movement, transfer in moves:
            self._record(connection, dataclasses.replace(movement, amount_minutes=transfer.amount_minutes))
        if kept and self._item(connection, order.item_code).group:
            person = store.get(connection, s.care_people, r.Person, "volunteer_id", person_id=order.volunteer_id)
            store.change(
                connection,
                s.care_people,
                {"person_id": person.person_id},
                group_locked_minutes=person.group_locked_minutes + kept,
            )
        return deposit_id if kept else derive_id("care-overflow", order.order_id)

    def _apply(self, connection: Connection, transfers: Sequence[TransferRequest]) -> None:
        """Applies transfers in the open transaction; any refusal refuses the whole operation."""
        for result in self.books.apply(connection, transfers).results:
            if not result.outcome.succeeded:
                raise ItemRefused(result.outcome, result.detail)

    def _send(
        self, connection: Connection, transfer_id: int, payer: int, node_id: str, person_id: int, amount: int, memo: str
    ) -> None:
        if self.crossing is None:
            raise ConfigError(f"clearinghouse.address: not configured; cannot pay a member of {node_id} from here")
        self.crossing.check_traffic()
        request = CrossRequest(transfer_id, payer, node_id, person_id, amount, memo=memo)
        result = self.crossing.submit_within(connection, [request])[0]
        if not result.outcome.succeeded:
            raise ItemRefused(result.outcome, result.detail)
        self._sending.queued = True

    def _record(self, connection: Connection, movement: r.Movement) -> None:
        now = self.clock.now_micros()
        store.insert(
            connection,
            s.care_movements,
            dataclasses.replace(movement, at_micros=now, month=rules.month_of(now, self.policy.utc_offset_hours)),
        )

    def _check_spend(self, connection: Connection, person_id: int, amount: int, name: str) -> None:
        """A member spending hours (a service, the mall): group-activity hours are for donation only."""
        person = store.get(connection, s.care_people, r.Person, "person_id", person_id=person_id)
        account = self.books.read_accounts(connection, [person_id])[person_id]
        locked = person.group_locked_minutes if self.policy.group_hours_donate_only else 0
        rules.check_enough(
            name, amount, max(0, account.available_minutes - locked), "available, less hours from group activities"
        )

    # -- evaluation, follow-up and disputes -------------------------------------------------------------

    def rate(self, order_id: int, rater_id: int, stars: int, comment: str) -> r.Rating:
        wanted = r.Rating(
            order_id,
            rater_id,
            rules.stars(stars),
            rules.text("comment", comment, rules.REASON_LENGTH_MAX, required=False),
            self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.Rating:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            existing = store.find(connection, s.care_ratings, r.Rating, order_id=order_id, rater_id=rater_id)
            if existing is not None:
                if (existing.stars, existing.comment) == (wanted.stars, wanted.comment):
                    return existing
                raise AlreadyExists(
                    f"rater_id: {ids.to_hex(rater_id)} rated order {ids.to_hex(order_id)} already "
                    f"({existing.stars} stars)"
                )
            if order.state not in ("confirmed", "resolved"):
                raise NotNow(f"order_id: {ids.to_hex(order_id)} is {order.state}; rate it once it is confirmed")
            self._check_acts_for(connection, rater_id, order.elder_id, volunteer_id=order.volunteer_id)
            store.insert(connection, s.care_ratings, wanted)
            return wanted

        return self._write(work, "RateOrder")

    def follow_up(self, order_id: int, operator: str, note: str) -> r.FollowUp:
        wanted = r.FollowUp(
            order_id,
            rules.text("operator", operator, rules.NAME_LENGTH_MAX),
            rules.text("note", note, rules.REASON_LENGTH_MAX),
            self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.FollowUp:
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            if order.state in ("open", "accepted"):
                raise NotNow(
                    f"order_id: {ids.to_hex(order_id)} is {order.state}; follow-up visits come after the service"
                )
            store.insert(connection, s.care_followups, wanted)
            return wanted

        return self._write(work, "RecordFollowUp")

    def open_dispute(self, dispute_id: int, order_id: int, acting_person_id: int, reason: str) -> r.Dispute:
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)

        def work(connection: Connection) -> r.Dispute:
            existing = store.find(connection, s.care_disputes, r.Dispute, dispute_id=dispute_id)
            if existing is not None:
                wanted = dataclasses.replace(existing, order_id=order_id, opener_id=acting_person_id, reason=reason)
                return _same(existing, wanted, "dispute_id", ("order_id", "opener_id", "reason"))
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=order_id)
            self._check_acts_for(connection, acting_person_id, order.elder_id, volunteer_id=order.volunteer_id)
            if order.state != "checked-out":
                settled = "; its hours are settled (a correction is a reversal)" if order.state == "confirmed" else ""
                raise NotNow(f"dispute: order {ids.to_hex(order_id)} is {order.state}, want checked-out{settled}")
            hold_id = 0
            steps = [f"{self._stamp()} opened by {ids.to_hex(acting_person_id)}: {reason}"]
            if order.credited_minutes:
                hold_id = derive_id("care-hold", order_id)
                payer = self._payer(connection, order)
                memo = f"order {ids.to_hex(order_id)}: held under dispute"
                self._apply(
                    connection,
                    [
                        TransferRequest(
                            hold_id, TransferKind.PENDING, payer, ADJUSTMENT, order.credited_minutes, memo=memo
                        )
                    ],
                )
                steps.append(f"{self._stamp()} held {order.credited_minutes} min in transfer {ids.to_hex(hold_id)}")
            dispute = r.Dispute(
                dispute_id,
                order_id,
                acting_person_id,
                reason,
                "open",
                hold_id,
                steps=tuple(steps),
                opened_at_micros=self.clock.now_micros(),
            )
            store.insert(connection, s.care_disputes, dispute)
            store.change(connection, s.care_orders, {"order_id": order_id}, state="disputed")
            return dispute

        return self._write(work, "OpenDispute")

    def resolve_dispute(
        self, dispute_id: int, decision: str, decided_minutes: int, reason: str, operator: str
    ) -> r.Dispute:
        rules.choice("decision", decision, rules.DISPUTE_DECISIONS)
        reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)
        operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)

        def work(connection: Connection) -> r.Dispute:
            dispute = store.get(connection, s.care_disputes, r.Dispute, "dispute_id", dispute_id=dispute_id)
            if dispute.state != "open":
                raise NotNow(f"dispute_id: {ids.to_hex(dispute_id)} was resolved already ({dispute.decision})")
            order = store.get(connection, s.care_orders, r.Order, "order_id", order_id=dispute.order_id)
            minutes = _decided(decision, decided_minutes, order.credited_minutes)
            steps = list(dispute.steps)
            if dispute.hold_transfer_id:
                release = TransferRequest(
                    derive_id("care-release", order.order_id),
                    TransferKind.VOID_PENDING,
                    0,
                    0,
                    0,
                    pending_id=dispute.hold_transfer_id,
                )
                self._apply(connection, [release])
                steps.append(f"{self._stamp()} released the hold {ids.to_hex(dispute.hold_transfer_id)}")
            deposit_id = self._deposit(connection, order, minutes)
            steps.append(
                f"{self._stamp()} {operator} decided {decision}: {minutes} of {order.credited_minutes} min "
                f"deposited; {reason}"
            )
            resolved = dataclasses.replace(
                dispute,
                state="resolved",
                decision=decision,
                decided_minutes=minutes,
                resolution_reason=reason,
                steps=tuple(steps),
            )
            store.save(connection, s.care_disputes, ("dispute_id",), resolved)
            store.change(
                connection,
                s.care_orders,
                {"order_id": order.order_id},
                state="resolved",
                credited_minutes=minutes,
                deposit_transfer_id=deposit_id,
            )
            return resolved

        return self._write(work, "ResolveDispute")

    def dispute(self, dispute_id: int) -> r.Dispute:
        return self._read(lambda c: store.get(c, s.care_disputes, r.Dispute, "dispute_id", dispute_id=dispute_id))

    def _stamp(self) -> str:
        now = self.clock.now_micros()
        return rules.local_time(now, self.policy.utc_offset_hours).isoformat(timespec="seconds")

    # -- moving hours ---------------------------------------------------------------------------------

    def give(
        self, transfer_id: int, from_person_id: int, to_node_id: str, to_person_id: int, amount: int
    ) -> r.Movement:
        rules.positive_minutes("amount_minutes", amount)
        to_node = to_node_id.strip() or self.node_id
        memo = f"family: {ids.to_hex(from_person_id)} to {ids.to_hex(to_person_id)}"
        wanted = r.Movement(transfer_id, "family", from_person_id, to_node, to_person_id, amount, "posted", memo)

        def work(connection: Connection) -> r.Movement:
            existing = _stored_same(
                connection,
                s.care_movements,
                wanted,
                "transfer_id",
                ("kind", "person_id", "counterparty_node_id", "counterparty_id", "amount_minutes"),
            )
            if existing is not None:
                return existing
            self._local_member(connection, from_person_id, "from_person_id")
            self._check_family(connection, from_person_id, to_node, to_person_id)
            self._check_give(connection, from_person_id, amount, donation=False)
            if to_node == self.node_id:
                self._check_receive(connection, to_person_id, amount)
                self._apply(
                    connection,
                    [
                        TransferRequest(
                            transfer_id, TransferKind.SINGLE_PHASE, from_person_id, to_person_id, amount, memo=memo
                        )
                    ],
                )
                movement = wanted
            else:
                self._send(connection, transfer_id, from_person_id, to_node, to_person_id, amount, memo)
                movement = dataclasses.replace(wanted, state="sent")
            self._record(connection, movement)
            gift = supervision.Gift(transfer_id, from_person_id, to_person_id, amount, self.clock.now_micros())
            earlier = [
                supervision.Gift(m.transfer_id, m.person_id, m.counterparty_id, m.amount_minutes, m.at_micros)
                for m in store.gifts_between(connection, from_person_id, to_person_id)
            ]
            self._raise(connection, supervision.back_and_forth(gift, earlier, self.policy))
            return movement

        return self._write(work, "GiveHours")

    def _check_family(self, connection: Connection, from_id: int, to_node: str, to_id: int) -> None:
        family = store.verified_relationships(connection, "family", person_id=from_id, other_person_id=to_id)
        family += store.verified_relationships(connection, "family", person_id=to_id, other_person_id=from_id)
        if not any(rel.other_node_id == to_node or to_node == self.node_id for rel in family):
            raise NotPermitted(
                f"to_person_id: {ids.to_hex(to_id)} at {to_node} is not verified as family of {ids.to_hex(from_id)}; "
                "an operator must verify the relationship first"
            )

    def _check_give(self, connection: Connection, person_id: int, amount: int, *, donation: bool) -> None:
        person = store.get(connection, s.care_people, r.Person, "person_id", person_id=person_id)
        account = self.books.read_accounts(connection, [person_id])[person_id]
        since = self.clock.now_micros() - self.policy.give_after_days * rules.MICROS_PER_DAY
        recent = store.deposits_since(connection, person_id, since) if self.policy.give_after_days else 0
        if donation:
            allowed = rules.donatable_minutes(account.available_minutes, recent)
            why = f"available, less hours deposited in the last {self.policy.give_after_days} days"
        else:
            allowed = rules.givable_minutes(account.available_minutes, person.group_locked_minutes, recent, self.policy)
            why = (
                "available, less hours from group activities and hours deposited in the last "
                f"{self.policy.give_after_days} days"
            )
        rules.check_enough("amount_minutes", amount, allowed, why)

    def _check_receive(self, connection: Connection, person_id: int, amount: int) -> None:
        self._local_member(connection, person_id, "to_person_id")
        account = self.books.read_accounts(connection, [person_id])[person_id]
        holding = account.balance_minutes + account.credits_pending_minutes
        cap = self.policy.storage_cap_minutes
        if cap and holding + amount > cap:
            raise NotNow(
                f"amount_minutes: {ids.to_hex(person_id)} would hold {format_hours(holding + amount)} h, "
                f"above the storage cap of {format_hours(cap)} h"
            )

    def donate(self, transfer_id: int, person_id: int, amount: int) -> r.Movement:
        rules.positive_minutes("amount_minutes", amount)
        memo = f"donation from {ids.to_hex(person_id)}"
        wanted = r.Movement(transfer_id, "donation", person_id, self.node_id, 0, amount, "posted", memo)

        def work(connection: Connection) -> r.Movement:
            existing = _stored_same(
                connection, s.care_movements, wanted, "transfer_id", ("kind", "person_id", "amount_minutes")
            )
            if existing is not None:
                return existing
            person = self._local_member(connection, person_id, "person_id")
            self._check_give(connection, person_id, amount, donation=True)
            self._apply(
                connection,
                [TransferRequest(transfer_id, TransferKind.SINGLE_PHASE, person_id, DONATION_POOL, amount, memo=memo)],
            )
            unlocked = max(0, person.group_locked_minutes - amount)
            store.change(connection, s.care_people, {"person_id": person_id}, group_locked_minutes=unlocked)
            self._record(connection, wanted)
            return wanted

        return self._write(work, "Donate")

    def grant(self, transfer_id: int, elder_id: int, amount: int, reason: str, operator: str) -> r.Movement:
        rules.positive_minutes("amount_minutes", amount)
        reason = rules.text("reason", reason, 150)
        operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
        memo = f"grant by {operator}: {reason}"[:200]
        wanted = r.Movement(transfer_id, "grant", elder_id, self.node_id, 0, amount, "posted", memo)

        def work(connection: Connection) -> r.Movement:
            existing = _stored_same(
                connection, s.care_movements, wanted, "transfer_id", ("kind", "person_id", "amount_minutes", "memo")
            )
            if existing is not None:
                return existing
            self._local_member(connection, elder_id, "elder_id")
            self._approved(connection, elder_id, "elder_id", "elder")
            accounts = self.books.read_accounts(connection, [elder_id, DONATION_POOL])
            account, pool = accounts[elder_id], accounts[DONATION_POOL]
            if account.balance_minutes > self.policy.pool_grant_balance_max_minutes:
                raise NotNow(
                    f"elder_id: {ids.to_hex(elder_id)} holds {format_hours(account.balance_minutes)} h; "
                    "pool grants are for "
                    f"elders holding at most {format_hours(self.policy.pool_grant_balance_max_minutes)} h"
                )
            if amount > pool.available_minutes:
                raise NotNow(
                    f"amount_minutes: got {amount}, but the donation pool can grant only {pool.available_minutes}"
                )
            self._apply(
                connection,
                [TransferRequest(transfer_id, TransferKind.SINGLE_PHASE, DONATION_POOL, elder_id, amount, memo=memo)],
            )
            self._record(connection, wanted)
            return wanted

        return self._write(work, "GrantFromPool")

    # -- the points mall --------------------------------------------------------------------------------

    def add_mall_item(self, item_code: str, name: str, price_minutes: int, stock_added: int) -> r.MallItem:
        if not catalogue.CODE_PATTERN.match(item_code):
            raise RequestInvalid(f"item_code: got {item_code!r}, want 1 to 32 lowercase letters, digits or dashes")
        name = rules.text("name", name, rules.NAME_LENGTH_MAX)
        rules.positive_minutes("price_minutes", price_minutes)
        if not 0 <= stock_added <= 1_000_000:
            raise RequestInvalid(f"stock_added: got {stock_added}, want 0..=1000000")

        def work(connection: Connection) -> r.MallItem:
            existing = store.find(connection, s.care_mall_items, r.MallItem, item_code=item_code)
            if existing is None:
                item = r.MallItem(item_code, name, price_minutes, stock_added)
                store.insert(connection, s.care_mall_items, item)
                return item
            _same(
                existing,
                r.MallItem(item_code, name, price_minutes, existing.stock, existing.reserved),
                "item_code",
                ("name", "price_minutes"),
            )
            item = dataclasses.replace(existing, stock=existing.stock + stock_added)
            store.save(connection, s.care_mall_items, ("item_code",), item)
            return item

        return self._write(work, "AddMallItem")

    def mall_items(self) -> list[r.MallItem]:
        return self._read(
            lambda c: store.many(c, select(s.care_mall_items).order_by(s.care_mall_items.c.item_code), r.MallItem)
        )

    def redeem(self, redemption_id: int, person_id: int, item_code: str, quantity: int) -> r.MallRedemption:
        if not 1 <= quantity <= MALL_QUANTITY_MAX:
            raise RequestInvalid(f"quantity: got {quantity}, want 1..={MALL_QUANTITY_MAX}")

        def work(connection: Connection) -> r.MallRedemption:
            item = store.get(connection, s.care_mall_items, r.MallItem, "item_code", item_code=item_code)
            transfer_id = derive_id("care-mall", redemption_id)
            wanted = r.MallRedemption(
                redemption_id,
                person_id,
                item_code,
                quantity,
                item.price_minutes * quantity,
                "reserved",
                transfer_id,
                self.clock.now_micros(),
            )
            existing = _stored_same(
                connection, s.care_redemptions, wanted, "redemption_id", ("person_id", "item_code", "quantity")
            )
            if existing is not None:
                return existing
            self._local_member(connection, person_id, "person_id")
            if item.stock < quantity:
                raise OutOfStock(f"quantity: got {quantity}, {item.item_code} has {item.stock} in stock")
            self._check_spend(connection, person_id, wanted.amount_minutes, "amount_minutes")
            memo = f"mall {item_code} x{quantity}: redemption {ids.to_hex(redemption_id)}"
            self._apply(
                connection,
                [TransferRequest(transfer_id, TransferKind.PENDING, person_id, MALL, wanted.amount_minutes, memo=memo)],
            )
            store.change(
                connection,
                s.care_mall_items,
                {"item_code": item_code},
                stock=item.stock - quantity,
                reserved=item.reserved + quantity,
            )
            store.insert(connection, s.care_redemptions, wanted)
            self._record(
                connection,
                r.Movement(
                    transfer_id,
                    "mall",
                    person_id,
                    self.node_id,
                    0,
                    wanted.amount_minutes,
                    "pending",
                    memo,
                    item_code=item_code,
                ),
            )
            return wanted

        return self._write(work, "RedeemMallItem")

    def settle_redemption(self, redemption_id: int, cancel: bool) -> r.MallRedemption:
        def work(connection: Connection) -> r.MallRedemption:
            found = store.get(
                connection, s.care_redemptions, r.MallRedemption, "redemption_id", redemption_id=redemption_id
            )
            wanted_state = "cancelled" if cancel else "picked-up"
            if found.state == wanted_state:
                return found
            if found.state != "reserved":
                raise NotNow(
                    f"redemption_id: {ids.to_hex(redemption_id)} is {found.state}; "
                    f"only a reserved redemption can be {wanted_state}"
                )
            item = store.get(connection, s.care_mall_items, r.MallItem, "item_code", item_code=found.item_code)
            kind = TransferKind.VOID_PENDING if cancel else TransferKind.POST_PENDING
            amount = 0 if cancel else found.amount_minutes
            settle_id = derive_id(f"care-mall-{wanted_state}", redemption_id)
            self._apply(connection, [TransferRequest(settle_id, kind, 0, 0, amount, pending_id=found.transfer_id)])
            stock = item.stock + found.quantity if cancel else item.stock
            store.change(
                connection,
                s.care_mall_items,
                {"item_code": item.item_code},
                stock=stock,
                reserved=item.reserved - found.quantity,
            )
            store.change(
                connection, s.care_movements, {"transfer_id": found.transfer_id}, state="voided" if cancel else "posted"
            )
            settled = dataclasses.replace(found, state=wanted_state)
            store.save(connection, s.care_redemptions, ("redemption_id",), settled)
            return settled

        return self._write(work, "SettleRedemption")

    # -- teams --------------------------------------------------------------------------------------------

    def create_team(self, team_code: str, name: str, kind: str) -> r.Team:
        if not catalogue.CODE_PATTERN.match(team_code):
            raise RequestInvalid(f"team_code: got {team_code!r}, want 1 to 32 lowercase letters, digits or dashes")
        wanted = r.Team(
            team_code,
            rules.text("name", name, rules.NAME_LENGTH_MAX),
            rules.choice("kind", kind, rules.TEAM_KINDS),
            self.clock.now_micros(),
        )

        def work(connection: Connection) -> r.Team:
            existing = _stored_same(connection, s.care_teams, wanted, "team_code", ("name", "kind"))
            if existing is not None:
                return existing
            store.insert(connection, s.care_teams, wanted)
            return wanted

        return self._write(work, "CreateTeam")

    def join_team(self, team_code: str, person_id: int) -> r.Team:
        def work(connection: Connection) -> r.TeamMember | str:
            store.get(connection, s.care_teams, r.Team, "team_code", team_code=team_code)
            self._approved(connection, person_id, "person_id", "volunteer")
            if store.find(connection, s.care_team_members, r.TeamMember, team_code=team_code, person_id=person_id):
                return team_code  # a member already: nothing changes
            member = r.TeamMember(team_code, person_id, self.clock.now_micros())
            store.insert(connection, s.care_team_members, member)
            return member

        self._write(work, "JoinTeam")
        return self._team(team_code)

    def teams(self) -> list[r.Team]:
        return self._read(lambda connection: self._teams(connection))

    def _team(self, team_code: str) -> r.Team:
        return self._read(lambda connection: self._teams(connection, team_code)[0])

    def _teams(self, connection: Connection, team_code: str = "") -> list[r.Team]:
        """Teams (all, or the one named) with their member counts, in one query."""
        teams, members = s.care_teams, s.care_team_members
        statement = (
            select(teams, func.count(members.c.person_id).label("member_count"))
            .select_from(teams.outerjoin(members, members.c.team_code == teams.c.team_code))
            .group_by(*teams.c)
            .order_by(teams.c.team_code)
        )
        if team_code:
            statement = statement.where(teams.c.team_code == team_code)
        return store.many(connection, statement, r.Team)

    # -- statistics, alerts, certificates, policy ----------------------------------------------------------

    def statistics(self, from_month: str, to_month: str) -> r.Statistics:
        first = _month("from_month", from_month) if from_month else "0000-01"
        last = (
            _month("to_month", to_month)
            if to_month
            else rules.month_of(self.clock.now_micros(), self.policy.utc_offset_hours)
        )
        if first > last:
            raise RequestInvalid(f"from_month: {first} is after to_month {last}")
        return self._read(lambda connection: self._statistics(connection, first, last))

    def _statistics(self, connection: Connection, first: str, last: str) -> r.Statistics:
        rows: dict[tuple[str, str], list[int]] = {}

        def add(dimension: str, key: str, deposited: int, redeemed: int, count: int) -> None:
            figures = rows.setdefault((dimension, key), [0, 0, 0])
            figures[0] += deposited
            figures[1] += redeemed
            figures[2] += count

        months_seen: set[str] = set()
        for kind, month, item_code, minutes, count in store.movement_totals(connection, first, last):
            deposited = minutes if kind in store.DEPOSIT_KINDS else 0
            redeemed = minutes if kind in store.REDEEM_KINDS else 0
            orders = count if kind in store.SERVICE_KINDS else 0
            if not (deposited or redeemed):
                continue
            category = "mall" if kind == "mall" else self._item(connection, item_code).category
            for dimension, key in (("node", self.node_id), ("month", month), ("category", category)):
                add(dimension, key, deposited, redeemed, orders)
            months_seen.add(month)
        for team_code, minutes, count in store.team_deposits(connection, first, last):
            add("team", team_code, minutes, 0, count)
        start, end = self._period_micros(first, last)
        return r.Statistics(
            node_id=self.node_id,
            rows=tuple(r.StatisticsRow(d, k, *figures) for (d, k), figures in sorted(rows.items())),
            active_volunteers=store.active_volunteers(connection, start, end),
            outstanding_minutes=store.member_minutes(connection),
            trend=self._trend(connection, first, last, months_seen),
            open_alerts=store.open_alert_count(connection),
        )

    def _period_micros(self, first: str, last: str) -> tuple[int, int]:
        offset = self.policy.utc_offset_hours
        start = rules.day_start_micros(datetime.date.fromisoformat(f"{max(first, '1970-01')}-01"), offset)
        year, month = map(int, last.split("-"))
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        return start, rules.day_start_micros(following, offset)

    def _trend(
        self, connection: Connection, first: str, last: str, months_seen: set[str]
    ) -> tuple[r.MonthOutstanding, ...]:
        """Member hours at the end of each month of the period (months with movements, at most 120)."""
        now = self.clock.now_micros()
        current = store.member_minutes(connection)
        trend = []
        for month in sorted(months_seen)[-TREND_MONTHS_MAX:]:
            _, end = self._period_micros(month, month)
            if end >= now:
                trend.append(r.MonthOutstanding(month, current))
            else:
                trend.append(r.MonthOutstanding(month, current - store.member_changes_after(connection, end - 1)))
        return tuple(trend)

    def alerts(self, include_acknowledged: bool) -> list[r.Alert]:
        statement = select(s.care_alerts).order_by(s.care_alerts.c.alert_id)
        if not include_acknowledged:
            statement = statement.where(s.care_alerts.c.acknowledged_at_micros == 0)
        return self._read(lambda c: store.many(c, statement.limit(store.LIST_LIMIT_MAX), r.Alert))

    def acknowledge(self, alert_id: int, operator: str, note: str) -> r.Alert:
        operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
        note = rules.text("note", note, rules.REASON_LENGTH_MAX)

        def work(connection: Connection) -> r.Alert:
            alert = store.get(connection, s.care_alerts, r.Alert, "alert_id", alert_id=alert_id)
            if alert.acknowledged_at_micros:
                raise NotNow(f"alert_id: {alert_id} was acknowledged already by {alert.acknowledged_by}")
            done = dataclasses.replace(
                alert, acknowledged_by=operator, acknowledged_note=note, acknowledged_at_micros=self.clock.now_micros()
            )
            store.save(connection, s.care_alerts, ("alert_id",), done)
            return done

        return self._write(work, "AcknowledgeAlert")

    def _raise(self, connection: Connection, drafts: Sequence[supervision.AlertDraft]) -> None:
        for draft in drafts:
            table = s.care_alerts
            if (
                connection.execute(select(table.c.alert_id).where(table.c.fingerprint == draft.fingerprint)).first()
                is None
            ):
                connection.execute(
                    table.insert().values(
                        rule=draft.rule,
                        subject_id=ids.to_hex(draft.subject_id),
                        evidence=draft.evidence,
                        fingerprint=draft.fingerprint,
                        raised_at_micros=self.clock.now_micros(),
                        acknowledged_by="",
                        acknowledged_note="",
                        acknowledged_at_micros=0,
                    )
                )

    def certificate(
        self, certificate_id: int, person_id: int, period_from: str, period_to: str
    ) -> tuple[bytes, str, int]:
        first = rules.parse_date("period_from", period_from)
        last = rules.parse_date("period_to", period_to)
        if first > last:
            raise RequestInvalid(f"period_from: {first} is after period_to {last}")

        def work(connection: Connection) -> certificate.CertificateBody:
            person = self._approved(connection, person_id, "person_id", "volunteer")
            offset = self.policy.utc_offset_hours
            start = rules.day_start_micros(first, offset)
            end = rules.day_start_micros(last, offset) + rules.MICROS_PER_DAY
            movements = store.deposits_of(connection, person_id, start, end, certificate.LINES_MAX + 1)
            if not movements:
                raise NotNow(
                    f"person_id: {ids.to_hex(person_id)} has no service hours deposited at {self.node_id} "
                    f"from {first} to {last}; there is nothing to certify"
                )
            if len(movements) > certificate.LINES_MAX:
                raise RequestInvalid(
                    f"period_from: {first} to {last} holds more than {certificate.LINES_MAX} services of "
                    f"{ids.to_hex(person_id)}; want a shorter period"
                )
            lines = tuple(self._certificate_line(connection, m) for m in movements)
            return certificate.CertificateBody(
                certificate_id=ids.to_hex(certificate_id),
                node_id=self.node_id,
                node_name=self.node_name,
                person_id=ids.to_hex(person_id),
                person_name=person.name,
                identity_masked=person.identity_masked,
                period_from=first.isoformat(),
                period_to=last.isoformat(),
                issued_at_micros=self.clock.now_micros(),
                lines=lines,
            )

        body = self._read(work)
        issued = certificate.issue(body, self.signing_key)
        return issued, certificate.render_html(issued), body.total_minutes

    def _certificate_line(self, connection: Connection, movement: r.Movement) -> certificate.CertificateLine:
        item = self._item(connection, movement.item_code)
        return certificate.CertificateLine(
            order_id=ids.to_hex(movement.order_id),
            served_on=rules.local_date(movement.at_micros, self.policy.utc_offset_hours).isoformat(),
            item_code=item.code,
            item_name_zh=item.name_zh,
            item_name_en=item.name_en,
            minutes=movement.amount_minutes,
            transfer_id=ids.to_hex(movement.transfer_id),
        )


def _stored_same(connection: Connection, table: Any, wanted: T, id_name: str, fields: Sequence[str]) -> T | None:
    """None for a new id; the stored record when a retry asks for the same; AlreadyExists if not."""
    existing = store.find(connection, table, type(wanted), **{id_name: getattr(wanted, id_name)})
    return None if existing is None else _same(existing, wanted, id_name, fields)


def _who_acts(acting_person_id: int, operator: str, check_person: Callable[[], None]) -> str:
    """Who changes an order, for its steps: an operator by name, or the acting person once checked."""
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX, required=False)
    if operator and acting_person_id:
        raise RequestInvalid("acting_person_id: give the person acting or an operator, not both")
    if operator:
        return f"operator {operator}"
    if not acting_person_id:
        raise RequestInvalid("acting_person_id: empty; want the person acting, or an operator's name in operator")
    check_person()
    return ids.to_hex(acting_person_id)


def _same(existing: T, wanted: object, id_name: str, fields: Sequence[str]) -> T:
    """The stored record when a retry asks for the same thing; AlreadyExists naming the first difference."""
    for name in fields:
        if getattr(existing, name) != getattr(wanted, name):
            raise AlreadyExists(
                f"{id_name}: exists with a different {name} (stored {getattr(existing, name)!r}, "
                f"got {getattr(wanted, name)!r}); use a new id"
            )
    return existing


UNLOGGED_FIELDS = frozenset({"identity_hash", "balance_minutes", "available_minutes", "age_years", "home_check"})


def _care_event(operation: str, record: Any) -> translog.Body:
    """The log leaf of a change: the record as it stands, ids in hex, without the identity's
    keyed hash or the figures that are read, not stored."""
    document = {}
    for field in dataclasses.fields(record):
        if field.name in UNLOGGED_FIELDS:
            continue
        value = getattr(record, field.name)
        document[field.name] = ids.to_hex(value) if store.is_id(field.name) and isinstance(value, int) else value
    first = dataclasses.fields(record)[0].name
    subject = document[first]
    return translog.care_event(operation, str(subject), json.dumps(document, sort_keys=True, ensure_ascii=False))


def _visit(order: r.Order) -> supervision.Visit:
    return supervision.Visit(order.order_id, order.volunteer_id, order.checked_in_micros, order.checked_out_micros)


def _decided(decision: str, decided_minutes: int, credited: int) -> int:
    if decision == "uphold":
        return credited
    if decision == "reverse":
        return 0
    if credited < 2:
        raise RequestInvalid(
            f"decision: an adjustment of {credited} min credited leaves nothing between all and none; "
            "want uphold or reverse"
        )
    if not 0 < decided_minutes < credited:
        raise RequestInvalid(
            f"decided_minutes: got {decided_minutes}, want 1..={credited - 1} for an adjustment of {credited} min"
        )
    return decided_minutes


def _month(name: str, value: str) -> str:
    try:
        datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise RequestInvalid(f"{name}: got {value!r}, want a month YYYY-MM") from None
    return value


def _catalogue_item(row: Any) -> catalogue.CatalogueItem:
    return catalogue.CatalogueItem(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        category=row.category,
        professional=row.professional,
        qualifications=tuple(kind for kind in row.qualifications.split(",") if kind),
        rate_percent=row.rate_percent,
        group=row.group_activity,
    )
