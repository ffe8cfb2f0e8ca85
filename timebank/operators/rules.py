"""The pure rules of operator accounts: names and passwords that may be used, when repeated
failures lock an account, when a session ends, and which role each call needs.

Owns no state and reads nothing: `timebank.operators.desk` reads, asks these, then writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from timebank.errors import RequestInvalid
from timebank.operators.records import Account, Role, Session, Staff

__all__ = [
    "FAILURES_BEFORE_LOCK",
    "LOCK_MICROS",
    "MICROS_PER_MINUTE",
    "PASSWORD_LENGTH_MIN",
    "SESSION_ABSOLUTE_MICROS",
    "SESSION_IDLE_MICROS",
    "check_display_name",
    "check_own_account",
    "check_password",
    "check_username",
    "is_locked",
    "lock_after_failure",
    "parse_roles",
    "session_age_problem",
    "session_problem",
]

MICROS_PER_MINUTE = 60_000_000
PASSWORD_LENGTH_MIN = 10
PASSWORD_LENGTH_MAX = 128
FAILURES_BEFORE_LOCK = 5  # failed logins in a row lock the account ...
LOCK_MICROS = 15 * MICROS_PER_MINUTE  # ... for this long
SESSION_IDLE_MICROS = 30 * MICROS_PER_MINUTE
SESSION_ABSOLUTE_MICROS = 12 * 60 * MICROS_PER_MINUTE
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
# The commonest passwords of leaked lists, and the patterns people type for a "strong" one.
COMMON = {"password", "password1", "1234567890", "qwertyuiop", "1qaz2wsx3edc", "abc1234567", "woaini1314"}


def check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise RequestInvalid(f"username: got {username!r}, want 2 to 32 of a-z 0-9 . _ -, starting with a letter")


def check_display_name(display_name: str) -> None:
    if not 1 <= len(display_name.strip()) <= 40:
        raise RequestInvalid(f"display_name: got {len(display_name.strip())} characters, want 1 to 40")


def check_password(password: str, username: str) -> None:
    """A password long enough, of at least two kinds of character, not holding the username (of 4
    or more letters), not a common one."""
    if not PASSWORD_LENGTH_MIN <= len(password) <= PASSWORD_LENGTH_MAX:
        raise RequestInvalid(
            f"password: got {len(password)} characters, want {PASSWORD_LENGTH_MIN} to {PASSWORD_LENGTH_MAX}"
        )
    kinds = sum(
        any(test(c) for c in password) for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if kinds < 2:
        raise RequestInvalid("password: want at least two of lower case, upper case, digits and other characters")
    lowered = password.lower()
    if len(username) >= 4 and username.lower() in lowered:  # a short name is a common syllable
        raise RequestInvalid("password: must not contain the username")
    if lowered in COMMON or len(set(password)) < 4:
        raise RequestInvalid("password: too common or too repetitive; choose another")


def check_own_account(
    staff: Staff, by_username: str, username: str, disabled: bool | None, roles: frozenset[Role] | None
) -> None:
    """The manager (a director, an administrator) may not disable their own account nor take
    their own manager's role away (the party would be left without one)."""
    if by_username == username and (disabled or (roles is not None and staff.manager not in roles)):
        raise RequestInvalid(f"username: {staff.manager_title} cannot disable or demote their own account")


def parse_roles(staff: Staff, names: Iterable[str]) -> frozenset[Role]:
    """The roles named, each one of the party's."""
    roles = set()
    for name in names:
        try:
            role = Role(name.strip())
        except ValueError:
            role = None
        if role not in staff.roles:
            wanted = ", ".join(role.value for role in staff.roles)
            raise RequestInvalid(f"roles: got {name!r}, want some of {wanted}") from None
        roles.add(role)
    if not roles:
        raise RequestInvalid("roles: an account needs at least one role")
    return frozenset(roles)


def is_locked(account: Account, now_micros: int) -> bool:
    return now_micros < account.locked_until_micros


def lock_after_failure(failed_logins: int, now_micros: int) -> int:
    """Until when an account is locked after its failed_logins-th failure in a row (0: not locked)."""
    return now_micros + LOCK_MICROS if failed_logins >= FAILURES_BEFORE_LOCK else 0


def session_problem(session: Session | None, account: Account | None, now_micros: int) -> str:
    """Why a session no longer admits its holder ("" if it does)."""
    if session is None or session.ended_at_micros is not None:
        return "session: not logged in, or logged out; log in again"
    if account is None or account.disabled:
        return "session: the account is disabled"
    return session_age_problem(session.created_at_micros, session.last_seen_micros, now_micros)


def session_age_problem(created_at_micros: int, last_seen_micros: int, now_micros: int, again: str = "log in") -> str:
    """Whether a session is too long idle or too old ("" if neither)."""
    if now_micros - last_seen_micros > SESSION_IDLE_MICROS:
        return f"session: idle for more than {SESSION_IDLE_MICROS // MICROS_PER_MINUTE} minutes; {again} again"
    if now_micros - created_at_micros > SESSION_ABSOLUTE_MICROS:
        return f"session: older than {SESSION_ABSOLUTE_MICROS // (60 * MICROS_PER_MINUTE)} hours; {again} again"
    return ""
