"""The clearinghouse's registry: admitted nodes, their signing keys and their limits.

Owns admission, suspension, reinstatement and key rotation (with an overlap during
which both keys verify): each checks what is stored, then writes through
`clearinghouse.store.registry`. Every change is a row of registry_events and a leaf of the
clearinghouse's transparency log (with the key's new state when it concerns a key),
written in the same transaction as the change. Functions take a Connection; the caller
owns the transaction (`current_key_ring` opens its own read).

Must not: write SQL (the store does), know gRPC. Invariant: no change without its event
row and its log leaf in the same transaction.
"""

from __future__ import annotations

import pathlib
import re

from sqlalchemy import Connection, Engine

from clearinghouse import leaves
from clearinghouse.records import NodeRecord, NodeStatus, RegistryAction
from clearinghouse.store import registry as store
from timebank import keys, translog
from timebank.errors import AlreadyExists, NotFound, NotPermitted, RequestInvalid
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.quoting import quoted
from timebank.signing import KeyRecord, KeyRing
from timebank.storage.engine import read_transaction

__all__ = [
    "add_key",
    "admit",
    "current_key_ring",
    "KeyRingCache",
    "events",
    "key_ring",
    "node",
    "DISPLAY_NAME_MAX",
    "NODE_ID_PATTERN",
    "NODE_KEYS_HEADER",
    "NODE_KINDS",
    "REASON_MAX",
    "check_reason",
    "nodes",
    "publish_node_keys",
    "require_active",
    "revoke_key",
    "rotate_key",
    "set_status",
]

NODE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
NODE_KINDS = ("district", "department")
DISPLAY_NAME_MAX = 64
REASON_MAX = 200
NODE_KEYS_HEADER = (
    "The city's nodes' public signing keys, each valid for the period the clearinghouse's registry gave it.\n"
    "Written by `timebank clearinghouse node keys` (and `timebank city init`); check a node's certificate with\n"
    "`timebank certificate verify FILE --keys node-keys.toml`."
)


def _log(
    connection: Connection,
    at_micros: int,
    action: RegistryAction,
    node_id: str,
    detail: str,
    key_id: str | None = None,
) -> None:
    """Records the event, and logs it with the key's state after it when it names a key."""
    store.insert_event(connection, at_micros, action, node_id, detail)
    key = None if key_id is None else store.read_key(connection, key_id)
    assert key_id is None or key is not None, "an event names a key that is registered"
    translog.record(connection, [leaves.registry_event(action, node_id, detail, key)], at_micros)


def node(connection: Connection, node_id: str) -> NodeRecord | None:
    return store.read_node(connection, node_id)


def nodes(connection: Connection) -> list[NodeRecord]:
    return store.read_nodes(connection)


def require_active(connection: Connection, node_id: str) -> NodeRecord:
    record = node(connection, node_id)
    if record is None:
        raise NotPermitted(f"sender_id: node {quoted(node_id)} is not admitted to this city")
    if record.status != NodeStatus.ACTIVE:
        raise NotPermitted(f"sender_id: node {quoted(node_id)} is suspended")
    return record


def key_ring(connection: Connection) -> KeyRing:
    return KeyRing(store.read_keys(connection))


def publish_node_keys(connection: Connection, path: pathlib.Path) -> int:
    """Writes every node's registered keys (rotated and revoked ones included, each with the
    validity the registry gave it) to a key ring file: the list the city publishes, against
    which anyone checks a node's certificate (`timebank certificate verify --keys`)."""
    node_ids = set(store.node_ids(connection))
    records = [record for record in store.read_keys(connection) if record.party_id in node_ids]
    records.sort(key=lambda record: (record.party_id, record.valid_from_micros, record.key_id))
    keys.write_key_ring_file(path, records, NODE_KEYS_HEADER)
    return len(records)


def current_key_ring(engine: Engine) -> KeyRing:
    """Every registered key as stored now, read in a transaction of its own."""
    with read_transaction(engine) as connection:
        return key_ring(connection)


class KeyRingCache:
    """The current key ring, built again only when the registry changed.

    Every batch needs the ring; building it parses every key ever registered, a cost that
    would grow with each rotation. A batch pays one small read of `store.registry_version`
    instead, which also notices a change made by another process (a command on the same
    database)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cached: tuple[tuple[int, int], KeyRing] | None = None

    def current(self) -> KeyRing:
        with read_transaction(self._engine) as connection:
            version = store.registry_version(connection)
            cached = self._cached
            if cached is not None and cached[0] == version:
                return cached[1]
            ring = key_ring(connection)
        self._cached = (version, ring)  # one assignment: a racing batch builds its own, as good
        return ring


def add_key(
    connection: Connection, party_id: str, public_key: bytes, at_micros: int, valid_from_micros: int | None = None
) -> str:
    """Registers a key at at_micros, valid from then (or from valid_from_micros: the
    clearinghouse's first key is valid from the beginning)."""
    key_id = keys.key_id_of_raw(public_key)
    if store.key_exists(connection, key_id):
        raise RequestInvalid(f"public_key: key {key_id} is registered already")
    valid_from = at_micros if valid_from_micros is None else valid_from_micros
    record = KeyRecord(key_id, party_id, public_key, valid_from)
    action = RegistryAction.KEY_ADDED
    translog.log_key(connection, record, action.value, f"key {key_id}", at_micros)
    store.insert_event(connection, at_micros, action, party_id, f"key {key_id}")
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
        raise RequestInvalid(f"node_id: got {quoted(node_id)}, want 1-32 of a-z, 0-9 and '-', not {CLEARINGHOUSE_ID!r}")
    if not 1 <= len(display_name.strip()) <= DISPLAY_NAME_MAX:
        raise RequestInvalid(f"display_name: got {len(display_name.strip())} characters, want 1 to {DISPLAY_NAME_MAX}")
    if kind not in NODE_KINDS:
        raise RequestInvalid(f"kind: got {quoted(kind)}, want one of {', '.join(NODE_KINDS)}")
    for name, cap in (("net_debit_cap_minutes", net_debit_cap_minutes), ("pending_cap_minutes", pending_cap_minutes)):
        if cap <= 0:
            raise RequestInvalid(f"{name}: got {cap} minutes, want > 0")
    if node(connection, node_id) is not None:
        raise AlreadyExists(f"node_id: node {quoted(node_id)} is admitted already")
    record = NodeRecord(
        node_id, display_name, kind, NodeStatus.ACTIVE, net_debit_cap_minutes, pending_cap_minutes, at_micros
    )
    store.insert_node(connection, record)
    _log(
        connection,
        at_micros,
        RegistryAction.ADMITTED,
        node_id,
        f"{display_name} ({kind}), net debit cap {net_debit_cap_minutes} min, pending cap {pending_cap_minutes} min",
    )
    add_key(connection, node_id, public_key, at_micros)
    return record


def check_reason(reason: str) -> str:
    """A reason for the log: 1 to 200 characters once trimmed."""
    trimmed = reason.strip()
    if not 1 <= len(trimmed) <= REASON_MAX:
        raise RequestInvalid(f"reason: got {len(trimmed)} characters, want 1 to {REASON_MAX}")
    return trimmed


def set_status(connection: Connection, node_id: str, status_name: str, reason: str, at_micros: int) -> None:
    """Suspends or reinstates a node (status_name: a NodeStatus), logged with the reason."""
    try:
        status = NodeStatus(status_name)
    except ValueError:
        wanted = ", ".join(state.value for state in NodeStatus)
        raise RequestInvalid(f"status: got {quoted(status_name)}, want one of {wanted}") from None
    reason = check_reason(reason)
    record = node(connection, node_id)
    if record is None:
        raise NotFound(f"node_id: node {quoted(node_id)} is not admitted")
    if record.status == status:
        raise RequestInvalid(f"node_id: node {quoted(node_id)} is {status} already")
    store.update_status(connection, node_id, status)
    action = RegistryAction.SUSPENDED if status == NodeStatus.SUSPENDED else RegistryAction.REINSTATED
    _log(connection, at_micros, action, node_id, reason)


def rotate_key(
    connection: Connection, party_id: str, new_public_key: bytes, overlap_micros: int, at_micros: int
) -> str:
    """Adds the new key now; the party's other keys stay valid for the overlap, then expire.
    NotFound for a party that is not an admitted node."""
    if node(connection, party_id) is None:
        raise NotFound(f"node_id: node {party_id[:40]!r} is not admitted")
    current = store.current_key_ids(connection, party_id)
    key_id = add_key(connection, party_id, new_public_key, at_micros)
    for old in current:
        store.set_valid_until(connection, old, at_micros + overlap_micros)
        _log(
            connection,
            at_micros,
            RegistryAction.KEY_ROTATED,
            party_id,
            f"key {old} valid until {at_micros + overlap_micros}, replaced by {key_id}",
            key_id=old,
        )
    return key_id


def revoke_key(connection: Connection, key_id: str, reason: str, at_micros: int) -> None:
    reason = check_reason(reason)
    record = store.read_key(connection, key_id)
    if record is None:
        raise NotFound(f"key_id: key {key_id} is not registered")
    store.set_revoked(connection, key_id, at_micros)
    _log(connection, at_micros, RegistryAction.KEY_REVOKED, record.party_id, f"key {key_id}: {reason}", key_id=key_id)


def events(connection: Connection) -> list[dict[str, object]]:
    return store.read_events(connection)
