"""deploy/README.md's key rotation runbooks, run as written against a city of real processes."""

from __future__ import annotations

import pathlib
import re
import time

import pytest

from city.running import CITY, RunningCity, start_city
from tests.support.commands import timebank
from timebank import keys
from timebank.audit.verify import verify_directory
from timebank.v1 import ledger_pb2 as pb


def _set_signing_key(config: pathlib.Path, key_file: str) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'signing_key_file = ".*"', f'signing_key_file = "{key_file}"', text), encoding="utf-8")


def _move_and_commit(city: RunningCity, number: int) -> None:
    """A member at shiqi sends 5 minutes to one at dongqu; it must commit at both."""
    payer, payee = bytes([0xA1]) * 15 + bytes([number]), bytes([0xB2]) * 15 + bytes([number])
    timebank(
        "account",
        "create",
        "--holder",
        "甲",
        "--id",
        payer.hex(),
        "--config",
        str(city.directory / "nodes" / "shiqi" / "node.toml"),
    )
    timebank(
        "account",
        "create",
        "--holder",
        "乙",
        "--id",
        payee.hex(),
        "--config",
        str(city.directory / "nodes" / "dongqu" / "node.toml"),
    )
    timebank(
        "transfer",
        "create",
        "--from",
        "issuance",
        "--to",
        payer.hex(),
        "--minutes",
        "30",
        "--config",
        str(city.directory / "nodes" / "shiqi" / "node.toml"),
    )
    transfer_id = bytes([0xC3]) * 15 + bytes([number])
    request = pb.SubmitCrossNodeTransfersRequest(
        transfers=[
            pb.CrossNodeTransfer(
                id=transfer_id,
                local_account_id=payer,
                remote_node_id="dongqu",
                remote_account_id=payee,
                amount_minutes=5,
            )
        ]
    )
    assert city.client("shiqi").stub.SubmitCrossNodeTransfers(request, timeout=10).results[0].outcome == pb.OUTCOME_OK
    for node_id in ("shiqi", "dongqu"):
        client = city.client(node_id)
        for _attempt in range(300):
            state = client.stub.GetCrossNodeTransfer(pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10).state
            if state != pb.CROSS_NODE_STATE_HELD:
                break
            time.sleep(0.05)
        assert state == pb.CROSS_NODE_STATE_COMMITTED, node_id


def _audit_clean(city: RunningCity, tmp_path: pathlib.Path, name: str) -> None:
    tls = str(city.directory / "auditor" / "tls")
    out = tmp_path / name
    timebank("audit", "export", "--from", city.clearinghouse.address, "--tls-dir", tls, "--out", str(out / "ch"))
    credential = str(city.directory / "nodes" / "shiqi" / "keys" / "administrator.credential")
    shiqi = city.nodes["shiqi"].address
    timebank("audit", "export", "--from", shiqi, "--credential", credential, "--out", str(out / "shiqi"))
    for folder in ("ch", "shiqi"):
        assert list(verify_directory(out / folder).findings) == [], folder


@pytest.mark.slow
def test_rotating_a_node_key_while_the_city_runs(tmp_path: pathlib.Path) -> None:
    city = start_city(tmp_path / "city", CITY)
    try:
        node = city.directory / "nodes" / "shiqi"
        ch_config = str(city.directory / "clearinghouse" / "clearinghouse.toml")
        _move_and_commit(city, 1)
        made = timebank("key", "new", "--out", str(node / "keys" / "signing-key-2027.pem")).stdout
        new_key_id = made.split()[3]
        timebank(
            "clearinghouse",
            "node",
            "rotate-key",
            "--id",
            "shiqi",
            "--public-key",
            str(node / "keys" / "signing-key-2027.pem.pub"),
            "--overlap-seconds",
            "3600",
            "--config",
            ch_config,
        )
        _set_signing_key(node / "node.toml", "keys/signing-key-2027.pem")
        timebank("check-config", "--config", str(node / "node.toml"))
        city.restart_node("shiqi", crash=False)
        _move_and_commit(city, 2)
        assert (
            new_key_id
            in timebank(
                "node", "info", "--config", str(city.directory / "nodes" / "shiqi" / "node.toml"), "--json"
            ).stdout
        )
        published = tmp_path / "node-keys.toml"
        timebank("clearinghouse", "node", "keys", "--config", ch_config, "--out", str(published))
        listed = keys.load_key_ring_file(published).records()
        shiqi_keys = {r.key_id: r for r in listed if r.party_id == "shiqi"}
        assert len(shiqi_keys) == 2 and len(listed) == len(CITY) + 1
        assert new_key_id in shiqi_keys and shiqi_keys[new_key_id].valid_until_micros is None  # the old one ends
        _audit_clean(city, tmp_path, "after-node-rotation")

        keys_folder = city.directory / "clearinghouse" / "keys"
        timebank("key", "new", "--out", str(keys_folder / "signing-key-2027.pem"))
        for node_id in city.nodes:
            ring = city.directory / "nodes" / node_id / "clearinghouse-keys.toml"
            timebank(
                "key",
                "trust",
                "--ring",
                str(ring),
                "--party",
                "clearinghouse",
                "--public-key",
                str(keys_folder / "signing-key-2027.pem.pub"),
            )
            city.restart_node(node_id, crash=False)
        _set_signing_key(pathlib.Path(ch_config), "keys/signing-key-2027.pem")
        timebank("check-config", "--config", ch_config)
        city.clearinghouse.restart()
        _move_and_commit(city, 3)
        _audit_clean(city, tmp_path, "after-clearinghouse-rotation")
    finally:
        city.stop()
