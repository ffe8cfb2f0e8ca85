"""Smoke test of `timebank bench`: it runs, exits 0 and writes a complete JSON report.

Asserts nothing about speed: only that every figure, the new ones included (signature and
hash baselines, gRPC streaming, cross-node throughput and latency through a real city,
the city's peak memory and CPU per transfer where /proc exists, the transparency log's growth rate and
latencies at each size, throughput in cities of 3 and 5 nodes, the reconciliation of a
large cycle, the console's page time over a node of many people and orders, and their
ratios), is there and is a positive number.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 280  # a whole quick bench: several cities, a log and a cycle; a shared machine
EXPECTED_KEYS = {
    "baselines": (
        "raw_single_row_commits_per_second",
        "raw_batched_rows_per_second",
        "grpc_round_trips_per_second",
        "ed25519_signatures_per_second",
        "ed25519_verifications_per_second",
        "sha256_hashes_per_second",
        "grpc_streamed_messages_per_second",
    ),
    "system": (
        "single_transfers_per_second",
        "batch_1000_transfers_per_second",
        "batch_8000_transfers_per_second",
        "grpc_batch_1000_transfers_per_second",
        "cross_node_transfers_per_second",
        "cross_node_latency_p50_ms",
        "cross_node_latency_p99_ms",
        "audit_verified_entries_per_second",
        "log_appended_leaves_per_second",
        *(
            f"log_{operation}_us_at_{size}"
            for size in (10_000, 50_000)
            for operation in ("append", "inclusion_proof", "consistency_proof")
        ),
        "cross_node_transfers_per_second_at_3_nodes",
        "cross_node_transfers_per_second_at_5_nodes",
        "reconciliation_seconds",
        "reconciliation_render_seconds",
        "console_page_p50_ms",
        "console_page_p95_ms",
    ),
    "ratios": (
        "single_transfers_to_raw_single_row_commits",
        "batch_1000_transfers_to_raw_batched_rows",
        "batch_8000_transfers_to_raw_batched_rows",
        "grpc_batch_1000_transfers_to_batch_1000_transfers",
        "cross_node_transfers_to_raw_single_row_commits",
        "cross_node_transfers_to_grpc_round_trips",
        "audit_verified_entries_to_sha256_hashes",
        "audit_verified_entries_to_ed25519_verifications",
        "log_appended_leaves_to_raw_batched_rows",
        "scaling_5_to_3_nodes",
    ),
}
# Read from /proc, so only where there is one (the report's parameters say when they are omitted).
PEAK_MEMORY_KEYS = ("peak_memory_mb_clearinghouse", "peak_memory_mb_node_max")
PARTY_CPU_PREFIX = "cross_node_cpu_microseconds_per_transfer_"
CPU_KEYS = (
    "cross_node_cpu_microseconds_per_transfer",
    *(f"{PARTY_CPU_PREFIX}{party}" for party in ("clearinghouse", "shiqi", "dongqu", "canlian")),
    "cross_node_busy_cores_percent",
    "batch_1000_cpu_microseconds_per_transfer",
    "batch_8000_cpu_microseconds_per_transfer",
    f"{PARTY_CPU_PREFIX}at_3_nodes",
    f"{PARTY_CPU_PREFIX}at_5_nodes",
    "cross_node_busy_cores_percent_at_5_nodes",
)
HAS_PROC = pathlib.Path("/proc/self/status").exists()


def may_be_zero(key: str) -> bool:
    """One party's CPU in a short run: a party with little to do (the third node) may read no tick."""
    return key.startswith(PARTY_CPU_PREFIX) and not key.endswith("_nodes")


@pytest.mark.timeout(300)
def test_quick_bench_writes_positive_medians(tmp_path: pathlib.Path) -> None:
    out_path = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "city.cli",
            "bench",
            "--quick",
            "--repetitions",
            "1",
            "--out",
            str(out_path),
        ],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(out_path.read_text(encoding="utf-8"))
    assert report["machine"]["backend"] == "sqlite"
    for group, keys in EXPECTED_KEYS.items():
        missing = sorted(set(keys) - set(report[group]))
        assert not missing, f"{group}: missing {missing}"
    for group in ("baselines", "system", "ratios"):
        assert report[group], f"{group}: empty"
        for key, figure in report[group].items():
            median = figure["median"]
            assert isinstance(median, (int, float)), f"{group}.{key}: {median!r}"
            assert median > 0 or (median == 0 and may_be_zero(key)), f"{group}.{key}: {median!r}"
    for group in ("baselines", "system"):
        for key, figure in report[group].items():
            assert len(figure["runs"]) == 1, f"{group}.{key}: {figure['runs']!r}"
            assert all(run > 0 or may_be_zero(key) for run in figure["runs"]), f"{group}.{key}: {figure['runs']!r}"
    latency = report["system"]["cross_node_latency_p50_ms"]
    assert latency["unit"] == "ms", latency
    assert report["system"]["log_inclusion_proof_us_at_50000"]["unit"] == "us"
    peak_memory = [key for key in PEAK_MEMORY_KEYS if key in report["system"]]
    if HAS_PROC:
        assert peak_memory == list(PEAK_MEMORY_KEYS), peak_memory
        assert all(report["system"][key]["unit"] == "MB" for key in PEAK_MEMORY_KEYS)
    else:
        assert not peak_memory and report["parameters"]["peak_memory"].startswith("omitted"), peak_memory
    cpu = [key for key in CPU_KEYS if key in report["system"]]
    if HAS_PROC:
        assert cpu == list(CPU_KEYS), sorted(set(CPU_KEYS) - set(cpu))
        assert report["system"]["cross_node_cpu_microseconds_per_transfer"]["unit"] == "us"
        assert 0 < report["system"]["cross_node_busy_cores_percent"]["median"] <= 100
        assert "scaling_cpu_5_to_3_nodes" in report["ratios"]
        parties = sum(report["system"][key]["median"] for key in CPU_KEYS[1:5])  # one run: medians add up
        assert parties == pytest.approx(report["system"]["cross_node_cpu_microseconds_per_transfer"]["median"])
    else:
        assert not cpu and report["parameters"]["cpu"].startswith("omitted"), cpu
