"""`timebank status --config FILE [--json]`: is this party well? Each check in plain words, OK, WARN or FAIL.

An entry-point module (like cli, city and demo). The role is the config's: a file with
a [node] table is a ledger node's, any other the clearinghouse's. It reads the party's
database (only reads; the same readings its /metrics shows) and, for a node, asks its
operator gRPC service GetNodeInfo twice, --sample-seconds apart, to see its link move.

A node: healthy (answers, not halted), connected (exchanges with the clearinghouse
succeed), caught up (outbox depth, oldest held transfer), witnessed (the clearinghouse's
log checkpoint is recent, no split view), reconciled (its latest cycle statement was made
and acknowledged). The clearinghouse: serving (accepts connections), active (which process
holds the lease, and whether it is this config's), nodes (admitted,
suspended), expiry (nothing prepared lingers past its expiry), cycle, mail (items waiting
per node), report (breaks of the newest reconciliation report), alarms.

Exit codes: 0 every check OK; 1 any WARN or FAIL; 2 bad usage or configuration; 3 the
party is unreachable.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import grpc
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from clearinghouse import metrics as clearinghouse_metrics
from clearinghouse.config import ClearinghouseConfig, load_clearinghouse_config
from clearinghouse.records import CrossState, Lease, NodeStatus
from clearinghouse.store import leadership as leadership_store
from nodes import metrics as node_metrics
from nodes.client import NodeClient
from nodes.config import NodeConfig, load_node_config
from nodes.door import administrator_credential
from timebank import alarms
from timebank.clock import SystemClock
from timebank.config import load_toml, parse_listen_address
from timebank.credentials import Credential
from timebank.errors import ConfigError, TimebankError
from timebank.storage.engine import PoolSettings, backend_name, create_database_engine
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "alarm_check",
    "CALL_DEADLINE_SECONDS",
    "caught_up",
    "Check",
    "CLEARINGHOUSE_CHECKS",
    "clearinghouse_status",
    "cmd_status",
    "connected",
    "CUTOFF_OVERDUE_WARN_SECONDS",
    "cycle",
    "EXIT_ATTENTION",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "expiry",
    "FAIL",
    "healthy",
    "HELD_AGE_FAIL_SECONDS",
    "HELD_AGE_WARN_SECONDS",
    "leadership",
    "mail",
    "node_status",
    "OK",
    "OUTBOX_WAITING_WARN",
    "party_status",
    "PAST_EXPIRY_FAIL_SECONDS",
    "PAST_EXPIRY_WARN_SECONDS",
    "read_database",
    "reconciled",
    "register",
    "registered",
    "report",
    "sample_node",
    "SAMPLE_SECONDS",
    "Samples",
    "serving",
    "Status",
    "status_document",
    "status_text",
    "WARN",
    "witnessed",
    "WITNESSED_AGE_WARN_SECONDS",
]

OK, WARN, FAIL = "OK", "WARN", "FAIL"
EXIT_OK, EXIT_ATTENTION, EXIT_UNREACHABLE = 0, 1, 3
SAMPLE_SECONDS = 2.0
CALL_DEADLINE_SECONDS = 5.0
OUTBOX_WAITING_WARN = 1_000
HELD_AGE_WARN_SECONDS = 120.0
HELD_AGE_FAIL_SECONDS = 3_600.0
# A cycle closes at least daily (the default), and its close makes the clearinghouse's log grow.
WITNESSED_AGE_WARN_SECONDS = 26 * 3_600.0
PAST_EXPIRY_WARN_SECONDS = 5.0
PAST_EXPIRY_FAIL_SECONDS = 60.0
CUTOFF_OVERDUE_WARN_SECONDS = 60.0

T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    name: str
    level: str
    text: str


@dataclass(frozen=True)
class Status:
    party: str
    checks: tuple[Check, ...]
    reachable: bool

    @property
    def exit_code(self) -> int:
        if not self.reachable:
            return EXIT_UNREACHABLE
        return EXIT_OK if all(check.level == OK for check in self.checks) else EXIT_ATTENTION


def read_database(url: str, pool: PoolSettings, read: Callable[[Connection], T]) -> T | str:
    """What read found in the party's database, or why it could not be read."""
    if backend_name(url) == "sqlite" and not pathlib.Path(make_url(url).database or "").exists():
        return f"the database file {make_url(url).database} does not exist"
    engine = create_database_engine(url, pool)
    try:
        with engine.connect() as connection:
            return read(connection)
    except (SQLAlchemyError, TimebankError) as error:
        return str(error).splitlines()[0]
    finally:
        engine.dispose()


def _listen_address(listen: str, key: str) -> str:
    if parse_listen_address(listen)[1] == 0:
        raise ConfigError(f"{key}: port 0 is chosen at start; set the port the party serves on")
    return listen


# -- a node ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Samples:
    """GetNodeInfo at the start and after the sample; first is None when the node did not answer."""

    first: pb.GetNodeInfoResponse | None
    second: pb.GetNodeInfoResponse | None
    problem: str = ""


def sample_node(address: str, sample_seconds: float, credential: Credential) -> Samples:
    with NodeClient(address, deadline_seconds=CALL_DEADLINE_SECONDS, attempts_max=1, credential=credential) as client:
        try:
            first = client.get_node_info()
        except grpc.RpcError as error:
            return Samples(None, None, f"{error.code().name}: {error.details()}")
        if not first.clearinghouse_address:
            return Samples(first, first)
        time.sleep(sample_seconds)
        try:
            return Samples(first, client.get_node_info())
        except grpc.RpcError as error:
            return Samples(first, None, f"{error.code().name}: {error.details()}")


def node_status(config: NodeConfig, sample_seconds: float) -> Status:
    address = _listen_address(config.server.listen, "server.listen")
    try:
        samples = sample_node(address, sample_seconds, administrator_credential(config))
    except ConfigError as error:  # run by a user who may not read the credential
        samples = Samples(None, None, f"credential: {error}")
    now_micros = SystemClock().now_micros()
    readings = read_database(
        config.database_url,
        config.database.pool,
        lambda connection: node_metrics.read(connection, config.node.id, now_micros),
    )
    linked = bool(config.clearinghouse.address)
    checks = (
        healthy(address, samples),
        connected(samples, sample_seconds) if linked else Check("connected", OK, "runs on its own (no clearinghouse)"),
        caught_up(readings),
        witnessed(readings) if linked else Check("witnessed", OK, "runs on its own (no clearinghouse to witness)"),
        reconciled(readings),
    )
    return Status(f"node {config.node.id} ({config.node.display_name})", checks, samples.first is not None)


def healthy(address: str, samples: Samples) -> Check:
    info = samples.first
    if info is None:
        return Check("healthy", FAIL, f"unreachable at {address} ({samples.problem})")
    if info.halted_reason:
        return Check("healthy", FAIL, f"serving at {address} but HALTED, refusing all writes: {info.halted_reason}")
    return Check("healthy", OK, f"serving at {address}, accepting writes (version {info.version})")


def connected(samples: Samples, sample_seconds: float) -> Check:
    first, second = samples.first, samples.second
    if first is None:
        return Check("connected", FAIL, "unknown: the node did not answer")
    if second is None:
        return Check("connected", WARN, f"unknown: the node stopped answering during the sample ({samples.problem})")
    exchanges = second.clearinghouse_exchanges - first.clearinghouse_exchanges
    failures = second.clearinghouse_failures - first.clearinghouse_failures
    since_start = (
        f"{second.clearinghouse_exchanges} exchanges since start, {second.clearinghouse_failures} failed and retried"
    )
    window = f"in the last {sample_seconds:g} s"
    where = second.clearinghouse_address
    if exchanges and not failures:
        return Check("connected", OK, f"{exchanges} exchanges with {where} {window}, none failed ({since_start})")
    if exchanges:
        return Check("connected", WARN, f"{failures} exchanges with {where} failed and were retried {window}")
    if failures:
        return Check("connected", FAIL, f"no exchange with {where} succeeded {window}; {failures} failed")
    if not second.clearinghouse_exchanges:
        return Check("connected", FAIL, f"no exchange with {where} has succeeded since the node started")
    return Check("connected", WARN, f"no exchange with {where} finished {window} ({since_start})")


def caught_up(readings: node_metrics.NodeReadings | str) -> Check:
    if isinstance(readings, str):
        return Check("caught up", FAIL, f"the database could not be read: {readings}")
    depth, age = readings.outbox_depth, readings.oldest_held_age_seconds
    held = sum(readings.cross_transfers[state] for state in node_metrics.WAITING_FOR_DECISION)
    text = f"{depth} items wait for the clearinghouse's acknowledgement (warn at {OUTBOX_WAITING_WARN}); " + (
        f"{held} transfers wait for a decision, the oldest for {age:.0f} s (warn after {HELD_AGE_WARN_SECONDS:.0f} s)"
        if held
        else "no transfer waits for a decision"
    )
    if age > HELD_AGE_FAIL_SECONDS:
        return Check("caught up", FAIL, text)
    level = WARN if depth >= OUTBOX_WAITING_WARN or age > HELD_AGE_WARN_SECONDS else OK
    return Check("caught up", level, text)


def witnessed(readings: node_metrics.NodeReadings | str) -> Check:
    if isinstance(readings, str):
        return Check("witnessed", FAIL, f"the database could not be read: {readings}")
    if readings.alarms_open.get(alarms.SPLIT_VIEW):
        return Check(
            "witnessed",
            FAIL,
            "a split-view alarm is open (the clearinghouse showed an inconsistent log): cross-node traffic is "
            "stopped; see `timebank node alarms --config FILE`",
        )
    age, size = readings.witnessed_checkpoint_age_seconds, readings.witnessed_checkpoint_entries
    if age is None:
        return Check("witnessed", WARN, "no checkpoint of the clearinghouse's log has been verified yet")
    text = f"the clearinghouse's checkpoint of size {size} was verified {age:.0f} s ago, consistent with those before"
    others = sum(readings.alarms_open.values())
    if others:
        return Check("witnessed", WARN, f"{text}; {others} other alarms are open (`timebank node alarms`)")
    if age > WITNESSED_AGE_WARN_SECONDS:
        return Check("witnessed", WARN, f"{text} (warn after {WITNESSED_AGE_WARN_SECONDS:.0f} s)")
    return Check("witnessed", OK, text)


def reconciled(readings: node_metrics.NodeReadings | str) -> Check:
    if isinstance(readings, str):
        return Check("reconciled", FAIL, f"the database could not be read: {readings}")
    cycle_id, waiting = readings.statement_cycle, readings.statement_pages_waiting
    if not cycle_id:
        return Check("reconciled", OK, "no cycle statement made yet (no cycle has closed for this node)")
    if waiting:
        return Check(
            "reconciled",
            WARN,
            f"the statement of cycle {cycle_id} was made; {waiting} of its pages are not acknowledged by the "
            "clearinghouse yet",
        )
    return Check("reconciled", OK, f"the statement of cycle {cycle_id} was made and acknowledged by the clearinghouse")


# -- the clearinghouse -------------------------------------------------------------------------


def clearinghouse_status(config: ClearinghouseConfig) -> Status:
    listen = _listen_address(config.server.listen, "server.listen")
    serving_check = serving(listen)
    now_micros = SystemClock().now_micros()
    read = read_database(
        config.database_url,
        config.database.pool,
        lambda connection: (
            clearinghouse_metrics.read(connection, now_micros, clearinghouse_metrics.LatestReport()),
            leadership_store.read_lease(connection),
        ),
    )
    if isinstance(read, str):
        unread = Check("database", FAIL, f"the database could not be read: {read}")
        checks: tuple[Check, ...] = (serving_check, unread)
    else:
        readings, lease = read
        checks = (
            serving_check,
            leadership(lease, config.instance_name, now_micros),
            *(check(readings) for check in CLEARINGHOUSE_CHECKS),
        )
    name = f"clearinghouse ({config.clearinghouse.display_name})"
    return Status(name, checks, serving_check.level == OK)


def serving(listen: str) -> Check:
    host, port = parse_listen_address(listen)
    try:
        with socket.create_connection((host, port), timeout=CALL_DEADLINE_SECONDS):
            pass
    except OSError as error:
        return Check("serving", FAIL, f"nothing accepts connections on {listen}: {error.strerror or error}")
    return Check("serving", OK, f"accepts connections on {listen} (mutual TLS; not called)")


def leadership(lease: Lease | None, instance: str, now_micros: int) -> Check:
    """Which clearinghouse process is active, and whether this config's process is it."""
    if lease is None:
        return Check("active", FAIL, "no clearinghouse process has ever led on this database")
    if not lease.live(now_micros):
        ended = (now_micros - lease.expires_at_micros) / 1e6
        return Check(
            "active", FAIL, f"no clearinghouse is active: the lease of {lease.describe()} ended {ended:.0f} s ago"
        )
    if lease.holder == instance:
        return Check("active", OK, f"this process is the active one: {lease.describe()}")
    return Check("active", OK, f"the active one is {lease.describe()}; this config's process ({instance}) stands by")


def registered(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    active = [node.node_id for node in readings.nodes if node.status == NodeStatus.ACTIVE]
    suspended = [node.node_id for node in readings.nodes if node.status != NodeStatus.ACTIVE]
    text = f"{len(active)} active" + (f"; suspended: {', '.join(suspended)}" if suspended else ", none suspended")
    return Check("nodes", OK if active else FAIL, text if active else f"no node is active ({text})")


def expiry(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    prepared = readings.cross_transfers[CrossState.PREPARED]
    overdue = readings.oldest_past_expiry_seconds if readings.prepared_past_expiry else 0.0
    if overdue > PAST_EXPIRY_WARN_SECONDS:
        level = FAIL if overdue > PAST_EXPIRY_FAIL_SECONDS else WARN
        text = (
            f"{readings.prepared_past_expiry} prepared transfers are past their expiry, the most overdue by "
            f"{overdue:.0f} s: the expiry sweeper is behind"
        )
        return Check("expiry", level, text)
    oldest = f", the oldest for {readings.oldest_prepared_age_seconds:.0f} s" if prepared else ""
    return Check("expiry", OK, f"no prepared transfer lingers past its expiry ({prepared} prepared{oldest})")


def cycle(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    if not readings.open_cycle_id:
        return Check("cycle", OK, "no cycle opened yet (the first opens at the first exchange or sweep)")
    cutoff = readings.cutoff_in_seconds
    if cutoff < -CUTOFF_OVERDUE_WARN_SECONDS:
        return Check("cycle", WARN, f"cycle {readings.open_cycle_id} is still open {-cutoff:.0f} s after its cut-off")
    return Check("cycle", OK, f"cycle {readings.open_cycle_id} is open, its cut-off in {max(cutoff, 0):.0f} s")


def mail(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    waiting = readings.outbox_depth
    listed = ", ".join(f"{node} {count}" for node, count in sorted(waiting.items())) or "no node"
    level = WARN if any(count >= OUTBOX_WAITING_WARN for count in waiting.values()) else OK
    return Check("mail", level, f"items not acknowledged, per node: {listed} (warn at {OUTBOX_WAITING_WARN})")


def report(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    found = readings.report
    if found is None:
        return Check("report", OK, "no reconciliation report yet")
    if found.break_count:
        return Check("report", FAIL, f"the report of cycle {found.cycle_id} has {found.break_count} breaks")
    return Check("report", OK, f"the report of cycle {found.cycle_id} is clean (no break)")


def alarm_check(readings: clearinghouse_metrics.ClearinghouseReadings) -> Check:
    open_by_kind = {kind: count for kind, count in readings.alarms_open.items() if count}
    if not open_by_kind:
        return Check("alarms", OK, "no open alarm")
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(open_by_kind.items()))
    level = FAIL if alarms.SPLIT_VIEW in open_by_kind else WARN
    return Check("alarms", level, f"open: {listed} (`timebank clearinghouse node list` shows them)")


CLEARINGHOUSE_CHECKS = (registered, expiry, cycle, mail, report, alarm_check)


# -- the command -------------------------------------------------------------------------------


def party_status(path: pathlib.Path, sample_seconds: float) -> Status:
    if "node" in load_toml(path):
        return node_status(load_node_config(path), sample_seconds)
    return clearinghouse_status(load_clearinghouse_config(path))


def status_document(status: Status) -> dict[str, Any]:
    return {
        "party": status.party,
        "reachable": status.reachable,
        "exit_code": status.exit_code,
        "checks": [asdict(check) for check in status.checks],
    }


def status_text(status: Status) -> str:
    lines = [status.party]
    lines += [f"  {check.level:<5} {check.name:<11} {check.text}" for check in status.checks]
    problems = [check for check in status.checks if check.level != OK]
    if not status.reachable:
        lines.append("UNREACHABLE")
    elif problems:
        lines.append("needs attention: " + ", ".join(f"{check.name} {check.level}" for check in problems))
    else:
        lines.append("all OK")
    return "\n".join(lines)


def cmd_status(arguments: argparse.Namespace) -> int:
    if arguments.sample_seconds < 0:
        raise ConfigError(f"--sample-seconds: got {arguments.sample_seconds}, want >= 0")
    status = party_status(arguments.config, arguments.sample_seconds)
    if arguments.json:
        print(json.dumps(status_document(status), ensure_ascii=False, indent=2))
    else:
        print(status_text(status))
    return status.exit_code


def register(subparsers: Any) -> None:
    command = subparsers.add_parser(
        "status", help="is a node (or the clearinghouse) well? each check OK, WARN or FAIL; exit 0, 1, or 3 unreachable"
    )
    command.add_argument(
        "--config", type=pathlib.Path, required=True, help="the party's node.toml or clearinghouse.toml"
    )
    command.add_argument(
        "--sample-seconds",
        type=float,
        default=SAMPLE_SECONDS,
        help=f"how long to watch a node's link to the clearinghouse (default {SAMPLE_SECONDS:g})",
    )
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=cmd_status)
