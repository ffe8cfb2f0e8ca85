"""A node's signed statements of settlement cycles (the shape of ISO 20022 camt.053).

Owns making the statement of a closed cycle from this node's own records: the opening
position (the previous statement's closing), the COMMITs the clearinghouse stamped with
the cycle (debits: hours that left; credits: hours that came in), the closing position,
the holds still waiting for a decision, and one signed page per LINES_PER_PAGE entries.
Made once per cycle and stored, so a repeated notice sends the same pages again.
Functions take a Connection; the caller owns the transaction.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, func, insert, select

from nodes.records import LegState
from nodes.tables import remote_transfers
from timebank import logformat
from timebank.storage import ledger_store
from timebank.storage.schema import statements
from timebank.v1 import log_pb2 as lpb

__all__ = ["COMMITTED", "committed_count", "cycles_with_statements", "HELD", "LINES_PER_PAGE", "make", "stored_pages"]

LINES_PER_PAGE = 2_000
COMMITTED, HELD = LegState.COMMITTED, LegState.HELD


def committed_count(connection: Connection, cycle_id: int) -> int:
    """How many COMMITs of the cycle this node has applied."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(remote_transfers)
            .where(remote_transfers.c.cycle_id == cycle_id, remote_transfers.c.state == COMMITTED)
        ).scalar_one()
    )


def stored_pages(connection: Connection, node_id: str, cycle_id: int) -> list[lpb.SignedStatement]:
    return [
        lpb.SignedStatement.FromString(data) for data in ledger_store.statement_pages(connection, node_id, cycle_id)
    ]


def cycles_with_statements(connection: Connection, node_id: str) -> list[int]:
    rows = connection.execute(
        select(statements.c.cycle_id)
        .where(statements.c.node_id == node_id, statements.c.page == 1)
        .order_by(statements.c.cycle_id)
    )
    return [int(cycle_id) for (cycle_id,) in rows]


def make(
    connection: Connection, node_id: str, cycle_id: int, private_key: Ed25519PrivateKey, now_micros: int
) -> tuple[list[lpb.SignedStatement], bool]:
    """The signed pages of the cycle's statement, and whether they were made just now."""
    existing = stored_pages(connection, node_id, cycle_id)
    if existing:
        return existing, False
    booked = _lines(connection, (remote_transfers.c.cycle_id == cycle_id, remote_transfers.c.state == COMMITTED))
    pending = _lines(connection, (remote_transfers.c.state == HELD,), pending=True)
    opening = _previous_closing(connection, node_id, cycle_id)
    debits = [line for line in booked if not line.credit]
    credits = [line for line in booked if line.credit]
    debits_minutes = sum(x.amount_minutes for x in debits)
    credits_minutes = sum(x.amount_minutes for x in credits)
    closing_minutes = opening + credits_minutes - debits_minutes

    def page_body(number: int, page_count: int, chunk: list[lpb.StatementLine]) -> lpb.Statement:
        return lpb.Statement(
            node_id=node_id,
            cycle_id=cycle_id,
            created_at_micros=now_micros,
            opening_minutes=opening,
            closing_minutes=closing_minutes,
            debits_minutes=debits_minutes,
            debit_count=len(debits),
            credits_minutes=credits_minutes,
            credit_count=len(credits),
            pending_minutes=sum(x.amount_minutes for x in pending),
            pending_count=len(pending),
            page=number,
            page_count=page_count,
            lines=chunk,
        )

    lines = booked + pending
    page_count = max(1, -(-len(lines) // LINES_PER_PAGE))
    pages = []
    for number in range(page_count):
        chunk = lines[number * LINES_PER_PAGE : (number + 1) * LINES_PER_PAGE]
        pages.append(logformat.sign_statement(page_body(number + 1, page_count, chunk), private_key))
    connection.execute(
        insert(statements),
        [
            {
                "node_id": node_id,
                "cycle_id": cycle_id,
                "page": number + 1,
                "signed": page.SerializeToString(),
                "closing_minutes": closing_minutes,
                "recorded_at_micros": now_micros,
            }
            for number, page in enumerate(pages)
        ],
    )
    return pages, True


def _lines(connection: Connection, conditions: tuple, *, pending: bool = False) -> list[lpb.StatementLine]:  # type: ignore[type-arg]
    rows = connection.execute(select(remote_transfers).where(*conditions).order_by(remote_transfers.c.transfer_id))
    return [
        lpb.StatementLine(
            transfer_id=bytes.fromhex(row.transfer_id),
            amount_minutes=row.amount_minutes,
            credit=row.side == "credit",
            counterparty_node_id=row.counterparty_node_id,
            pending=pending,
        )
        for row in rows
    ]


def _previous_closing(connection: Connection, node_id: str, cycle_id: int) -> int:
    row = connection.execute(
        select(statements.c.closing_minutes)
        .where(statements.c.node_id == node_id, statements.c.cycle_id < cycle_id, statements.c.page == 1)
        .order_by(statements.c.cycle_id.desc())
        .limit(1)
    ).first()
    return int(row.closing_minutes) if row else 0
