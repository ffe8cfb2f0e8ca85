"""What the entries of a log say, checked offline: keys, remote signatures, batches, items.

Owns the key registry as the log builds it (a RegistryEvent with a key carries that key's
state after the event), the check of every signature the log holds from another party (a
batch header, purpose "batch", with a key of the header's sender valid when the header was
made; a statement page, with a key of the node it names), the binding of each logged batch
to the items logged after it (item_count entries whose Merkle root is the header's
items_root), and the settlement facts it hands to the replays. Entries arrive in chain order
from the chain checker. An entry the chain cannot vouch for is still read, quietly: its own
checks report nothing (the chain named the defect) and it taints the replays.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf.message import DecodeError

from timebank import logformat, merkle, signing
from timebank.audit.findings import ALTERED, BAD_SIGNATURE, EXPORT, MALFORMED, UNTRUSTED_KEY, WRONG_KEY, Findings
from timebank.audit.replay import ClearingReplay, PostingReplay
from timebank.envelope import BATCH_PURPOSE
from timebank.errors import VerificationError
from timebank.signing import KeyRecord, KeyRing
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

__all__ = ["ContentChecker", "OpenBatch"]


class OpenBatch:
    """A logged batch header whose items are still being read."""

    __slots__ = ("index", "sender_id", "item_count", "items_root", "items", "quiet")

    def __init__(self, index: int, header: cpb.BatchHeader | None, quiet: bool) -> None:
        self.index = index
        self.sender_id = header.sender_id if header is not None else ""
        self.item_count = header.item_count if header is not None else -1
        self.items_root = header.items_root if header is not None else b""
        self.items = merkle.CompactRange()
        # Set when the batch cannot be judged: its header did not parse, or the chain
        # cannot vouch for one of its entries.
        self.quiet = quiet or header is None


class ContentChecker:
    """The sink of the chain checker: reads each entry in chain order."""

    def __init__(self, findings: Findings, expected_log_key_id: str | None) -> None:
        self._findings = findings
        self._expected_log_key_id = expected_log_key_id
        self.log_id = ""
        self.owner_id = ""
        self.keys: dict[str, KeyRecord] = {}
        self._key_ring: KeyRing | None = None
        # party id -> [(entry index, key id)] in the order the keys first appear.
        self._keys_by_party: dict[str, list[tuple[int, str]]] = {}
        # A gap or an untrusted entry came before: what it carried (a key, a prepare) may be lost.
        self.broken = False
        self.kind_counts: dict[str, int] = {}
        self.clearing = ClearingReplay(findings)
        self.postings = PostingReplay(findings)
        self._batch: OpenBatch | None = None
        self._orphans_tolerated = False
        self._quiet = False
        self._handlers: dict[str, Callable[[int, Any], None]] = {
            "genesis": self._genesis,
            "registry_event": self._registry_event,
            "received_batch": self._received_batch,
            "received_item": self._received_item,
            "sent_item": self._sent_item,
            "cycle_close": self._cycle_close,
            "posting": self._posting,
            "report": self._report_record,
            "statement": self._statement_record,
            "care_event": self._care_event,
        }

    # -- the sink ---------------------------------------------------------------------------

    def entry(self, index: int, entry: lpb.LogEntry, trusted: bool) -> None:
        kind = entry.WhichOneof("body")
        counts = self.kind_counts
        counts[kind or "none"] = counts.get(kind or "none", 0) + 1
        self._quiet = not trusted
        if not trusted:
            self._taint()
            if self._batch is not None:
                self._batch.quiet = True
        if kind != "received_item":
            if self._batch is not None:
                self._end_batch_short()
            self._orphans_tolerated = not trusted
        if kind is None:
            self._report(MALFORMED, index, "the entry has no body")
            return
        if index == 0 and kind != "genesis":
            self._report(MALFORMED, index, f"entry 0 is a {kind}, not the log's genesis")
        self._handlers[kind](index, getattr(entry, kind))

    def gap(self, first_index: int, end_index: int) -> None:
        self._taint()
        if self._batch is not None:
            self._batch.quiet = True
        self._orphans_tolerated = True

    def finish(self, entries_missing_at_end: bool) -> None:
        """entries_missing_at_end: the file was cut, or a checkpoint signs more entries than it holds."""
        if self._batch is not None:
            if entries_missing_at_end:
                self._batch.quiet = True
            self._end_batch_short()

    def owner_key_ids(self, owner_id: str) -> tuple[str, ...]:
        return tuple(key_id for _, key_id in self._keys_by_party.get(owner_id, ()))

    def check_trusted_key(self, owner_id: str) -> None:
        """The owner's first key against the one the auditor trusts, when one was given."""
        expected = self._expected_log_key_id
        if expected is None:
            return
        keys = self._keys_by_party.get(owner_id)
        if not keys:
            message = f"the log shows no key of its owner {owner_id!r}, want key {expected}"
            self._findings.add(UNTRUSTED_KEY, None, message, EXPORT)
        elif keys[0][1] != expected:
            message = f"the first key of the owner {owner_id!r} is {keys[0][1]}, not the trusted {expected}"
            self._findings.add(UNTRUSTED_KEY, keys[0][0], message)

    # -- helpers ----------------------------------------------------------------------------

    def _report(self, kind: str, index: int, message: str) -> None:
        if not self._quiet:
            self._findings.add(kind, index, message)

    def _taint(self) -> None:
        self.broken = True
        self.clearing.tainted = self.clearing.broken = True
        self.postings.tainted = self.postings.broken = True

    def key_ring(self) -> KeyRing:
        """The keys the log has shown so far, each in its latest state."""
        if self._key_ring is None:
            self._key_ring = KeyRing(self.keys.values())
        return self._key_ring

    def _public_key(self, key_id: str, party_id: str, at_micros: int, index: int, what: str) -> Ed25519PublicKey | None:
        """The key named key_id if it may sign for party_id at at_micros; else a wrong-key finding."""
        if self.broken and key_id not in self.keys:
            return None  # the entry that showed the key may be the one the chain reported
        try:
            return self.key_ring().key_for(key_id, party_id, at_micros)
        except VerificationError as error:
            self._report(WRONG_KEY, index, f"{what}: {error}")
            return None

    # -- entries --------------------------------------------------------------------------

    def _genesis(self, index: int, genesis: lpb.LogGenesis) -> None:
        if index != 0:
            self._report(MALFORMED, index, "a genesis entry after entry 0")
        elif not self._quiet:
            self.log_id, self.owner_id = genesis.log_id, genesis.owner_id

    def _registry_event(self, index: int, event: lpb.RegistryEvent) -> None:
        if not event.HasField("key") or self._quiet:
            return  # a key from an entry the chain cannot vouch for is not learnt
        try:
            record = logformat.key_record(event.key)
        except ValueError as error:
            self._report(MALFORMED, index, f"key {event.key.key_id!r} of {event.key.party_id!r}: {error}")
            return
        if record.key_id not in self.keys:
            self._keys_by_party.setdefault(record.party_id, []).append((index, record.key_id))
        self.keys[record.key_id] = record
        self._key_ring = None

    def _received_batch(self, index: int, received: lpb.ReceivedBatch) -> None:
        try:
            header = cpb.BatchHeader.FromString(received.header)
        except DecodeError:
            self._report(MALFORMED, index, "header: not a timebank.v1.BatchHeader")
            self._batch = OpenBatch(index, None, self._quiet)
            return
        what = f"batch of {header.sender_id}"
        public_key = self._public_key(received.key_id, header.sender_id, header.created_at_micros, index, what)
        if public_key is not None:
            try:
                signing.verify(public_key, BATCH_PURPOSE, received.header, received.signature)
            except VerificationError as error:
                self._report(BAD_SIGNATURE, index, f"{what}, key {received.key_id}: {error}")
        self._batch = OpenBatch(index, header, self._quiet)
        if header.item_count == 0:
            self._end_batch()

    def _received_item(self, index: int, received: lpb.ReceivedItem) -> None:
        batch = self._batch
        if batch is None:
            if not self._orphans_tolerated:
                self._report(MALFORMED, index, "a received item with no batch header before it")
            self._item(index, received.item, "")
            return
        if self._quiet:
            batch.quiet = True
        position = batch.items.size
        if received.position != position and not batch.quiet:
            self._report(MALFORMED, index, f"position: got {received.position}, want {position} in its batch")
        batch.items.append(merkle.leaf_hash(received.item))
        self._item(index, received.item, batch.sender_id)
        if batch.items.size == batch.item_count:
            self._end_batch()

    def _end_batch(self) -> None:
        batch = self._batch
        assert batch is not None
        self._batch = None
        if not batch.quiet and batch.items.root() != batch.items_root:
            message = f"the {batch.item_count} items logged after it do not hash to the header's items_root"
            self._findings.add(ALTERED, batch.index, message)

    def _end_batch_short(self) -> None:
        batch = self._batch
        assert batch is not None
        self._batch = None
        if not batch.quiet:
            message = f"the header names {batch.item_count} items, but {batch.items.size} are logged after it"
            self._findings.add(ALTERED, batch.index, message)

    def _parse_item(self, index: int, data: bytes) -> cpb.Item | None:
        try:
            return cpb.Item.FromString(data)
        except DecodeError:
            self._report(MALFORMED, index, "item: not a timebank.v1.Item")
            return None

    def _item(self, index: int, data: bytes, sender_id: str) -> None:
        item = self._parse_item(index, data)
        if item is None:
            return
        kind = item.WhichOneof("body")
        if kind == "prepare":
            transfer = item.prepare.transfer
            if sender_id and sender_id == transfer.originator_node_id and not self._quiet:
                self.clearing.prepare(transfer)
        elif kind == "statement":
            statement = self._signed_statement(index, item.statement)
            if statement is not None and statement.node_id == sender_id:
                self.clearing.statement(index, statement, not self._quiet)

    def _sent_item(self, index: int, sent: lpb.SentItem) -> None:
        item = self._parse_item(index, sent.item)
        if item is None:
            return
        kind = item.WhichOneof("body")
        if kind == "decision" and not self._quiet:
            self.clearing.decision(index, item.decision)
        elif kind == "statement":
            self._signed_statement(index, item.statement)

    def _signed_statement(self, index: int, signed: lpb.SignedStatement) -> lpb.Statement | None:
        """The statement when it parses (verified or not: a bad signature is reported here)."""
        try:
            statement = logformat.parse_statement(signed)
        except VerificationError as error:
            self._report(MALFORMED, index, str(error))
            return None
        what = f"statement of {statement.node_id} for cycle {statement.cycle_id} (page {statement.page})"
        public_key = self._public_key(signed.key_id, statement.node_id, statement.created_at_micros, index, what)
        if public_key is not None:
            try:
                logformat.verify_statement(signed, self.key_ring())
            except VerificationError as error:
                self._report(BAD_SIGNATURE, index, f"{what}, key {signed.key_id}: {error}")
        return statement

    def _cycle_close(self, index: int, close: lpb.CycleClose) -> None:
        self.clearing.cycle_close(index, close, not self._quiet)

    def _report_record(self, index: int, record: lpb.ReportRecord) -> None:
        self.clearing.report(index, record, not self._quiet)

    def _posting(self, index: int, posting: lpb.Posting) -> None:
        if not self._quiet:  # an untrusted posting is not replayed; the replay is tainted instead
            self.postings.posting(index, posting)

    def _care_event(self, index: int, event: lpb.CareEvent) -> None:
        """A change of the time-bank services: named, with its record as a CareDesk message
        (or, in logs written before the typed form, as a JSON object), never both."""
        typed = event.WhichOneof("record") is not None
        if event.record_json:
            try:
                record = json.loads(event.record_json)
            except ValueError:
                record = None
            well_formed = isinstance(record, dict) and not typed
        else:
            well_formed = typed
        if not event.operation or not well_formed:
            self._report(
                MALFORMED,
                index,
                "a care event wants an operation and its record, as a CareDesk message or (earlier logs) "
                "a JSON object, not both",
            )

    def _statement_record(self, index: int, record: lpb.StatementRecord) -> None:
        self._signed_statement(index, record.statement)
        self.postings.statement_record(index, record, not self._quiet)
