"""Cycles, statements, reconciliation, split views, audit exports and proofs on a real city.

Every party runs its real gRPC server (mutual TLS) on loopback over SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest
from sqlalchemy import text

from clearinghouse import reports
from nodes import statements
from nodes.witness import SplitView
from tests.support.city import NODES, RunningTestCity, close_and_collect, cycle_report, raw, wait_for
from tests.support.commands import timebank
from timebank import keys, logformat, signing
from timebank.audit import export, proof
from timebank.audit.verify import verify_directory
from timebank.envelope import seal
from timebank.errors import VerificationError
from timebank.protocol import CLEARINGHOUSE_ID, CycleClosed, cycle_closed_item, decode_item, encode_item
from timebank.storage.engine import write_transaction
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc
from timebank.v1 import log_pb2 as lpb
from timebank.v1 import log_pb2_grpc as lpb_grpc

CALL_SECONDS = 20


def _move(city: RunningTestCity, number: int, source: str, target: str, minutes: int) -> bytes:
    return city.move(raw(0x5E77 << 112 | number), source, target, minutes)


def _traffic(city: RunningTestCity) -> list[bytes]:
    city.member("shiqi", 1, minutes=600)
    city.member("dongqu", 1, minutes=600)
    for node_id in NODES:
        city.member(node_id, 2)
    return [
        _move(city, 1, "shiqi", "dongqu", 90),
        _move(city, 2, "dongqu", "shiqi", 30),
        _move(city, 3, "shiqi", "canlian", 45),
    ]


def test_a_clean_cycle_nets_to_zero_and_reconciles_without_breaks(city: RunningTestCity) -> None:
    _traffic(city)
    closed = close_and_collect(city)
    nets = {p.node_id: p.net_minutes for p in closed.positions}
    assert nets == {"shiqi": -105, "dongqu": 60, "canlian": 45}
    written = cycle_report(city, closed.cycle_id)
    assert written.report.breaks == ()
    document = json.loads(written.json_bytes)
    assert document["summary"]["break_count"] == 0 and document["summary"]["nets_sum_to_zero"] is True
    key = keys.load_signing_key(city.directory / "clearinghouse" / "keys" / "signing-key.pem")
    signing.verify(key.public_key(), reports.REPORT_PURPOSE, written.json_bytes, written.signature)
    # The next cycle opens where this one closed, at every node.
    _move(city, 4, "dongqu", "shiqi", 5)
    second = close_and_collect(city)
    written = cycle_report(city, second.cycle_id)
    assert written.report.breaks == ()
    closing = {p.node_id: p.closing_minutes for p in second.positions}
    assert closing == {"shiqi": -100, "dongqu": 55, "canlian": 45}


def test_breaks_injected_at_a_node_and_in_a_stored_statement_are_reported(city: RunningTestCity) -> None:
    moved = _traffic(city)
    assert city.clearinghouse is not None
    # dongqu's books say the first transfer moved 91 minutes, the clearinghouse's 90.
    with write_transaction(city.nodes["dongqu"].books.engine) as connection:
        connection.execute(
            text("UPDATE remote_transfers SET amount_minutes = 91 WHERE transfer_id = :id"), {"id": moved[0].hex()}
        )
    closed = close_and_collect(city)
    # A byte of canlian's stored statement flipped: its signature no longer verifies.
    with write_transaction(city.clearinghouse.coordinator.books.engine) as connection:
        signed = connection.execute(text("SELECT signed FROM statements WHERE node_id = 'canlian'")).scalar_one()
        page = lpb.SignedStatement.FromString(bytes(signed))
        page.signature = bytes([page.signature[0] ^ 1]) + page.signature[1:]
        connection.execute(
            text("UPDATE statements SET signed = :signed WHERE node_id = 'canlian'"),
            {"signed": page.SerializeToString()},
        )
    kinds = {(b.kind, b.node_id) for b in cycle_report(city, closed.cycle_id).report.breaks}
    assert ("amount-mismatch", "dongqu") in kinds
    assert ("position-mismatch", "dongqu") in kinds
    assert ("signature-invalid", "canlian") in kinds
    assert not any(node == "shiqi" for _kind, node in kinds)


def _forged_checkpoint(city: RunningTestCity, size: int) -> lpb.SignedCheckpoint:
    """A checkpoint signed with the clearinghouse's real key for a history it never had."""
    key = keys.load_signing_key(city.directory / "clearinghouse" / "keys" / "signing-key.pem")
    return logformat.sign_checkpoint(CLEARINGHOUSE_ID, size, b"\x66" * 32, 10**15, key)


def test_a_node_shown_a_forked_checkpoint_stops_cross_node_traffic_and_says_so(city: RunningTestCity) -> None:
    _traffic(city)
    link = city.nodes["shiqi"].link
    assert link is not None
    witness = link.crossing.witness
    seen = wait_for(witness.seen, lambda value: value[0] > 0)
    with pytest.raises(SplitView, match="not consistent"):
        witness.observe(_forged_checkpoint(city, seen[0]), [], seen)
    assert witness.seen() == seen  # the forged one is not kept
    with pytest.raises(grpc.RpcError) as refused:
        city.submit(
            "shiqi",
            id=raw(0x5E77 << 112 | 99),
            local_account_id=raw(0xA000 << 112 | 1),
            remote_node_id="dongqu",
            remote_account_id=raw(0xA000 << 112 | 2),
            amount_minutes=1,
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "split-view" in (refused.value.details() or "")
    info = city.client("shiqi").get_node_info()
    assert info.alarms and "split-view" in info.alarms[0]
    exchanges = link.exchanges
    wait_for(lambda: link.exchanges, lambda value: value == exchanges, seconds=2.5)  # the link stays quiet


def test_the_clearinghouse_refuses_a_node_that_saw_a_checkpoint_of_another_history(city: RunningTestCity) -> None:
    assert city.clearinghouse is not None
    key = keys.load_signing_key(city.directory / "nodes" / "dongqu" / "keys" / "signing-key.pem")
    signed = seal(
        "dongqu",
        CLEARINGHOUSE_ID,
        [],
        key,
        batch_id=b"\x01" * 16,
        created_at_micros=city.clearinghouse.coordinator.clock.now_micros(),
        seen_checkpoint=(2, b"\x66" * 32),
    )
    with _channel(city, city.directory / "nodes" / "dongqu" / "tls") as channel:
        with pytest.raises(grpc.RpcError) as refused:
            cpb_grpc.ClearinghouseStub(channel).Exchange(signed, timeout=CALL_SECONDS)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "seen_checkpoint_root" in (refused.value.details() or "")
    assert city.clearinghouse_sql("SELECT kind FROM alarms") == [("split-view",)]
    config = str(city.directory / "clearinghouse" / "clearinghouse.toml")
    listed = json.loads(timebank("clearinghouse", "node", "list", "--config", config, "--json").stdout)
    assert [alarm["kind"] for alarm in listed["alarms"]] == ["split-view"]


@contextmanager
def _channel(city: RunningTestCity, tls: pathlib.Path) -> Iterator[grpc.Channel]:
    assert city.clearinghouse is not None
    with export.open_channel(f"127.0.0.1:{city.clearinghouse.port}", tls, CLEARINGHOUSE_ID) as channel:
        yield channel


def test_exports_of_the_clearinghouse_and_of_a_node_verify_clean(city: RunningTestCity, tmp_path: pathlib.Path) -> None:
    moved = _traffic(city)
    closed = close_and_collect(city)
    cycle_report(city, closed.cycle_id)
    with _channel(city, city.directory / "auditor" / "tls") as channel:
        stub = lpb_grpc.TransparencyLogStub(channel)
        exported = export.export(stub, tmp_path / "clearinghouse", lambda done, total: None)
        transfer_proof = export.prove(stub, int.from_bytes(moved[0], "big"))
    # As many entries as the clearinghouse's log held at its latest checkpoint: how many that
    # is depends on how the exchanges happened to batch the items, so it is read, not assumed.
    ((logged,),) = city.clearinghouse_sql("SELECT count(*) FROM log_entries")
    assert exported.log_id == CLEARINGHOUSE_ID and 20 < exported.entries <= int(str(logged))
    result = verify_directory(tmp_path / "clearinghouse")
    assert list(result.findings) == []
    node = f"127.0.0.1:{city.nodes['dongqu'].port}"
    with export.open_channel(node, None, "dongqu", city.credential("dongqu")) as channel:
        node_export = export.export(lpb_grpc.TransparencyLogStub(channel), tmp_path / "dongqu", lambda d, t: None)
    assert node_export.log_id == "dongqu"
    assert list(verify_directory(tmp_path / "dongqu").findings) == []
    proven = proof.verify_proof(transfer_proof)
    assert (proven.amount_minutes, proven.debit_node_id, proven.credit_node_id) == (90, "shiqi", "dongqu")
    altered = lpb.TransferProof()
    altered.CopyFrom(transfer_proof)
    altered.decision.entry = altered.decision.entry[:-1] + bytes([altered.decision.entry[-1] ^ 1])
    with pytest.raises(VerificationError, match="decision"):
        proof.verify_proof(altered)


def test_log_and_settlement_calls_refuse_bad_requests_naming_the_field(city: RunningTestCity) -> None:
    _traffic(city)
    with _channel(city, city.directory / "auditor" / "tls") as channel:
        stub = lpb_grpc.TransparencyLogStub(channel)
        with pytest.raises(grpc.RpcError) as bad_range:
            stub.GetEntries(lpb.GetEntriesRequest(start=5, end=5_000_000), timeout=CALL_SECONDS)
        assert bad_range.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "end: got range" in (bad_range.value.details() or "")
        with pytest.raises(grpc.RpcError) as unknown:
            stub.ProveTransfer(lpb.ProveTransferRequest(transfer_id=b"\x01" * 16), timeout=CALL_SECONDS)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as not_bureau:
            cpb_grpc.SettlementStub(channel).CloseCycle(cpb.CloseCycleRequest(), timeout=CALL_SECONDS)
        assert not_bureau.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "auditor" in (not_bureau.value.details() or "")
    with export.open_channel(
        f"127.0.0.1:{city.nodes['shiqi'].port}", None, "shiqi", city.credential("shiqi")
    ) as channel:
        with pytest.raises(grpc.RpcError) as unimplemented:
            lpb_grpc.TransparencyLogStub(channel).ProveTransfer(
                lpb.ProveTransferRequest(transfer_id=b"\x01" * 16), timeout=CALL_SECONDS
            )
        assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_a_node_answers_a_cycle_notice_only_once_it_has_every_commit_and_the_previous_statement(
    city: RunningTestCity,
) -> None:
    link = city.nodes["canlian"].link
    assert link is not None
    now = 1_800_000_000_000_000

    def notice(cycle_id: int, entry_count: int, previous_cycle_id: int) -> bytes:
        return encode_item(cycle_closed_item(CycleClosed(cycle_id, now, entry_count, previous_cycle_id)))

    assert link.crossing.receive([notice(7, 2, 0)]) == []  # two COMMITs of cycle 7 not applied here
    assert link.crossing.receive([notice(7, 0, 6)]) == []  # the statement of cycle 6 is not made
    answered = notice(7, 0, 0)
    assert link.crossing.receive([answered]) == [decode_item(answered).item_id]
    with city.nodes["canlian"].books.engine.connect() as connection:
        pages = statements.stored_pages(connection, "canlian", 7)
    assert [logformat.parse_statement(page).opening_minutes for page in pages] == [0]


def test_one_transfers_timeline_as_an_rpc_and_as_a_command(city: RunningTestCity) -> None:
    moved = _traffic(city)[0]  # shiqi -> dongqu, 90 minutes, committed at both
    with _channel(city, city.directory / "auditor" / "tls") as channel:
        stub = cpb_grpc.SettlementStub(channel)

        def read() -> cpb.CrossTransferTimeline:
            return stub.GetCrossTransfer(cpb.GetCrossTransferRequest(transfer_id=moved), timeout=CALL_SECONDS)

        acknowledged = wait_for(read, lambda t: sum(s.what == "decision-acknowledged" for s in t.steps) == 2)
        with pytest.raises(grpc.RpcError) as unknown:
            stub.GetCrossTransfer(cpb.GetCrossTransferRequest(transfer_id=b"\x02" * 16), timeout=CALL_SECONDS)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND and "transfer_id" in (unknown.value.details() or "")
    assert (acknowledged.debit_node_id, acknowledged.credit_node_id, acknowledged.state) == (
        "shiqi",
        "dongqu",
        "committed",
    )
    steps = [(step.what, step.party) for step in acknowledged.steps]
    assert steps[0] == ("prepare-received", "shiqi") and ("prepare-forwarded", "dongqu") in steps
    assert ("vote-received", "dongqu") in steps and ("committed", CLEARINGHOUSE_ID) in steps
    assert steps.index(("vote-received", "dongqu")) < steps.index(("committed", CLEARINGHOUSE_ID))
    assert acknowledged.prepare_log_index >= 0 and acknowledged.decision_log_index > acknowledged.prepare_log_index
    config = city.clearinghouse_config.base_directory / "clearinghouse.toml"
    shown = timebank("clearinghouse", "transfer", "show", moved.hex(), "--config", str(config), "--json")
    document = json.loads(shown.stdout)
    assert document["state"] == "committed" and [s["what"] for s in document["steps"]] == [s for s, _ in steps]
    refused = timebank("clearinghouse", "transfer", "show", "xyz", "--config", str(config), expect=None)
    assert refused.returncode != 0 and "transfer_id: got 'xyz', want 32 hexadecimal digits" in refused.stderr
