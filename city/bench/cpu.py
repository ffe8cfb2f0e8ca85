"""The CPU figures of `timebank bench`: CPU time per item of work, and how busy the cores were.

Owns the counters read from /proc (a process's user and system time, all its threads, from
field 14 and 15 of /proc/PID/stat; the machine's busy and idle time from the first line of
/proc/stat) and CpuMeter: given the processes of a figure by name, it reads every counter
just before and just after each timed run (city.bench.measure.measure calls start and stop
around the run, never around the warm-up) and makes the figures: microseconds of CPU per
item summed over the processes and per process, and the share of all cores busy during the
run (the whole machine's, so a neighbour's work shows too). On a shared machine CPU per
item is steadier than a rate, and it compares cities that cannot show their throughput (31
processes on 2 cores). Where /proc cannot be read the figures are omitted, and the report's
parameters say so. The counters tick CLOCK_TICKS_PER_SECOND times a second (10 ms at 100),
so a run is sized to take at least a second of CPU.
"""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Mapping
from dataclasses import dataclass

from city.bench.measure import MICROSECONDS, Figure, progress
from city.running import RunningCity

__all__ = [
    "busy_and_total_ticks",
    "CLOCK_TICKS_PER_SECOND",
    "CpuMeter",
    "CpuRun",
    "city_meter",
    "parameters",
    "PERCENT",
    "process_cpu_seconds",
    "proc_stat_available",
]

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC_STAT = pathlib.Path("/proc/stat")
PERCENT = "%"
MICROSECONDS_PER_SECOND = 1_000_000
# /proc/PID/stat after the ")" that closes the command's name: field 3 (state) is at 0, so
# utime (field 14) is at 11 and stime (field 15) at 12.
UTIME_INDEX, STIME_INDEX = 11, 12
IDLE_COLUMNS = (3, 4)  # idle and iowait in the "cpu" line's numbers (user nice system idle iowait ...)
BUSY_COLUMNS_END = 8  # user nice system idle iowait irq softirq steal: guest time is inside user


def proc_stat_available() -> bool:
    return PROC_STAT.exists()


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of the process and all its threads; None once it has gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[UTIME_INDEX]) + int(fields[STIME_INDEX])) / CLOCK_TICKS_PER_SECOND


def busy_and_total_ticks() -> tuple[int, int] | None:
    """All cores together: ticks busy and ticks in all since boot; None without /proc/stat."""
    try:
        first_line = PROC_STAT.read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return None
    numbers = [int(field) for field in first_line.split()[1 : BUSY_COLUMNS_END + 1]]
    total = sum(numbers)
    return total - sum(numbers[column] for column in IDLE_COLUMNS), total


@dataclass(frozen=True)
class CpuRun:
    """One timed run: each process's CPU seconds over it, the items it did, and the cores' busy share."""

    cpu_seconds: Mapping[str, float]
    items: int
    busy_percent: float

    def microseconds_per_item(self, name: str | None = None) -> float:
        seconds = sum(self.cpu_seconds.values()) if name is None else self.cpu_seconds[name]
        return seconds * MICROSECONDS_PER_SECOND / self.items


class CpuMeter:
    """Reads every named process's CPU counters and the machine's around each timed run."""

    def __init__(self, processes: Mapping[str, int]) -> None:
        self.processes = dict(processes)
        self.runs: list[CpuRun] = []
        self._before: tuple[dict[str, float], tuple[int, int]] | None = None
        self.available = proc_stat_available()

    def _read(self) -> tuple[dict[str, float], tuple[int, int]] | None:
        machine = busy_and_total_ticks()
        seconds = {name: process_cpu_seconds(pid) for name, pid in self.processes.items()}
        if machine is None or any(value is None for value in seconds.values()):
            return None
        return {name: value for name, value in seconds.items() if value is not None}, machine

    def start(self) -> None:
        self._before = self._read() if self.available else None

    def stop(self, items: int) -> None:
        after = self._read() if self._before is not None else None
        if self._before is None or after is None or items <= 0:
            self.available = False  # a process gone mid-run: no figure rather than a wrong one
            return
        (seconds_before, (busy_before, total_before)), (seconds_after, (busy_after, total_after)) = self._before, after
        ticks = max(1, total_after - total_before)
        self.runs.append(
            CpuRun(
                {name: seconds_after[name] - seconds_before[name] for name in self.processes},
                items,
                100.0 * (busy_after - busy_before) / ticks,
            )
        )

    def figures(
        self, key: str, label: str, busy: tuple[str, str] | None = None, per_process: bool = True
    ) -> tuple[Figure, ...]:
        """KEY: CPU microseconds per item, all processes together (labelled "LABEL, all parties"
        when per_process, which adds KEY_NAME, "LABEL, NAME", for each process); busy, a key and
        a label: the share of all cores busy. Nothing without /proc."""
        if not self.available or not self.runs:
            return ()
        started = time.perf_counter()
        total_label = f"{label}, all parties" if per_process else label
        figures = [Figure(key, total_label, self._per_item(None), MICROSECONDS)]
        if per_process:
            figures += [
                Figure(f"{key}_{name}", f"{label}, {name}", self._per_item(name), MICROSECONDS)
                for name in self.processes
            ]
        if busy is not None:
            busy_key, busy_label = busy
            figures.append(Figure(busy_key, busy_label, tuple(run.busy_percent for run in self.runs), PERCENT))
        for figure in figures:
            progress(figure, time.perf_counter() - started)
        return tuple(figures)

    def _per_item(self, name: str | None) -> tuple[float, ...]:
        return tuple(run.microseconds_per_item(name) for run in self.runs)


def city_meter(city: RunningCity) -> CpuMeter:
    """A meter of every process of the city: the clearinghouse and each node, by name (no console runs)."""
    nodes = {name: party.pid for name, party in city.nodes.items()}
    return CpuMeter({"clearinghouse": city.clearinghouse.pid, **nodes})


def parameters() -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "cpu": (
            f"user + system time of each process (/proc/PID/stat, {CLOCK_TICKS_PER_SECOND} ticks a second) and "
            "the machine's busy share (/proc/stat), read just before and after each timed run"
            if proc_stat_available()
            else "omitted: this machine has no /proc"
        ),
    }
