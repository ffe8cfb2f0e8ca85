"""The charts of `timebank bench --plot`: PNG files drawn from a report (matplotlib).

Owns the optional charts: throughput (each ratio of rates as a pair of bars, the system
figure above the baseline that bounds it), the cross-node latency percentiles, and the
transparency log's latencies against its size. matplotlib is the optional `plot` extra:
it is imported only when charts are asked for.
"""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

from city.bench.loggrowth import LOG_FIGURE_PREFIXES
from city.bench.measure import MILLISECONDS, PER_SECOND, Report

__all__ = ["PLOT_DOTS_PER_INCH", "PLOT_MISSING", "plotting_available", "write_plots"]

PLOT_MISSING = "--plot needs matplotlib: pip install 'timebank[plot]'"
PLOT_DOTS_PER_INCH = 120


def plotting_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write_plots(report: Report, directory: pathlib.Path) -> list[pathlib.Path]:
    """Writes the report's charts as PNG files in directory; returns their paths."""
    import matplotlib  # the optional `plot` extra: imported only when charts are asked for

    matplotlib.use("Agg")
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("throughput.png", _draw_throughput),
        ("latency.png", _draw_latency),
        ("log.png", _draw_log),
    ):
        figure, axes = pyplot.subplots(figsize=(10, 6))
        if draw(report, axes):
            figure.tight_layout()
            figure.savefig(directory / name, dpi=PLOT_DOTS_PER_INCH)
            written.append(directory / name)
        pyplot.close(figure)
    return written


def _draw_throughput(report: Report, axes: Any) -> bool:
    """Each ratio of rates as a pair of bars, the system figure above the baseline that bounds it."""
    pairs = [ratio for ratio in report.ratios if ratio.numerator.unit == ratio.denominator.unit == PER_SECOND]
    labels, values, colours = [], [], []
    for ratio in pairs:
        for figure, colour in ((ratio.numerator, "tab:blue"), (ratio.denominator, "tab:grey")):
            labels.append(figure.label)
            values.append(figure.median)
            colours.append(colour)
    if not values:
        return False
    positions = list(range(len(values)))[::-1]
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels, fontsize=7)
    axes.set_xscale("log")
    axes.set_xlabel("per second (median, log scale); grey: the baseline bounding the bar above it")
    axes.set_title("timebank bench: throughput beside its baselines")
    return True


def _draw_latency(report: Report, axes: Any) -> bool:
    figures = [figure for figure in report.system if figure.unit == MILLISECONDS]
    if not figures:
        return False
    positions = range(len(figures))
    axes.bar(positions, [figure.median for figure in figures], color="tab:blue")
    for position, figure in zip(positions, figures, strict=True):
        axes.plot([position] * len(figure.runs), figure.runs, "k.", markersize=4)
    axes.set_xticks(list(positions), [figure.label for figure in figures], fontsize=8)
    axes.set_ylabel("ms (bar: median of runs; dots: each run)")
    axes.set_title("timebank bench: cross-node latency percentiles")
    return True


def _draw_log(report: Report, axes: Any) -> bool:
    by_key = {figure.key: figure for figure in report.system}
    drawn = False
    for operation, prefix in LOG_FIGURE_PREFIXES.items():
        points = sorted(
            (int(key.removeprefix(prefix)), figure.median) for key, figure in by_key.items() if key.startswith(prefix)
        )
        if points:
            axes.plot([size for size, _ in points], [value for _, value in points], "o-", label=operation)
            drawn = True
    if drawn:
        axes.set_xscale("log")
        axes.set_xlabel("log size (leaves, log scale)")
        axes.set_ylabel("median microseconds")
        axes.set_title("timebank bench: transparency log latency as it grows")
        axes.legend()
    return drawn
