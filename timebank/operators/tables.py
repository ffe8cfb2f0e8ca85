"""The operator tables, defined on a party's own MetaData: the node and the clearinghouse
each keep the accounts, sessions and trail of the people who run them, in the same shape.

Owns the columns; `define` adds the three tables to a MetaData and answers them. Each
party's migrations create them (the node's in node_0009 and node_0010, the
clearinghouse's in clearinghouse_0009).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

from timebank.storage.schema import SEQUENCE

__all__ = ["OperatorTables", "define"]


@dataclass(frozen=True)
class OperatorTables:
    accounts: Table
    sessions: Table
    trail: Table


def define(metadata: MetaData) -> OperatorTables:
    """Accounts with their roles; sessions (by the SHA-256 of the token only); the trail of
    logins, failed logins and actions, kept at least 180 days."""
    accounts = Table(
        "operator_accounts",
        metadata,
        Column("username", String(32), primary_key=True),
        Column("display_name", String(40), nullable=False),
        Column("password_hash", String(200), nullable=False),  # scrypt$N$r$p$salt$hash
        Column("roles", String(64), nullable=False),  # comma-separated role names
        Column("disabled", Boolean, nullable=False),
        Column("failed_logins", Integer, nullable=False),  # since the last success
        Column("locked_until_micros", BigInteger, nullable=False),
        Column("created_at_micros", BigInteger, nullable=False),
        Column("password_changed_at_micros", BigInteger, nullable=False),
    )
    sessions = Table(
        "operator_sessions",
        metadata,
        Column("token_hash", String(64), primary_key=True),
        Column("username", String(32), ForeignKey("operator_accounts.username"), nullable=False),
        Column("created_at_micros", BigInteger, nullable=False),
        Column("last_seen_micros", BigInteger, nullable=False),
        Column("ended_at_micros", BigInteger, nullable=True),
        Index("ix_operator_sessions_username", "username"),
    )
    trail = Table(
        "operator_trail",
        metadata,
        Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
        Column("at_micros", BigInteger, nullable=False),
        Column("username", String(48), nullable=False),  # an account's, or person:<person id>
        Column("kind", String(16), nullable=False),  # login, login-failed, logout, action, refused
        Column("operation", String(64), nullable=False),
        Column("detail", Text, nullable=False),
        Index("ix_operator_trail_at", "at_micros"),
    )
    return OperatorTables(accounts, sessions, trail)
