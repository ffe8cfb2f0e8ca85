"""Settlement replayed from a log and compared with what the log says it came to.

Owns two replays. The clearinghouse's: every Prepare received from its originator opens a
transfer; every COMMIT decision the clearinghouse sent moves the amount into the cycle it
is stamped with (the debit node's debits, the credit node's credits); each CycleClose
must list the positions the replay gives, and each ReportRecord and node Statement of a
closed cycle must agree with them. A node's: every Posting moves posted balances or holds,
and each StatementRecord must give the balance of the node's clearing account that the
replay gives.

After a gap or an entry the chain cannot vouch for, a replay is tainted: at the next point
of comparison (a cycle close, a statement record) it takes the logged figures without
reporting, so one defect gives one finding. Memory holds the open transfers and holds, a
bounded memory of recent decisions and the positions of the latest closed cycles.
"""

from __future__ import annotations

from collections.abc import Iterable

from timebank.audit.findings import MALFORMED, REPLAY_MISMATCH, Findings
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "CLEARING_ACCOUNT_ID",
    "CYCLES_KEPT_MAX",
    "ClearingReplay",
    "DECISIONS_KEPT_MAX",
    "NO_MOVEMENT",
    "NO_POSITION",
    "POSITION_FIELDS",
    "Position",
    "PostingReplay",
    "STATEMENT_FIELDS",
    "TwoGenerations",
    "VERDICT_NAMES",
]

# Decisions remembered to recognise a resent or conflicting one: two generations of this many.
DECISIONS_KEPT_MAX = 65_536
# Closed cycles whose positions are kept for statements and reports that come later.
CYCLES_KEPT_MAX = 256
POSITION_FIELDS = (
    "debits_minutes",
    "debit_count",
    "credits_minutes",
    "credit_count",
    "net_minutes",
    "closing_minutes",
)
STATEMENT_FIELDS = (
    "opening_minutes",
    "closing_minutes",
    "debits_minutes",
    "debit_count",
    "credits_minutes",
    "credit_count",
)
NO_MOVEMENT = (0, 0, 0, 0)
NO_POSITION = (0, 0, 0, 0, 0, 0)
CLEARING_ACCOUNT_ID = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING].to_bytes(16, "big")
VERDICT_NAMES: dict[int, str] = {cpb.VERDICT_COMMIT: "COMMIT", cpb.VERDICT_ABORT: "ABORT"}

# A node's position in a cycle: the values of POSITION_FIELDS, in order.
Position = tuple[int, int, int, int, int, int]


def _differences(names: tuple[str, ...], logged: tuple[int, ...], replayed: tuple[int, ...]) -> str:
    return "; ".join(
        f"{name} {got} in the log, {want} by replay"
        for name, got, want in zip(names, logged, replayed, strict=True)
        if got != want
    )


class TwoGenerations:
    """A bounded memory by key: the newest entries of two generations of at most `size` each."""

    __slots__ = ("_size", "_current", "_previous")

    def __init__(self, size: int) -> None:
        self._size = size
        self._current: dict[bytes, tuple[int, int, int]] = {}
        self._previous: dict[bytes, tuple[int, int, int]] = {}

    def put(self, key: bytes, value: tuple[int, int, int]) -> None:
        if len(self._current) >= self._size:
            self._previous, self._current = self._current, {}
        self._current[key] = value

    def get(self, key: bytes) -> tuple[int, int, int] | None:
        found = self._current.get(key)
        return self._previous.get(key) if found is None else found


class ClearingReplay:
    """Cycles, positions and statements replayed from the clearinghouse's log."""

    def __init__(self, findings: Findings) -> None:
        self._findings = findings
        # transfer id -> (debit node, credit node, amount in minutes), until decided.
        self.open_transfers: dict[bytes, tuple[str, str, int]] = {}
        # transfer id -> (verdict, cycle id, entry index) of its first decision.
        self._decided = TwoGenerations(DECISIONS_KEPT_MAX)
        # node -> [debits_minutes, debit_count, credits_minutes, credit_count] in the open cycle.
        self._movements: dict[str, list[int]] = {}
        self._committed_count = 0
        self._committed_minutes = 0
        self.closings: dict[str, int] = {}
        self.last_closed = 0
        # cycle id -> (positions, whether they can be relied on), for the latest closed cycles.
        self._cycles: dict[int, tuple[dict[str, Position], bool]] = {}
        self.tainted = False
        # A gap or an untrusted entry came before: a lost Prepare explains an unknown transfer.
        self.broken = False

    def _report(self, index: int, message: str) -> None:
        self._findings.add(REPLAY_MISMATCH, index, message)

    def prepare(self, transfer: cpb.CrossTransfer) -> None:
        transfer_id = transfer.transfer_id
        if transfer_id in self.open_transfers or self._decided.get(transfer_id) is not None:
            return
        self.open_transfers[transfer_id] = (transfer.debit_node_id, transfer.credit_node_id, transfer.amount_minutes)

    def decision(self, index: int, decision: cpb.Decision) -> None:
        """A decision the chain vouches for (an untrusted one is not replayed)."""
        transfer_id, verdict, cycle_id = decision.transfer_id, decision.verdict, decision.cycle_id
        earlier = self._decided.get(transfer_id)
        if earlier is not None:
            if earlier[:2] != (verdict, cycle_id):
                self._report(
                    index,
                    f"transfer {transfer_id.hex()}: decided {self._verdict(earlier[0], earlier[1])} at entry "
                    f"{earlier[2]}, now {self._verdict(verdict, cycle_id)}",
                )
            return
        self._decided.put(transfer_id, (verdict, cycle_id, index))
        transfer = self.open_transfers.pop(transfer_id, None)
        if verdict != cpb.VERDICT_COMMIT:
            return
        if transfer is None:
            if not self.broken:
                self._report(index, f"COMMIT of transfer {transfer_id.hex()}, but no Prepare from its originator")
            return
        if cycle_id != self.last_closed + 1:
            if self.tainted:
                return  # which cycle is open is not known for sure until the next close
            state = "closed already" if cycle_id <= self.last_closed else "not open"
            self._report(
                index,
                f"COMMIT of transfer {transfer_id.hex()} stamped with cycle {cycle_id}, which is {state} "
                f"(cycle {self.last_closed + 1} is open)",
            )
            return
        self._commit(*transfer)

    @staticmethod
    def _verdict(verdict: int, cycle_id: int) -> str:
        name = VERDICT_NAMES.get(verdict, f"verdict {verdict}")
        return f"{name} in cycle {cycle_id}" if verdict == cpb.VERDICT_COMMIT else name

    def _commit(self, debit_node_id: str, credit_node_id: str, amount_minutes: int) -> None:
        movements = self._movements
        debit = movements.get(debit_node_id)
        if debit is None:
            debit = movements[debit_node_id] = [0, 0, 0, 0]
        credit = movements.get(credit_node_id)
        if credit is None:
            credit = movements[credit_node_id] = [0, 0, 0, 0]
        debit[0] += amount_minutes
        debit[1] += 1
        credit[2] += amount_minutes
        credit[3] += 1
        self._committed_count += 1
        self._committed_minutes += amount_minutes

    def _replayed_positions(self) -> dict[str, Position]:
        positions: dict[str, Position] = {}
        nodes = set(self._movements) | {node_id for node_id, closing in self.closings.items() if closing}
        for node_id in nodes:
            debits, debit_count, credits, credit_count = self._movements.get(node_id, NO_MOVEMENT)
            net = credits - debits
            closing = self.closings.get(node_id, 0) + net
            positions[node_id] = (debits, debit_count, credits, credit_count, net, closing)
        return positions

    def cycle_close(self, index: int, close: lpb.CycleClose, trusted: bool) -> None:
        cycle_id = self.last_closed + 1
        replayed = self._replayed_positions()
        logged = _logged_positions(close.positions)
        if trusted and not self.tainted:
            self._check_close(index, cycle_id, close, logged, replayed)
            self._close(cycle_id, replayed, True)
        elif trusted:
            # Closes may have been lost with the entries that tainted the replay: take the logged id.
            self.tainted = False
            self._close(max(cycle_id, close.cycle_id), logged, True)
        elif close.cycle_id == cycle_id and close.closed_at_micros > 0:
            # An altered close, still recognisably the close of the open cycle.
            self._close(cycle_id, replayed, False)

    def _check_close(
        self,
        index: int,
        cycle_id: int,
        close: lpb.CycleClose,
        logged: dict[str, Position],
        replayed: dict[str, Position],
    ) -> None:
        if close.cycle_id != cycle_id:
            self._report(index, f"cycle_id: got {close.cycle_id}, want {cycle_id} (cycles close in order from 1)")
        self._compare_positions(index, f"cycle {cycle_id} close", logged, replayed)
        net_sum = sum(position[4] for position in logged.values())
        if net_sum:
            self._report(index, f"cycle {cycle_id} close: the nets sum to {net_sum} minutes, want 0")
        totals = (close.committed_count, close.committed_minutes)
        if totals != (self._committed_count, self._committed_minutes):
            self._report(
                index,
                f"cycle {cycle_id} close: "
                + _differences(
                    ("committed_count", "committed_minutes"), totals, (self._committed_count, self._committed_minutes)
                ),
            )

    def _compare_positions(
        self, index: int, what: str, logged: dict[str, Position], replayed: dict[str, Position]
    ) -> None:
        for node_id in sorted(set(logged) | set(replayed)):
            got, want = logged.get(node_id, NO_POSITION), replayed.get(node_id, NO_POSITION)
            if got != want:
                self._report(index, f"{what}: node {node_id}: {_differences(POSITION_FIELDS, got, want)}")

    def _close(self, cycle_id: int, positions: dict[str, Position], reliable: bool) -> None:
        self.closings = {node_id: position[5] for node_id, position in positions.items()}
        self._cycles[cycle_id] = (positions, reliable)
        if len(self._cycles) > CYCLES_KEPT_MAX:
            del self._cycles[next(iter(self._cycles))]
        self.last_closed = cycle_id
        self._movements = {}
        self._committed_count = self._committed_minutes = 0

    def _closed_cycle(self, index: int, cycle_id: int, what: str, trusted: bool) -> dict[str, Position] | None:
        """The replayed positions of a closed cycle, when they can be relied on and are kept."""
        if not 0 < cycle_id <= self.last_closed:
            if trusted and not self.tainted:
                self._report(index, f"{what}: cycle {cycle_id} has not closed at this point of the log")
            return None
        positions, reliable = self._cycles.get(cycle_id, ({}, False))
        return positions if reliable else None

    def report(self, index: int, record: lpb.ReportRecord, trusted: bool) -> None:
        replayed = self._closed_cycle(index, record.cycle_id, f"report of cycle {record.cycle_id}", trusted)
        if replayed is not None and trusted:
            logged = _logged_positions(record.positions)
            self._compare_positions(index, f"report of cycle {record.cycle_id}", logged, replayed)

    def statement(self, index: int, statement: lpb.Statement, trusted: bool) -> None:
        what = f"statement of {statement.node_id} for cycle {statement.cycle_id} (page {statement.page})"
        replayed = self._closed_cycle(index, statement.cycle_id, what, trusted)
        if replayed is None or not trusted:
            return
        debits, debit_count, credits, credit_count, net, closing = replayed.get(statement.node_id, NO_POSITION)
        want = (closing - net, closing, debits, debit_count, credits, credit_count)
        got = (
            statement.opening_minutes,
            statement.closing_minutes,
            statement.debits_minutes,
            statement.debit_count,
            statement.credits_minutes,
            statement.credit_count,
        )
        if got != want:
            self._report(index, f"{what}: {_differences(STATEMENT_FIELDS, got, want)}")


def _logged_positions(positions: Iterable[lpb.NodePosition]) -> dict[str, Position]:
    return {
        position.node_id: (
            position.debits_minutes,
            position.debit_count,
            position.credits_minutes,
            position.credit_count,
            position.net_minutes,
            position.closing_minutes,
        )
        for position in positions
    }


class PostingReplay:
    """Posted balances and holds replayed from a node's log; its clearing balance checked."""

    def __init__(self, findings: Findings) -> None:
        self._findings = findings
        # account id (16 bytes) -> posted credits minus posted debits, in minutes.
        self.balances: dict[bytes, int] = {}
        # transfer id -> (debit account, credit account, held minutes), until posted or voided.
        self.holds: dict[bytes, tuple[bytes, bytes, int]] = {}
        self.statement_count = 0
        self.tainted = False
        self.broken = False

    @property
    def clearing_balance_minutes(self) -> int:
        return self.balances.get(CLEARING_ACCOUNT_ID, 0)

    def _move(self, debit_account_id: bytes, credit_account_id: bytes, amount_minutes: int) -> None:
        balances = self.balances
        balances[debit_account_id] = balances.get(debit_account_id, 0) - amount_minutes
        balances[credit_account_id] = balances.get(credit_account_id, 0) + amount_minutes

    def posting(self, index: int, posting: lpb.Posting) -> None:
        kind = posting.kind
        if kind == TransferKind.SINGLE_PHASE:
            self._move(posting.debit_account_id, posting.credit_account_id, posting.amount_minutes)
        elif kind == TransferKind.PENDING:
            self.holds[posting.transfer_id] = (
                posting.debit_account_id,
                posting.credit_account_id,
                posting.amount_minutes,
            )
        elif kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
            self._resolve(index, posting)
        else:
            self._findings.add(MALFORMED, index, f"posting kind: got {kind}, want 1, 2, 3 or 4")

    def _resolve(self, index: int, posting: lpb.Posting) -> None:
        action = "post" if posting.kind == TransferKind.POST_PENDING else "void"
        hold = self.holds.pop(posting.pending_id, None)
        if hold is None:
            if not self.broken:
                message = f"{action} of hold {posting.pending_id.hex()}, which is not held (never held, or resolved)"
                self._findings.add(REPLAY_MISMATCH, index, message)
            if action == "post":  # as the posting says, so the balances after it still mean something
                self._move(posting.debit_account_id, posting.credit_account_id, posting.amount_minutes)
            return
        if action == "void":
            return
        debit_account_id, credit_account_id, held_minutes = hold
        if posting.amount_minutes > held_minutes:
            message = (
                f"post of hold {posting.pending_id.hex()}: amount_minutes {posting.amount_minutes}, "
                f"more than the {held_minutes} held"
            )
            self._findings.add(REPLAY_MISMATCH, index, message)
        self._move(debit_account_id, credit_account_id, posting.amount_minutes)

    def statement_record(self, index: int, record: lpb.StatementRecord, trusted: bool) -> None:
        self.statement_count += 1
        logged, replayed = record.clearing_balance_minutes, self.clearing_balance_minutes
        if trusted and not self.tainted:
            if logged != replayed:
                message = f"clearing_balance_minutes {logged} in the log, {replayed} by replay of the postings"
                self._findings.add(REPLAY_MISMATCH, index, message)
        elif trusted:
            self.balances[CLEARING_ACCOUNT_ID] = logged
            self.tainted = False
