"""The books of one party: the transactional service around the pure ledger rules.

Owns the transaction of every ledger request: open it, prefetch and lock, let the
pure rules decide, write, check that the books still balance, commit. One transaction
per batch. Used by ledger nodes (and by the clearinghouse for its own books).

Invariant kept: after every batch total debits equal total credits, posted and
pending. If they ever do not, the batch is rolled back, the books halt, and every
later write is refused with the reason (LedgerHalted) until an operator intervenes.
Must not: know about protobuf or gRPC, read the clock other than through `clock`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from timebank import ids, seams
from timebank.clock import Clock
from timebank.errors import (
    BatchTooLarge,
    ItemRefused,
    LedgerHalted,
    NotFound,
    RequestInvalid,
    StorageUnavailable,
)
from timebank.ledger import rules
from timebank.ledger.model import (
    BATCH_SIZE_MAX,
    SYSTEM_ACCOUNT_IDS,
    UNBOUNDED_KINDS,
    Account,
    AccountSpec,
    ItemResult,
    Outcome,
    Resolution,
    StoredTransfer,
    TransferKind,
    TransferRequest,
    TransferState,
)
from timebank.storage import ledger_store as store
from timebank.storage.engine import read_transaction, write_transaction

__all__ = [
    "BatchResult",
    "Books",
    "STATEMENT_PAGE_DEFAULT",
    "STATEMENT_PAGE_MAX",
    "Statement",
    "StatementEntry",
    "TransferView",
    "WRITE_ATTEMPTS_MAX",
]

STATEMENT_PAGE_MAX = 1_000
STATEMENT_PAGE_DEFAULT = 100
WRITE_ATTEMPTS_MAX = 5

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchResult:
    results: tuple[ItemResult, ...]
    # The stored transfer of every item that is OK or EXISTS, by id.
    stored: dict[int, StoredTransfer]


@dataclass(frozen=True)
class TransferView:
    stored: StoredTransfer
    state: TransferState
    resolution: Resolution | None


@dataclass(frozen=True)
class StatementEntry:
    transfer: TransferView
    posted_change_minutes: int
    pending_change_minutes: int
    balance_after_minutes: int


@dataclass(frozen=True)
class Statement:
    account: Account
    opening_balance_minutes: int
    entries: tuple[StatementEntry, ...]
    closing_balance_minutes: int
    next_after_sequence: int  # 0 on the last page


class _Unbalanced(Exception):
    pass


class Books:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        batch_size_max: int = BATCH_SIZE_MAX,
        statement_page_max: int = STATEMENT_PAGE_MAX,
        on_halt: Callable[[str], None] | None = None,
        journal: Callable[[Connection, Sequence[StoredTransfer]], None] | None = None,
        fence: Callable[[Connection], None] | None = None,
    ) -> None:
        # Called in the same transaction with every transfer written (a node logs them).
        self.journal = journal
        # Called last in every write transaction: raises to void the write (an active
        # clearinghouse's term, clearinghouse.leadership).
        self.fence = fence
        self.engine = engine
        self.clock = clock
        self.batch_size_max = batch_size_max
        self.statement_page_max = statement_page_max
        self._on_halt = on_halt
        self._halted_reason: str | None = None
        self._halt_lock = threading.Lock()

    # -- health ---------------------------------------------------------------------------

    @property
    def halted_reason(self) -> str | None:
        return self._halted_reason

    def check_balanced(self) -> None:
        """Checks the books now (at start, say); halts them if they do not balance."""
        with self.engine.connect() as connection:
            totals = store.books_totals(connection)
        if not totals.balanced:
            self._halt(f"the books do not balance: {totals.describe()}")

    def halt(self, reason: str) -> None:
        """Refuses every write from now on (damage found at start, say); reads go on."""
        self._halt(reason)

    def _halt(self, reason: str) -> None:
        with self._halt_lock:
            if self._halted_reason is not None:
                return
            self._halted_reason = reason
        log.critical("books halted, refusing all writes: %s", reason)
        if self._on_halt is not None:
            self._on_halt(reason)

    def _refuse_if_halted(self) -> None:
        if self._halted_reason is not None:
            raise LedgerHalted(f"this node refuses all writes: {self._halted_reason}")

    # -- writes ---------------------------------------------------------------------------

    def create_system_accounts(self, holder_prefix: str) -> tuple[ItemResult, ...]:
        specs = [
            AccountSpec(
                id=account_id,
                kind=kind,
                holder=f"{holder_prefix} {kind.name.lower().replace('_', ' ')}"[:64],
                no_floor=kind in UNBOUNDED_KINDS,
            )
            for kind, account_id in SYSTEM_ACCOUNT_IDS.items()
        ]
        return self._create_accounts(specs, system=True)

    def create_accounts(self, specs: Sequence[AccountSpec]) -> tuple[ItemResult, ...]:
        return self._create_accounts(specs, system=False)

    def _create_accounts(self, specs: Sequence[AccountSpec], system: bool) -> tuple[ItemResult, ...]:
        self._check_batch_size(len(specs), "accounts")

        return self.write(lambda connection: self.add_accounts(connection, specs, system=system))

    def add_accounts(
        self, connection: Connection, specs: Sequence[AccountSpec], *, system: bool = False
    ) -> tuple[ItemResult, ...]:
        """Creates accounts inside the caller's transaction (opened by `write`)."""
        existing = store.read_accounts(connection, {spec.id for spec in specs})
        decision = rules.create_accounts(existing, specs, self.clock.now_micros(), system=system)
        store.insert_accounts(connection, decision.accounts)
        return decision.results

    def read_accounts(self, connection: Connection, account_ids: Sequence[int]) -> dict[int, Account]:
        """Accounts by id inside the caller's transaction (missing ids are absent)."""
        return store.read_accounts(connection, account_ids)

    def close_account(self, account_id: int) -> Account:
        def work(connection: Connection) -> Account:
            account = store.lock_accounts(connection, [account_id]).get(account_id)
            if account is None:
                raise NotFound(f"account_id: account {ids.to_hex(account_id)} not found")
            try:
                closed = rules.close_account(account)
            except rules.Refused as refusal:
                raise ItemRefused(refusal.outcome, refusal.detail) from None
            store.update_accounts(connection, [closed])
            return closed

        return self.write(work)

    def submit(
        self,
        requests: Sequence[TransferRequest],
        check: Callable[[Connection, Sequence[TransferRequest]], None] | None = None,
    ) -> BatchResult:
        """Applies a batch of transfers in one transaction; one result per item. check, when
        given, runs first in the same transaction (a rule of the party's above the ledger's;
        its error refuses the whole batch)."""
        self._check_batch_size(len(requests), "transfers")

        def work(connection: Connection) -> BatchResult:
            if check is not None:
                check(connection, requests)
            return self.apply(connection, requests)

        return self.write(work)

    def apply(self, connection: Connection, requests: Sequence[TransferRequest]) -> BatchResult:
        """Applies transfers inside the caller's transaction (opened by `write`).

        For callers that write rows of their own in the same transaction as the
        transfers, such as the cross-node protocol's outbox.
        """
        requests = seams.through("books.requests", requests)
        if not requests:
            return BatchResult((), {})
        view = store.load_view(connection, requests)
        now_micros = self.clock.now_micros()
        decision = rules.apply_transfers(view, requests, now_micros)
        written = store.write_decision(connection, decision, now_micros)
        if self.journal is not None and written:
            self.journal(connection, written)
        stored = {t.id: t for t in written}
        for result in decision.results:
            if result.outcome == Outcome.EXISTS and result.id not in stored:
                stored[result.id] = view.transfers[result.id]
        return BatchResult(decision.results, stored)

    def _check_batch_size(self, size: int, name: str) -> None:
        if size == 0:
            raise RequestInvalid(f"{name}: got an empty batch, want 1..={self.batch_size_max} items")
        if size > self.batch_size_max:
            raise BatchTooLarge(f"{name}: got {size} items, want at most {self.batch_size_max} per batch")

    def write(self, work: Callable[[Connection], T]) -> T:
        """Runs work in one transaction, checks the books, commits; retries conflicts.

        work may run more than once (after a conflict) and must decide from what it
        reads in that transaction only.
        """
        self._refuse_if_halted()
        for attempt in range(1, WRITE_ATTEMPTS_MAX + 1):
            try:
                with write_transaction(self.engine) as connection:
                    result = work(connection)
                    totals = store.books_totals(connection)
                    if not totals.balanced:
                        raise _Unbalanced(totals.describe())
                    if self.fence is not None:
                        self.fence(connection)
                return result
            except _Unbalanced as unbalanced:
                self._halt(f"the books stopped balancing after a batch: {unbalanced}")
                self._refuse_if_halted()
            except IntegrityError as error:
                # A concurrent writer took the same id first (PostgreSQL): decide the whole
                # batch again from fresh reads. If the database still refuses what the rules
                # decided, the rules and the stored state disagree: stop writing.
                if attempt == WRITE_ATTEMPTS_MAX:
                    self._halt(
                        f"the database refused a batch the ledger rules accepted, {attempt} times: {_first_line(error)}"
                    )
                    self._refuse_if_halted()
            except OperationalError as error:
                # A lock or serialisation conflict, or a busy database: try again, bounded.
                if attempt == WRITE_ATTEMPTS_MAX:
                    raise StorageUnavailable(
                        f"the database refused the batch {attempt} times: {_first_line(error)}"
                    ) from error
            except DBAPIError as error:
                raise StorageUnavailable(f"the database failed: {_first_line(error)}") from error
        raise AssertionError("unreachable")

    # -- reads ----------------------------------------------------------------------------

    def read(self, work: Callable[[Connection], T]) -> T:
        """Runs work on one connection that only reads, for the party's read models."""
        with read_transaction(self.engine) as connection:
            return work(connection)

    def account(self, account_id: int) -> Account:
        with self.engine.connect() as connection:
            account = store.read_account(connection, account_id)
        if account is None:
            raise NotFound(f"account_id: account {ids.to_hex(account_id)} not found")
        return account

    def transfer(self, transfer_id: int) -> TransferView:
        with self.engine.connect() as connection:
            found = store.read_transfers(connection, [transfer_id]).get(transfer_id)
            if found is None:
                raise NotFound(f"transfer_id: transfer {ids.to_hex(transfer_id)} not found")
            return self._views(connection, [found])[0]

    def statement(self, account_id: int, after_sequence: int, page_size: int) -> Statement:
        page_size = page_size or STATEMENT_PAGE_DEFAULT
        if not 1 <= page_size <= self.statement_page_max:
            raise RequestInvalid(f"page_size: got {page_size}, want 1..={self.statement_page_max}")
        if after_sequence < 0:
            raise RequestInvalid(f"after_sequence: got {after_sequence}, want >= 0")
        with self.engine.connect() as connection:
            account = store.read_account(connection, account_id)
            if account is None:
                raise NotFound(f"account_id: account {ids.to_hex(account_id)} not found")
            rows = store.statement_rows(connection, account_id, after_sequence, page_size)
            more = len(rows) > page_size
            rows = rows[:page_size]
            opening = store.balance_before(connection, account_id, after_sequence) if after_sequence else 0
            views = self._views(connection, rows)
            held = store.read_transfers(connection, {r.request.pending_id for r in rows if r.request.pending_id})
        entries = tuple(_entry(account_id, view, held) for view in views)
        closing = entries[-1].balance_after_minutes if entries else opening
        return Statement(
            account=account,
            opening_balance_minutes=opening,
            entries=entries,
            closing_balance_minutes=closing,
            next_after_sequence=rows[-1].sequence if more else 0,
        )

    @staticmethod
    def _views(connection: Connection, found: Sequence[StoredTransfer]) -> list[TransferView]:
        resolutions = store.read_resolutions(
            connection, [t.id for t in found if t.request.kind == TransferKind.PENDING]
        )
        views = []
        for stored in found:
            resolution = resolutions.get(stored.id)
            views.append(TransferView(stored, rules.transfer_state(stored, resolution), resolution))
        return views


def _entry(account_id: int, view: TransferView, held: dict[int, StoredTransfer]) -> StatementEntry:
    request = view.stored.request
    debited = request.debit_account_id == account_id
    sign = -1 if debited else 1
    amount = request.amount_minutes
    posted, pending = 0, 0
    if request.kind == TransferKind.SINGLE_PHASE:
        posted = sign * amount
    elif request.kind == TransferKind.PENDING:
        pending = amount
    elif request.kind == TransferKind.POST_PENDING:
        posted = sign * amount
        pending = -held[request.pending_id].request.amount_minutes
    else:
        pending = -amount
    balance = view.stored.debit_balance_after_minutes if debited else view.stored.credit_balance_after_minutes
    return StatementEntry(view, posted, pending, balance)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
