"""The bureau's commands: `timebank clearinghouse ...`.

Registry changes (admit, suspend, reinstate, rotate or revoke a key) are made on the
clearinghouse's own database by its operator, each in one transaction with its log
entry; the running clearinghouse sees them on its next exchange. Commands read and write
through the domain modules and the stores, in a transaction this module opens per command.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import pathlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from clearinghouse import registry, tables
from clearinghouse.config import ClearinghouseConfig, load_clearinghouse_config
from clearinghouse.records import NodeStatus
from clearinghouse.store import transfers as transfer_store
from clearinghouse.tables import OPERATOR_TABLES
from timebank import alarms, ids, keys, translog
from timebank.clock import SystemClock, shown_time
from timebank.errors import RequestInvalid
from timebank.ledger.model import format_hours
from timebank.operators import commands as operator_commands
from timebank.operators.desk import Operators
from timebank.operators.records import BUREAU_STAFF
from timebank.quoting import quoted
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine, read_transaction, write_transaction

__all__ = [
    "cmd_admit",
    "cmd_backup",
    "cmd_close_cycle",
    "cmd_events",
    "cmd_init",
    "cmd_list",
    "cmd_node_keys",
    "cmd_migrate",
    "cmd_recon_report",
    "cmd_restore",
    "cmd_revoke_key",
    "cmd_rotate_key",
    "cmd_security_events",
    "cmd_serve",
    "cmd_transfer_show",
    "register",
    "security_kinds",
]

if TYPE_CHECKING:
    from clearinghouse.coordinator import Coordinator


@contextmanager
def _connection(arguments: argparse.Namespace) -> Iterator[Connection]:
    config = load_clearinghouse_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with write_transaction(engine) as connection:
            yield connection
    finally:
        engine.dispose()


def _print(arguments: argparse.Namespace, document: Any, text: str) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2) if arguments.json else text)


def cmd_init(arguments: argparse.Namespace) -> int:
    from clearinghouse.init import init_clearinghouse

    config = init_clearinghouse(
        arguments.directory, clock=SystemClock(), database_url=arguments.database_url, listen=arguments.listen
    )
    print(
        f"created the clearinghouse in {arguments.directory} (listen {config.server.listen}); "
        "TLS files go in tls/ (see `timebank city init`)"
    )
    return 0


def cmd_migrate(arguments: argparse.Namespace) -> int:
    config = load_clearinghouse_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, tables.SCHEMA)
        print(f"database schema: {before or 'empty'} -> {migrate.current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def cmd_serve(arguments: argparse.Namespace) -> int:
    from clearinghouse.server import serve

    serve(load_clearinghouse_config(arguments.config))
    return 0


def _operators(config_path: pathlib.Path) -> Operators:
    """The bureau's staff accounts in the clearinghouse's database (its host administrator's)."""
    from clearinghouse.server import open_books

    books = open_books(load_clearinghouse_config(config_path), SystemClock())
    return Operators(books, SystemClock(), OPERATOR_TABLES, BUREAU_STAFF)


def cmd_admit(arguments: argparse.Namespace) -> int:
    config = load_clearinghouse_config(arguments.config)
    public = keys.public_bytes(keys.load_public_key(arguments.public_key))
    with _connection(arguments) as connection:
        record = registry.admit(
            connection,
            node_id=arguments.id,
            display_name=arguments.name,
            kind=arguments.kind,
            public_key=public,
            net_debit_cap_minutes=arguments.net_debit_cap_minutes or config.protocol.default_net_debit_cap_minutes,
            pending_cap_minutes=arguments.pending_cap_minutes or config.protocol.default_pending_cap_minutes,
            at_micros=SystemClock().now_micros(),
        )
    print(f"admitted node {record.node_id} ({record.display_name})")
    return 0


def _status_command(status: NodeStatus) -> Callable[[argparse.Namespace], int]:
    def command(arguments: argparse.Namespace) -> int:
        with _connection(arguments) as connection:
            registry.set_status(connection, arguments.id, status, arguments.reason, SystemClock().now_micros())
        print(f"node {arguments.id} is {status}")
        return 0

    return command


def cmd_rotate_key(arguments: argparse.Namespace) -> int:
    public = keys.public_bytes(keys.load_public_key(arguments.public_key))
    with _connection(arguments) as connection:
        key_id = registry.rotate_key(
            connection, arguments.id, public, int(arguments.overlap_seconds * 1e6), SystemClock().now_micros()
        )
    print(f"node {arguments.id}: new key {key_id}; older keys valid for {arguments.overlap_seconds} s more")
    return 0


def cmd_revoke_key(arguments: argparse.Namespace) -> int:
    with _connection(arguments) as connection:
        registry.revoke_key(connection, arguments.key_id, arguments.reason, SystemClock().now_micros())
    print(f"key {arguments.key_id} revoked")
    return 0


def cmd_list(arguments: argparse.Namespace) -> int:
    with _connection(arguments) as connection:
        records = registry.nodes(connection)
        states = transfer_store.count_by_state(connection)
        open_alarms = alarms.open_alarms(connection)
        log_size = translog.size(connection)
        signed_size = translog.latest_checkpoint_size(connection)
    rows = [record.__dict__ for record in records]
    lines = [f"{'node':<14} {'status':<10} {'kind':<11} name"]
    lines += [f"{r.node_id:<14} {r.status:<10} {r.kind:<11} {r.display_name}" for r in records]
    lines.append("")
    lines.append("the whole city (every node together):")
    lines.append("  cross-node transfers: " + (", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none yet"))
    lines.append(f"  the clearinghouse's log: {log_size} entries, last checkpoint at {signed_size}")
    lines += [f"ALARM {a.sequence} ({a.kind}) at {shown_time(a.raised_at_micros)}: {a.detail}" for a in open_alarms]
    document = {
        "nodes": rows,
        "transfers": states,
        "log_size": log_size,
        "log_checkpoint_size": signed_size,
        "alarms": [a.__dict__ for a in open_alarms],
    }
    _print(arguments, document, "\n".join(lines))
    return 0


def cmd_node_keys(arguments: argparse.Namespace) -> int:
    """Publishes the nodes' signing keys with the periods the registry gave them."""
    with _connection(arguments) as connection:
        written = registry.publish_node_keys(connection, arguments.out)
    print(f"{arguments.out}: {written} key(s) of the city's nodes, each with its validity; publish it for verifiers")
    return 0


def cmd_events(arguments: argparse.Namespace) -> int:
    with _connection(arguments) as connection:
        rows = registry.events(connection)
    _print(
        arguments,
        rows,
        "\n".join(
            f"{r['sequence']:>5} {shown_time(int(str(r['at_micros'])))} {r['action']:<12} {r['node_id']:<14} "
            f"{r['detail']}"
            for r in rows
        ),
    )
    return 0


def security_kinds() -> tuple[str, ...]:
    from clearinghouse.security import KINDS

    return KINDS


def cmd_security_events(arguments: argparse.Namespace) -> int:
    """What the clearinghouse refused and from which TLS peer, newest first, one line a window."""
    from clearinghouse import security

    with _connection(arguments) as connection:
        windows = security.read(connection, arguments.kind, arguments.limit)
    lines = [
        f"{shown_time(w.first_at_micros)}  {w.kind:<18} {w.peer:<14} x{w.occurrences:<6} {w.detail}"
        + (f"  [evidence: the signed header, {len(w.evidence)} bytes]" if w.evidence else "")
        for w in windows
    ]
    document = [{**w.__dict__, "evidence": w.evidence.hex() if w.evidence else None} for w in windows]
    _print(arguments, document, "\n".join(lines) if lines else "no security events recorded")
    return 0


def _coordinator(config_path: pathlib.Path) -> tuple[ClearinghouseConfig, Coordinator]:
    from clearinghouse.coordinator import Coordinator, Settings
    from clearinghouse.server import open_books

    config = load_clearinghouse_config(config_path)
    clock = SystemClock()
    settings = Settings(cycle_micros=config.protocol.cycle_seconds * 1_000_000)
    return config, Coordinator(open_books(config, clock), clock, settings)


def cmd_backup(arguments: argparse.Namespace) -> int:
    from timebank import backup

    config = load_clearinghouse_config(arguments.config)
    info = backup.backup(config.database_url, arguments.out)
    document = {"backend": info.backend, "path": str(info.path), "size_bytes": info.size_bytes}
    _print(arguments, document, f"backed up the clearinghouse's {info.backend} database to {info.path}")
    return 0


def cmd_restore(arguments: argparse.Namespace) -> int:
    from timebank import backup

    config = load_clearinghouse_config(arguments.config)
    backup.restore(config.database_url, arguments.source, replace=arguments.replace)
    text = (
        f"restored the clearinghouse from {arguments.source}. Every decision and log entry after the backup is "
        "gone: nodes that saw a later checkpoint will refuse it as a split view. See deploy/README.md before "
        "starting it."
    )
    _print(arguments, {"restored_from": str(arguments.source)}, text)
    return 0


def cmd_close_cycle(arguments: argparse.Namespace) -> int:
    _config, coordinator = _coordinator(arguments.config)
    try:
        closed = coordinator.close_cycle()
    finally:
        coordinator.books.engine.dispose()
    assert closed is not None
    document = {
        "cycle_id": closed.cycle_id,
        "committed_count": closed.committed_count,
        "committed_minutes": closed.committed_minutes,
        "positions": [
            {"node_id": p.node_id, "net_minutes": p.net_minutes, "closing_minutes": p.closing_minutes}
            for p in closed.positions
        ],
    }
    lines = [
        f"closed cycle {closed.cycle_id}: {closed.committed_count} transfers, "
        f"{format_hours(closed.committed_minutes)} h"
    ]
    lines += [
        f"  {p.node_id:<16} net {format_hours(p.net_minutes):>10} h  closing {format_hours(p.closing_minutes):>10} h"
        for p in closed.positions
    ]
    lines.append(
        "each node now sends its signed statement; then: timebank recon report --cycle "
        f"{closed.cycle_id} --config {arguments.config} --out DIR"
    )
    _print(arguments, document, "\n".join(lines))
    return 0


def cmd_transfer_show(arguments: argparse.Namespace) -> int:
    """One cross-node transfer's timeline, from the clearinghouse's database (its host)."""
    from clearinghouse import timeline

    transfer_id = ids.parse_text(arguments.transfer_id)
    if transfer_id is None:
        raise RequestInvalid(f"transfer_id: got {quoted(arguments.transfer_id)}, want 32 hexadecimal digits")
    with _connection(arguments) as connection:
        found = timeline.timeline(connection, transfer_id)
    record = found.record
    document = {
        "transfer_id": ids.to_hex(record.transfer_id),
        "debit_node_id": record.debit_node_id,
        "credit_node_id": record.credit_node_id,
        "originator_node_id": record.originator_node_id,
        "amount_minutes": record.amount_minutes,
        "state": str(record.state),
        "reason": record.reason,
        "cycle_id": record.cycle_id,
        "prepare_log_index": record.prepare_log_index,
        "decision_log_index": record.decision_log_index,
        "steps": [dataclasses.asdict(step) for step in found.steps],
    }
    lines = [
        f"transfer {ids.to_hex(record.transfer_id)}: {record.debit_node_id} -> {record.credit_node_id}, "
        f"{record.amount_minutes} min, {record.state}" + (f" ({record.reason})" if record.reason else ""),
        f"  cycle {record.cycle_id or '-'}; log entries: prepare {_index(record.prepare_log_index)}, "
        f"decision {_index(record.decision_log_index)}",
    ]
    for step in found.steps:
        at = datetime.datetime.fromtimestamp(step.at_micros / 1_000_000, tz=datetime.UTC).isoformat(
            timespec="milliseconds"
        )
        lines.append(f"  {at}  {step.what:<22} {step.party}" + (f"  {step.detail}" if step.detail else ""))
    _print(arguments, document, "\n".join(lines))
    return 0


def _index(index: int | None) -> str:
    return "-" if index is None else str(index)


def cmd_recon_report(arguments: argparse.Namespace) -> int:
    from clearinghouse import reports

    config, coordinator = _coordinator(arguments.config)
    books = coordinator.books
    try:
        cycle_id = arguments.cycle or reports.latest_cycle(books)
        signing_key = keys.load_signing_key(config.path(config.keys.signing_key_file))
        written = reports.make(books, signing_key, cycle_id, SystemClock().now_micros())
        written = reports.write_files(written, arguments.out)
        if arguments.camt053:
            with read_transaction(books.engine) as connection:
                reports.camt053_files(connection, cycle_id, arguments.out)
    finally:
        books.engine.dispose()
    breaks = len(written.report.breaks)
    document = {"cycle_id": cycle_id, "breaks": breaks, "files": [str(path) for path in written.paths]}
    text = (
        f"cycle {cycle_id}: {breaks} breaks"
        + ("" if breaks else " (clean)")
        + "\n"
        + "\n".join(f"  {path}" for path in written.paths)
    )
    _print(arguments, document, text)
    return 0 if breaks == 0 else 1


def register(subparsers: Any) -> None:
    recon = subparsers.add_parser("recon", help="the bureau's reconciliation reports")
    recon_commands = recon.add_subparsers(dest="recon_command", required=True)
    report = recon_commands.add_parser(
        "report", help="match the clearinghouse's view of a cycle with every node's statement; write JSON, CSV, HTML"
    )
    report.add_argument("--config", type=pathlib.Path, required=True, help="the clearinghouse's config")
    report.add_argument("--cycle", type=int, default=0, help="the cycle id (default: the latest closed)")
    report.add_argument("--out", type=pathlib.Path, required=True, help="folder for cycle-N.json/.csv/.html/.json.sig")
    report.add_argument("--camt053", action="store_true", help="also write each node's statement as camt.053 XML")
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=cmd_recon_report)
    top = subparsers.add_parser("clearinghouse", help="run the clearinghouse and keep its registry")
    commands = top.add_subparsers(dest="clearinghouse_command", required=True)
    init = commands.add_parser("init", help="config, signing key and database of a new clearinghouse")
    init.add_argument("directory", type=pathlib.Path)
    init.add_argument("--database-url", default="sqlite:///clearinghouse.db")
    init.add_argument("--listen", default="127.0.0.1:7300")
    init.set_defaults(handler=cmd_init)
    for name, handler, text in (
        ("migrate", cmd_migrate, "bring the database schema up to date"),
        ("serve", cmd_serve, "run until SIGTERM"),
        ("close-cycle", cmd_close_cycle, "close the open settlement cycle now (an unscheduled cut-off)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--config", type=pathlib.Path, required=True)
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=handler)
    events = commands.add_parser(
        "events",
        help="security events: refused batches, replays, revoked or expired keys, suspended nodes, "
        "split-view claims, calls over a peer's share; one line per kind, peer and minute",
    )
    events.add_argument("--config", type=pathlib.Path, required=True)
    events.add_argument("--json", action="store_true")
    events.add_argument("--kind", choices=security_kinds(), help="only this kind")
    events.add_argument("--limit", type=int, default=200, help="at most this many lines, newest first (200)")
    events.set_defaults(handler=cmd_security_events)
    transfer = commands.add_parser(
        "transfer", help="the cross-node transfers the clearinghouse decided"
    ).add_subparsers(dest="transfer_command", required=True)
    show = transfer.add_parser(
        "show", help="one transfer's whole timeline: prepared, forwarded, voted, decided, acknowledged"
    )
    show.add_argument("transfer_id", help="the transfer's id, 32 hexadecimal digits")
    show.add_argument("--config", type=pathlib.Path, required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_transfer_show)
    saved = commands.add_parser("backup", help="an online copy of the database (SQLite backup API or pg_dump)")
    saved.add_argument("--out", type=pathlib.Path, required=True, help="the backup file to write (must not exist)")
    restored = commands.add_parser("restore", help="restore the database from a backup (stopped; see deploy/README.md)")
    restored.add_argument("--from", dest="source", type=pathlib.Path, required=True)
    restored.add_argument("--replace", action="store_true", help="overwrite a database that holds tables")
    for command, handler in ((saved, cmd_backup), (restored, cmd_restore)):
        command.add_argument("--config", type=pathlib.Path, required=True)
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=handler)
    operator_commands.register(commands, BUREAU_STAFF, _operators, "zhao.admin")
    node = commands.add_parser("node", help="the registry of nodes").add_subparsers(
        dest="registry_command", required=True
    )
    admit = node.add_parser("admit", help="admit a node with its public signing key")
    admit.add_argument("--id", required=True)
    admit.add_argument("--name", required=True)
    admit.add_argument("--kind", default="district", choices=["district", "department"])
    admit.add_argument("--public-key", type=pathlib.Path, required=True, help="PEM public key file")
    admit.add_argument("--net-debit-cap-minutes", type=int, default=0, help="default: the config's")
    admit.add_argument("--pending-cap-minutes", type=int, default=0, help="default: the config's")
    admit.set_defaults(handler=cmd_admit)
    for name, status in (("suspend", NodeStatus.SUSPENDED), ("reinstate", NodeStatus.ACTIVE)):
        command = node.add_parser(name, help=f"{name} a node (logged with the reason)")
        command.add_argument("--id", required=True)
        command.add_argument("--reason", required=True)
        command.set_defaults(handler=_status_command(status))
    rotate = node.add_parser("rotate-key", help="add a node's new key; the old one expires after an overlap")
    rotate.add_argument("--id", required=True)
    rotate.add_argument("--public-key", type=pathlib.Path, required=True)
    rotate.add_argument("--overlap-seconds", type=float, default=3600.0)
    rotate.set_defaults(handler=cmd_rotate_key)
    revoke = node.add_parser("revoke-key", help="revoke a key at once")
    revoke.add_argument("--key-id", required=True)
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(handler=cmd_revoke_key)
    published = node.add_parser(
        "keys", help="write the nodes' public keys with their validity: the list certificates are checked against"
    )
    published.add_argument("--out", type=pathlib.Path, required=True, help="a key ring file, e.g. node-keys.toml")
    published.set_defaults(handler=cmd_node_keys)
    for name, handler, text in (
        ("list", cmd_list, "nodes, their standing, and transfers by state"),
        ("events", cmd_events, "every registry change, in order"),
    ):
        command = node.add_parser(name, help=text)
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=handler)
    for command in (
        admit,
        rotate,
        revoke,
        published,
        *(node.choices[n] for n in ("suspend", "reinstate", "list", "events")),
    ):
        command.add_argument("--config", type=pathlib.Path, required=True)
