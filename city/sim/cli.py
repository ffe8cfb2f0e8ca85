"""`timebank simulate`: run many seeds of the simulation and count the violations.

Each seed is independent and deterministic; seeds run in parallel worker processes
(--jobs). Python's string hashing is fixed (PYTHONHASHSEED=0, by re-running the command
with it when it is not set) so that a seed replays exactly, anywhere. A failing seed prints
the one command that reproduces it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from city.sim.bugs import BUGS
from city.sim.run import STEPS, Outcome, simulate

__all__ = ["cmd_simulate", "HASH_SEED", "PROGRESS_EVERY_SECONDS", "register", "VIOLATIONS_SHOWN_MAX"]

HASH_SEED = "0"
PROGRESS_EVERY_SECONDS = 5.0
VIOLATIONS_SHOWN_MAX = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="the deterministic fault simulation: N seeds, invariants checked after every step",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds (default 100)")
    parser.add_argument("--start", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"steps per seed (default {STEPS})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per CPU)")
    parser.add_argument("--bug", choices=sorted(BUGS), help="switch on a known bug (the checks must catch it)")
    parser.set_defaults(handler=cmd_simulate)


def cmd_simulate(arguments: argparse.Namespace) -> int:
    if arguments.seeds < 1 or arguments.steps < 1 or arguments.jobs < 1 or arguments.start < 0:
        print("error: --seeds, --steps and --jobs: want at least 1; --start: want at least 0", file=sys.stderr)
        return 2
    if os.environ.get("PYTHONHASHSEED") != HASH_SEED:
        sys.stdout.flush()
        environment = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
        os.execve(sys.executable, [sys.executable, "-m", "city.cli", *sys.argv[1:]], environment)
    seeds = range(arguments.start, arguments.start + arguments.seeds)
    bug = arguments.bug or ""
    started = last_progress = time.monotonic()
    total = Outcome(seed=-1)
    failed: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=arguments.jobs, initializer=_quiet) as pool:
        outcomes = pool.map(_run_one, seeds, [arguments.steps] * len(seeds), [bug] * len(seeds))
        for done, outcome in enumerate(outcomes, start=1):
            _add(total, outcome)
            if outcome.violations:
                failed.append(outcome)
                _report_failure(outcome, arguments)
            if time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS or done == len(seeds):
                last_progress = time.monotonic()
                print(
                    f"simulate: {done}/{len(seeds)} seeds, {time.monotonic() - started:.0f} s, {len(failed)} failing",
                    file=sys.stderr,
                    flush=True,
                )
    faults = ", ".join(f"{name} {count}" for name, count in sorted(total.faults.items()))
    print(f"faults injected: {faults or 'none'}")
    print(
        f"seeds: {len(seeds)}, steps: {total.steps}, transfers: {total.transfers} "
        f"({total.committed} committed), "
        f"faults: {total.fault_count}, violations: {len(total.violations)}"
    )
    return 1 if total.violations else 0


def _quiet() -> None:
    """Warnings are part of the faults (a refused stale batch, say): the checks judge, not the log."""
    logging.disable(logging.WARNING)


def _run_one(seed: int, steps: int, bug: str) -> Outcome:
    return simulate(seed, steps, bug)


def _add(total: Outcome, outcome: Outcome) -> None:
    total.steps += outcome.steps
    total.transfers += outcome.transfers
    total.committed += outcome.committed
    total.faults.update(outcome.faults)
    total.violations += outcome.violations


def _report_failure(outcome: Outcome, arguments: argparse.Namespace) -> None:
    command = f"timebank simulate --seeds 1 --start {outcome.seed} --steps {arguments.steps}"
    if arguments.bug:
        command += f" --bug {arguments.bug}"
    print(f"seed {outcome.seed}: {len(outcome.violations)} violations; reproduce with: {command}")
    for violation in outcome.violations[:VIOLATIONS_SHOWN_MAX]:
        print(f"  {violation}")
