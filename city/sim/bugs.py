"""Bugs the simulator must catch, switched on by name for one run (`timebank simulate --bug NAME`).

Each bug installs changes at named seams of the production code (timebank.seams) for the
length of a `with` block; nothing is patched. They exist to show that the checks have
teeth: a run with a bug on must report a violation within the seeds CI runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from nodes.crossing import Crossing
from timebank import seams
from timebank.ledger.model import TransferKind, TransferRequest

AGAIN = 0x5EC0 << 112  # mixed into a posting's id to make its second copy


@contextlib.contextmanager
def _replaced(owner: Any, name: str, make: Callable[[Any], Any]) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, make(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


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

    def apply_decisions(original: Callable[..., Any]) -> Callable[..., Any]:
        def always_commit(self: Crossing, connection: Any, decisions: Sequence[Any]) -> Any:
            return original(self, connection, [replace(d, commit=True) for d in decisions])

        return always_commit

    with _replaced(Crossing, "_apply_decisions", apply_decisions):
        yield


BUGS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "post-twice": post_twice,
    "commit-on-abort": commit_on_abort,
}
