"""`timebank demo`: the main job. A whole city on loopback with a realistic day of traffic.

An entry-point module: it creates a city (a clearinghouse and three nodes, mutual TLS,
SQLite) in a folder (a new temporary one unless --dir is given; its files stay), starts
every party as a separate process, and drives a day through the public gRPC APIs only:
members registered at each node; hours deposited for services; a correction by
reversal; a hold posted in part and one voided; transfers to family in other
districts; an elder redeeming hours away from home with a one-time code; refusals (not
enough hours, an unknown account across nodes, a wrong code, a reused id with another
body); a burst of transfers with a node killed (SIGKILL) and restarted in the middle of
it; then the operators' day of time-bank services (city.demo.care), with every
party's clock moved forward together through TIMEBANK_CLOCK_OFFSET_FILE. It then
waits until every transfer is final, prints balances per node, and checks
that every transfer ended the same way on both nodes and at the clearinghouse, each
node's books balance, each node's clearing account is the exact negative of the
clearinghouse's view of it, and the hours held by members, donation pools and malls
equal the hours issued. Finally
the bureau closes the settlement cycle, every node sends its signed statement, the
reconciliation report (JSON, CSV, HTML, signature, camt.053 statements) is written into
DIR/reports/ and must show zero breaks, the clearinghouse's log is exported into
DIR/audit/ and `timebank audit verify DIR/audit` must find nothing (nor on shiqi's own
log, exported into DIR/audit-shiqi/), and one transfer's proof is written to
DIR/proofs/ and checked offline. Exit 0 only if every check held;
the city is stopped unless --keep.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from sqlalchemy.engine import make_url

from city import processes
from city.demo import care as democare
from city.demo import office
from city.demo.care import CityClock
from city.running import CITY, RunningCity, metrics_urls, party_databases, start_city
from clearinghouse import reports, settlement
from clearinghouse.store.accounts import positions
from clearinghouse.store.transfers import decisions
from nodes.door import administrator_credential
from timebank import ids
from timebank.audit import export
from timebank.clock import OFFSET_FILE_VARIABLE
from timebank.command_line import padded
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, format_hours
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.storage.engine import create_database_engine
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import clearing_pb2_grpc as cpb_grpc
from timebank.v1 import ledger_pb2 as pb
from timebank.v1 import log_pb2_grpc as lpb_grpc

__all__ = [
    "ADJUSTMENT",
    "BURST_TRANSFERS",
    "check_city",
    "CLEARING",
    "crash_in_the_middle",
    "Day",
    "demo_databases",
    "DemoFailed",
    "DONATION_POOL",
    "drive_day",
    "expect",
    "FINAL_TIMEOUT_SECONDS",
    "ISSUANCE",
    "MALL",
    "print_balances",
    "redeem_away_from_home",
    "refusals",
    "register",
    "run_demo",
    "settle_and_audit",
]

DEMO_REPORT_SECONDS = 3  # how often the demo's nodes look whether their figures for the bureau changed
DEMO_GUARANTEE_MINUTES = 60 * 60  # the demo city's guarantee: 60 hours, against what its members hold

FINAL_TIMEOUT_SECONDS = 60.0
BURST_TRANSFERS = 60
ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE].to_bytes(16, "big")
CLEARING = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING].to_bytes(16, "big")
DONATION_POOL, MALL, ADJUSTMENT = (
    SYSTEM_ACCOUNT_IDS[kind].to_bytes(16, "big")
    for kind in (AccountKind.DONATION_POOL, AccountKind.MALL, AccountKind.ADJUSTMENT)
)


class DemoFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


@contextmanager
def demo_databases(backend: str, server_url: str | None, keep: bool) -> Iterator[dict[str, str] | None]:
    """For PostgreSQL, one new database per party on the server (dropped at the end unless
    kept); for SQLite, None (each party's file in the city folder)."""
    if backend == "sqlite":
        yield None
        return
    if not server_url:
        raise DemoFailed("--database-url: PostgreSQL needs a server URL whose user may create databases")
    prefix = f"timebank_demo_{secrets.token_hex(4)}"
    with party_databases(server_url, prefix, keep=keep) as urls:
        base = make_url(server_url)
        print(f"PostgreSQL databases {prefix}_* on {base.host}:{base.port}")
        yield urls


class Day:
    """The scripted day. Ids are derived from a counter, so a rerun is the same day."""

    def __init__(self, city: RunningCity) -> None:
        self.city = city
        self.counter = 0
        self.members: dict[str, tuple[str, bytes]] = {}  # name -> (node, account)
        self.cross: list[bytes] = []

    def new_id(self) -> bytes:
        self.counter += 1
        return ids.to_bytes(0xDE70_0000_0000_0000_0000_0000_0000_0000 + self.counter)

    def register(self, node_id: str, name: str) -> bytes:
        account = self.new_id()
        result = (
            self.city.client(node_id)
            .create_accounts([pb.Account(id=account, kind=pb.ACCOUNT_KIND_MEMBER, holder=name)])
            .results[0]
        )
        expect(result.outcome == pb.OUTCOME_OK, f"register {name}: {result.detail}")
        self.members[name] = (node_id, account)
        return account

    def local(self, node_id: str, transfer: pb.Transfer, say: str) -> None:
        self.city.client(node_id).submit_transfer(transfer)
        print(f"  ok       {say}")

    def move(self, source: bytes, target: bytes, minutes: int, memo: str, **fields: Any) -> pb.Transfer:
        kind = fields.pop("kind", pb.TRANSFER_KIND_SINGLE_PHASE)
        return pb.Transfer(
            id=self.new_id(),
            kind=kind,
            debit_account_id=source,
            credit_account_id=target,
            amount_minutes=minutes,
            memo=memo,
            **fields,
        )

    def refused_local(self, node_id: str, transfer: pb.Transfer, say: str, code: grpc.StatusCode) -> None:
        try:
            self.city.client(node_id).submit_transfer(transfer)
        except grpc.RpcError as error:
            expect(error.code() == code, f"{say}: got {error.code().name}, want {code.name}")
            print(f"  refused  {say}\n           {error.code().name}: {error.details()}")
            return
        raise DemoFailed(f"{say}: accepted, want {code.name}")

    def cross_submit(self, node_id: str, items: list[pb.CrossNodeTransfer]) -> list[pb.ItemResult]:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=items)
        results = list(self.city.client(node_id).stub.SubmitCrossNodeTransfers(request, timeout=30).results)
        self.cross += [item.id for item, result in zip(items, results, strict=True) if result.outcome == pb.OUTCOME_OK]
        return results

    def push(self, source: str, target: str, minutes: int, memo: str) -> bytes:
        (node, account), (remote_node, remote_account) = self.members[source], self.members[target]
        item = pb.CrossNodeTransfer(
            id=self.new_id(),
            local_account_id=account,
            remote_node_id=remote_node,
            remote_account_id=remote_account,
            amount_minutes=minutes,
            memo=memo,
        )
        result = self.cross_submit(node, [item])[0]
        expect(result.outcome == pb.OUTCOME_OK, f"{memo}: {result.detail}")
        return item.id

    def wait_final(self, node_id: str, transfer_id: bytes) -> pb.GetCrossNodeTransferResponse:
        deadline = time.monotonic() + FINAL_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            view = self.city.client(node_id).stub.GetCrossNodeTransfer(
                pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10
            )
            if view.state != pb.CROSS_NODE_STATE_HELD:
                return view
            time.sleep(0.02)
        raise DemoFailed(f"transfer {transfer_id.hex()} at {node_id} still held after {FINAL_TIMEOUT_SECONDS} s")

    def outcome(self, node_id: str, transfer_id: bytes, say: str, *, committed: bool) -> None:
        view = self.wait_final(node_id, transfer_id)
        got = view.state == pb.CROSS_NODE_STATE_COMMITTED
        expect(got == committed, f"{say}: {pb.CrossNodeState.Name(view.state)} ({view.reason})")
        print(f"  {'committed' if got else 'aborted  '} {say}" + ("" if got else f"\n           {view.reason}"))

    def balance(self, name: str) -> int:
        node, account = self.members[name]
        return self.city.client(node).get_account(account).balance_minutes


def drive_day(day: Day) -> None:
    print("members registered at their home nodes")
    for node, name in (
        ("shiqi", "张伟"),
        ("shiqi", "陈静"),
        ("dongqu", "王秀英"),
        ("dongqu", "王明"),
        ("canlian", "李娜"),
        ("canlian", "刘洋"),
    ):
        day.register(node, name)
        print(f"  {name} at {node}")
    print("services rendered: hours deposited (minted by each node's issuance account)")
    for name, minutes, memo in (
        ("张伟", 240, "助餐 meals"),
        ("陈静", 120, "助医 medical visit"),
        ("王明", 180, "助洁 cleaning"),
        ("李娜", 300, "健康科普 health talk"),
        ("王秀英", 60, "情感慰藉 companionship"),
    ):
        node, account = day.members[name]
        day.local(node, day.move(ISSUANCE, account, minutes, memo), f"{name} +{format_hours(minutes)} h ({memo})")
    print("a correction: 陈静's visit was recorded 30 minutes too long")
    node, chen = day.members["陈静"]
    original = day.city.client(node).get_statement(chen).entries[0].stored.transfer.id
    day.local(node, day.move(chen, ISSUANCE, 30, "correction", reverses_id=original), "reverse 30 minutes")
    print("a hold at home: posted in part, and one voided")
    node, zhang = day.members["张伟"]
    hold = day.move(zhang, ISSUANCE, 60, "助浴 bathing, booked", kind=pb.TRANSFER_KIND_PENDING)
    day.local(node, hold, "张伟 holds 1.00 h")
    day.local(
        node,
        pb.Transfer(id=day.new_id(), kind=pb.TRANSFER_KIND_POST_PENDING, pending_id=hold.id, amount_minutes=45),
        "post the 45 minutes served; 15 released",
    )
    cancelled = day.move(zhang, ISSUANCE, 30, "助洁 cleaning, booked", kind=pb.TRANSFER_KIND_PENDING)
    day.local(node, cancelled, "张伟 holds 0.50 h")
    day.local(
        node,
        pb.Transfer(id=day.new_id(), kind=pb.TRANSFER_KIND_VOID_PENDING, pending_id=cancelled.id),
        "void it: the visit was cancelled",
    )
    print("transfers to family in other districts (push, through the clearinghouse)")
    gift = day.push("张伟", "王秀英", 90, "张伟 -> grandmother 王秀英 at dongqu")
    day.outcome("shiqi", gift, "张伟 (shiqi) -> 王秀英 (dongqu) 1.50 h", committed=True)
    gift = day.push("李娜", "陈静", 60, "李娜 -> sister 陈静 at shiqi")
    day.outcome("canlian", gift, "李娜 (canlian) -> 陈静 (shiqi) 1.00 h", committed=True)
    redeem_away_from_home(day)
    refusals(day)
    crash_in_the_middle(day)


def redeem_away_from_home(day: Day) -> None:
    print("an elder redeems away from home (pull, with a one-time code given at the service)")
    home, elder = day.members["王秀英"]
    grant = day.city.client(home).stub.CreateConsent(
        pb.CreateConsentRequest(
            holder_account_id=elder, beneficiary_node_id="canlian", limit_minutes=120, valid_seconds=3600
        ),
        timeout=10,
    )
    print(f"  王秀英's home node (dongqu) issues a one-time code: {grant.one_time_code}")
    node, volunteer = day.members["刘洋"]
    pull = pb.CrossNodeTransfer(
        id=day.new_id(),
        local_account_id=volunteer,
        remote_node_id=home,
        remote_account_id=elder,
        amount_minutes=75,
        memo="陪伴就医 at canlian",
        pull=True,
        one_time_code=grant.one_time_code,
    )
    result = day.cross_submit(node, [pull])[0]
    expect(result.outcome == pb.OUTCOME_OK, f"pull: {result.detail}")
    day.outcome(node, pull.id, "canlian pays 刘洋 75 min from 王秀英's hours at dongqu", committed=True)
    again = pb.CrossNodeTransfer()
    again.CopyFrom(pull)
    again.id = day.new_id()
    day.cross_submit(node, [again])
    day.outcome(node, again.id, "the same code used a second time", committed=False)


def refusals(day: Day) -> None:
    print("refusals (nothing moves)")
    node, li = day.members["李娜"]
    day.refused_local(
        node,
        day.move(li, day.members["刘洋"][1], 100_000, "too much"),
        "李娜 gives 1666.67 h she does not have",
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    item = pb.CrossNodeTransfer(
        id=day.new_id(),
        local_account_id=li,
        remote_node_id="dongqu",
        remote_account_id=b"\x00" * 15 + b"\x77",
        amount_minutes=10,
        memo="nobody",
    )
    day.cross_submit(node, [item])
    day.outcome(node, item.id, "李娜 -> an account dongqu does not have", committed=False)
    result = day.cross_submit(
        node,
        [
            pb.CrossNodeTransfer(
                id=day.new_id(),
                local_account_id=li,
                remote_node_id="dongqu",
                remote_account_id=day.members["王明"][1],
                amount_minutes=10**6,
                memo="too much",
            )
        ],
    )[0]
    expect(result.outcome == pb.OUTCOME_EXCEEDS_FLOOR, f"cross too much: {result.detail}")
    print(f"  refused  李娜 sends 16666.67 h to dongqu\n           {result.detail}")
    order = day.move(ISSUANCE, li, 10, "order 9")
    day.local(node, order, "李娜 +0.17 h (order 9)")
    order.amount_minutes += 1
    day.refused_local(node, order, "the same id again with another amount", grpc.StatusCode.ALREADY_EXISTS)


def crash_in_the_middle(day: Day) -> None:
    print(f"a burst of {BURST_TRANSFERS} transfers shiqi -> dongqu; dongqu killed (SIGKILL) and restarted")
    node, chen = day.members["陈静"]
    _, son = day.members["王明"]
    items = [
        pb.CrossNodeTransfer(
            id=day.new_id(),
            local_account_id=chen,
            remote_node_id="dongqu",
            remote_account_id=son,
            amount_minutes=1,
            memo=f"burst {n}",
        )
        for n in range(BURST_TRANSFERS)
    ]
    half = BURST_TRANSFERS // 2
    day.cross_submit(node, items[:half])
    day.city.restart_node("dongqu", crash=True)
    day.cross_submit(node, items[half:])
    print(f"  dongqu restarted on {day.city.nodes['dongqu'].address}")
    committed = sum(day.wait_final(node, item.id).state == pb.CROSS_NODE_STATE_COMMITTED for item in items)
    print(f"  every transfer final: {committed} committed, {BURST_TRANSFERS - committed} aborted")


def check_city(day: Day) -> dict[str, int]:
    """The checks of the end of the day; returns the hours held per node."""
    city = day.city
    engine = create_database_engine(city.clearinghouse_database)
    try:
        with engine.connect() as connection:
            book = positions(connection, list(city.nodes))
            decided = decisions(connection)
    finally:
        engine.dispose()
    for transfer_id in day.cross:
        state, reason = decided[int.from_bytes(transfer_id, "big")]
        expect(state in ("committed", "aborted"), f"{transfer_id.hex()}: {state} at the clearinghouse")
        for node_id in city.nodes:
            try:
                view = city.client(node_id).stub.GetCrossNodeTransfer(
                    pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10
                )
            except grpc.RpcError as error:
                expect(error.code() == grpc.StatusCode.NOT_FOUND, str(error))
                continue
            want = pb.CROSS_NODE_STATE_COMMITTED if state == "committed" else pb.CROSS_NODE_STATE_ABORTED
            expect(view.state == want, f"{transfer_id.hex()} at {node_id}: {view.state}, clearinghouse {state}")
    held = {}
    for node_id in city.nodes:
        client = city.client(node_id)
        clearing = client.get_account(CLEARING).account
        expect(
            clearing.debits_pending_minutes == 0 and clearing.credits_pending_minutes == 0,
            f"{node_id}: clearing account still has pending amounts",
        )
        balance = clearing.credits_posted_minutes - clearing.debits_posted_minutes
        expect(
            balance == -book[node_id].balance_minutes,
            f"{node_id}: clearing {balance}, clearinghouse view {book[node_id].balance_minutes}",
        )
        issued = -client.get_account(ISSUANCE).balance_minutes
        held[node_id] = issued - balance
        info = client.get_node_info()
        expect(not info.halted_reason, f"{node_id} halted: {info.halted_reason}")
    expect(sum(p.balance_minutes for p in book.values()) == 0, "clearinghouse positions do not sum to zero")
    members = sum(day.balance(name) for name in day.members)
    pooled = sum(
        city.client(node_id).get_account(account).balance_minutes
        for node_id in city.nodes
        for account in (DONATION_POOL, MALL, ADJUSTMENT)
    )
    expect(
        members + pooled == sum(held.values()),
        f"members hold {members} minutes and the pools and malls {pooled}, the city issued {sum(held.values())}",
    )
    return held


def settle_and_audit(day: Day) -> None:
    """Closes the cycle, writes the reconciliation report, exports and verifies the log."""
    city = day.city
    directory = city.directory
    address = city.clearinghouse.address
    with export.open_channel(address, directory / "bureau" / "tls", "clearinghouse") as channel:
        settlement_stub = cpb_grpc.SettlementStub(channel)
        closed = settlement_stub.CloseCycle(cpb.CloseCycleRequest(), timeout=30).cycle_close
        print(f"the bureau closed settlement cycle {closed.cycle_id}: {closed.committed_count} transfers")
        for position in closed.positions:
            print(f"  {position.node_id:<8} net {format_hours(position.net_minutes):>8} h")
        _wait_for_statements(city, closed.cycle_id)
        report = settlement_stub.GetReconReport(cpb.ReconReportRequest(cycle_id=closed.cycle_id), timeout=60)
    _write_report(directory / "reports", report, city)
    expect(report.break_count == 0, f"the reconciliation report shows {report.break_count} breaks")
    print(f"  reconciliation: 0 breaks; JSON, CSV, HTML and camt.053 statements in {directory / 'reports'}")
    auditor = directory / "auditor" / "tls"
    with export.open_channel(address, auditor, "clearinghouse") as channel:
        stub = lpb_grpc.TransparencyLogStub(channel)
        exported = export.export(stub, directory / "audit", lambda done, total: None)
        proof = export.prove(stub, int.from_bytes(day.cross[0], "big"))
    print(f"  exported the clearinghouse's log: {exported.entries} entries, {exported.checkpoints} checkpoints")
    _run_offline(["verify", str(directory / "audit")], "audit verify")
    credential = administrator_credential(city.node_config("shiqi"))
    with export.open_channel(city.nodes["shiqi"].address, None, "shiqi", credential) as channel:
        exported = export.export(lpb_grpc.TransparencyLogStub(channel), directory / "audit-shiqi", lambda d, t: None)
    print(f"  exported shiqi's log (postings and the services' events): {exported.entries} entries")
    _run_offline(["verify", str(directory / "audit-shiqi")], "audit verify shiqi")
    proof_path = directory / "proofs" / f"{day.cross[0].hex()}.proof"
    proof_path.parent.mkdir(exist_ok=True)
    proof_path.write_bytes(proof.SerializeToString())
    _run_offline(["verify-proof", str(proof_path)], "audit verify-proof")


def _wait_for_statements(city: RunningCity, cycle_id: int) -> None:
    engine = create_database_engine(city.clearinghouse_database)
    try:
        deadline = time.monotonic() + FINAL_TIMEOUT_SECONDS
        while True:
            with engine.connect() as connection:
                if settlement.all_statements_in(connection, cycle_id):
                    break
            expect(time.monotonic() < deadline, f"not every node sent its statement of cycle {cycle_id}")
            time.sleep(0.2)
    finally:
        engine.dispose()
    print(f"  every node sent its signed statement of cycle {cycle_id}")


def _write_report(folder: pathlib.Path, report: cpb.ReconReport, city: RunningCity) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"cycle-{report.cycle_id:06d}"
    stem.with_suffix(".json").write_bytes(report.json)
    stem.with_suffix(".csv").write_text(report.csv, encoding="utf-8", newline="")
    stem.with_suffix(".html").write_text(report.html, encoding="utf-8")
    signature = {"key_id": report.key_id, "purpose": reports.REPORT_PURPOSE, "signature": report.signature.hex()}
    stem.with_suffix(".json.sig").write_text(json.dumps(signature, sort_keys=True) + "\n", encoding="utf-8")
    engine = create_database_engine(city.clearinghouse_database)
    try:
        with engine.connect() as connection:
            reports.camt053_files(connection, report.cycle_id, folder)
    finally:
        engine.dispose()


def _run_offline(arguments: list[str], name: str) -> None:
    """Runs an audit command as an auditor would, in its own process; its output is shown."""
    completed = subprocess.run(
        [sys.executable, "-m", "city.cli", "audit", *arguments], capture_output=True, text=True, timeout=300
    )
    for line in completed.stdout.strip().splitlines()[-6:]:
        print(f"  {name}: {line}")
    expect(
        completed.returncode == 0,
        f"`timebank audit {' '.join(arguments)}` exited {completed.returncode}: "
        f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}",
    )


def print_balances(day: Day, held: dict[str, int]) -> None:
    print("balances at the end of the day")
    for name, (node, _account) in day.members.items():
        print(f"  {padded(name, 6)} at {node:<8} {format_hours(day.balance(name)):>7} h")
    for node_id, minutes in held.items():
        print(f"  node {node_id:<8} issued less redeemed, net of clearing: {format_hours(minutes)} h")


def run_demo(arguments: argparse.Namespace) -> int:
    directory = arguments.dir or pathlib.Path(tempfile.mkdtemp(prefix="timebank-demo-"))
    print(f"demo folder: {directory}")
    started = time.monotonic()
    try:
        with demo_databases(arguments.backend, arguments.database_url, arguments.keep) as databases:
            _run_city(directory, databases, arguments.keep)
    except (DemoFailed, processes.StartFailed) as failure:
        print(f"DEMO FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"demo passed in {time.monotonic() - started:.1f} s: every check held")
    return 0


def _run_city(directory: pathlib.Path, databases: dict[str, str] | None, keep: bool) -> None:
    city = None
    try:
        clock_file = directory / "clock-offset"
        clock_file.parent.mkdir(parents=True, exist_ok=True)
        clock_file.write_text("0\n", encoding="ascii")
        shared = {OFFSET_FILE_VARIABLE: str(clock_file)}  # every party: the demo moves the city's time
        # The nodes report their figures to the bureau every few seconds, so that its console shows the day.
        reporting = {**shared, "TIMEBANK_CLEARINGHOUSE__SUPERVISION_REPORT_SECONDS": str(DEMO_REPORT_SECONDS)}
        guarantee = {**shared, "TIMEBANK_SUPERVISION__GUARANTEE_MINUTES": str(DEMO_GUARANTEE_MINUTES)}
        environments = {CLEARINGHOUSE_ID: guarantee, **{plan.node_id: reporting for plan in CITY}}
        city = start_city(directory, CITY, environments=environments, database_urls=databases)
        backend = "PostgreSQL" if databases else "SQLite"
        print(
            f"clearinghouse on {city.clearinghouse.address}; nodes: "
            + ", ".join(f"{n} on {p.address}" for n, p in city.nodes.items())
            + f" (mutual TLS, {backend})"
        )
        print("metrics: " + ", ".join(f"{party} {url}" for party, url in metrics_urls(city).items()))
        print("\n".join(office.open_offices(city)))
        day = Day(city)
        drive_day(day)
        registered = democare.run_services(day, CityClock(clock_file), expect)
        print("\n".join(office.open_phones(city, registered)))
        held = check_city(day)
        print_balances(day, held)
        print("checks: every cross-node transfer final and the same on both nodes and at the clearinghouse;")
        print("        books balance at every node; clearing = -(clearinghouse view); hours conserved")
        print("        (members, donation pools and malls hold exactly what the nodes issued)")
        settle_and_audit(day)
    finally:
        if city is not None and not keep:
            city.stop()
    if keep:
        bureau = [city.bureau_console] if city.bureau_console is not None else []
        pids = " ".join(
            str(p.pid) for p in [city.clearinghouse, *city.nodes.values(), *city.consoles.values(), *bureau]
        )
        print(f"--keep: the city is still running; stop it with: kill {pids}")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="a whole city on loopback with a day of real traffic")
    parser.add_argument("--dir", type=pathlib.Path, help="folder for the city (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="leave the city running (and its databases) at the end")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite", help="default sqlite")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL only: a server URL whose user may create databases; one database per party is made "
        "there (timebank_demo_<random>_<party>) and dropped at the end unless --keep",
    )
    parser.set_defaults(handler=run_demo)
