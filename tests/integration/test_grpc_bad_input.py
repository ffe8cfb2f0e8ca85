"""Every bad input over a real gRPC server: a specific status, a message naming the field
and the rule, and nothing written. One test per case, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from nodes.client import NodeClient
from nodes.server import RunningNode
from tests.support.ledger import ISSUANCE, member, transfer_id
from timebank.credentials import Credential, authorized_channel
from timebank.ledger.model import AMOUNT_MINUTES_MAX
from timebank.storage.engine import write_transaction
from timebank.v1 import ledger_pb2 as pb

SINGLE = pb.TRANSFER_KIND_SINGLE_PHASE


def raw(value: int) -> bytes:
    return value.to_bytes(16, "big")


@pytest.fixture
def client(node: RunningNode, node_address: str, administrator: Credential) -> Iterator[NodeClient]:
    with NodeClient(node_address, deadline_seconds=10, attempts_max=1, credential=administrator) as client:
        result = client.create_accounts(
            [
                pb.Account(id=raw(member(1)), kind=pb.ACCOUNT_KIND_MEMBER, holder="张伟"),
                pb.Account(id=raw(member(2)), kind=pb.ACCOUNT_KIND_MEMBER, holder="李娜"),
                pb.Account(id=raw(member(3)), kind=pb.ACCOUNT_KIND_MEMBER, holder="closed"),
            ]
        ).results
        assert all(r.outcome == pb.OUTCOME_OK for r in result)
        client.submit_transfer(transfer(1, ISSUANCE, member(1), 60))
        client.close_account(raw(member(3)))
        yield client


def transfer(number: int, debit: int, credit: int, minutes: int, **fields: object) -> pb.Transfer:
    return pb.Transfer(
        id=raw(transfer_id(number)),
        kind=fields.pop("kind", SINGLE),
        debit_account_id=raw(debit) if debit else b"",
        credit_account_id=raw(credit) if credit else b"",
        amount_minutes=minutes,
        **fields,
    )


def snapshot(client: NodeClient) -> tuple[int, ...]:
    """Balances and pending amounts of every account in play, and the ledger's length."""
    values = []
    for account in (ISSUANCE, member(1), member(2)):
        a = client.get_account(raw(account)).account
        values += [
            a.debits_posted_minutes,
            a.credits_posted_minutes,
            a.debits_pending_minutes,
            a.credits_pending_minutes,
        ]
    entries = client.get_statement(raw(ISSUANCE), 0, 1000).entries
    return (*values, len(entries))


def refused(client: NodeClient, message: pb.Transfer, code: grpc.StatusCode, detail: str) -> None:
    before = snapshot(client)
    with pytest.raises(grpc.RpcError) as caught:
        client.submit_transfer(message)
    assert caught.value.code() == code, caught.value.details()
    assert detail in caught.value.details()
    assert snapshot(client) == before


def test_zero_amount(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), 0),
        grpc.StatusCode.INVALID_ARGUMENT,
        f"amount_minutes: got 0, want 1..={AMOUNT_MINUTES_MAX}",
    )


def test_negative_amount(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), -5),
        grpc.StatusCode.INVALID_ARGUMENT,
        "amount_minutes: got -5, want 1..=",
    )


def test_overflowing_amount(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, ISSUANCE, member(2), 2**63 - 1),
        grpc.StatusCode.INVALID_ARGUMENT,
        f"amount_minutes: got {2**63 - 1}, want 1..={AMOUNT_MINUTES_MAX}",
    )


def test_same_account_on_both_sides(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(1), 5),
        grpc.StatusCode.INVALID_ARGUMENT,
        "credit_account_id: the same account on both sides",
    )


def test_unknown_account(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(9), 5),
        grpc.StatusCode.NOT_FOUND,
        f"credit_account_id: account {member(9):032x} not found",
    )


def test_closed_account(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(3), 5),
        grpc.StatusCode.FAILED_PRECONDITION,
        f"credit_account_id: account {member(3):032x} is closed",
    )


def test_not_enough_hours(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), 61),
        grpc.StatusCode.FAILED_PRECONDITION,
        "amount_minutes: got 61, but account",
    )


def test_malformed_id(client: NodeClient) -> None:
    message = transfer(2, member(1), member(2), 5)
    message.id = b"\x01\x02\x03\x04\x05"
    refused(client, message, grpc.StatusCode.INVALID_ARGUMENT, "transfer.id: got 5 bytes, want 16")


def test_malformed_account_id_in_a_batch_names_the_item(client: NodeClient) -> None:
    bad = transfer(3, member(1), member(2), 5)
    bad.credit_account_id = b"\x00" * 17
    with pytest.raises(grpc.RpcError) as caught:
        client.submit_transfers([transfer(2, member(1), member(2), 5), bad])
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "transfers[1].credit_account_id: got 17 bytes, want 16" in caught.value.details()
    assert client.get_account(raw(member(2))).balance_minutes == 0


def test_unknown_kind(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), 5, kind=0),
        grpc.StatusCode.INVALID_ARGUMENT,
        "transfer.kind: got 0, want one of TRANSFER_KIND_SINGLE_PHASE",
    )


def test_oversized_batch(client: NodeClient, node: RunningNode) -> None:
    size = node.books.batch_size_max + 1
    batch = [transfer(10 + n, ISSUANCE, member(2), 1) for n in range(size)]
    with pytest.raises(grpc.RpcError) as caught:
        client.submit_transfers(batch)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"transfers: got {size} items, want at most {size - 1} per batch" in caught.value.details()
    assert client.get_account(raw(member(2))).balance_minutes == 0


def test_over_long_memo(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), 5, memo="长" * 201),
        grpc.StatusCode.INVALID_ARGUMENT,
        "memo: got 201 characters, want at most 200",
    )


def test_over_long_holder(client: NodeClient) -> None:
    result = client.create_accounts(
        [pb.Account(id=raw(member(7)), kind=pb.ACCOUNT_KIND_MEMBER, holder="x" * 65)]
    ).results[0]
    assert result.outcome == pb.OUTCOME_INVALID
    assert result.status_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "holder: got 65 characters, want at most 64" in result.detail
    with pytest.raises(grpc.RpcError) as caught:
        client.get_account(raw(member(7)))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_post_larger_than_its_pending(client: NodeClient) -> None:
    client.submit_transfer(transfer(2, member(1), member(2), 20, kind=pb.TRANSFER_KIND_PENDING))
    refused(
        client,
        pb.Transfer(
            id=raw(transfer_id(3)),
            kind=pb.TRANSFER_KIND_POST_PENDING,
            pending_id=raw(transfer_id(2)),
            amount_minutes=21,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "amount_minutes: got 21, want at most the pending amount 20",
    )


def test_second_post_of_the_same_pending(client: NodeClient) -> None:
    client.submit_transfer(transfer(2, member(1), member(2), 20, kind=pb.TRANSFER_KIND_PENDING))
    client.submit_transfer(
        pb.Transfer(
            id=raw(transfer_id(3)),
            kind=pb.TRANSFER_KIND_POST_PENDING,
            pending_id=raw(transfer_id(2)),
            amount_minutes=20,
        )
    )
    refused(
        client,
        pb.Transfer(
            id=raw(transfer_id(4)),
            kind=pb.TRANSFER_KIND_POST_PENDING,
            pending_id=raw(transfer_id(2)),
            amount_minutes=20,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "was already posted by",
    )


def test_void_of_a_voided_pending(client: NodeClient) -> None:
    client.submit_transfer(transfer(2, member(1), member(2), 20, kind=pb.TRANSFER_KIND_PENDING))
    client.submit_transfer(
        pb.Transfer(id=raw(transfer_id(3)), kind=pb.TRANSFER_KIND_VOID_PENDING, pending_id=raw(transfer_id(2)))
    )
    refused(
        client,
        pb.Transfer(id=raw(transfer_id(4)), kind=pb.TRANSFER_KIND_VOID_PENDING, pending_id=raw(transfer_id(2))),
        grpc.StatusCode.FAILED_PRECONDITION,
        "was already voided by",
    )


def test_duplicate_id_with_a_different_body(client: NodeClient) -> None:
    client.submit_transfer(transfer(2, member(1), member(2), 20))
    refused(client, transfer(2, member(1), member(2), 25), grpc.StatusCode.ALREADY_EXISTS, "amount_minutes: id")


def test_duplicate_id_with_the_same_body_returns_the_stored_transfer(client: NodeClient) -> None:
    first = client.submit_transfer(transfer(2, member(1), member(2), 20))
    before = snapshot(client)
    again = client.submit_transfer(transfer(2, member(1), member(2), 20))
    assert (first.outcome, again.outcome) == (pb.OUTCOME_OK, pb.OUTCOME_EXISTS)
    assert again.stored == first.stored
    assert snapshot(client) == before


def test_a_refused_id_stays_refused(client: NodeClient) -> None:
    refused(
        client,
        transfer(2, member(1), member(2), 100),
        grpc.StatusCode.FAILED_PRECONDITION,
        "can spend only 60",
    )
    client.submit_transfer(transfer(3, ISSUANCE, member(1), 100))
    refused(
        client,
        transfer(2, member(1), member(2), 100),
        grpc.StatusCode.ALREADY_EXISTS,
        "was refused earlier (EXCEEDS_FLOOR",
    )


def test_output_only_fields_on_create(client: NodeClient) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.create_accounts(
            [pb.Account(id=raw(member(8)), kind=pb.ACCOUNT_KIND_MEMBER, holder="x", credits_posted_minutes=600)]
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "accounts[0].credits_posted_minutes: output only" in caught.value.details()


def test_closing_an_account_with_hours(client: NodeClient) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.close_account(raw(member(1)))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "holds 60 minutes" in caught.value.details()
    assert not client.get_account(raw(member(1))).account.closed


def test_unknown_transfer(client: NodeClient) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.get_transfer(raw(transfer_id(99)))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert f"transfer_id: transfer {transfer_id(99):032x} not found" in caught.value.details()


def test_health_and_reflection_are_served(node_address: str, node: RunningNode, administrator: Credential) -> None:
    """Health checks without a credential (probes), reflection with one."""
    with grpc.insecure_channel(node_address) as plain:
        health = health_pb2_grpc.HealthStub(plain)
        answer = health.Check(health_pb2.HealthCheckRequest(service="timebank.v1.NodeLedger"), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    with authorized_channel(grpc.insecure_channel(node_address), administrator) as channel:
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        response = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
        names = {s.name for s in response.list_services_response.service}
        assert "timebank.v1.NodeLedger" in names


def test_a_halted_node_refuses_writes_with_data_loss(client: NodeClient, node: RunningNode, node_address: str) -> None:
    from sqlalchemy import text

    with write_transaction(node.books.engine) as connection:
        connection.execute(text(f"UPDATE accounts SET credits_pending_minutes = 9 WHERE id = '{member(2):032x}'"))
    refused_message = transfer(2, ISSUANCE, member(2), 5)
    with pytest.raises(grpc.RpcError) as caught:
        client.submit_transfer(refused_message)
    assert caught.value.code() == grpc.StatusCode.DATA_LOSS
    assert "debits pending 0 vs credits pending 9" in caught.value.details()
    assert "books stopped balancing" in client.get_node_info().halted_reason
    with grpc.insecure_channel(node_address) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING
