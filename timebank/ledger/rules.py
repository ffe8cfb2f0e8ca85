"""The ledger's rules as pure functions: a snapshot and a batch in, a decision out.

Owns every rule of double-entry bookkeeping in minutes: validation, idempotency,
two-phase resolution exactly once, reversals bounded by their original, floors, caps,
overflow, and linked chains that succeed or fail together. Takes no clock (the time
is an argument), does no I/O and draws no randomness: storage prefetches a
`LedgerView`, these functions decide, storage writes the `BatchDecision`.

Invariant kept: every accepted transfer adds the same amount to one account's debits
and another's credits, so the books balance after every batch.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

from timebank import ids, seams
from timebank.ledger.model import (
    AMOUNT_MINUTES_MAX,
    HOLDER_LENGTH_MAX,
    ID_MAX,
    INT64_MAX,
    MEMO_LENGTH_MAX,
    SYSTEM_ACCOUNT_ID_MAX,
    UNBOUNDED_KINDS,
    Account,
    AccountKind,
    AccountSpec,
    ItemResult,
    Outcome,
    Refusal,
    Resolution,
    StoredTransfer,
    TransferKind,
    TransferRequest,
    TransferState,
)

__all__ = [
    "AccountDecision",
    "BatchDecision",
    "LedgerView",
    "Refused",
    "apply_transfers",
    "close_account",
    "create_accounts",
    "transfer_state",
    "validate_account_spec",
    "validate_transfer",
]


class Refused(Exception):
    """Internal to this module: one item's refusal, carried to its chain."""

    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


@dataclass(frozen=True)
class LedgerView:
    """What storage prefetched for a batch: every row the batch can touch."""

    accounts: Mapping[int, Account] = field(default_factory=dict)
    transfers: Mapping[int, StoredTransfer] = field(default_factory=dict)
    refusals: Mapping[int, Refusal] = field(default_factory=dict)
    resolutions: Mapping[int, Resolution] = field(default_factory=dict)
    reversed_minutes: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchDecision:
    """What a batch changes: storage writes exactly this, in one transaction."""

    results: tuple[ItemResult, ...]
    transfers: tuple[StoredTransfer, ...]
    accounts: Mapping[int, Account]  # the final state of every account changed
    resolutions: tuple[Resolution, ...]
    refusals: tuple[Refusal, ...]


@dataclass(frozen=True)
class AccountDecision:
    results: tuple[ItemResult, ...]
    accounts: tuple[Account, ...]  # the accounts created


# ---------------------------------------------------------------------------------------
# Accounts


def validate_account_spec(spec: AccountSpec, *, system: bool = False) -> None:
    """Raises Refused(INVALID) naming the field and the rule."""
    _check_id("id", spec.id)
    if system:
        if spec.kind == AccountKind.MEMBER:
            raise Refused(Outcome.INVALID, "kind: got MEMBER, want a system account kind")
    else:
        if spec.kind != AccountKind.MEMBER:
            raise Refused(
                Outcome.INVALID,
                f"kind: got {spec.kind.name}, want MEMBER (system accounts are made by node init)",
            )
        if spec.id <= SYSTEM_ACCOUNT_ID_MAX:
            raise Refused(
                Outcome.INVALID,
                f"id: got {spec.id}, want > {SYSTEM_ACCOUNT_ID_MAX} "
                f"(1..={SYSTEM_ACCOUNT_ID_MAX} are reserved for system accounts)",
            )
        if spec.no_floor:
            raise Refused(Outcome.INVALID, "no_floor: member accounts always have a floor")
    if spec.no_floor and spec.kind not in UNBOUNDED_KINDS:
        raise Refused(Outcome.INVALID, f"no_floor: not allowed for {spec.kind.name} accounts")
    if not spec.holder.strip():
        raise Refused(Outcome.INVALID, "holder: must not be empty")
    if len(spec.holder) > HOLDER_LENGTH_MAX:
        raise Refused(
            Outcome.INVALID,
            f"holder: got {len(spec.holder)} characters, want at most {HOLDER_LENGTH_MAX}",
        )
    if not 0 <= spec.floor_minutes <= AMOUNT_MINUTES_MAX:
        raise Refused(
            Outcome.INVALID,
            f"floor_minutes: got {spec.floor_minutes}, want 0..={AMOUNT_MINUTES_MAX}",
        )
    if spec.cap_minutes < 0 or spec.cap_minutes > INT64_MAX // 2:
        raise Refused(Outcome.INVALID, f"cap_minutes: got {spec.cap_minutes}, want >= 0 (0: no cap)")
    if spec.cap_minutes and spec.cap_minutes <= spec.floor_minutes:
        raise Refused(
            Outcome.INVALID,
            f"cap_minutes: got {spec.cap_minutes}, want above floor_minutes ({spec.floor_minutes})",
        )


def create_accounts(
    existing: Mapping[int, Account],
    specs: Sequence[AccountSpec],
    now_micros: int,
    *,
    system: bool = False,
) -> AccountDecision:
    """Decides a batch of account creations; the same id with the same spec is EXISTS."""
    created: dict[int, Account] = {}
    results: list[ItemResult] = []
    for spec in specs:
        try:
            validate_account_spec(spec, system=system)
            stored = created.get(spec.id) or existing.get(spec.id)
            if stored is not None:
                _compare_bodies(spec, stored.spec, ignore=())
                results.append(ItemResult(spec.id, Outcome.EXISTS))
                continue
        except Refused as refusal:
            results.append(ItemResult(spec.id, refusal.outcome, refusal.detail))
            continue
        created[spec.id] = Account(spec=spec, created_at_micros=now_micros)
        results.append(ItemResult(spec.id, Outcome.OK))
    return AccountDecision(tuple(results), tuple(created.values()))


def close_account(account: Account) -> Account:
    """The account, closed; Refused unless its balance and pending amounts are zero."""
    if account.closed:
        return account
    if account.balance_minutes or account.debits_pending_minutes or account.credits_pending_minutes:
        raise Refused(
            Outcome.ACCOUNT_CLOSED,
            f"account_id: account {ids.to_hex(account.id)} holds {account.balance_minutes} minutes "
            f"with {account.debits_pending_minutes} pending debit and "
            f"{account.credits_pending_minutes} pending credit minutes; want all zero to close",
        )
    return replace(account, closed=True)


# ---------------------------------------------------------------------------------------
# Transfers


def validate_transfer(request: TransferRequest) -> None:
    """The rules that do not depend on the ledger's state. Raises Refused(INVALID)."""
    _check_id("id", request.id)
    kind = request.kind
    resolves = kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING)
    if resolves:
        _check_id("pending_id", request.pending_id)
        for name in ("debit_account_id", "credit_account_id"):
            if getattr(request, name):
                _check_id(name, getattr(request, name))
    else:
        if request.pending_id:
            raise Refused(Outcome.INVALID, f"pending_id: must be empty for {kind.name} transfers")
        _check_id("debit_account_id", request.debit_account_id)
        _check_id("credit_account_id", request.credit_account_id)
    if request.reverses_id:
        if kind != TransferKind.SINGLE_PHASE:
            raise Refused(Outcome.INVALID, f"reverses_id: only SINGLE_PHASE transfers reverse, got {kind.name}")
        _check_id("reverses_id", request.reverses_id)
    if request.debit_account_id and request.debit_account_id == request.credit_account_id:
        raise Refused(
            Outcome.INVALID,
            "credit_account_id: the same account on both sides "
            f"({ids.to_hex(request.debit_account_id)}); want two different accounts",
        )
    low = 0 if kind == TransferKind.VOID_PENDING else 1
    if not low <= request.amount_minutes <= AMOUNT_MINUTES_MAX:
        raise Refused(
            Outcome.INVALID,
            f"amount_minutes: got {request.amount_minutes}, want {low}..={AMOUNT_MINUTES_MAX}",
        )
    if len(request.memo) > MEMO_LENGTH_MAX:
        raise Refused(
            Outcome.INVALID,
            f"memo: got {len(request.memo)} characters, want at most {MEMO_LENGTH_MAX}",
        )


def apply_transfers(view: LedgerView, requests: Sequence[TransferRequest], now_micros: int) -> BatchDecision:
    """Decides a batch in order; linked chains succeed or fail as a whole."""
    batch = _Layer(view)
    results: list[ItemResult] = []
    for chain in _chains(requests):
        layer = _Layer(view, parent=batch)
        chain_results: list[ItemResult] = []
        failed_at: int | None = None
        for position, request in enumerate(chain):
            try:
                if request.linked and position == len(chain) - 1:
                    raise Refused(
                        Outcome.INVALID,
                        "linked: the last transfer of a batch must not be linked (chain left open)",
                    )
                outcome = _apply_one(layer, request, now_micros)
                chain_results.append(ItemResult(request.id, outcome))
            except Refused as refusal:
                chain_results.append(ItemResult(request.id, refusal.outcome, refusal.detail))
                if refusal.outcome.transient:
                    batch.refusals[request.id] = Refusal(request, refusal.outcome, refusal.detail)
                failed_at = position
                break
        if failed_at is None:
            batch.absorb(layer)
            results.extend(chain_results)
            continue
        results.extend(_fail_chain(chain, chain_results, failed_at))
    return BatchDecision(
        results=tuple(results),
        transfers=tuple(batch.new_transfers),
        accounts=dict(batch.accounts),
        resolutions=tuple(batch.resolutions.values()),
        refusals=tuple(batch.refusals.values()),
    )


def transfer_state(stored: StoredTransfer, resolution: Resolution | None) -> TransferState:
    if stored.request.kind != TransferKind.PENDING:
        return TransferState.FINAL
    return resolution.state if resolution else TransferState.PENDING


# ---------------------------------------------------------------------------------------
# Internals


class _Layer:
    """Changes made so far on top of a view; a chain works on its own layer."""

    def __init__(self, view: LedgerView, parent: _Layer | None = None) -> None:
        self.view = view
        self.parent = parent
        self.accounts: dict[int, Account] = {}
        self.transfers: dict[int, StoredTransfer] = {}
        self.new_transfers: list[StoredTransfer] = []
        self.resolutions: dict[int, Resolution] = {}
        self.refusals: dict[int, Refusal] = {}
        self.reversed_minutes: dict[int, int] = {}

    def _lookup(self, name: str, key: int) -> object | None:
        layer: _Layer | None = self
        while layer is not None:
            value: object | None = getattr(layer, name).get(key)
            if value is not None:
                return value
            layer = layer.parent
        found: object | None = getattr(self.view, name).get(key)
        return found

    def account(self, account_id: int) -> Account | None:
        return self._lookup("accounts", account_id)  # type: ignore[return-value]

    def transfer(self, transfer_id: int) -> StoredTransfer | None:
        return self._lookup("transfers", transfer_id)  # type: ignore[return-value]

    def resolution(self, pending_id: int) -> Resolution | None:
        found: Resolution | None = self._lookup("resolutions", pending_id)  # type: ignore[assignment]
        return seams.through("ledger.resolution", found)

    def refusal(self, transfer_id: int) -> Refusal | None:
        return self._lookup("refusals", transfer_id)  # type: ignore[return-value]

    def reversed(self, original_id: int) -> int:
        value = self._lookup("reversed_minutes", original_id)
        return value if isinstance(value, int) else 0

    def store(self, stored: StoredTransfer) -> None:
        self.transfers[stored.id] = stored
        self.new_transfers.append(stored)

    def absorb(self, child: _Layer) -> None:
        self.accounts.update(child.accounts)
        self.transfers.update(child.transfers)
        self.new_transfers.extend(child.new_transfers)
        self.resolutions.update(child.resolutions)
        self.refusals.update(child.refusals)
        self.reversed_minutes.update(child.reversed_minutes)


def _chains(requests: Sequence[TransferRequest]) -> Iterable[list[TransferRequest]]:
    chain: list[TransferRequest] = []
    for request in requests:
        chain.append(request)
        if not request.linked:
            yield chain
            chain = []
    if chain:
        yield chain  # an open chain: apply_transfers refuses its last item


def _fail_chain(chain: list[TransferRequest], tried: list[ItemResult], failed_at: int) -> list[ItemResult]:
    failed = tried[failed_at]
    results = []
    for position, request in enumerate(chain):
        if position == failed_at:
            results.append(failed)
        else:
            detail = (
                f"linked: not applied because transfer {ids.to_hex(failed.id)} of the same "
                f"chain was refused ({failed.outcome.name})"
            )
            results.append(ItemResult(request.id, Outcome.LINKED_EVENT_FAILED, detail))
    return results


def _check_id(name: str, value: int) -> None:
    if not 0 < value < ID_MAX:
        raise Refused(Outcome.INVALID, f"{name}: got {value:#x}, want 1..2^128-2")


def _compare_bodies(
    new: AccountSpec | TransferRequest, old: AccountSpec | TransferRequest, ignore: tuple[str, ...]
) -> None:
    """Refuses with the first field where a reused id's body differs from the stored one."""
    for item in fields(new):
        if item.name in ignore:
            continue
        got, stored = getattr(new, item.name), getattr(old, item.name)
        if got != stored:
            raise Refused(
                Outcome.EXISTS_WITH_DIFFERENT_BODY,
                f"{item.name}: id {ids.to_hex(new.id)} exists with "
                f"{_show(item.name, stored)}, got {_show(item.name, got)}; "
                "a reused id must carry the same body",
            )


def _show(name: str, value: object) -> str:
    if name.endswith("id") and isinstance(value, int):
        return ids.to_hex(value) if value else "none"
    if isinstance(value, enum.Enum):
        return value.name
    return repr(value)


def _matches_stored(request: TransferRequest, stored: TransferRequest) -> TransferRequest:
    """The request with the blanks a stored resolution filled in, for comparison."""
    if request.kind not in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
        return request
    return replace(
        request,
        debit_account_id=request.debit_account_id or stored.debit_account_id,
        credit_account_id=request.credit_account_id or stored.credit_account_id,
        amount_minutes=request.amount_minutes or stored.amount_minutes,
    )


def _apply_one(layer: _Layer, request: TransferRequest, now_micros: int) -> Outcome:
    validate_transfer(request)
    existing = layer.transfer(request.id)
    if existing is not None:
        _compare_bodies(_matches_stored(request, existing.request), existing.request, ignore=("linked",))
        return Outcome.EXISTS
    refused = layer.refusal(request.id)
    if refused is not None:
        raise Refused(
            Outcome.ID_ALREADY_REFUSED,
            f"id: {ids.to_hex(request.id)} was refused earlier ({refused.outcome.name}: "
            f"{refused.detail}); a refused id stays refused, use a new id",
        )
    if request.kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
        _resolve_pending(layer, request, now_micros)
    else:
        _move(layer, request, now_micros)
    return Outcome.OK


def _account_for(layer: _Layer, name: str, account_id: int) -> Account:
    account = layer.account(account_id)
    if account is None:
        raise Refused(Outcome.NOT_FOUND, f"{name}: account {ids.to_hex(account_id)} not found")
    if account.closed:
        raise Refused(Outcome.ACCOUNT_CLOSED, f"{name}: account {ids.to_hex(account_id)} is closed")
    return account


def _move(layer: _Layer, request: TransferRequest, now_micros: int) -> None:
    debit = _account_for(layer, "debit_account_id", request.debit_account_id)
    credit = _account_for(layer, "credit_account_id", request.credit_account_id)
    if request.reverses_id:
        _check_reversal(layer, request)
    amount = request.amount_minutes
    pending = request.kind == TransferKind.PENDING
    _check_overflow(debit, credit, amount)
    _check_floor(debit, amount)
    _check_cap(credit, amount)
    if pending:
        debit = replace(debit, debits_pending_minutes=debit.debits_pending_minutes + amount)
        credit = replace(credit, credits_pending_minutes=credit.credits_pending_minutes + amount)
    else:
        debit = replace(debit, debits_posted_minutes=debit.debits_posted_minutes + amount)
        credit = replace(credit, credits_posted_minutes=credit.credits_posted_minutes + amount)
    if request.reverses_id:
        layer.reversed_minutes[request.reverses_id] = layer.reversed(request.reverses_id) + amount
    _record(layer, request, debit, credit, now_micros)


def _check_reversal(layer: _Layer, request: TransferRequest) -> None:
    original = layer.transfer(request.reverses_id)
    name = "reverses_id"
    if original is None:
        raise Refused(Outcome.NOT_FOUND, f"{name}: transfer {ids.to_hex(request.reverses_id)} not found")
    kind = original.request.kind
    if kind not in (TransferKind.SINGLE_PHASE, TransferKind.POST_PENDING):
        raise Refused(
            Outcome.INVALID,
            f"{name}: transfer {ids.to_hex(original.id)} is {kind.name}; "
            "only SINGLE_PHASE and POST_PENDING transfers move hours and can be reversed",
        )
    want = (original.request.credit_account_id, original.request.debit_account_id)
    if (request.debit_account_id, request.credit_account_id) != want:
        raise Refused(
            Outcome.INVALID,
            f"{name}: a reversal must debit {ids.to_hex(want[0])} and credit "
            f"{ids.to_hex(want[1])} (the original's accounts, swapped)",
        )
    already = layer.reversed(original.id)
    if already + request.amount_minutes > original.request.amount_minutes:
        raise Refused(
            Outcome.EXCEEDS_ORIGINAL,
            f"amount_minutes: got {request.amount_minutes}, but transfer "
            f"{ids.to_hex(original.id)} moved {original.request.amount_minutes} and "
            f"{already} are already reversed; want at most "
            f"{original.request.amount_minutes - already}",
        )


def _check_overflow(debit: Account, credit: Account, amount: int) -> None:
    debit_total = debit.debits_posted_minutes + debit.debits_pending_minutes + amount
    credit_total = credit.credits_posted_minutes + credit.credits_pending_minutes + amount
    if debit_total > INT64_MAX:
        raise Refused(
            Outcome.OVERFLOW,
            f"amount_minutes: debits of account {ids.to_hex(debit.id)} would exceed 2^63-1",
        )
    if credit_total > INT64_MAX:
        raise Refused(
            Outcome.OVERFLOW,
            f"amount_minutes: credits of account {ids.to_hex(credit.id)} would exceed 2^63-1",
        )


def _check_floor(debit: Account, amount: int) -> None:
    if debit.spec.no_floor or debit.available_minutes >= amount:
        return
    raise Refused(
        Outcome.EXCEEDS_FLOOR,
        f"amount_minutes: got {amount}, but account {ids.to_hex(debit.id)} can spend only "
        f"{max(debit.available_minutes, 0)} (balance {debit.balance_minutes}, pending debits "
        f"{debit.debits_pending_minutes}, floor {debit.spec.floor_minutes})",
    )


def _check_cap(credit: Account, amount: int) -> None:
    cap = credit.spec.cap_minutes
    if not cap:
        return
    after = credit.balance_minutes + credit.credits_pending_minutes + amount
    if after > cap:
        raise Refused(
            Outcome.EXCEEDS_CAP,
            f"amount_minutes: got {amount}, but account {ids.to_hex(credit.id)} would hold "
            f"{after} with pending credits, above its cap of {cap}",
        )


def _resolve_pending(layer: _Layer, request: TransferRequest, now_micros: int) -> None:
    pending = layer.transfer(request.pending_id)
    if pending is None:
        raise Refused(Outcome.NOT_FOUND, f"pending_id: transfer {ids.to_hex(request.pending_id)} not found")
    original = pending.request
    if original.kind != TransferKind.PENDING:
        raise Refused(
            Outcome.INVALID,
            f"pending_id: transfer {ids.to_hex(original.id)} is {original.kind.name}, not PENDING",
        )
    for name in ("debit_account_id", "credit_account_id"):
        got, want = getattr(request, name), getattr(original, name)
        if got and got != want:
            raise Refused(
                Outcome.INVALID,
                f"{name}: got {ids.to_hex(got)}, but pending transfer {ids.to_hex(original.id)} has {ids.to_hex(want)}",
            )
    resolution = layer.resolution(original.id)
    if resolution is not None:
        raise Refused(
            Outcome.PENDING_ALREADY_RESOLVED,
            f"pending_id: transfer {ids.to_hex(original.id)} was already "
            f"{resolution.state.name.lower()} by {ids.to_hex(resolution.resolved_by_id)}",
        )
    held = original.amount_minutes
    posting = request.kind == TransferKind.POST_PENDING
    amount = request.amount_minutes if posting else held
    if posting and amount > held:
        raise Refused(
            Outcome.EXCEEDS_ORIGINAL,
            f"amount_minutes: got {amount}, want at most the pending amount {held}",
        )
    if not posting and request.amount_minutes not in (0, held):
        raise Refused(
            Outcome.INVALID,
            f"amount_minutes: got {request.amount_minutes}, want 0 or the pending amount {held}",
        )
    debit = _account_for(layer, "debit_account_id", original.debit_account_id)
    credit = _account_for(layer, "credit_account_id", original.credit_account_id)
    debit = replace(
        debit,
        debits_pending_minutes=debit.debits_pending_minutes - held,
        debits_posted_minutes=debit.debits_posted_minutes + (amount if posting else 0),
    )
    credit = replace(
        credit,
        credits_pending_minutes=credit.credits_pending_minutes - held,
        credits_posted_minutes=credit.credits_posted_minutes + (amount if posting else 0),
    )
    state = TransferState.POSTED if posting else TransferState.VOIDED
    layer.resolutions[original.id] = Resolution(original.id, request.id, state)
    resolved = replace(
        request,
        debit_account_id=original.debit_account_id,
        credit_account_id=original.credit_account_id,
        amount_minutes=amount,
    )
    _record(layer, resolved, debit, credit, now_micros)


def _record(layer: _Layer, request: TransferRequest, debit: Account, credit: Account, now_micros: int) -> None:
    layer.accounts[debit.id] = debit
    layer.accounts[credit.id] = credit
    layer.store(
        StoredTransfer(
            request=request,
            created_at_micros=now_micros,
            debit_balance_after_minutes=debit.balance_minutes,
            credit_balance_after_minutes=credit.balance_minutes,
        )
    )
