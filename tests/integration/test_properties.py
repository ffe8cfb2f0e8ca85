"""Property tests: random sequences of transfers against a small reference model, on both
backends. After every batch: the books balance, no member is below its floor, every
balance equals the model's, and retries (identical or altered) change nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.ledger import ISSUANCE, member, member_spec, move, post, void
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.ledger.model import Outcome, TransferKind, TransferRequest
from timebank.storage import ledger_store
from timebank.storage.engine import create_database_engine

MEMBERS = (1, 2, 3, 4)


@dataclass
class Model:
    """The reference: plain dictionaries, written without looking at the rules module."""

    balance: dict[int, int] = field(default_factory=lambda: {ISSUANCE: 0, **{member(m): 0 for m in MEMBERS}})
    held: dict[int, int] = field(default_factory=lambda: {member(m): 0 for m in MEMBERS} | {ISSUANCE: 0})
    pendings: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # id -> debit, credit, amount
    resolved: set[int] = field(default_factory=set)
    done: dict[int, TransferRequest] = field(default_factory=dict)
    refused: set[int] = field(default_factory=set)
    moved: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # posted id -> debit, credit, amount
    reversed: dict[int, int] = field(default_factory=dict)

    def spendable(self, account: int) -> float:
        return float("inf") if account == ISSUANCE else self.balance[account] - self.held[account]

    def apply(self, request: TransferRequest) -> bool:
        """True if the model accepts the request (or it was accepted before, unchanged)."""
        if request.id in self.done:
            return self.done[request.id] == request
        if request.id in self.refused:
            return False
        ok = self._try(request)
        if ok:
            self.done[request.id] = request
        else:
            self.refused.add(request.id)
        return ok

    def _try(self, r: TransferRequest) -> bool:
        if r.kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
            if r.pending_id not in self.pendings or r.pending_id in self.resolved:
                return False
            debit, credit, amount = self.pendings[r.pending_id]
            if r.kind == TransferKind.POST_PENDING and r.amount_minutes > amount:
                return False
            self.resolved.add(r.pending_id)
            self.held[debit] -= amount
            if r.kind == TransferKind.POST_PENDING:
                self.balance[debit] -= r.amount_minutes
                self.balance[credit] += r.amount_minutes
                self.moved[r.id] = (debit, credit, r.amount_minutes)
            return True
        if r.reverses_id:
            original = self.moved.get(r.reverses_id)
            if original is None:
                return False
            if self.reversed.get(r.reverses_id, 0) + r.amount_minutes > original[2]:
                return False
        if self.spendable(r.debit_account_id) < r.amount_minutes:
            return False
        if r.kind == TransferKind.PENDING:
            self.held[r.debit_account_id] += r.amount_minutes
            self.pendings[r.id] = (r.debit_account_id, r.credit_account_id, r.amount_minutes)
            return True
        self.balance[r.debit_account_id] -= r.amount_minutes
        self.balance[r.credit_account_id] += r.amount_minutes
        self.moved[r.id] = (r.debit_account_id, r.credit_account_id, r.amount_minutes)
        if r.reverses_id:
            self.reversed[r.reverses_id] = self.reversed.get(r.reverses_id, 0) + r.amount_minutes
        return True


@st.composite
def operation(draw: st.DrawFn, number: int) -> tuple[str, object]:
    """One step: a new transfer (some kind) or a retry of an earlier one."""
    kind = draw(st.sampled_from(["deposit", "move", "pending", "post", "void", "reverse", "retry", "altered"]))
    amount = draw(st.integers(min_value=1, max_value=90))
    source, target = draw(st.permutations(MEMBERS).map(lambda p: (p[0], p[1])))
    pick = draw(st.integers(min_value=0, max_value=1_000))
    return kind, (number, amount, source, target, pick)


def to_request(step: tuple[str, object], history: dict[int, TransferRequest]) -> TransferRequest | None:
    kind, (number, amount, source, target, pick) = step  # type: ignore[misc]
    pendings = [r for r in history.values() if r.kind == TransferKind.PENDING]
    if kind in ("post", "void"):
        if not pendings:
            return None
        held = pendings[pick % len(pendings)]
        if kind == "void":
            return replace(void(number, 0), pending_id=held.id)
        return replace(post(number, 0, min(amount, held.amount_minutes + pick % 3)), pending_id=held.id)
    if kind == "deposit":
        return move(number, ISSUANCE, member(source), amount)
    if kind == "move":
        return move(number, member(source), member(target), amount)
    if kind == "pending":
        return move(number, member(source), member(target), amount, kind=TransferKind.PENDING)
    if not history:
        return None
    previous = list(history.values())[pick % len(history)]
    if kind == "reverse":
        return (
            move(number, previous.credit_account_id, previous.debit_account_id, amount, reverses_id=previous.id)
            if previous.kind == TransferKind.SINGLE_PHASE
            else None
        )
    if kind == "retry":
        return previous
    return replace(previous, memo="altered") if kind == "altered" else None


def fresh_books(backend: str, templates: object, directory: object) -> Books:
    if backend == "sqlite":
        url = templates.new_sqlite(directory)  # type: ignore[attr-defined]
    else:
        url = templates.new_postgresql()  # type: ignore[attr-defined]
    books = Books(create_database_engine(url), FakeClock())
    books.create_system_accounts("property")
    books.create_accounts([member_spec(m) for m in MEMBERS])
    return books


def drop(books: Books) -> None:
    url = books.engine.url
    books.engine.dispose()
    if url.get_backend_name() == "postgresql":
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_sequences_keep_every_invariant(
    backend: str, templates: object, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    books = fresh_books(backend, templates, tmp_path_factory.mktemp("property"))
    try:
        model, history = Model(), {}
        batches = data.draw(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8))
        number = 1
        for size in batches:
            batch: list[TransferRequest] = []
            for _ in range(size):
                request = to_request(data.draw(operation(number)), history)
                number += 1
                if request is not None:
                    batch.append(request)
                    history.setdefault(request.id, request)
            if not batch:
                continue
            results = books.submit(batch).results
            for request, result in zip(batch, results, strict=True):
                expected = model.apply(request)
                assert result.outcome.succeeded == expected, (request, result)
                if result.outcome == Outcome.EXISTS_WITH_DIFFERENT_BODY:
                    assert result.detail.startswith("memo: ")
            check_invariants(books, model)
    finally:
        drop(books)


def check_invariants(books: Books, model: Model) -> None:
    with books.engine.connect() as connection:
        assert ledger_store.books_totals(connection).balanced
        accounts = ledger_store.read_accounts(connection, model.balance)
    for account_id, account in accounts.items():
        assert account.balance_minutes == model.balance[account_id]
        assert account.debits_pending_minutes == model.held[account_id]
        if account_id != ISSUANCE:
            assert account.available_minutes >= 0
