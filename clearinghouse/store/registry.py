"""The registry's tables: registry_nodes, registry_keys and registry_events.

Owns the conversion between rows and `NodeRecord` (the status as its stored string) and
`KeyRecord`, and every read and write of the three tables. A key's first row is written
by `timebank.translog.log_key` with the leaf that introduces it; this module changes it
afterwards (expiry, revocation). The caller owns the transaction.

Must not: decide admission, standing or key changes (clearinghouse.registry does), write
log leaves, know gRPC. Invariant: one row per node and per key; events only grow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from clearinghouse.records import NodeRecord, NodeStatus, RegistryAction
from clearinghouse.tables import registry_events, registry_nodes
from timebank.signing import KeyRecord
from timebank.storage.schema import registry_keys

__all__ = [
    "current_key_ids",
    "insert_event",
    "insert_node",
    "key_exists",
    "key_log_index",
    "node_ids",
    "node_names",
    "read_events",
    "read_key",
    "read_keys",
    "read_node",
    "read_nodes",
    "registry_version",
    "set_revoked",
    "set_valid_until",
    "update_status",
]

# -- nodes ------------------------------------------------------------------------------------


def _node_from_row(row: Row[Any]) -> NodeRecord:
    return NodeRecord(
        node_id=row.node_id,
        display_name=row.display_name,
        kind=row.kind,
        status=NodeStatus(row.status),
        net_debit_cap_minutes=row.net_debit_cap_minutes,
        pending_cap_minutes=row.pending_cap_minutes,
        admitted_at_micros=row.admitted_at_micros,
    )


def read_node(connection: Connection, node_id: str) -> NodeRecord | None:
    row = connection.execute(select(registry_nodes).where(registry_nodes.c.node_id == node_id)).first()
    return _node_from_row(row) if row is not None else None


def read_nodes(connection: Connection) -> list[NodeRecord]:
    """Every admitted node, by id."""
    rows = connection.execute(select(registry_nodes).order_by(registry_nodes.c.node_id))
    return [_node_from_row(row) for row in rows]


def node_ids(connection: Connection) -> list[str]:
    """The ids of every admitted node, in order."""
    return list(connection.execute(select(registry_nodes.c.node_id).order_by(registry_nodes.c.node_id)).scalars())


def node_names(connection: Connection) -> dict[str, str]:
    """Every admitted node's display name, by id (in the table's order)."""
    rows = connection.execute(select(registry_nodes.c.node_id, registry_nodes.c.display_name)).all()
    return {node_id: name for node_id, name in rows}


def insert_node(connection: Connection, record: NodeRecord) -> None:
    connection.execute(
        insert(registry_nodes).values(
            node_id=record.node_id,
            display_name=record.display_name,
            kind=record.kind,
            status=record.status.value,
            net_debit_cap_minutes=record.net_debit_cap_minutes,
            pending_cap_minutes=record.pending_cap_minutes,
            admitted_at_micros=record.admitted_at_micros,
        )
    )


def update_status(connection: Connection, node_id: str, status: NodeStatus) -> None:
    connection.execute(update(registry_nodes).where(registry_nodes.c.node_id == node_id).values(status=status.value))


# -- events -----------------------------------------------------------------------------------


def insert_event(connection: Connection, at_micros: int, action: RegistryAction, node_id: str, detail: str) -> None:
    connection.execute(
        insert(registry_events).values(at_micros=at_micros, action=action.value, node_id=node_id, detail=detail)
    )


def read_events(connection: Connection) -> list[dict[str, object]]:
    """Every registry change, in order, as its columns by name."""
    rows = connection.execute(select(registry_events).order_by(registry_events.c.sequence))
    return [dict(row._mapping) for row in rows]


# -- keys -------------------------------------------------------------------------------------


def _key_from_row(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        key_id=row.key_id,
        party_id=row.party_id,
        public_key=bytes(row.public_key),
        valid_from_micros=row.valid_from_micros,
        valid_until_micros=row.valid_until_micros,
        revoked_at_micros=row.revoked_at_micros,
    )


def read_key(connection: Connection, key_id: str) -> KeyRecord | None:
    row = connection.execute(select(registry_keys).where(registry_keys.c.key_id == key_id)).first()
    return _key_from_row(row) if row is not None else None


def read_keys(connection: Connection) -> list[KeyRecord]:
    return [_key_from_row(row) for row in connection.execute(select(registry_keys))]


def registry_version(connection: Connection) -> tuple[int, int]:
    """(keys, latest event): changes whenever a key is added, rotated or revoked (each such
    change writes an event), in one indexed read, so a cached key ring knows when it is stale."""
    keys = connection.execute(select(func.count()).select_from(registry_keys)).scalar_one()
    latest = connection.execute(select(func.max(registry_events.c.sequence))).scalar_one()
    return int(keys), int(latest or 0)


def key_exists(connection: Connection, key_id: str) -> bool:
    return (
        connection.execute(select(registry_keys.c.key_id).where(registry_keys.c.key_id == key_id)).first() is not None
    )


def current_key_ids(connection: Connection, party_id: str) -> list[str]:
    """A party's keys with no expiry set and not revoked."""
    rows = connection.execute(
        select(registry_keys.c.key_id).where(
            registry_keys.c.party_id == party_id,
            registry_keys.c.valid_until_micros.is_(None),
            registry_keys.c.revoked_at_micros.is_(None),
        )
    )
    return list(rows.scalars().all())


def set_valid_until(connection: Connection, key_id: str, until_micros: int) -> None:
    connection.execute(
        update(registry_keys).where(registry_keys.c.key_id == key_id).values(valid_until_micros=until_micros)
    )


def set_revoked(connection: Connection, key_id: str, at_micros: int) -> None:
    connection.execute(
        update(registry_keys).where(registry_keys.c.key_id == key_id).values(revoked_at_micros=at_micros)
    )


def key_log_index(connection: Connection, key_id: str) -> int | None:
    """Where in the log the key was introduced (None: not registered, or not logged)."""
    row = connection.execute(select(registry_keys.c.log_index).where(registry_keys.c.key_id == key_id)).first()
    return None if row is None or row.log_index is None else int(row.log_index)
