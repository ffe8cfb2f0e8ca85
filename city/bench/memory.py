"""The memory figures of `timebank bench`: the peak resident set of the city's processes.

Owns VmHWM of each process of the main city, read from /proc just before it stops: the
clearinghouse's and the largest node's, in MB. Where /proc cannot be read (another
system, or a process gone) the figures are omitted, and the parameters say so.
"""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

from city.bench.measure import KIBIBYTES_PER_MEGABYTE, MEGABYTES, Figure, progress

__all__ = ["parameters", "peak_memory_figures", "peak_memory_megabytes", "proc_available", "PROC_STATUS"]

PROC_STATUS = pathlib.Path("/proc/self/status")


def proc_available() -> bool:
    return PROC_STATUS.exists()


def peak_memory_megabytes(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MB; None without /proc or once it has gone."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / KIBIBYTES_PER_MEGABYTE
    return None


def peak_memory_figures(clearinghouse_pid: int, node_pids: Sequence[int]) -> tuple[Figure, ...]:
    """The clearinghouse's peak and the largest node's; nothing if any of them cannot be read."""
    clearinghouse = peak_memory_megabytes(clearinghouse_pid)
    nodes = [peak_memory_megabytes(pid) for pid in node_pids]
    if clearinghouse is None or not nodes or any(peak is None for peak in nodes):
        return ()
    node_max = max(peak for peak in nodes if peak is not None)
    figures = (
        Figure("peak_memory_mb_clearinghouse", "peak memory (VmHWM) of the clearinghouse", (clearinghouse,), MEGABYTES),
        Figure("peak_memory_mb_node_max", "peak memory (VmHWM) of the largest node", (node_max,), MEGABYTES),
    )
    for figure in figures:
        progress(figure, 0.0)
    return figures


def parameters() -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "peak_memory": (
            "VmHWM from /proc/PID/status of each city process just before the city stops"
            if proc_available()
            else "omitted: this machine has no /proc"
        ),
    }
