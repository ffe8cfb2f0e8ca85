"""The bureau's and the auditor's commands, run as documented against a running city."""

from __future__ import annotations

import json
import pathlib

from clearinghouse import settlement
from tests.support.city import RunningTestCity, raw, wait_for
from tests.support.commands import timebank
from timebank.v1 import ledger_pb2 as pb


def test_close_report_export_verify_prove_as_documented(city: RunningTestCity, tmp_path: pathlib.Path) -> None:
    assert city.clearinghouse is not None
    city.member("shiqi", 1, minutes=300)
    city.member("canlian", 2)
    transfer_id = raw(0xC11 << 112 | 1)
    result = city.submit(
        "shiqi",
        id=transfer_id,
        local_account_id=raw(0xA000 << 112 | 1),
        remote_node_id="canlian",
        remote_account_id=raw(0xA000 << 112 | 2),
        amount_minutes=120,
    )
    assert result.outcome == pb.OUTCOME_OK
    assert city.final("canlian", transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED
    config = str(city.directory / "clearinghouse" / "clearinghouse.toml")

    closed = json.loads(timebank("clearinghouse", "close-cycle", "--config", config, "--json").stdout)
    assert closed["cycle_id"] == 1 and closed["committed_minutes"] == 120
    engine = city.clearinghouse.coordinator.books.engine

    def statements_in() -> bool:
        with engine.connect() as connection:
            return settlement.all_statements_in(connection, 1)

    wait_for(statements_in, bool)
    reports = tmp_path / "reports"
    report = json.loads(
        timebank("recon", "report", "--config", config, "--out", str(reports), "--camt053", "--json").stdout
    )
    assert report["breaks"] == 0
    names = sorted(path.name for path in reports.iterdir())
    assert "cycle-000001.html" in names and "cycle-000001.json.sig" in names
    assert "cycle-000001-shiqi.camt053.xml" in names

    address = f"127.0.0.1:{city.clearinghouse.port}"
    auditor = str(city.directory / "auditor" / "tls")
    audit = tmp_path / "audit"
    timebank("audit", "export", "--from", address, "--tls-dir", auditor, "--out", str(audit))
    verified = json.loads(timebank("audit", "verify", str(audit), "--json").stdout)
    assert verified["findings"] == []
    timebank("audit", "export", "--from", address, "--tls-dir", auditor, "--out", str(audit), expect=2)
    proof = tmp_path / "transfer.proof"
    timebank(
        "audit", "prove", "--from", address, "--tls-dir", auditor, "--transfer", transfer_id.hex(), "--out", str(proof)
    )
    proven = json.loads(timebank("audit", "verify-proof", str(proof), "--json").stdout)
    assert proven["proven"] is True and proven["amount_minutes"] == 120
    proof.write_bytes(proof.read_bytes()[:-3])
    assert "NOT PROVEN" in timebank("audit", "verify-proof", str(proof), expect=1).stdout
    timebank("audit", "verify", str(tmp_path / "nothing-here"), expect=2)
    timebank("audit", "prove", "--from", address, "--transfer", "xyz", "--out", str(proof), expect=2)
    # A newcomer's mistakes: a folder without the CA's certificate, and no --tls-dir at all.
    empty = tmp_path / "no-certificates"
    empty.mkdir()
    no_ca = timebank(
        "audit", "export", "--from", address, "--tls-dir", str(empty), "--out", str(tmp_path / "a"), expect=2
    )
    assert "ca.pem" in no_ca.stderr and "Traceback" not in no_ca.stderr and len(no_ca.stderr.splitlines()) == 1
    plaintext = timebank(
        "audit", "prove", "--from", address, "--transfer", transfer_id.hex(), "--out", str(proof), expect=3
    )
    assert "mutual TLS only: give --tls-dir" in plaintext.stderr

    node_config = str(city.directory / "nodes" / "shiqi" / "node.toml")
    camt = tmp_path / "shiqi.xml"
    own = json.loads(timebank("node", "statement", "--config", node_config, "--camt053", str(camt), "--json").stdout)
    assert (own["cycle_id"], own["debits_minutes"], own["closing_minutes"]) == (1, 120, -120)
    assert b"CLBD" in camt.read_bytes()
    absent = timebank("node", "statement", "--config", node_config, "--cycle", "9", expect=1)
    assert "--cycle: shiqi has no statement of cycle 9 (it has: 1)" in absent.stderr
    assert "no open alarms" in timebank("node", "alarms", "--config", node_config).stdout
    assert "refused" in timebank("node", "alarms", "--config", node_config, "--clear", "7", expect=1).stderr


def test_check_config_passes_a_ready_party_and_names_what_is_wrong(city: RunningTestCity) -> None:
    node = city.directory / "nodes" / "dongqu"
    passed = timebank("check-config", "--config", str(node / "node.toml")).stdout
    assert "OK   tls" in passed and "OK   database" in passed
    timebank("check-config", "--config", str(city.directory / "clearinghouse" / "clearinghouse.toml"))
    (node / "keys" / "signing-key.pem").chmod(0o644)
    failed = timebank("check-config", "--config", str(node / "node.toml"), "--json", expect=1).stdout
    problems = {check["name"]: check["detail"] for check in json.loads(failed) if not check["passed"]}
    assert list(problems) == ["signing key"] and "chmod 600" in problems["signing key"]
    (node / "keys" / "signing-key.pem").chmod(0o600)
    other = city.directory / "nodes" / "shiqi" / "tls"
    for name in ("tls.pem", "tls-key.pem"):
        (node / "tls" / name).write_bytes((other / name).read_bytes())
    failed = timebank("check-config", "--config", str(node / "node.toml"), expect=1).stdout
    assert "FAIL tls" in failed and "not 'dongqu'" in failed
