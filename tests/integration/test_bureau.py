"""The bureau's desk at the clearinghouse (Bureau, and OperatorAccounts there) on a real city:
the city now, the registry's changes by role with their trail, the search over transfers,
the cycles with positions and flows, and the log's state.

Every party runs its real gRPC server (mutual TLS) on loopback over SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse.tables import OPERATOR_TABLES
from nodes.care.supervision import AlertDraft
from tests.support.care import HOUR_MICROS, Desk, care_events, people
from tests.support.city import RunningTestCity, close_and_collect, raw, wait_for
from tests.support.commands import timebank
from timebank import alarms, ids, keys
from timebank.audit import export
from timebank.operators.desk import Operators
from timebank.operators.records import BUREAU_STAFF
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import bureau_pb2 as bpb
from timebank.v1 import bureau_pb2_grpc as bpb_grpc
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc
from timebank.v1 import operators_pb2 as opb
from timebank.v1 import operators_pb2_grpc as opb_grpc

CALL_SECONDS = 20
PASSWORD = "Jian-du 2026 winter"


@contextmanager
def _channel(city: RunningTestCity, party: str) -> Iterator[grpc.Channel]:
    """A channel to the clearinghouse with the certificate in the city's folder party/tls."""
    assert city.clearinghouse is not None
    address = f"127.0.0.1:{city.clearinghouse.port}"
    with export.open_channel(address, city.directory / party / "tls", CLEARINGHOUSE_ID) as channel:
        yield channel


def _bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def _move(city: RunningTestCity, number: int, source: str, target: str, minutes: int) -> bytes:
    return city.move(raw(0xB0EE << 112 | number), source, target, minutes)


def _refused(call: object, code: grpc.StatusCode, *words: str) -> None:
    assert isinstance(call, pytest.ExceptionInfo)
    error = call.value
    assert isinstance(error, grpc.RpcError)
    assert error.code() == code, error.details()
    for word in words:
        assert word in (error.details() or ""), error.details()


def test_the_bureau_reads_the_city_and_an_administrator_changes_the_registry(city: RunningTestCity) -> None:
    city.member("shiqi", 1, minutes=600)
    for node_id in ("shiqi", "dongqu", "canlian"):
        city.member(node_id, 2)
    moved = [_move(city, 1, "shiqi", "dongqu", 90), _move(city, 2, "shiqi", "canlian", 45)]
    config = str(city.directory / "clearinghouse" / "clearinghouse.toml")
    password_file = city.directory / "admin-password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    made = timebank(
        "clearinghouse", "add-operator", "--config", config, "--username", "zhao.admin",
        "--display-name", "赵科长", "--role", "administrator", "--password-file", str(password_file),
    )  # fmt: skip
    assert "管理员 (administrator)" in made.stdout
    assert city.clearinghouse is not None
    desk = Operators(city.clearinghouse.coordinator.books, city.clock, OPERATOR_TABLES, BUREAU_STAFF)
    desk.create_account(None, "qian.audit", "钱审计", PASSWORD, ["auditor"])
    with pytest.raises(Exception, match="roles: got 'director', want some of administrator, supervisor, auditor"):
        desk.create_account(None, "sun.office", "孙主任", PASSWORD, ["director"])

    with _channel(city, "bureau") as channel:
        bureau = bpb_grpc.BureauStub(channel)
        accounts = opb_grpc.OperatorAccountsStub(channel)
        now = bureau.GetCityNow(bpb.GetCityNowRequest(), timeout=CALL_SECONDS)
        assert [node.node_id for node in now.nodes] == ["canlian", "dongqu", "shiqi"]
        assert all(node.last_exchange_at_micros > 0 and node.status == "active" for node in now.nodes)
        assert now.transfers["committed"] == 2 and now.open_cycle_id >= 1 and now.log_size > 0
        positions = {node.node_id: node.position_minutes for node in now.nodes}
        assert positions == {"shiqi": -135, "dongqu": 90, "canlian": 45}

        admin = accounts.Login(opb.LoginRequest(username="zhao.admin", password=PASSWORD), timeout=CALL_SECONDS)
        auditor = accounts.Login(opb.LoginRequest(username="qian.audit", password=PASSWORD), timeout=CALL_SECONDS)
        suspend = bpb.SetNodeStatusRequest(node_id="canlian", status="suspended", reason="审计期间暂停")
        with pytest.raises(grpc.RpcError) as denied:
            bureau.SetNodeStatus(suspend, metadata=_bearer(auditor.session_token), timeout=CALL_SECONDS)
        _refused(denied, grpc.StatusCode.PERMISSION_DENIED, "SetNodeStatus needs 管理员 (administrator)")
        with pytest.raises(grpc.RpcError) as no_reason:
            bureau.SetNodeStatus(
                bpb.SetNodeStatusRequest(node_id="canlian", status="suspended", reason=" "),
                metadata=_bearer(admin.session_token),
                timeout=CALL_SECONDS,
            )
        _refused(no_reason, grpc.StatusCode.INVALID_ARGUMENT, "reason: got 0 characters, want 1 to 200")
        suspended = bureau.SetNodeStatus(suspend, metadata=_bearer(admin.session_token), timeout=CALL_SECONDS)
        assert suspended.status == "suspended"
        reinstate = bpb.SetNodeStatusRequest(node_id="canlian", status="active", reason="审计完毕")
        assert bureau.SetNodeStatus(reinstate, metadata=_bearer(admin.session_token), timeout=CALL_SECONDS).status == (
            "active"
        )
        new_key = keys.public_pem(Ed25519PrivateKey.generate().public_key()).encode()
        rotated = bureau.RotateNodeKey(
            bpb.RotateNodeKeyRequest(node_id="canlian", public_key_pem=new_key, overlap_seconds=3600),
            metadata=_bearer(admin.session_token),
            timeout=CALL_SECONDS,
        )
        bureau.RevokeNodeKey(
            bpb.RevokeNodeKeyRequest(key_id=rotated.key_id, reason="a key made in error"),
            metadata=_bearer(admin.session_token),
            timeout=CALL_SECONDS,
        )
        registry = bureau.ListRegistry(bpb.ListRegistryRequest(), metadata=_bearer(auditor.session_token))
        revoked = [key for key in registry.keys if key.key_id == rotated.key_id]
        assert revoked and revoked[0].revoked_at_micros > 0
        actions = [change.action for change in registry.changes if change.node_id == "canlian"]
        assert actions[-5:] == ["suspended", "reinstated", "key-added", "key-rotated", "key-revoked"]
        trail = accounts.ListTrail(opb.ListTrailRequest(limit=100), metadata=_bearer(auditor.session_token)).entries
        rows = [(entry.username, entry.kind, entry.operation, entry.detail) for entry in trail]
        assert ("qian.audit", "refused", "SetNodeStatus", "role: SetNodeStatus needs 管理员 (administrator); "
                "qian.audit has 审计员 (auditor)") in rows  # fmt: skip
        assert ("zhao.admin", "action", "SetNodeStatus", "canlian suspended (审计期间暂停)") in rows
        assert ("zhao.admin", "action", "RevokeNodeKey", f"{rotated.key_id} (a key made in error)") in rows

        found = bureau.SearchCrossTransfers(
            bpb.SearchCrossTransfersRequest(node_id="canlian", state="committed"), timeout=CALL_SECONDS
        )
        assert [t.transfer_id for t in found.transfers] == [moved[1]] and not found.more
        by_prefix = bureau.SearchCrossTransfers(
            bpb.SearchCrossTransfersRequest(transfer_id_prefix=moved[0].hex()[:30], limit=1), timeout=CALL_SECONDS
        )
        assert [t.transfer_id for t in by_prefix.transfers] == [moved[1]] and by_prefix.more  # newest first
        with pytest.raises(grpc.RpcError) as bad_prefix:
            bureau.SearchCrossTransfers(bpb.SearchCrossTransfersRequest(transfer_id_prefix="xyz"))
        _refused(bad_prefix, grpc.StatusCode.INVALID_ARGUMENT, "transfer_id_prefix: got 'xyz'")
        with pytest.raises(grpc.RpcError) as unknown_node:
            bureau.SearchCrossTransfers(bpb.SearchCrossTransfersRequest(node_id="xiqu"))
        _refused(
            unknown_node,
            grpc.StatusCode.INVALID_ARGUMENT,
            "node_id: got 'xiqu', want an admitted node (canlian, dongqu, shiqi)",
        )

        with pytest.raises(grpc.RpcError) as closing_denied:
            cpb_grpc.SettlementStub(channel).CloseCycle(
                cpb.CloseCycleRequest(), metadata=_bearer(auditor.session_token), timeout=CALL_SECONDS
            )
        _refused(closing_denied, grpc.StatusCode.PERMISSION_DENIED, "CloseCycle needs 管理员 (administrator)")
    closed = close_and_collect(city)
    with _channel(city, "auditor") as channel:
        bureau = bpb_grpc.BureauStub(channel)
        cycles = bureau.ListCycles(bpb.ListCyclesRequest(), timeout=CALL_SECONDS).cycles
        shown = next(cycle for cycle in cycles if cycle.cycle_id == closed.cycle_id)
        assert {p.node_id: p.net_minutes for p in shown.positions} == {"shiqi": -135, "dongqu": 90, "canlian": 45}
        flows = {(f.debit_node_id, f.credit_node_id): (f.amount_minutes, f.count) for f in shown.flows}
        assert flows == {("shiqi", "dongqu"): (90, 1), ("shiqi", "canlian"): (45, 1)}
        assert cycles[0].closed_at_micros == 0  # the next, open cycle comes first

        def witnessed() -> bpb.LogStatus:
            return bureau.GetLogStatus(bpb.GetLogStatusRequest(), timeout=CALL_SECONDS)

        status = wait_for(witnessed, lambda s: len(s.witnessed_sizes) == 3 and min(s.witnessed_sizes.values()) > 0)
        assert status.size >= status.checkpoints[0].tree_size > 0 and not status.alarms
        with pytest.raises(grpc.RpcError) as auditor_changes:
            bureau.SetNodeStatus(bpb.SetNodeStatusRequest(node_id="canlian", status="suspended", reason="x"))
        _refused(auditor_changes, grpc.StatusCode.PERMISSION_DENIED, "peer: 'auditor' may not call this")


def test_a_supervisor_reads_but_cannot_change_and_a_forged_session_is_refused(city: RunningTestCity) -> None:
    assert city.clearinghouse is not None
    desk = Operators(city.clearinghouse.coordinator.books, city.clock, OPERATOR_TABLES, BUREAU_STAFF)
    desk.create_account(None, "li.super", "李监管", PASSWORD, ["supervisor"])
    desk.create_account(None, "zhou.admin", "周科长", PASSWORD, ["administrator"])
    xiqu_key = keys.public_pem(Ed25519PrivateKey.generate().public_key()).encode()
    with _channel(city, "bureau") as channel:
        accounts = opb_grpc.OperatorAccountsStub(channel)
        supervisor = accounts.Login(opb.LoginRequest(username="li.super", password=PASSWORD), timeout=CALL_SECONDS)
        assert list(supervisor.account.roles) == ["supervisor"]
        bureau = bpb_grpc.BureauStub(channel)
        city_now = bureau.GetCityNow(bpb.GetCityNowRequest(), metadata=_bearer(supervisor.session_token))
        assert len(city_now.nodes) == 3
        with pytest.raises(grpc.RpcError) as denied:
            bureau.AdmitNode(bpb.AdmitNodeRequest(node_id="x"), metadata=_bearer(supervisor.session_token))
        _refused(denied, grpc.StatusCode.PERMISSION_DENIED, "AdmitNode needs 管理员 (administrator)")
        with pytest.raises(grpc.RpcError) as forged:
            bureau.GetCityNow(bpb.GetCityNowRequest(), metadata=_bearer("0" * 64))
        _refused(forged, grpc.StatusCode.UNAUTHENTICATED, "session")
        admin = accounts.Login(opb.LoginRequest(username="zhou.admin", password=PASSWORD), timeout=CALL_SECONDS)
        with pytest.raises(grpc.RpcError) as bad_key:
            bureau.AdmitNode(
                bpb.AdmitNodeRequest(node_id="xiqu", display_name="西区", kind="district", public_key_pem=b"x"),
                metadata=_bearer(admin.session_token),
                timeout=CALL_SECONDS,
            )
        _refused(bad_key, grpc.StatusCode.INVALID_ARGUMENT, "public_key_pem")
        admitted = bureau.AdmitNode(
            bpb.AdmitNodeRequest(node_id="xiqu", display_name="西区", kind="district", public_key_pem=xiqu_key),
            metadata=_bearer(admin.session_token),
            timeout=CALL_SECONDS,
        )
        assert (admitted.node_id, admitted.status, admitted.last_exchange_at_micros) == ("xiqu", "active", 0)
        with pytest.raises(grpc.RpcError) as again:
            bureau.AdmitNode(
                bpb.AdmitNodeRequest(node_id="xiqu", display_name="西区", kind="district", public_key_pem=xiqu_key),
                metadata=_bearer(admin.session_token),
                timeout=CALL_SECONDS,
            )
        _refused(again, grpc.StatusCode.ALREADY_EXISTS, "node_id: node 'xiqu' is admitted already")
    with _channel(city, "nodes/shiqi") as channel:  # a node's certificate: the bureau's accounts are not its
        login = opb.LoginRequest(username="li.super", password=PASSWORD)
        with pytest.raises(grpc.RpcError) as node_login:
            opb_grpc.OperatorAccountsStub(channel).Login(login, timeout=CALL_SECONDS)
        _refused(node_login, grpc.StatusCode.PERMISSION_DENIED, "peer: 'shiqi' may not call this")
        with pytest.raises(grpc.RpcError) as node_reads:
            bpb_grpc.BureauStub(channel).GetCityNow(bpb.GetCityNowRequest(), timeout=CALL_SECONDS)
        _refused(node_reads, grpc.StatusCode.PERMISSION_DENIED, "peer: 'shiqi'")


def test_each_nodes_figures_and_open_alerts_reach_the_bureau_without_a_person_in_them(city: RunningTestCity) -> None:
    shiqi = city.nodes["shiqi"]
    assert shiqi.reporter is not None
    desk = Desk(city.client("shiqi"), "shiqi")
    volunteer = desk.register("volunteer", "林志愿", "1990-02-02")
    desk.approve(volunteer)
    reporter_desk = shiqi.reporter.desk
    draft = AlertDraft("proxy-load", ids.from_bytes(volunteer, "person_id"), "林志愿 acts for 9 elders", "test-1")
    reporter_desk.books.write(lambda connection: reporter_desk.raise_alerts(connection, [draft]))
    assert shiqi.reporter.send_if_changed() and not shiqi.reporter.send_if_changed()  # sent once per change
    dongqu = city.nodes["dongqu"].books
    # (A split-view alarm would stop the node's traffic, its reports with it: the bureau sees its silence.)
    conflict = "transfer 7f3a: the restored leg disagrees with the clearinghouse"
    alarms.raise_alarm(dongqu.engine, alarms.RESTORE_CONFLICT, conflict, city.clock.now_micros())
    for node_id in ("dongqu", "canlian"):
        reporter = city.nodes[node_id].reporter
        assert reporter is not None and reporter.send_if_changed()  # the first reading is always sent
    with _channel(city, "auditor") as channel:
        bureau = bpb_grpc.BureauStub(channel)

        def reported() -> bpb.CitySupervision:
            return bureau.GetCitySupervision(bpb.GetCitySupervisionRequest(), timeout=CALL_SECONDS)

        found = wait_for(
            reported,
            lambda answer: (
                any(n.node_id == "shiqi" and n.report.alerts for n in answer.nodes) and len(answer.nodes) == 3
            ),
        )
    report = next(node.report for node in found.nodes if node.node_id == "shiqi")
    assert report.people_by_role["volunteer"] == 1 and [a.rule for a in report.alerts] == ["proxy-load"]
    sent = report.SerializeToString()
    assert "林志愿".encode() not in sent and volunteer not in sent and b"9 elders" not in sent  # aggregates only
    alarmed = next(node.report for node in found.nodes if node.node_id == "dongqu")
    assert [a.kind for a in alarmed.alarms] == ["restore-conflict"] and b"7f3a" not in alarmed.SerializeToString()
    with _channel(city, "auditor") as channel:
        now = bpb_grpc.BureauStub(channel).GetCityNow(bpb.GetCityNowRequest(), timeout=CALL_SECONDS)
    counted = {node.node_id: (node.open_alerts, node.open_alarms, node.reported_at_micros > 0) for node in now.nodes}
    assert counted == {"shiqi": (1, 0, True), "dongqu": (0, 1, True), "canlian": (0, 0, True)}


def test_the_bureau_acknowledges_a_nodes_alert_and_the_node_records_it_as_the_bureaus(city: RunningTestCity) -> None:
    shiqi = city.nodes["shiqi"]
    assert shiqi.reporter is not None and city.clearinghouse is not None
    desk = Desk(city.client("shiqi"), "shiqi")
    elder, volunteer = people(desk)
    order_id = desk.publish(elder, "meals", city.clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.accept(order_id, volunteer)
    desk.scan(desk.code(order_id, "check-in"), volunteer)
    desk.scan(desk.code(order_id, "check-out"), volunteer)  # no minute between: the rule's implausible duration
    [alert] = shiqi.reporter.desk.alerts(False)
    assert alert.rule == "implausible-duration"
    assert shiqi.reporter.send_if_changed()
    operators = Operators(city.clearinghouse.coordinator.books, city.clock, OPERATOR_TABLES, BUREAU_STAFF)
    operators.create_account(None, "sun.super", "孙监管", PASSWORD, ["supervisor"])
    operators.create_account(None, "qian.audit", "钱审计", PASSWORD, ["auditor"])
    with _channel(city, "bureau") as channel:
        accounts = opb_grpc.OperatorAccountsStub(channel)
        bureau = bpb_grpc.BureauStub(channel)
        supervisor = _bearer(accounts.Login(opb.LoginRequest(username="sun.super", password=PASSWORD)).session_token)
        auditor = _bearer(accounts.Login(opb.LoginRequest(username="qian.audit", password=PASSWORD)).session_token)

        def reported() -> bpb.CitySupervision:
            return bureau.GetCitySupervision(bpb.GetCitySupervisionRequest(), timeout=CALL_SECONDS)

        wait_for(reported, lambda answer: any(n.node_id == "shiqi" and n.report.alerts for n in answer.nodes))

        def acknowledge(alert_id: int, note: str, metadata: tuple[tuple[str, str]] = supervisor) -> object:
            wanted = bpb.AcknowledgeNodeAlertRequest(node_id="shiqi", alert_id=alert_id, note=note)
            return bureau.AcknowledgeNodeAlert(wanted, metadata=metadata, timeout=CALL_SECONDS)

        with pytest.raises(grpc.RpcError) as no_note:
            acknowledge(alert.alert_id, "  ")
        _refused(no_note, grpc.StatusCode.INVALID_ARGUMENT, "note: got 0 characters, want 1 to 200")
        with pytest.raises(grpc.RpcError) as unknown:
            acknowledge(alert.alert_id + 50, "核实")
        _refused(unknown, grpc.StatusCode.NOT_FOUND, f"alert_id: {alert.alert_id + 50} is not among the open alerts")
        with pytest.raises(grpc.RpcError) as read_only:
            acknowledge(alert.alert_id, "核实", auditor)
        _refused(read_only, grpc.StatusCode.PERMISSION_DENIED, "AcknowledgeNodeAlert needs")
        done = acknowledge(alert.alert_id, "已电话核实：志愿者忘记签到")
        assert isinstance(done, bpb.BureauAcknowledgement) and done.account == "sun.super" and not done.delivered
        with pytest.raises(grpc.RpcError) as twice:
            acknowledge(alert.alert_id, "再次确认")
        _refused(
            twice, grpc.StatusCode.ALREADY_EXISTS, f"alert {alert.alert_id} of shiqi was acknowledged by sun.super"
        )

        # The node records it as the bureau's, in the transaction that received the item.
        def at_the_node() -> list[object]:
            return [a for a in shiqi.reporter.desk.alerts(True) if a.acknowledged_at_micros]  # type: ignore[union-attr]

        [recorded] = wait_for(at_the_node, lambda found: len(found) == 1)
        assert (recorded.acknowledged_by, recorded.acknowledged_note) == (  # type: ignore[attr-defined]
            "bureau:sun.super",
            "已电话核实：志愿者忘记签到",
        )
        pending = wait_for(reported, lambda answer: answer.acknowledgements and answer.acknowledgements[0].delivered)
        assert [(a.node_id, a.alert_id) for a in pending.acknowledgements] == [("shiqi", alert.alert_id)]
        assert shiqi.reporter.send_if_changed()  # the node's next report: the alert is no longer open
        cleared = wait_for(
            reported, lambda answer: not any(n.report.alerts for n in answer.nodes if n.node_id == "shiqi")
        )
        assert not cleared.acknowledgements
        trail = accounts.ListTrail(opb.ListTrailRequest(limit=20), metadata=auditor).entries
        assert (
            "sun.super",
            "action",
            "AcknowledgeNodeAlert",
            f"shiqi alert {alert.alert_id} (已电话核实：志愿者忘记签到)",
        ) in [(entry.username, entry.kind, entry.operation, entry.detail) for entry in trail]
    events = [e for e in care_events(shiqi.books) if e.operation == "AcknowledgeAlert"]
    assert [e.alert.acknowledged_by for e in events] == ["bureau:sun.super"]
