"""The values of a person's own door: their PIN's record and the sessions of their phone.

Owns no behaviour and imports neither the database nor the wire.
"""

from __future__ import annotations

from dataclasses import dataclass

from timebank import ids

__all__ = ["Credential", "PersonSession", "acting_name"]


def acting_name(person_id: int) -> str:
    """Who a change made from a person's phone is recorded as, in the trail and the node's log."""
    return f"person:{ids.to_hex(person_id)}"


@dataclass(frozen=True)
class Credential:
    """A person's PIN, kept as a hash elsewhere: its failures in a row, its lock, who set it."""

    person_id: int
    failed_attempts: int
    locked_until_micros: int
    set_at_micros: int
    set_by: str


@dataclass(frozen=True)
class PersonSession:
    """A phone's sign-in: the token is given once to the client; the node keeps only its SHA-256."""

    token_hash: str
    person_id: int
    created_at_micros: int
    last_seen_micros: int
    ended_at_micros: int | None
