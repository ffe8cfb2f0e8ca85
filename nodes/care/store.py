"""The care_* tables: reading and writing the services' records inside a caller's transaction.

Owns the conversion between records (nodes.care.records) and rows: ids are integers in
records and 32 hexadecimal digits in rows ("" for none); a tuple of steps is one step a
line. Every function takes the connection of a transaction the desk opened (through
Books.write for anything that writes), so a record and the ledger transfers behind it
commit together or not at all. Knows nothing of gRPC or protobuf.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, func, or_, select, update

from nodes import tables as s
from nodes.care import records as r
from timebank import ids
from timebank.errors import NotFound
from timebank.ledger.model import AccountKind
from timebank.storage import schema
from timebank.storage.engine import is_writing

R = TypeVar("R")
LIST_LIMIT_MAX = 1_000
_NOT_ID = frozenset({"alert_id"})  # a sequence number, not a 128-bit id


def is_id(name: str) -> bool:
    return name.endswith("_id") and not name.endswith("_node_id") and name not in _NOT_ID


def _to_column(name: str, value: Any) -> Any:
    if is_id(name) and isinstance(value, int):
        return ids.to_hex(value) if value else ""
    if isinstance(value, tuple):
        return "\n".join(value)
    return value


def _from_column(name: str, value: Any, kind: Any) -> Any:
    if is_id(name):
        return ids.from_hex(value)
    if kind == "tuple[str, ...]":
        return tuple(value.split("\n")) if value else ()
    return value


def to_row(table: Table, record: object) -> dict[str, Any]:
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}  # type: ignore[arg-type]
    return {
        column.name: _to_column(column.name, values[column.name]) for column in table.columns if column.name in values
    }


def from_row(kind: type[R], row: Any) -> R:
    mapping = row._mapping
    fields = {f.name: f.type for f in dataclasses.fields(kind) if f.name in mapping}  # type: ignore[arg-type]
    return kind(**{name: _from_column(name, mapping[name], field_type) for name, field_type in fields.items()})


def insert(connection: Connection, table: Table, record: object) -> None:
    connection.execute(table.insert().values(**to_row(table, record)))


def _where(table: Table, key: dict[str, Any]) -> Any:
    return and_(*(table.c[name] == _to_column(name, value) for name, value in key.items()))


def find(connection: Connection, table: Table, kind: type[R], **key: Any) -> R | None:
    """The record with this key, or None. In a write transaction the row is locked until the
    commit (PostgreSQL: FOR UPDATE; SQLite's writers are serialised already), so what an
    operation read is still true when it writes: two confirmations, a confirmation and a
    dispute, or two redemptions of the last item never both pass their checks."""
    statement = select(table).where(_where(table, key))
    if is_writing(connection):
        statement = statement.with_for_update()
    row = connection.execute(statement).first()
    return from_row(kind, row) if row is not None else None


def get(connection: Connection, table: Table, kind: type[R], what: str, **key: Any) -> R:
    """The record with this key, or NotFound naming it (`what`: e.g. "person_id")."""
    found = find(connection, table, kind, **key)
    if found is None:
        name, value = next(iter(key.items()))
        shown = ids.to_hex(value) if is_id(name) and isinstance(value, int) else value
        raise NotFound(f"{what}: {shown} is not known at this node")
    return found


def change(connection: Connection, table: Table, key: dict[str, Any], **values: Any) -> None:
    converted = {name: _to_column(name, value) for name, value in values.items()}
    connection.execute(update(table).where(_where(table, key)).values(**converted))


def save(connection: Connection, table: Table, key_names: Sequence[str], record: object) -> None:
    """Writes every column of a changed record (found by its key columns)."""
    row = to_row(table, record)
    key = {name: getattr(record, name) for name in key_names}
    values = {name: value for name, value in row.items() if name not in key_names}
    connection.execute(update(table).where(_where(table, key)).values(**values))


def many(connection: Connection, statement: Any, kind: type[R]) -> list[R]:
    return [from_row(kind, row) for row in connection.execute(statement)]


def limited(limit: int) -> int:
    return 100 if limit <= 0 else min(limit, LIST_LIMIT_MAX)


# -- people and relationships -------------------------------------------------------------------


def person_by_identity(connection: Connection, identity_hash: str) -> r.Person | None:
    return find(connection, s.care_people, r.Person, identity_hash=identity_hash)


def people(connection: Connection, state: str, role: str, limit: int) -> list[r.Person]:
    """A page of people for a listing (at most LIST_LIMIT_MAX)."""
    return _people(connection, state, role, limited(limit))


def match_pool(connection: Connection, limit: int) -> list[r.Person]:
    """The approved volunteers matching chooses from, the earliest registered first."""
    return _people(connection, "approved", "volunteer", limit)


def _people(connection: Connection, state: str, role: str, limit: int) -> list[r.Person]:
    statement = select(s.care_people).order_by(s.care_people.c.registered_at_micros, s.care_people.c.person_id)
    if state:
        statement = statement.where(s.care_people.c.state == state)
    if role:
        statement = statement.where(s.care_people.c.role == role)
    return many(connection, statement.limit(limit), r.Person)


def verified_relationships(
    connection: Connection, kind: str, *, person_id: int = 0, other_person_id: int = 0
) -> list[r.Relationship]:
    table = s.care_relationships
    statement = select(table).where(table.c.kind == kind, table.c.state == "verified")
    if person_id:
        statement = statement.where(table.c.person_id == ids.to_hex(person_id))
    if other_person_id:
        statement = statement.where(table.c.other_person_id == ids.to_hex(other_person_id))
    return many(connection, statement, r.Relationship)


# -- qualifications, orders, ratings ------------------------------------------------------------


def approved_qualifications(connection: Connection, person_id: int) -> list[r.Qualification]:
    table = s.care_qualifications
    statement = select(table).where(table.c.person_id == ids.to_hex(person_id), table.c.state == "approved")
    return many(connection, statement, r.Qualification)


def valid_qualification_holders(connection: Connection, kinds: Iterable[str], on: str) -> set[int]:
    """The people holding an approved qualification of one of the kinds, valid on a day (YYYY-MM-DD)."""
    table = s.care_qualifications
    statement = (
        select(table.c.person_id)
        .distinct()
        .where(table.c.state == "approved", table.c.kind.in_(tuple(kinds)), table.c.expires_on >= on)
    )
    return {ids.from_hex(row.person_id) for row in connection.execute(statement)}


ACTIVE_ORDER_STATES = ("accepted", "checked-in")


def volunteer_orders(connection: Connection, volunteer_id: int, states: Iterable[str]) -> list[r.Order]:
    table = s.care_orders
    statement = select(table).where(table.c.volunteer_id == ids.to_hex(volunteer_id), table.c.state.in_(tuple(states)))
    return many(connection, statement, r.Order)


def clashing_orders(connection: Connection, order: r.Order, volunteer_id: int = 0) -> list[r.Order]:
    """The accepted or checked-in orders, other than this one, whose window overlaps its window:
    of one volunteer, or (volunteer_id 0) of every volunteer."""
    table = s.care_orders
    statement = (
        select(table)
        .where(
            table.c.state.in_(ACTIVE_ORDER_STATES),
            table.c.window_start_micros < order.window_end_micros,
            table.c.window_end_micros > order.window_start_micros,
            table.c.order_id != ids.to_hex(order.order_id),
        )
        .order_by(table.c.window_start_micros, table.c.order_id)
    )
    if volunteer_id:
        statement = statement.where(table.c.volunteer_id == ids.to_hex(volunteer_id))
    return many(connection, statement, r.Order)


def served_between(connection: Connection, volunteer_id: int, start_micros: int, end_micros: int) -> int:
    """Minutes served on a volunteer's orders checked in between two times."""
    return served_by_volunteer(connection, start_micros, end_micros, volunteer_id).get(volunteer_id, 0)


def served_by_volunteer(
    connection: Connection, start_micros: int, end_micros: int, volunteer_id: int = 0
) -> dict[int, int]:
    """Minutes served on orders checked in between two times, by volunteer (one, or every one)."""
    table = s.care_orders
    statement = (
        select(table.c.volunteer_id, func.sum(table.c.served_minutes).label("minutes"))
        .where(table.c.checked_in_micros >= start_micros, table.c.checked_in_micros < end_micros)
        .group_by(table.c.volunteer_id)
    )
    if volunteer_id:
        statement = statement.where(table.c.volunteer_id == ids.to_hex(volunteer_id))
    return {ids.from_hex(row.volunteer_id): int(row.minutes or 0) for row in connection.execute(statement)}


def orders(connection: Connection, state: str, person_id: int, limit: int) -> list[r.Order]:
    table = s.care_orders
    statement = select(table).order_by(table.c.published_at_micros, table.c.order_id)
    if state:
        statement = statement.where(table.c.state == state)
    if person_id:
        shown = ids.to_hex(person_id)
        statement = statement.where(or_(table.c.elder_id == shown, table.c.volunteer_id == shown))
    return many(connection, statement.limit(limited(limit)), r.Order)


def rating_average_percent(connection: Connection, person_id: int) -> int:
    """The average stars a volunteer got on their orders, times 100 (0: none)."""
    return rating_averages_percent(connection, person_id).get(person_id, 0)


def rating_averages_percent(connection: Connection, volunteer_id: int = 0) -> dict[int, int]:
    """The average stars others gave on a volunteer's orders, times 100, by volunteer (one, or
    every rated one)."""
    orders_table, ratings = s.care_orders, s.care_ratings
    statement = (
        select(orders_table.c.volunteer_id, func.avg(ratings.c.stars).label("average"))
        .select_from(ratings.join(orders_table, orders_table.c.order_id == ratings.c.order_id))
        .where(ratings.c.rater_id != orders_table.c.volunteer_id)
        .group_by(orders_table.c.volunteer_id)
    )
    if volunteer_id:
        statement = statement.where(orders_table.c.volunteer_id == ids.to_hex(volunteer_id))
    return {ids.from_hex(row.volunteer_id): round(float(row.average) * 100) for row in connection.execute(statement)}


# -- movements of hours ---------------------------------------------------------------------------

# Hours credited to a volunteer for a service: minted by the node, or paid by the elder.
SERVICE_KINDS = ("deposit", "redeem")


def deposits_since(connection: Connection, person_id: int, since_micros: int) -> int:
    """Minutes deposited to a member for services since a time (still too recent to give away)."""
    table = s.care_movements
    statement = select(func.coalesce(func.sum(table.c.amount_minutes), 0)).where(
        table.c.person_id == ids.to_hex(person_id),
        table.c.kind.in_(SERVICE_KINDS),
        table.c.at_micros >= since_micros,
    )
    return int(connection.execute(statement).scalar_one())


def gifts_between(connection: Connection, first_id: int, second_id: int) -> list[r.Movement]:
    table = s.care_movements
    a, b = ids.to_hex(first_id), ids.to_hex(second_id)
    statement = select(table).where(
        table.c.kind == "family",
        or_(
            and_(table.c.person_id == a, table.c.counterparty_id == b),
            and_(table.c.person_id == b, table.c.counterparty_id == a),
        ),
    )
    return many(connection, statement, r.Movement)


def deposits_of(
    connection: Connection, person_id: int, start_micros: int, end_micros: int, limit: int
) -> list[r.Movement]:
    """A person's deposits for services between two times, the earliest first (at most limit)."""
    table = s.care_movements
    statement = (
        select(table)
        .where(
            table.c.person_id == ids.to_hex(person_id),
            table.c.kind.in_(SERVICE_KINDS),
            table.c.at_micros >= start_micros,
            table.c.at_micros < end_micros,
        )
        .order_by(table.c.at_micros, table.c.transfer_id)
        .limit(limit)
    )
    return many(connection, statement, r.Movement)


# -- statistics -------------------------------------------------------------------------------------

DEPOSIT_KINDS = (*SERVICE_KINDS, "overflow")
REDEEM_KINDS = ("redeem", "mall")


def movement_totals(connection: Connection, from_month: str, to_month: str) -> list[tuple[str, str, str, int, int]]:
    """(kind, month, item_code, minutes, count) of movements in the months, by group."""
    table = s.care_movements
    statement = (
        select(
            table.c.kind,
            table.c.month,
            table.c.item_code,
            func.sum(table.c.amount_minutes),
            func.count(),
        )
        .where(table.c.month >= from_month, table.c.month <= to_month, table.c.state.in_(("posted", "sent")))
        .group_by(table.c.kind, table.c.month, table.c.item_code)
    )
    return [(row[0], row[1], row[2], int(row[3]), int(row[4])) for row in connection.execute(statement)]


def team_deposits(connection: Connection, from_month: str, to_month: str) -> list[tuple[str, int, int]]:
    """(team_code, minutes, count) deposited to the team's members: once per team a member is in."""
    movements, members = s.care_movements, s.care_team_members
    statement = (
        select(members.c.team_code, func.sum(movements.c.amount_minutes), func.count())
        .select_from(movements.join(members, members.c.person_id == movements.c.person_id))
        .where(
            movements.c.kind.in_(SERVICE_KINDS),
            movements.c.month >= from_month,
            movements.c.month <= to_month,
            movements.c.state.in_(("posted", "sent")),
        )
        .group_by(members.c.team_code)
    )
    return [(row[0], int(row[1]), int(row[2])) for row in connection.execute(statement)]


def active_volunteers(connection: Connection, start_micros: int, end_micros: int) -> int:
    table = s.care_orders
    statement = select(func.count(func.distinct(table.c.volunteer_id))).where(
        table.c.checked_out_micros >= start_micros, table.c.checked_out_micros < end_micros, table.c.served_minutes > 0
    )
    return int(connection.execute(statement).scalar_one())


def member_minutes(connection: Connection) -> int:
    """Hours all member accounts hold here, posted: the liability the city guarantees."""
    accounts = schema.accounts
    statement = select(
        func.coalesce(func.sum(accounts.c.credits_posted_minutes - accounts.c.debits_posted_minutes), 0)
    ).where(accounts.c.kind == int(AccountKind.MEMBER))
    return int(connection.execute(statement).scalar_one())


def member_changes_after(connection: Connection, after_micros: int) -> int:
    """Net change of member balances from transfers posted after a time (to roll the trend back)."""
    transfers, accounts = schema.transfers, schema.accounts
    member_ids = select(accounts.c.id).where(accounts.c.kind == int(AccountKind.MEMBER))
    credited = select(func.coalesce(func.sum(transfers.c.amount_minutes), 0)).where(
        transfers.c.created_at_micros > after_micros,
        transfers.c.credit_account_id.in_(member_ids),
        transfers.c.kind.in_((1, 3)),
    )
    debited = select(func.coalesce(func.sum(transfers.c.amount_minutes), 0)).where(
        transfers.c.created_at_micros > after_micros,
        transfers.c.debit_account_id.in_(member_ids),
        transfers.c.kind.in_((1, 3)),
    )
    return int(connection.execute(credited).scalar_one()) - int(connection.execute(debited).scalar_one())


def open_alert_count(connection: Connection) -> int:
    table = s.care_alerts
    return int(connection.execute(select(func.count()).where(table.c.acknowledged_at_micros == 0)).scalar_one())
