"""The pure rules of a person's PIN: which PINs may be used, when failures lock it, and
when a phone's session ends (the operators' lock and session lifetimes, for the same
reasons).

Owns no state and reads nothing: `nodes.personal.desk` reads, asks these, then writes.
"""

from __future__ import annotations

import re

from nodes.personal.records import Credential, PersonSession
from timebank.errors import RequestInvalid
from timebank.operators.rules import MICROS_PER_MINUTE, lock_after_failure, session_age_problem

__all__ = ["PIN_DIGITS", "check_pin", "is_locked", "lock_after_failure", "locked_message", "session_problem"]

PIN_DIGITS = 6
PIN = re.compile(rf"[0-9]{{{PIN_DIGITS}}}")
RUNS = "01234567890", "09876543210"


def check_pin(pin: str, birth_date: str) -> None:
    """Six digits, not one digit six times, not a run, not the birth date (YYYY-MM-DD)'s
    MMDD or YYMMDD."""
    if not PIN.fullmatch(pin):
        raise RequestInvalid(f"pin: got {len(pin)} characters, want {PIN_DIGITS} digits")
    if len(set(pin)) == 1 or any(pin in run for run in RUNS):
        raise RequestInvalid("pin: one digit repeated or a run (such as 123456) is too easy to guess")
    if birth_date.count("-") == 2:
        year, month, day = birth_date.split("-")
        if pin in (f"{year[2:]}{month}{day}", f"{month}{day}{year[2:]}") or pin.endswith(f"{month}{day}"):
            raise RequestInvalid("pin: must not hold the birth date (MMDD or YYMMDD)")


def is_locked(credential: Credential, now_micros: int) -> bool:
    return now_micros < credential.locked_until_micros


def locked_message(credential: Credential, now_micros: int) -> str:
    minutes = -(-(credential.locked_until_micros - now_micros) // MICROS_PER_MINUTE)
    return f"pin: too many wrong PINs; signing in is locked for {minutes} more minutes (or the office sets a new PIN)"


def session_problem(session: PersonSession | None, now_micros: int) -> str:
    """Why a phone's session no longer admits its person ("" if it does)."""
    if session is None or session.ended_at_micros is not None:
        return "session: not signed in, or signed out; sign in with the PIN again"
    return session_age_problem(session.created_at_micros, session.last_seen_micros, now_micros, "sign in")
