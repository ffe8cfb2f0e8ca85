"""The clearinghouse's registry: admitted nodes, their signing keys and their limits.

Owns admission, suspension, reinstatement and key rotation (with an overlap during
which both keys verify). Every change is a row of registry_events and a leaf of the
clearinghouse's transparency log (with the key's new state when it concerns a key),
written in the same transaction as the change. Functions take a Connection; the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from clearinghouse.tables import registry_events, registry_nodes
from timebank import keys, logformat, translog
from timebank.errors import ConfigError, NotFound, NotPermitted, RequestInvalid
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.signing import KeyRecord, KeyRing
from timebank.storage.schema import registry_keys
from timebank.v1 import log_pb2 as lpb

NODE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ACTIVE, SUSPENDED = "active", "suspended"


@dataclass(frozen=True)
class NodeRecord:
    node_id: str
    display_name: str
    kind: str
    status: str
    net_debit_cap_minutes: int
    pending_cap_minutes: int
    admitted_at_micros: int


def _log(
    connection: Connection, at_micros: int, action: str, node_id: str, detail: str, key_id: str | None = None
) -> None:
    """Records the event, and logs it with the key's state after it when it names a key."""
    connection.execute(
        insert(registry_events).values(at_micros=at_micros, action=action, node_id=node_id, detail=detail)
    )
    event = lpb.RegistryEvent(action=action, party_id=node_id, detail=detail)
    if key_id is not None:
        event.key.CopyFrom(logformat.key_state(_key_record(connection, key_id)))
    translog.append(connection, [("registry_event", event)], at_micros)


def _key_record(connection: Connection, key_id: str) -> KeyRecord:
    return _record_of(connection.execute(select(registry_keys).where(registry_keys.c.key_id == key_id)).one())


def _record_of(row) -> KeyRecord:  # type: ignore[no-untyped-def]
    return KeyRecord(
        key_id=row.key_id,
        party_id=row.party_id,
        public_key=bytes(row.public_key),
        valid_from_micros=row.valid_from_micros,
        valid_until_micros=row.valid_until_micros,
        revoked_at_micros=row.revoked_at_micros,
    )


def node(connection: Connection, node_id: str) -> NodeRecord | None:
    row = connection.execute(select(registry_nodes).where(registry_nodes.c.node_id == node_id)).first()
    return NodeRecord(**row._mapping) if row else None


def nodes(connection: Connection) -> list[NodeRecord]:
    rows = connection.execute(select(registry_nodes).order_by(registry_nodes.c.node_id))
    return [NodeRecord(**row._mapping) for row in rows]


def require_active(connection: Connection, node_id: str) -> NodeRecord:
    record = node(connection, node_id)
    if record is None:
        raise NotPermitted(f"sender_id: node {node_id!r} is not admitted to this city")
    if record.status != ACTIVE:
        raise NotPermitted(f"sender_id: node {node_id!r} is suspended")
    return record


def key_ring(connection: Connection) -> KeyRing:
    rows = connection.execute(select(registry_keys))
    return KeyRing(_record_of(row) for row in rows)


def add_key(connection: Connection, party_id: str, public_key: bytes, at_micros: int) -> str:
    key_id = keys.key_id_of_raw(public_key)
    exists = connection.execute(select(registry_keys.c.key_id).where(registry_keys.c.key_id == key_id)).first()
    if exists:
        raise RequestInvalid(f"public_key: key {key_id} is registered already")
    record = KeyRecord(key_id, party_id, public_key, at_micros)
    translog.log_key(connection, record, "key-added", f"key {key_id}", at_micros)
    connection.execute(
        insert(registry_events).values(
            at_micros=at_micros, action="key-added", node_id=party_id, detail=f"key {key_id}"
        )
    )
    return key_id


def admit(
    connection: Connection,
    *,
    node_id: str,
    display_name: str,
    kind: str,
    public_key: bytes,
    net_debit_cap_minutes: int,
    pending_cap_minutes: int,
    at_micros: int,
) -> NodeRecord:
    if not NODE_ID_PATTERN.match(node_id) or node_id == CLEARINGHOUSE_ID:
        raise ConfigError(f"node_id: got {node_id!r}, want 1-32 of a-z, 0-9 and '-', not {CLEARINGHOUSE_ID!r}")
    if node(connection, node_id) is not None:
        raise ConfigError(f"node_id: node {node_id!r} is admitted already")
    record = NodeRecord(node_id, display_name, kind, ACTIVE, net_debit_cap_minutes, pending_cap_minutes, at_micros)
    connection.execute(insert(registry_nodes).values(**record.__dict__))
    _log(
        connection,
        at_micros,
        "admitted",
        node_id,
        f"{display_name} ({kind}), net debit cap {net_debit_cap_minutes} min, pending cap {pending_cap_minutes} min",
    )
    add_key(connection, node_id, public_key, at_micros)
    return record


def set_status(connection: Connection, node_id: str, status: str, reason: str, at_micros: int) -> None:
    record = node(connection, node_id)
    if record is None:
        raise NotFound(f"node_id: node {node_id!r} is not admitted")
    if record.status == status:
        raise RequestInvalid(f"node_id: node {node_id!r} is {status} already")
    connection.execute(update(registry_nodes).where(registry_nodes.c.node_id == node_id).values(status=status))
    _log(connection, at_micros, "suspended" if status == SUSPENDED else "reinstated", node_id, reason)


def rotate_key(
    connection: Connection, party_id: str, new_public_key: bytes, overlap_micros: int, at_micros: int
) -> str:
    """Adds the new key now; the party's other keys stay valid for the overlap, then expire."""
    current = (
        connection.execute(
            select(registry_keys.c.key_id).where(
                registry_keys.c.party_id == party_id,
                registry_keys.c.valid_until_micros.is_(None),
                registry_keys.c.revoked_at_micros.is_(None),
            )
        )
        .scalars()
        .all()
    )
    key_id = add_key(connection, party_id, new_public_key, at_micros)
    for old in current:
        connection.execute(
            update(registry_keys)
            .where(registry_keys.c.key_id == old)
            .values(valid_until_micros=at_micros + overlap_micros)
        )
        _log(
            connection,
            at_micros,
            "key-rotated",
            party_id,
            f"key {old} valid until {at_micros + overlap_micros}, replaced by {key_id}",
            key_id=old,
        )
    return key_id


def revoke_key(connection: Connection, key_id: str, reason: str, at_micros: int) -> None:
    row = connection.execute(select(registry_keys).where(registry_keys.c.key_id == key_id)).first()
    if row is None:
        raise NotFound(f"key_id: key {key_id} is not registered")
    connection.execute(
        update(registry_keys).where(registry_keys.c.key_id == key_id).values(revoked_at_micros=at_micros)
    )
    _log(connection, at_micros, "key-revoked", row.party_id, f"key {key_id}: {reason}", key_id=key_id)


def events(connection: Connection) -> list[dict[str, object]]:
    rows = connection.execute(select(registry_events).order_by(registry_events.c.sequence))
    return [dict(row._mapping) for row in rows]
