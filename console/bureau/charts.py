"""The bureau's charts, drawn on the server as SVG (no script, no web font): every node's
net position in a cycle as bars either side of zero, and the flows between nodes as a
matrix whose cells are shaded by their share of the largest flow.

Owns the drawing only: numbers in, markup or cell values out. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["FlowCell", "flow_matrix", "net_bars"]

WIDTH = 640
ROW_HEIGHT = 30
LABEL_WIDTH = 120
VALUE_WIDTH = 90


def net_bars(rows: Sequence[tuple[str, int]], unit: str) -> str:
    """Horizontal bars of (label, minutes) either side of a zero line: owed to the node (+)
    to the right in green, owed by it (-) to the left in red, each with its hours."""
    if not rows:
        return ""
    largest = max(abs(minutes) for _, minutes in rows) or 1
    half = (WIDTH - LABEL_WIDTH - 2 * VALUE_WIDTH) / 2
    zero = LABEL_WIDTH + VALUE_WIDTH + half
    height = ROW_HEIGHT * len(rows) + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#9ca3af"/>',
    ]
    for index, (label, minutes) in enumerate(rows):
        top = 5 + index * ROW_HEIGHT
        length = half * abs(minutes) / largest
        left = zero if minutes >= 0 else zero - length
        colour = "#15803d" if minutes >= 0 else "#b91c1c"
        value_x = zero + length + 6 if minutes >= 0 else zero - length - 6
        anchor = "start" if minutes >= 0 else "end"
        middle = top + ROW_HEIGHT / 2 + 5
        parts += [
            f'<text x="4" y="{middle:.1f}" font-size="14">{escape(label)}</text>',
            f'<rect x="{left:.1f}" y="{top + 4}" width="{max(length, 1):.1f}" height="{ROW_HEIGHT - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {minutes} {escape(unit)}</title></rect>',
            f'<text x="{value_x:.1f}" y="{middle:.1f}" font-size="13" text-anchor="{anchor}">'
            f"{escape(_hours(minutes))}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class FlowCell:
    minutes: int
    count: int
    share: float  # of the largest flow, 0 to 1: the cell's shade


def flow_matrix(
    node_ids: Sequence[str], flows: Sequence[tuple[str, str, int, int]]
) -> list[tuple[str, list[FlowCell]]]:
    """A row per sending node, a cell per receiving node (in node_ids' order)."""
    found = {(debit, credit): (minutes, count) for debit, credit, minutes, count in flows}
    largest = max((minutes for _, _, minutes, _ in flows), default=0) or 1
    rows = []
    for debit in node_ids:
        cells = []
        for credit in node_ids:
            minutes, count = found.get((debit, credit), (0, 0))
            cells.append(FlowCell(minutes, count, round(minutes / largest, 3)))
        rows.append((debit, cells))
    return rows


def _hours(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+" if minutes > 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d} h"
