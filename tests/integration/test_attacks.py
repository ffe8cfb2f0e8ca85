"""Attacks on the cross-node protocol, against the real in-process clearinghouse over mutual
TLS: forged, misattributed, revoked, rotated-out and replayed signatures, altered bytes,
unknown and suspended nodes, wrong TLS identities, votes and decisions that are not the
sender's to give, and oversized batches. Every attack is refused with its documented status
(clearing.proto, Exchange) or a refused receipt, and nothing changes: not the books of any
party, not the clearinghouse's record of transfers, not the set of batch ids it has seen."""

from __future__ import annotations

import dataclasses
import datetime
import os
import pathlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import DecodeError
from sqlalchemy import Connection, Engine, text

from clearinghouse import registry
from clearinghouse.records import NodeStatus, node_account_id
from tests.support.city import RunningTestCity, make_city, raw, wait_for
from timebank import keys, pki
from timebank.clock import SystemClock
from timebank.envelope import seal
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    CrossTransfer,
    Decision,
    Item,
    Prepare,
    Receipt,
    Vote,
    ack_item,
    decision_item,
    decode_item,
    encode_item,
    prepare_item,
    vote_item,
)
from timebank.storage.engine import write_transaction
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc
from timebank.v1 import ledger_pb2 as pb

CLOCK = SystemClock()
CALL_SECONDS = 10
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
# What gRPC reports when the TLS handshake is refused: no connection, so no call at all.
HANDSHAKE_FAILED = "failed to connect to all addresses"
T = TypeVar("T")


# -- building and sending batches ----------------------------------------------------------


def transfer_id(number: int) -> int:
    return 0x7A7A << 112 | number


def signing_key(city: RunningTestCity, node_id: str) -> Ed25519PrivateKey:
    return keys.load_signing_key(city.directory / "nodes" / node_id / "keys" / "signing-key.pem")


@contextmanager
def clearinghouse_stub(
    city: RunningTestCity, certificate: pathlib.Path, key: pathlib.Path
) -> Iterator[cpb_grpc.ClearinghouseStub]:
    """A mutual-TLS channel to the clearinghouse that trusts the city's CA and presents the given
    client certificate."""
    assert city.clearinghouse is not None
    credentials = pki.channel_credentials(city.directory / "ca" / "ca.pem", certificate, key)
    with grpc.secure_channel(
        f"127.0.0.1:{city.clearinghouse.port}", credentials, options=pki.channel_options(CLEARINGHOUSE_ID)
    ) as channel:
        yield cpb_grpc.ClearinghouseStub(channel)


def stub_as(city: RunningTestCity, node_id: str) -> AbstractContextManager[cpb_grpc.ClearinghouseStub]:
    """A channel with a node's own TLS identity."""
    tls = city.directory / "nodes" / node_id / "tls"
    return clearinghouse_stub(city, tls / "tls.pem", tls / "tls-key.pem")


def sealed(sender_id: str, items: Sequence[bytes], key: Ed25519PrivateKey) -> cpb.SignedBatch:
    return seal(sender_id, CLEARINGHOUSE_ID, items, key, batch_id=os.urandom(16), created_at_micros=CLOCK.now_micros())


def cross(
    number: int,
    debit: tuple[str, bytes | int],
    credit: tuple[str, bytes | int],
    originator: str,
    minutes: int = 7,
) -> CrossTransfer:
    def account(value: bytes | int) -> int:
        return int.from_bytes(value, "big") if isinstance(value, bytes) else value

    return CrossTransfer(
        transfer_id=transfer_id(number),
        debit_node_id=debit[0],
        debit_account_id=account(debit[1]),
        credit_node_id=credit[0],
        credit_account_id=account(credit[1]),
        amount_minutes=minutes,
        memo="attack",
        originator_node_id=originator,
    )


def prepare_bytes(transfer: CrossTransfer, sender_id: str) -> bytes:
    return encode_item(prepare_item(Prepare(transfer), sender_id))


def answers(response: cpb.SignedBatch) -> list[Item]:
    return [decode_item(data) for data in response.items]


def receipt_for(response: cpb.SignedBatch, item: bytes) -> Receipt:
    item_id = decode_item(item).item_id
    found = [a.body for a in answers(response) if isinstance(a.body, Receipt) and a.body.item_id == item_id]
    assert len(found) == 1, answers(response)
    return found[0]


# -- what must not change ------------------------------------------------------------------


def rows(engine: Engine, statement: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(statement))]


def books_of(engine: Engine, *, legs: bool = True) -> dict[str, object]:
    """A party's books, and a node's legs of cross-node transfers (the clearinghouse has none)."""
    books: dict[str, object] = {
        "accounts": rows(engine, "SELECT * FROM accounts ORDER BY id"),
        "transfers": rows(engine, "SELECT count(*) FROM transfers"),
    }
    if legs:
        books["remote_transfers"] = rows(engine, "SELECT * FROM remote_transfers ORDER BY transfer_id")
    return books


def everything(city: RunningTestCity) -> dict[str, object]:
    """Every party's books and cross-node records (not mailboxes: the nodes' links poll)."""
    assert city.clearinghouse is not None
    state: dict[str, object] = {
        CLEARINGHOUSE_ID: books_of(city.clearinghouse.coordinator.books.engine, legs=False),
        "cross_transfers": city.clearinghouse_sql("SELECT * FROM cross_transfers ORDER BY transfer_id"),
    }
    for node_id, node in city.nodes.items():
        state[node_id] = books_of(node.books.engine)
    return state


def times_seen(city: RunningTestCity, batch_id: bytes) -> int:
    found = city.clearinghouse_sql(f"SELECT count(*) FROM seen_batches WHERE batch_id = '{batch_id.hex()}'")
    return int(found[0][0])  # type: ignore[call-overload]


def cross_transfer_count(city: RunningTestCity) -> int:
    return int(city.clearinghouse_sql("SELECT count(*) FROM cross_transfers")[0][0])  # type: ignore[call-overload]


def batch_id_of(batch: cpb.SignedBatch) -> bytes:
    try:
        return bytes(cpb.BatchHeader.FromString(batch.header).batch_id)
    except DecodeError:
        return b""


def assert_refused(
    city: RunningTestCity,
    stub: cpb_grpc.ClearinghouseStub,
    batch: cpb.SignedBatch,
    code: grpc.StatusCode,
    *fragments: str,
) -> str:
    """The call fails with exactly this status and message, and leaves no trace (its batch id
    included: a refused batch is not remembered as seen)."""
    batch_id = batch_id_of(batch)
    seen_before = times_seen(city, batch_id) if batch_id else 0
    before = everything(city)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Exchange(batch, timeout=CALL_SECONDS)
    error = caught.value
    assert error.code() == code, (error.code(), error.details())
    for fragment in fragments:
        assert fragment in (error.details() or ""), error.details()
    assert everything(city) == before
    if batch_id:
        assert times_seen(city, batch_id) == seen_before
    return str(error.details())


def registry_write(city: RunningTestCity, change: Callable[[Connection], T]) -> T:
    """A change to the registry, made the way an operator makes it: in one transaction."""
    assert city.clearinghouse is not None
    with write_transaction(city.clearinghouse.coordinator.books.engine) as connection:
        return change(connection)


def wait_for_state(city: RunningTestCity, number: int, state: str) -> None:
    wait_for(
        lambda: city.clearinghouse_sql(
            f"SELECT state FROM cross_transfers WHERE transfer_id = '{transfer_id(number):032x}'"
        ),
        lambda found: found == [(state,)],
        seconds=10,
    )


def members(city: RunningTestCity) -> tuple[bytes, bytes]:
    """A payer at shiqi with 100 minutes and a payee at dongqu."""
    return city.member("shiqi", 1, minutes=100), city.member("dongqu", 2)


# -- 1..5: signatures and keys -------------------------------------------------------------


def test_a_forged_signature_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    batch = sealed(
        "shiqi",
        [prepare_bytes(cross(1, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")],
        signing_key(city, "shiqi"),
    )
    batch.signature = os.urandom(64)
    with stub_as(city, "shiqi") as stub:
        assert_refused(city, stub, batch, UNAUTHENTICATED, "signature: does not verify")
    assert cross_transfer_count(city) == 0


def test_a_node_cannot_sign_for_another_node(city: RunningTestCity) -> None:
    """shiqi holds dongqu's signing key (say, stolen) but connects with its own certificate."""
    payer = city.member("dongqu", 3, minutes=100)
    payee = city.member("shiqi", 4)
    item = prepare_bytes(cross(2, ("dongqu", payer), ("shiqi", payee), "dongqu"), "dongqu")
    batch = sealed("dongqu", [item], signing_key(city, "dongqu"))
    with stub_as(city, "shiqi") as stub:
        assert_refused(
            city, stub, batch, UNAUTHENTICATED, "sender_id: batch signed by dongqu but the TLS peer is shiqi"
        )
    assert city.balance("dongqu", payer) == 100 and cross_transfer_count(city) == 0


def test_a_signature_by_another_nodes_key_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    dongqu_key = signing_key(city, "dongqu")
    item = prepare_bytes(cross(3, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    batch = sealed("shiqi", [item], dongqu_key)
    assert batch.key_id == keys.key_id(dongqu_key.public_key())
    with stub_as(city, "shiqi") as stub:
        assert_refused(city, stub, batch, UNAUTHENTICATED, f"key {batch.key_id} belongs to dongqu, not shiqi")


def test_a_revoked_key_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    key = signing_key(city, "shiqi")
    key_id = keys.key_id(key.public_key())
    registry_write(city, lambda c: registry.revoke_key(c, key_id, "laptop stolen", CLOCK.now_micros()))
    item = prepare_bytes(cross(4, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    with stub_as(city, "shiqi") as stub:
        assert_refused(city, stub, sealed("shiqi", [item], key), UNAUTHENTICATED, f"key {key_id} was revoked at")


def test_a_rotated_out_key_is_refused_and_the_new_key_works(city: RunningTestCity) -> None:
    payer, payee = members(city)
    old_key = signing_key(city, "shiqi")
    new_key = Ed25519PrivateKey.generate()
    new_public = keys.public_bytes(new_key.public_key())
    new_id = registry_write(city, lambda c: registry.rotate_key(c, "shiqi", new_public, 0, CLOCK.now_micros()))
    assert new_id == keys.key_id(new_key.public_key())
    item = prepare_bytes(cross(5, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    old_id = keys.key_id(old_key.public_key())
    with stub_as(city, "shiqi") as stub:
        detail = assert_refused(city, stub, sealed("shiqi", [item], old_key), UNAUTHENTICATED, f"key {old_id} expired")
        assert "(rotated out)" in detail
        accepted = sealed("shiqi", [], new_key)
        response = stub.Exchange(accepted, timeout=CALL_SECONDS)
        header = cpb.BatchHeader.FromString(response.header)
        assert (header.sender_id, header.recipient_id) == (CLEARINGHOUSE_ID, "shiqi")
        assert times_seen(city, batch_id_of(accepted)) == 1
        # Once the new key is in use, a message downgraded to the old key is still refused.
        assert_refused(city, stub, sealed("shiqi", [item], old_key), UNAUTHENTICATED, "(rotated out)")
    assert cross_transfer_count(city) == 0


# -- 6..8: replays and altered bytes --------------------------------------------------------


def test_a_replayed_batch_is_refused_and_its_prepare_applied_once(city: RunningTestCity) -> None:
    payer, payee = members(city)
    item = prepare_bytes(cross(6, ("shiqi", payer), ("dongqu", payee), "shiqi", minutes=7), "shiqi")
    batch = sealed("shiqi", [item], signing_key(city, "shiqi"))
    with stub_as(city, "shiqi") as stub:
        assert receipt_for(stub.Exchange(batch, timeout=CALL_SECONDS), item).accepted
        # Replayed at once, while the transfer is in flight (its vote and decision run in the
        # nodes' links meanwhile, so only the record of this transfer is compared here).
        with pytest.raises(grpc.RpcError) as caught:
            stub.Exchange(batch, timeout=CALL_SECONDS)
        assert caught.value.code() == UNAUTHENTICATED, caught.value.details()
        assert f"batch_id: {batch_id_of(batch).hex()} was accepted before; a replayed batch is refused" == (
            caught.value.details()
        )
        assert city.final("dongqu", raw(transfer_id(6))).state == pb.CROSS_NODE_STATE_COMMITTED
        # Replayed again once all is decided: refused, and nothing changes anywhere.
        assert_refused(city, stub, batch, UNAUTHENTICATED, "a replayed batch is refused")
    assert city.balance("dongqu", payee) == 7
    assert city.clearinghouse_sql(
        f"SELECT count(*) FROM cross_transfers WHERE transfer_id = '{transfer_id(6):032x}'"
    ) == [(1,)]
    assert times_seen(city, batch_id_of(batch)) == 1


def test_bytes_altered_after_signing_are_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    item = prepare_bytes(cross(7, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    batch = sealed("shiqi", [item], signing_key(city, "shiqi"))
    altered_item = cpb.SignedBatch()
    altered_item.CopyFrom(batch)
    changed = bytearray(item)
    changed[len(changed) // 2] ^= 0x01
    altered_item.items[0] = bytes(changed)
    assert decode_item(bytes(changed)) != decode_item(item)  # still a well-formed, different item
    altered_header = cpb.SignedBatch()
    altered_header.CopyFrom(batch)
    header = bytearray(batch.header)
    header[-1] ^= 0x01  # the last byte of items_root: the header still parses
    altered_header.header = bytes(header)
    with stub_as(city, "shiqi") as stub:
        assert_refused(city, stub, altered_item, UNAUTHENTICATED, "items_root: does not match the items")
        assert_refused(city, stub, altered_header, UNAUTHENTICATED, "signature: does not verify")
        # The refusals spent nothing: the untouched batch is still accepted, once.
        assert receipt_for(stub.Exchange(batch, timeout=CALL_SECONDS), item).accepted
    assert cross_transfer_count(city) == 1


def test_every_single_byte_flip_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    transfer = dataclasses.replace(cross(8, ("shiqi", payer), ("dongqu", payee), "shiqi"), memo="")
    batch = sealed("shiqi", [prepare_bytes(transfer, "shiqi")], signing_key(city, "shiqi"))
    wire = batch.SerializeToString()
    assert len(wire) < 400  # a few hundred calls at most
    before = everything(city)
    refused_at_wire = 0
    codes: dict[grpc.StatusCode, int] = {}
    accepted: list[int] = []
    with stub_as(city, "shiqi") as stub:
        for index in range(len(wire)):
            mutated = bytearray(wire)
            mutated[index] ^= 0x01
            try:
                message = cpb.SignedBatch.FromString(bytes(mutated))
            except DecodeError:
                refused_at_wire += 1
                continue
            try:
                stub.Exchange(message, timeout=CALL_SECONDS)
            except grpc.RpcError as error:
                codes[error.code()] = codes.get(error.code(), 0) + 1
            else:
                accepted.append(index)
    assert accepted == [], f"flips accepted at byte offsets {accepted} of {len(wire)}"
    assert refused_at_wire + sum(codes.values()) == len(wire)
    assert set(codes) == {UNAUTHENTICATED}, codes
    assert everything(city) == before
    assert cross_transfer_count(city) == 0 and times_seen(city, batch_id_of(batch)) == 0


# -- 9..13: identities -------------------------------------------------------------------------


def test_an_unknown_node_is_refused(city: RunningTestCity, tmp_path: pathlib.Path) -> None:
    payee = city.member("dongqu", 2)
    authority = pki.load_city_authority(city.directory / "ca")
    ghost = pki.issue_party_certificate(authority, "ghost", tmp_path / "ghost", now=datetime.datetime.now(datetime.UTC))
    ghost_key = Ed25519PrivateKey.generate()
    item = prepare_bytes(cross(9, ("ghost", 0x99), ("dongqu", payee), "ghost"), "ghost")
    with clearinghouse_stub(city, ghost.certificate_path, ghost.key_path) as stub:
        assert_refused(
            city,
            stub,
            sealed("ghost", [item], ghost_key),
            UNAUTHENTICATED,
            f"key_id: unknown key {keys.key_id(ghost_key.public_key())}",
        )
        # Its key registered, but the node never admitted: still no business here.
        public = keys.public_bytes(ghost_key.public_key())
        registry_write(city, lambda c: registry.add_key(c, "ghost", public, CLOCK.now_micros()))
        assert_refused(
            city,
            stub,
            sealed("ghost", [item], ghost_key),
            PERMISSION_DENIED,
            "sender_id: node 'ghost' is not admitted to this city",
        )
    assert cross_transfer_count(city) == 0


def test_a_suspended_node_is_refused_and_transfers_to_it_abort(city: RunningTestCity) -> None:
    payer, payee = members(city)
    registry_write(city, lambda c: registry.set_status(c, "shiqi", NodeStatus.SUSPENDED, "audit", CLOCK.now_micros()))
    item = prepare_bytes(cross(10, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    with stub_as(city, "shiqi") as stub:
        assert_refused(
            city,
            stub,
            sealed("shiqi", [item], signing_key(city, "shiqi")),
            PERMISSION_DENIED,
            "sender_id: node 'shiqi' is suspended",
        )
    elder = city.member("dongqu", 3, minutes=40)
    result = city.submit(
        "dongqu",
        id=raw(transfer_id(11)),
        local_account_id=elder,
        remote_node_id="shiqi",
        remote_account_id=payer,
        amount_minutes=15,
    )
    assert result.outcome == pb.OUTCOME_OK
    view = city.final("dongqu", raw(transfer_id(11)))
    assert view.state == pb.CROSS_NODE_STATE_ABORTED
    assert "node 'shiqi' is suspended; no transfers to or from it" in view.reason
    assert city.client("dongqu").get_account(elder).available_minutes == 40
    assert city.balance("dongqu", elder) == 40 and city.balance("shiqi", payer) == 100
    assert rows(city.nodes["shiqi"].books.engine, "SELECT count(*) FROM remote_transfers") == [(0,)]


def test_a_tls_identity_that_is_not_the_signer_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    item = prepare_bytes(cross(12, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    with stub_as(city, "canlian") as stub:
        assert_refused(
            city,
            stub,
            sealed("shiqi", [item], signing_key(city, "shiqi")),
            UNAUTHENTICATED,
            "sender_id: batch signed by shiqi but the TLS peer is canlian",
        )


def test_a_client_certificate_from_another_authority_fails_the_handshake(
    city: RunningTestCity, tmp_path: pathlib.Path
) -> None:
    payer, payee = members(city)
    now = datetime.datetime.now(datetime.UTC)
    impostor_ca = pki.create_city_authority(tmp_path / "impostor-ca", city_name="冒牌市", now=now)
    impostor = pki.issue_party_certificate(impostor_ca, "shiqi", tmp_path / "impostor-shiqi", now=now)
    item = prepare_bytes(cross(13, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    with clearinghouse_stub(city, impostor.certificate_path, impostor.key_path) as stub:
        assert_refused(
            city,
            stub,
            sealed("shiqi", [item], signing_key(city, "shiqi")),
            grpc.StatusCode.UNAVAILABLE,
            HANDSHAKE_FAILED,
        )
    assert cross_transfer_count(city) == 0


def test_a_plaintext_client_is_refused(city: RunningTestCity) -> None:
    payer, payee = members(city)
    assert city.clearinghouse is not None
    item = prepare_bytes(cross(14, ("shiqi", payer), ("dongqu", payee), "shiqi"), "shiqi")
    with grpc.insecure_channel(f"127.0.0.1:{city.clearinghouse.port}") as channel:
        stub = cpb_grpc.ClearinghouseStub(channel)
        assert_refused(
            city,
            stub,
            sealed("shiqi", [item], signing_key(city, "shiqi")),
            grpc.StatusCode.UNAVAILABLE,
            HANDSHAKE_FAILED,
        )
    assert cross_transfer_count(city) == 0


# -- 14..16: votes and prepares that are not the sender's to give ---------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_vote_after_the_expiry_does_not_commit(tmp_path: pathlib.Path, backend: str) -> None:
    city = make_city(tmp_path / "c", {}, environ={"TIMEBANK_PROTOCOL__PREPARE_TTL_SECONDS": "0.3"})
    try:
        city.start_clearinghouse()
        city.start_node("shiqi")
        payee = 0xA000 << 112 | 2
        transfer = cross(15, ("shiqi", 0xA000 << 112 | 1), ("dongqu", payee), "shiqi", minutes=9)
        prepare = prepare_bytes(transfer, "shiqi")
        with stub_as(city, "shiqi") as stub:
            assert receipt_for(
                stub.Exchange(sealed("shiqi", [prepare], signing_key(city, "shiqi")), timeout=CALL_SECONDS), prepare
            ).accepted
        wait_for_state(city, 15, "aborted")
        vote = encode_item(vote_item(Vote(transfer.transfer_id, True)))
        with stub_as(city, "dongqu") as stub:
            response = stub.Exchange(sealed("dongqu", [vote], signing_key(city, "dongqu")), timeout=CALL_SECONDS)
        assert receipt_for(response, vote).accepted  # received; the decision stands
        decisions = [a.body for a in answers(response) if isinstance(a.body, Decision)]
        assert [(d.transfer_id, d.commit) for d in decisions] == [(transfer.transfer_id, False)]
        found = city.clearinghouse_sql(
            f"SELECT state, reason FROM cross_transfers WHERE transfer_id = '{transfer.transfer_id:032x}'"
        )
        assert found == [("aborted", "expired with no decision")]
        for node_id in ("shiqi", "dongqu"):
            totals = city.clearinghouse_sql(
                "SELECT debits_posted_minutes, credits_posted_minutes, debits_pending_minutes, "
                f"credits_pending_minutes FROM accounts WHERE id = '{node_account_id(node_id):032x}'"
            )
            assert totals == [(0, 0, 0, 0)], node_id
    finally:
        city.stop()


def test_a_vote_from_a_node_that_is_not_the_counterparty_is_refused(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=100)
    city.stop_node("dongqu")  # so the transfer stays prepared: nobody else votes
    assert (
        city.submit(
            "shiqi",
            id=raw(transfer_id(16)),
            local_account_id=payer,
            remote_node_id="dongqu",
            remote_account_id=raw(0xA000 << 112 | 2),
            amount_minutes=11,
        ).outcome
        == pb.OUTCOME_OK
    )
    wait_for_state(city, 16, "prepared")
    before = everything(city)
    for voter, accept in (("canlian", False), ("canlian", True), ("shiqi", True)):
        vote = encode_item(vote_item(Vote(transfer_id(16), accept, "not mine to refuse")))
        with stub_as(city, voter) as stub:
            response = stub.Exchange(sealed(voter, [vote], signing_key(city, voter)), timeout=CALL_SECONDS)
        receipt = receipt_for(response, vote)
        assert not receipt.accepted
        assert receipt.reason == f"transfer_id: {transfer_id(16):032x} awaits no vote from {voter!r}"
    assert everything(city) == before
    assert city.clearinghouse_sql(
        f"SELECT state, reason FROM cross_transfers WHERE transfer_id = '{transfer_id(16):032x}'"
    ) == [("prepared", "")]


def test_a_prepare_for_another_originator_is_refused(city: RunningTestCity) -> None:
    """shiqi tries to start a push out of a dongqu member's account into its own member's."""
    victim = city.member("dongqu", 3, minutes=100)
    thief = city.member("shiqi", 4)
    item = prepare_bytes(cross(17, ("dongqu", victim), ("shiqi", thief), "dongqu", minutes=100), "shiqi")
    before = everything(city)
    with stub_as(city, "shiqi") as stub:
        response = stub.Exchange(sealed("shiqi", [item], signing_key(city, "shiqi")), timeout=CALL_SECONDS)
    receipt = receipt_for(response, item)
    assert not receipt.accepted
    assert "a node prepares only its own transfers" in receipt.reason
    assert receipt.reason.startswith("originator_node_id: got 'dongqu', but the batch was signed by 'shiqi'")
    assert everything(city) == before
    assert cross_transfer_count(city) == 0
    assert city.balance("dongqu", victim) == 100 and city.balance("shiqi", thief) == 0


# -- 17, 18: an oversized batch; a decision out of nowhere ------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_batch_over_the_limit_is_refused(tmp_path: pathlib.Path, backend: str) -> None:
    city = make_city(tmp_path / "c", {}, environ={"TIMEBANK_PROTOCOL__BATCH_ITEMS_MAX": "5"})
    try:
        city.start_clearinghouse()
        acks = [encode_item(ack_item((), nonce)) for nonce in range(6)]
        key = signing_key(city, "shiqi")
        inbox_before = city.clearinghouse_sql("SELECT count(*) FROM inbox")
        with stub_as(city, "shiqi") as stub:
            assert_refused(
                city,
                stub,
                sealed("shiqi", acks, key),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "items: got 6, want at most 5 per batch",
            )
            assert city.clearinghouse_sql("SELECT count(*) FROM inbox") == inbox_before
            at_the_limit = sealed("shiqi", acks[:5], key)
            stub.Exchange(at_the_limit, timeout=CALL_SECONDS)
        assert times_seen(city, batch_id_of(at_the_limit)) == 1
    finally:
        city.stop()


def test_a_decision_for_a_transfer_the_node_never_saw_changes_nothing(city: RunningTestCity) -> None:
    city.member("shiqi", 1, minutes=100)
    books = city.nodes["shiqi"].books
    link = city.nodes["shiqi"].link
    assert link is not None
    crossing = link.crossing
    unknown = int.from_bytes(os.urandom(16), "big") | 1
    before = books_of(books.engine)
    item = encode_item(decision_item(Decision(unknown, True, "", CLOCK.now_micros())))
    for _delivery in range(2):  # delivered, then delivered again: acknowledged both times
        assert crossing.receive([item]) == [decode_item(item).item_id]
    assert books_of(books.engine) == before
    assert rows(books.engine, f"SELECT count(*) FROM remote_transfers WHERE transfer_id = '{unknown:032x}'") == [(0,)]
    assert rows(books.engine, "SELECT count(*) FROM outbox") == [(0,)]
