"""Storage damaged while a node is stopped: on restart the node names the damage and refuses writes.

A log entry altered or deleted and a checkpoint altered (both backends, through SQL behind
the node's back, as a bad disk page or a careless hand would) halt the books with the damage
named at its position: writes get DATA_LOSS with that message, reads go on. A SQLite file cut
short is refused at start with the file named. A whole log starts serving.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import text
from sqlalchemy.engine import make_url

from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.door import administrator_credential
from nodes.server import RunningNode, create_server
from tests.support.ledger import ISSUANCE, member, member_spec, move
from timebank.clock import FakeClock
from timebank.errors import ConfigError
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.v1 import ledger_pb2 as pb

TRANSFERS = 20
COMMAND_TIMEOUT_SECONDS = 60


def _raw(value: int) -> bytes:
    return value.to_bytes(16, "big")


def _run_a_day(node_config: NodeConfig, clock: FakeClock) -> None:
    """Starts the node, gives it accounts, transfers and a signed checkpoint, and stops it."""
    running = create_server(node_config, clock)
    try:
        running.books.create_accounts([member_spec(1), member_spec(2)])
        running.books.submit([move(n, ISSUANCE, member(1 + n % 2), 10 + n) for n in range(1, TRANSFERS + 1)])
        assert running.checkpoints is not None
        running.checkpoints.publisher.publish()
    finally:
        running.stop(0)


def _damage(node_config: NodeConfig, statement: str) -> None:
    engine = create_database_engine(node_config.database_url)
    try:
        with write_transaction(engine) as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _restarted(node_config: NodeConfig, clock: FakeClock) -> RunningNode:
    return create_server(node_config, clock)


def test_a_whole_log_starts_serving(node_config: NodeConfig, clock: FakeClock) -> None:
    _run_a_day(node_config, clock)
    running = _restarted(node_config, clock)
    try:
        assert running.books.halted_reason is None
    finally:
        running.stop(0)


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            "UPDATE log_entries SET logged_at_micros = logged_at_micros, data = {concat} WHERE position = 7",
            "entry 7: its bytes do not hash to the stored leaf hash",
        ),
        ("DELETE FROM log_entries WHERE position = (SELECT MAX(position) FROM log_entries)", "head: says"),
        ("DELETE FROM log_entries WHERE position = 3", "entry 3: missing (the next stored entry is 4)"),
        ("UPDATE log_checkpoints SET root_hash = {zeros}", "the stored size or root differs from the signed one"),
    ],
    ids=["altered-entry", "last-entry-deleted", "entry-deleted", "altered-checkpoint"],
)
def test_damage_halts_the_node_and_is_named(
    node_config: NodeConfig, clock: FakeClock, backend: str, statement: str, named: str
) -> None:
    _run_a_day(node_config, clock)
    concat = "CAST(data || X'00' AS BLOB)" if backend == "sqlite" else "data || '\\x00'::bytea"
    zeros = "zeroblob(32)" if backend == "sqlite" else "decode(repeat('00', 32), 'hex')"
    _damage(node_config, statement.format(concat=concat, zeros=zeros))
    running = _restarted(node_config, clock)
    try:
        reason = running.books.halted_reason
        assert reason is not None and "the stored log is damaged" in reason and named in reason, reason
        assert "A party names damage at start" in reason
        client = NodeClient(f"127.0.0.1:{running.port}", credential=administrator_credential(node_config))
        try:
            assert client.get_account(_raw(member(1))).account.credits_posted_minutes > 0  # reads go on
            transfer = pb.Transfer(
                id=_raw(999),
                kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                debit_account_id=_raw(ISSUANCE),
                credit_account_id=_raw(member(1)),
                amount_minutes=5,
            )
            with pytest.raises(grpc.RpcError) as refused:
                client.submit_transfer(transfer)
            assert refused.value.code() == grpc.StatusCode.DATA_LOSS
            assert named in str(refused.value.details())
            with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
                health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING
        finally:
            client.close()
    finally:
        running.stop(0)


def test_a_sqlite_file_cut_short_is_refused_at_start(
    node_config: NodeConfig, clock: FakeClock, backend: str, tmp_path: pathlib.Path
) -> None:
    if backend != "sqlite":
        pytest.skip("a file cut short is SQLite's damage; PostgreSQL checks its own pages")
    _run_a_day(node_config, clock)
    path = pathlib.Path(make_url(node_config.database_url).database or "")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConfigError) as refused:
        _restarted(node_config, clock)
    message = str(refused.value)
    assert str(path) in message and ("is damaged" in message or "cannot be read" in message), message
    config_path = tmp_path / "node" / "node.toml"
    served = subprocess.run(
        [sys.executable, "-m", "city.cli", "node", "serve", "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert str(path) in served.stderr and "A party names damage at start" in served.stderr
