"""Seams: named places where the simulator may change one value the production code passes on.

The seeded simulation (city.sim.bugs) shows that its checks have teeth by switching on
known bugs; a bug is a change installed at a seam for the length of a `with` block, never
a patched method. Each seam is named here and at the one line that passes through it:

    ledger.resolution   the resolution of a pending transfer the ledger rules found (a bug
                        may answer None: "never resolved")           timebank.ledger.rules
    books.requests      the transfers Books.apply is about to decide (a bug may add to them)
                                                                     timebank.books
    node.decisions      the clearinghouse's decisions a node is about to apply (a bug may
                        alter them)                                  nodes.receiving

With nothing installed, `through` returns its value unchanged after one dictionary lookup.
Installing is for tests and the simulator only; the process entry points never do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["SEAMS", "installed", "through"]

T = TypeVar("T")
SEAMS = frozenset({"ledger.resolution", "books.requests", "node.decisions"})

_installed: dict[str, Callable[[Any], Any]] = {}


def through(name: str, value: T) -> T:
    """The value, or what the change installed at seam name makes of it."""
    change = _installed.get(name)
    return value if change is None else change(value)


@contextlib.contextmanager
def installed(changes: Mapping[str, Callable[[Any], Any]]) -> Iterator[None]:
    """Installs each change at its seam for the block, and removes it after."""
    unknown = set(changes) - SEAMS
    if unknown:
        raise ValueError(f"seams: got {sorted(unknown)}, want some of {sorted(SEAMS)}")
    busy = set(changes) & set(_installed)
    if busy:
        raise ValueError(f"seams: {sorted(busy)} already have a change installed")
    _installed.update(changes)
    try:
        yield
    finally:
        for name in changes:
            del _installed[name]
