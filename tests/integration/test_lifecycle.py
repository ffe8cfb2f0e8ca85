"""Graceful shutdown: SIGTERM to the clearinghouse and to a node in the middle of traffic.

Each exits 0 after finishing its calls in flight; after a restart every transfer is final
and the same at both nodes, and the clearing positions mirror the clearinghouse's.
"""

from __future__ import annotations

import pathlib
import time

import pytest

from city.running import CITY, start_city
from clearinghouse.store.accounts import positions
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.storage.engine import create_database_engine
from timebank.v1 import ledger_pb2 as pb

CLEARING = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING].to_bytes(16, "big")
TRANSFERS = 40
FINAL_SECONDS = 60.0


def _final(client, transfer_id: bytes) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + FINAL_SECONDS
    while True:
        state = client.stub.GetCrossNodeTransfer(pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10).state
        if state != pb.CROSS_NODE_STATE_HELD or time.monotonic() > deadline:
            return int(state)
        time.sleep(0.05)


@pytest.mark.slow
def test_sigterm_in_the_middle_of_traffic_finishes_calls_and_loses_nothing(tmp_path: pathlib.Path) -> None:
    city = start_city(tmp_path / "city", CITY)
    try:
        shiqi, dongqu = city.client("shiqi"), city.client("dongqu")
        payer, payee = b"\xaa" * 16, b"\xbb" * 16
        shiqi.create_accounts([pb.Account(id=payer, kind=pb.ACCOUNT_KIND_MEMBER, holder="甲")])
        dongqu.create_accounts([pb.Account(id=payee, kind=pb.ACCOUNT_KIND_MEMBER, holder="乙")])
        issuance = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE].to_bytes(16, "big")
        shiqi.submit_transfer(
            pb.Transfer(
                id=b"\x01" * 16,
                kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                debit_account_id=issuance,
                credit_account_id=payer,
                amount_minutes=1_000,
            )
        )
        ids = [bytes([0xE0]) * 15 + bytes([n]) for n in range(TRANSFERS)]
        items = [
            pb.CrossNodeTransfer(
                id=i, local_account_id=payer, remote_node_id="dongqu", remote_account_id=payee, amount_minutes=3
            )
            for i in ids
        ]
        half = TRANSFERS // 2
        shiqi.stub.SubmitCrossNodeTransfers(pb.SubmitCrossNodeTransfersRequest(transfers=items[:half]), timeout=10)
        city.clearinghouse.stop()  # SIGTERM, waits for the exit
        assert city.clearinghouse.process.returncode == 0
        city.restart_node("dongqu", crash=False)  # SIGTERM too, then started again
        assert city.nodes["dongqu"].process.returncode in (None, 0)
        city.clearinghouse.restart()
        shiqi.stub.SubmitCrossNodeTransfers(pb.SubmitCrossNodeTransfersRequest(transfers=items[half:]), timeout=10)
        dongqu = city.client("dongqu")
        for transfer_id in ids:
            assert _final(shiqi, transfer_id) == pb.CROSS_NODE_STATE_COMMITTED
            assert _final(dongqu, transfer_id) == pb.CROSS_NODE_STATE_COMMITTED
        engine = create_database_engine(city.clearinghouse_database)
        try:
            with engine.connect() as connection:
                book = positions(connection, ["shiqi", "dongqu"])
        finally:
            engine.dispose()
        for node_id, client in (("shiqi", shiqi), ("dongqu", dongqu)):
            clearing = client.get_account(CLEARING).account
            assert clearing.credits_posted_minutes - clearing.debits_posted_minutes == -book[node_id].balance_minutes
        log = (city.directory / "clearinghouse" / "clearinghouse.log").read_text(encoding="utf-8")
        assert "stopping: finishing in-flight calls" in log and "Traceback" not in log
    finally:
        city.stop()
