"""Deterministic synthetic audit exports, built with the real protos, signing and log format.

A clearinghouse's log: genesis and its key, three nodes admitted with keys, settlement
cycles of cross-node transfers (prepares in batches signed by their originators, prepares
forwarded to the counterparties, votes, a decision to each party node, some ABORTs), cycle
closes with every node's position, close notices, a signed statement from every node, a
key rotation and a bureau report. A node's log: its own and the clearinghouse's keys,
postings (issuance, a local transfer, holds posted and voided), the clearinghouse's batches,
the items it sent and a statement record. Checkpoints are published every few entries
and once at the end. Keys come from fixed seeds and clocks from fixed starts, so the same
call gives the same bytes.

Also the tools the tests tamper with: re-chaining edited entries and re-signing the
checkpoints as the owner would (a dishonest owner's consistent log).
"""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from timebank import envelope, keys, logformat, merkle
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    CrossTransfer,
    CycleClosed,
    Decision,
    Prepare,
    StatementPage,
    Vote,
    cycle_closed_item,
    decision_item,
    encode_item,
    prepare_item,
    statement_item,
    vote_item,
)
from timebank.signing import KeyRecord
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

START_MICROS = 1_700_000_000_000_000
STEP_MICROS = 250_000
NODE_IDS = ("node-a", "node-b", "node-c")
SEEDS = {CLEARINGHOUSE_ID: 1, "node-a": 2, "node-b": 3, "node-c": 4}
ROTATED_SEED = 5  # node-c's second key
STRANGER_SEED = 9  # a key no log knows
ROTATION_OVERLAP_MICROS = 60_000_000
CLEARING_ACCOUNT = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING]
ISSUANCE_ACCOUNT = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
MEMBER_BASE = 0xA000_0000_0000_0000_0000_0000_0000_0000
TRANSFER_BASE = 0x7000_0000_0000_0000_0000_0000_0000_0000


def private_key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def key_id(seed: int) -> str:
    return keys.key_id(private_key(seed).public_key())


def key_record(party_id: str, seed: int, valid_from_micros: int, **fields: int) -> KeyRecord:
    public = keys.public_bytes(private_key(seed).public_key())
    return KeyRecord(keys.key_id_of_raw(public), party_id, public, valid_from_micros, **fields)  # type: ignore[arg-type]


def id_bytes(value: int) -> bytes:
    return value.to_bytes(16, "big")


def member_account(node_id: str, number: int) -> int:
    return MEMBER_BASE + (NODE_IDS.index(node_id) + 1) * 0x1000 + number


@dataclass
class Export:
    """An export's records, and the entry indexes a test may want by name."""

    entries: list[bytes]
    checkpoints: list[bytes]
    marks: dict[str, int] = field(default_factory=dict)

    def write(self, directory: pathlib.Path) -> pathlib.Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, records in ((logformat.ENTRIES_FILE, self.entries), (logformat.CHECKPOINTS_FILE, self.checkpoints)):
            with open(directory / name, "wb") as stream:
                for record in records:
                    logformat.write_record(stream, record)
        return directory

    def entry(self, index: int) -> lpb.LogEntry:
        return lpb.LogEntry.FromString(self.entries[index])

    def checkpoint(self, number: int) -> lpb.Checkpoint:
        return logformat.checkpoint_body(lpb.SignedCheckpoint.FromString(self.checkpoints[number]))


class LogWriter:
    """Appends entries as a party does (index, previous leaf hash, its clock) and signs checkpoints."""

    def __init__(self, owner_id: str, owner_key: Ed25519PrivateKey, checkpoint_every: int) -> None:
        self.owner_id = owner_id
        self.owner_key = owner_key
        self.checkpoint_every = checkpoint_every
        self.now_micros = START_MICROS
        self.entries: list[bytes] = []
        self.leaves: list[bytes] = []
        self.checkpoints: list[bytes] = []
        self._published_size = 0
        self.append(genesis=lpb.LogGenesis(log_id=owner_id, owner_id=owner_id))

    def tick(self, micros: int = STEP_MICROS) -> int:
        self.now_micros += micros
        return self.now_micros

    def append(self, **body: object) -> int:
        index = len(self.entries)
        previous = self.leaves[-1] if self.leaves else b""
        data = logformat.entry_bytes(index, previous, self.now_micros, **body)
        self.entries.append(data)
        self.leaves.append(merkle.leaf_hash(data))
        return index

    def publish_when_due(self) -> None:
        if len(self.entries) - self._published_size >= self.checkpoint_every:
            self.publish()

    def publish(self) -> None:
        size = len(self.entries)
        root = merkle.root_from_leaf_hashes(self.leaves)
        signed = logformat.sign_checkpoint(self.owner_id, size, root, self.now_micros, self.owner_key)
        self.checkpoints.append(signed.SerializeToString(deterministic=True))
        self._published_size = size

    def log_key(self, action: str, record: KeyRecord, detail: str = "") -> int:
        event = lpb.RegistryEvent(
            action=action, party_id=record.party_id, detail=detail, key=logformat.key_state(record)
        )
        return self.append(registry_event=event)

    def export(self, marks: dict[str, int]) -> Export:
        if self._published_size != len(self.entries):
            self.publish()
        return Export(list(self.entries), list(self.checkpoints), dict(marks))


@dataclass(frozen=True)
class Plan:
    """One cross-node transfer of the synthetic city."""

    number: int
    cycle_id: int
    originator_id: str
    debit_node_id: str
    credit_node_id: str
    amount_minutes: int
    commit: bool

    @property
    def transfer_id(self) -> int:
        return TRANSFER_BASE + self.number

    @property
    def counterparty_id(self) -> str:
        return self.credit_node_id if self.originator_id == self.debit_node_id else self.debit_node_id

    def cross_transfer(self) -> CrossTransfer:
        return CrossTransfer(
            transfer_id=self.transfer_id,
            debit_node_id=self.debit_node_id,
            debit_account_id=member_account(self.debit_node_id, 1 + self.number % 3),
            credit_node_id=self.credit_node_id,
            credit_account_id=member_account(self.credit_node_id, 1 + self.number % 2),
            amount_minutes=self.amount_minutes,
            memo=f"care visit {self.number}",
            originator_node_id=self.originator_id,
            one_time_code="" if self.originator_id == self.debit_node_id else f"code-{self.number:04d}",
        )


def plans(cycles: int, transfers_per_cycle: int) -> list[Plan]:
    """Transfers in every direction, pushes and pulls, and an ABORT now and then."""
    result = []
    for cycle_id in range(1, cycles + 1):
        for offset in range(transfers_per_cycle):
            number = (cycle_id - 1) * transfers_per_cycle + offset
            first, second = NODE_IDS[number % 3], NODE_IDS[(number + 1 + cycle_id % 2) % 3]
            push = offset % 2 == 0
            debit, credit = (first, second) if push else (second, first)
            result.append(
                Plan(
                    number=number,
                    cycle_id=cycle_id,
                    originator_id=first,
                    debit_node_id=debit,
                    credit_node_id=credit,
                    amount_minutes=15 * (1 + (number * 7 + cycle_id) % 9),
                    commit=(number + cycle_id) % 5 != 4,
                )
            )
    return result


@dataclass
class Options:
    """Deliberate mistakes of a dishonest or broken party, for the replay tests."""

    # cycle id -> minutes added to the first listed node's closing position in that close.
    close_closing_delta: dict[int, int] = field(default_factory=dict)
    # (node id, cycle id) -> minutes added to the closing of that node's statement.
    statement_closing_delta: dict[tuple[str, int], int] = field(default_factory=dict)


class ClearinghouseLog:
    """The clearinghouse's side of the synthetic city, written to its log step by step."""

    def __init__(self, *, cycles: int, transfers_per_cycle: int, checkpoint_every: int, options: Options) -> None:
        self.options = options
        self.log = LogWriter(CLEARINGHOUSE_ID, private_key(SEEDS[CLEARINGHOUSE_ID]), checkpoint_every)
        self.signing_keys = {party: private_key(seed) for party, seed in SEEDS.items()}
        self.marks: dict[str, int] = {}
        self.closings: dict[str, int] = {}
        self.cycle_positions: dict[int, list[lpb.NodePosition]] = {}
        self._batch_count = 0
        self.plans = plans(cycles, transfers_per_cycle)
        self.cycles = cycles

    def build(self) -> Export:
        self._registry()
        for cycle_id in range(1, self.cycles + 1):
            if cycle_id == 2:
                self._rotate_node_c_key()
            self._cycle([plan for plan in self.plans if plan.cycle_id == cycle_id])
            self._close(cycle_id)
            self._statements(cycle_id)
            if cycle_id == min(2, self.cycles):
                self._report(1)
        return self.log.export(self.marks)

    # -- steps ------------------------------------------------------------------------------

    def _step(self) -> None:
        self.log.publish_when_due()
        self.log.tick()

    def _registry(self) -> None:
        log = self.log
        log.log_key("key-added", key_record(CLEARINGHOUSE_ID, SEEDS[CLEARINGHOUSE_ID], log.now_micros))
        for node_id in NODE_IDS:
            log.tick()
            log.append(registry_event=lpb.RegistryEvent(action="admitted", party_id=node_id, detail="district node"))
            log.log_key("key-added", key_record(node_id, SEEDS[node_id], log.now_micros), f"key of {node_id}")
        self._step()

    def _rotate_node_c_key(self) -> None:
        log = self.log
        old = key_record(
            "node-c", SEEDS["node-c"], START_MICROS, valid_until_micros=log.now_micros + ROTATION_OVERLAP_MICROS
        )
        self.marks["key_rotated"] = log.log_key("key-rotated", old, "rotated out with an overlap")
        log.log_key("key-added", key_record("node-c", ROTATED_SEED, log.now_micros), "new key of node-c")
        self.signing_keys["node-c"] = private_key(ROTATED_SEED)
        self._step()

    def received_batch(self, sender_id: str, items: Sequence[bytes]) -> int:
        self._batch_count += 1
        signed = envelope.seal(
            sender_id,
            CLEARINGHOUSE_ID,
            items,
            self.signing_keys[sender_id],
            batch_id=hashlib.sha256(f"batch {self._batch_count}".encode()).digest()[:16],
            created_at_micros=self.log.now_micros - 40_000,
        )
        received = lpb.ReceivedBatch(header=signed.header, key_id=signed.key_id, signature=signed.signature)
        index = self.log.append(received_batch=received)
        for position, item in enumerate(items):
            self.log.append(received_item=lpb.ReceivedItem(position=position, item=item))
        self._step()
        return index

    def _sent(self, recipient_id: str, item: bytes) -> int:
        return self.log.append(sent_item=lpb.SentItem(recipient_id=recipient_id, item=item))

    def _cycle(self, cycle_plans: list[Plan]) -> None:
        for node_id in NODE_IDS:
            mine = [plan for plan in cycle_plans if plan.originator_id == node_id]
            items = [encode_item(prepare_item(Prepare(plan.cross_transfer()), node_id)) for plan in mine]
            if items:
                batch = self.received_batch(node_id, items)
                self.marks[f"prepare_batch_{cycle_plans[0].cycle_id}_{node_id}"] = batch
        for plan in cycle_plans:
            forwarded = Prepare(plan.cross_transfer(), expires_at_micros=self.log.now_micros + 30_000_000)
            self._sent(plan.counterparty_id, encode_item(prepare_item(forwarded, CLEARINGHOUSE_ID)))
        self._step()
        for node_id in NODE_IDS:
            votes = [
                encode_item(vote_item(Vote(plan.transfer_id, plan.commit, "" if plan.commit else "member over cap")))
                for plan in cycle_plans
                if plan.counterparty_id == node_id
            ]
            if votes:
                self.received_batch(node_id, votes)
        for plan in cycle_plans:
            self._decide(plan)
        self._step()

    def _decide(self, plan: Plan) -> None:
        decision = Decision(
            plan.transfer_id,
            plan.commit,
            "" if plan.commit else "the counterparty refused",
            self.log.now_micros,
            plan.cycle_id if plan.commit else 0,
        )
        item = encode_item(decision_item(decision))
        first = self._sent(plan.debit_node_id, item)
        self._sent(plan.credit_node_id, item)
        self.marks.setdefault(f"decision_{plan.cycle_id}", first)

    def _positions(self, cycle_id: int) -> list[lpb.NodePosition]:
        movements: dict[str, list[int]] = {}
        for plan in self.plans:
            if plan.cycle_id == cycle_id and plan.commit:
                debit = movements.setdefault(plan.debit_node_id, [0, 0, 0, 0])
                credit = movements.setdefault(plan.credit_node_id, [0, 0, 0, 0])
                debit[0], debit[1] = debit[0] + plan.amount_minutes, debit[1] + 1
                credit[2], credit[3] = credit[2] + plan.amount_minutes, credit[3] + 1
        positions = []
        for node_id in sorted(set(movements) | {node for node, closing in self.closings.items() if closing}):
            debits, debit_count, credits, credit_count = movements.get(node_id, [0, 0, 0, 0])
            net = credits - debits
            positions.append(
                lpb.NodePosition(
                    node_id=node_id,
                    debits_minutes=debits,
                    debit_count=debit_count,
                    credits_minutes=credits,
                    credit_count=credit_count,
                    net_minutes=net,
                    closing_minutes=self.closings.get(node_id, 0) + net,
                )
            )
        return positions

    def _close(self, cycle_id: int) -> None:
        log = self.log
        positions = self._positions(cycle_id)
        self.cycle_positions[cycle_id] = positions
        self.closings = {position.node_id: position.closing_minutes for position in positions}
        logged = [lpb.NodePosition.FromString(p.SerializeToString()) for p in positions]
        if cycle_id in self.options.close_closing_delta:
            logged[0].closing_minutes += self.options.close_closing_delta[cycle_id]
        close = lpb.CycleClose(
            cycle_id=cycle_id,
            opened_at_micros=START_MICROS if cycle_id == 1 else log.now_micros - 3_000_000,
            closed_at_micros=log.now_micros,
            scheduled=True,
            committed_count=sum(p.debit_count for p in positions),
            committed_minutes=sum(p.debits_minutes for p in positions),
            positions=logged,
        )
        self.marks.setdefault(f"cycle_close_{cycle_id}", log.append(cycle_close=close))
        for node_id in NODE_IDS:
            commits = [plan for plan in self.plans if plan.cycle_id == cycle_id and plan.commit]
            count = sum(node_id in (plan.debit_node_id, plan.credit_node_id) for plan in commits)
            self._sent(node_id, encode_item(cycle_closed_item(CycleClosed(cycle_id, log.now_micros, count))))
        self._step()

    def _statements(self, cycle_id: int) -> None:
        positions = {position.node_id: position for position in self.cycle_positions[cycle_id]}
        for node_id in NODE_IDS:
            position = positions.get(node_id, lpb.NodePosition(node_id=node_id))
            statement = statement_of(node_id, cycle_id, position, self.plans, self.log.now_micros)
            statement.closing_minutes += self.options.statement_closing_delta.get((node_id, cycle_id), 0)
            signed = logformat.sign_statement(statement, self.signing_keys[node_id])
            page = StatementPage(signed.SerializeToString(deterministic=True))
            item = encode_item(statement_item(page, node_id, cycle_id, 1))
            batch = self.received_batch(node_id, [item])
            self.marks.setdefault(f"statement_{node_id}_{cycle_id}", batch + 1)

    def _report(self, cycle_id: int) -> None:
        report = lpb.ReportRecord(
            cycle_id=cycle_id,
            report_sha256=hashlib.sha256(f"report of cycle {cycle_id}".encode()).digest(),
            break_count=0,
            positions=self.cycle_positions[cycle_id],
        )
        self.marks["report"] = self.log.append(report=report)
        self._step()


def statement_of(
    node_id: str, cycle_id: int, position: lpb.NodePosition, all_plans: Sequence[Plan], now_micros: int
) -> lpb.Statement:
    lines = [
        lpb.StatementLine(
            transfer_id=id_bytes(plan.transfer_id),
            amount_minutes=plan.amount_minutes,
            credit=plan.credit_node_id == node_id,
            counterparty_node_id=plan.debit_node_id if plan.credit_node_id == node_id else plan.credit_node_id,
        )
        for plan in all_plans
        if plan.cycle_id == cycle_id and plan.commit and node_id in (plan.debit_node_id, plan.credit_node_id)
    ]
    return lpb.Statement(
        node_id=node_id,
        cycle_id=cycle_id,
        page=1,
        page_count=1,
        created_at_micros=now_micros,
        opening_minutes=position.closing_minutes - position.net_minutes,
        closing_minutes=position.closing_minutes,
        debits_minutes=position.debits_minutes,
        debit_count=position.debit_count,
        credits_minutes=position.credits_minutes,
        credit_count=position.credit_count,
        lines=lines,
    )


def clearinghouse_export(
    *, cycles: int = 4, transfers_per_cycle: int = 6, checkpoint_every: int = 16, options: Options | None = None
) -> Export:
    return ClearinghouseLog(
        cycles=cycles,
        transfers_per_cycle=transfers_per_cycle,
        checkpoint_every=checkpoint_every,
        options=options or Options(),
    ).build()


# -- a node's log -------------------------------------------------------------------------------


class NodeLog:
    """node-a's side of the synthetic city, written to its log step by step."""

    node_id = "node-a"

    def __init__(self, checkpoint_every: int) -> None:
        self.owner_key = private_key(SEEDS[self.node_id])
        self.clearinghouse_key = private_key(SEEDS[CLEARINGHOUSE_ID])
        self.log = LogWriter(self.node_id, self.owner_key, checkpoint_every)
        self.marks: dict[str, int] = {}
        self.log.log_key("key-known", key_record(self.node_id, SEEDS[self.node_id], START_MICROS))
        self.log.log_key("key-known", key_record(CLEARINGHOUSE_ID, SEEDS[CLEARINGHOUSE_ID], START_MICROS))

    def posting(self, kind: TransferKind, number: int, debit: int, credit: int, minutes: int, pending: int = 0) -> int:
        self.log.tick()
        body = lpb.Posting(
            transfer_id=id_bytes(TRANSFER_BASE + number),
            kind=kind,
            debit_account_id=id_bytes(debit),
            credit_account_id=id_bytes(credit),
            amount_minutes=minutes,
            pending_id=id_bytes(TRANSFER_BASE + pending) if pending else b"",
        )
        index = self.log.append(posting=body)
        self.log.publish_when_due()
        return index

    def from_clearinghouse(self, items: list[bytes]) -> int:
        log = self.log
        log.tick()
        signed = envelope.seal(
            CLEARINGHOUSE_ID,
            self.node_id,
            items,
            self.clearinghouse_key,
            batch_id=hashlib.sha256(f"to {self.node_id} {len(log.entries)}".encode()).digest()[:16],
            created_at_micros=log.now_micros - 20_000,
        )
        index = log.append(
            received_batch=lpb.ReceivedBatch(header=signed.header, key_id=signed.key_id, signature=signed.signature)
        )
        for position, item in enumerate(items):
            log.append(received_item=lpb.ReceivedItem(position=position, item=item))
        log.publish_when_due()
        return index

    def sent(self, item: bytes) -> int:
        self.log.tick()
        index = self.log.append(sent_item=lpb.SentItem(recipient_id=CLEARINGHOUSE_ID, item=item))
        self.log.publish_when_due()
        return index

    def build(self, clearing_balance_delta: int) -> Export:
        """Issuance, a local transfer, a push committed, a pull committed, a push aborted, a statement."""
        node_id = self.node_id
        first, second = member_account(node_id, 1), member_account(node_id, 2)
        self.posting(TransferKind.SINGLE_PHASE, 1, ISSUANCE_ACCOUNT, first, 600)
        self.posting(TransferKind.SINGLE_PHASE, 2, ISSUANCE_ACCOUNT, second, 300)
        self.posting(TransferKind.SINGLE_PHASE, 3, first, second, 45)
        push = Plan(100, 1, node_id, node_id, "node-b", 90, True)
        pull = Plan(101, 1, "node-c", node_id, "node-c", 60, True)
        aborted = Plan(102, 1, node_id, node_id, "node-c", 30, False)
        self.marks["hold"] = self.posting(TransferKind.PENDING, 100, first, CLEARING_ACCOUNT, 90)
        self.sent(encode_item(prepare_item(Prepare(push.cross_transfer()), node_id)))
        forwarded = Prepare(pull.cross_transfer(), self.log.now_micros + 30_000_000)
        self.from_clearinghouse([encode_item(prepare_item(forwarded, CLEARINGHOUSE_ID))])
        self.posting(TransferKind.PENDING, 101, first, CLEARING_ACCOUNT, 60)
        self.sent(encode_item(vote_item(Vote(pull.transfer_id, True))))
        self.posting(TransferKind.PENDING, 102, second, CLEARING_ACCOUNT, 30)
        self.sent(encode_item(prepare_item(Prepare(aborted.cross_transfer()), node_id)))
        self.from_clearinghouse([self._decision(plan) for plan in (push, pull, aborted)])
        self.marks["post"] = self.posting(TransferKind.POST_PENDING, 103, first, CLEARING_ACCOUNT, 90, pending=100)
        self.posting(TransferKind.POST_PENDING, 104, first, CLEARING_ACCOUNT, 60, pending=101)
        self.posting(TransferKind.VOID_PENDING, 105, second, CLEARING_ACCOUNT, 30, pending=102)
        self.from_clearinghouse([encode_item(cycle_closed_item(CycleClosed(1, self.log.now_micros, 2)))])
        self._statement([push, pull], clearing_balance_delta)
        return self.log.export(self.marks)

    def _decision(self, plan: Plan) -> bytes:
        decision = Decision(plan.transfer_id, plan.commit, "", self.log.now_micros, 1 if plan.commit else 0)
        return encode_item(decision_item(decision))

    def _statement(self, committed: list[Plan], clearing_balance_delta: int) -> None:
        node_id, log = self.node_id, self.log
        position = lpb.NodePosition(
            node_id=node_id, debits_minutes=150, debit_count=2, net_minutes=-150, closing_minutes=-150
        )
        statement = logformat.sign_statement(
            statement_of(node_id, 1, position, committed, log.now_micros), self.owner_key
        )
        page = StatementPage(statement.SerializeToString(deterministic=True))
        self.sent(encode_item(statement_item(page, node_id, 1, 1)))
        log.tick()
        record = lpb.StatementRecord(statement=statement, clearing_balance_minutes=150 + clearing_balance_delta)
        self.marks["statement_record"] = log.append(statement=record)


def node_export(*, checkpoint_every: int = 8, clearing_balance_delta: int = 0) -> Export:
    """node-a's log: postings, the clearinghouse's batches, the items it sent, a statement record."""
    return NodeLog(checkpoint_every).build(clearing_balance_delta)


# -- tampering as a dishonest owner would -------------------------------------------------------


def rechained(export: Export, owner_key: Ed25519PrivateKey, edit: Callable[[int, lpb.LogEntry], None]) -> Export:
    """Every entry edited in place by `edit`, then chained again and every checkpoint re-signed.

    The result is consistent in every way the owner controls: only what others signed can
    still give it away.
    """
    entries, leaves = [], []
    for index, data in enumerate(export.entries):
        entry = lpb.LogEntry.FromString(data)
        edit(index, entry)
        entry.index, entry.previous_hash = index, leaves[-1] if leaves else b""
        entries.append(entry.SerializeToString(deterministic=True))
        leaves.append(merkle.leaf_hash(entries[-1]))
    checkpoints = []
    for number in range(len(export.checkpoints)):
        body = export.checkpoint(number)
        root = merkle.root_from_leaf_hashes(leaves[: body.size])
        signed = logformat.sign_checkpoint(body.log_id, body.size, root, body.timestamp_micros, owner_key)
        checkpoints.append(signed.SerializeToString(deterministic=True))
    return Export(entries, checkpoints, dict(export.marks))


def signed_checkpoint(
    owner_id: str, size: int, root: bytes, timestamp_micros: int, owner_key: Ed25519PrivateKey
) -> bytes:
    return logformat.sign_checkpoint(owner_id, size, root, timestamp_micros, owner_key).SerializeToString(
        deterministic=True
    )


def batch_header(entry: lpb.LogEntry) -> cpb.BatchHeader:
    return cpb.BatchHeader.FromString(entry.received_batch.header)
