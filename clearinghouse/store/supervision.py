"""The SQL of the nodes' supervision reports: node_reports, the latest of each node.

Owns the rows; the caller owns the transaction. Must not: decide anything, know gRPC.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from clearinghouse.tables import node_reports

__all__ = ["keep_report", "reports"]


def keep_report(connection: Connection, node_id: str, as_of_micros: int, report: bytes, now_micros: int) -> bool:
    """Keeps a node's report unless one as new or newer is kept; whether it was kept."""
    table = node_reports.c
    kept = connection.execute(select(table.as_of_micros).where(table.node_id == node_id)).scalar_one_or_none()
    if kept is None:
        connection.execute(
            insert(node_reports).values(
                node_id=node_id, as_of_micros=as_of_micros, received_at_micros=now_micros, report=report
            )
        )
        return True
    if kept >= as_of_micros:
        return False
    connection.execute(
        update(node_reports)
        .where(table.node_id == node_id)
        .values(as_of_micros=as_of_micros, received_at_micros=now_micros, report=report)
    )
    return True


def reports(connection: Connection) -> list[tuple[str, int, bytes]]:
    """(node id, received at, report bytes) of every node that sent one, by node id."""
    table = node_reports.c
    rows = connection.execute(select(table.node_id, table.received_at_micros, table.report).order_by(table.node_id))
    return [(row.node_id, row.received_at_micros, bytes(row.report)) for row in rows]
