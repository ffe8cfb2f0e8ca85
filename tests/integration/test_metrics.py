"""Metrics and status of a running city: every series scraped over HTTP, refused calls counted by
status code, `timebank status` for a healthy node, the clearinghouse and an unreachable node, and
the metrics of the demo's real processes while traffic flows."""

from __future__ import annotations

import pathlib
import subprocess
import urllib.request
from collections.abc import Iterable

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from city import processes
from city.demo.day import Day
from city.running import CITY, metrics_urls, start_city
from clearinghouse import reports, settlement
from tests.support.city import NODES, RunningTestCity, raw, wait_for
from timebank import keys, metrics
from timebank.config import parse_listen_address
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import ledger_pb2 as pb

Samples = dict[str, list[tuple[dict[str, str], float]]]
NODE_LEDGER = "/timebank.v1.NodeLedger"
STATUS_TIMEOUT_SECONDS = 60
FRESH_SECONDS = 60.0
ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE].to_bytes(16, "big")


def scrape(url: str) -> Samples:
    """Every sample of the endpoint, by sample name (counters end in _total)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        text = response.read().decode("utf-8")
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    """The one sample of a series with exactly these labels (among others)."""
    matching = [v for found, v in samples.get(name, []) if all(found.get(k) == w for k, w in labels.items())]
    assert len(matching) == 1, f"{name}{labels}: got {matching} in {sorted(samples)}"
    return matching[0]


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    return {found[label]: v for found, v in samples.get(name, [])}


def assert_fresh(seconds: float) -> None:
    assert 0 <= seconds < FRESH_SECONDS


def node_url(city: RunningTestCity, node_id: str) -> str:
    endpoint = city.nodes[node_id].metrics
    assert endpoint is not None, "city init turns metrics on"
    return metrics.url(city.node_configs[node_id].metrics.listen, endpoint.port)


def clearinghouse_url(city: RunningTestCity) -> str:
    assert city.clearinghouse is not None and city.clearinghouse.metrics is not None
    return metrics.url(city.clearinghouse_config.metrics.listen, city.clearinghouse.metrics.port)


def cross_transfer(city: RunningTestCity, number: int, source: str, target: str, minutes: int) -> bytes:
    transfer_id = raw(0x3E7C << 112 | number)
    result = city.submit(
        source,
        id=transfer_id,
        local_account_id=raw(0xA000 << 112 | 1),
        remote_node_id=target,
        remote_account_id=raw(0xA000 << 112 | 2),
        amount_minutes=minutes,
        memo=f"metrics {number}",
    )
    assert result.outcome == pb.OUTCOME_OK, result
    for node_id in (source, target):
        assert city.final(node_id, transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED
    return transfer_id


def settle(city: RunningTestCity) -> int:
    """Closes the open cycle, waits for every statement, and makes the reconciliation report."""
    assert city.clearinghouse is not None
    coordinator = city.clearinghouse.coordinator
    closed = coordinator.close_cycle()
    assert closed is not None

    def all_in() -> bool:
        with coordinator.books.engine.connect() as connection:
            return settlement.all_statements_in(connection, closed.cycle_id)

    wait_for(all_in, bool)
    key = keys.load_signing_key(city.directory / "clearinghouse" / "keys" / "signing-key.pem")
    assert reports.make(coordinator.books, key, closed.cycle_id, coordinator.clock.now_micros()).report.breaks == ()
    return closed.cycle_id


def timebank_status(config: pathlib.Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        processes.timebank_command("status", "--config", str(config), *arguments),
        capture_output=True,
        text=True,
        timeout=STATUS_TIMEOUT_SECONDS,
    )


def statement_acknowledged(samples: object) -> bool:
    return value(samples, "timebank_node_statement_pages_waiting") == 0  # type: ignore[arg-type]


def check_node(samples: Samples) -> None:
    states = by_label(samples, "timebank_node_cross_transfers", "state")
    assert set(states) == {"held", "committed", "aborted", "refused"} and states["committed"] >= 1
    assert value(samples, "timebank_node_oldest_held_age_seconds") >= 0
    assert value(samples, "timebank_node_outbox_depth") >= 0
    assert value(samples, "timebank_node_link_exchanges_total") >= 1
    assert value(samples, "timebank_node_link_failures_total") >= 0
    assert value(samples, "timebank_log_entries") >= value(samples, "timebank_log_checkpoint_entries") > 0
    assert_fresh(value(samples, "timebank_log_checkpoint_age_seconds"))
    assert value(samples, "timebank_node_witnessed_checkpoint_entries") > 0
    assert_fresh(value(samples, "timebank_node_witnessed_checkpoint_age_seconds"))
    assert value(samples, "timebank_alarms_open", kind="split-view") == 0
    assert value(samples, "timebank_ledger_halted") == 0
    assert value(samples, "timebank_database_up") == 1


def check_clearinghouse(samples: Samples) -> None:
    states = by_label(samples, "timebank_clearinghouse_cross_transfers", "state")
    assert set(states) == {"prepared", "committed", "aborted"} and states["committed"] >= 1
    assert value(samples, "timebank_clearinghouse_oldest_prepared_age_seconds") >= 0
    assert value(samples, "timebank_clearinghouse_prepared_past_expiry") >= 0
    depths = by_label(samples, "timebank_clearinghouse_outbox_depth", "node")
    assert set(depths) >= set(NODES) and all(depth >= 0 for depth in depths.values())
    assert value(samples, "timebank_log_entries") >= value(samples, "timebank_log_checkpoint_entries") > 0
    assert_fresh(value(samples, "timebank_log_checkpoint_age_seconds"))
    assert value(samples, "timebank_clearinghouse_open_cycle") >= 1
    assert value(samples, "timebank_clearinghouse_cycle_cutoff_seconds") > 0
    assert by_label(samples, "timebank_clearinghouse_nodes", "status") == {"active": 3, "suspended": 0}
    assert value(samples, "timebank_alarms_open", kind="split-view") == 0
    assert value(samples, "timebank_ledger_halted") == 0
    assert value(samples, "timebank_database_up") == 1
    assert value(samples, "timebank_rpc_duration_seconds_count", method="/timebank.v1.Clearinghouse/Exchange") >= 1


def test_every_series_is_scraped_with_plausible_values(city: RunningTestCity) -> None:
    city.member("shiqi", 1, minutes=600)
    city.member("dongqu", 2)
    cross_transfer(city, 1, "shiqi", "dongqu", 90)
    with pytest.raises(grpc.RpcError) as refused:
        city.client("shiqi").get_account(raw(0xBAD))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    cycle_id = settle(city)
    for node_id in NODES:
        wait_for(lambda n=node_id: scrape(node_url(city, n)), statement_acknowledged)  # type: ignore[misc]
    assert city.clearinghouse is not None
    city.clearinghouse.publisher.publish()
    for running in city.nodes.values():
        assert running.checkpoints is not None
        running.checkpoints.publisher.publish()

    shiqi = scrape(node_url(city, "shiqi"))
    check_node(shiqi)
    assert value(shiqi, "timebank_node_statement_cycle") == cycle_id
    get_account = f"{NODE_LEDGER}/GetAccount"
    assert value(shiqi, "timebank_rpc_rejections_total", method=get_account, code="NOT_FOUND") == 1
    assert value(shiqi, "timebank_rpc_duration_seconds_count", method=get_account, code="NOT_FOUND") == 1
    submitted = f"{NODE_LEDGER}/SubmitCrossNodeTransfers"
    assert value(shiqi, "timebank_rpc_duration_seconds_count", method=submitted, code="OK") == 1
    assert not [labels for labels, _ in shiqi.get("timebank_rpc_rejections_total", []) if labels["code"] == "OK"]

    clearinghouse = scrape(clearinghouse_url(city))
    check_clearinghouse(clearinghouse)
    assert value(clearinghouse, "timebank_clearinghouse_report_cycle") == cycle_id
    assert value(clearinghouse, "timebank_clearinghouse_report_breaks") == 0
    assert value(clearinghouse, "timebank_clearinghouse_open_cycle") == cycle_id + 1


def test_status_says_ok_for_a_healthy_node_and_fail_for_an_unreachable_one(city: RunningTestCity) -> None:
    city.member("shiqi", 1, minutes=600)
    city.member("canlian", 2)
    cross_transfer(city, 2, "shiqi", "canlian", 30)
    config = city.directory / "nodes" / "shiqi" / "node.toml"

    healthy = timebank_status(config)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    lines = healthy.stdout.splitlines()
    assert lines[0] == "node shiqi (SHIQI)" and lines[-1] == "all OK"
    for name in ("healthy", "connected", "caught up", "witnessed", "reconciled"):
        assert any(line.split()[:1] == ["OK"] and f" {name} " in line for line in lines), (name, lines)

    bureau = timebank_status(city.directory / "clearinghouse" / "clearinghouse.toml", "--json")
    assert bureau.returncode == 0, bureau.stdout + bureau.stderr
    assert '"exit_code": 0' in bureau.stdout and '"name": "report"' in bureau.stdout

    city.stop_node("canlian")
    gone = timebank_status(city.directory / "nodes" / "canlian" / "node.toml")
    assert gone.returncode == 3, gone.stdout + gone.stderr
    assert "FAIL  healthy     unreachable at 127.0.0.1:" in gone.stdout and gone.stdout.endswith("UNREACHABLE\n")


def deposit_and_burst(day: Day, transfers: int) -> list[bytes]:
    """Members at shiqi and dongqu, hours deposited, and a burst of transfers submitted without waiting."""
    sender = day.register("shiqi", "张伟")
    receiver = day.register("dongqu", "王秀英")
    day.local("shiqi", day.move(ISSUANCE, sender, transfers * 10, "助餐 meals"), "deposit")
    items = [
        pb.CrossNodeTransfer(
            id=day.new_id(),
            local_account_id=sender,
            remote_node_id="dongqu",
            remote_account_id=receiver,
            amount_minutes=1,
            memo=f"burst {n}",
        )
        for n in range(transfers)
    ]
    day.cross_submit("shiqi", items)
    return [item.id for item in items]


def committed(samples: Iterable[tuple[dict[str, str], float]]) -> float:
    return sum(v for labels, v in samples if labels.get("state") == "committed")


@pytest.mark.slow
def test_the_demo_processes_serve_metrics_while_traffic_flows(tmp_path: pathlib.Path) -> None:
    running = start_city(tmp_path / "city", CITY)
    try:
        urls = metrics_urls(running)
        assert set(urls) == {CLEARINGHOUSE_ID, *running.nodes}
        for url in urls.values():
            port = parse_listen_address(url.removeprefix("http://").removesuffix("/metrics"))[1]
            assert port not in {
                parse_listen_address(p.address)[1] for p in [running.clearinghouse, *running.nodes.values()]
            }
        day = Day(running)
        burst = deposit_and_burst(day, 40)
        during = {party: scrape(url) for party, url in urls.items()}  # while the burst is being decided
        for samples in during.values():
            assert value(samples, "timebank_database_up") == 1
        for transfer_id in burst:
            assert day.wait_final("shiqi", transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED
        after = scrape(urls[CLEARINGHOUSE_ID])
        assert committed(after["timebank_clearinghouse_cross_transfers"]) >= len(burst)
        exchange = "/timebank.v1.Clearinghouse/Exchange"
        assert value(after, "timebank_rpc_duration_seconds_count", method=exchange, code="OK") >= 1
        shiqi = scrape(urls["shiqi"])
        assert committed(shiqi["timebank_node_cross_transfers"]) == len(burst)
        assert value(shiqi, "timebank_node_link_exchanges_total") >= 1
        submitted = f"{NODE_LEDGER}/SubmitCrossNodeTransfers"
        assert value(shiqi, "timebank_rpc_duration_seconds_count", method=submitted, code="OK") == 1
    finally:
        running.stop()
