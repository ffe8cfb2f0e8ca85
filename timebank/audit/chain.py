"""Contiguity and order of a log's entries: the index field and the previous-hash chain.

Owns the classification of every record of entries.bin that does not simply follow the
entry before it: a deleted entry (an index skipped), an inserted one (a record that is not
part of the chain), a duplicated one (the same bytes as an earlier entry), reordered ones
(an index out of place) and an altered one (its leaf hash is not the one the next entry
links to, or its own link or index does not fit). A record is in the chain when it carries
the expected index, its previous_hash is the leaf hash of the entry before it, and the
entry after it links to its leaf hash. The common case costs two comparisons with the
next record; anything else is classified with a look-ahead of at most WINDOW_RECORDS
records, so one defect gives one finding and memory does not grow with the log.

The entries go on, in chain order and numbered by the chain, to a sink that checks what
they say; an entry the chain cannot vouch for is passed as untrusted, and a missing one
as a gap.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Protocol

from timebank.audit.findings import ALTERED, DELETED, DUPLICATED, INSERTED, MALFORMED, REORDERED, Finding, Findings
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "BEFORE_BREAK_RECORDS",
    "ChainChecker",
    "RECENT_LEAVES_MAX",
    "RecentLeaves",
    "Record",
    "Sink",
    "WINDOW_RECORDS",
]

WINDOW_RECORDS = 64
# When the file's framing breaks off, what the chain found in this many records before the
# break is taken for the break itself (records read from a damaged length are garbage).
BEFORE_BREAK_RECORDS = 8
# Leaf hashes remembered to recognise a duplicated entry: two generations of this many.
RECENT_LEAVES_MAX = 2_048


class Record:
    """One record of entries.bin: where it is, its leaf hash, and the entry when it parsed."""

    __slots__ = ("position", "leaf", "entry", "index", "previous_hash")

    def __init__(self, position: int, leaf: bytes, entry: lpb.LogEntry | None) -> None:
        self.position = position
        self.leaf = leaf
        self.entry = entry
        self.index = -1 if entry is None else entry.index
        self.previous_hash = b"" if entry is None else entry.previous_hash


class Sink(Protocol):
    def entry(self, index: int, entry: lpb.LogEntry, trusted: bool) -> None: ...

    def gap(self, first_index: int, end_index: int) -> None: ...


class RecentLeaves:
    """The leaf hashes of the latest entries, by leaf: two generations, so memory is bounded."""

    __slots__ = ("_current", "_previous")

    def __init__(self) -> None:
        self._current: dict[bytes, int] = {}
        self._previous: dict[bytes, int] = {}

    def add(self, leaf: bytes, index: int) -> None:
        if len(self._current) >= RECENT_LEAVES_MAX:
            self._previous, self._current = self._current, {}
        self._current[leaf] = index

    def get(self, leaf: bytes) -> int | None:
        found = self._current.get(leaf)
        return self._previous.get(leaf) if found is None else found


class ChainChecker:
    """Receives the records in file order; passes the entries on in chain order."""

    def __init__(self, sink: Sink, findings: Findings) -> None:
        self._sink = sink
        self._findings = findings
        self._window: deque[Record] = deque()
        self._parked: dict[int, Record] = {}
        self._recent = RecentLeaves()
        self._last_leaf = b""
        # The link from the last accepted entry to the next is known broken and reported.
        self._explained = False
        self._ended = False
        self._tail_vouched = True
        self._cut_short = False
        self.expected = 0
        self.pushed_count = 0
        # The first record position where the file departs from the chain (None while intact).
        self.defect_position: int | None = None
        # The latest findings of the chain, with the position of the record each is about.
        self._recent_findings: deque[tuple[int, Finding]] = deque(maxlen=4 * BEFORE_BREAK_RECORDS)

    @property
    def settled_position(self) -> int:
        """Every record before this position has been classified."""
        return self._window[0].position if self._window else self.pushed_count

    def push(self, record: Record) -> None:
        self._window.append(record)
        self.pushed_count += 1
        self._drain()

    def finish(self, *, tail_vouched: bool = True, cut_short: bool = False) -> None:
        """Classifies the records left.

        tail_vouched: whether a checkpoint of the full size has the root of all the records,
        the only evidence for the last one (nothing links to it). cut_short: the file's framing
        broke off after the last record, so the last record is suspect and already reported.
        """
        self._ended = True
        self._tail_vouched = tail_vouched
        self._cut_short = cut_short
        self._drain()
        if cut_short:
            first_garbled = self.pushed_count - BEFORE_BREAK_RECORDS
            garbled = [finding for position, finding in self._recent_findings if position >= first_garbled]
            self._findings.withdraw(garbled)

    # -- the loop -------------------------------------------------------------------------

    def _drain(self) -> None:
        window = self._window
        while window:
            if self._parked and self.expected in self._parked:
                self._accept_parked()
                continue
            head = window[0]
            if len(window) > 1 and self._follows(head, window[1]):
                window.popleft()
                self._accept(head, True)
                continue
            if len(window) < WINDOW_RECORDS and not self._ended:
                return
            self._classify(head)

    def _follows(self, head: Record, following: Record) -> bool:
        """The fast path: head is the expected entry, linked from the last and to the next."""
        expected = self.expected
        return (
            head.index == expected
            and following.index == expected + 1
            and following.previous_hash == head.leaf
            and (head.previous_hash == self._last_leaf or self._explained)
        )

    def _accept(self, record: Record, trusted: bool) -> None:
        index = self.expected
        self._recent.add(record.leaf, index)
        self._last_leaf = record.leaf
        self._explained = not trusted
        self.expected = index + 1
        entry = record.entry
        if entry is not None:
            self._sink.entry(index, entry, trusted)

    def _accept_parked(self) -> None:
        record = self._parked.pop(self.expected)
        self._accept(record, record.previous_hash == self._last_leaf or self._explained)

    def _report(self, kind: str, index: int, message: str, position: int) -> None:
        finding = self._findings.add(kind, index, message)
        if finding is not None:
            self._recent_findings.append((position, finding))
        if self.defect_position is None or position < self.defect_position:
            self.defect_position = position

    def _drop(self) -> None:
        self._window.popleft()

    # -- classification ----------------------------------------------------------------

    def _classify(self, head: Record) -> None:
        if self._cut_short and len(self._window) == 1:
            self._last_before_cut(head)
        elif head.entry is None:
            self._malformed(head)
        elif head.index == self.expected:
            self._at_expected(head)
        elif head.index < self.expected:
            self._behind(head)
        else:
            self._ahead(head)

    def _find(self, index: int, start: int = 1) -> tuple[int, Record | None]:
        for offset, record in enumerate(itertools.islice(self._window, start, None), start):
            if record.index == index:
                return offset, record
        return -1, None

    def _next_index(self) -> int | None:
        return self._window[1].index if len(self._window) > 1 else None

    def _malformed(self, head: Record) -> None:
        expected, following = self.expected, self._next_index()
        place = f"record {head.position} of entries.bin does not parse as a timebank.v1.LogEntry"
        if following is None or following == expected + 1:
            self._report(MALFORMED, expected, f"{place} (it stands where entry {expected} belongs)", head.position)
            self._drop()
            self._sink.gap(expected, expected + 1)
            self._accept(head, False)
        else:
            self._report(MALFORMED, head.position, f"{place}, and no entry links to it", head.position)
            self._drop()

    def _at_expected(self, head: Record) -> None:
        expected = self.expected
        anchored = head.previous_hash == self._last_leaf or self._explained
        offset, successor = self._find(expected + 1)
        if successor is not None and successor.previous_hash == head.leaf:
            if not anchored:
                self._report(
                    ALTERED,
                    expected - 1,
                    f"its leaf hash is not the one entry {expected} links to (previous_hash)",
                    head.position - 1,
                )
            self._drop()
            self._accept(head, True)
            return
        rival = self._rival(head, successor, anchored)
        if rival is not None:
            self._report(
                INSERTED,
                head.position,
                f"record {head.position} of entries.bin claims index {expected}, but entry {expected} is record "
                f"{rival.position}: no entry links to record {head.position}",
                head.position,
            )
            self._drop()
            return
        self._unlinked(head, anchored, offset, successor)

    def _unlinked(self, head: Record, anchored: bool, offset: int, successor: Record | None) -> None:
        """Head is the expected entry and no entry after it links to it."""
        if anchored and successor is None:
            # The tail (vouched for by a checkpoint or not), or entries missing next (found next).
            last = self._ended and len(self._window) == 1
            self._drop()
            self._accept(head, self._tail_vouched or not last)
            return
        successor_is_last = self._ended and offset == len(self._window) - 1
        confirmed = successor is not None and self._confirmed(successor, offset)
        if anchored and (self._cut_short or not successor_is_last) and not confirmed:
            # The next record's own link is what changed: it is reported when it comes first.
            self._drop()
            self._accept(head, True)
            return
        self._report(ALTERED, self.expected, self._altered_reason(head, anchored, successor), head.position)
        self._drop()
        self._accept(head, False)

    def _last_before_cut(self, head: Record) -> None:
        """The record just before the framing broke: whatever is wrong with it is that break."""
        self._drop()
        if head.index == self.expected and head.entry is not None:
            self._accept(head, False)

    def _altered_reason(self, head: Record, anchored: bool, successor: Record | None) -> str:
        expected = self.expected
        if anchored and self._ended and successor is self._window[-1]:
            return (
                f"entry {expected + 1}, the last, links to another leaf hash: entry {expected} changed after it "
                f"was logged (or the link in entry {expected + 1} did)"
            )
        if anchored:
            return f"entry {expected + 1} links to another leaf hash: entry {expected} changed after it was logged"
        if successor is None:
            return f"its previous_hash is not the leaf hash of entry {expected - 1}"
        return (
            f"its previous_hash is not the leaf hash of entry {expected - 1}, and entry {expected + 1} "
            "does not link to it either"
        )

    def _rival(self, head: Record, successor: Record | None, anchored: bool) -> Record | None:
        """Another record with head's index that fits the chain better than head."""
        for record in itertools.islice(self._window, 1, None):
            if record.index != head.index:
                continue
            if successor is not None and successor.previous_hash == record.leaf:
                return record
            if not anchored and record.previous_hash == self._last_leaf:
                return record
        return None

    def _confirmed(self, record: Record, offset: int) -> bool:
        """Whether the entry after record, in the window, links to it."""
        _, following = self._find(record.index + 1, offset + 1)
        return following is not None and following.previous_hash == record.leaf

    def _occupies_slot(self, head: Record) -> bool:
        """Head stands where the expected entry belongs: the next record is the entry after it, and
        head links from the last entry or the expected index is nowhere else in the window."""
        following = self._next_index()
        if not (following == self.expected + 1 or (following is None and self._ended)):
            return False
        return head.previous_hash == self._last_leaf or self._find(self.expected)[1] is None

    def _behind(self, head: Record) -> None:
        earlier = self._recent.get(head.leaf)
        if earlier is not None:
            message = f"record {head.position} of entries.bin repeats entry {earlier} byte for byte"
            self._report(DUPLICATED, earlier, message, head.position)
            self._drop()
        elif self._occupies_slot(head):
            self._altered_index(head)
        else:
            message = (
                f"record {head.position} of entries.bin claims index {head.index}, which an earlier entry holds, "
                "and no entry links to it"
            )
            self._report(INSERTED, head.position, message, head.position)
            self._drop()

    def _altered_index(self, head: Record) -> None:
        expected = self.expected
        message = (
            f"record {head.position} stands where entry {expected} belongs, but its index field reads {head.index}"
        )
        self._report(ALTERED, expected, message, head.position)
        self._drop()
        self._accept(head, False)

    def _ahead(self, head: Record) -> None:
        expected = self.expected
        offset, missing = self._find(expected)
        if missing is not None:
            self._out_of_place(head, offset, missing)
        elif self._occupies_slot(head):
            self._altered_index(head)
        elif self._genuine(head) or (
            self._ended and len(self._window) == 1 and head.index - expected <= WINDOW_RECORDS
        ):
            self._deleted(head)
        else:
            message = (
                f"record {head.position} of entries.bin claims index {head.index}, far from entry {expected} "
                "expected here, and no entry links to it"
            )
            self._report(INSERTED, head.position, message, head.position)
            self._drop()

    def _deleted(self, head: Record) -> None:
        expected = self.expected
        if head.index == expected + 1:
            message = f"entry {expected} is missing: record {head.position} of entries.bin holds entry {head.index}"
        else:
            message = (
                f"entries {expected}..{head.index - 1} are missing ({head.index - expected} entries): "
                f"record {head.position} of entries.bin holds entry {head.index}"
            )
        self._report(DELETED, expected, message, head.position)
        self._sink.gap(expected, head.index)
        self.expected = head.index
        self._explained = True

    def _genuine(self, head: Record) -> bool:
        """Whether a record in the window links to head, or head links to one in the window."""
        for record in itertools.islice(self._window, 1, None):
            if record.index == head.index + 1 and record.previous_hash == head.leaf:
                return True
            if record.index == head.index - 1 and record.leaf == head.previous_hash:
                return True
        return False

    def _out_of_place(self, head: Record, offset: int, missing: Record) -> None:
        """The expected entry is later in the window: either head came early or it came late."""
        expected = self.expected
        if offset > 1:
            message = (
                f"entry {expected} is record {missing.position} of entries.bin, after entries that follow it "
                f"(from record {head.position})"
            )
            self._report(REORDERED, expected, message, head.position)
            del self._window[offset]
            self._accept(missing, missing.previous_hash == self._last_leaf or self._explained)
        elif not self._genuine(head):
            message = (
                f"record {head.position} of entries.bin claims index {head.index}, but entry {expected} follows "
                "it and no entry links to it"
            )
            self._report(INSERTED, head.position, message, head.position)
            self._drop()
        else:
            if head.index == expected + 1:
                index, message = expected, f"entry {expected} is record {missing.position}, after entry {head.index}"
            else:
                index = head.index
                message = f"entry {head.index} is record {head.position}, before entries {expected}..{head.index - 1}"
            self._report(REORDERED, index, message, head.position)
            self._drop()
            self._parked[head.index] = head
