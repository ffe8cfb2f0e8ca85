"""The clearinghouse's log as the nodes see it: the roots they name and the checkpoint they are sent.

Owns the two reads the Exchange servicer makes of the log, each in a transaction of its
own: the log's size and its root at the size a node named (to check the node verified a
checkpoint of this very log), and the latest signed checkpoint with the consistency proof
from the node's checkpoint to it (a proof already known is not computed again).

Must not: write anything, know gRPC. Invariant: a proof is always between two sizes of
this log, the second the latest checkpoint's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from timebank import logformat, translog
from timebank.storage.engine import read_transaction
from timebank.v1 import log_pb2 as lpb

__all__ = ["latest_checkpoint", "LatestCheckpoint", "root_at", "RootAt"]


@dataclass(frozen=True)
class RootAt:
    log_size: int
    root: bytes | None  # None: the log is shorter than the size asked for


@dataclass(frozen=True)
class LatestCheckpoint:
    checkpoint: lpb.SignedCheckpoint
    size: int
    proof: list[bytes]  # from the size the node named to this checkpoint's


def root_at(engine: Engine, size: int) -> RootAt:
    """The log's size now and its root at size (when it is that long)."""
    with read_transaction(engine) as connection:
        log_size = translog.size(connection)
        return RootAt(log_size, translog.root_at(connection, size) if size <= log_size else None)


def latest_checkpoint(
    engine: Engine, seen_size: int, known_proof: Callable[[int, int], list[bytes] | None]
) -> LatestCheckpoint | None:
    """The latest checkpoint and the proof from seen_size to it; None when there is none, or
    the node saw a newer one (answers crossed: nothing to prove)."""
    with read_transaction(engine) as connection:
        latest = translog.latest_checkpoint(connection)
        if latest is None:
            return None
        latest_size = logformat.checkpoint_body(latest).size
        if seen_size > latest_size:
            return None
        proof = known_proof(seen_size, latest_size)
        if proof is None:
            proof = translog.consistency_proof(connection, seen_size, latest_size)
    return LatestCheckpoint(latest, latest_size, proof)
