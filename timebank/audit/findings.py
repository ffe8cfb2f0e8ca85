"""What the auditor reports: a Finding (its kind, where, and why) and the bounded list of them.

Owns the vocabulary of defects, one string per kind, shared by every check of the audit.
A finding's index is an entry index (subject "entry"), a checkpoint's number in
checkpoints.bin (subject "checkpoint"), or None for the export as a whole (subject "export").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALTERED",
    "BAD_SIGNATURE",
    "DELETED",
    "DUPLICATED",
    "FINDINGS_KEPT_MAX",
    "FORKED_CHECKPOINT",
    "Finding",
    "Findings",
    "INSERTED",
    "KINDS",
    "MALFORMED",
    "REORDERED",
    "REPLAY_MISMATCH",
    "ROLLED_BACK_CHECKPOINT",
    "TRUNCATED",
    "UNTRUSTED_KEY",
    "WRONG_KEY",
]

TRUNCATED = "truncated"
MALFORMED = "malformed"
ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"
REORDERED = "reordered"
DUPLICATED = "duplicated"
BAD_SIGNATURE = "bad-signature"
WRONG_KEY = "wrong-key"
FORKED_CHECKPOINT = "forked-checkpoint"
ROLLED_BACK_CHECKPOINT = "rolled-back-checkpoint"
REPLAY_MISMATCH = "replay-mismatch"
UNTRUSTED_KEY = "untrusted-key"
KINDS = (
    TRUNCATED,
    MALFORMED,
    ALTERED,
    DELETED,
    INSERTED,
    REORDERED,
    DUPLICATED,
    BAD_SIGNATURE,
    WRONG_KEY,
    FORKED_CHECKPOINT,
    ROLLED_BACK_CHECKPOINT,
    REPLAY_MISMATCH,
    UNTRUSTED_KEY,
)

ENTRY, CHECKPOINT, EXPORT = "entry", "checkpoint", "export"
# A damaged export could yield a finding per record; past this many only the count grows.
FINDINGS_KEPT_MAX = 1_000


@dataclass(frozen=True)
class Finding:
    kind: str
    index: int | None
    message: str
    subject: str = ENTRY

    @property
    def place(self) -> str:
        """Where, for people: "entry 17", "checkpoint 3" or "export"."""
        return self.subject if self.index is None else f"{self.subject} {self.index}"


class Findings:
    """The findings of one audit in the order found, at most FINDINGS_KEPT_MAX kept."""

    __slots__ = ("kept", "dropped_count")

    def __init__(self) -> None:
        self.kept: list[Finding] = []
        self.dropped_count = 0

    def add(self, kind: str, index: int | None, message: str, subject: str = ENTRY) -> Finding | None:
        """Keeps the finding and returns it, or only counts it once the list is full."""
        if len(self.kept) >= FINDINGS_KEPT_MAX:
            self.dropped_count += 1
            return None
        finding = Finding(kind, index, message, subject)
        self.kept.append(finding)
        return finding

    def withdraw(self, withdrawn: list[Finding]) -> None:
        """Removes findings that a later one explains (each found by identity)."""
        gone = {id(finding) for finding in withdrawn}
        self.kept = [finding for finding in self.kept if id(finding) not in gone]

    def __len__(self) -> int:
        return len(self.kept) + self.dropped_count
