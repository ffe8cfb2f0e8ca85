"""The node's lifecycle commands: `timebank node init|migrate|serve|public-key|backup|restore|statement|alarms|info`.

Owns the commands an operator runs on the node's own host (with --config) to create, migrate,
run, back up and restore a node, read its signed statements and clear its alarms, and
`node info` over gRPC.
"""

from __future__ import annotations

import argparse
import pathlib
import secrets
from typing import Any

from nodes.cli.common import add_target_arguments, client_for, emit, message_json
from nodes.config import load_node_config
from timebank.clock import SystemClock, shown_time
from timebank.errors import NotFound, NotNow
from timebank.ledger.model import format_hours

__all__ = [
    "cmd_node_alarms",
    "cmd_node_backup",
    "cmd_node_credentials",
    "cmd_node_info",
    "cmd_node_init",
    "cmd_node_migrate",
    "cmd_node_public_key",
    "cmd_node_restore",
    "cmd_node_serve",
    "cmd_node_statement",
    "register",
]

# -- node lifecycle ------------------------------------------------------------------------


def cmd_node_init(arguments: argparse.Namespace) -> int:
    from nodes.init import init_node
    from timebank import keys

    config = init_node(
        pathlib.Path(arguments.directory),
        node_id=arguments.id,
        display_name=arguments.name,
        kind=arguments.kind,
        clock=SystemClock(),
        database_url=arguments.database_url,
        listen=arguments.listen,
        identity_key=keys.load_identity_key(arguments.identity_key) if arguments.identity_key else None,
    )
    config_path = pathlib.Path(arguments.directory) / "node.toml"
    print(f"created node {config.node.id} ({config.node.display_name}) in {arguments.directory}")
    print(f"  config:       {config_path}")
    print(f"  signing key:  {config.signing_key_path}")
    for principal, path in config.credential_paths.items():
        print(f"  {principal} credential: {path}")
    print(f"  identity key: {config.path(config.care.identity_key_file)}")
    print(f"  database:     {config.database_url}")
    print(f"start it with:  timebank node serve --config {config_path}")
    return 0


def cmd_node_migrate(arguments: argparse.Namespace) -> int:
    """Brings the schema to the newest revision and makes any missing system account (idempotent)."""
    from nodes import tables
    from nodes.init import create_database
    from timebank.storage import migrate
    from timebank.storage.engine import create_database_engine

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        before = migrate.current_revision(engine)
    finally:
        engine.dispose()
    create_database(config, SystemClock())
    print(f"database schema: {before or 'empty'} -> {migrate.head_revision(tables.SCHEMA)}; system accounts present")
    return 0


def cmd_node_serve(arguments: argparse.Namespace) -> int:
    from nodes.server import serve

    serve(load_node_config(arguments.config))
    return 0


def cmd_node_public_key(arguments: argparse.Namespace) -> int:
    """The node's public signing key as PEM: what the bureau admits with `clearinghouse node admit`."""
    from timebank import keys

    config = load_node_config(arguments.config)
    public_key = keys.load_signing_key(config.signing_key_path).public_key()
    if arguments.out:
        keys.write_public_key(arguments.out, public_key)
        print(f"wrote the public key {keys.key_id(public_key)} of node {config.node.id} to {arguments.out}")
    else:
        print(keys.public_pem(public_key), end="")
    return 0


def cmd_node_info(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        info = client.get_node_info()
    status = f"HALTED: {info.halted_reason}" if info.halted_reason else "accepting writes"
    text = (
        f"node {info.node_id} ({info.display_name}), {info.node_kind}, version {info.version}\n"
        f"  signing key id: {info.signing_key_id}\n"
        f"  batch size max: {info.batch_size_max}\n"
        f"  status:         {status}"
    )
    if info.clearinghouse_address:
        text += (
            f"\n  clearinghouse:  {info.clearinghouse_address}, {info.clearinghouse_exchanges} exchanges, "
            f"{info.clearinghouse_failures} failed and retried\n"
            f"  waiting:        {info.outbox_depth} items to acknowledge, {info.held_transfers} transfers held"
        )
    else:
        text += "\n  clearinghouse:  none (this node runs on its own)"
    text += f"\n  own log:        {info.log_size} entries, last checkpoint at {info.log_checkpoint_size}"
    if info.clearinghouse_address:
        text += f"\n  witnessed:      clearinghouse checkpoint of size {info.clearinghouse_checkpoint_size}"
    for alarm in info.alarms:
        text += f"\n  ALARM:          {alarm}"
    emit(arguments, message_json(info), text)
    return 0


def cmd_node_backup(arguments: argparse.Namespace) -> int:
    """An online, consistent copy of the node's database (the node may keep running)."""
    from timebank import backup

    config = load_node_config(arguments.config)
    info = backup.backup(config.database_url, arguments.out)
    emit(
        arguments,
        {"backend": info.backend, "path": str(info.path), "size_bytes": info.size_bytes},
        f"backed up the {info.backend} database of {config.node.id} to {info.path} ({info.size_bytes} bytes)",
    )
    return 0


def cmd_node_restore(arguments: argparse.Namespace) -> int:
    """Puts a backup in place (the node stopped), then asks the clearinghouse for what was lost."""
    from nodes.crossing import queue_resync
    from timebank import backup
    from timebank.storage.engine import create_database_engine, write_transaction

    config = load_node_config(arguments.config)
    backup.restore(config.database_url, arguments.source, replace=arguments.replace)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with write_transaction(engine) as connection:
            since = queue_resync(connection, SystemClock().now_micros(), secrets.randbits(63))
    finally:
        engine.dispose()
    text = (
        f"restored {config.node.id} from {arguments.source}. At its next start the node asks the clearinghouse "
        f"for everything since {since} (microseconds since the epoch) and rebuilds the cross-node legs it lost. "
        "Local transfers made after the backup are not in any other party's log: enter them again."
    )
    emit(arguments, {"restored_from": str(arguments.source), "resync_since_micros": since}, text)
    return 0


def cmd_node_statement(arguments: argparse.Namespace) -> int:
    """This node's signed statement of a settlement cycle, as it sent it (camt.053 XML with --camt053)."""
    from nodes import statements
    from timebank import logformat
    from timebank.recon.render import statement_camt053
    from timebank.storage.engine import create_database_engine

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with engine.connect() as connection:
            cycles = statements.cycles_with_statements(connection, config.node.id)
            cycle_id = arguments.cycle or (cycles[-1] if cycles else 0)
            merged = logformat.merge_pages(statements.stored_pages(connection, config.node.id, cycle_id), "")
    finally:
        engine.dispose()
    if merged is None and not arguments.cycle:
        raise NotNow(
            f"{config.node.id} has no statement yet: a node makes its statement when a settlement cycle closes "
            "(at [protocol] cycle_seconds, or `timebank clearinghouse close-cycle`)"
        )
    if merged is None:
        made = ", ".join(map(str, cycles)) or "none yet"
        raise NotFound(f"--cycle: {config.node.id} has no statement of cycle {cycle_id} (it has: {made})")
    if arguments.camt053:
        arguments.camt053.write_bytes(statement_camt053(merged, account_name=config.node.display_name))
    document = {key: value for key, value in merged.__dict__.items() if key != "lines"}
    document["lines"] = len(merged.lines)
    text = (
        f"cycle {merged.cycle_id} at {merged.node_id}: opening {format_hours(merged.opening_minutes)} h, "
        f"debits {format_hours(merged.debits_minutes)} h ({merged.debit_count}), credits "
        f"{format_hours(merged.credits_minutes)} h ({merged.credit_count}), closing "
        f"{format_hours(merged.closing_minutes)} h; {merged.pending_count} held without a decision"
        + (f"\ncamt.053 written to {arguments.camt053}" if arguments.camt053 else "")
    )
    emit(arguments, document, text)
    return 0


def cmd_node_alarms(arguments: argparse.Namespace) -> int:
    """Lists open alarms, or clears one with a reason (on the node's own database)."""
    from timebank import alarms
    from timebank.storage.engine import create_database_engine, write_transaction

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with write_transaction(engine) as connection:
            if arguments.clear is not None:
                alarms.clear(connection, arguments.clear, arguments.reason, SystemClock().now_micros())
            found = alarms.open_alarms(connection)
    finally:
        engine.dispose()
    documents = [alarm.__dict__ for alarm in found]
    lines = [f"{a.sequence:>4} {a.kind:<12} raised at {shown_time(a.raised_at_micros)}: {a.detail}" for a in found]
    emit(arguments, documents, "\n".join(lines) if lines else "no open alarms")
    return 0


def cmd_node_credentials(arguments: argparse.Namespace) -> int:
    """Writes the operator API's credential files that are missing (all of them anew, with --rotate)."""
    from nodes.door import make_credentials

    config = load_node_config(arguments.config)
    written = make_credentials(config, replace=arguments.rotate)
    documents = {principal: str(path) for principal, path in config.credential_paths.items()}
    lines = [
        f"{principal:<13} {path} ({'written' if principal in written else 'kept'})"
        for principal, path in config.credential_paths.items()
    ]
    if written:
        lines.append("restart the node (and, for the console's, copy the file to the console) for it to count")
    emit(arguments, {"credentials": documents, "written": sorted(written)}, "\n".join(lines))
    return 0


# -- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> Any:
    """Adds `timebank node ...`; returns its subcommands, for the groups that add to them."""
    node = subparsers.add_parser("node", help="create, migrate and run a ledger node").add_subparsers(
        dest="node_command", required=True
    )
    init = node.add_parser("init", help="create a node's config, signing key and database")
    init.add_argument("directory")
    init.add_argument("--id", required=True, help="node id in the city, e.g. shiqi")
    init.add_argument("--name", required=True, help="display name, e.g. 石岐街道")
    init.add_argument("--kind", default="district", choices=["district", "department"])
    init.add_argument(
        "--database-url",
        default="sqlite:///node.db",
        help="SQLAlchemy URL (default: SQLite file node.db beside the config)",
    )
    init.add_argument("--listen", default="127.0.0.1:7400", help="HOST:PORT (default 127.0.0.1:7400)")
    init.add_argument(
        "--identity-key",
        type=pathlib.Path,
        help="the city's identity-key file, from the bureau (default: a new key, for a node on its own)",
    )
    init.set_defaults(handler=cmd_node_init)
    for name, handler, text in (
        ("migrate", cmd_node_migrate, "bring the database schema to the newest revision"),
        ("serve", cmd_node_serve, "run the node until SIGTERM"),
    ):
        command = node.add_parser(name, help=text)
        command.add_argument("--config", type=pathlib.Path, required=True)
        command.set_defaults(handler=handler)
    public = node.add_parser("public-key", help="the node's public signing key (PEM), for admission")
    public.add_argument("--config", type=pathlib.Path, required=True)
    public.add_argument("--out", type=pathlib.Path, help="write it to this file (default: print it)")
    public.set_defaults(handler=cmd_node_public_key)
    saved = node.add_parser("backup", help="an online copy of the node's database (SQLite backup API or pg_dump)")
    saved.add_argument("--config", type=pathlib.Path, required=True)
    saved.add_argument("--out", type=pathlib.Path, required=True, help="the backup file to write (must not exist)")
    saved.add_argument("--json", action="store_true")
    saved.set_defaults(handler=cmd_node_backup)
    restored = node.add_parser("restore", help="restore the node's database from a backup (node stopped)")
    restored.add_argument("--config", type=pathlib.Path, required=True)
    restored.add_argument("--from", dest="source", type=pathlib.Path, required=True, help="the backup file")
    restored.add_argument("--replace", action="store_true", help="overwrite a database that holds tables")
    restored.add_argument("--json", action="store_true")
    restored.set_defaults(handler=cmd_node_restore)
    cycle = node.add_parser("statement", help="this node's signed statement of a settlement cycle")
    cycle.add_argument("--config", type=pathlib.Path, required=True)
    cycle.add_argument("--cycle", type=int, default=0, help="the cycle id (default: the latest)")
    cycle.add_argument("--camt053", type=pathlib.Path, help="also write it as ISO 20022 camt.053 XML to this file")
    cycle.add_argument("--json", action="store_true")
    cycle.set_defaults(handler=cmd_node_statement)
    alarm = node.add_parser("alarms", help="open alarms; --clear N --reason TEXT once the cause is understood")
    alarm.add_argument("--config", type=pathlib.Path, required=True)
    alarm.add_argument("--clear", type=int, help="the number of the alarm to clear")
    alarm.add_argument("--reason", default="", help="why it is safe to clear (recorded)")
    alarm.add_argument("--json", action="store_true")
    alarm.set_defaults(handler=cmd_node_alarms)
    made = node.add_parser("credentials", help="write the operator API's missing credential files (--rotate: anew)")
    made.add_argument("--config", type=pathlib.Path, required=True)
    made.add_argument("--rotate", action="store_true", help="replace both files with new secrets")
    made.add_argument("--json", action="store_true")
    made.set_defaults(handler=cmd_node_credentials)
    info = node.add_parser("info", help="who the node is and whether it accepts writes")
    add_target_arguments(info)
    info.set_defaults(handler=cmd_node_info)
    return node
