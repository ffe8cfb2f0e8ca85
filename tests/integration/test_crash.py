"""Crash tests: each process of a real city (separate processes, mutual TLS, SQLite) is made
to die at each step of the protocol (a failpoint ends it like SIGKILL), is restarted, and
every transfer must end the same way on both nodes and at the clearinghouse, with hours
conserved and each node's clearing account the exact negative of the clearinghouse's view."""

from __future__ import annotations

import pathlib
import time

import grpc
import pytest
from sqlalchemy import create_engine, text

from city.running import CITY, RunningCity, start_city
from clearinghouse.records import node_account_id
from clearinghouse.store.transfers import decisions
from timebank.failpoints import ENVIRONMENT_VARIABLE, EXIT_CODE
from timebank.v1 import ledger_pb2 as pb

TRANSFERS = 5
AMOUNT_MINUTES = 10
START_MINUTES = 500
EXIT_WAIT_SECONDS = 30.0
PAYER = (0xA1 << 120 | 1).to_bytes(16, "big")
PAYEE = (0xB1 << 120 | 2).to_bytes(16, "big")

SCENARIOS = [
    ("shiqi", "node.hold-committed", "the origin dies after holding, before sending the prepares"),
    ("shiqi", "node.answer-verified", "the origin dies before applying the clearinghouse's answer"),
    ("shiqi", "node.answer-applied@2", "the origin dies after applying a decision, before acknowledging"),
    ("dongqu", "node.answer-verified", "the counterparty dies with the forwarded prepares unapplied"),
    ("dongqu", "node.answer-applied", "the counterparty holds and votes, dies before acknowledging"),
    ("clearinghouse", "clearinghouse.batch-applied", "the clearinghouse records prepares, dies before answering"),
    ("clearinghouse", "clearinghouse.batch-applied@3", "the clearinghouse decides, dies before telling anyone"),
]


def submit_transfers(city: RunningCity) -> list[bytes]:
    ids = [(0xC0 << 120 | n).to_bytes(16, "big") for n in range(TRANSFERS)]
    items = [
        pb.CrossNodeTransfer(
            id=i,
            local_account_id=PAYER,
            remote_node_id="dongqu",
            remote_account_id=PAYEE,
            amount_minutes=AMOUNT_MINUTES,
        )
        for i in ids
    ]
    try:
        city.client("shiqi").stub.SubmitCrossNodeTransfers(
            pb.SubmitCrossNodeTransfersRequest(transfers=items), timeout=10
        )
    except grpc.RpcError as error:  # the origin may die inside this very call
        assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL), error
    return ids


def final_state(city: RunningCity, node_id: str, transfer_id: bytes) -> int | None:
    """The node's final state of a transfer, or None if the node never heard of it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            view = city.client(node_id).stub.GetCrossNodeTransfer(
                pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
        else:
            if view.state != pb.CROSS_NODE_STATE_HELD:
                return view.state
        time.sleep(0.02)
    raise AssertionError(f"{transfer_id.hex()} at {node_id}: still held after 60 s")


def clearinghouse_view(city: RunningCity) -> tuple[dict[int, tuple[str, str]], dict[str, int]]:
    engine = create_engine(city.clearinghouse_database)
    try:
        with engine.connect() as connection:
            decided = decisions(connection)
            book = {}
            for node_id in city.nodes:
                row = connection.execute(
                    text(
                        "SELECT credits_posted_minutes - debits_posted_minutes, debits_pending_minutes FROM accounts "
                        f"WHERE id = '{node_account_id(node_id):032x}'"
                    )
                ).first()
                book[node_id] = (int(row[0]), int(row[1])) if row else (0, 0)
    finally:
        engine.dispose()
    return decided, book


@pytest.mark.slow
@pytest.mark.parametrize(("party", "failpoint", "story"), SCENARIOS, ids=[f"{s[0]}-{s[1]}" for s in SCENARIOS])
def test_a_crash_at_each_step_ends_consistent(tmp_path: pathlib.Path, party: str, failpoint: str, story: str) -> None:
    city = start_city(tmp_path / "city", CITY, {party: {ENVIRONMENT_VARIABLE: failpoint}})
    try:
        shiqi, dongqu = city.client("shiqi"), city.client("dongqu")
        shiqi.create_accounts([pb.Account(id=PAYER, kind=pb.ACCOUNT_KIND_MEMBER, holder="payer")])
        dongqu.create_accounts([pb.Account(id=PAYEE, kind=pb.ACCOUNT_KIND_MEMBER, holder="payee")])
        shiqi.submit_transfer(
            pb.Transfer(
                id=(0xD0 << 120).to_bytes(16, "big"),
                kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                debit_account_id=(1).to_bytes(16, "big"),
                credit_account_id=PAYER,
                amount_minutes=START_MINUTES,
            )
        )
        ids = submit_transfers(city)
        target = city.clearinghouse if party == "clearinghouse" else city.nodes[party]
        assert target.wait_exit(EXIT_WAIT_SECONDS) == EXIT_CODE, f"{failpoint} was never reached: {story}"
        if party == "clearinghouse":
            city.clearinghouse.restart(environment={ENVIRONMENT_VARIABLE: ""})
        else:
            city.restart_node(party, crash=False, environment={ENVIRONMENT_VARIABLE: ""})
        check_consistent(city, ids)
    finally:
        city.stop()


def check_consistent(city: RunningCity, ids: list[bytes]) -> None:
    at_origin = [final_state(city, "shiqi", i) for i in ids]
    at_counterparty = [final_state(city, "dongqu", i) for i in ids]
    decided, book = clearinghouse_view(city)
    committed = 0
    for transfer_id, origin, counterparty in zip(ids, at_origin, at_counterparty, strict=True):
        state, reason = decided[int.from_bytes(transfer_id, "big")]
        want = pb.CROSS_NODE_STATE_COMMITTED if state == "committed" else pb.CROSS_NODE_STATE_ABORTED
        assert origin == want, (transfer_id.hex(), state, reason)
        assert counterparty in (want, None if state == "aborted" else want), (transfer_id.hex(), state, reason)
        committed += state == "committed"
    # Restarts come well within the prepare's 30 s expiry: recovery completes every transfer.
    assert committed == TRANSFERS, [decided[int.from_bytes(i, "big")] for i in ids]
    shiqi, dongqu = city.client("shiqi"), city.client("dongqu")
    assert shiqi.get_account(PAYER).balance_minutes == START_MINUTES - committed * AMOUNT_MINUTES
    assert dongqu.get_account(PAYEE).balance_minutes == committed * AMOUNT_MINUTES
    for node_id, client in (("shiqi", shiqi), ("dongqu", dongqu)):
        clearing = client.get_account((2).to_bytes(16, "big")).account
        assert clearing.debits_pending_minutes == clearing.credits_pending_minutes == 0
        balance = clearing.credits_posted_minutes - clearing.debits_posted_minutes
        assert balance == -book[node_id][0] and book[node_id][1] == 0, node_id
