"""The restore drill: a node loses its database, is restored from an older backup, catches up
from the clearinghouse, and ends with the same balances, reconciled, and a clean audit.

The backup is taken online while the city runs; after it, transfers the node sent,
received and was asked to vote on change its books. Then the database is lost (the file
deleted; on PostgreSQL, the schema dropped), restored with the documented command, and
the node restarted.
"""

from __future__ import annotations

import pathlib

from sqlalchemy import text

from clearinghouse.records import node_account_id
from tests.support.city import RunningTestCity, close_and_collect, cycle_report, raw, wait_for
from tests.support.commands import timebank
from timebank.audit import export
from timebank.audit.verify import verify_directory
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.storage.engine import backend_name, create_database_engine, write_transaction
from timebank.v1 import ledger_pb2 as pb
from timebank.v1 import log_pb2_grpc as lpb_grpc

CLEARING = raw(SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING])
MEMBER, OTHER = raw(0xA000 << 112 | 1), raw(0xA000 << 112 | 2)


def _move(city: RunningTestCity, number: int, source: str, target: str, minutes: int) -> None:
    transfer_id = raw(0xD411 << 112 | number)
    result = city.submit(
        source,
        id=transfer_id,
        local_account_id=MEMBER,
        remote_node_id=target,
        remote_account_id=OTHER,
        amount_minutes=minutes,
    )
    assert result.outcome == pb.OUTCOME_OK, result
    for node_id in (source, target):
        assert city.final(node_id, transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED


def _books(city: RunningTestCity, node_id: str) -> dict[str, int]:
    return {
        name: city.balance(node_id, account)
        for name, account in (("member", MEMBER), ("other", OTHER), ("clearing", CLEARING))
    }


def _restored_balance(database_url: str, account: bytes) -> int:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            statement = text("SELECT credits_posted_minutes - debits_posted_minutes FROM accounts WHERE id = :id")
            return int(connection.execute(statement, {"id": account.hex()}).scalar_one())
    finally:
        engine.dispose()


def _lose(database_url: str) -> None:
    if backend_name(database_url) == "sqlite":
        path = pathlib.Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_database_engine(database_url)
    try:
        with write_transaction(engine) as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def test_a_node_restored_from_an_older_backup_catches_up(city: RunningTestCity, tmp_path: pathlib.Path) -> None:
    for node_id in ("shiqi", "dongqu", "canlian"):
        city.member(node_id, 1, minutes=600)
        city.member(node_id, 2)
    _move(city, 1, "shiqi", "dongqu", 50)
    config = city.node_configs["dongqu"]
    saved = tmp_path / "dongqu.backup"
    node_toml = str(config.base_directory / "node.toml")
    timebank("node", "backup", "--config", node_toml, "--out", str(saved))  # online: the node keeps running

    _move(city, 2, "shiqi", "dongqu", 40)  # dongqu receives
    _move(city, 3, "dongqu", "shiqi", 25)  # dongqu sends
    _move(city, 4, "dongqu", "canlian", 10)
    _move(city, 5, "canlian", "dongqu", 7)
    expected = _books(city, "dongqu")
    assert expected == {"member": 600 - 25 - 10, "other": 50 + 40 + 7, "clearing": 25 + 10 - 50 - 40 - 7}

    city.stop_node("dongqu")
    _lose(config.database_url)
    timebank("node", "restore", "--config", node_toml, "--from", str(saved))
    assert _restored_balance(config.database_url, OTHER) == 50  # as at the backup: three transfers behind
    city.start_node("dongqu")
    wait_for(lambda: _books(city, "dongqu"), lambda books: books == expected)

    assert city.clearinghouse is not None
    account = f"{node_account_id('dongqu'):032x}"
    view = city.clearinghouse_sql(
        f"SELECT credits_posted_minutes - debits_posted_minutes FROM accounts WHERE id = '{account}'"
    )
    assert view == [(-expected["clearing"],)]
    closed = close_and_collect(city)
    assert cycle_report(city, closed.cycle_id).report.breaks == ()
    node_address = f"127.0.0.1:{city.nodes['dongqu'].port}"
    with export.open_channel(node_address, None, "dongqu", city.credential("dongqu")) as channel:
        export.export(lpb_grpc.TransparencyLogStub(channel), tmp_path / "audit-dongqu", lambda done, total: None)
    assert list(verify_directory(tmp_path / "audit-dongqu").findings) == []
    with export.open_channel(
        f"127.0.0.1:{city.clearinghouse.port}", city.directory / "auditor" / "tls", "clearinghouse"
    ) as channel:
        export.export(lpb_grpc.TransparencyLogStub(channel), tmp_path / "audit-ch", lambda done, total: None)
    assert list(verify_directory(tmp_path / "audit-ch").findings) == []
