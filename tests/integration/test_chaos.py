"""Chaos with real processes: a clearinghouse and three nodes, a fault proxy on every link,
SIGKILLs at random moments, and on PostgreSQL a server restart mid-load.

A bounded load of cross-node transfers runs while a seeded schedule delays, black-holes and
cuts the links and kills and restarts parties. Then everything heals, and the test checks
what the demo checks at the end of its day (every acknowledged transfer final and the same
at both nodes and the clearinghouse, each node's clearing position the negative of the
clearinghouse's view, members holding what the nodes issued), closes a cycle, reconciles it
with 0 breaks and runs `timebank audit verify` on the clearinghouse's exported log. It prints
what it injected and what it verified.
"""

from __future__ import annotations

import os
import pathlib
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
import pytest

from city.demo.day import ISSUANCE, Day, check_city, demo_databases, settle_and_audit
from city.running import CITY, RunningCity, start_city
from tests.support.faultproxy import FaultProxy
from timebank.v1 import ledger_pb2 as pb

TRANSFERS = 100
MEMBERS_PER_NODE = 2
MINTED_MINUTES = 2_000
AMOUNT_MINUTES_MAX = 40
KILLS_MAX = 4
DATABASE_RESTART_AT_FAULT = 6
FAULT_PAUSE_SECONDS = (0.2, 0.8)
SUBMIT_ATTEMPTS_MAX = 40
RETRY_PAUSE_SECONDS = 0.25
LOAD_PAUSE_SECONDS = 0.1
LOAD_TIMEOUT_SECONDS = 240.0
SEED = int(os.environ.get("TIMEBANK_CHAOS_SEED", "20261129"))
CLUSTER_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "postgres_cluster.sh"


class Chaos:
    """The schedule of faults, run in its own thread until the load is done."""

    def __init__(
        self, day: Day, proxies: dict[str, FaultProxy], seed: int, restart_database: Callable[[], None] | None
    ):
        self.day = day
        self.proxies = proxies
        self.generator = random.Random(seed)
        self.restart_database = restart_database
        self.counts: Counter[str] = Counter()
        self.done = threading.Event()
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.done.set()
        self._thread.join(timeout=120)
        for proxy in self.proxies.values():
            proxy.set_mode("pass")

    def _run(self) -> None:
        try:
            faults = 0
            while not self.done.wait(self.generator.uniform(*FAULT_PAUSE_SECONDS)):
                faults += 1
                if faults == DATABASE_RESTART_AT_FAULT and self.restart_database is not None:
                    self.restart_database()  # mid-load: every party's connections break at once
                    self.counts["database restarts"] += 1
                    continue
                self._one_fault()
        except BaseException as error:  # reported by the test
            self.failure = error

    def _one_fault(self) -> None:
        generator = self.generator
        proxy = self.proxies[generator.choice(sorted(self.proxies))]
        choice = generator.random()
        if choice < 0.3:
            proxy.set_mode("delay", generator.uniform(0.01, 0.3))
        elif choice < 0.5:
            proxy.set_mode("blackhole")
            time.sleep(generator.uniform(0.5, 2.0))
            proxy.set_mode("pass")
        elif choice < 0.7:
            proxy.cut()  # counted by the proxy
        elif choice < 0.85 and self.counts["kills"] < KILLS_MAX:
            self._kill(generator.choice(["clearinghouse", *sorted(self.proxies)]))
        else:
            proxy.set_mode("pass")

    def _kill(self, name: str) -> None:
        city = self.day.city
        self.counts["kills"] += 1
        self.counts[f"kills of {name}"] += 1
        if name == "clearinghouse":
            city.clearinghouse.kill()
            time.sleep(self.generator.uniform(0.2, 1.5))
            city.clearinghouse.restart()
        else:
            city.restart_node(name, crash=True)


RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)


class Load:
    """TRANSFERS cross-node transfers, each retried with the same id until its origin answers."""

    def __init__(self, day: Day, seed: int) -> None:
        self.day = day
        self.generator = random.Random(seed)
        self.acknowledged: list[bytes] = []
        self.refused = 0
        self.retries = 0

    def run(self) -> None:
        names = sorted(self.day.members)
        deadline = time.monotonic() + LOAD_TIMEOUT_SECONDS
        for _ in range(TRANSFERS):
            source = self.generator.choice(names)
            node, account = self.day.members[source]
            target = self.generator.choice([n for n in names if self.day.members[n][0] != node])
            remote_node, remote_account = self.day.members[target]
            item = pb.CrossNodeTransfer(
                id=self.day.new_id(),
                local_account_id=account,
                remote_node_id=remote_node,
                remote_account_id=remote_account,
                amount_minutes=self.generator.randint(1, AMOUNT_MINUTES_MAX),
                memo="chaos",
            )
            self._submit(node, item, deadline)
            time.sleep(LOAD_PAUSE_SECONDS)

    def _submit(self, node: str, item: pb.CrossNodeTransfer, deadline: float) -> None:
        for _ in range(SUBMIT_ATTEMPTS_MAX):
            try:
                stub = self.day.city.client(node).stub
                response = stub.SubmitCrossNodeTransfers(
                    pb.SubmitCrossNodeTransfersRequest(transfers=[item]), timeout=10
                )
            except grpc.RpcError as error:
                # CANCELLED: the chaos thread closed this node's channel to restart the node while the
                # call was in flight. Any of the three leaves the outcome unknown: the same id again.
                if error.code() not in RETRYABLE:
                    raise
                assert time.monotonic() < deadline, "the load did not finish in time"
                self.retries += 1
                time.sleep(RETRY_PAUSE_SECONDS)  # the node is down or restarting: the same id again
                continue
            outcome = response.results[0].outcome
            if outcome in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):
                self.acknowledged.append(item.id)
            else:
                self.refused += 1
            return
        raise AssertionError(f"transfer {item.id.hex()} unanswered after {SUBMIT_ATTEMPTS_MAX} attempts")


def run_chaos(directory: pathlib.Path, seed: int, database_urls: dict[str, str] | None, restart_database) -> str:  # type: ignore[no-untyped-def]
    proxies = {plan.node_id: FaultProxy(plan.node_id) for plan in CITY}
    environments = {node_id: {"TIMEBANK_CLEARINGHOUSE__ADDRESS": p.address} for node_id, p in proxies.items()}
    city = start_city(directory, CITY, environments=environments, database_urls=database_urls)
    try:
        return _chaos_day(city, proxies, seed, restart_database)
    except Exception as error:
        # A stall or a failure says what each party was doing: the end of its log.
        raise AssertionError(f"chaos seed {seed} failed: {error!r}\n{_log_tails(city)}") from error
    finally:
        city.stop()
        for proxy in proxies.values():
            proxy.stop()


def _log_tails(city: RunningCity, characters_max: int = 3_000) -> str:
    parties = {"clearinghouse": city.clearinghouse, **city.nodes}
    tails = []
    for party in parties.values():
        text = party.log_path.read_text(encoding="utf-8", errors="replace")
        tails.append(f"--- the end of {party.log_path}:\n{text[-characters_max:]}")
    return "\n".join(tails)


def _chaos_day(city: RunningCity, proxies: dict[str, FaultProxy], seed: int, restart_database) -> str:  # type: ignore[no-untyped-def]
    host, port = city.clearinghouse.address.rsplit(":", 1)
    for proxy in proxies.values():
        proxy.upstream = (host, int(port))
    day = Day(city)
    for plan in CITY:
        for number in range(MEMBERS_PER_NODE):
            account = day.register(plan.node_id, f"{plan.node_id}-{number}")
            day.city.client(plan.node_id).submit_transfer(day.move(ISSUANCE, account, MINTED_MINUTES, "minted"))
    chaos = Chaos(day, proxies, seed, restart_database)
    load = Load(day, seed + 1)
    chaos.start()
    try:
        load.run()
    finally:
        chaos.stop()
    assert chaos.failure is None, f"the chaos schedule failed: {chaos.failure!r}"
    day.cross = list(load.acknowledged)
    for transfer_id in day.cross:  # healed: every acknowledged transfer becomes final at its origin
        for node in day.city.nodes:
            try:
                day.wait_final(node, transfer_id)
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.NOT_FOUND, error
    check_city(day)
    settle_and_audit(day)
    injected = Counter(chaos.counts)
    for proxy in proxies.values():
        injected.update({f"proxy {k}": v for k, v in proxy.counts.items() if k != "connections"})
    return (
        f"chaos seed {seed}: injected {dict(sorted(injected.items()))}; "
        f"{len(load.acknowledged)} transfers acknowledged, {load.refused} refused, {load.retries} retries; "
        "verified: all final and equal everywhere, positions mirrored, hours conserved, "
        "cycle reconciled with 0 breaks, audit verify clean"
    )


def test_chaos_on_sqlite(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_chaos(tmp_path / "city", SEED, None, None)
    with capsys.disabled():
        print(f"\n{summary}")


@contextmanager
def _own_cluster() -> Iterator[tuple[str, pathlib.Path]]:
    """A PostgreSQL cluster of this test's own, so it can be restarted without disturbing others.

    Its folder is directly under the system's temporary folder: the unprivileged user that
    runs the server must be able to reach it (pytest's own folders are private to root).
    """
    directory = pathlib.Path(tempfile.mkdtemp(prefix="timebank-chaos-postgresql-"))
    started = subprocess.run(
        [str(CLUSTER_SCRIPT), "start", str(directory)], capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip(), directory
    finally:
        subprocess.run([str(CLUSTER_SCRIPT), "stop", str(directory)], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def test_chaos_on_postgresql_with_a_server_restart(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not os.environ.get("TIMEBANK_TEST_POSTGRESQL_URL"):
        pytest.skip("TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)")
    with _own_cluster() as (url, cluster), demo_databases("postgresql", url, keep=False) as urls:

        def restart_database() -> None:
            command = [str(CLUSTER_SCRIPT), "restart", str(cluster)]
            restarted = subprocess.run(command, capture_output=True, text=True, timeout=120)
            assert restarted.returncode == 0, restarted.stderr

        summary = run_chaos(tmp_path / "city", SEED + 7, urls, restart_database)
    assert "'database restarts': 1" in summary, summary
    with capsys.disabled():
        print(f"\n{summary}")
