"""Matching of the clearinghouse's view of a cycle with each node's statement: the breaks and the report.

Owns the rules that decide what counts as a break. Each node's statement is matched with the
clearinghouse's entries transfer by transfer, and its summary with the clearinghouse's position.
A statement that is absent, or is not this node's statement of this cycle, is one
statement-missing break and is not matched further.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from timebank import ids
from timebank.ledger.model import format_hours
from timebank.recon.model import (
    AMOUNT_MISMATCH,
    COMMITTED,
    MISSING_AT_CLEARINGHOUSE,
    MISSING_AT_NODE,
    OPENING_MISMATCH,
    PENDING_PAST_EXPIRY,
    POSITION_MISMATCH,
    PREPARED,
    SIGNATURE_INVALID,
    STATEMENT_MISSING,
    Break,
    ClearingEntry,
    ClearingView,
    NodeStatement,
    Position,
    Report,
    StatementLine,
    format_instant,
)

__all__ = ["reconcile"]

# The summary fields a statement shares with the clearinghouse's position, and their names in a detail.
_POSITION_FIELDS = (
    ("closing_minutes", "closing minutes"),
    ("debits_minutes", "debit minutes"),
    ("debit_count", "debit count"),
    ("credits_minutes", "credit minutes"),
    ("credit_count", "credit count"),
)


def reconcile(
    view: ClearingView,
    statements: Mapping[str, NodeStatement | None],
    previous_closing: dict[str, int],
    generated_at_micros: int,
) -> Report:
    """Every break between the clearinghouse's view and the nodes' statements, with the cycle's positions and flows.

    statements: node id -> its statement (absent or None when it sent none). Each is read once and
        its lines are not kept after matching, so a mapping that builds statements on demand lets
        a large cycle be matched one node at a time.
    previous_closing: node id -> its position at the close of the previous cycle (0 when absent).
    Raises ValueError when the view names a node's position or a transfer twice.
    """
    positions = _by_node(view.positions)
    entries = _by_transfer(view.entries)
    committed = [entry for entry in entries.values() if entry.state == COMMITTED]
    committed_by_node = _by_party(committed)
    breaks = [_open_prepare_break(entry, view.closed_at_micros) for entry in entries.values()]
    summaries: dict[str, NodeStatement | None] = {}
    for node_id in sorted(positions.keys() | statements.keys()):
        statement = statements.get(node_id)
        if statement is None and node_id not in positions:
            continue  # neither a node of the cycle nor one that sent a statement
        summaries[node_id] = statement.without_lines() if statement is not None else None
        problem = _statement_problem(node_id, statement, view.cycle_id)
        if statement is None or problem:
            breaks.append(Break(STATEMENT_MISSING, node_id, None, problem))
            continue
        position = positions.get(node_id)
        breaks.extend(_statement_breaks(statement, position, previous_closing.get(node_id, 0)))
        breaks.extend(_line_breaks(statement, committed_by_node.get(node_id, ()), entries, view.closed_at_micros))
    return Report(
        cycle_id=view.cycle_id,
        generated_at_micros=generated_at_micros,
        opened_at_micros=view.opened_at_micros,
        closed_at_micros=view.closed_at_micros,
        positions=tuple(positions[node_id] for node_id in sorted(positions)),
        statements=summaries,
        flows=_flows(committed),
        breaks=_sorted_unique(breaks),
        node_names=dict(sorted(view.node_names.items())),
        committed_count=len(committed),
    )


def _by_node(positions: Iterable[Position]) -> dict[str, Position]:
    by_node: dict[str, Position] = {}
    for position in positions:
        if position.node_id in by_node:
            raise ValueError(f"positions: node {position.node_id} appears twice")
        by_node[position.node_id] = position
    return by_node


def _by_transfer(entries: Iterable[ClearingEntry]) -> dict[int, ClearingEntry]:
    by_transfer: dict[int, ClearingEntry] = {}
    for entry in entries:
        if entry.transfer_id in by_transfer:
            raise ValueError(f"entries: transfer {ids.to_hex(entry.transfer_id)} appears twice")
        by_transfer[entry.transfer_id] = entry
    return by_transfer


def _by_party(entries: Iterable[ClearingEntry]) -> dict[str, list[ClearingEntry]]:
    by_party: dict[str, list[ClearingEntry]] = {}
    for entry in entries:
        for node_id in {entry.debit_node_id, entry.credit_node_id}:
            by_party.setdefault(node_id, []).append(entry)
    return by_party


def _flows(committed: Iterable[ClearingEntry]) -> dict[tuple[str, str], int]:
    flows: dict[tuple[str, str], int] = {}
    for entry in committed:
        pair = (entry.debit_node_id, entry.credit_node_id)
        flows[pair] = flows.get(pair, 0) + entry.amount_minutes
    return dict(sorted(flows.items()))


def _sorted_unique(breaks: Iterable[Break | None]) -> tuple[Break, ...]:
    """The breaks sorted by kind, node, transfer id; of two with the same key, the first found."""
    unique: dict[tuple[str, str, int], Break] = {}
    for found in breaks:
        if found is not None:
            unique.setdefault(found.sort_key, found)
    return tuple(unique[key] for key in sorted(unique))


def _expired(entry: ClearingEntry, closed_at_micros: int) -> bool:
    return entry.expires_at_micros <= closed_at_micros


def _open_prepare_break(entry: ClearingEntry, closed_at_micros: int) -> Break | None:
    """A prepare the clearinghouse still holds past its expiry, reported at the node whose hours it holds."""
    if entry.state != PREPARED or not _expired(entry, closed_at_micros):
        return None
    return Break(
        PENDING_PAST_EXPIRY,
        entry.debit_node_id,
        entry.transfer_id,
        f"The clearinghouse still holds transfer {ids.to_hex(entry.transfer_id)} prepared "
        f"({_minutes(entry.amount_minutes)} from {entry.debit_node_id} to {entry.credit_node_id}); "
        f"the prepare expired at {format_instant(entry.expires_at_micros)}, "
        f"by the cycle's close at {format_instant(closed_at_micros)}.",
    )


def _statement_breaks(
    statement: NodeStatement, position: Position | None, previous_closing_minutes: int
) -> list[Break | None]:
    """The breaks of a statement as a whole: its signature, its opening and its summary."""
    return [
        _signature_break(statement),
        _opening_break(statement, previous_closing_minutes),
        _position_break(statement, position),
    ]


def _statement_problem(node_id: str, statement: NodeStatement | None, cycle_id: int) -> str:
    """Why there is no statement of this node for this cycle, or "" when there is."""
    if statement is None:
        return f"Node {node_id} sent no statement of cycle {cycle_id}."
    if statement.node_id != node_id:
        return f"The statement given for node {node_id} is node {statement.node_id}'s."
    if statement.cycle_id != cycle_id:
        return f"Node {node_id} sent a statement of cycle {statement.cycle_id}, not of cycle {cycle_id}."
    return ""


def _signature_break(statement: NodeStatement) -> Break | None:
    if not statement.signature_problem:
        return None
    detail = f"Node {statement.node_id}'s statement does not verify: {statement.signature_problem}"
    return Break(SIGNATURE_INVALID, statement.node_id, None, detail)


def _opening_break(statement: NodeStatement, previous_closing_minutes: int) -> Break | None:
    if statement.opening_minutes == previous_closing_minutes:
        return None
    detail = (
        f"Node {statement.node_id}'s statement opens at {_minutes(statement.opening_minutes)}; "
        f"the previous cycle closed its position at {_minutes(previous_closing_minutes)}."
    )
    return Break(OPENING_MISMATCH, statement.node_id, None, detail)


def _position_break(statement: NodeStatement, position: Position | None) -> Break | None:
    if position is None:
        detail = f"Node {statement.node_id} sent a statement; the clearinghouse has no position for it."
        return Break(POSITION_MISMATCH, statement.node_id, None, detail)
    differences = [
        f"{name} {getattr(statement, field)} at the node, {getattr(position, field)} at the clearinghouse"
        for field, name in _POSITION_FIELDS
        if getattr(statement, field) != getattr(position, field)
    ]
    if not differences:
        return None
    detail = (
        f"Node {statement.node_id}'s statement differs from the clearinghouse's position: {'; '.join(differences)}."
    )
    return Break(POSITION_MISMATCH, statement.node_id, None, detail)


def _line_breaks(
    statement: NodeStatement,
    committed: Iterable[ClearingEntry],
    entries: dict[int, ClearingEntry],
    closed_at_micros: int,
) -> list[Break]:
    """The breaks of a statement's lines: committed is what the clearinghouse committed with the node as a party."""
    node_id = statement.node_id
    lines: dict[int, StatementLine] = {}
    breaks: list[Break] = []
    for line in statement.lines:
        if line.transfer_id in lines:
            breaks.append(_duplicate_line_break(node_id, line))
        lines.setdefault(line.transfer_id, line)
    breaks.extend(_missing_at_node_break(node_id, entry) for entry in committed if entry.transfer_id not in lines)
    for line in lines.values():
        breaks.extend(_compare_line(node_id, line, entries.get(line.transfer_id), closed_at_micros))
    return breaks


def _duplicate_line_break(node_id: str, line: StatementLine) -> Break:
    detail = (
        f"Node {node_id}'s statement lists transfer {ids.to_hex(line.transfer_id)} more than once; "
        f"the clearinghouse records each transfer once."
    )
    return Break(MISSING_AT_CLEARINGHOUSE, node_id, line.transfer_id, detail)


def _missing_at_node_break(node_id: str, entry: ClearingEntry) -> Break:
    detail = (
        f"The clearinghouse committed transfer {ids.to_hex(entry.transfer_id)} "
        f"({_entry_side(node_id, entry)}) in this cycle; node {node_id}'s statement does not list it."
    )
    return Break(MISSING_AT_NODE, node_id, entry.transfer_id, detail)


def _compare_line(node_id: str, line: StatementLine, entry: ClearingEntry | None, closed_at_micros: int) -> list[Break]:
    """The breaks of one statement line against the clearinghouse's entry for the same transfer."""
    if _agrees(node_id, line, entry):
        return []  # the common case: no sentence is written for a line that matches
    status = "pending" if line.pending else "booked"
    stated = f"Node {node_id} has transfer {ids.to_hex(line.transfer_id)} {status} as {_line_side(line)}"
    if entry is None:
        kind = PENDING_PAST_EXPIRY if line.pending else MISSING_AT_CLEARINGHOUSE
        detail = f"{stated}; the clearinghouse has it neither committed in this cycle nor prepared."
        return [Break(kind, node_id, line.transfer_id, detail)]
    recorded = f"the clearinghouse has it {entry.state} as {_entry_side(node_id, entry)}"
    breaks = []
    if (line.credit, line.amount_minutes, line.counterparty_node_id) != _expected_line(node_id, entry):
        breaks.append(Break(AMOUNT_MISMATCH, node_id, line.transfer_id, f"{stated}; {recorded}."))
    if line.pending and (entry.state != PREPARED or _expired(entry, closed_at_micros)):
        expiry = f", expiring at {format_instant(entry.expires_at_micros)}" if entry.state == PREPARED else ""
        detail = f"{stated}; {recorded}{expiry} (the cycle closed at {format_instant(closed_at_micros)})."
        breaks.append(Break(PENDING_PAST_EXPIRY, node_id, line.transfer_id, detail))
    if not line.pending and entry.state != COMMITTED:
        breaks.append(Break(MISSING_AT_CLEARINGHOUSE, node_id, line.transfer_id, f"{stated}; {recorded}."))
    return breaks


def _agrees(node_id: str, line: StatementLine, entry: ClearingEntry | None) -> bool:
    """True when a booked line matches a committed entry exactly (then _compare_line finds nothing)."""
    return (
        entry is not None
        and not line.pending
        and entry.state == COMMITTED
        and (line.credit, line.amount_minutes, line.counterparty_node_id) == _expected_line(node_id, entry)
    )


def _expected_line(node_id: str, entry: ClearingEntry) -> tuple[bool, int, str] | None:
    """(credit, amount, counterparty) of the entry as the node should state it, None when it is not a party."""
    if node_id == entry.credit_node_id:
        return (True, entry.amount_minutes, entry.debit_node_id)
    if node_id == entry.debit_node_id:
        return (False, entry.amount_minutes, entry.credit_node_id)
    return None


def _entry_side(node_id: str, entry: ClearingEntry) -> str:
    expected = _expected_line(node_id, entry)
    if expected is None:
        return f"{_minutes(entry.amount_minutes)} from {entry.debit_node_id} to {entry.credit_node_id}"
    return _side(*expected)


def _line_side(line: StatementLine) -> str:
    return _side(line.credit, line.amount_minutes, line.counterparty_node_id)


def _side(credit: bool, amount_minutes: int, counterparty_node_id: str) -> str:
    if credit:
        return f"a credit of {_minutes(amount_minutes)} from {counterparty_node_id}"
    return f"a debit of {_minutes(amount_minutes)} to {counterparty_node_id}"


def _minutes(minutes: int) -> str:
    return f"{minutes} minutes ({format_hours(minutes)} hours)"
