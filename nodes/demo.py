"""`timebank demo`: the main job. A real node process on loopback and a small day of traffic.

Creates a node in a folder (a new temporary one unless --dir is given; its files stay),
starts `timebank node serve` as a separate process, and drives it through the public
gRPC API only: members registered, hours deposited for services, a transfer to family,
a redemption held pending then posted, a voided hold, refusals (not enough hours, an
unknown account, a reused id with another body), a correction by reversal, an
idempotent retry, then SIGKILL and restart of the node to show nothing acknowledged is
lost. It prints balances and a statement, checks that the books balance, and exits 0
only if every check held.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from nodes.client import NodeClient
from nodes.init import init_node
from timebank.clock import SystemClock
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, format_hours
from timebank.v1 import ledger_pb2 as pb

START_TIMEOUT_SECONDS = 30.0


class DemoFailed(Exception):
    pass


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run a node on loopback with a day of traffic")
    parser.add_argument("--dir", type=pathlib.Path, help="folder for the node (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="leave the node running at the end")
    parser.set_defaults(handler=run_demo)


@contextmanager
def node_process(
    config: pathlib.Path, log_path: pathlib.Path, *, keep: bool = False
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Starts `timebank node serve` and yields (process, address) once it serves.

    The node writes to log_path; on leaving, it is stopped with SIGTERM unless keep.
    """
    offset = log_path.stat().st_size if log_path.exists() else 0
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "timebank.cli", "node", "serve", "--config", str(config)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=keep,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield process, _wait_for_address(process, log_path, offset)
    finally:
        if not keep and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=START_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_address(process: subprocess.Popen[bytes], log_path: pathlib.Path, offset: int) -> str:
    """Reads the node's log from offset until it says where it serves (bounded in time)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        with open(log_path, "rb") as log:
            log.seek(offset)
            for line in log.read().decode("utf-8", "replace").splitlines():
                if " serving on " in line:
                    return line.rsplit(" serving on ", 1)[1].split()[0]
        time.sleep(0.05)
    text = log_path.read_text(encoding="utf-8", errors="replace")[offset:][-2000:]
    raise DemoFailed(f"the node did not start; the end of {log_path}:\n{text}")


class Day:
    """The scripted day; every step checks what it expects."""

    def __init__(self, client: NodeClient) -> None:
        self.client = client
        self.names: dict[bytes, str] = {}
        self.counter = 0

    def new_id(self) -> bytes:
        self.counter += 1
        return (0xDE70_0000_0000_0000_0000_0000_0000_0000 + self.counter).to_bytes(16, "big")

    def member(self, holder: str) -> bytes:
        account_id = self.new_id()
        result = self.client.create_accounts(
            [pb.Account(id=account_id, kind=pb.ACCOUNT_KIND_MEMBER, holder=holder)]
        ).results[0]
        _expect(result.outcome == pb.OUTCOME_OK, f"create {holder}: {result.detail}")
        self.names[account_id] = holder
        print(f"  registered {holder:<6} account {account_id.hex()}")
        return account_id

    def transfer(self, transfer: pb.Transfer, say: str) -> pb.SubmitTransferResponse:
        response = self.client.submit_transfer(transfer)
        print(f"  ok      {say}")
        return response

    def refused(self, transfer: pb.Transfer, say: str, code: grpc.StatusCode) -> None:
        try:
            self.client.submit_transfer(transfer)
        except grpc.RpcError as error:
            _expect(error.code() == code, f"{say}: got {error.code().name}, want {code.name}")
            print(f"  refused {say}\n          {error.code().name}: {error.details()}")
            return
        raise DemoFailed(f"{say}: was accepted, want refused with {code.name}")

    def move(self, source: bytes, destination: bytes, minutes: int, memo: str, **extra: Any) -> pb.Transfer:
        return pb.Transfer(
            id=extra.pop("id", None) or self.new_id(),
            kind=extra.pop("kind", pb.TRANSFER_KIND_SINGLE_PHASE),
            debit_account_id=source,
            credit_account_id=destination,
            amount_minutes=minutes,
            memo=memo,
            **extra,
        )

    def balance(self, account_id: bytes) -> int:
        return self.client.get_account(account_id).balance_minutes


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


def _system(kind: AccountKind) -> bytes:
    return SYSTEM_ACCOUNT_IDS[kind].to_bytes(16, "big")


def drive_day(day: Day) -> dict[str, bytes]:
    issuance = _system(AccountKind.ISSUANCE)
    print("members")
    zhang, li, wang = day.member("张伟"), day.member("李娜"), day.member("王秀英")
    son = day.member("王明")
    print("services rendered: hours deposited")
    day.transfer(day.move(issuance, zhang, 120, "order 1001: 助餐 meal delivery"), "张伟 +2.00 h (meals)")
    day.transfer(day.move(issuance, li, 90, "order 1002: 助医 medical visit"), "李娜 +1.50 h (medical)")
    day.transfer(day.move(issuance, zhang, 60, "order 1003: 情感慰藉 companionship"), "张伟 +1.00 h")
    print("family transfer")
    day.transfer(day.move(zhang, wang, 90, "gift to grandmother"), "张伟 -> 王秀英 1.50 h (family)")
    print("redemption: hold, then post what was served")
    hold = day.move(wang, issuance, 60, "order 2001: 助洁 cleaning", kind=pb.TRANSFER_KIND_PENDING)
    day.transfer(hold, "王秀英 holds 1.00 h for a cleaning visit")
    day.transfer(
        pb.Transfer(
            id=day.new_id(),
            kind=pb.TRANSFER_KIND_POST_PENDING,
            pending_id=hold.id,
            amount_minutes=45,
            memo="served 45 min",
        ),
        "post 45 min, 15 min released",
    )
    cancelled = day.move(li, issuance, 30, "order 2002 (cancelled)", kind=pb.TRANSFER_KIND_PENDING)
    day.transfer(cancelled, "李娜 holds 0.50 h")
    day.transfer(
        pb.Transfer(id=day.new_id(), kind=pb.TRANSFER_KIND_VOID_PENDING, pending_id=cancelled.id),
        "void the hold: visit cancelled",
    )
    print("refusals (nothing is written)")
    day.refused(
        day.move(li, son, 10_000, "too much"),
        "李娜 gives 166.67 h she does not have",
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    day.refused(
        day.move(zhang, bytes(15) + b"\x99" * 1, 10, "nobody"),
        "transfer to an unknown account",
        grpc.StatusCode.NOT_FOUND,
    )
    first = day.move(issuance, son, 30, "order 1004")
    day.transfer(first, "王明 +0.50 h")
    day.transfer(first, "the same transfer retried: answered EXISTS, nothing doubled")
    changed = pb.Transfer()
    changed.CopyFrom(first)
    changed.amount_minutes = 300
    day.refused(changed, "the same id with another amount", grpc.StatusCode.ALREADY_EXISTS)
    print("correction: order 1003 was recorded 20 minutes too long")
    original_id = bytes.fromhex(day.client.get_statement(zhang).entries[1].stored.transfer.id.hex())
    day.transfer(
        day.move(zhang, issuance, 20, "correction of order 1003", reverses_id=original_id),
        "reverse 20 min of order 1003",
    )
    day.refused(
        day.move(zhang, issuance, 50, "too much", reverses_id=original_id),
        "reverse 50 more (only 40 left)",
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    return {"张伟": zhang, "李娜": li, "王秀英": wang, "王明": son}


def expected_balances() -> dict[str, int]:
    return {"张伟": 120 + 60 - 90 - 20, "李娜": 90, "王秀英": 90 - 45, "王明": 30}


def check_books(client: NodeClient, members: dict[str, bytes]) -> dict[str, int]:
    balances = {name: client.get_account(account).balance_minutes for name, account in members.items()}
    _expect(balances == expected_balances(), f"balances: got {balances}, want {expected_balances()}")
    total, pending = 0, 0
    for account in [*members.values(), *(_system(kind) for kind in SYSTEM_ACCOUNT_IDS)]:
        response = client.get_account(account)
        total += response.balance_minutes
        pending += response.account.credits_pending_minutes - response.account.debits_pending_minutes
    _expect(total == 0 and pending == 0, f"books: balances sum to {total}, pending to {pending}; want 0")
    info = client.get_node_info()
    _expect(not info.halted_reason, f"node halted: {info.halted_reason}")
    return balances


def print_balances(client: NodeClient, members: dict[str, bytes]) -> None:
    print("balances")
    for name, account in members.items():
        print(f"  {name:<6} {format_hours(client.get_account(account).balance_minutes):>7} h")
    issued = -client.get_account(_system(AccountKind.ISSUANCE)).balance_minutes
    print(f"  hours issued less redeemed: {format_hours(issued)} h")


def run_demo(arguments: argparse.Namespace) -> int:
    directory = arguments.dir or pathlib.Path(tempfile.mkdtemp(prefix="timebank-demo-"))
    print(f"demo folder: {directory}")
    config = init_node(
        directory / "shiqi",
        node_id="shiqi",
        display_name="石岐街道",
        kind="district",
        clock=SystemClock(),
        listen="127.0.0.1:0",
    )
    config_path = directory / "shiqi" / "node.toml"
    log_path = directory / "shiqi" / "node.log"
    print(f"node {config.node.id} ({config.node.display_name}) created")
    try:
        with node_process(config_path, log_path) as (process, address):
            print(f"node serving on {address} (pid {process.pid})")
            with NodeClient(address) as client:
                members = drive_day(Day(client))
                before = check_books(client, members)
                print_balances(client, members)
            print("crash: SIGKILL the node, then restart it")
            process.kill()
            process.wait()
        with node_process(config_path, log_path, keep=arguments.keep) as (process, address):
            with NodeClient(address) as client:
                after = check_books(client, members)
                _expect(after == before, f"after restart: got {after}, want {before}")
                print(f"  restarted on {address}: every balance as before, books balance")
                statement = client.get_statement(members["张伟"])
                print(
                    f"statement of 张伟: opening {format_hours(statement.opening_balance_minutes)} h, "
                    f"{len(statement.entries)} entries, closing "
                    f"{format_hours(statement.closing_balance_minutes)} h"
                )
                if arguments.keep:
                    print(
                        f"--keep: node left running on {address}, pid {process.pid}; "
                        f"stop it with: kill {process.pid}"
                    )
    except DemoFailed as failure:
        print(f"DEMO FAILED: {failure}", file=sys.stderr)
        return 1
    print("demo passed: every check held")
    return 0
