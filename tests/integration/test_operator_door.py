"""The door of a node's operator API: nothing runs without a credential the node knows, a
console's credential reads and serves its staff but never writes the ledger, and another
user of the host, who cannot read the credential files, cannot call at all. And the
metrics endpoint behind its token."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import grpc
import pytest
from prometheus_client import CollectorRegistry

from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.door import make_credentials
from nodes.server import RunningNode, create_server
from tests.support.ledger import ISSUANCE, member
from timebank import metrics
from timebank.clock import FakeClock
from timebank.config import MetricsTable
from timebank.credentials import ADMINISTRATOR, CONSOLE, Credential, authorized_channel, read_credential
from timebank.errors import ConfigError
from timebank.v1 import care_pb2, care_pb2_grpc
from timebank.v1 import ledger_pb2 as pb
from timebank.v1 import ledger_pb2_grpc as pb_grpc

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the door, not the backends
NOBODY = 65534
COMMAND_SECONDS = 60


def _raw(value: int) -> bytes:
    return value.to_bytes(16, "big")


def _minting(number: int) -> pb.SubmitTransferRequest:
    """Hours out of issuance into a member account: what the door exists to keep closed."""
    transfer = pb.Transfer(
        id=_raw(number),
        kind=pb.TRANSFER_KIND_SINGLE_PHASE,
        debit_account_id=_raw(ISSUANCE),
        credit_account_id=_raw(member(1)),
        amount_minutes=600,
    )
    return pb.SubmitTransferRequest(transfer=transfer)


def _refused(call, request, metadata=()) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as raised:
        call(request, metadata=metadata, timeout=10)
    return raised.value.code(), str(raised.value.details())


def _issued(node_address: str, administrator: Credential) -> int:
    with NodeClient(node_address, attempts_max=1, credential=administrator) as client:
        return client.get_account(_raw(ISSUANCE)).account.debits_posted_minutes


@SQLITE_ONLY
def test_a_call_without_a_known_credential_is_refused_before_anything_runs(
    node: RunningNode, node_address: str, administrator: Credential
) -> None:
    with grpc.insecure_channel(node_address) as channel:
        ledger = pb_grpc.NodeLedgerStub(channel)
        code, detail = _refused(ledger.SubmitTransfer, _minting(1))
        assert code == grpc.StatusCode.UNAUTHENTICATED
        assert detail.startswith("timebank-credential: the call has no credential"), detail
        forged = (("timebank-credential", "A" * 43),)
        assert _refused(ledger.SubmitTransfer, _minting(2), forged) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "timebank-credential: not a credential of this node; the call is refused",
        )
        twice = (("timebank-credential", administrator.secret), ("timebank-credential", "A" * 43))
        assert _refused(ledger.SubmitTransfer, _minting(3), twice)[0] == grpc.StatusCode.UNAUTHENTICATED
        # refused before the request is parsed: bytes that are no message are not even looked at
        raw = channel.unary_unary("/timebank.v1.NodeLedger/SubmitTransfers")
        assert _refused(raw, b"\x0a\x05\x01")[0] == grpc.StatusCode.UNAUTHENTICATED
        entries = channel.unary_stream("/timebank.v1.TransparencyLog/GetEntries")
        with pytest.raises(grpc.RpcError) as streamed:
            list(entries(b"", timeout=10))
        assert streamed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _issued(node_address, administrator) == 0  # nothing was minted


@SQLITE_ONLY
def test_a_consoles_credential_reads_and_serves_its_staff_but_never_writes_the_ledger(
    node: RunningNode, node_address: str, administrator: Credential, console_credential: Credential
) -> None:
    with authorized_channel(grpc.insecure_channel(node_address), console_credential) as channel:
        ledger = pb_grpc.NodeLedgerStub(channel)
        assert ledger.GetNodeInfo(pb.GetNodeInfoRequest(), timeout=10).node_id == "test-node"
        code, detail = _refused(ledger.SubmitTransfer, _minting(1))
        assert code == grpc.StatusCode.PERMISSION_DENIED
        assert detail == (
            "timebank-credential: a console's credential may not call /timebank.v1.NodeLedger/SubmitTransfer; "
            "it is the administrator's"
        )
        accounts = pb.CreateAccountsRequest(accounts=[pb.Account(id=_raw(member(9)), kind=pb.ACCOUNT_KIND_MEMBER)])
        assert _refused(ledger.CreateAccounts, accounts)[0] == grpc.StatusCode.PERMISSION_DENIED
        # Without a staff session a care call would be the host administrator's: not for a console.
        care = care_pb2_grpc.CareDeskStub(channel)
        code, detail = _refused(care.GetStatistics, care_pb2.GetStatisticsRequest())
        assert code == grpc.StatusCode.UNAUTHENTICATED
        assert (
            detail
            == "authorization: a console's call of /timebank.v1.CareDesk/GetStatistics needs a staff session from Login"
        )
    with NodeClient(node_address, attempts_max=1, credential=administrator) as client:
        assert client.call(client.care.GetStatistics, care_pb2.GetStatisticsRequest()).open_alerts == 0
        client.create_accounts([pb.Account(id=_raw(member(1)), kind=pb.ACCOUNT_KIND_MEMBER, holder="甲")])
        assert client.submit_transfer(_minting(1).transfer).outcome == pb.OUTCOME_OK
    assert _issued(node_address, administrator) == 600


@SQLITE_ONLY
def test_a_missing_or_open_credential_file_stops_the_start_naming_it(node_config: NodeConfig, clock: FakeClock) -> None:
    console = node_config.credential_paths[CONSOLE]
    console.chmod(0o644)
    with pytest.raises(ConfigError, match=r"console\.credential: mode 0644 lets every user of this host read it"):
        create_server(node_config, clock)
    console.unlink()
    with pytest.raises(ConfigError, match=r"no such credential file; make it with `timebank node credentials"):
        create_server(node_config, clock)
    assert set(make_credentials(node_config)) == {CONSOLE}  # only the missing one is written
    assert console.stat().st_mode & 0o777 == 0o600


@SQLITE_ONLY
def test_rotated_credentials_refuse_the_old_secret(node_config: NodeConfig, clock: FakeClock) -> None:
    old = read_credential(node_config.credential_paths[ADMINISTRATOR])
    make_credentials(node_config, replace=True)
    new = read_credential(node_config.credential_paths[ADMINISTRATOR])
    assert new.secret != old.secret
    running = create_server(node_config, clock)
    try:
        address = f"127.0.0.1:{running.port}"
        with NodeClient(address, attempts_max=1, credential=old) as client, pytest.raises(grpc.RpcError) as refused:
            client.get_node_info()
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with NodeClient(address, attempts_max=1, credential=new) as client:
            assert client.get_node_info().node_id == "test-node"
    finally:
        running.stop(0)


def _command(*arguments: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "city.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        cwd=pathlib.Path(__file__).resolve().parents[2],
    )


@SQLITE_ONLY
@pytest.mark.skipif(os.geteuid() != 0, reason="running a command as another user needs root to switch to it")
def test_another_user_of_the_host_cannot_call_the_node(
    node: RunningNode, node_address: str, node_config: NodeConfig
) -> None:
    credential = node_config.credential_paths[ADMINISTRATOR]
    ours = _command("node", "info", "--node", node_address, "--credential", str(credential), "--json")
    assert ours.returncode == 0 and '"node_id": "test-node"' in ours.stdout, ours.stderr
    # The files are the node's service account's: another user may not even reach them.
    theirs = _command("node", "info", "--node", node_address, "--credential", str(credential), user=NOBODY)
    assert theirs.returncode == 2, (theirs.stdout, theirs.stderr)
    assert "permission denied; the credential is readable by the node's service account only" in theirs.stderr
    bare = _command("node", "info", "--node", node_address, user=NOBODY)
    assert bare.returncode == 2 and "credential: the node's operator API admits its administrator's" in bare.stderr


class _NoReadings:
    def collect(self) -> list[object]:
        return []


def test_metrics_behind_a_token_answer_only_scrapes_that_present_it(tmp_path: pathlib.Path) -> None:
    token = tmp_path / "metrics-token"
    token.write_text("s3cret-scrape-token-2026\n", encoding="utf-8")
    token.chmod(0o640)
    table = MetricsTable(listen="127.0.0.1:0", token_file="metrics-token")
    endpoint = metrics.serve_collector(table, lambda name: tmp_path / name, CollectorRegistry(), _NoReadings)
    assert endpoint is not None
    try:
        url = metrics.url(table.listen, endpoint.port)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        with refused.value as answer:
            assert answer.code == 401 and b"[metrics] token_file" in answer.read()
        wrong = urllib.request.Request(url, headers={"Authorization": "Bearer not-the-token-at-all"})
        with pytest.raises(urllib.error.HTTPError) as refused_again:
            urllib.request.urlopen(wrong, timeout=10)
        with refused_again.value as answer:
            assert answer.code == 401
        right = urllib.request.Request(url, headers={"Authorization": "Bearer s3cret-scrape-token-2026"})
        with urllib.request.urlopen(right, timeout=10) as answer:
            assert answer.status == 200 and b"python_info" not in answer.read()  # the party's registry only
    finally:
        endpoint.stop()
    token.chmod(0o644)
    with pytest.raises(ConfigError, match="metrics.token_file: .* is readable by every user of this host"):
        metrics.serve_collector(table, lambda name: tmp_path / name, CollectorRegistry(), _NoReadings)


@SQLITE_ONLY
def test_the_credentials_command_writes_what_is_missing_and_rotates_on_request(node_config: NodeConfig) -> None:
    config = str(node_config.base_directory / "node.toml")
    before = read_credential(node_config.credential_paths[CONSOLE])
    node_config.credential_paths[ADMINISTRATOR].unlink()
    made = _command("node", "credentials", "--config", config, "--json")
    assert made.returncode == 0, made.stderr
    assert '"written": [\n    "administrator"\n  ]' in made.stdout, made.stdout
    assert read_credential(node_config.credential_paths[CONSOLE]) == before  # kept
    rotated = _command("node", "credentials", "--config", config, "--rotate")
    assert rotated.returncode == 0 and "restart the node" in rotated.stdout, rotated.stderr
    assert read_credential(node_config.credential_paths[CONSOLE]).secret != before.secret
    assert node_config.credential_paths[CONSOLE].stat().st_mode & 0o777 == 0o600
