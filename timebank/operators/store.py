"""The operator tables' SQL: operator_accounts, operator_sessions and operator_trail, on
whichever party's tables (`timebank.operators.tables`) an `OperatorRows` is given.

Owns the rows and their conversion to `timebank.operators.records`. The caller owns the
transaction. Must not: decide anything (the desk does), know gRPC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from timebank.operators.records import Account, Role, Session, TrailEntry, TrailKind
from timebank.operators.tables import OperatorTables

__all__ = ["OperatorRows"]


def _account(row: Row[Any]) -> Account:
    return Account(
        username=row.username,
        display_name=row.display_name,
        roles=frozenset(Role(name) for name in row.roles.split(",") if name),
        disabled=bool(row.disabled),
        failed_logins=row.failed_logins,
        locked_until_micros=row.locked_until_micros,
        created_at_micros=row.created_at_micros,
        password_changed_at_micros=row.password_changed_at_micros,
    )


def _roles(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


def _session(row: Row[Any]) -> Session:
    return Session(row.token_hash, row.username, row.created_at_micros, row.last_seen_micros, row.ended_at_micros)


class OperatorRows:
    """The SQL of one party's operator tables."""

    def __init__(self, tables: OperatorTables) -> None:
        self.tables = tables

    def read_account(self, connection: Connection, username: str) -> Account | None:
        row = connection.execute(
            select(self.tables.accounts).where(self.tables.accounts.c.username == username)
        ).first()
        return None if row is None else _account(row)

    def password_hash(self, connection: Connection, username: str) -> str:
        statement = select(self.tables.accounts.c.password_hash).where(self.tables.accounts.c.username == username)
        return str(connection.execute(statement).scalar_one())

    def list_accounts(self, connection: Connection) -> list[Account]:
        rows = connection.execute(select(self.tables.accounts).order_by(self.tables.accounts.c.username))
        return [_account(row) for row in rows]

    def insert_account(self, connection: Connection, account: Account, hashed: str) -> None:
        connection.execute(
            insert(self.tables.accounts).values(
                username=account.username,
                display_name=account.display_name,
                password_hash=hashed,
                roles=_roles(account.roles),
                disabled=account.disabled,
                failed_logins=account.failed_logins,
                locked_until_micros=account.locked_until_micros,
                created_at_micros=account.created_at_micros,
                password_changed_at_micros=account.password_changed_at_micros,
            )
        )

    def update_account(self, connection: Connection, account: Account, hashed: str | None = None) -> None:
        """Writes the account's changeable fields (and its password hash, if given)."""
        values: dict[str, object] = {
            "display_name": account.display_name,
            "roles": _roles(account.roles),
            "disabled": account.disabled,
            "failed_logins": account.failed_logins,
            "locked_until_micros": account.locked_until_micros,
            "password_changed_at_micros": account.password_changed_at_micros,
        }
        if hashed is not None:
            values["password_hash"] = hashed
        connection.execute(
            update(self.tables.accounts).where(self.tables.accounts.c.username == account.username).values(**values)
        )

    def read_session(self, connection: Connection, token_hash: str) -> Session | None:
        row = connection.execute(
            select(self.tables.sessions).where(self.tables.sessions.c.token_hash == token_hash)
        ).first()
        return None if row is None else _session(row)

    def insert_session(self, connection: Connection, session: Session) -> None:
        connection.execute(
            insert(self.tables.sessions).values(
                token_hash=session.token_hash,
                username=session.username,
                created_at_micros=session.created_at_micros,
                last_seen_micros=session.last_seen_micros,
                ended_at_micros=session.ended_at_micros,
            )
        )

    def update_session(self, connection: Connection, token_hash: str, *, last_seen_micros: int, ended: bool) -> None:
        values: dict[str, object] = {"last_seen_micros": last_seen_micros}
        if ended:
            values["ended_at_micros"] = last_seen_micros
        connection.execute(
            update(self.tables.sessions).where(self.tables.sessions.c.token_hash == token_hash).values(**values)
        )

    def add_trail(
        self, connection: Connection, at_micros: int, username: str, kind: TrailKind, operation: str, detail: str
    ) -> None:
        connection.execute(
            insert(self.tables.trail).values(
                at_micros=at_micros, username=username[:48], kind=str(kind), operation=operation[:64], detail=detail
            )
        )

    def list_trail(self, connection: Connection, after_sequence: int, limit: int) -> list[TrailEntry]:
        """Entries after a sequence number, oldest first."""
        rows = connection.execute(
            select(self.tables.trail)
            .where(self.tables.trail.c.sequence > after_sequence)
            .order_by(self.tables.trail.c.sequence)
            .limit(limit)
        )
        return [
            TrailEntry(row.sequence, row.at_micros, row.username, TrailKind(row.kind), row.operation, row.detail)
            for row in rows
        ]
