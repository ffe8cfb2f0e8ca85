"""The books on a real database, SQLite and PostgreSQL: writes, reads, halting, migrations."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from nodes import tables as node_tables
from tests.support.ledger import ISSUANCE, member, member_spec, move, post, transfer_id, void
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.errors import BatchTooLarge, LedgerHalted, NotFound, RequestInvalid
from timebank.ledger.model import Outcome, TransferKind, TransferState
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.storage.schema import refusals, transfers


def counts(books: Books) -> tuple[int, int]:
    with books.engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(transfers)).scalar_one(),
            connection.execute(select(func.count()).select_from(refusals)).scalar_one(),
        )


def test_migrations_match_the_schema(books: Books) -> None:
    with books.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), node_tables.metadata)
    assert differences == []


def test_transfers_persist_with_sequences_and_states(books: Books) -> None:
    books.create_accounts([member_spec(1), member_spec(2)])
    batch = books.submit(
        [
            move(1, ISSUANCE, member(1), 100),
            move(2, member(1), member(2), 30, kind=TransferKind.PENDING),
            post(3, 2, 20),
        ]
    )
    assert [r.outcome for r in batch.results] == [Outcome.OK] * 3
    sequences = [batch.stored[transfer_id(n)].sequence for n in (1, 2, 3)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert books.account(member(1)).balance_minutes == 80
    assert books.account(member(2)).balance_minutes == 20
    view = books.transfer(transfer_id(2))
    assert view.state == TransferState.POSTED and view.resolution.resolved_by_id == transfer_id(3)
    assert books.transfer(transfer_id(1)).state == TransferState.FINAL


def test_idempotency_survives_across_batches(books: Books) -> None:
    books.create_accounts([member_spec(1)])
    books.submit([move(1, ISSUANCE, member(1), 100)])
    again = books.submit([move(1, ISSUANCE, member(1), 100)])
    assert again.results[0].outcome == Outcome.EXISTS
    assert again.stored[transfer_id(1)].request.amount_minutes == 100
    assert books.account(member(1)).balance_minutes == 100
    different = books.submit([move(1, ISSUANCE, member(1), 101)]).results[0]
    assert different.outcome == Outcome.EXISTS_WITH_DIFFERENT_BODY
    assert counts(books) == (1, 0)


def test_a_refused_id_stays_refused_across_batches(books: Books) -> None:
    books.create_accounts([member_spec(1), member_spec(2)])
    refused = books.submit([move(1, member(1), member(2), 50)]).results[0]
    assert refused.outcome == Outcome.EXCEEDS_FLOOR
    books.submit([move(2, ISSUANCE, member(1), 100)])  # now there would be enough
    again = books.submit([move(1, member(1), member(2), 50)]).results[0]
    assert again.outcome == Outcome.ID_ALREADY_REFUSED
    assert books.account(member(2)).balance_minutes == 0


def test_statement_pages_carry_opening_and_closing_balances(books: Books) -> None:
    books.create_accounts([member_spec(1), member_spec(2)])
    books.submit([move(n, ISSUANCE, member(1), 10 * n) for n in range(1, 6)])
    books.submit(
        [
            move(6, member(1), member(2), 25),
            move(7, member(1), member(2), 5, kind=TransferKind.PENDING),
            void(8, 7),
        ]
    )
    pages, after = [], 0
    while True:
        page = books.statement(member(1), after, 3)
        pages.append(page)
        after = page.next_after_sequence
        if not after:
            break
    assert len(pages) == 3
    assert pages[0].opening_balance_minutes == 0
    for previous, following in zip(pages, pages[1:], strict=False):
        assert following.opening_balance_minutes == previous.closing_balance_minutes
    entries = [entry for page in pages for entry in page.entries]
    assert [e.posted_change_minutes for e in entries] == [10, 20, 30, 40, 50, -25, 0, 0]
    assert [e.pending_change_minutes for e in entries][-2:] == [5, -5]
    assert pages[-1].closing_balance_minutes == 125 == books.account(member(1)).balance_minutes
    # The other side of the same transfers, seen from member 2.
    other = books.statement(member(2), 0, 100)
    assert [e.posted_change_minutes for e in other.entries] == [25, 0, 0]


def test_statement_rejects_bad_paging(books: Books) -> None:
    books.create_accounts([member_spec(1)])
    with pytest.raises(RequestInvalid, match=r"page_size: got 5000, want 1..=1000"):
        books.statement(member(1), 0, 5000)
    with pytest.raises(RequestInvalid, match="after_sequence: got -1"):
        books.statement(member(1), -1, 10)
    with pytest.raises(NotFound, match="account_id: account"):
        books.statement(member(9), 0, 10)


def test_oversized_and_empty_batches_write_nothing(books: Books) -> None:
    books.create_accounts([member_spec(1)])
    too_many = [move(n, ISSUANCE, member(1), 1) for n in range(1, books.batch_size_max + 2)]
    with pytest.raises(BatchTooLarge, match=f"got {books.batch_size_max + 1} items, want at most"):
        books.submit(too_many)
    with pytest.raises(RequestInvalid, match="empty batch"):
        books.submit([])
    assert counts(books) == (0, 0)


def test_a_full_batch_is_one_transaction(books: Books) -> None:
    books.create_accounts([member_spec(1)])
    batch = books.submit([move(n, ISSUANCE, member(1), 1) for n in range(1, books.batch_size_max + 1)])
    assert all(r.outcome == Outcome.OK for r in batch.results)
    assert books.account(member(1)).balance_minutes == books.batch_size_max


def test_unbalanced_books_halt_all_writes(books: Books) -> None:
    books.create_accounts([member_spec(1)])
    books.submit([move(1, ISSUANCE, member(1), 100)])
    with write_transaction(books.engine) as connection:  # damage done behind the ledger's back
        connection.execute(
            text(
                f"UPDATE accounts SET credits_posted_minutes = credits_posted_minutes + 7 WHERE id = '{member(1):032x}'"
            )
        )
    with pytest.raises(LedgerHalted, match="debits posted 101 vs credits posted 108"):
        books.submit([move(2, ISSUANCE, member(1), 1)])
    assert counts(books) == (1, 0)  # the batch was rolled back
    with pytest.raises(LedgerHalted, match="refuses all writes"):
        books.create_accounts([member_spec(2)])
    assert books.halted_reason is not None
    assert books.account(member(1)).balance_minutes == 107  # reads still answer


def test_check_at_start_halts_unbalanced_books(books: Books) -> None:
    with write_transaction(books.engine) as connection:
        connection.execute(text(f"UPDATE accounts SET debits_pending_minutes = 3 WHERE id = '{ISSUANCE:032x}'"))
    books.check_balanced()
    assert "debits pending 3 vs credits pending 0" in (books.halted_reason or "")


def test_database_constraints_refuse_an_overdraft_written_directly(books: Books) -> None:
    from sqlalchemy.exc import IntegrityError

    books.create_accounts([member_spec(1)])
    with pytest.raises(IntegrityError), write_transaction(books.engine) as connection:
        connection.execute(text(f"UPDATE accounts SET debits_posted_minutes = 5 WHERE id = '{member(1):032x}'"))


def test_rules_and_database_disagreeing_halts_the_books(templates: Any, tmp_path: pathlib.Path) -> None:
    """A row that breaks the database's own constraint (written with checks off, which only
    SQLite allows) makes the database refuse what the rules accept: the books halt instead
    of retrying forever."""
    books = Books(create_database_engine(templates.new_sqlite(tmp_path)), FakeClock())
    books.create_system_accounts("test")
    books.create_accounts([member_spec(1, cap_minutes=100), member_spec(2)])
    books.submit([move(1, ISSUANCE, member(1), 100)])
    with write_transaction(books.engine) as connection:
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        connection.execute(text(f"UPDATE accounts SET cap_minutes = 50 WHERE id = '{member(1):032x}'"))
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    with pytest.raises(LedgerHalted, match="the database refused a batch the ledger rules accepted"):
        books.submit([move(2, member(1), member(2), 10)])
    assert "CHECK constraint failed" in (books.halted_reason or "")
    assert books.account(member(2)).balance_minutes == 0
    books.engine.dispose()
