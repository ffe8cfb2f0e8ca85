"""The items of the cross-node protocol as domain values, and their exact bytes.

Owns the vocabulary shared by nodes and the clearinghouse (clearing.proto): a cross
transfer, prepare, vote, decision, acknowledgement, query and receipt, how each item's
id is derived (stable across retries, so receivers can deduplicate), and the one place
where items turn into bytes and back. Nothing else touches clearing_pb2 items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from timebank import ids
from timebank.errors import RequestInvalid
from timebank.ledger.model import AMOUNT_MINUTES_MAX, MEMO_LENGTH_MAX
from timebank.quoting import quoted
from timebank.v1 import clearing_pb2 as cpb

__all__ = [
    "Ack",
    "AlertAcknowledgement",
    "Body",
    "CLEARINGHOUSE_ID",
    "CrossTransfer",
    "CycleClosed",
    "Decision",
    "HomeClaim",
    "SupervisionReport",
    "IDENTITY_HASH_BYTES",
    "ID_BYTES",
    "Item",
    "Prepare",
    "Query",
    "Recall",
    "RecallAnswer",
    "Receipt",
    "ReportSummary",
    "Restore",
    "Resync",
    "StatementPage",
    "Vote",
    "ack_item",
    "alert_acknowledgement_item",
    "cycle_closed_item",
    "decision_item",
    "decode_item",
    "derive_id",
    "encode_item",
    "home_claim_item",
    "supervision_item",
    "prepare_item",
    "query_item",
    "recall_answer_item",
    "recall_item",
    "receipt_item",
    "restore_item",
    "resync_item",
    "statement_item",
    "transfer_bytes",
    "transfer_from_bytes",
    "vote_item",
]

CLEARINGHOUSE_ID = "clearinghouse"
ID_BYTES = ids.ID_BYTES


def derive_id(purpose: str, transfer_id: int) -> int:
    """A 128-bit id derived from a transfer id: the same inputs always give the same id."""
    digest = hashlib.sha256(purpose.encode() + b"\x00" + ids.to_fixed_bytes(transfer_id))
    return int.from_bytes(digest.digest()[:ID_BYTES], "big") or 1


@dataclass(frozen=True)
class CrossTransfer:
    transfer_id: int
    debit_node_id: str
    debit_account_id: int
    credit_node_id: str
    credit_account_id: int
    amount_minutes: int
    memo: str
    originator_node_id: str
    one_time_code: str = ""
    mandate_id: int = 0
    returns_id: int = 0

    @property
    def counterparty_node_id(self) -> str:
        """The node that did not start the transfer."""
        if self.originator_node_id == self.debit_node_id:
            return self.credit_node_id
        return self.debit_node_id

    def side_of(self, node_id: str) -> str:
        if node_id == self.debit_node_id:
            return "debit"
        if node_id == self.credit_node_id:
            return "credit"
        raise RequestInvalid(f"node {node_id} is not a party to transfer {ids.to_hex(self.transfer_id)}")

    def check(self) -> None:
        """The rules that need no state; RequestInvalid naming the field."""
        if not 0 < self.transfer_id < 2**128 - 1:
            raise RequestInvalid("transfer_id: want 16 bytes, not all zero or all one")
        if self.debit_node_id == self.credit_node_id:
            raise RequestInvalid(
                f"credit_node_id: got {quoted(self.credit_node_id)}, the debit node itself; "
                "a transfer within one node is a local transfer"
            )
        if self.originator_node_id not in (self.debit_node_id, self.credit_node_id):
            raise RequestInvalid("originator_node_id: want the debit or the credit node")
        if not 1 <= self.amount_minutes <= AMOUNT_MINUTES_MAX:
            raise RequestInvalid(f"amount_minutes: got {self.amount_minutes}, want 1..={AMOUNT_MINUTES_MAX}")
        if len(self.memo) > MEMO_LENGTH_MAX:
            raise RequestInvalid(f"memo: got {len(self.memo)} characters, want at most {MEMO_LENGTH_MAX}")
        for name in ("debit_account_id", "credit_account_id"):
            if not 0 < getattr(self, name) < 2**128 - 1:
                raise RequestInvalid(f"{name}: want 16 bytes, not all zero or all one")


@dataclass(frozen=True)
class Prepare:
    transfer: CrossTransfer
    expires_at_micros: int = 0


@dataclass(frozen=True)
class Vote:
    transfer_id: int
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class Decision:
    transfer_id: int
    commit: bool
    reason: str
    decided_at_micros: int
    cycle_id: int = 0  # the settlement cycle of a COMMIT


@dataclass(frozen=True)
class CycleClosed:
    cycle_id: int
    closed_at_micros: int
    entry_count: int  # the COMMITs of the cycle the receiving node is a party to
    previous_cycle_id: int = 0  # the cycle before it the node was told of (0: none)


@dataclass(frozen=True)
class Resync:
    since_micros: int


@dataclass(frozen=True)
class Restore:
    """The clearinghouse's record of a transfer, for a node rebuilding its legs after a restore."""

    transfer: CrossTransfer
    decided: bool
    commit: bool
    reason: str = ""
    decided_at_micros: int = 0
    cycle_id: int = 0


@dataclass(frozen=True)
class StatementPage:
    """One signed page of a node's statement (SignedStatement bytes, checked by logformat)."""

    signed: bytes


@dataclass(frozen=True)
class Ack:
    item_ids: tuple[int, ...]


@dataclass(frozen=True)
class Query:
    transfer_ids: tuple[int, ...]


@dataclass(frozen=True)
class Recall:
    recall_id: int
    original_id: int
    amount_minutes: int
    reason: str
    requester_node_id: str


@dataclass(frozen=True)
class RecallAnswer:
    recall_id: int
    accept: bool
    reason: str = ""
    return_transfer_id: int = 0


@dataclass(frozen=True)
class Receipt:
    item_id: int
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class HomeClaim:
    """A node claims (or releases) a person's home, named by the keyed hash of their identity."""

    identity_hash: bytes
    person_id: int
    release: bool = False

    def check(self) -> None:
        if len(self.identity_hash) != IDENTITY_HASH_BYTES:
            raise RequestInvalid(
                f"home_claim.identity_hash: got {len(self.identity_hash)} bytes, want {IDENTITY_HASH_BYTES}"
            )


IDENTITY_HASH_BYTES = 32


@dataclass(frozen=True)
class SupervisionReport:
    """A node's aggregate figures and open alerts for the bureau (SupervisionReport bytes)."""

    report: bytes
    as_of_micros: int


@dataclass(frozen=True)
class ReportSummary:
    """What the clearinghouse itself reads of a node's report: its open alerts and alarms."""

    alert_ids: frozenset[int]
    alarm_count: int

    @classmethod
    def of(cls, report: bytes) -> ReportSummary:
        """The summary of SupervisionReport bytes (empty bytes: no report, nothing open)."""
        message = cpb.SupervisionReport.FromString(report)
        return cls(frozenset(alert.alert_id for alert in message.alerts), len(message.alarms))


@dataclass(frozen=True)
class AlertAcknowledgement:
    """The bureau acknowledged one of a node's open alerts (clearinghouse to node)."""

    alert_id: int
    account: str
    note: str
    acknowledged_at_micros: int


Body = (
    Prepare
    | Vote
    | Decision
    | Ack
    | Query
    | Receipt
    | Recall
    | RecallAnswer
    | CycleClosed
    | StatementPage
    | Resync
    | Restore
    | HomeClaim
    | SupervisionReport
    | AlertAcknowledgement
)


@dataclass(frozen=True)
class Item:
    item_id: int
    body: Body = field(compare=True)


def prepare_item(prepare: Prepare, sender_id: str) -> Item:
    """A prepare's item id depends on who sends it: the originator, or the clearinghouse."""
    return Item(derive_id(f"prepare:{sender_id}", prepare.transfer.transfer_id), prepare)


def home_claim_item(claim: HomeClaim) -> Item:
    """The same claim (or release) of the same person always has the same item id."""
    purpose = "home-release" if claim.release else "home-claim"
    return Item(derive_id(f"{purpose}:{claim.identity_hash.hex()}", claim.person_id), claim)


def supervision_item(report: SupervisionReport, node_id: str) -> Item:
    """A report's item id is its node's and its time's: a resend is deduplicated."""
    return Item(derive_id(f"supervision:{node_id}", report.as_of_micros), report)


def alert_acknowledgement_item(acknowledgement: AlertAcknowledgement, node_id: str) -> Item:
    """One id per node and alert: the bureau acknowledges an alert once."""
    return Item(derive_id(f"alert-acknowledgement:{node_id}", acknowledgement.alert_id), acknowledgement)


def vote_item(vote: Vote) -> Item:
    return Item(derive_id("vote", vote.transfer_id), vote)


def decision_item(decision: Decision) -> Item:
    return Item(derive_id("decision", decision.transfer_id), decision)


def recall_item(recall: Recall, sender_id: str) -> Item:
    return Item(derive_id(f"recall:{sender_id}", recall.recall_id), recall)


def recall_answer_item(answer: RecallAnswer, sender_id: str) -> Item:
    return Item(derive_id(f"recall-answer:{sender_id}", answer.recall_id), answer)


def cycle_closed_item(notice: CycleClosed) -> Item:
    return Item(derive_id("cycle-closed", notice.cycle_id), notice)


def statement_item(page: StatementPage, node_id: str, cycle_id: int, page_number: int) -> Item:
    """A page's item id is stable for its node, cycle and page, so a resend is deduplicated."""
    return Item(derive_id(f"statement:{node_id}:{page_number}", cycle_id), page)


def resync_item(resync: Resync, nonce: int) -> Item:
    return Item(derive_id(f"resync:{nonce}", resync.since_micros or 1), resync)


def restore_item(restore: Restore, resync_item_id: int) -> Item:
    """One per transfer and per resync: a second resync sends its own."""
    return Item(derive_id(f"restore:{ids.to_hex(resync_item_id)}", restore.transfer.transfer_id), restore)


def receipt_item(receipt: Receipt) -> Item:
    return Item(derive_id("receipt", receipt.item_id), receipt)


def ack_item(item_ids: tuple[int, ...], nonce: int) -> Item:
    return Item(derive_id(f"ack:{nonce}", item_ids[0] if item_ids else 1), Ack(item_ids))


def query_item(transfer_ids: tuple[int, ...], nonce: int) -> Item:
    return Item(derive_id(f"query:{nonce}", transfer_ids[0] if transfer_ids else 1), Query(transfer_ids))


# ---------------------------------------------------------------------------------------
# Bytes


def _transfer_message(transfer: CrossTransfer) -> cpb.CrossTransfer:
    consent = cpb.Consent()
    if transfer.one_time_code:
        consent.one_time_code = transfer.one_time_code
    elif transfer.mandate_id:
        consent.mandate_id = ids.to_bytes(transfer.mandate_id)
    return cpb.CrossTransfer(
        transfer_id=ids.to_bytes(transfer.transfer_id),
        debit_node_id=transfer.debit_node_id,
        debit_account_id=ids.to_bytes(transfer.debit_account_id),
        credit_node_id=transfer.credit_node_id,
        credit_account_id=ids.to_bytes(transfer.credit_account_id),
        amount_minutes=transfer.amount_minutes,
        memo=transfer.memo,
        originator_node_id=transfer.originator_node_id,
        consent=consent,
        returns_id=ids.to_bytes(transfer.returns_id),
    )


def _transfer_value(message: cpb.CrossTransfer) -> CrossTransfer:
    kind = message.consent.WhichOneof("kind")
    return CrossTransfer(
        transfer_id=ids.from_bytes(message.transfer_id, "transfer.transfer_id"),
        debit_node_id=message.debit_node_id,
        debit_account_id=ids.from_bytes(message.debit_account_id, "transfer.debit_account_id"),
        credit_node_id=message.credit_node_id,
        credit_account_id=ids.from_bytes(message.credit_account_id, "transfer.credit_account_id"),
        amount_minutes=message.amount_minutes,
        memo=message.memo,
        originator_node_id=message.originator_node_id,
        one_time_code=message.consent.one_time_code if kind == "one_time_code" else "",
        mandate_id=ids.from_bytes(message.consent.mandate_id, "consent.mandate_id", optional=True),
        returns_id=ids.from_bytes(message.returns_id, "transfer.returns_id", optional=True),
    )


def transfer_bytes(transfer: CrossTransfer) -> bytes:
    return _transfer_message(transfer).SerializeToString(deterministic=True)


def transfer_from_bytes(data: bytes) -> CrossTransfer:
    return _transfer_value(cpb.CrossTransfer.FromString(data))


def encode_item(item: Item) -> bytes:
    message = cpb.Item(item_id=ids.to_bytes(item.item_id))
    body = item.body
    if isinstance(body, Prepare):
        message.prepare.CopyFrom(
            cpb.Prepare(transfer=_transfer_message(body.transfer), expires_at_micros=body.expires_at_micros)
        )
    elif isinstance(body, Vote):
        message.vote.CopyFrom(
            cpb.Vote(transfer_id=ids.to_bytes(body.transfer_id), accept=body.accept, reason=body.reason)
        )
    elif isinstance(body, Decision):
        verdict = cpb.VERDICT_COMMIT if body.commit else cpb.VERDICT_ABORT
        message.decision.CopyFrom(
            cpb.Decision(
                transfer_id=ids.to_bytes(body.transfer_id),
                verdict=verdict,
                reason=body.reason,
                decided_at_micros=body.decided_at_micros,
                cycle_id=body.cycle_id,
            )
        )
    elif isinstance(body, CycleClosed):
        message.cycle_closed.CopyFrom(
            cpb.CycleClosed(
                cycle_id=body.cycle_id,
                closed_at_micros=body.closed_at_micros,
                entry_count=body.entry_count,
                previous_cycle_id=body.previous_cycle_id,
            )
        )
    elif isinstance(body, StatementPage):
        message.statement.ParseFromString(body.signed)
    elif isinstance(body, SupervisionReport):
        message.supervision_report.ParseFromString(body.report)
    elif isinstance(body, AlertAcknowledgement):
        message.alert_acknowledgement.CopyFrom(
            cpb.AlertAcknowledgement(
                alert_id=body.alert_id,
                account=body.account,
                note=body.note,
                acknowledged_at_micros=body.acknowledged_at_micros,
            )
        )
    elif isinstance(body, Resync):
        message.resync.CopyFrom(cpb.Resync(since_micros=body.since_micros))
    elif isinstance(body, Restore):
        verdict = (
            (cpb.VERDICT_COMMIT if body.commit else cpb.VERDICT_ABORT) if body.decided else cpb.VERDICT_UNSPECIFIED
        )
        message.restore.CopyFrom(
            cpb.Restore(
                transfer=_transfer_message(body.transfer),
                verdict=verdict,
                reason=body.reason,
                decided_at_micros=body.decided_at_micros,
                cycle_id=body.cycle_id,
            )
        )
    elif isinstance(body, Ack):
        message.ack.CopyFrom(cpb.Ack(item_ids=[ids.to_bytes(value) for value in body.item_ids]))
    elif isinstance(body, Query):
        message.query.CopyFrom(cpb.Query(transfer_ids=[ids.to_bytes(value) for value in body.transfer_ids]))
    elif isinstance(body, Recall):
        message.recall.CopyFrom(
            cpb.Recall(
                recall_id=ids.to_bytes(body.recall_id),
                original_id=ids.to_bytes(body.original_id),
                amount_minutes=body.amount_minutes,
                reason=body.reason,
                requester_node_id=body.requester_node_id,
            )
        )
    elif isinstance(body, RecallAnswer):
        message.recall_answer.CopyFrom(
            cpb.RecallAnswer(
                recall_id=ids.to_bytes(body.recall_id),
                accept=body.accept,
                reason=body.reason,
                return_transfer_id=ids.to_bytes(body.return_transfer_id),
            )
        )
    elif isinstance(body, HomeClaim):
        message.home_claim.CopyFrom(
            cpb.HomeClaim(
                identity_hash=body.identity_hash, person_id=ids.to_bytes(body.person_id), release=body.release
            )
        )
    else:
        message.receipt.CopyFrom(
            cpb.Receipt(item_id=ids.to_bytes(body.item_id), accepted=body.accepted, reason=body.reason)
        )
    return message.SerializeToString(deterministic=True)


def decode_item(data: bytes) -> Item:
    """The item in data; RequestInvalid naming what is malformed."""
    try:
        message = cpb.Item.FromString(data)
    except DecodeError:
        raise RequestInvalid("item: not a timebank.v1.Item") from None
    item_id = ids.from_bytes(message.item_id, "item.item_id")
    kind = message.WhichOneof("body")
    body: Body
    if kind == "prepare":
        body = Prepare(_transfer_value(message.prepare.transfer), message.prepare.expires_at_micros)
    elif kind == "vote":
        vote = message.vote
        body = Vote(ids.from_bytes(vote.transfer_id, "vote.transfer_id"), vote.accept, vote.reason)
    elif kind == "decision":
        decision = message.decision
        if decision.verdict not in (cpb.VERDICT_COMMIT, cpb.VERDICT_ABORT):
            raise RequestInvalid(f"decision.verdict: got {decision.verdict}, want COMMIT or ABORT")
        body = Decision(
            ids.from_bytes(decision.transfer_id, "decision.transfer_id"),
            decision.verdict == cpb.VERDICT_COMMIT,
            decision.reason,
            decision.decided_at_micros,
            decision.cycle_id,
        )
    elif kind == "cycle_closed":
        notice = message.cycle_closed
        body = CycleClosed(notice.cycle_id, notice.closed_at_micros, notice.entry_count, notice.previous_cycle_id)
    elif kind == "statement":
        body = StatementPage(message.statement.SerializeToString(deterministic=True))
    elif kind == "supervision_report":
        report = message.supervision_report
        body = SupervisionReport(report.SerializeToString(deterministic=True), report.as_of_micros)
    elif kind == "alert_acknowledgement":
        ack = message.alert_acknowledgement
        body = AlertAcknowledgement(ack.alert_id, ack.account, ack.note, ack.acknowledged_at_micros)
    elif kind == "resync":
        body = Resync(message.resync.since_micros)
    elif kind == "restore":
        restore = message.restore
        body = Restore(
            _transfer_value(restore.transfer),
            restore.verdict != cpb.VERDICT_UNSPECIFIED,
            restore.verdict == cpb.VERDICT_COMMIT,
            restore.reason,
            restore.decided_at_micros,
            restore.cycle_id,
        )
    elif kind == "ack":
        body = Ack(tuple(ids.from_bytes(raw, "ack.item_ids") for raw in message.ack.item_ids))
    elif kind == "query":
        body = Query(tuple(ids.from_bytes(raw, "query.transfer_ids") for raw in message.query.transfer_ids))
    elif kind == "recall":
        recall = message.recall
        body = Recall(
            ids.from_bytes(recall.recall_id, "recall.recall_id"),
            ids.from_bytes(recall.original_id, "recall.original_id"),
            recall.amount_minutes,
            recall.reason,
            recall.requester_node_id,
        )
    elif kind == "recall_answer":
        answer = message.recall_answer
        body = RecallAnswer(
            ids.from_bytes(answer.recall_id, "recall_answer.recall_id"),
            answer.accept,
            answer.reason,
            ids.from_bytes(answer.return_transfer_id, "recall_answer.return_transfer_id", optional=True),
        )
    elif kind == "home_claim":
        claim = message.home_claim
        body = HomeClaim(claim.identity_hash, ids.from_bytes(claim.person_id, "home_claim.person_id"), claim.release)
        body.check()
    elif kind == "receipt":
        receipt = message.receipt
        body = Receipt(ids.from_bytes(receipt.item_id, "receipt.item_id"), receipt.accepted, receipt.reason)
    else:
        raise RequestInvalid("item: has no body")
    return Item(item_id, body)
