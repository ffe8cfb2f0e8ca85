"""Many concurrent writers on one account near its floor: the exact number of successes and
never an overdraft, on SQLite and PostgreSQL, through separate engines and over gRPC."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import text

from nodes.client import NodeClient
from nodes.server import RunningNode
from tests.support.ledger import ISSUANCE, member, member_spec, move, transfer_id
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.credentials import Credential
from timebank.ledger.model import Outcome, TransferKind
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.v1 import ledger_pb2 as pb

WRITERS = 6
ATTEMPTS_PER_WRITER = 12
AMOUNT_MINUTES = 7
START_MINUTES = 200  # 28 transfers of 7 fit (196); the 29th must be refused


def run_writers(work: Callable[[int], None]) -> None:
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            work(number)
        except BaseException as error:  # reported below, with the thread's error
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer did not finish"
    assert not failures, failures


def test_separate_engines_never_overdraw(books: Books, database_url: str) -> None:
    books.create_accounts([member_spec(1), member_spec(2)])
    books.submit([move(1, ISSUANCE, member(1), START_MINUTES)])
    outcomes: Counter[Outcome] = Counter()
    lock = threading.Lock()

    def work(number: int) -> None:
        engine = create_database_engine(database_url)  # its own pool, as another process would
        try:
            writer_books = Books(engine, FakeClock())
            for attempt in range(ATTEMPTS_PER_WRITER):
                serial = 1_000 + number * 100 + attempt
                kind = TransferKind.PENDING if attempt % 3 == 0 else TransferKind.SINGLE_PHASE
                result = writer_books.submit([move(serial, member(1), member(2), AMOUNT_MINUTES, kind=kind)]).results[0]
                with lock:
                    outcomes[result.outcome] += 1
        finally:
            engine.dispose()

    run_writers(work)
    expected_successes = START_MINUTES // AMOUNT_MINUTES
    assert outcomes[Outcome.OK] == expected_successes
    assert outcomes[Outcome.EXCEEDS_FLOOR] == WRITERS * ATTEMPTS_PER_WRITER - expected_successes
    payer = books.account(member(1))
    assert payer.available_minutes == START_MINUTES - expected_successes * AMOUNT_MINUTES
    assert payer.balance_minutes - payer.debits_pending_minutes >= 0
    payee = books.account(member(2))
    assert payee.balance_minutes + payee.credits_pending_minutes == expected_successes * AMOUNT_MINUTES


def test_concurrent_clients_over_grpc_never_overdraw(
    node: RunningNode, node_address: str, administrator: Credential
) -> None:
    def raw(value: int) -> bytes:
        return value.to_bytes(16, "big")

    with NodeClient(node_address, credential=administrator) as setup:
        setup.create_accounts(
            [pb.Account(id=raw(member(n)), kind=pb.ACCOUNT_KIND_MEMBER, holder=f"m{n}") for n in (1, 2)]
        )
        setup.submit_transfer(
            pb.Transfer(
                id=raw(transfer_id(1)),
                kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                debit_account_id=raw(ISSUANCE),
                credit_account_id=raw(member(1)),
                amount_minutes=START_MINUTES,
            )
        )
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def work(number: int) -> None:
        with NodeClient(node_address, credential=administrator) as client:
            for attempt in range(ATTEMPTS_PER_WRITER):
                # Two transfers per batch: each batch is one transaction racing the others.
                batch = [
                    pb.Transfer(
                        id=raw(transfer_id(10_000 + number * 1000 + attempt * 2 + k)),
                        kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                        debit_account_id=raw(member(1)),
                        credit_account_id=raw(member(2)),
                        amount_minutes=AMOUNT_MINUTES,
                    )
                    for k in range(2)
                ]
                results = client.submit_transfers(batch).results
                with lock:
                    outcomes.update(r.outcome for r in results)

    run_writers(work)
    expected_successes = START_MINUTES // AMOUNT_MINUTES
    assert outcomes[pb.OUTCOME_OK] == expected_successes
    assert outcomes[pb.OUTCOME_EXCEEDS_FLOOR] == 2 * WRITERS * ATTEMPTS_PER_WRITER - expected_successes
    with NodeClient(node_address, credential=administrator) as client:
        assert client.get_account(raw(member(1))).balance_minutes == START_MINUTES % AMOUNT_MINUTES
        assert client.get_account(raw(member(2))).balance_minutes == expected_successes * AMOUNT_MINUTES


@pytest.mark.parametrize("writers", [WRITERS])
def test_concurrent_retries_of_one_id_apply_once(books: Books, database_url: str, writers: int) -> None:
    books.create_accounts([member_spec(1)])
    outcomes: Counter[Outcome] = Counter()
    lock = threading.Lock()

    def work(number: int) -> None:
        engine = create_database_engine(database_url)
        try:
            result = Books(engine, FakeClock()).submit([move(1, ISSUANCE, member(1), 45)]).results[0]
            with lock:
                outcomes[result.outcome] += 1
        finally:
            engine.dispose()

    run_writers(work)
    assert outcomes == Counter({Outcome.OK: 1, Outcome.EXISTS: writers - 1})
    assert books.account(member(1)).balance_minutes == 45


def test_a_read_does_not_wait_for_a_writer(books: Books) -> None:
    """While one writer holds its transaction open, a read answers at once from the last
    commit; a second writer waits for the first (SQLite: BEGIN IMMEDIATE only for writes)."""
    engine = books.engine
    writer_holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first_writer() -> None:
        with write_transaction(engine) as connection:
            connection.execute(text("SELECT 1"))
            writer_holding.set()
            release.wait(timeout=30)
            order.append("first committed")

    def second_writer() -> None:
        with write_transaction(engine):
            order.append("second began")

    threads = [threading.Thread(target=first_writer)]
    threads[0].start()
    assert writer_holding.wait(timeout=30)
    started = time.perf_counter()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    read_seconds = time.perf_counter() - started
    threads.append(threading.Thread(target=second_writer))
    threads[1].start()
    time.sleep(0.2)  # long enough for the second writer to begin, were it not held up
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert read_seconds < 5, f"a read waited {read_seconds:.1f} s for a writer"
    expected_order = ["first committed", "second began"]
    if engine.dialect.name == "sqlite":  # PostgreSQL writers lock rows, not the database
        assert order == expected_order
