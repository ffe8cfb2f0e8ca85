"""The failover drill of the clearinghouse, under steady cross-node load, on PostgreSQL.

Two clearinghouse processes share one database: ch-a active, ch-b standing by (gRPC health
NOT_SERVING). The nodes are configured with both addresses and send only to the one whose
health says SERVING. Each step injects a fault while transfers keep coming, and times how
long a transfer submitted at that moment takes to commit at its origin:

1. SIGKILL the active one: the standby takes the lease when it ends and serves.
2. Restart the killed one (it stands by), SIGSTOP the active one past its lease: the other
   takes over; SIGCONT the paused one: its term is stale, it writes nothing that counts and
   steps down to stand by on its own.

Then the checks of the demo's end of day: every acknowledged transfer final and the same at
both nodes and the clearinghouse, each node's clearing account the exact negative of the
clearinghouse's view, hours conserved; a cycle closed and reconciled with 0 breaks; the
clearinghouse's log exported and verified clean. The downtimes are printed.
"""

from __future__ import annotations

import os
import pathlib
import signal
import threading
import time
from collections.abc import Callable

import grpc
import pytest

from city import processes
from city.demo.day import ISSUANCE, Day, check_city, settle_and_audit
from city.init import NodePlan, init_city
from city.running import CITY, RunningCity
from clearinghouse.config import load_clearinghouse_config
from nodes.config import load_node_config
from timebank.clock import SystemClock
from timebank.config import parse_listen_address
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import ledger_pb2 as pb

LEASE_SECONDS = 3
MINTED_MINUTES = 100_000
LOAD_PAUSE_SECONDS = 0.1
LOAD_BATCH = 5
TAKEOVER_SECONDS_MAX = 10.0  # from the fault to the other process serving
STEP_SECONDS_MAX = 30.0  # from the fault to a new transfer committed at its origin
PAUSED_SECONDS = LEASE_SECONDS * 2 + 1
RESTANDBY_SECONDS_MAX = 30.0  # shutdown_grace_seconds (10) + STOP_WAIT_SECONDS_MAX (10) + margin


class Load:
    """Cross-node transfers from shiqi to dongqu in small batches until stopped (a thread)."""

    def __init__(self, day: Day, payer: bytes, payee: bytes) -> None:
        self.day, self.payer, self.payee = day, payer, payee
        self.stopping = threading.Event()
        self.failures = 0
        self.thread = threading.Thread(target=self._run, name="load", daemon=True)

    def _run(self) -> None:
        while not self.stopping.wait(LOAD_PAUSE_SECONDS):
            items = [self.item() for _ in range(LOAD_BATCH)]
            try:
                self.day.cross_submit("shiqi", items)
            except grpc.RpcError:
                self.failures += 1

    def item(self) -> pb.CrossNodeTransfer:
        return pb.CrossNodeTransfer(
            id=self.day.new_id(),
            local_account_id=self.payer,
            remote_node_id="dongqu",
            remote_account_id=self.payee,
            amount_minutes=1,
            memo="load",
        )


def _port_outside(taken: set[int]) -> int:
    for _ in range(processes.PORT_SEARCH_ATTEMPTS_MAX):
        port = processes.free_port_range(1)
        if port not in taken:
            return port
    raise AssertionError(f"no free port outside {sorted(taken)}")


def _start(directory: pathlib.Path, database_urls: dict[str, str]) -> tuple[RunningCity, processes.Party]:
    """The city with ch-a active and ch-b standing by; the nodes know both addresses."""
    base = processes.free_port_range(len(CITY) + 1)
    plan = [NodePlan(p.node_id, p.display_name, p.kind, f"127.0.0.1:{base + 1 + i}") for i, p in enumerate(CITY)]
    made = init_city(directory, plan, clock=SystemClock(), base_port=base, database_urls=database_urls)
    listens = [load_clearinghouse_config(made.clearinghouse_config).metrics.listen]
    listens += [load_node_config(path).metrics.listen for _node, path in made.nodes]
    taken = {base + i for i in range(len(plan) + 1)} | {parse_listen_address(a)[1] for a in listens if a}
    active, standby = f"127.0.0.1:{base}", f"127.0.0.1:{_port_outside(taken)}"
    command = processes.timebank_command("clearinghouse", "serve", "--config", str(made.clearinghouse_config))
    lease = {"TIMEBANK_SERVER__LEASE_SECONDS": str(LEASE_SECONDS)}
    first = processes.start(
        command, directory / "clearinghouse" / "ch-a.log", environment={**lease, "TIMEBANK_SERVER__INSTANCE": "ch-a"}
    )
    second_environment = {
        **lease,
        "TIMEBANK_SERVER__INSTANCE": "ch-b",
        "TIMEBANK_SERVER__LISTEN": standby,
        "TIMEBANK_METRICS__LISTEN": "",
    }
    second = processes.start(
        command, directory / "clearinghouse" / "ch-b.log", environment=second_environment, ready=processes.STANDBY
    )
    nodes = {}
    for node, config in made.nodes:
        nodes[node.node_id] = processes.start(
            processes.timebank_command("node", "serve", "--config", str(config)),
            config.parent / "node.log",
            environment={
                "TIMEBANK_CLEARINGHOUSE__ADDRESS": f"{active},{standby}",
                "TIMEBANK_CLEARINGHOUSE__RETRY_BACKOFF_MAX_SECONDS": "1",
            },
        )
    return RunningCity(directory, first, database_urls[CLEARINGHOUSE_ID], nodes), second


def _wait_for_line(party: processes.Party, text: str, offset: int, seconds: float) -> float:
    """Seconds until the party's log shows text after offset (AssertionError after seconds)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in party.log_path.read_text(encoding="utf-8", errors="replace")[offset:]:
            return time.monotonic() - started
        time.sleep(0.05)
    tail = party.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise AssertionError(f"{party.log_path.name}: no {text!r} within {seconds} s; its end:\n{tail}")


def _log_size(party: processes.Party) -> int:
    return len(party.log_path.read_text(encoding="utf-8", errors="replace"))


def _downtime(day: Day, load: Load, fault: Callable[[], None], successor: processes.Party) -> tuple[float, float]:
    """Injects fault; seconds until successor says it serves, and until a transfer submitted
    at that moment commits at its origin."""
    probe = load.item()
    offset = _log_size(successor)
    fault()
    started = time.monotonic()
    day.cross_submit("shiqi", [probe])
    serving = committed = None
    while time.monotonic() - started < STEP_SECONDS_MAX and (serving is None or committed is None):
        if serving is None and " serving on " in successor.log_path.read_text(errors="replace")[offset:]:
            serving = time.monotonic() - started
        if committed is None:
            view = day.city.client("shiqi").stub.GetCrossNodeTransfer(
                pb.GetCrossNodeTransferRequest(id=probe.id), timeout=10
            )
            assert view.state in (pb.CROSS_NODE_STATE_HELD, pb.CROSS_NODE_STATE_COMMITTED), view
            if view.state == pb.CROSS_NODE_STATE_COMMITTED:
                committed = time.monotonic() - started
        time.sleep(0.02)
    assert serving is not None, f"{successor.log_path.name}: not serving {STEP_SECONDS_MAX} s after the fault"
    assert committed is not None, f"a transfer submitted at the fault was not committed within {STEP_SECONDS_MAX} s"
    assert serving <= TAKEOVER_SECONDS_MAX, f"the takeover took {serving:.1f} s"
    return serving, committed


@pytest.mark.slow
@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_the_clearinghouse_fails_over_under_load(
    city_databases: dict[str, str], tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city, standby = _start(tmp_path / "city", city_databases)
    first = city.clearinghouse
    parties = [first, standby]
    day = Day(city)
    try:
        payer, payee = day.register("shiqi", "payer"), day.register("dongqu", "payee")
        day.local("shiqi", day.move(ISSUANCE, payer, MINTED_MINUTES, "minted"), "minted")
        load = Load(day, payer, payee)
        load.thread.start()
        time.sleep(1)

        # 1. The active one is killed: the standby takes over.
        takeover, killed = _downtime(day, load, first.kill, standby)
        city.clearinghouse = standby

        # 2. The killed one comes back as a standby; the active one is paused past its lease.
        first = processes.start(first.command, first.log_path, environment=first.environment, ready=processes.STANDBY)
        parties.append(first)
        offset_paused = _log_size(standby)
        pause_started = time.monotonic()
        try:
            second_takeover, paused = _downtime(day, load, lambda: os.kill(standby.pid, signal.SIGSTOP), first)
            city.clearinghouse = first
            time.sleep(max(0.0, PAUSED_SECONDS - (time.monotonic() - pause_started)))
        finally:
            os.kill(standby.pid, signal.SIGCONT)
        stepped = _wait_for_line(standby, "stepping down", offset_paused, TAKEOVER_SECONDS_MAX)
        # Standing by again follows the server's bounded drain (grace, then the wait for idle).
        _wait_for_line(standby, processes.STANDBY, offset_paused, RESTANDBY_SECONDS_MAX)
        time.sleep(1)
        load.stopping.set()
        load.thread.join(timeout=30)
        assert load.failures == 0, f"{load.failures} submits at the origin failed"

        for transfer_id in day.cross:
            day.wait_final("shiqi", transfer_id)
            day.wait_final("dongqu", transfer_id)
        check_city(day)
        settle_and_audit(day)
        assert first.alive() and standby.alive()
    finally:
        for party in [*city.nodes.values(), *parties]:
            party.stop()
    with capsys.disabled():
        print(
            f"\nfailover drill ({len(day.cross)} transfers, lease {LEASE_SECONDS} s): "
            f"SIGKILL of the active clearinghouse: the standby served after {takeover:.1f} s, "
            f"a transfer submitted then committed after {killed:.1f} s; "
            f"the active paused (SIGSTOP): the other served after {second_takeover:.1f} s, "
            f"committed after {paused:.1f} s; after SIGCONT the paused one stepped down in {stepped:.1f} s"
        )
