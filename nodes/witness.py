"""The node as a witness of the clearinghouse's log: no split views.

Owns the latest clearinghouse checkpoint this node verified (peer_checkpoints) and the
check of every new one: the clearinghouse's signature with a key from the node's key
ring, then the RFC 9162 consistency proof from the stored checkpoint to the new one. A
checkpoint that fails either raises a split-view alarm and stops the node's cross-node
traffic (new cross-node transfers are refused, the link stops exchanging) until an
operator clears the alarm. A checkpoint older than the stored one is ignored: answers
can cross on the wire, and an older checkpoint proves nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, insert, select, update

from nodes.tables import peer_checkpoints
from timebank import alarms, logformat, merkle
from timebank.clock import Clock
from timebank.errors import VerificationError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.signing import KeyRing
from timebank.storage.engine import write_transaction
from timebank.v1 import log_pb2 as lpb

__all__ = ["SplitView", "Witness"]

log = logging.getLogger(__name__)


class SplitView(VerificationError):
    """The clearinghouse showed this node a history inconsistent with one it showed before."""


class Witness:
    def __init__(self, engine: Engine, key_ring: KeyRing, clock: Clock) -> None:
        self.engine = engine
        self.key_ring = key_ring
        self.clock = clock
        self._last_kept: tuple[bytes, bytes] = (b"", b"")

    def seen(self) -> tuple[int, bytes]:
        """(size, root) of the latest verified clearinghouse checkpoint; (0, b"") before the first."""
        with self.engine.connect() as connection:
            row = _stored(connection)
        return (row.size, bytes(row.root_hash)) if row else (0, b"")

    def stop_reason(self) -> str:
        """Why cross-node traffic is stopped ("" when it is not)."""
        with self.engine.connect() as connection:
            open_alarms = [a for a in alarms.open_alarms(connection) if a.kind == alarms.SPLIT_VIEW]
        if not open_alarms:
            return ""
        first = open_alarms[0]
        return (
            f"cross-node traffic is stopped by alarm {first.sequence} ({first.kind}): {first.detail}; "
            "an operator clears it with `timebank node alarms clear` once the bureau has explained it"
        )

    def observe(self, signed: lpb.SignedCheckpoint, proof: Sequence[bytes], sent: tuple[int, bytes]) -> None:
        """Verifies a checkpoint the clearinghouse sent and keeps it; SplitView when it forks.

        sent is the (size, root) this node named in its request: the proof starts there.
        When another exchange stored a newer checkpoint meanwhile, this one is checked only
        if it has the same size (then the roots must be equal); otherwise the next
        exchange checks from the newer one.
        """
        if not signed.checkpoint or (signed.checkpoint, signed.signature) == self._last_kept:
            return  # the one kept last time: verified then
        checkpoint = logformat.verify_checkpoint(signed, self.key_ring, CLEARINGHOUSE_ID)
        with write_transaction(self.engine) as connection:
            stored = _stored(connection)
            old_size, old_root = (stored.size, bytes(stored.root_hash)) if stored else (0, b"")
            if checkpoint.size < old_size:
                return
            try:
                if (old_size, old_root) != sent:
                    if checkpoint.size == old_size and checkpoint.root_hash != old_root:
                        raise VerificationError("root_hash: differs from the root verified before at the same size")
                    return
                merkle.verify_consistency(
                    old_size, checkpoint.size, old_root or merkle.EMPTY_ROOT_HASH, checkpoint.root_hash, list(proof)
                )
            except VerificationError as error:
                connection.rollback()
                self._alarm(checkpoint, old_size, old_root, error)
            _store(connection, stored is not None, checkpoint, signed, self.clock.now_micros())
        self._last_kept = (signed.checkpoint, signed.signature)

    def _alarm(
        self, checkpoint: logformat.VerifiedCheckpoint, old_size: int, old_root: bytes, error: VerificationError
    ) -> None:
        detail = (
            f"the clearinghouse's checkpoint of size {checkpoint.size} (root {checkpoint.root_hash.hex()[:16]}…) "
            f"is not consistent with the one of size {old_size} (root {old_root.hex()[:16]}…) this node "
            f"verified before: {error}"
        )
        alarms.raise_alarm(self.engine, alarms.SPLIT_VIEW, detail, self.clock.now_micros())
        log.error("split view: %s", detail)
        raise SplitView(detail)


def _stored(connection: Connection):  # type: ignore[no-untyped-def]
    return connection.execute(select(peer_checkpoints).where(peer_checkpoints.c.log_id == CLEARINGHOUSE_ID)).first()


def _store(
    connection: Connection,
    exists: bool,
    checkpoint: logformat.VerifiedCheckpoint,
    signed: lpb.SignedCheckpoint,
    now_micros: int,
) -> None:
    values = {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "signed": signed.SerializeToString(),
        "verified_at_micros": now_micros,
    }
    if exists:
        connection.execute(
            update(peer_checkpoints).where(peer_checkpoints.c.log_id == CLEARINGHOUSE_ID).values(**values)
        )
    else:
        connection.execute(insert(peer_checkpoints).values(log_id=CLEARINGHOUSE_ID, **values))
