"""Configuration: a bad config is refused at start with a message that names the key."""

from __future__ import annotations

import pathlib

import pytest

from nodes.config import load_node_config
from timebank.errors import ConfigError

GOOD = """
[node]
id = "shiqi"
display_name = "石岐街道"

[database]
url = "sqlite:///node.db"
"""


def write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "node.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_relative_paths(tmp_path: pathlib.Path) -> None:
    config = load_node_config(write(tmp_path, GOOD), environ={})
    assert config.server.listen == "127.0.0.1:7400"
    assert config.ledger.batch_size_max == 8000
    assert config.database_url == f"sqlite:///{tmp_path / 'node.db'}"
    assert config.signing_key_path == tmp_path / "keys" / "signing-key.pem"


def test_environment_overrides_the_file(tmp_path: pathlib.Path) -> None:
    environ = {
        "TIMEBANK_SERVER__LISTEN": "127.0.0.1:9999",
        "TIMEBANK_LEDGER__BATCH_SIZE_MAX": "100",
        "TIMEBANK_DATABASE__URL": "postgresql://u@127.0.0.1/db",
    }
    config = load_node_config(write(tmp_path, GOOD), environ=environ)
    assert config.server.listen == "127.0.0.1:9999"
    assert config.ledger.batch_size_max == 100
    assert config.database_url == "postgresql+psycopg://u@127.0.0.1/db"


BAD = [
    ("missing key", GOOD.replace('id = "shiqi"\n', ""), "node.id: missing, this key is required"),
    ("unknown key", GOOD + "colour = 1\n", "database.colour: unknown key"),
    ("unknown table", GOOD + "[nodes]\nx = 1\n", "[nodes]: unknown table"),
    (
        "wrong type",
        GOOD + '[ledger]\nbatch_size_max = "many"\n',
        "ledger.batch_size_max: got 'many', want an integer",
    ),
    (
        "batch too large",
        GOOD + "[ledger]\nbatch_size_max = 9000\n",
        "ledger.batch_size_max: got 9000, want 1..=8000",
    ),
    ("bad listen", GOOD + '[server]\nlisten = "abc"\n', "server.listen: got 'abc', want HOST:PORT"),
    (
        "public listen without TLS",
        GOOD + '[server]\nlisten = "0.0.0.0:7400"\n',
        "server.listen: got '0.0.0.0:7400'",
    ),
    ("bad node id", GOOD.replace('"shiqi"', '"Shi Qi"'), "node.id: got 'Shi Qi'"),
    ("bad kind", GOOD.replace("[database]", 'kind = "town"\n[database]'), "node.kind: got 'town'"),
    ("bad database", GOOD.replace("sqlite:///node.db", "mysql://x/y"), "database.url: got backend 'mysql'"),
    (
        "in-memory database",
        GOOD.replace("sqlite:///node.db", "sqlite://"),
        "database.url: want a SQLite file",
    ),
    ("not TOML", "[node\n", "not valid TOML"),
    (
        "several clearinghouse host names",
        GOOD + '[clearinghouse]\naddress = "ch-a.example:7300,ch-b.example:7300"\n',
        "clearinghouse.address: several addresses must each be IP:port, got host 'ch-a.example'",
    ),
    (
        "a bad one among several",
        GOOD + '[clearinghouse]\naddress = "10.0.0.1:7300,10.0.0.2"\n',
        "clearinghouse.address: got '10.0.0.2', want HOST:PORT",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_names_the_key(tmp_path: pathlib.Path, name: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_node_config(write(tmp_path, text), environ={})
    assert message in str(caught.value)
    assert str(tmp_path / "node.toml") in str(caught.value)


def test_bad_environment_value_names_the_variable(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match=r"TIMEBANK_SERVER__WORKERS_MAX \(server.workers_max\): got 'x'"):
        load_node_config(write(tmp_path, GOOD), environ={"TIMEBANK_SERVER__WORKERS_MAX": "x"})


def test_missing_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_node_config(tmp_path / "absent.toml", environ={})


def test_plaintext_to_the_clearinghouse_only_on_loopback(tmp_path: pathlib.Path) -> None:
    text = GOOD + '[clearinghouse]\naddress = "10.1.2.3:7300"\ninsecure = true\n'
    with pytest.raises(ConfigError, match="clearinghouse.insecure: plaintext is allowed only to a loopback address"):
        load_node_config(write(tmp_path, text), environ={})
    loopback = load_node_config(write(tmp_path, text.replace("10.1.2.3", "127.0.0.1")), environ={})
    assert loopback.clearinghouse.insecure


def test_clearinghouse_plaintext_only_on_loopback(tmp_path: pathlib.Path) -> None:
    from clearinghouse.config import load_clearinghouse_config

    path = tmp_path / "clearinghouse.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///c.db"\n[server]\nlisten = "0.0.0.0:7300"\ninsecure = true\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="server.insecure: plaintext is allowed only on a loopback address"):
        load_clearinghouse_config(path, environ={})


def test_several_clearinghouse_addresses_are_routed_by_health(tmp_path: pathlib.Path) -> None:
    from nodes.server import FAILOVER_OPTIONS, clearinghouse_target

    text = GOOD + '[clearinghouse]\naddress = "10.0.0.1:7300, 10.0.0.2:7300"\n'
    config = load_node_config(write(tmp_path, text), environ={})
    assert config.clearinghouse.addresses == ("10.0.0.1:7300", "10.0.0.2:7300")
    assert clearinghouse_target(config.clearinghouse.addresses) == (
        "ipv4:10.0.0.1:7300,10.0.0.2:7300",
        FAILOVER_OPTIONS,
    )
    assert clearinghouse_target(("ch.example:7300",)) == ("ch.example:7300", [])


def test_the_clearinghouse_instance_and_lease(tmp_path: pathlib.Path) -> None:
    from clearinghouse.config import load_clearinghouse_config

    path = tmp_path / "clearinghouse.toml"
    path.write_text('[database]\nurl = "sqlite:///c.db"\n[server]\nlisten = "127.0.0.1:7300"\n', encoding="utf-8")
    config = load_clearinghouse_config(path, environ={})
    assert config.instance_name.endswith("/127.0.0.1:7300") and config.server.lease_seconds == 5.0
    named = load_clearinghouse_config(path, environ={"TIMEBANK_SERVER__INSTANCE": "ch-b"})
    assert named.instance_name == "ch-b"
    with pytest.raises(ConfigError, match=r"server.lease_seconds: got 0.5, want 1..=60"):
        load_clearinghouse_config(path, environ={"TIMEBANK_SERVER__LEASE_SECONDS": "0.5"})
