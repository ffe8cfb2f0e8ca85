"""A party's check of its own stored log when it starts: is every stored byte still what it wrote?

Owns the rules. Every entry is read in order and must sit at its position (no gap), hash
to the stored leaf (level-0 node) and carry its own index and the previous leaf's hash;
the tree is rebuilt from the entries, and every checkpoint the party signed must carry its
signature by the party's key and the root rebuilt at its size; the head's size, last hash
and root must be the rebuilt ones. The cost is one SHA-256 per leaf and per tree node:
about 3 s per million entries on a small machine. Each damage is named with where it is
(at most DAMAGE_NAMED_MAX); a caller that finds any halts its books (nodes.server,
clearinghouse.server), so the party serves reads and refuses writes until it is restored
(deploy/README.md, "A party names damage at start").
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator

from google.protobuf.message import DecodeError
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from timebank import logformat, merkle
from timebank.books import Books
from timebank.errors import VerificationError
from timebank.signing import KeyRing
from timebank.storage.engine import RESTORE_ADVICE
from timebank.storage.schema import log_checkpoints, log_entries, log_nodes
from timebank.translog import frontier_after, frontier_root, read_head
from timebank.v1 import log_pb2 as lpb

__all__ = ["DAMAGE_NAMED_MAX", "READ_PARTITION_ROWS", "damage", "halt_if_damaged"]

DAMAGE_NAMED_MAX = 10
READ_PARTITION_ROWS = 5_000


def damage(connection: Connection, log_id: str, key_ring: KeyRing) -> list[str]:
    """Every damage found in the stored log (empty when it is whole); key_ring holds the owner's keys."""
    head = read_head(connection)
    if head is None:
        return []
    found: list[str] = []
    checkpoints = _checkpoints(connection, log_id, key_ring, found)
    try:
        with contextlib.closing(_entries_with_leaves(connection)) as rows:  # a generator: closing ends its reads
            size, last_hash, frontier = _check_entries(rows, checkpoints, found)
    except DBAPIError as error:  # a value the driver cannot even read back
        found.append(f"entries: cannot be read: {error.orig}")
    if found:
        return found[:DAMAGE_NAMED_MAX]  # the head is compared with a whole run of entries only
    found += [f"checkpoint of size {s}: the log has only {size} entries" for s in sorted(checkpoints) if s > size]
    if head.size != size:
        found.append(f"head: says {head.size} entries, {size} are stored")
    elif head.last_hash != last_hash or head.root != frontier_root(frontier):
        found.append("head: its last hash or root is not that of the stored entries")
    return found[:DAMAGE_NAMED_MAX]


def _check_entries(
    rows: Iterator[tuple[int, bytes, bytes | None]], checkpoints: dict[int, bytes], found: list[str]
) -> tuple[int, bytes, list[bytes]]:
    """Rebuilds the tree from the entries, naming damage in found; (size, last leaf hash, frontier)."""
    frontier: list[bytes] = []
    size, last_hash = 0, b""
    for position, data, stored_leaf in rows:
        if position != size:
            found.append(f"entry {size}: missing (the next stored entry is {position})")
            break
        leaf = merkle.leaf_hash(data)
        if stored_leaf != leaf:
            found.append(f"entry {position}: its bytes do not hash to the stored leaf hash")
        found += _chain_damage(position, data, last_hash)
        frontier, _ = frontier_after(size, frontier, leaf)
        size, last_hash = size + 1, leaf
        if size in checkpoints and checkpoints[size] != frontier_root(frontier):
            found.append(f"checkpoint of size {size}: its root is not the root of the stored entries")
        if len(found) >= DAMAGE_NAMED_MAX:
            break
    return size, last_hash, frontier


def _entries_with_leaves(connection: Connection) -> Generator[tuple[int, bytes, bytes | None], None, None]:
    """(position, entry bytes, stored leaf hash or None) in order, read in partitions."""
    query = (
        select(log_entries.c.position, log_entries.c.data, log_nodes.c.hash)
        .outerjoin(log_nodes, (log_nodes.c.level == 0) & (log_nodes.c.position == log_entries.c.position))
        .order_by(log_entries.c.position)
        .execution_options(yield_per=READ_PARTITION_ROWS)
    )
    with connection.execute(query) as result:  # closed even when the caller stops early
        for partition in result.partitions():
            for position, data, leaf in partition:
                yield position, bytes(data), bytes(leaf) if leaf is not None else None


def _chain_damage(position: int, data: bytes, previous_hash: bytes) -> list[str]:
    try:
        entry = logformat.parse_entry(data)
    except VerificationError as error:
        return [f"entry {position}: {error}"]
    if entry.index != position:
        return [f"entry {position}: says it is entry {entry.index}"]
    if bytes(entry.previous_hash) != previous_hash:
        return [f"entry {position}: its previous hash is not entry {position - 1}'s leaf hash"]
    return []


def _checkpoints(connection: Connection, log_id: str, key_ring: KeyRing, found: list[str]) -> dict[int, bytes]:
    """Size -> signed root of every stored checkpoint; damage is named in found.

    A checkpoint signed by a key not in key_ring (one the party rotated out) has its root
    checked and its signature left to the auditor, who has every key from the log.
    """
    own_key_ids = {record.key_id for record in key_ring.records()}
    roots = {}
    for row in connection.execute(select(log_checkpoints).order_by(log_checkpoints.c.size)):
        try:
            signed = lpb.SignedCheckpoint.FromString(row.signed)
            if signed.key_id in own_key_ids:
                checkpoint = logformat.verify_checkpoint(signed, key_ring, log_id)
                size, root = checkpoint.size, checkpoint.root_hash
            else:
                body = logformat.checkpoint_body(signed)
                size, root = body.size, bytes(body.root_hash)
        except (VerificationError, DecodeError) as error:
            found.append(f"checkpoint of size {row.size}: {error}")
            continue
        if size != row.size or root != bytes(row.root_hash):
            found.append(f"checkpoint of size {row.size}: the stored size or root differs from the signed one")
        roots[size] = root
    return roots


def halt_if_damaged(books: Books, log_id: str, key_ring: KeyRing) -> list[str]:
    """Checks the party's log at start; halts its books, naming the damage, when there is any."""
    with books.engine.connect() as connection:
        found = damage(connection, log_id, key_ring)
    if found:
        books.halt(f"the stored log is damaged: {'; '.join(found)} ({RESTORE_ADVICE})")
    return found
