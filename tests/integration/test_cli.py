"""The `timebank` command as an operator uses it: init, serve as a separate process, and the
operator commands with --json, their refusals and exit codes; and `timebank demo`."""

from __future__ import annotations

import json
import pathlib
import re
import time
from collections.abc import Iterator

import pytest

from city import processes
from nodes import tables as node_tables
from tests.support.commands import timebank
from timebank.storage import migrate


@pytest.fixture
def served(database_url: str, tmp_path: pathlib.Path) -> Iterator[str]:
    """`timebank node init` then `timebank node serve` in its own process; yields HOST:PORT."""
    directory = tmp_path / "district"
    timebank(
        "node",
        "init",
        str(directory),
        "--id",
        "shiqi",
        "--name",
        "石岐街道",
        "--database-url",
        database_url,
        "--listen",
        "127.0.0.1:0",
    )
    party = processes.start(
        processes.timebank_command("node", "serve", "--config", str(directory / "node.toml")),
        directory / "node.log",
    )
    try:
        yield party.address
    finally:
        party.stop()


COMMAND_SECONDS_MAX = 15  # far above a refused connection, far below gRPC's reconnection waits
DEMO_TIMEOUT_SECONDS = 300  # the main job: a whole city and its day, about a minute on a busy 2-core machine


def _target(served: str, tmp_path: pathlib.Path) -> tuple[str, ...]:
    return ("--node", served, "--credential", str(tmp_path / "district" / "keys" / "administrator.credential"))


def test_operator_commands(served: str, tmp_path: pathlib.Path) -> None:
    node = _target(served, tmp_path)
    info = json.loads(timebank("node", "info", *node, "--json").stdout)
    assert info["node_id"] == "shiqi" and info["display_name"] == "石岐街道" and info["halted_reason"] == ""
    alice = "a" * 31 + "1"
    created = json.loads(timebank("account", "create", "--holder", "张伟", "--id", alice, *node, "--json").stdout)
    assert created == {"id": alice, "outcome": "ok"}
    again = json.loads(timebank("account", "create", "--holder", "张伟", "--id", alice, *node, "--json").stdout)
    assert again["outcome"] == "exists"

    deposit = json.loads(
        timebank(
            "transfer",
            "create",
            "--from",
            "issuance",
            "--to",
            alice,
            "--minutes",
            "90",
            "--memo",
            "order 7",
            *node,
            "--json",
        ).stdout
    )
    assert deposit["outcome"] == "ok" and deposit["stored"]["transfer"]["amount_minutes"] == 90
    hold = json.loads(
        timebank(
            "transfer",
            "create",
            "--from",
            alice,
            "--to",
            "mall",
            "--minutes",
            "30",
            "--pending",
            *node,
            "--json",
        ).stdout
    )
    hold_id = hold["stored"]["transfer"]["id"]
    timebank("transfer", "post", hold_id, "--minutes", "20", *node)
    shown = json.loads(timebank("transfer", "show", hold_id, *node, "--json").stdout)
    assert shown["state"] == "TRANSFER_STATE_POSTED"

    account = json.loads(timebank("account", "show", alice, *node, "--json").stdout)
    assert account["balance_minutes"] == 70 and account["available_minutes"] == 70
    assert "1.17 h" in timebank("account", "show", alice, *node).stdout

    statement = json.loads(timebank("account", "statement", alice, "--all", "--page-size", "1", *node, "--json").stdout)
    assert statement["opening_balance_minutes"] == 0 and statement["closing_balance_minutes"] == 70
    assert [e["posted_change_minutes"] for e in statement["entries"]] == [90, 0, -20]
    payer = timebank("account", "statement", alice, "--all", *node).stdout  # the hold, then its post
    assert "pending -30 min (held to pay)" in payer and "pending +30 min (released)" in payer
    payee = timebank("account", "statement", "mall", "--all", *node).stdout
    assert "pending +30 min (on its way in)" in payee and "pending -30 min (released)" in payee

    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps({"from": "issuance", "to": alice, "minutes": 10, "linked": True})
        + "\n"
        + json.dumps({"from": alice, "to": "donation-pool", "minutes": 500})
        + "\n",
        encoding="utf-8",
    )
    refused_batch = json.loads(timebank("transfer", "batch", str(batch), *node, "--json", expect=1).stdout)
    outcomes = [r["outcome"] for r in refused_batch["results"]]
    assert outcomes == ["OUTCOME_LINKED_EVENT_FAILED", "OUTCOME_EXCEEDS_FLOOR"]
    assert refused_batch["applied"] == 0


def test_refusals_and_exit_codes(served: str, tmp_path: pathlib.Path) -> None:
    node = _target(served, tmp_path)
    member = "b" * 32
    timebank("account", "create", "--holder", "李娜", "--id", member, *node)
    refused = timebank("transfer", "create", "--from", member, "--to", "issuance", "--minutes", "5", *node, expect=1)
    assert "refused (FAILED_PRECONDITION): amount_minutes: got 5, but account" in refused.stderr
    unknown = timebank("account", "show", "c" * 32, *node, expect=1)
    assert f"refused (NOT_FOUND): account_id: account {'c' * 32} not found" in unknown.stderr
    bad_id = timebank("account", "show", "xyz", *node, expect=2)
    assert "account: got 'xyz', want 32 hexadecimal digits" in bad_id.stderr
    same = timebank("transfer", "create", "--from", member, "--to", member, "--minutes", "5", *node, expect=1)
    assert "refused (INVALID_ARGUMENT): credit_account_id: the same account on both sides" in same.stderr


def test_unreachable_node_exits_3_at_once_saying_how_to_name_the_node() -> None:
    run = timebank("node", "info", "--node", "127.0.0.1:1", expect=3)
    assert "error: node unreachable at 127.0.0.1:1: nothing listens there (" in run.stderr
    started = time.monotonic()
    default = timebank("care", "list-people", expect=3)  # the default address: nothing there on this machine
    assert time.monotonic() - started < COMMAND_SECONDS_MAX  # not the 32 s of gRPC's reconnection
    assert "pass --config nodes/ID/node.toml" in default.stderr


def test_bad_config_is_refused_at_start_naming_the_key(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(
        '[node]\nid = "x"\ndisplay_name = "x"\n[database]\nurl = "sqlite:///n.db"\n'
        '[server]\nlisten = "127.0.0.1:99999"\n',
        encoding="utf-8",
    )
    run = timebank("node", "serve", "--config", str(config), expect=2)
    assert f"error: {config}: server.listen: got '127.0.0.1:99999', want HOST:PORT" in run.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: pathlib.Path) -> None:
    directory = tmp_path / "node"
    timebank("node", "init", str(directory), "--id", "a", "--name", "A")
    (directory / "node.db").unlink()
    run = timebank("node", "serve", "--config", str(directory / "node.toml"), expect=2)
    head = migrate.head_revision(node_tables.SCHEMA)
    assert f"the database schema is at revision none, want {head}" in run.stderr
    migrated = timebank("node", "migrate", "--config", str(directory / "node.toml"))
    assert f"empty -> {head}" in migrated.stdout


def test_init_refuses_to_overwrite(tmp_path: pathlib.Path) -> None:
    timebank("node", "init", str(tmp_path / "n"), "--id", "a", "--name", "A")
    run = timebank("node", "init", str(tmp_path / "n"), "--id", "a", "--name", "A", expect=2)
    assert "node.toml: exists already; refusing to overwrite it" in run.stderr
    key = (tmp_path / "n" / "keys" / "signing-key.pem").stat()
    assert key.st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_demo_runs_and_passes(tmp_path: pathlib.Path) -> None:
    run = timebank("demo", "--dir", str(tmp_path / "demo"), timeout_seconds=DEMO_TIMEOUT_SECONDS)
    assert "s: every check held" in run.stdout.splitlines()[-1]
    assert "dongqu restarted on 127.0.0.1:" in run.stdout
    bureau = r"the bureau's console \(log in as 'bureau.admin'.*\n  bureau   http://127\.0\.0\.1:\d+/"
    assert re.search(bureau, run.stdout)
    assert "committed 张伟 (shiqi) -> 王秀英 (dongqu) 1.50 h" in run.stdout
    # The demo's clock moves hours through its services: run late in the UTC day, it crosses
    # the daily cut-off, the clearinghouse closes cycle 1 on schedule and the bureau closes 2.
    closed = re.search(r"the bureau closed settlement cycle (\d+):", run.stdout)
    assert closed is not None and int(closed.group(1)) in (1, 2)
    reports = sorted(path.name for path in (tmp_path / "demo" / "reports").iterdir())
    assert f"cycle-{int(closed.group(1)):06d}.html" in reports and "audit verify: findings: none" in run.stdout


@pytest.mark.slow
@pytest.mark.postgresql
def test_demo_runs_on_postgresql(tmp_path: pathlib.Path) -> None:
    from tests.conftest import POSTGRESQL_REQUIRED, POSTGRESQL_URL

    if not POSTGRESQL_URL:
        message = "TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)"
        if POSTGRESQL_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    demo = ("demo", "--dir", str(tmp_path / "demo"), "--backend", "postgresql", "--database-url", POSTGRESQL_URL)
    run = timebank(*demo, timeout_seconds=DEMO_TIMEOUT_SECONDS)
    assert "(mutual TLS, PostgreSQL)" in run.stdout
    assert "s: every check held" in run.stdout.splitlines()[-1]


@pytest.mark.slow
def test_cross_node_commands_on_a_running_city(tmp_path: pathlib.Path) -> None:
    from city.running import CITY, start_city

    city = start_city(tmp_path / "city", CITY)
    try:
        shiqi, dongqu, canlian = (
            ("--config", str(city.directory / "nodes" / n / "node.toml")) for n in ("shiqi", "dongqu", "canlian")
        )
        zhang, wang, liu = "a" * 32, "b" * 32, "c" * 32
        timebank("account", "create", "--holder", "张伟", "--id", zhang, *shiqi)
        timebank("account", "create", "--holder", "王秀英", "--id", wang, *dongqu)
        timebank("account", "create", "--holder", "刘洋", "--id", liu, *canlian)
        timebank("transfer", "create", "--from", "issuance", "--to", zhang, "--minutes", "120", *shiqi)
        sent = json.loads(
            timebank(
                "transfer",
                "cross",
                "--from",
                zhang,
                "--to-node",
                "dongqu",
                "--to",
                wang,
                "--minutes",
                "90",
                "--memo",
                "family",
                *shiqi,
                "--json",
            ).stdout
        )
        assert sent["state"] == "held"
        shown = wait_for_state(sent["id"], shiqi)
        assert shown["state"] == "CROSS_NODE_STATE_COMMITTED" and shown["side"] == "debit"
        code = json.loads(
            timebank(
                "consent", "code", "--account", wang, "--for-node", "canlian", "--minutes", "60", *dongqu, "--json"
            ).stdout
        )["one_time_code"]
        redeemed = json.loads(
            timebank(
                "transfer",
                "redeem",
                "--holder-node",
                "dongqu",
                "--holder",
                wang,
                "--to",
                liu,
                "--minutes",
                "45",
                "--code",
                code,
                *canlian,
                "--json",
            ).stdout
        )
        assert wait_for_state(redeemed["id"], canlian)["state"] == "CROSS_NODE_STATE_COMMITTED"
        balance = json.loads(timebank("account", "show", wang, *dongqu, "--json").stdout)["balance_minutes"]
        assert balance == 45
        # --wait: the command exits by the clearinghouse's decision, not before it.
        redeem_again = ("transfer", "redeem", "--holder-node", "dongqu", "--holder", wang, "--to", liu)
        reused = timebank(*redeem_again, "--minutes", "5", "--code", code, "--wait", "30", *canlian, expect=1)
        assert "aborted" in reused.stdout and "was aborted:" in reused.stderr and "used already" in reused.stderr
        more = ("transfer", "cross", "--from", zhang, "--to-node", "dongqu", "--to", wang, "--minutes", "10")
        committed = timebank(*more, "--wait", *shiqi)
        assert ": committed" in committed.stdout
        asked = timebank(
            "recall", "request", sent["id"], "--minutes", "5", "--reason", "多转了", "--wait", "1", *shiqi, expect=1
        )
        assert "not answered within 1 s; ask later: timebank recall list --state requested" in asked.stderr
        both = timebank(
            "transfer",
            "redeem",
            "--holder-node",
            "dongqu",
            "--holder",
            wang,
            "--to",
            liu,
            "--minutes",
            "1",
            *canlian,
            expect=2,
        )
        assert "consent: give exactly one of --code and --mandate" in both.stderr
    finally:
        city.stop()


def wait_for_state(transfer_id: str, node: tuple[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = json.loads(timebank("transfer", "cross-show", transfer_id, *node, "--json").stdout)
        if shown["state"] != "CROSS_NODE_STATE_HELD":
            return shown
    raise AssertionError(f"{transfer_id} still held after 60 s")


@pytest.mark.slow
def test_a_new_district_is_admitted_while_the_city_runs(tmp_path: pathlib.Path) -> None:
    """The documented path: node init, a certificate from the city CA, the public key to the
    bureau, admission, serve; then hours flow to the new district."""
    from city.running import CITY, start_city

    city = start_city(tmp_path / "city", CITY)
    new = tmp_path / "city" / "nodes" / "xiaolan"
    ch_config = str(tmp_path / "city" / "clearinghouse" / "clearinghouse.toml")
    try:
        timebank("node", "init", str(new), "--id", "xiaolan", "--name", "小榄镇", "--listen", "127.0.0.1:0")
        config = (new / "node.toml").read_text(encoding="utf-8")
        config = config.replace('address = ""', f'address = "{city.clearinghouse.address}"')
        (new / "node.toml").write_text(config, encoding="utf-8")
        timebank(
            "city",
            "certificate",
            "--ca",
            str(tmp_path / "city" / "ca"),
            "--party",
            "xiaolan",
            "--out",
            str(new / "tls"),
        )
        (new / "clearinghouse-keys.toml").write_text(
            (tmp_path / "city" / "nodes" / "shiqi" / "clearinghouse-keys.toml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        timebank("node", "public-key", "--config", str(new / "node.toml"), "--out", str(tmp_path / "xiaolan.pem"))
        timebank(
            "clearinghouse",
            "node",
            "admit",
            "--id",
            "xiaolan",
            "--name",
            "小榄镇",
            "--public-key",
            str(tmp_path / "xiaolan.pem"),
            "--config",
            ch_config,
        )
        listed = json.loads(timebank("clearinghouse", "node", "list", "--config", ch_config, "--json").stdout)
        assert {n["node_id"] for n in listed["nodes"]} == {"shiqi", "dongqu", "canlian", "xiaolan"}
        party = processes.start(
            processes.timebank_command("node", "serve", "--config", str(new / "node.toml")), new / "node.log"
        )
        try:
            shiqi = ("--config", str(city.directory / "nodes" / "shiqi" / "node.toml"))
            xiaolan = ("--node", party.address, "--credential", str(new / "keys" / "administrator.credential"))
            payer, payee = "d" * 32, "e" * 32
            timebank("account", "create", "--holder", "张伟", "--id", payer, *shiqi)
            timebank("account", "create", "--holder", "何敏", "--id", payee, *xiaolan)
            timebank("transfer", "create", "--from", "issuance", "--to", payer, "--minutes", "30", *shiqi)
            sent = json.loads(
                timebank(
                    "transfer",
                    "cross",
                    "--from",
                    payer,
                    "--to-node",
                    "xiaolan",
                    "--to",
                    payee,
                    "--minutes",
                    "30",
                    *shiqi,
                    "--json",
                ).stdout
            )
            assert wait_for_state(sent["id"], shiqi)["state"] == "CROSS_NODE_STATE_COMMITTED"
            assert wait_for_state(sent["id"], xiaolan)["state"] == "CROSS_NODE_STATE_COMMITTED"
        finally:
            party.stop()
        events = timebank("clearinghouse", "node", "events", "--config", ch_config).stdout
        assert "admitted" in events and "xiaolan" in events
    finally:
        city.stop()


def test_a_malformed_batch_file_is_refused_before_anything_is_sent(tmp_path: pathlib.Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"from": "issuance", "to": "' + "a" * 32 + '", "minutes": 5, "colour": "red"}\n', encoding="utf-8"
    )
    run = timebank("transfer", "batch", str(batch), "--node", "127.0.0.1:1", expect=2)
    assert "line 1: unknown keys ['colour']" in run.stderr
    batch.write_text('{"from": "issuance", "to": "' + "a" * 32 + '", "minutes": 5}\nnot json\n', encoding="utf-8")
    run = timebank("transfer", "batch", str(batch), "--node", "127.0.0.1:1", expect=2)
    assert "line 2: not JSON" in run.stderr
    batch.write_text('{"from": "issuance", "to": "' + "a" * 32 + '", "minutes": "5"}\n', encoding="utf-8")
    run = timebank("transfer", "batch", str(batch), "--node", "127.0.0.1:1", expect=2)
    assert "line 1: minutes: got '5', want an integer" in run.stderr


def test_city_init_as_documented(tmp_path: pathlib.Path) -> None:
    made = timebank("city", "init", str(tmp_path / "city"), "--nodes", "2").stdout
    assert "clearinghouse:" in made and "node shiqi" in made
    for role in ("bureau", "auditor"):
        assert (tmp_path / "city" / role / "tls" / "tls.pem").is_file()
    node = str(tmp_path / "city" / "nodes" / "shiqi" / "node.toml")
    assert timebank("node", "public-key", "--config", node).stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert "system accounts present" in timebank("node", "migrate", "--config", node).stdout
    refused = timebank("city", "init", str(tmp_path / "other"), "--database-url", "sqlite:///x.db", expect=2)
    assert "{party}" in refused.stderr
    insecure = timebank("city", "init", str(tmp_path / "plain"), "--nodes", "1", "--insecure").stdout
    assert "PLAINTEXT" in insecure
