"""A party's append-only transparency log, stored beside its books, and its signed checkpoints.

Owns appending leaves inside the caller's transaction (so a state change and its leaf
commit together or not at all), the stored tree (every perfect subtree's hash, so proofs
and roots are read, not recomputed), signed checkpoints, and reads for the log service:
entries by range, inclusion and consistency proofs (RFC 9162), roots at any size.

Appends lock the single head row first, so they are serialised on every backend and the
tree cannot fork. Both the clearinghouse and every node use this module; what they log
is theirs to decide (see log.proto).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message
from sqlalchemy import Connection, and_, func, insert, or_, select, update

from timebank import logentries, logformat, merkle
from timebank.errors import RequestInvalid, StorageUnavailable
from timebank.ledger.model import StoredTransfer
from timebank.signing import KeyRecord
from timebank.storage import bulk
from timebank.storage.schema import log_checkpoints, log_entries, log_head, log_nodes, registry_keys
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "Body",
    "CHECKPOINTS_PER_READ_MAX",
    "ENTRIES_PER_READ_MAX",
    "HASH",
    "Head",
    "append",
    "checkpoints_after",
    "consistency_proof",
    "entries",
    "frontier_after",
    "frontier_root",
    "inclusion_proof",
    "last_logged_micros",
    "latest_checkpoint",
    "latest_checkpoint_size",
    "lock",
    "log_key",
    "perfect_pieces",
    "posting_journal",
    "publish",
    "read_head",
    "recent_checkpoints",
    "record",
    "root_at",
    "size",
    "start",
    "subtree_roots",
]

HASH = merkle.HASH_SIZE_BYTES
ENTRIES_PER_READ_MAX = 1_000
CHECKPOINTS_PER_READ_MAX = 1_000

# A leaf to append: the name of the LogEntry body field and its message.
Body = tuple[str, Message]


# -- the tree, pure ----------------------------------------------------------------------------


def frontier_after(size: int, frontier: list[bytes], leaf: bytes) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Appends one leaf hash at position size to a compact range.

    The frontier holds the roots of the perfect subtrees covering [0, size), largest first
    (one per set bit of size). Returns the new frontier and every node completed by the
    append as (level, position, hash), the leaf itself included.
    """
    completed = [(0, size, leaf)]
    frontier = list(frontier)
    carry, level, position = leaf, 0, size
    while position & 1:
        carry = merkle.node_hash(frontier.pop(), carry)
        level, position = level + 1, position >> 1
        completed.append((level, position, carry))
    frontier.append(carry)
    return frontier, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return merkle.EMPTY_ROOT_HASH
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = merkle.node_hash(left, root)
    return root


def perfect_pieces(start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as aligned perfect subtrees (level, position), largest first.

    For the ranges RFC 9162 proofs use (start aligned to the range's largest power of two),
    folding these right to left gives the range's Merkle tree hash.
    """
    pieces = []
    while start < end:
        level = 0
        while start % (1 << (level + 1)) == 0 and start + (1 << (level + 1)) <= end:
            level += 1
        pieces.append((level, start >> level))
        start += 1 << level
    return pieces


# -- appending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    log_id: str
    size: int
    last_hash: bytes
    frontier: list[bytes]

    @property
    def root(self) -> bytes:
        return frontier_root(self.frontier)


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[offset : offset + HASH] for offset in range(0, len(frontier), HASH)]


def read_head(connection: Connection, *, lock: bool = False) -> Head | None:
    statement = select(log_head).where(log_head.c.id == 1)
    row = connection.execute(statement.with_for_update() if lock else statement).first()
    if row is None:
        return None
    return Head(row.log_id, row.size, bytes(row.last_hash), _split(bytes(row.frontier)))


def lock(connection: Connection) -> Head:
    """Takes the log's head row for this transaction: appends after this one wait."""
    head = read_head(connection, lock=True)
    if head is None:
        raise StorageUnavailable("log: this database has no transparency log; run the party's init or serve first")
    return head


def start(connection: Connection, log_id: str, owner_keys: Iterable[KeyRecord], now_micros: int, action: str) -> None:
    """Creates the log (genesis and the owner's keys) if absent; logs keys not logged yet.

    Idempotent, so every start of a party may call it: a key added to the party's key
    files since the last start is logged once, with `action` (e.g. "key-known").
    """
    head = read_head(connection, lock=True)
    if head is None:
        connection.execute(insert(log_head).values(id=1, log_id=log_id, size=0, last_hash=b"", frontier=b""))
        record(connection, [logentries.Genesis(log_id, log_id)], now_micros)
    elif head.log_id != log_id:
        raise StorageUnavailable(f"log: this database holds the log of {head.log_id!r}, not of {log_id!r}")
    for key in owner_keys:
        log_key(connection, key, action, "", now_micros)


def log_key(connection: Connection, key: KeyRecord, action: str, detail: str, now_micros: int) -> int | None:
    """Logs a key's state once (registry_keys remembers where); returns the index, None if logged before."""
    row = connection.execute(select(registry_keys).where(registry_keys.c.key_id == key.key_id)).first()
    if row is None:
        connection.execute(
            insert(registry_keys).values(
                key_id=key.key_id,
                party_id=key.party_id,
                public_key=key.public_key,
                valid_from_micros=key.valid_from_micros,
                valid_until_micros=key.valid_until_micros,
                revoked_at_micros=key.revoked_at_micros,
                log_index=None,
            )
        )
    elif row.log_index is not None:
        return None
    index = record(connection, [logentries.RegistryEvent(action, key.party_id, detail, key)], now_micros)
    connection.execute(update(registry_keys).where(registry_keys.c.key_id == key.key_id).values(log_index=index))
    return index


def append(connection: Connection, bodies: Sequence[Body], now_micros: int) -> int:
    """Appends one leaf per body inside the caller's transaction; returns the first index."""
    head = lock(connection)
    if not bodies:
        return head.size
    size, last_hash, frontier = head.size, head.last_hash, head.frontier
    entry_rows, node_rows = [], []
    for field_name, message in bodies:
        data = logformat.entry_bytes(size, last_hash, now_micros, **{field_name: message})
        last_hash = merkle.leaf_hash(data)
        frontier, completed = frontier_after(size, frontier, last_hash)
        entry_rows.append({"position": size, "data": data, "logged_at_micros": now_micros})
        node_rows += [{"level": level, "position": position, "hash": value} for level, position, value in completed]
        size += 1
    bulk.insert_rows(connection, log_entries, entry_rows)
    bulk.insert_rows(connection, log_nodes, node_rows)
    connection.execute(
        update(log_head).where(log_head.c.id == 1).values(size=size, last_hash=last_hash, frontier=b"".join(frontier))
    )
    return head.size


def record(connection: Connection, values: Sequence[logentries.LogValue], now_micros: int) -> int:
    """Appends one leaf per typed value (timebank.logentries) inside the caller's transaction;
    returns the first index."""
    return append(connection, logentries.encode_all(values), now_micros)


def posting_journal(clock: Callable[[], int]) -> Callable[[Connection, Sequence[StoredTransfer]], None]:
    """A Books journal that logs every transfer written as a Posting leaf."""

    def journal(connection: Connection, written: Sequence[StoredTransfer]) -> None:
        record(connection, [logentries.Posting(t.request) for t in written], clock())

    return journal


# -- reading -----------------------------------------------------------------------------------


def size(connection: Connection) -> int:
    head = read_head(connection)
    return head.size if head else 0


def last_logged_micros(connection: Connection) -> int:
    """When the newest entry was written (0: the log is empty)."""
    return int(connection.execute(select(func.max(log_entries.c.logged_at_micros))).scalar_one() or 0)


def entries(connection: Connection, start_index: int, end_index: int) -> list[bytes]:
    _check_range(connection, start_index, end_index, ENTRIES_PER_READ_MAX)
    rows = connection.execute(
        select(log_entries.c.data)
        .where(log_entries.c.position >= start_index, log_entries.c.position < end_index)
        .order_by(log_entries.c.position)
    )
    return [bytes(data) for (data,) in rows]


def _check_range(connection: Connection, start_index: int, end_index: int, count_max: int) -> None:
    log_size = size(connection)
    if not 0 <= start_index < end_index <= log_size:
        raise RequestInvalid(f"end: got range [{start_index}, {end_index}), want 0 <= start < end <= size {log_size}")
    if end_index - start_index > count_max:
        raise RequestInvalid(f"end: got {end_index - start_index} entries, want at most {count_max} per call")


def _node_hashes(connection: Connection, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    by_level: dict[int, list[int]] = {}
    for level, position in set(wanted):
        by_level.setdefault(level, []).append(position)
    found: dict[tuple[int, int], bytes] = {}
    if not by_level:
        return found
    conditions = [
        and_(log_nodes.c.level == level, log_nodes.c.position.in_(positions)) for level, positions in by_level.items()
    ]
    for row in connection.execute(select(log_nodes).where(or_(*conditions))):
        found[(row.level, row.position)] = bytes(row.hash)
    return found


def subtree_roots(connection: Connection, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The Merkle tree hash of each range of leaves, read from the stored perfect subtrees."""
    pieces = [perfect_pieces(start_index, end_index) for start_index, end_index in ranges]
    hashes = _node_hashes(connection, [piece for group in pieces for piece in group])
    try:
        return [frontier_root([hashes[piece] for piece in group]) for group in pieces]
    except KeyError as missing:
        raise StorageUnavailable(f"log: the stored tree lacks node {missing}; the log is damaged") from None


def root_at(connection: Connection, tree_size: int) -> bytes:
    _check_tree_size(connection, tree_size)
    return subtree_roots(connection, [(0, tree_size)])[0] if tree_size else merkle.EMPTY_ROOT_HASH


def _check_tree_size(connection: Connection, tree_size: int) -> int:
    log_size = size(connection)
    if not 0 <= tree_size <= log_size:
        raise RequestInvalid(f"tree_size: got {tree_size}, want 0 <= tree_size <= {log_size}")
    return log_size


def inclusion_proof(connection: Connection, index: int, tree_size: int) -> list[bytes]:
    _check_tree_size(connection, tree_size)
    if not 0 <= index < tree_size:
        raise RequestInvalid(f"index: got {index}, want 0 <= index < tree_size {tree_size}")
    return subtree_roots(connection, merkle.inclusion_subtrees(index, tree_size))


def consistency_proof(connection: Connection, old_size: int, new_size: int) -> list[bytes]:
    _check_tree_size(connection, new_size)
    if not 0 <= old_size <= new_size:
        raise RequestInvalid(f"old_size: got {old_size}, want 0 <= old_size <= new_size {new_size}")
    return subtree_roots(connection, merkle.consistency_subtrees(old_size, new_size))


# -- checkpoints -------------------------------------------------------------------------------


def latest_checkpoint(connection: Connection) -> lpb.SignedCheckpoint | None:
    row = connection.execute(select(log_checkpoints.c.signed).order_by(log_checkpoints.c.size.desc()).limit(1)).first()
    return lpb.SignedCheckpoint.FromString(bytes(row.signed)) if row else None


def latest_checkpoint_size(connection: Connection) -> int:
    row = connection.execute(select(log_checkpoints.c.size).order_by(log_checkpoints.c.size.desc()).limit(1)).first()
    return row.size if row else 0


def recent_checkpoints(connection: Connection, limit: int) -> list[lpb.SignedCheckpoint]:
    """The newest checkpoints, newest first."""
    if not 1 <= limit <= CHECKPOINTS_PER_READ_MAX:
        raise RequestInvalid(f"limit: got {limit}, want 1..={CHECKPOINTS_PER_READ_MAX}")
    rows = connection.execute(select(log_checkpoints.c.signed).order_by(log_checkpoints.c.size.desc()).limit(limit))
    return [lpb.SignedCheckpoint.FromString(bytes(signed)) for (signed,) in rows]


def checkpoints_after(connection: Connection, after_size: int, limit: int) -> list[lpb.SignedCheckpoint]:
    if not 1 <= limit <= CHECKPOINTS_PER_READ_MAX:
        raise RequestInvalid(f"limit: got {limit}, want 1..={CHECKPOINTS_PER_READ_MAX}")
    rows = connection.execute(
        select(log_checkpoints.c.signed)
        .where(log_checkpoints.c.size > after_size)
        .order_by(log_checkpoints.c.size)
        .limit(limit)
    )
    return [lpb.SignedCheckpoint.FromString(bytes(signed)) for (signed,) in rows]


def publish(connection: Connection, private_key: Ed25519PrivateKey, now_micros: int) -> lpb.SignedCheckpoint:
    """Signs a checkpoint of the log as it is in this transaction, unless the size is signed already."""
    head = lock(connection)
    latest = latest_checkpoint(connection)
    if latest is not None and logformat.checkpoint_body(latest).size == head.size:
        return latest
    signed = logformat.sign_checkpoint(head.log_id, head.size, head.root, now_micros, private_key)
    connection.execute(
        insert(log_checkpoints).values(
            size=head.size, root_hash=head.root, timestamp_micros=now_micros, signed=signed.SerializeToString()
        )
    )
    return signed
