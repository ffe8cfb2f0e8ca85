"""Cross-node transfers through a real clearinghouse and real nodes (mutual TLS, loopback),
on SQLite and PostgreSQL: every step of the flow, redemptions with consent, refusals,
expiry, suspension, and consistency between both nodes and the clearinghouse."""

from __future__ import annotations

import pathlib

import grpc
import pytest

from clearinghouse import registry
from clearinghouse.records import NodeStatus, node_account_id
from tests.support.city import NODES, RunningTestCity, make_city, raw, wait_for
from timebank.clock import SystemClock
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.storage.engine import write_transaction
from timebank.v1 import ledger_pb2 as pb

CLEARING = raw(SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING])
COMMITTED, ABORTED, HELD = pb.CROSS_NODE_STATE_COMMITTED, pb.CROSS_NODE_STATE_ABORTED, pb.CROSS_NODE_STATE_HELD


def clearing_balance(city: RunningTestCity, node_id: str) -> int:
    account = city.client(node_id).get_account(CLEARING).account
    return account.credits_posted_minutes - account.debits_posted_minutes


def clearinghouse_position(city: RunningTestCity, node_id: str) -> int:
    rows = city.clearinghouse_sql(
        "SELECT credits_posted_minutes - debits_posted_minutes FROM accounts "
        f"WHERE id = '{node_account_id(node_id):032x}'"
    )
    return int(rows[0][0]) if rows else 0


def assert_mirrored(city: RunningTestCity) -> None:
    """Invariant 6: each node's clearing account is the exact negative of the clearinghouse's view."""
    for node_id in NODES:
        assert clearing_balance(city, node_id) == -clearinghouse_position(city, node_id), node_id
    assert sum(clearinghouse_position(city, node_id) for node_id in NODES) == 0


def test_push_commits_on_both_sides(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=120)
    payee = city.member("dongqu", 2)
    result = city.submit(
        "shiqi",
        id=raw(0xC1),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=90,
        memo="to grandmother",
    )
    assert result.outcome == pb.OUTCOME_OK
    held = city.client("shiqi").get_account(payer)
    assert (held.balance_minutes, held.available_minutes) in ((120, 30), (30, 30))
    assert city.final("shiqi", raw(0xC1)).state == COMMITTED
    assert city.final("dongqu", raw(0xC1)).state == COMMITTED
    assert city.balance("shiqi", payer) == 30 and city.balance("dongqu", payee) == 90
    reused = city.submit(
        "dongqu",
        id=raw(0xC1),
        local_account_id=payee,
        remote_node_id="shiqi",
        remote_account_id=payer,
        amount_minutes=5,
    )
    assert reused.outcome == pb.OUTCOME_EXISTS_WITH_DIFFERENT_BODY
    assert reused.detail.startswith(f"id: {0xC1:032x} is the id of a cross-node transfer shiqi sent to this node")
    listed = city.client("shiqi").stub.ListCrossNodeTransfers(pb.ListCrossNodeTransfersRequest(), timeout=10)
    assert [(t.transfer.id, t.side, t.originator) for t in listed.transfers] == [(raw(0xC1), "debit", True)]
    assert listed.transfers[0].created_at_micros > 0 and listed.transfers[0].decided_at_micros > 0
    waiting = pb.ListCrossNodeTransfersRequest(state=pb.CROSS_NODE_STATE_HELD)
    assert not city.client("dongqu").stub.ListCrossNodeTransfers(waiting, timeout=10).transfers
    state = city.clearinghouse_sql(f"SELECT state FROM cross_transfers WHERE transfer_id = '{0xC1:032x}'")
    assert state == [("committed",)]
    assert_mirrored(city)


def test_a_retried_submit_is_applied_once(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=100)
    payee = city.member("dongqu", 2)
    fields = dict(
        id=raw(0xC2), local_account_id=payer, remote_node_id="dongqu", remote_account_id=payee, amount_minutes=40
    )
    assert city.submit("shiqi", **fields).outcome == pb.OUTCOME_OK
    assert city.submit("shiqi", **fields).outcome == pb.OUTCOME_EXISTS
    changed = city.submit("shiqi", **{**fields, "amount_minutes": 41})
    assert changed.outcome == pb.OUTCOME_EXISTS_WITH_DIFFERENT_BODY
    assert changed.detail.startswith(f"amount_minutes: id {0xC2:032x} exists with amount_minutes 40, got 41")
    city.final("dongqu", raw(0xC2))
    city.final("shiqi", raw(0xC2))
    assert city.balance("dongqu", payee) == 40 and city.balance("shiqi", payer) == 60


def test_unknown_remote_account_aborts_and_releases_the_hold(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=50)
    city.submit(
        "shiqi",
        id=raw(0xC3),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=raw(0x77),
        amount_minutes=20,
    )
    view = city.final("shiqi", raw(0xC3))
    assert view.state == ABORTED
    again = city.submit(
        "shiqi",
        id=raw(0xC3),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=raw(0x77),
        amount_minutes=20,
    )
    assert again.outcome == pb.OUTCOME_EXISTS and f"exists and is aborted: {view.reason}" in again.detail
    assert "refused by dongqu: NOT_FOUND: credit_account_id" in view.reason
    assert city.client("shiqi").get_account(payer).available_minutes == 50
    assert_mirrored(city)


def test_unknown_remote_node_aborts(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=50)
    city.submit(
        "shiqi",
        id=raw(0xC4),
        local_account_id=payer,
        remote_node_id="atlantis",
        remote_account_id=raw(0x1234567890),
        amount_minutes=20,
    )
    view = city.final("shiqi", raw(0xC4))
    assert view.state == ABORTED and "node 'atlantis' is not admitted" in view.reason
    assert city.balance("shiqi", payer) == 50


def test_not_enough_hours_is_refused_at_once(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=10)
    result = city.submit(
        "shiqi",
        id=raw(0xC5),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=raw(0x1234567890),
        amount_minutes=11,
    )
    assert result.outcome == pb.OUTCOME_EXCEEDS_FLOOR and "can spend only 10" in result.detail
    assert city.clearinghouse_sql("SELECT count(*) FROM cross_transfers") == [(0,)]


def test_invalid_cross_node_requests_name_the_field(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=10)
    own = city.submit(
        "shiqi",
        id=raw(0xC6),
        local_account_id=payer,
        remote_node_id="shiqi",
        remote_account_id=raw(0x1234567890),
        amount_minutes=1,
    )
    assert own.outcome == pb.OUTCOME_INVALID and own.detail.startswith("credit_node_id: got 'shiqi'")
    zero = city.submit(
        "shiqi",
        id=raw(0xC7),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=raw(0x1234567890),
        amount_minutes=0,
    )
    assert zero.outcome == pb.OUTCOME_INVALID and zero.detail.startswith("amount_minutes: got 0")
    pull = city.submit(
        "shiqi",
        id=raw(0xC8),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=raw(0x1234567890),
        amount_minutes=1,
        pull=True,
    )
    assert pull.outcome == pb.OUTCOME_INVALID and pull.detail.startswith("consent: a pull needs")


def test_redemption_away_from_home_with_a_one_time_code(city: RunningTestCity) -> None:
    elder = city.member("dongqu", 1, minutes=200)
    volunteer = city.member("canlian", 2)
    grant = city.client("dongqu").stub.CreateConsent(
        pb.CreateConsentRequest(
            holder_account_id=elder, beneficiary_node_id="canlian", limit_minutes=90, valid_seconds=600
        ),
        timeout=10,
    )
    assert len(grant.one_time_code) == 12
    fields = dict(
        local_account_id=volunteer,
        remote_node_id="dongqu",
        remote_account_id=elder,
        pull=True,
        one_time_code=grant.one_time_code,
    )
    assert city.submit("canlian", id=raw(0xD1), amount_minutes=60, **fields).outcome == pb.OUTCOME_OK
    assert city.final("canlian", raw(0xD1)).state == COMMITTED
    assert city.final("dongqu", raw(0xD1)).state == COMMITTED
    assert (city.balance("dongqu", elder), city.balance("canlian", volunteer)) == (140, 60)
    city.submit("canlian", id=raw(0xD2), amount_minutes=10, **fields)
    reused = city.final("canlian", raw(0xD2))
    assert reused.state == ABORTED and "one-time code was used already" in reused.reason
    wrong = dict(fields, one_time_code="WRONGCODE234")
    city.submit("canlian", id=raw(0xD3), amount_minutes=10, **wrong)
    assert "no such one-time code" in city.final("canlian", raw(0xD3)).reason
    assert (city.balance("dongqu", elder), city.balance("canlian", volunteer)) == (140, 60)
    assert_mirrored(city)


def test_redemption_with_a_mandate_stops_at_its_limit(city: RunningTestCity) -> None:
    elder = city.member("dongqu", 1, minutes=500)
    volunteer = city.member("shiqi", 2)
    mandate = raw(0xAA55)
    city.client("dongqu").stub.CreateConsent(
        pb.CreateConsentRequest(
            holder_account_id=elder,
            beneficiary_node_id="shiqi",
            limit_minutes=100,
            valid_seconds=600,
            mandate=True,
            mandate_id=mandate,
        ),
        timeout=10,
    )
    fields = dict(
        local_account_id=volunteer, remote_node_id="dongqu", remote_account_id=elder, pull=True, mandate_id=mandate
    )
    for number, minutes, want in ((0xE1, 60, COMMITTED), (0xE2, 40, COMMITTED), (0xE3, 1, ABORTED)):
        city.submit("shiqi", id=raw(number), amount_minutes=minutes, **fields)
        assert city.final("shiqi", raw(number)).state == want
        assert city.final("dongqu", raw(number)).state == want
    assert city.balance("dongqu", elder) == 400
    assert "exceed what the mandate allows (0 left)" in city.state("shiqi", raw(0xE3)).reason


def test_suspended_counterparty_aborts_and_reinstated_commits(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=100)
    payee = city.member("dongqu", 2)
    engine = city.clearinghouse.coordinator.books.engine
    with write_transaction(engine) as connection:
        registry.set_status(connection, "dongqu", NodeStatus.SUSPENDED, "audit", SystemClock().now_micros())
    city.submit(
        "shiqi",
        id=raw(0xF1),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=10,
    )
    assert "node 'dongqu' is suspended" in city.final("shiqi", raw(0xF1)).reason
    with write_transaction(engine) as connection:
        registry.set_status(connection, "dongqu", NodeStatus.ACTIVE, "audit done", SystemClock().now_micros())
    city.submit(
        "shiqi",
        id=raw(0xF2),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=10,
    )
    assert city.final("shiqi", raw(0xF2)).state == COMMITTED
    with engine.connect() as connection:
        actions = [e["action"] for e in registry.events(connection)]
    assert actions.count("suspended") == 1 and actions.count("reinstated") == 1


def test_net_debit_cap_is_enforced(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=1_000)
    payee = city.member("dongqu", 2)
    city.clearinghouse_sql("UPDATE registry_nodes SET net_debit_cap_minutes = 100 WHERE node_id = 'shiqi'")
    city.submit(
        "shiqi",
        id=raw(0xF3),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=80,
    )
    assert city.final("shiqi", raw(0xF3)).state == COMMITTED
    city.submit(
        "shiqi",
        id=raw(0xF4),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=21,
    )
    view = city.final("shiqi", raw(0xF4))
    assert view.state == ABORTED and "above its cap of 100" in view.reason


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_vote_before_the_expiry_means_abort(tmp_path: pathlib.Path, backend: str) -> None:
    """The counterparty is down: the clearinghouse aborts at the expiry by its own clock; the
    counterparty, once back, receives the prepare and the abort, and ends with nothing held."""
    city = make_city(tmp_path / "city", {}, environ={"TIMEBANK_PROTOCOL__PREPARE_TTL_SECONDS": "0.5"})
    try:
        city.start_clearinghouse()
        for node_id in ("shiqi", "dongqu"):
            city.start_node(node_id)
        payer = city.member("shiqi", 1, minutes=30)
        payee = city.member("dongqu", 2)
        city.stop_node("dongqu")
        city.submit(
            "shiqi",
            id=raw(0xF5),
            local_account_id=payer,
            remote_node_id="dongqu",
            remote_account_id=payee,
            amount_minutes=30,
        )
        view = city.final("shiqi", raw(0xF5))
        assert view.state == ABORTED and view.reason == "expired with no decision"
        city.start_node("dongqu")
        assert city.final("dongqu", raw(0xF5)).state == ABORTED
        wait_for(
            lambda: city.client("dongqu").get_account(CLEARING).account.debits_pending_minutes, lambda value: value == 0
        )
        assert city.balance("shiqi", payer) == 30 and city.balance("dongqu", payee) == 0
        assert_mirrored_two(city)
    finally:
        city.stop()


def assert_mirrored_two(city: RunningTestCity) -> None:
    for node_id in ("shiqi", "dongqu"):
        assert clearing_balance(city, node_id) == -clearinghouse_position(city, node_id)


def test_a_node_restarted_mid_flight_ends_consistent(city: RunningTestCity) -> None:
    payer = city.member("shiqi", 1, minutes=500)
    payee = city.member("dongqu", 2)
    for number in range(20):
        city.submit(
            "shiqi",
            id=raw(0x100 + number),
            local_account_id=payer,
            remote_node_id="dongqu",
            remote_account_id=payee,
            amount_minutes=5,
        )
    city.stop_node("dongqu")
    city.start_node("dongqu")
    states = [city.final("shiqi", raw(0x100 + number)).state for number in range(20)]
    assert set(states) <= {COMMITTED, ABORTED}
    for number, state in enumerate(states):
        assert city.final("dongqu", raw(0x100 + number)).state == state
    committed = states.count(COMMITTED)
    assert city.balance("dongqu", payee) == 5 * committed
    assert city.balance("shiqi", payer) == 500 - 5 * committed
    assert_mirrored(city)


def committed_push(city: RunningTestCity, number: int, minutes: int) -> tuple[bytes, bytes, bytes]:
    payer = city.member("shiqi", number, minutes=minutes)
    payee = city.member("dongqu", number + 1)
    transfer_id = raw(0x5000 + number)
    city.submit(
        "shiqi",
        id=transfer_id,
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=minutes,
    )
    assert city.final("dongqu", transfer_id).state == COMMITTED
    assert city.final("shiqi", transfer_id).state == COMMITTED
    return transfer_id, payer, payee


def recalls_at(city: RunningTestCity, node_id: str) -> list[pb.RecallView]:
    return list(city.client(node_id).stub.ListRecalls(pb.ListRecallsRequest(), timeout=10).recalls)


def test_an_accepted_recall_returns_the_hours_as_a_new_transfer(city: RunningTestCity) -> None:
    original, payer, payee = committed_push(city, 1, 100)
    asked = (
        city.client("shiqi")
        .stub.RequestRecall(
            pb.RequestRecallRequest(
                recall_id=raw(0x7001), original_id=original, amount_minutes=60, reason="sent to the wrong person"
            ),
            timeout=10,
        )
        .recall
    )
    assert asked.state == pb.RECALL_STATE_REQUESTED and asked.requested_here
    received = wait_for(lambda: recalls_at(city, "dongqu"), lambda views: len(views) == 1)[0]
    assert (received.requested_here, received.counterparty_node_id) == (False, "shiqi")
    answered = (
        city.client("dongqu")
        .stub.AnswerRecall(pb.AnswerRecallRequest(recall_id=raw(0x7001), accept=True, reason="agreed"), timeout=10)
        .recall
    )
    assert answered.state == pb.RECALL_STATE_ACCEPTED and answered.return_transfer_id
    assert city.final("shiqi", answered.return_transfer_id).state == COMMITTED
    assert city.final("dongqu", answered.return_transfer_id).state == COMMITTED
    assert city.balance("shiqi", payer) == 60 and city.balance("dongqu", payee) == 40
    at_origin = wait_for(lambda: recalls_at(city, "shiqi")[0], lambda view: view.state != pb.RECALL_STATE_REQUESTED)
    assert at_origin.state == pb.RECALL_STATE_ACCEPTED and at_origin.return_transfer_id == answered.return_transfer_id
    rows = city.clearinghouse_sql(
        f"SELECT returns_id FROM cross_transfers WHERE transfer_id = '{answered.return_transfer_id.hex()}'"
    )
    assert rows == [(original.hex(),)]
    # What is left to give back is 40: a recall of 41 is refused by the clearinghouse.
    city.client("shiqi").stub.RequestRecall(
        pb.RequestRecallRequest(recall_id=raw(0x7002), original_id=original, amount_minutes=41, reason="more"),
        timeout=10,
    )
    refused = wait_for(
        lambda: [v for v in recalls_at(city, "shiqi") if v.recall_id == raw(0x7002)][0],
        lambda view: view.state != pb.RECALL_STATE_REQUESTED,
    )
    assert refused.state == pb.RECALL_STATE_REFUSED and "want 1..=40" in refused.answer_reason
    assert_mirrored(city)


def test_a_refused_recall_moves_nothing(city: RunningTestCity) -> None:
    original, payer, payee = committed_push(city, 3, 50)
    city.client("shiqi").stub.RequestRecall(
        pb.RequestRecallRequest(recall_id=raw(0x7003), original_id=original, amount_minutes=50, reason="please"),
        timeout=10,
    )
    wait_for(lambda: recalls_at(city, "dongqu"), lambda views: len(views) == 1)
    city.client("dongqu").stub.AnswerRecall(
        pb.AnswerRecallRequest(recall_id=raw(0x7003), accept=False, reason="the service was rendered"), timeout=10
    )
    at_origin = wait_for(lambda: recalls_at(city, "shiqi")[0], lambda view: view.state != pb.RECALL_STATE_REQUESTED)
    assert at_origin.state == pb.RECALL_STATE_REFUSED and at_origin.answer_reason == "the service was rendered"
    assert city.balance("shiqi", payer) == 0 and city.balance("dongqu", payee) == 50
    with pytest.raises(grpc.RpcError) as caught:
        city.client("dongqu").stub.AnswerRecall(pb.AnswerRecallRequest(recall_id=raw(0x7003), accept=True), timeout=10)
    assert (
        caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "was refused already" in caught.value.details()
    )


def test_only_the_payer_of_a_committed_transfer_may_recall(city: RunningTestCity) -> None:
    original, _payer, _payee = committed_push(city, 5, 30)
    with pytest.raises(grpc.RpcError) as caught:
        city.client("dongqu").stub.RequestRecall(
            pb.RequestRecallRequest(recall_id=raw(0x7004), original_id=original, amount_minutes=10, reason="mine"),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "only a committed transfer sent from here can be recalled" in caught.value.details()
    with pytest.raises(grpc.RpcError) as caught:
        city.client("shiqi").stub.RequestRecall(
            pb.RequestRecallRequest(recall_id=raw(0x7005), original_id=raw(0x999), amount_minutes=10, reason="?"),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_accepting_a_recall_needs_the_hours(city: RunningTestCity) -> None:
    original, _payer, payee = committed_push(city, 7, 30)
    city.client("shiqi").stub.RequestRecall(
        pb.RequestRecallRequest(recall_id=raw(0x7006), original_id=original, amount_minutes=30, reason="please"),
        timeout=10,
    )
    wait_for(lambda: recalls_at(city, "dongqu"), lambda views: len(views) == 1)
    city.client("dongqu").submit_transfer(
        pb.Transfer(
            id=raw(0x7777),
            kind=pb.TRANSFER_KIND_SINGLE_PHASE,
            debit_account_id=payee,
            credit_account_id=raw(1),
            amount_minutes=20,
        )
    )
    with pytest.raises(grpc.RpcError) as caught:
        city.client("dongqu").stub.AnswerRecall(pb.AnswerRecallRequest(recall_id=raw(0x7006), accept=True), timeout=10)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "the return transfer cannot start" in caught.value.details()
    assert recalls_at(city, "dongqu")[0].state == pb.RECALL_STATE_REQUESTED


def test_an_insecure_city_works_in_plaintext_on_loopback(tmp_path: pathlib.Path) -> None:
    """`city init --insecure`: plaintext between nodes and the clearinghouse, for local experiments."""
    from city.init import NodePlan, init_city
    from city.processes import free_port_range
    from clearinghouse.config import load_clearinghouse_config
    from nodes.config import load_node_config
    from tests.support.city import RunningTestCity

    base = free_port_range(3)
    plan = [NodePlan(n, n, "district", f"127.0.0.1:{base + 1 + i}") for i, n in enumerate(("shiqi", "dongqu"))]
    made = init_city(tmp_path / "c", plan, clock=SystemClock(), base_port=base, insecure=True)
    city = RunningTestCity(
        tmp_path / "c",
        load_clearinghouse_config(made.clearinghouse_config, environ={}),
        {node.node_id: load_node_config(path, environ={}) for node, path in made.nodes},
        {},
    )
    assert city.clearinghouse_config.server.insecure
    try:
        city.start_clearinghouse()
        for node_id in ("shiqi", "dongqu"):
            city.start_node(node_id)
        payer, payee = city.member("shiqi", 1, minutes=10), city.member("dongqu", 2)
        city.submit(
            "shiqi",
            id=raw(0xEE),
            local_account_id=payer,
            remote_node_id="dongqu",
            remote_account_id=payee,
            amount_minutes=10,
        )
        assert city.final("dongqu", raw(0xEE)).state == COMMITTED
    finally:
        city.stop()


def test_node_info_reports_the_link(city: RunningTestCity) -> None:
    payer, payee = city.member("shiqi", 1, minutes=20), city.member("dongqu", 2)
    city.submit(
        "shiqi",
        id=raw(0xAB),
        local_account_id=payer,
        remote_node_id="dongqu",
        remote_account_id=payee,
        amount_minutes=20,
    )
    city.final("shiqi", raw(0xAB))
    info = wait_for(lambda: city.client("shiqi").get_node_info(), lambda i: i.outbox_depth == 0)
    assert info.clearinghouse_address == city.node_configs["shiqi"].clearinghouse.address
    assert info.clearinghouse_exchanges > 0 and info.held_transfers == 0


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"limit_minutes": 0, "valid_seconds": 60}, grpc.StatusCode.INVALID_ARGUMENT, "limit_minutes: got 0"),
        ({"limit_minutes": 10, "valid_seconds": 0}, grpc.StatusCode.INVALID_ARGUMENT, "valid_seconds: got 0"),
        (
            {"limit_minutes": 10, "valid_seconds": 60, "mandate": True},
            grpc.StatusCode.INVALID_ARGUMENT,
            "mandate_id: a mandate needs its 16-byte id",
        ),
    ],
    ids=["zero limit", "zero validity", "mandate without id"],
)
def test_bad_consents_are_refused(
    city: RunningTestCity, fields: dict[str, object], code: grpc.StatusCode, message: str
) -> None:
    elder = city.member("dongqu", 1, minutes=10)
    with pytest.raises(grpc.RpcError) as caught:
        city.client("dongqu").stub.CreateConsent(pb.CreateConsentRequest(holder_account_id=elder, **fields), timeout=10)
    assert caught.value.code() == code and message in caught.value.details()


def test_a_consent_for_an_unknown_holder_is_refused(city: RunningTestCity) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        city.client("dongqu").stub.CreateConsent(
            pb.CreateConsentRequest(holder_account_id=raw(0x4242), limit_minutes=10, valid_seconds=60), timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "holder_account_id: member account" in caught.value.details()
