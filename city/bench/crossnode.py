"""The cross-node figures of `timebank bench`: transfers between two nodes of a running city.

Owns the workload that drives a city (CrossNodeBench: one payer at an origin node with a
large deposit, a fresh payee at the counterparty for every run, transfer and account ids
from counters) and its figures: cross-node transfers ORIGIN -> COUNTERPARTY submitted in
batches of CROSS_BATCH_SIZE and timed until every one is committed at both nodes (with the
CPU of every party per settled transfer and the cores' busy share, city.bench.cpu), and the
latency of single cross-node transfers, one at a time, until committed at the origin (p50
and p99 by nearest rank, ms). The warm-up is a small one: a batch of
WARM_UP_CROSS_TRANSFERS and WARM_UP_LATENCY_TRANSFERS single transfers. The last transfer
of every batch is checked, untimed, to be COMMITTED at both nodes. city.bench.scaling
shares the same workload out over every node of a ring.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Sequence

from city.bench.cpu import city_meter
from city.bench.measure import (
    HOLDER_PREFIX,
    MILLISECONDS,
    BenchFailed,
    Figure,
    Sizes,
    TimedRun,
    Workload,
    measure,
    progress,
)
from city.running import RunningCity
from nodes.client import NodeClient
from timebank import ids
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "CITY_ACCOUNT_ID_BASE",
    "COUNTERPARTY",
    "CROSS_AMOUNT_MINUTES",
    "CROSS_BATCH_SIZE",
    "CROSS_DEADLINE_SECONDS",
    "cross_node_latencies",
    "cross_node_throughput",
    "CROSS_TRANSFER_ID_BASE",
    "CrossNodeBench",
    "ID_BLOCK_BITS",
    "ISSUANCE_ID",
    "LATENCY_POLL_SECONDS",
    "LOG_LINES_IN_FAILURE",
    "measure_cross_node",
    "ORIGIN",
    "PAYER_DEPOSIT_MINUTES",
    "percentile",
    "SETTLE_POLL_SECONDS",
    "spread_cross_node_throughput",
    "WARM_UP_CROSS_TRANSFERS",
    "WARM_UP_LATENCY_TRANSFERS",
]

ISSUANCE_ID = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
# The city of the cross-node figures: transfers from one payer at ORIGIN to payees at COUNTERPARTY.
ORIGIN, COUNTERPARTY = "shiqi", "dongqu"
CROSS_BATCH_SIZE = 1_000
CROSS_AMOUNT_MINUTES = 1
PAYER_DEPOSIT_MINUTES = 100_000_000
CROSS_DEADLINE_SECONDS = 120.0  # a run fails if its transfers are not all committed by then
SETTLE_POLL_SECONDS = 0.1  # balance polls while a throughput run settles (each one costs the node)
LATENCY_POLL_SECONDS = 0.002  # GetCrossNodeTransfer polls while one transfer settles
WARM_UP_CROSS_TRANSFERS = 50
WARM_UP_LATENCY_TRANSFERS = 3
CITY_ACCOUNT_ID_BASE = 0xBE4D << 112
CROSS_TRANSFER_ID_BASE = 0x7E << 112
ID_BLOCK_BITS = 64  # a bench's id_block shifts its transfer and account counters this far
LOG_LINES_IN_FAILURE = 4


class CrossNodeBench:
    """Drives the city: one payer at origin (ORIGIN unless given) with a large deposit, a fresh
    payee at counterparty (COUNTERPARTY) for every run, transfer and account ids from counters
    (unique in this city; benches of one city each take their own id_block)."""

    def __init__(
        self, city: RunningCity, origin: str = ORIGIN, counterparty: str = COUNTERPARTY, id_block: int = 0
    ) -> None:
        self.city = city
        self.origin_id, self.counterparty_id = origin, counterparty
        self.origin = city.client(origin)
        self.counterparty = city.client(counterparty)
        self._transfer_numbers = itertools.count(CROSS_TRANSFER_ID_BASE + (id_block << ID_BLOCK_BITS) + 1)
        self._account_numbers = itertools.count(CITY_ACCOUNT_ID_BASE + (id_block << ID_BLOCK_BITS) + 1)
        self.payer_debits_expected_minutes = 0  # what the payer's committed transfers debit
        self.to_verify: list[bytes] = []  # the last transfer of each batch: checked at both nodes
        self.payer = self._create_account(self.origin, "payer")
        deposit = pb.Transfer(
            id=self._next_transfer_id(),
            kind=pb.TRANSFER_KIND_SINGLE_PHASE,
            debit_account_id=ids.to_bytes(ISSUANCE_ID),
            credit_account_id=self.payer,
            amount_minutes=PAYER_DEPOSIT_MINUTES,
            memo="bench deposit",
        )
        self.origin.submit_transfer(deposit)  # a refusal is a gRPC error

    def _next_transfer_id(self) -> bytes:
        return ids.to_bytes(next(self._transfer_numbers))

    def _create_account(self, client: NodeClient, holder: str) -> bytes:
        account = ids.to_bytes(next(self._account_numbers))
        request = pb.Account(id=account, kind=pb.ACCOUNT_KIND_MEMBER, holder=f"{HOLDER_PREFIX} {holder}")
        _expect_accepted(client.create_accounts([request]).results, f"create the {holder} account")
        return account

    def new_payee(self) -> bytes:
        return self._create_account(self.counterparty, "payee")

    def transfers(self, payee: bytes, count: int) -> list[pb.CrossNodeTransfer]:
        return [
            pb.CrossNodeTransfer(
                id=self._next_transfer_id(),
                local_account_id=self.payer,
                remote_node_id=self.counterparty_id,
                remote_account_id=payee,
                amount_minutes=CROSS_AMOUNT_MINUTES,
                memo="bench",
            )
            for _ in range(count)
        ]

    def submit(self, items: list[pb.CrossNodeTransfer]) -> None:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=items)
        response = self.origin.call(self.origin.stub.SubmitCrossNodeTransfers, request)
        _expect_accepted(response.results, "SubmitCrossNodeTransfers")
        self.payer_debits_expected_minutes += sum(item.amount_minutes for item in items)

    def wait_settled(self, payee: bytes, payee_expected_minutes: int, deadline: float) -> None:
        """Until the payee's balance at COUNTERPARTY and the payer's posted debits at ORIGIN are
        exactly what every transfer committed gives (an abort would never get there)."""
        payee_done = payer_done = False
        for _ in range(int(CROSS_DEADLINE_SECONDS / SETTLE_POLL_SECONDS) + 1):
            if not payee_done:
                payee_minutes = self.counterparty.get_account(payee).balance_minutes
                payee_done = payee_minutes == payee_expected_minutes
            if not payer_done:
                payer = self.origin.get_account(self.payer).account
                payer_done = (
                    payer.debits_posted_minutes == self.payer_debits_expected_minutes
                    and payer.debits_pending_minutes == 0
                )
            if payee_done and payer_done:
                return
            if time.perf_counter() > deadline:
                break
            time.sleep(SETTLE_POLL_SECONDS)
        raise BenchFailed(
            f"cross-node transfers not all committed within {CROSS_DEADLINE_SECONDS:.0f} s: the payee at "
            f"{self.counterparty_id} has {payee_minutes} of {payee_expected_minutes} min; the payer at "
            f"{self.origin_id} "
            f"has {payer.debits_posted_minutes} of {self.payer_debits_expected_minutes} min debited and "
            f"{payer.debits_pending_minutes} min still held{_log_tails(self.city)}"
        )

    def wait_committed_at_origin(self, transfer_id: bytes, deadline: float) -> None:
        request = pb.GetCrossNodeTransferRequest(id=transfer_id)
        for _ in range(int(CROSS_DEADLINE_SECONDS / LATENCY_POLL_SECONDS) + 1):
            view = self.origin.call(self.origin.stub.GetCrossNodeTransfer, request)
            if view.state == pb.CROSS_NODE_STATE_COMMITTED:
                return
            if view.state == pb.CROSS_NODE_STATE_ABORTED:
                raise BenchFailed(f"cross-node transfer {transfer_id.hex()} aborted at {self.origin_id}: {view.reason}")
            if time.perf_counter() > deadline:
                break
            time.sleep(LATENCY_POLL_SECONDS)
        raise BenchFailed(
            f"cross-node transfer {transfer_id.hex()} not committed at {self.origin_id} within the run's "
            f"{CROSS_DEADLINE_SECONDS:.0f} s ({_state_name(view.state)}){_log_tails(self.city)}"
        )

    def verify_committed(self) -> None:
        """Untimed: every recorded transfer is COMMITTED at both nodes."""
        for transfer_id in self.to_verify:
            request = pb.GetCrossNodeTransferRequest(id=transfer_id)
            for node_id, client in ((self.origin_id, self.origin), (self.counterparty_id, self.counterparty)):
                view = client.call(client.stub.GetCrossNodeTransfer, request)
                if view.state != pb.CROSS_NODE_STATE_COMMITTED:
                    raise BenchFailed(
                        f"cross-node transfer {transfer_id.hex()} at {node_id}: "
                        f"{_state_name(view.state)} ({view.reason}), want COMMITTED"
                    )
        self.to_verify.clear()


def _state_name(state: int) -> str:
    return pb.CrossNodeState.Name(state).removeprefix("CROSS_NODE_STATE_")


def _expect_accepted(results: Iterable[pb.ItemResult], what: str) -> None:
    for result in results:
        if result.outcome not in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):  # EXISTS: a retried call
            raise BenchFailed(f"{what}: {pb.Outcome.Name(result.outcome)}: {result.detail}")


def _log_tails(city: RunningCity) -> str:
    """The last lines of every party's log, for a failure message (the city's folder is removed)."""
    parts = []
    for party in [city.clearinghouse, *city.nodes.values()]:
        try:
            lines = party.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as error:
            lines = [f"(unreadable: {error})"]
        tail = "\n    ".join(lines[-LOG_LINES_IN_FAILURE:])
        parts.append(f"\n  {party.log_path.parent.name}/{party.log_path.name}:\n    {tail}")
    return "; the parties' logs end:" + "".join(parts)


def _batch_sizes(count: int, batch_size: int) -> list[int]:
    return [min(batch_size, count - start) for start in range(0, count, batch_size)]


def cross_node_throughput(bench: CrossNodeBench, count: int) -> Workload:
    """`count` transfers in batches of CROSS_BATCH_SIZE to a fresh payee, timed from the first
    submit until every one is committed at both nodes."""
    return spread_cross_node_throughput((bench,), count)


def spread_cross_node_throughput(benches: Sequence[CrossNodeBench], count: int) -> Workload:
    """`count` transfers shared out over the benches (each its own payer, and a fresh payee per run),
    all submitted before any is waited for; timed until every one is committed at both its nodes."""

    def prepare() -> TimedRun:
        shares = [count // len(benches) + (number < count % len(benches)) for number in range(len(benches))]
        work = []
        for bench, share in zip(benches, shares, strict=True):
            payee = bench.new_payee()
            batches = [bench.transfers(payee, size) for size in _batch_sizes(share, CROSS_BATCH_SIZE)]
            bench.to_verify.extend(batch[-1].id for batch in batches)
            work.append((bench, payee, share, batches))

        def timed_run() -> int:
            deadline = time.perf_counter() + CROSS_DEADLINE_SECONDS
            for bench, _payee, _share, batches in work:
                for batch in batches:
                    bench.submit(batch)
            for bench, payee, share, _batches in work:
                bench.wait_settled(payee, share * CROSS_AMOUNT_MINUTES, deadline)
            return count

        return timed_run

    return prepare


def cross_node_latencies(bench: CrossNodeBench, count: int) -> list[float]:
    """`count` transfers one at a time, each timed in ms from its submit until committed at ORIGIN."""
    items = bench.transfers(bench.new_payee(), count)
    latencies = []
    deadline = time.perf_counter() + CROSS_DEADLINE_SECONDS
    for item in items:
        started = time.perf_counter()
        bench.submit([item])
        bench.wait_committed_at_origin(item.id, deadline)
        latencies.append((time.perf_counter() - started) * 1_000)
    bench.to_verify.append(items[-1].id)
    return latencies


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least fraction of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure_cross_node(bench: CrossNodeBench, sizes: Sizes) -> tuple[Figure, ...]:
    """Throughput (with the CPU of every party per settled transfer), then latency p50 and p99."""
    repetitions = sizes.cross_node_repetitions
    meter = city_meter(bench.city)
    throughput = measure(
        "cross_node_transfers_per_second",
        f"cross-node transfers settled at both nodes (batches of {CROSS_BATCH_SIZE:,})",
        cross_node_throughput(bench, sizes.cross_node_transfers),
        repetitions,
        warm_up=cross_node_throughput(bench, WARM_UP_CROSS_TRANSFERS),
        observer=meter,
    )
    cpu = meter.figures(
        "cross_node_cpu_microseconds_per_transfer",
        "CPU per cross-node transfer",
        ("cross_node_busy_cores_percent", "cores busy (whole machine), cross-node transfers"),
    )
    started = time.perf_counter()
    cross_node_latencies(bench, WARM_UP_LATENCY_TRANSFERS)
    runs = [cross_node_latencies(bench, sizes.cross_node_latency_transfers) for _ in range(repetitions)]
    p50, p99 = (
        Figure(
            f"cross_node_latency_p{number}_ms",
            f"cross-node latency to commit at origin, p{number}",
            tuple(percentile(run, number / 100) for run in runs),
            MILLISECONDS,
        )
        for number in (50, 99)
    )
    elapsed_seconds = time.perf_counter() - started
    progress(p50, elapsed_seconds)
    progress(p99, elapsed_seconds)
    bench.verify_committed()
    return throughput, *cpu, p50, p99
