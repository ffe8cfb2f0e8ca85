"""Teams, alerts and the figures of the statistics: care_teams, care_team_members, care_alerts,
and sums over care_movements, care_orders and the ledger's member accounts.

Owns the queries of teams (with their member counts, in one query), of supervision's
alerts (one per fingerprint) and of the statistics (totals by kind, month and item,
deposits by team, active volunteers, member hours now and their changes since a time).
Must not decide anything.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from nodes import tables as s
from nodes.care import records as r
from nodes.care.store.hours import SERVICE_KINDS
from nodes.care.store.rows import LIST_LIMIT_MAX, find, get, insert, many, save
from timebank import ids
from timebank.ledger.model import AccountKind
from timebank.storage import schema

__all__ = [
    "active_volunteers",
    "add_alert",
    "add_member",
    "add_team",
    "alert",
    "alert_raised",
    "alerts",
    "COUNTED_STATES",
    "DEPOSIT_KINDS",
    "DONATED_KINDS",
    "deposited_since",
    "find_alert",
    "find_team",
    "is_member",
    "member_changes_after",
    "member_minutes",
    "movement_totals",
    "open_alert_count",
    "REDEEM_KINDS",
    "save_alert",
    "team_deposits",
    "team_exists",
    "teams",
]

# -- teams ------------------------------------------------------------------------------------------


def find_team(connection: Connection, team_code: str) -> r.Team | None:
    return find(connection, s.care_teams, r.Team, team_code=team_code)


def team_exists(connection: Connection, team_code: str) -> None:
    """NotFound unless the team exists."""
    get(connection, s.care_teams, r.Team, "team_code", team_code=team_code)


def add_team(connection: Connection, new: r.Team) -> None:
    insert(connection, s.care_teams, new)


def is_member(connection: Connection, team_code: str, person_id: int) -> bool:
    return find(connection, s.care_team_members, r.TeamMember, team_code=team_code, person_id=person_id) is not None


def add_member(connection: Connection, new: r.TeamMember) -> None:
    insert(connection, s.care_team_members, new)


def teams(connection: Connection, team_code: str = "") -> list[r.Team]:
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
    return many(connection, statement, r.Team)


# -- alerts -------------------------------------------------------------------------------------------


def alert(connection: Connection, alert_id: int) -> r.Alert:
    return get(connection, s.care_alerts, r.Alert, "alert_id", alert_id=alert_id)


def find_alert(connection: Connection, alert_id: int) -> r.Alert | None:
    return find(connection, s.care_alerts, r.Alert, alert_id=alert_id)


def save_alert(connection: Connection, changed: r.Alert) -> None:
    save(connection, s.care_alerts, ("alert_id",), changed)


def alerts(connection: Connection, include_acknowledged: bool) -> list[r.Alert]:
    statement = select(s.care_alerts).order_by(s.care_alerts.c.alert_id)
    if not include_acknowledged:
        statement = statement.where(s.care_alerts.c.acknowledged_at_micros == 0)
    return many(connection, statement.limit(LIST_LIMIT_MAX), r.Alert)


def alert_raised(connection: Connection, fingerprint: str) -> bool:
    table = s.care_alerts
    return connection.execute(select(table.c.alert_id).where(table.c.fingerprint == fingerprint)).first() is not None


def add_alert(
    connection: Connection, rule: str, subject_id: int, evidence: str, fingerprint: str, at_micros: int
) -> None:
    """A new alert, not yet acknowledged (its alert_id is the table's sequence)."""
    connection.execute(
        s.care_alerts.insert().values(
            rule=rule,
            subject_id=ids.to_hex(subject_id),
            evidence=evidence,
            fingerprint=fingerprint,
            raised_at_micros=at_micros,
            acknowledged_by="",
            acknowledged_note="",
            acknowledged_at_micros=0,
        )
    )


# -- statistics -------------------------------------------------------------------------------------

DEPOSIT_KINDS = (*SERVICE_KINDS, r.MovementKind.OVERFLOW, r.MovementKind.IMPORT)
REDEEM_KINDS = (r.MovementKind.REDEEM, r.MovementKind.MALL)
DONATED_KINDS = (r.MovementKind.DONATION, r.MovementKind.OVERFLOW)
COUNTED_STATES = (str(r.MovementState.POSTED), str(r.MovementState.SENT))


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
        .where(table.c.month >= from_month, table.c.month <= to_month, table.c.state.in_(COUNTED_STATES))
        .group_by(table.c.kind, table.c.month, table.c.item_code)
    )
    return [(row[0], row[1], row[2], int(row[3]), int(row[4])) for row in connection.execute(statement)]


def deposited_since(connection: Connection, since_micros: int) -> int:
    """Minutes deposited for services (and their overflow) since a time, to anyone."""
    table = s.care_movements
    statement = select(func.coalesce(func.sum(table.c.amount_minutes), 0)).where(
        table.c.at_micros >= since_micros, table.c.kind.in_(DEPOSIT_KINDS), table.c.state.in_(COUNTED_STATES)
    )
    return int(connection.execute(statement).scalar_one())


def team_deposits(connection: Connection, from_month: str, to_month: str) -> list[tuple[str, int, int]]:
    """(team_code, minutes, count) deposited to the team's members: once per team a member is in."""
    movements, members = s.care_movements, s.care_team_members
    statement = (
        select(members.c.team_code, func.sum(movements.c.amount_minutes), func.count())
        .select_from(movements.join(members, members.c.person_id == movements.c.person_id))
        .where(
            movements.c.kind.in_([str(kind) for kind in SERVICE_KINDS]),
            movements.c.month >= from_month,
            movements.c.month <= to_month,
            movements.c.state.in_(COUNTED_STATES),
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
