"""The deterministic simulation: clean seeds, the same run from the same seed, known bugs caught,
and `timebank simulate` as documented (its summary line, exit codes, the reproducing command)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from city.sim.bugs import BUGS
from city.sim.run import simulate

SEEDS_FOR_A_BUG = 10  # CI runs 200 seeds; each known bug must show within these
COMMAND_TIMEOUT_SECONDS = 300


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_seed_runs_clean_and_moves_hours(seed: int) -> None:
    outcome = simulate(seed)
    assert outcome.violations == []
    assert outcome.transfers > 10 and outcome.committed > 0
    assert outcome.fault_count > 0


def test_the_same_seed_gives_the_same_run() -> None:
    first, second = simulate(7, steps=120), simulate(7, steps=120)
    assert (first.digest, first.transfers, first.committed, first.faults) == (
        second.digest,
        second.transfers,
        second.committed,
        second.faults,
    )
    assert simulate(8, steps=120).digest != first.digest


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_a_known_bug_is_caught(bug: str) -> None:
    for seed in range(SEEDS_FOR_A_BUG):
        outcome = simulate(seed, bug=bug)
        if outcome.violations:
            return
    pytest.fail(f"bug {bug} ran {SEEDS_FOR_A_BUG} seeds with no violation")


def _simulate_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "city.cli", "simulate", *arguments],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        env={key: value for key, value in os.environ.items() if key != "PYTHONHASHSEED"},
    )


def test_the_command_prints_its_summary_and_exits_0() -> None:
    run = _simulate_command("--seeds", "2", "--start", "3", "--steps", "80", "--jobs", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("seeds: 2, steps: ") and last.endswith("violations: 0"), last
    assert "faults injected: " in run.stdout


def test_a_failing_seed_prints_the_command_that_reproduces_it() -> None:
    run = _simulate_command("--seeds", "1", "--start", "0", "--jobs", "1", "--bug", "post-twice")
    assert run.returncode == 1, run.stdout + run.stderr
    command = "timebank simulate --seeds 1 --start 0 --steps 300 --bug post-twice"
    assert f"reproduce with: {command}" in run.stdout
    assert not run.stdout.strip().splitlines()[-1].endswith("violations: 0")


def test_bad_arguments_exit_2() -> None:
    run = _simulate_command("--seeds", "0")
    assert run.returncode == 2 and "--seeds" in run.stderr
