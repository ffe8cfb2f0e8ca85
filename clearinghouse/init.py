"""`timebank clearinghouse init`: the files of a new clearinghouse, with sensible defaults.

Writes DIR/clearinghouse.toml (every key present), DIR/keys/signing-key.pem (Ed25519,
owner-only) and the database (SQLite file DIR/clearinghouse.db unless a URL is given),
migrated to the newest schema, with the clearinghouse's own public key registered.
TLS files (DIR/tls/) come from `timebank city init` or the city's CA. Refuses to
overwrite anything that exists.
"""

from __future__ import annotations

import pathlib

from clearinghouse import registry, tables
from clearinghouse.config import ClearinghouseConfig, load_clearinghouse_config
from clearinghouse.records import RegistryAction
from timebank import keys, translog
from timebank.clock import Clock
from timebank.config import toml_string, validated_text
from timebank.errors import ConfigError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine, write_transaction

__all__ = ["CONFIG_NAME", "init_clearinghouse", "TEMPLATE"]

CONFIG_NAME = "clearinghouse.toml"

TEMPLATE = """\
# Configuration of the city's clearinghouse. Every key is explained in
# deploy/clearinghouse.example.toml. Any key can be overridden by the environment variable
# TIMEBANK_<TABLE>__<KEY>, e.g. TIMEBANK_DATABASE__URL.

[clearinghouse]
display_name = {display_name}

[database]
url = {database_url}
pool_size = 5
pool_overflow_max = 5
pool_timeout_seconds = 10.0

[server]
listen = {listen}
workers_max = 32
message_bytes_max = 33554432
long_poll_seconds = 1.0
shutdown_grace_seconds = 10.0
insecure = {insecure}

[protocol]
prepare_ttl_seconds = 30.0
clock_skew_seconds_max = 300.0
batch_items_max = 8000
sweep_interval_seconds = 0.5
default_net_debit_cap_minutes = 6000000
default_pending_cap_minutes = 600000

[supervision]
# The city's guarantee in minutes (0: not set); the bureau's console warns at the percent.
guarantee_minutes = 0
guarantee_warn_percent = 80

[tls]
ca_file = "tls/ca.pem"
certificate_file = "tls/tls.pem"
key_file = "tls/tls-key.pem"

[keys]
signing_key_file = "keys/signing-key.pem"
"""


def init_clearinghouse(
    directory: pathlib.Path,
    *,
    clock: Clock,
    display_name: str = "中山市民政局 清算中心",
    database_url: str = "sqlite:///clearinghouse.db",
    listen: str = "127.0.0.1:7300",
    insecure: bool = False,
) -> ClearinghouseConfig:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / CONFIG_NAME
    text = TEMPLATE.format(
        display_name=toml_string(display_name),
        database_url=toml_string(database_url),
        listen=toml_string(listen),
        insecure="true" if insecure else "false",
    )
    config = validated_text(config_path, text, load_clearinghouse_config)
    key_path = config.path(config.keys.signing_key_file)
    if key_path.exists():
        raise ConfigError(f"keys.signing_key_file: {key_path} exists already")
    key = keys.write_new_signing_key(key_path)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        migrate.upgrade(engine, tables.SCHEMA)
        with write_transaction(engine) as connection:
            translog.start(connection, CLEARINGHOUSE_ID, [], clock.now_micros(), RegistryAction.KEY_ADDED.value)
            public = keys.public_bytes(key.public_key())
            registry.add_key(connection, CLEARINGHOUSE_ID, public, clock.now_micros(), valid_from_micros=0)
    finally:
        engine.dispose()
    config_path.write_text(text, encoding="utf-8")
    return load_clearinghouse_config(config_path, environ={})
