"""The pure rules of operator accounts, one by one: usernames, passwords, roles, the lock
after failed logins, the ends of a session; and the password hashes."""

from __future__ import annotations

import random

import pytest

from timebank.errors import RequestInvalid
from timebank.operators import rules
from timebank.operators.passwords import Parameters, hash_password, verify_password
from timebank.operators.records import BUREAU_STAFF, NODE_STAFF, Account, Role, Session

FAST = Parameters(n=2**10, r=8, p=1)  # the format and the check, not the cost
MINUTE = 60_000_000


def seeded(seed: int = 7):  # type: ignore[no-untyped-def]
    generator = random.Random(seed)
    return lambda count: generator.randbytes(count)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("wang", "short1A", "password: got 7 characters, want 10 to 128"),
        ("wang", "alllowercaseletters", "password: want at least two of lower case"),
        ("wang", "Wang.director.2026", "password: must not contain the username"),
        ("wang", "woaini1314", "password: too common or too repetitive"),
        ("wang", "ab1ab1ab1ab1", "password: too common or too repetitive"),
    ],
)
def test_a_weak_password_is_refused_naming_the_rule(username: str, password: str, message: str) -> None:
    with pytest.raises(RequestInvalid, match=message.replace("(", r"\(")):
        rules.check_password(password, username)


def test_a_strong_password_passes() -> None:
    rules.check_password("Hai-bin 2026 spring", "wang")


@pytest.mark.parametrize("username", ["", "a", "Wang", "1wang", "wang li", "w" * 33, "王主任"])
def test_a_username_outside_the_pattern_is_refused(username: str) -> None:
    with pytest.raises(RequestInvalid, match="username: got"):
        rules.check_username(username)


def test_roles_are_parsed_and_an_unknown_one_is_named() -> None:
    assert rules.parse_roles(NODE_STAFF, ["director", "viewer"]) == {Role.DIRECTOR, Role.VIEWER}
    with pytest.raises(RequestInvalid, match="roles: got 'admin', want some of reviewer, operator, director, viewer"):
        rules.parse_roles(NODE_STAFF, ["admin"])
    with pytest.raises(RequestInvalid, match="at least one role"):
        rules.parse_roles(NODE_STAFF, [])


def test_the_fifth_failure_in_a_row_locks_for_fifteen_minutes() -> None:
    assert [rules.lock_after_failure(n, 0) for n in range(1, 6)] == [0, 0, 0, 0, 15 * MINUTE]


def test_a_director_cannot_disable_or_demote_their_own_account() -> None:
    with pytest.raises(RequestInvalid, match="cannot disable or demote their own account"):
        rules.check_own_account(NODE_STAFF, "wang", "wang", True, None)
    with pytest.raises(RequestInvalid, match="cannot disable or demote"):
        rules.check_own_account(NODE_STAFF, "wang", "wang", None, frozenset({Role.VIEWER}))
    rules.check_own_account(NODE_STAFF, "wang", "li", True, None)
    rules.check_own_account(NODE_STAFF, "wang", "wang", None, frozenset({Role.DIRECTOR, Role.VIEWER}))


ACCOUNT = Account("wang", "王主任", frozenset({Role.DIRECTOR}), False, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("session", "account", "now", "problem"),
    [
        (Session("h", "wang", 0, 0, None), ACCOUNT, 30 * MINUTE, ""),
        (Session("h", "wang", 0, 0, None), ACCOUNT, 31 * MINUTE, "idle for more than 30 minutes"),
        (Session("h", "wang", 0, 12 * 60 * MINUTE, None), ACCOUNT, 12 * 60 * MINUTE + 1, "older than 12 hours"),
        (Session("h", "wang", 0, 0, 5), ACCOUNT, 1, "logged out"),
        (None, None, 1, "not logged in"),
        (Session("h", "wang", 0, 0, None), Account("wang", "王", frozenset(), True, 0, 0, 0, 0), 1, "disabled"),
    ],
)
def test_a_session_ends_idle_after_30_minutes_and_in_all_after_12_hours(
    session: Session | None, account: Account | None, now: int, problem: str
) -> None:
    found = rules.session_problem(session, account, now)
    assert (problem in found) if problem else found == ""


def test_a_password_hash_checks_the_password_and_nothing_else() -> None:
    stored = hash_password("Hai-bin 2026 spring", seeded(), FAST)
    assert stored.startswith("scrypt$1024$8$1$") and "Hai-bin" not in stored
    assert verify_password("Hai-bin 2026 spring", stored)
    assert not verify_password("Hai-bin 2026 sprinG", stored)
    assert hash_password("Hai-bin 2026 spring", seeded(8), FAST) != stored  # a salt per account
    for malformed in ("", "scrypt$1$2", "bcrypt$1024$8$1$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA"):
        assert not verify_password("Hai-bin 2026 spring", malformed)


def test_the_bureau_has_its_own_roles_and_its_administrator_keeps_the_accounts() -> None:
    assert rules.parse_roles(BUREAU_STAFF, ["supervisor", "auditor"]) == {Role.SUPERVISOR, Role.AUDITOR}
    with pytest.raises(RequestInvalid, match="roles: got 'director', want some of administrator, supervisor, auditor"):
        rules.parse_roles(BUREAU_STAFF, ["director"])
    with pytest.raises(RequestInvalid, match="an administrator cannot disable or demote their own account"):
        rules.check_own_account(BUREAU_STAFF, "zhao", "zhao", None, frozenset({Role.AUDITOR}))
