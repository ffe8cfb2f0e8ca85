"""Failpoints: named places where a test makes this process die on purpose, mid-protocol.

The crash tests start a real process with TIMEBANK_FAILPOINTS="NAME" (or "NAME@N": the
N-th time that place is reached; several separated by commas). When the process reaches
the place, `hit` ends it at once with os._exit, like SIGKILL: nothing after that point
runs, nothing uncommitted survives. Without the variable, `hit` is one dictionary lookup.

The places (each named where it is hit):
    node.hold-committed          a node committed holds and Prepares, before it sends them
    node.answer-verified         a node has the clearinghouse's verified answer, not applied yet
    node.answer-applied          a node applied the answer, before acknowledging its items
    clearinghouse.batch-applied  the clearinghouse committed a batch (decisions included),
                                 before it answers
"""

from __future__ import annotations

import os
import threading

__all__ = ["ENVIRONMENT_VARIABLE", "EXIT_CODE", "hit"]

ENVIRONMENT_VARIABLE = "TIMEBANK_FAILPOINTS"
EXIT_CODE = 137  # what a shell reports for a process ended by SIGKILL

_lock = threading.Lock()


def _parse(text: str) -> dict[str, int]:
    plan: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _, count = part.partition("@")
        plan[name] = int(count) if count else 1
    return plan


_remaining = _parse(os.environ.get(ENVIRONMENT_VARIABLE, ""))


def hit(name: str) -> None:
    if name not in _remaining:
        return
    with _lock:
        _remaining[name] -= 1
        if _remaining[name] > 0:
            return
    os.write(2, f"failpoint {name}: ending the process\n".encode())
    os._exit(EXIT_CODE)
