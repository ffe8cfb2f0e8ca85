"""The values of operator accounts: roles, each party's staff, accounts, sessions and trail
entries.

Owns no behaviour and imports neither the database nor the wire. Each role is a StrEnum
whose value is stored and sent; `label` is what an office sees (Chinese first).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "BUREAU_STAFF",
    "HOST_ADMINISTRATOR",
    "NODE_STAFF",
    "Account",
    "Role",
    "Session",
    "Staff",
    "TrailEntry",
    "TrailKind",
]

# Who a change made by the command line on the party's own host is recorded as.
HOST_ADMINISTRATOR = "host-administrator"


class Role(enum.StrEnum):
    REVIEWER = "reviewer"  # people, relationships, qualifications
    OPERATOR = "operator"  # demands, orders, codes, mall, teams, family transfers, donations
    DIRECTOR = "director"  # disputes, pool grants, adjustments, alerts, certificates, users
    VIEWER = "viewer"  # read-only: supervisors and auditors
    # The bureau's, at the clearinghouse:
    ADMINISTRATOR = "administrator"  # the registry, cycles, accounts
    SUPERVISOR = "supervisor"  # supervision: alerts acknowledged, statistics, transfers
    AUDITOR = "auditor"  # read-only

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REVIEWER: "审核员 (reviewer)",
    Role.OPERATOR: "经办员 (operator)",
    Role.DIRECTOR: "主任 (director)",
    Role.VIEWER: "查询员 (viewer)",
    Role.ADMINISTRATOR: "管理员 (administrator)",
    Role.SUPERVISOR: "监管员 (supervisor)",
    Role.AUDITOR: "审计员 (auditor)",
}


@dataclass(frozen=True)
class Staff:
    """The roles of one kind of party: roles, in the order they are shown; manager, who
    keeps the accounts (and may not demote or disable their own); readers, who may read the
    accounts and the trail."""

    roles: tuple[Role, ...]
    manager: Role
    readers: frozenset[Role]
    manager_title: str  # the manager, in a sentence: "a director"


NODE_STAFF = Staff(
    (Role.REVIEWER, Role.OPERATOR, Role.DIRECTOR, Role.VIEWER),
    Role.DIRECTOR,
    frozenset({Role.DIRECTOR, Role.VIEWER}),
    "a director",
)
BUREAU_STAFF = Staff(
    (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR),
    Role.ADMINISTRATOR,
    frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR}),
    "an administrator",
)


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
