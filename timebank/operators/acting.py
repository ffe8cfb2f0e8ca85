"""Who is making the change the current call makes: the operator account of its session,
or the host administrator (a call without a session: the command line on the node's own
host, the only place the node's loopback-only operator port can be reached from without
one).

Owns one context variable, set by `timebank.operators.guard` around a call and read where
the change is recorded (the care services' log entries).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from timebank.operators.records import HOST_ADMINISTRATOR

__all__ = ["acting_as", "acting_username"]

_acting: contextvars.ContextVar[str] = contextvars.ContextVar("acting", default=HOST_ADMINISTRATOR)


def acting_username() -> str:
    return _acting.get()


@contextlib.contextmanager
def acting_as(username: str) -> Iterator[None]:
    token = _acting.set(username)
    try:
        yield
    finally:
        _acting.reset(token)
