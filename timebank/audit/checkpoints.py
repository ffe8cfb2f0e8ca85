"""The signed checkpoints of an export, against the Merkle roots of its entries.

Owns reading checkpoints.bin in step with entries.bin (a checkpoint of size s is compared
with the root of the first s records, taken from a compact range as the records stream
by, so nothing is read twice), the owner's signature on each (a key of the owner valid at
the checkpoint's time, among the keys the log has shown by then), and the order of
publication: a smaller size than an earlier checkpoint is a rollback, another root at a
size already signed, or a root that is not the entries' while their chain is intact, is a
fork, and a size beyond the entries means entries are missing at the end.

A checkpoint is judged once the chain checker has classified every record below its size,
so a root that differs because of a defect the chain already named is not reported again.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from google.protobuf.message import DecodeError

from timebank import logformat, merkle
from timebank.audit.chain import ChainChecker
from timebank.audit.content import ContentChecker
from timebank.audit.findings import (
    ALTERED,
    BAD_SIGNATURE,
    CHECKPOINT,
    EXPORT,
    FORKED_CHECKPOINT,
    MALFORMED,
    ROLLED_BACK_CHECKPOINT,
    TRUNCATED,
    WRONG_KEY,
    Findings,
)
from timebank.errors import VerificationError
from timebank.v1 import log_pb2 as lpb

__all__ = ["CheckpointChecker", "NO_SIZE", "Pending"]

NO_SIZE = sys.maxsize


class Pending:
    """A checkpoint read, with the root of the first `size` records when that is known."""

    __slots__ = ("number", "signed", "body", "computed_root")

    def __init__(self, number: int, signed: lpb.SignedCheckpoint, body: lpb.Checkpoint) -> None:
        self.number = number
        self.signed = signed
        self.body = body
        self.computed_root: bytes | None = None


class CheckpointChecker:
    def __init__(self, stream: BinaryIO, findings: Findings, content: ContentChecker, chain: ChainChecker) -> None:
        self._records: Iterator[bytes] = logformat.read_records(stream, logformat.CHECKPOINTS_FILE)
        self._findings = findings
        self._content = content
        self._chain = chain
        self.count = 0
        self.truncated = False
        # A valid checkpoint signs more entries than the export holds.
        self.missing_at_end = False
        self._next: Pending | None = None
        # The size of the next checkpoint to read, NO_SIZE when there is none.
        self.next_size = NO_SIZE
        self.pending: deque[Pending] = deque()
        self.latest: Pending | None = None
        self._tail_mismatches: list[Pending] = []
        self._tail_matched = False
        self._beyond: list[Pending] = []
        # The first checkpoint whose root the entries do not have: every later one differs too.
        self._history_forked_at: int | None = None
        self._read_next()

    # -- reading ----------------------------------------------------------------------------

    def _read_next(self) -> None:
        self._next, self.next_size = None, NO_SIZE
        while self._next is None:
            try:
                data = next(self._records)
            except StopIteration:
                return
            except logformat.TruncatedRecord as error:
                self._findings.add(TRUNCATED, error.records_read, str(error), CHECKPOINT)
                self.truncated = True
                return
            self._next = self._parse(data)
            self.count += 1
        self.next_size = self._next.body.size

    def _parse(self, data: bytes) -> Pending | None:
        number = self.count
        try:
            signed = lpb.SignedCheckpoint.FromString(data)
            body = lpb.Checkpoint.FromString(signed.checkpoint)
        except DecodeError:
            self._findings.add(MALFORMED, number, "not a timebank.v1.SignedCheckpoint", CHECKPOINT)
            return None
        return Pending(number, signed, body)

    def advance(self, compact: merkle.CompactRange) -> None:
        """Takes every checkpoint whose size the entries have reached, with the root at that size."""
        root = None
        while self._next is not None and self._next.body.size <= compact.size:
            if self._next.body.size == compact.size:
                root = compact.root() if root is None else root
                self._next.computed_root = root
            self.pending.append(self._next)
            self._read_next()

    def resolve(self, settled_position: int) -> None:
        """Judges the checkpoints whose records have all been classified by the chain checker."""
        pending = self.pending
        while pending and pending[0].body.size < settled_position:
            self._judge(pending.popleft(), records_count=-1)

    def tail_vouched(self, records_count: int) -> bool:
        """Whether the last record may be trusted: no checkpoint of the full size, or one with its root."""
        at_full_size = [checkpoint for checkpoint in self.pending if checkpoint.body.size == records_count]
        return not at_full_size or any(
            checkpoint.computed_root == checkpoint.body.root_hash for checkpoint in at_full_size
        )

    def finish(self, records_count: int, entries_truncated: bool) -> None:
        while self._next is not None:
            self.pending.append(self._next)
            self._read_next()
        while self.pending:
            checkpoint = self.pending.popleft()
            if not (entries_truncated and checkpoint.body.size > records_count):
                self._judge(checkpoint, records_count)
        if not entries_truncated:
            self._judge_tail()
            self._judge_beyond()
        if self.count == 0 and records_count and not entries_truncated and not self.truncated:
            message = f"checkpoints.bin holds no checkpoint: nothing signs the {records_count} entries"
            self._findings.add(TRUNCATED, None, message, EXPORT)

    # -- judging ----------------------------------------------------------------------------

    def _verified(self, checkpoint: Pending) -> bool:
        signed, body, number = checkpoint.signed, checkpoint.body, checkpoint.number
        owner_id = self._content.owner_id or body.log_id
        if self._content.broken and signed.key_id not in self._content.keys:
            return False  # the entry that showed the key is what the chain already reported
        key_ring = self._content.key_ring()
        try:
            key_ring.key_for(signed.key_id, owner_id, body.timestamp_micros)
            logformat.verify_checkpoint(signed, key_ring, owner_id)
        except VerificationError as error:
            self._findings.add(self._refusal_kind(checkpoint, owner_id, str(error)), number, str(error), CHECKPOINT)
            return False
        return True

    @staticmethod
    def _refusal_kind(checkpoint: Pending, owner_id: str, reason: str) -> str:
        if reason.startswith("key_id"):
            return WRONG_KEY
        body = checkpoint.body
        if body.log_id != owner_id or len(body.root_hash) != merkle.HASH_SIZE_BYTES:
            return MALFORMED
        return BAD_SIGNATURE

    def _judge(self, checkpoint: Pending, records_count: int) -> None:
        """records_count is the number of records once all are read, -1 before."""
        if not self._verified(checkpoint):
            return
        size, latest = checkpoint.body.size, self.latest
        if latest is not None and size < latest.body.size:
            message = f"it signs size {size} after checkpoint {latest.number} signed size {latest.body.size}"
            self._findings.add(ROLLED_BACK_CHECKPOINT, checkpoint.number, message, CHECKPOINT)
        elif not self._forked(checkpoint, records_count):
            self.latest = checkpoint

    def _forked(self, checkpoint: Pending, records_count: int) -> bool:
        """Compares the root with the entries' and with an earlier checkpoint of the same size."""
        size, root, latest, number = checkpoint.body.size, checkpoint.body.root_hash, self.latest, checkpoint.number
        matches = checkpoint.computed_root == root
        defect_position = self._chain.defect_position
        unexplained = (defect_position is None or defect_position >= size) and self._history_forked_at is None
        if latest is not None and latest.body.size == size and latest.body.root_hash != root and not matches:
            message = f"it signs size {size} with another root than checkpoint {latest.number} did"
            self._findings.add(FORKED_CHECKPOINT, number, message, CHECKPOINT)
            return True
        if checkpoint.computed_root is None:
            self._beyond.append(checkpoint)
        elif size == records_count:
            self._tail_matched |= matches
            if not matches and unexplained:
                self._tail_mismatches.append(checkpoint)
        elif not matches and unexplained:
            message = (
                f"its root is not the root of entries 0..{size - 1}, and the entries' chain is intact "
                "(later checkpoints are not compared with the entries again)"
            )
            self._findings.add(FORKED_CHECKPOINT, number, message, CHECKPOINT)
            self._history_forked_at = number
            return True
        return False

    def _judge_tail(self) -> None:
        """Checkpoints at the full size: the only evidence for the last entry, which nothing links to."""
        if not self._tail_mismatches:
            return
        if self._tail_matched:
            for checkpoint in self._tail_mismatches:
                message = "its root is not the root of all the entries, which another checkpoint of that size signs"
                self._findings.add(FORKED_CHECKPOINT, checkpoint.number, message, CHECKPOINT)
            return
        first = self._tail_mismatches[0]
        last_index = self._chain.expected - 1
        message = (
            f"no entry follows it, so checkpoint {first.number} (size {first.body.size}) is the only evidence for "
            "it, and that root is not the root of the entries: the last entry was altered (or the checkpoint forked)"
        )
        self._findings.add(ALTERED, last_index, message)

    def _judge_beyond(self) -> None:
        """Checkpoints larger than the entries: entries missing at the end, unless the chain explains it."""
        logical_size = self._chain.expected
        beyond = [checkpoint for checkpoint in self._beyond if checkpoint.body.size > logical_size]
        if not beyond:
            return
        largest = max(beyond, key=lambda checkpoint: checkpoint.body.size)
        size = largest.body.size
        missing = f"entry {logical_size} is" if size == logical_size + 1 else f"entries {logical_size}..{size - 1} are"
        message = (
            f"checkpoint {largest.number} signs size {size}, but entries.bin ends after entry {logical_size - 1}: "
            f"{missing} missing at the end"
        )
        self._findings.add(TRUNCATED, logical_size, message)
        self.missing_at_end = True
