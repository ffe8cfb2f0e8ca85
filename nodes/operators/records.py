"""The values of operator accounts: roles, accounts, sessions and trail entries.

Owns no behaviour and imports neither the database nor the wire. Each role is a StrEnum
whose value is stored and sent; `label` is what an office sees (Chinese first).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["HOST_ADMINISTRATOR", "Account", "Role", "Session", "TrailEntry", "TrailKind"]

# Who a change made by the command line on the node's own host is recorded as.
HOST_ADMINISTRATOR = "host-administrator"


class Role(enum.StrEnum):
    REVIEWER = "reviewer"  # people, relationships, qualifications
    OPERATOR = "operator"  # demands, orders, codes, mall, teams, family transfers, donations
    DIRECTOR = "director"  # disputes, pool grants, adjustments, alerts, certificates, users
    VIEWER = "viewer"  # read-only: supervisors and auditors

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REVIEWER: "审核员 (reviewer)",
    Role.OPERATOR: "经办员 (operator)",
    Role.DIRECTOR: "主任 (director)",
    Role.VIEWER: "查询员 (viewer)",
}


class TrailKind(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOGOUT = "logout"
    ACTION = "action"
    REFUSED = "refused"


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    roles: frozenset[Role]
    disabled: bool
    failed_logins: int
    locked_until_micros: int
    created_at_micros: int
    password_changed_at_micros: int


@dataclass(frozen=True)
class Session:
    """A login: its token is given once to the client; the node keeps only the token's SHA-256."""

    token_hash: str
    username: str
    created_at_micros: int
    last_seen_micros: int
    ended_at_micros: int | None


@dataclass(frozen=True)
class TrailEntry:
    sequence: int
    at_micros: int
    username: str
    kind: TrailKind
    operation: str
    detail: str
