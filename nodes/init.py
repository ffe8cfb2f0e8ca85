"""`timebank node init`: the files of a new node, with sensible defaults.

Writes DIR/node.toml (every key present, commented), DIR/keys/signing-key.pem (Ed25519,
owner-only), DIR/keys/administrator.credential and DIR/keys/console.credential (the two
credentials the operator API admits, owner-only), DIR/keys/identity-key (the city's secret
for hashing identity numbers: a new one unless given, or unless the file is there already)
and the database (SQLite file DIR/node.db unless a URL is given), migrated to the newest
schema and holding the node's system accounts. Refuses to overwrite anything that exists.
"""

from __future__ import annotations

import os
import pathlib

from nodes import tables
from nodes.config import NodeConfig, load_node_config
from nodes.door import make_credentials
from timebank import keys
from timebank.books import Books
from timebank.clock import Clock
from timebank.config import toml_string, validated_text
from timebank.errors import ConfigError
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine

__all__ = ["CONFIG_NAME", "create_database", "init_node", "TEMPLATE"]

CONFIG_NAME = "node.toml"

TEMPLATE = """\
# Configuration of the time-bank ledger node {node_name}. Every key is explained in
# deploy/node.example.toml. Any key can be overridden by the environment variable
# TIMEBANK_<TABLE>__<KEY>, e.g. TIMEBANK_DATABASE__URL.

[node]
id = {node_id}
display_name = {display_name}
kind = {kind}

[database]
url = {database_url}
pool_size = 5
pool_overflow_max = 5
pool_timeout_seconds = 10.0

[server]
listen = {listen}
workers_max = 16
message_bytes_max = 16777216
shutdown_grace_seconds = 10.0
# Every call needs one of these credentials (owner-only files; see deploy/node.example.toml).
administrator_credential_file = "keys/administrator.credential"
console_credential_file = "keys/console.credential"

[ledger]
batch_size_max = 8000
statement_page_max = 1000

[keys]
signing_key_file = "keys/signing-key.pem"

[tls]
ca_file = "tls/ca.pem"
certificate_file = "tls/tls.pem"
key_file = "tls/tls-key.pem"

[clearinghouse]
# Empty: this node runs on its own (no cross-node transfers).
address = {clearinghouse_address}
party_id = "clearinghouse"
keys_file = "clearinghouse-keys.toml"
exchange_deadline_seconds = 5.0
batch_items_max = 4000
retry_backoff_max_seconds = 5.0
query_after_seconds = 60.0
clock_skew_seconds_max = 300.0
insecure = {insecure}

[care]
# The city's policy rules: the same on every node of the city. See deploy/node.example.toml.
identity_key_file = "keys/identity-key"
utc_offset_hours = 8
storage_cap_minutes = 90000
redeem_age_min_years = 65
redeem_age_min_hardship_years = 60
group_hours_donate_only = true
give_after_days = 30
daily_service_minutes_max = 480
code_valid_seconds = 600
proxy_elders_max = 5
pool_grant_balance_max_minutes = 60
implausible_minutes_min = 5
implausible_minutes_max = 600
back_and_forth_days = 30
"""


def init_node(
    directory: pathlib.Path,
    *,
    node_id: str,
    display_name: str,
    kind: str,
    clock: Clock,
    database_url: str = "sqlite:///node.db",
    listen: str = "127.0.0.1:7400",
    clearinghouse_address: str = "",
    insecure: bool = False,
    identity_key: bytes | None = None,
) -> NodeConfig:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / CONFIG_NAME
    text = TEMPLATE.format(
        node_name=node_id,
        node_id=toml_string(node_id),
        display_name=toml_string(display_name),
        kind=toml_string(kind),
        database_url=toml_string(database_url),
        listen=toml_string(listen),
        clearinghouse_address=toml_string(clearinghouse_address),
        insecure="true" if insecure else "false",
    )
    config = validated_text(config_path, text, load_node_config)
    if config.signing_key_path.exists():
        raise ConfigError(f"keys.signing_key_file: {config.signing_key_path} exists already")
    keys.write_new_signing_key(config.signing_key_path)
    make_credentials(config)
    identity_path = config.path(config.care.identity_key_file)
    if not identity_path.exists():  # a node joining a city may be given the city's file first
        keys.write_identity_key(identity_path, identity_key or os.urandom(keys.IDENTITY_KEY_BYTES))
    create_database(config, clock)
    config_path.write_text(text, encoding="utf-8")
    return load_node_config(config_path, environ={})


def create_database(config: NodeConfig, clock: Clock) -> None:
    """Migrates the database to the newest schema and creates the system accounts."""
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        migrate.upgrade(engine, tables.SCHEMA)
        books = Books(engine, clock)
        results = books.create_system_accounts(config.node.display_name)
        refused = [result for result in results if not result.outcome.succeeded]
        if refused:
            raise ConfigError(f"database.url: system accounts not created: {refused[0].detail}")
    finally:
        engine.dispose()
