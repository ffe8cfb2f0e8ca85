"""Reads and writes of the ledger's rows for one batch; the caller owns the transaction.

A write batch is: prefetch and lock everything the batch can touch (`load_view`), let the
pure rules decide, then write the decision in bulk (`write_decision`). On PostgreSQL the
accounts are locked FOR UPDATE in id order before anything that depends on them is read,
so concurrent batches on one account are serialised and never deadlock. On SQLite the
whole write transaction holds the database's write lock (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, bindparam, func, insert, select, union_all, update

from timebank import ids
from timebank.ledger.model import (
    Account,
    AccountKind,
    AccountSpec,
    Outcome,
    Refusal,
    Resolution,
    StoredTransfer,
    TransferKind,
    TransferRequest,
    TransferState,
)
from timebank.ledger.rules import BatchDecision, LedgerView
from timebank.storage.schema import accounts, outbox, pending_resolutions, refusals, statements, transfers

__all__ = [
    "BooksTotals",
    "IN_LIST_SIZE_MAX",
    "account_from_row",
    "account_row",
    "acknowledge_outbox",
    "balance_before",
    "books_totals",
    "chunks",
    "insert_accounts",
    "load_view",
    "lock_accounts",
    "read_account",
    "read_accounts",
    "read_resolutions",
    "read_transfers",
    "rows_where_in",
    "statement_pages",
    "statement_rows",
    "transfer_from_row",
    "update_accounts",
    "write_decision",
]

# Bound on the number of ids in one IN (...) list; larger sets are read in chunks.
IN_LIST_SIZE_MAX = 900
T = TypeVar("T")


# ---------------------------------------------------------------------------------------
# Row conversion


def account_row(account: Account) -> dict[str, object]:
    spec = account.spec
    return {
        "id": ids.to_hex(spec.id),
        "kind": int(spec.kind),
        "holder": spec.holder,
        "no_floor": spec.no_floor,
        "floor_minutes": spec.floor_minutes,
        "cap_minutes": spec.cap_minutes,
        "closed": account.closed,
        "debits_posted_minutes": account.debits_posted_minutes,
        "credits_posted_minutes": account.credits_posted_minutes,
        "debits_pending_minutes": account.debits_pending_minutes,
        "credits_pending_minutes": account.credits_pending_minutes,
        "created_at_micros": account.created_at_micros,
    }


def account_from_row(row: Row[Any]) -> Account:
    spec = AccountSpec(
        id=ids.from_hex(row.id),
        kind=AccountKind(row.kind),
        holder=row.holder,
        no_floor=bool(row.no_floor),
        floor_minutes=row.floor_minutes,
        cap_minutes=row.cap_minutes,
    )
    return Account(
        spec=spec,
        closed=bool(row.closed),
        debits_posted_minutes=row.debits_posted_minutes,
        credits_posted_minutes=row.credits_posted_minutes,
        debits_pending_minutes=row.debits_pending_minutes,
        credits_pending_minutes=row.credits_pending_minutes,
        created_at_micros=row.created_at_micros,
    )


def _request_columns(request: TransferRequest) -> dict[str, object]:
    return {
        "id": ids.to_hex(request.id),
        "kind": int(request.kind),
        "debit_account_id": ids.to_hex(request.debit_account_id),
        "credit_account_id": ids.to_hex(request.credit_account_id),
        "amount_minutes": request.amount_minutes,
        "pending_id": ids.to_hex(request.pending_id) if request.pending_id else None,
        "reverses_id": ids.to_hex(request.reverses_id) if request.reverses_id else None,
        "memo": request.memo,
    }


def _request_from_row(row: Row[Any]) -> TransferRequest:
    return TransferRequest(
        id=ids.from_hex(row.id),
        kind=TransferKind(row.kind),
        debit_account_id=ids.from_hex(row.debit_account_id),
        credit_account_id=ids.from_hex(row.credit_account_id),
        amount_minutes=row.amount_minutes,
        pending_id=ids.from_hex(row.pending_id),
        reverses_id=ids.from_hex(row.reverses_id),
        memo=row.memo,
    )


def transfer_from_row(row: Row[Any]) -> StoredTransfer:
    return StoredTransfer(
        request=_request_from_row(row),
        created_at_micros=row.created_at_micros,
        debit_balance_after_minutes=row.debit_balance_after_minutes,
        credit_balance_after_minutes=row.credit_balance_after_minutes,
        sequence=row.sequence,
    )


def chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    """values in slices of at most IN_LIST_SIZE_MAX, for bounded IN (...) lists."""
    for start in range(0, len(values), IN_LIST_SIZE_MAX):
        yield values[start : start + IN_LIST_SIZE_MAX]


# ---------------------------------------------------------------------------------------
# Batch reads and writes


def load_view(connection: Connection, requests: Sequence[TransferRequest]) -> LedgerView:
    """Prefetches (and on PostgreSQL locks) every row the batch can touch."""
    referenced = {r.pending_id for r in requests if r.pending_id}
    referenced |= {r.reverses_id for r in requests if r.reverses_id}
    known = read_transfers(connection, referenced)
    account_ids = {r.debit_account_id for r in requests} | {r.credit_account_id for r in requests}
    for stored in known.values():
        account_ids |= {stored.request.debit_account_id, stored.request.credit_account_id}
    locked = lock_accounts(connection, account_ids - {0})
    # Read after the locks: what depends on the locked accounts is now stable.
    batch_ids = {r.id for r in requests}
    known.update(read_transfers(connection, batch_ids))
    return LedgerView(
        accounts=locked,
        transfers=known,
        refusals=_read_refusals(connection, batch_ids),
        resolutions=read_resolutions(connection, referenced),
        reversed_minutes=_read_reversed(connection, {r.reverses_id for r in requests} - {0}),
    )


def rows_where_in(
    connection: Connection, column: Any, wanted: Iterable[int], *conditions: Any, for_update: bool = False
) -> Iterator[Row[Any]]:
    """The rows whose id column is one of the wanted ids (and that meet conditions), read in
    bounded IN lists, in id order."""
    keys = sorted({ids.to_hex(value) for value in wanted if value})
    for chunk in chunks(keys):
        statement = select(column.table).where(column.in_(chunk), *conditions).order_by(column)
        yield from connection.execute(statement.with_for_update() if for_update else statement)


def acknowledge_outbox(connection: Connection, recipient_id: str, item_ids: Iterable[int], now_micros: int) -> None:
    """Marks items to a recipient acknowledged (in bounded IN lists): they are not sent again."""
    for chunk in chunks([ids.to_hex(value) for value in item_ids]):
        connection.execute(
            update(outbox)
            .where(
                outbox.c.recipient_id == recipient_id,
                outbox.c.item_id.in_(chunk),
                outbox.c.acknowledged_at_micros.is_(None),
            )
            .values(acknowledged_at_micros=now_micros)
        )


def statement_pages(connection: Connection, node_id: str, cycle_id: int) -> list[bytes]:
    """The stored pages (SignedStatement bytes) of a node's statement of a cycle, in page order."""
    rows = connection.execute(
        select(statements.c.signed)
        .where(statements.c.node_id == node_id, statements.c.cycle_id == cycle_id)
        .order_by(statements.c.page)
    )
    return [bytes(signed) for (signed,) in rows]


def lock_accounts(connection: Connection, account_ids: Iterable[int]) -> dict[int, Account]:
    """Reads accounts, locking them FOR UPDATE in id order (PostgreSQL; SQLite holds the database)."""
    rows = rows_where_in(connection, accounts.c.id, account_ids, for_update=True)
    return {account.id: account for account in map(account_from_row, rows)}


def read_accounts(connection: Connection, account_ids: Iterable[int]) -> dict[int, Account]:
    rows = rows_where_in(connection, accounts.c.id, account_ids)
    return {account.id: account for account in map(account_from_row, rows)}


def read_transfers(connection: Connection, transfer_ids: Iterable[int]) -> dict[int, StoredTransfer]:
    rows = rows_where_in(connection, transfers.c.id, transfer_ids)
    return {stored.id: stored for stored in map(transfer_from_row, rows)}


def read_resolutions(connection: Connection, pending_ids: Iterable[int]) -> dict[int, Resolution]:
    found: dict[int, Resolution] = {}
    for row in rows_where_in(connection, pending_resolutions.c.pending_id, pending_ids):
        pending_id = ids.from_hex(row.pending_id)
        found[pending_id] = Resolution(pending_id, ids.from_hex(row.resolved_by_id), TransferState(row.state))
    return found


def _read_refusals(connection: Connection, transfer_ids: Iterable[int]) -> dict[int, Refusal]:
    found: dict[int, Refusal] = {}
    for row in rows_where_in(connection, refusals.c.id, transfer_ids):
        request = _request_from_row(row)
        found[request.id] = Refusal(request, Outcome(row.outcome), row.detail)
    return found


def _read_reversed(connection: Connection, original_ids: Iterable[int]) -> dict[int, int]:
    keys = sorted(ids.to_hex(value) for value in original_ids)
    found: dict[int, int] = {}
    for chunk in chunks(keys):
        statement = (
            select(transfers.c.reverses_id, func.sum(transfers.c.amount_minutes))
            .where(transfers.c.reverses_id.in_(chunk))
            .group_by(transfers.c.reverses_id)
        )
        for original, total in connection.execute(statement):
            found[ids.from_hex(original)] = int(total)
    return found


def write_decision(connection: Connection, decision: BatchDecision, now_micros: int) -> list[StoredTransfer]:
    """Writes a decision in bulk; returns the new transfers with their sequence numbers."""
    stored: list[StoredTransfer] = []
    if decision.transfers:
        rows = [
            {
                **_request_columns(t.request),
                "created_at_micros": t.created_at_micros,
                "debit_balance_after_minutes": t.debit_balance_after_minutes,
                "credit_balance_after_minutes": t.credit_balance_after_minutes,
            }
            for t in decision.transfers
        ]
        statement = insert(transfers).returning(transfers.c.sequence, sort_by_parameter_order=True)
        sequences = connection.execute(statement, rows).scalars().all()
        stored = [
            StoredTransfer(
                t.request,
                t.created_at_micros,
                t.debit_balance_after_minutes,
                t.credit_balance_after_minutes,
                sequence,
            )
            for t, sequence in zip(decision.transfers, sequences, strict=True)
        ]
    if decision.accounts:
        _update_totals(connection, decision.accounts.values())
    if decision.resolutions:
        connection.execute(
            insert(pending_resolutions),
            [
                {
                    "pending_id": ids.to_hex(r.pending_id),
                    "resolved_by_id": ids.to_hex(r.resolved_by_id),
                    "state": int(r.state),
                }
                for r in decision.resolutions
            ],
        )
    if decision.refusals:
        connection.execute(
            insert(refusals),
            [
                {
                    **_request_columns(r.request),
                    "outcome": int(r.outcome),
                    "detail": r.detail,
                    "created_at_micros": now_micros,
                }
                for r in decision.refusals
            ],
        )
    return stored


def _update_totals(connection: Connection, changed: Iterable[Account]) -> None:
    statement = (
        update(accounts)
        .where(accounts.c.id == bindparam("key"))
        .values(
            debits_posted_minutes=bindparam("debits_posted"),
            credits_posted_minutes=bindparam("credits_posted"),
            debits_pending_minutes=bindparam("debits_pending"),
            credits_pending_minutes=bindparam("credits_pending"),
            closed=bindparam("is_closed"),
        )
    )
    connection.execute(
        statement,
        [
            {
                "key": ids.to_hex(a.id),
                "debits_posted": a.debits_posted_minutes,
                "credits_posted": a.credits_posted_minutes,
                "debits_pending": a.debits_pending_minutes,
                "credits_pending": a.credits_pending_minutes,
                "is_closed": a.closed,
            }
            for a in changed
        ],
    )


def insert_accounts(connection: Connection, created: Sequence[Account]) -> None:
    if created:
        connection.execute(insert(accounts), [account_row(a) for a in created])


def update_accounts(connection: Connection, changed: Sequence[Account]) -> None:
    if changed:
        _update_totals(connection, changed)


# ---------------------------------------------------------------------------------------
# Books


@dataclass(frozen=True)
class BooksTotals:
    debits_posted_minutes: int
    credits_posted_minutes: int
    debits_pending_minutes: int
    credits_pending_minutes: int

    @property
    def balanced(self) -> bool:
        return (
            self.debits_posted_minutes == self.credits_posted_minutes
            and self.debits_pending_minutes == self.credits_pending_minutes
        )

    def describe(self) -> str:
        return (
            f"debits posted {self.debits_posted_minutes} vs credits posted "
            f"{self.credits_posted_minutes}; debits pending {self.debits_pending_minutes} vs "
            f"credits pending {self.credits_pending_minutes} (minutes)"
        )


def books_totals(connection: Connection) -> BooksTotals:
    row = connection.execute(
        select(
            func.coalesce(func.sum(accounts.c.debits_posted_minutes), 0),
            func.coalesce(func.sum(accounts.c.credits_posted_minutes), 0),
            func.coalesce(func.sum(accounts.c.debits_pending_minutes), 0),
            func.coalesce(func.sum(accounts.c.credits_pending_minutes), 0),
        )
    ).one()
    return BooksTotals(*(int(value) for value in row))


# ---------------------------------------------------------------------------------------
# Queries


def read_account(connection: Connection, account_id: int) -> Account | None:
    row = connection.execute(select(accounts).where(accounts.c.id == ids.to_hex(account_id))).first()
    return account_from_row(row) if row else None


def statement_rows(
    connection: Connection, account_id: int, after_sequence: int, page_size: int
) -> list[StoredTransfer]:
    """Up to page_size + 1 transfers of one account after a sequence, in ledger order."""
    key = ids.to_hex(account_id)
    sides = [
        select(transfers)
        .where(column == key, transfers.c.sequence > after_sequence)
        .order_by(transfers.c.sequence)
        .limit(page_size + 1)
        for column in (transfers.c.debit_account_id, transfers.c.credit_account_id)
    ]
    both = union_all(*(side.subquery().select() for side in sides)).subquery()
    statement = select(both).order_by(both.c.sequence).limit(page_size + 1)
    return [transfer_from_row(row) for row in connection.execute(statement)]


def balance_before(connection: Connection, account_id: int, sequence: int) -> int:
    """The account's posted balance after its last transfer at or before a sequence."""
    key = ids.to_hex(account_id)
    candidates = []
    for column, balance in (
        (transfers.c.debit_account_id, transfers.c.debit_balance_after_minutes),
        (transfers.c.credit_account_id, transfers.c.credit_balance_after_minutes),
    ):
        row = connection.execute(
            select(transfers.c.sequence, balance.label("balance"))
            .where(column == key, transfers.c.sequence <= sequence)
            .order_by(transfers.c.sequence.desc())
            .limit(1)
        ).first()
        if row is not None:
            candidates.append((row.sequence, row.balance))
    return max(candidates)[1] if candidates else 0
