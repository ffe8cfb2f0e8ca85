"""Bugs the simulator must catch, switched on by name for one run (`timebank simulate --bug NAME`).

Each bug installs changes at named seams of the production code (timebank.seams) for the
length of a `with` block; nothing is patched. They exist to show that the checks have
teeth: a run with a bug on must report a violation within the seeds CI runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from timebank import seams
from timebank.ledger.model import TransferKind, TransferRequest
from timebank.protocol import Decision

__all__ = ["AGAIN", "BUGS", "commit_on_abort", "post_twice"]

AGAIN = 0x5EC0 << 112  # mixed into a posting's id to make its second copy


@contextlib.contextmanager
def post_twice() -> Iterator[None]:
    """The ledger forgets a pending transfer was resolved, and every posting is applied twice."""

    def twice(requests: Sequence[TransferRequest]) -> Sequence[TransferRequest]:
        again = [replace(r, id=r.id ^ AGAIN) for r in requests if r.kind == TransferKind.POST_PENDING]
        return [*requests, *again]

    with seams.installed({"ledger.resolution": lambda found: None, "books.requests": twice}):
        yield


@contextlib.contextmanager
def commit_on_abort() -> Iterator[None]:
    """A node treats every decision it receives as a COMMIT."""

    def always_commit(decisions: Sequence[Decision]) -> list[Decision]:
        return [replace(d, commit=True) for d in decisions]

    with seams.installed({"node.decisions": always_commit}):
        yield


BUGS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "post-twice": post_twice,
    "commit-on-abort": commit_on_abort,
}
