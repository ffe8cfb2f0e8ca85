"""The invariants of DESIGN.md section 8, read from the parties' databases.

Owns what counts as a violation. step_violations runs after every step (what must hold at
every instant); final_violations runs once every fault has healed and the city is quiet
(what must hold once everything is final), including the model replay: every transfer a
node acknowledged, replayed in the clearinghouse's order on plain integers, must give every
member's balance exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from city.sim.world import SimClearinghouse, SimNode
from clearinghouse.records import CrossState, node_account_id
from clearinghouse.tables import cross_transfers
from timebank import ids
from timebank.alarms import open_alarms
from timebank.errors import NotFound
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.storage import ledger_store

__all__ = ["CLEARING", "final_violations", "ISSUANCE", "step_violations", "Submitted"]

CLEARING = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING]
ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]


@dataclass(frozen=True)
class Submitted:
    """A cross-node transfer its originating node acknowledged (accepted and held)."""

    transfer_id: int
    origin: str
    origin_account: int
    counterparty: str
    counterparty_account: int
    amount_minutes: int


def step_violations(clearinghouse: SimClearinghouse, nodes: Iterable[SimNode]) -> list[str]:
    found = []
    for node in nodes:
        found += _party_violations(node.node_id, node.books.engine, node.books.halted_reason)
        with node.books.engine.connect() as connection:
            for account in ledger_store.read_accounts(connection, node.members).values():
                if account.available_minutes < 0:
                    found.append(
                        f"{node.node_id}: member {account.id:x} below its floor: available {account.available_minutes}"
                    )
    engine = clearinghouse.books.engine
    found += _party_violations("clearinghouse", engine, clearinghouse.books.halted_reason)
    with engine.connect() as connection:
        late = connection.execute(
            select(cross_transfers.c.transfer_id).where(
                cross_transfers.c.state == CrossState.COMMITTED,
                cross_transfers.c.decided_at_micros >= cross_transfers.c.expires_at_micros,
            )
        ).first()
        if late is not None:
            found.append(f"clearinghouse: transfer {late.transfer_id} committed at or after its expiry")
    return found


def _party_violations(name: str, engine, halted_reason: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    if halted_reason:
        found.append(f"{name}: halted: {halted_reason}")
    with engine.connect() as connection:
        totals = ledger_store.books_totals(connection)
        if not totals.balanced:
            found.append(f"{name}: books do not balance: {totals.describe()}")
        found += [f"{name}: alarm {a.kind}: {a.detail}" for a in open_alarms(connection)]
    return found


def final_violations(
    clearinghouse: SimClearinghouse,
    nodes: dict[str, SimNode],
    submitted: list[Submitted],
    minted: dict[int, int],
) -> list[str]:
    """Everything final and the same everywhere, positions mirrored, hours conserved, the model agreeing."""
    with clearinghouse.books.engine.connect() as connection:
        decided = _decided(connection)
        positions = ledger_store.read_accounts(connection, [node_account_id(n) for n in nodes])
    found = []
    known = {s.transfer_id for s in submitted}
    for transfer_id in decided:
        if transfer_id not in known:
            found.append(f"clearinghouse: transfer {transfer_id:x} was never acknowledged by its origin")
    for entry in submitted:
        found += _final_at_both(entry, decided.get(entry.transfer_id), nodes)
    issued = 0
    for node_id, node in nodes.items():
        with node.books.engine.connect() as connection:
            system = ledger_store.read_accounts(connection, [CLEARING, ISSUANCE])
        clearing = system[CLEARING]
        issued -= system[ISSUANCE].balance_minutes
        if clearing.debits_pending_minutes or clearing.credits_pending_minutes:
            found.append(f"{node_id}: clearing account still holds pending minutes")
        position = positions.get(node_account_id(node_id))
        view = position.balance_minutes if position else 0
        if clearing.balance_minutes != -view:
            found.append(f"{node_id}: clearing {clearing.balance_minutes}, clearinghouse view {view}: not mirrored")
    if sum(p.balance_minutes for p in positions.values()) != 0:
        found.append("clearinghouse: positions do not sum to zero")
    balances, pending = _member_balances(nodes.values())
    found += pending
    if sum(balances.values()) != issued:
        found.append(f"conservation: members hold {sum(balances.values())} minutes, the nodes issued {issued}")
    found += _model_violations(submitted, decided, minted, balances)
    return found


def _decided(connection: Connection) -> dict[int, tuple[str, int]]:
    """Transfer id -> (state, the log index of its decision) at the clearinghouse."""
    rows = connection.execute(
        select(cross_transfers.c.transfer_id, cross_transfers.c.state, cross_transfers.c.decision_log_index)
    )
    return {ids.from_hex(r.transfer_id): (r.state, r.decision_log_index or 0) for r in rows}


def _final_at_both(entry: Submitted, decided: tuple[str, int] | None, nodes: dict[str, SimNode]) -> list[str]:
    name = f"transfer {entry.transfer_id:x}"
    if decided is None:
        return [f"{name}: acknowledged by {entry.origin}, unknown to the clearinghouse after healing"]
    state = decided[0]
    if state not in (CrossState.COMMITTED, CrossState.ABORTED):
        return [f"{name}: {state} at the clearinghouse after healing, want committed or aborted"]
    found = []
    for node_id in (entry.origin, entry.counterparty):
        try:
            view = nodes[node_id].crossing.view(entry.transfer_id)
        except NotFound:
            if node_id == entry.counterparty and state == CrossState.ABORTED:
                continue  # aborted before the counterparty ever saw it
            found.append(f"{name}: {node_id} has no record of it; the clearinghouse has it {state}")
            continue
        if view.state != state:
            found.append(f"{name}: {view.state} at {node_id}, {state} at the clearinghouse")
    return found


def _member_balances(nodes: Iterable[SimNode]) -> tuple[dict[int, int], list[str]]:
    """Every member's posted balance, and a violation for each member still holding pending minutes."""
    balances, found = {}, []
    for node in nodes:
        with node.books.engine.connect() as connection:
            for account in ledger_store.read_accounts(connection, node.members).values():
                balances[account.id] = account.balance_minutes
                if account.debits_pending_minutes or account.credits_pending_minutes:
                    found.append(f"{node.node_id}: member {account.id:x} still has pending minutes after healing")
    return balances, found


def _model_violations(
    submitted: list[Submitted], decided: dict[int, tuple[str, int]], minted: dict[int, int], balances: dict[int, int]
) -> list[str]:
    """Replays the committed transfers in the clearinghouse's decision order on integers."""
    model = dict(minted)
    found = []
    committed = [s for s in submitted if decided.get(s.transfer_id, ("", 0))[0] == CrossState.COMMITTED]
    for entry in sorted(committed, key=lambda s: decided[s.transfer_id][1]):
        model[entry.origin_account] -= entry.amount_minutes
        model[entry.counterparty_account] += entry.amount_minutes
        if model[entry.origin_account] < 0:
            found.append(f"model: transfer {entry.transfer_id:x} overdraws member {entry.origin_account:x}")
    for account, expected in sorted(model.items()):
        if balances.get(account) != expected:
            found.append(f"model: member {account:x} has {balances.get(account)} minutes, the replay gives {expected}")
    return found
