"""The stored transparency log: roots and proofs read from stored subtrees equal RFC 9162's."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from timebank import keys, logformat, merkle, translog
from timebank.errors import RequestInvalid, VerificationError
from timebank.signing import KeyRecord, KeyRing
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.v1 import log_pb2 as lpb

SIZE = 70


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def _owner_key() -> tuple[Ed25519PrivateKey, KeyRecord]:
    private_key = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    public = keys.public_bytes(private_key.public_key())
    return private_key, KeyRecord(keys.key_id_of_raw(public), "owner", public, 0)


def _filled(engine: Engine) -> list[bytes]:
    """A log of SIZE entries appended in uneven batches; returns every entry's bytes."""
    _, record = _owner_key()
    generator = random.Random(3)
    with write_transaction(engine) as connection:
        translog.start(connection, "owner", [record], 1, "key-known")
    while True:
        with write_transaction(engine) as connection:
            size = translog.size(connection)
            if size >= SIZE:
                break
            count = min(generator.randint(1, 9), SIZE - size)
            bodies = [("sent_item", lpb.SentItem(recipient_id="x", item=bytes([n]))) for n in range(count)]
            assert translog.append(connection, bodies, 10 + size) == size
    with engine.connect() as connection:
        return [
            data for start in range(0, SIZE, 50) for data in translog.entries(connection, start, min(SIZE, start + 50))
        ]


def test_roots_and_proofs_match_the_reference_tree(engine: Engine) -> None:
    leaves = _filled(engine)
    assert len(leaves) == SIZE
    with engine.connect() as connection:
        for size in range(SIZE + 1):
            assert translog.root_at(connection, size) == merkle.root_hash(leaves[:size])
        for size in (1, 2, 3, 8, 13, 64, SIZE):
            for index in range(size):
                proof = translog.inclusion_proof(connection, index, size)
                assert proof == merkle.inclusion_proof(leaves[:size], index)
                merkle.verify_inclusion(leaves[index], index, size, proof, merkle.root_hash(leaves[:size]))
            for old in range(size + 1):
                assert translog.consistency_proof(connection, old, size) == merkle.consistency_proof(leaves[:size], old)


def test_entries_chain_and_carry_their_index(engine: Engine) -> None:
    leaves = _filled(engine)
    previous = b""
    for index, data in enumerate(leaves):
        entry = logformat.parse_entry(data)
        assert entry.index == index and entry.previous_hash == previous
        previous = merkle.leaf_hash(data)
    assert logformat.parse_entry(leaves[0]).genesis.log_id == "owner"
    assert logformat.parse_entry(leaves[1]).registry_event.key.party_id == "owner"


def test_checkpoints_are_signed_and_published_once_per_size(engine: Engine) -> None:
    leaves = _filled(engine)
    private_key, record = _owner_key()
    with write_transaction(engine) as connection:
        first = translog.publish(connection, private_key, 1_000)
        assert translog.publish(connection, private_key, 2_000) == first
    verified = logformat.verify_checkpoint(first, KeyRing([record]), "owner")
    assert (verified.size, verified.root_hash) == (SIZE, merkle.root_hash(leaves))
    with engine.connect() as connection:
        assert translog.checkpoints_after(connection, 0, 10) == [first]
        assert translog.latest_checkpoint(connection) == first
    forged = lpb.SignedCheckpoint(
        checkpoint=first.checkpoint[:-1] + b"\x01", key_id=first.key_id, signature=first.signature
    )
    with pytest.raises(VerificationError, match="signature"):
        logformat.verify_checkpoint(forged, KeyRing([record]), "owner")


def test_bad_ranges_are_refused_naming_the_field(engine: Engine) -> None:
    _filled(engine)
    with engine.connect() as connection:
        with pytest.raises(RequestInvalid, match="end: got range"):
            translog.entries(connection, 5, SIZE + 1)
        with pytest.raises(RequestInvalid, match="tree_size: got"):
            translog.inclusion_proof(connection, 0, SIZE + 1)
        with pytest.raises(RequestInvalid, match="index: got"):
            translog.inclusion_proof(connection, 9, 9)
        with pytest.raises(RequestInvalid, match="old_size: got"):
            translog.consistency_proof(connection, 10, 9)
