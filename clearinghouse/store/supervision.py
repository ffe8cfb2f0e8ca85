"""The SQL of the nodes' supervision reports (node_reports, the latest of each node) and of
the bureau's acknowledgements of their alerts (alert_acknowledgements).

Owns the rows; the caller owns the transaction. Must not: decide anything, know gRPC.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, insert, select, update

from clearinghouse.records import AlertAcknowledged
from clearinghouse.tables import alert_acknowledgements, node_reports
from timebank import ids
from timebank.storage.schema import outbox

__all__ = ["acknowledgement", "acknowledgements", "add_acknowledgement", "keep_report", "report", "reports"]


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


def report(connection: Connection, node_id: str) -> bytes | None:
    """The node's latest report (SupervisionReport bytes), if it sent one."""
    found = connection.execute(select(node_reports.c.report).where(node_reports.c.node_id == node_id)).scalar()
    return bytes(found) if found is not None else None


def add_acknowledgement(connection: Connection, done: AlertAcknowledged, item_id: int) -> None:
    connection.execute(
        insert(alert_acknowledgements).values(
            node_id=done.node_id,
            alert_id=done.alert_id,
            account=done.account,
            note=done.note,
            acknowledged_at_micros=done.acknowledged_at_micros,
            item_id=ids.to_hex(item_id),
        )
    )


def acknowledgements(connection: Connection, node_id: str = "", alert_id: int = 0) -> list[AlertAcknowledged]:
    """The bureau's acknowledgements (of one node's alert, when named), each with whether the
    node has acknowledged the item that carried it, by node and alert."""
    table = alert_acknowledgements.c
    carried = and_(outbox.c.recipient_id == table.node_id, outbox.c.item_id == table.item_id)
    statement = (
        select(
            table.node_id,
            table.alert_id,
            table.account,
            table.note,
            table.acknowledged_at_micros,
            outbox.c.acknowledged_at_micros.label("delivered_at"),
        )
        .select_from(alert_acknowledgements.outerjoin(outbox, carried))
        .order_by(table.node_id, table.alert_id)
    )
    if node_id:
        statement = statement.where(table.node_id == node_id, table.alert_id == alert_id)
    return [
        AlertAcknowledged(
            row.node_id, row.alert_id, row.account, row.note, row.acknowledged_at_micros, row.delivered_at is not None
        )
        for row in connection.execute(statement)
    ]


def acknowledgement(connection: Connection, node_id: str, alert_id: int) -> AlertAcknowledged | None:
    found = acknowledgements(connection, node_id, alert_id)
    return found[0] if found else None
