"""Renderings of reconciliation results: the report as canonical JSON, one CSV table and one HTML page,
and a node's statement as an ISO 20022 camt.053 XML document.

Every rendering is deterministic: the same report gives the same bytes. Ids are shown as 32
lowercase hex digits, amounts as integer minutes and as hours with two decimals.
"""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable

from timebank import ids
from timebank.ledger.model import format_hours
from timebank.recon.model import (
    AMOUNT_MISMATCH,
    BREAK_KINDS,
    MISSING_AT_CLEARINGHOUSE,
    MISSING_AT_NODE,
    OPENING_MISMATCH,
    PENDING_PAST_EXPIRY,
    POSITION_MISMATCH,
    SIGNATURE_INVALID,
    STATEMENT_MISSING,
    Break,
    NodeStatement,
    Position,
    Report,
    StatementLine,
    format_instant,
)

__all__ = [
    "BREAK_KIND_TITLES",
    "CAMT053_NAMESPACE",
    "CSV_HEADER",
    "HTML_BREAKS_MAX",
    "HTML_FLOWS_MAX",
    "NO_CURRENCY",
    "report_csv",
    "report_html",
    "report_json",
    "statement_camt053",
]

CAMT053_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
# ISO 4217 code for "no currency": amounts are minutes of service time.
NO_CURRENCY = "XXX"
CSV_HEADER = ("record", "cycle_id", "node_id", "transfer_id", "kind", "amount_minutes", "detail")
# The HTML page lists at most this many breaks and this many flows; the JSON and CSV have them all.
HTML_BREAKS_MAX = 1_000
HTML_FLOWS_MAX = 40

# What each break kind means, in English and Chinese, for the HTML page.
BREAK_KIND_TITLES = {
    AMOUNT_MISMATCH: ("Same transfer, different amount, direction or counterparty", "金额、方向或对方不符"),
    MISSING_AT_CLEARINGHOUSE: ("Booked by the node, not committed by the clearinghouse", "清算所无此记录"),
    MISSING_AT_NODE: ("Committed by the clearinghouse, not booked by the node", "节点无此记录"),
    OPENING_MISMATCH: ("Opening balance differs from the previous closing", "期初余额不符"),
    PENDING_PAST_EXPIRY: ("Still pending after its decision or expiry", "逾期仍未决"),
    POSITION_MISMATCH: ("Statement totals differ from the clearinghouse's position", "头寸不符"),
    SIGNATURE_INVALID: ("Statement signature does not verify", "签名无效"),
    STATEMENT_MISSING: ("No statement of this cycle from the node", "缺少对账单"),
}


# ---------------------------------------------------------------------------------------
# JSON


def report_json(report: Report) -> bytes:
    """The report as canonical JSON: sorted keys, 2-space indent, UTF-8, a trailing newline."""
    document = {
        "cycle_id": report.cycle_id,
        **_instant_json("generated_at", report.generated_at_micros),
        **_instant_json("opened_at", report.opened_at_micros),
        **_instant_json("closed_at", report.closed_at_micros),
        "summary": _summary_json(report),
        "positions": [_position_json(report, position) for position in report.positions],
        "statements": {node_id: _statement_json(statement) for node_id, statement in report.statements.items()},
        "flows": [
            {"debit_node_id": debit, "credit_node_id": credit, **_minutes_json("amount", minutes)}
            for (debit, credit), minutes in report.flows.items()
        ],
        "breaks": [_break_json(found) for found in report.breaks],
    }
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _summary_json(report: Report) -> dict[str, object]:
    return {
        "break_count": len(report.breaks),
        "breaks_by_kind": _break_counts(report.breaks),
        "committed_count": report.committed_count,
        **_minutes_json("committed", report.committed_minutes),
        "nets_sum_to_zero": report.nets_sum_to_zero,
        "node_count": len(report.positions),
    }


def _position_json(report: Report, position: Position) -> dict[str, object]:
    return {
        "node_id": position.node_id,
        "name": report.node_name(position.node_id),
        **_minutes_json("debits", position.debits_minutes),
        "debit_count": position.debit_count,
        **_minutes_json("credits", position.credits_minutes),
        "credit_count": position.credit_count,
        **_minutes_json("net", position.net_minutes),
        **_minutes_json("closing", position.closing_minutes),
    }


def _statement_json(statement: NodeStatement | None) -> dict[str, object] | None:
    if statement is None:
        return None
    return {
        **_instant_json("created_at", statement.created_at_micros),
        "signature_problem": statement.signature_problem,
        **_minutes_json("opening", statement.opening_minutes),
        **_minutes_json("closing", statement.closing_minutes),
        **_minutes_json("debits", statement.debits_minutes),
        "debit_count": statement.debit_count,
        **_minutes_json("credits", statement.credits_minutes),
        "credit_count": statement.credit_count,
        **_minutes_json("pending", statement.pending_minutes),
        "pending_count": statement.pending_count,
        "line_count": statement.line_count,
    }


def _break_json(found: Break) -> dict[str, object]:
    return {
        "kind": found.kind,
        "node_id": found.node_id,
        "transfer_id": _transfer_text(found.transfer_id) or None,
        "detail": found.detail,
    }


def _minutes_json(prefix: str, minutes: int) -> dict[str, object]:
    return {f"{prefix}_minutes": minutes, f"{prefix}_hours": format_hours(minutes)}


def _instant_json(prefix: str, micros: int) -> dict[str, object]:
    return {f"{prefix}_micros": micros, f"{prefix}_utc": format_instant(micros)}


def _break_counts(breaks: Iterable[Break]) -> dict[str, int]:
    """How many breaks of each kind, every kind listed (0 when none)."""
    counts = Counter(found.kind for found in breaks)
    return {kind: counts[kind] for kind in BREAK_KINDS}


def _transfer_text(transfer_id: int | None) -> str:
    return "" if transfer_id is None else ids.to_hex(transfer_id)


# ---------------------------------------------------------------------------------------
# CSV


def report_csv(report: Report) -> str:
    """The report as one CSV table: a net and a closing row per node, a row per flow, a row per break."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    cycle_id = report.cycle_id
    for position in report.positions:
        for kind, minutes in (("net", position.net_minutes), ("closing", position.closing_minutes)):
            detail = f"{report.node_name(position.node_id)}: {kind} {format_hours(minutes)} hours"
            writer.writerow(("position", cycle_id, position.node_id, "", kind, minutes, detail))
    for (debit, credit), minutes in report.flows.items():
        detail = f"{report.node_name(debit)} -> {report.node_name(credit)}: {format_hours(minutes)} hours"
        writer.writerow(("flow", cycle_id, f"{debit}->{credit}", "", "committed", minutes, detail))
    for found in report.breaks:
        writer.writerow(
            ("break", cycle_id, found.node_id, _transfer_text(found.transfer_id), found.kind, "", found.detail)
        )
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# HTML

_STYLE = """
body { font: 15px/1.45 system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; color: #1a202c; margin: 2rem auto;
  max-width: 64rem; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #e2e8f0; }
.zh { color: #4a5568; font-weight: normal; font-size: .8em; margin-left: .4em; }
.badge { display: inline-block; padding: .3rem .9rem; border-radius: 1rem; font-weight: bold; font-size: 1.1rem; }
.clean { background: #c6f6d5; color: #22543d; } .dirty { background: #fed7d7; color: #822727; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { border-bottom: 1px solid #e2e8f0; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f7fafc; } td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
small, .muted { color: #718096; } code { font-size: .85em; }
.negative { color: #9c4221; } .problem { color: #822727; font-weight: bold; }
svg text { font: 12px system-ui, "Noto Sans CJK SC", sans-serif; fill: #1a202c; }
"""
_POSITIVE_COLOUR = "#2b6cb0"
_NEGATIVE_COLOUR = "#dd6b20"
_FLOW_COLOUR = "#319795"
_ROW_HEIGHT = 22
_CHART_WIDTH = 760
_CHART_VALUE_WIDTH = 110
_LABEL_CHARACTERS_MAX = 22


def report_html(report: Report) -> str:
    """The report as one self-contained HTML page: no script, no external resource, every text escaped."""
    sections = (
        _header_html(report),
        _positions_html(report),
        _net_chart_html(report),
        _flows_html(report),
        _breaks_html(report),
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Reconciliation report, cycle {report.cycle_id}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{''.join(sections)}</body>\n</html>\n"
    )


def _header_html(report: Report) -> str:
    count = len(report.breaks)
    badge = '<span class="badge clean">0 breaks — clean</span>'
    if count:
        badge = f'<span class="badge dirty">{count:,} break{"" if count == 1 else "s"}</span>'
    facts = (
        ("Cycle 周期", str(report.cycle_id)),
        ("Period 期间", f"{_display_instant(report.opened_at_micros)} — {_display_instant(report.closed_at_micros)}"),
        ("Generated 生成时间", _display_instant(report.generated_at_micros)),
        ("Committed 已结算", f"{_transfers_text(report.committed_count)}, {_hours_text(report.committed_minutes)}"),
        ("Nets sum to zero 净额合计为零", "yes" if report.nets_sum_to_zero else "NO"),
    )
    rows = "".join(f"<dt>{_text(name)}</dt><dd>{_text(value)}</dd>" for name, value in facts)
    return (
        f'<header>\n<h1>Reconciliation report<span class="zh">对账报告</span></h1>\n<p>{badge}</p>\n'
        f'<dl class="facts">{rows}</dl>\n</header>\n'
    )


def _positions_html(report: Report) -> str:
    per_node = Counter(found.node_id for found in report.breaks)
    rows = "".join(_position_row_html(report, position, per_node[position.node_id]) for position in report.positions)
    headings = "".join(
        f"<th>{_text(name)}</th>"
        for name in (
            "Node 节点",
            "Statement 对账单",
            "Debits 支出",
            "Credits 收入",
            "Net 净额",
            "Closing 期末",
            "Breaks",
        )
    )
    return (
        '<section>\n<h2>Positions<span class="zh">各节点头寸</span></h2>\n'
        '<p class="muted">Hours with two decimals, minutes below. Positive: the city owes the node.</p>\n'
        f"<table>\n<thead><tr>{headings}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )


def _position_row_html(report: Report, position: Position, break_count: int) -> str:
    cells = (
        f"<td>{_text(report.node_name(position.node_id))}<br><small><code>{_text(position.node_id)}</code></small></td>",
        f"<td>{_statement_status_html(report.statements.get(position.node_id))}</td>",
        _amount_cell_html(position.debits_minutes, _transfers_text(position.debit_count)),
        _amount_cell_html(position.credits_minutes, _transfers_text(position.credit_count)),
        _amount_cell_html(position.net_minutes),
        _amount_cell_html(position.closing_minutes),
        f'<td class="number{" problem" if break_count else ""}">{break_count:,}</td>',
    )
    return f"<tr>{''.join(cells)}</tr>\n"


def _statement_status_html(statement: NodeStatement | None) -> str:
    if statement is None:
        return '<span class="problem">missing 缺失</span>'
    if statement.signature_problem:
        return f'<span class="problem" title="{_text(statement.signature_problem)}">signature invalid 签名无效</span>'
    return "signed 已签名"


def _amount_cell_html(minutes: int, note: str = "") -> str:
    below = f"{minutes:,} min" + (f", {note}" if note else "")
    classes = "number negative" if minutes < 0 else "number"
    return f'<td class="{classes}">{_text(format_hours(minutes))} h<br><small>{_text(below)}</small></td>'


def _net_chart_html(report: Report) -> str:
    bars = [
        (
            _shorten(report.node_name(position.node_id)),
            position.net_minutes,
            _POSITIVE_COLOUR if position.net_minutes >= 0 else _NEGATIVE_COLOUR,
        )
        for position in report.positions
    ]
    chart = _bar_chart_svg(bars, label_width=210, signed=True, aria_label="Net position of each node in hours")
    return (
        '<section>\n<h2>Net positions<span class="zh">净头寸</span></h2>\n'
        '<p class="muted">Hours this cycle; right of the line: the node received more than it sent.</p>\n'
        f"{chart}</section>\n"
    )


def _flows_html(report: Report) -> str:
    """The largest flows between nodes, ranked, each with a bar scaled to the largest."""
    ranked = sorted(report.flows.items(), key=lambda item: (-item[1], item[0]))
    heading = '<section>\n<h2>Flows between districts<span class="zh">区间流量</span></h2>\n'
    if not ranked:
        return f"{heading}<p>No transfer was committed in this cycle.</p>\n</section>\n"
    bars = [
        (f"{_shorten(report.node_name(debit))} → {_shorten(report.node_name(credit))}", minutes, _FLOW_COLOUR)
        for (debit, credit), minutes in ranked[:HTML_FLOWS_MAX]
    ]
    chart = _bar_chart_svg(bars, label_width=330, signed=False, aria_label="Largest flows between nodes in hours")
    more = len(ranked) - len(bars)
    note = f'<p class="muted">{more:,} smaller flows are in the CSV and JSON reports.</p>\n' if more else ""
    return (
        f'{heading}<p class="muted">Hours committed from one node to another, largest first.</p>\n'
        f"{chart}{note}</section>\n"
    )


def _bar_chart_svg(bars: list[tuple[str, int, str]], *, label_width: int, signed: bool, aria_label: str) -> str:
    """Horizontal bars, one row per (label, minutes, colour): the label, the bar, the hours.

    Signed: the zero line is in the middle, negative bars go left of it; else it is at the left.
    """
    space = _CHART_WIDTH - label_width - _CHART_VALUE_WIDTH
    if signed:
        space //= 2
    zero_x = label_width + (space if signed else 0)
    scale = max((abs(minutes) for _, minutes, _ in bars), default=0) or 1
    height = _ROW_HEIGHT * len(bars) + 8
    rows = []
    for row, (label, minutes, colour) in enumerate(bars):
        text_y = 4 + row * _ROW_HEIGHT + 15
        length = round(space * abs(minutes) / scale)
        bar_x = zero_x if minutes >= 0 else zero_x - length
        rows.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end">{_text(label)}</text>'
            f'<rect x="{bar_x}" y="{text_y - 12}" width="{length}" height="{_ROW_HEIGHT - 6}" fill="{colour}">'
            f"<title>{_text(label)}: {_text(_hours_text(minutes))}</title></rect>"
            f'<text x="{_CHART_WIDTH - 4}" y="{text_y}" text-anchor="end">{_text(format_hours(minutes))} h</text>\n'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_CHART_WIDTH} {height}" role="img" aria-label="{_text(aria_label)}">\n{"".join(rows)}'
        f'<line x1="{zero_x}" y1="0" x2="{zero_x}" y2="{height}" stroke="#4a5568" stroke-width="1"/>\n</svg>\n'
    )


def _breaks_html(report: Report) -> str:
    by_kind: dict[str, list[Break]] = {}
    for found in report.breaks:
        by_kind.setdefault(found.kind, []).append(found)
    counts = {kind: len(breaks) for kind, breaks in by_kind.items()}
    heading = '<section>\n<h2>Breaks<span class="zh">差异</span></h2>\n'
    if not counts:
        return f"{heading}<p>None: every statement agrees with the clearinghouse.</p>\n</section>\n"
    quota = _break_quota(counts, HTML_BREAKS_MAX)
    summary_rows = "".join(
        f"<tr><td><code>{_text(kind)}</code></td><td>{_text(' '.join(BREAK_KIND_TITLES[kind]))}</td>"
        f'<td class="number">{count:,}</td></tr>\n'
        for kind, count in counts.items()
    )
    lists = "".join(_break_kind_html(report, breaks, quota[kind]) for kind, breaks in by_kind.items())
    hidden = len(report.breaks) - sum(quota.values())
    note = (
        f'<p class="problem">{hidden:,} more breaks are not shown here; the CSV and JSON reports list them all.</p>\n'
    )
    return (
        f"{heading}<table>\n<thead><tr><th>Kind</th><th>Meaning 含义</th><th>Count 数量</th></tr></thead>\n"
        f"<tbody>\n{summary_rows}</tbody>\n</table>\n{note if hidden else ''}{lists}</section>\n"
    )


def _break_kind_html(report: Report, breaks: list[Break], shown: int) -> str:
    """One kind's breaks, the first `shown` of them."""
    kind, count = breaks[0].kind, len(breaks)
    rows = "".join(
        f"<tr><td>{_text(report.node_name(found.node_id))}</td>"
        f"<td><code>{_text(_transfer_text(found.transfer_id))}</code></td><td>{_text(found.detail)}</td></tr>\n"
        for found in breaks[:shown]
    )
    english, chinese = BREAK_KIND_TITLES[kind]
    showing = f"showing {shown:,} of {count:,}" if shown < count else f"{count:,}"
    return (
        f'<h3><code>{_text(kind)}</code> ({showing})<span class="zh">{_text(chinese)}</span></h3>\n'
        f'<p class="muted">{_text(english)}.</p>\n'
        f"<table>\n<thead><tr><th>Node</th><th>Transfer</th><th>Detail</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
    )


def _break_quota(counts: dict[str, int], limit: int) -> dict[str, int]:
    """How many breaks of each kind to show: at most limit in all, shared evenly, a kind's unused share passed on."""
    quota = {}
    remaining = limit
    by_size = sorted(counts, key=lambda kind: (counts[kind], kind))
    for position, kind in enumerate(by_size):
        share = remaining // (len(by_size) - position)
        quota[kind] = min(counts[kind], share)
        remaining -= quota[kind]
    return quota


def _shorten(text: str) -> str:
    if len(text) <= _LABEL_CHARACTERS_MAX:
        return text
    return text[: _LABEL_CHARACTERS_MAX - 1] + "…"


def _transfers_text(count: int) -> str:
    return f"{count:,} transfer{'' if count == 1 else 's'}"


def _hours_text(minutes: int) -> str:
    return f"{format_hours(minutes)} hours ({minutes:,} minutes)"


def _display_instant(micros: int) -> str:
    """'2026-01-01 00:00:00 UTC': an instant to the second, for people."""
    return format_instant(micros)[:19].replace("T", " ") + " UTC"


def _text(value: str) -> str:
    return html.escape(value, quote=True)


# ---------------------------------------------------------------------------------------
# camt.053


def statement_camt053(statement: NodeStatement, *, account_name: str) -> bytes:
    """A node's statement as an ISO 20022 camt.053.001.08 document, amounts in minutes under currency XXX."""
    created = format_instant(statement.created_at_micros)
    statement_id = f"cycle-{statement.cycle_id}-{statement.node_id}"
    document = ET.Element("Document", {"xmlns": CAMT053_NAMESPACE})
    report = ET.SubElement(document, "BkToCstmrStmt")
    header = ET.SubElement(report, "GrpHdr")
    _leaf(header, "MsgId", statement_id)
    _leaf(header, "CreDtTm", created)
    body = ET.SubElement(report, "Stmt")
    _leaf(body, "Id", statement_id)
    _leaf(body, "ElctrncSeqNb", str(statement.cycle_id))
    _leaf(body, "CreDtTm", created)
    account = ET.SubElement(body, "Acct")
    _leaf(ET.SubElement(ET.SubElement(account, "Id"), "Othr"), "Id", statement.node_id)
    _leaf(account, "Nm", account_name)
    _balance(body, "OPBD", statement.opening_minutes, created)
    _balance(body, "CLBD", statement.closing_minutes, created)
    _transactions_summary(body, statement)
    for line in statement.lines:
        _entry(body, line)
    _leaf(body, "AddtlStmtInf", _statement_information(statement))
    ET.indent(document)
    written: bytes = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _balance(parent: ET.Element, code: str, minutes: int, created: str) -> None:
    balance = ET.SubElement(parent, "Bal")
    _leaf(ET.SubElement(ET.SubElement(balance, "Tp"), "CdOrPrtry"), "Cd", code)
    _amount(balance, abs(minutes), credit=minutes >= 0)
    _leaf(ET.SubElement(balance, "Dt"), "DtTm", created)


def _transactions_summary(parent: ET.Element, statement: NodeStatement) -> None:
    summary = ET.SubElement(parent, "TxsSummry")
    total = _number_and_sum(
        summary,
        "TtlNtries",
        statement.credit_count + statement.debit_count,
        statement.credits_minutes + statement.debits_minutes,
    )
    net_minutes = statement.credits_minutes - statement.debits_minutes
    _amount(ET.SubElement(total, "TtlNetNtry"), abs(net_minutes), credit=net_minutes >= 0)
    _number_and_sum(summary, "TtlCdtNtries", statement.credit_count, statement.credits_minutes)
    _number_and_sum(summary, "TtlDbtNtries", statement.debit_count, statement.debits_minutes)


def _number_and_sum(parent: ET.Element, tag: str, count: int, minutes: int) -> ET.Element:
    element = ET.SubElement(parent, tag)
    _leaf(element, "NbOfNtries", str(count))
    _leaf(element, "Sum", str(minutes))
    return element


def _entry(parent: ET.Element, line: StatementLine) -> None:
    entry = ET.SubElement(parent, "Ntry")
    _leaf(entry, "NtryRef", ids.to_hex(line.transfer_id))
    _amount(entry, line.amount_minutes, credit=line.credit)
    _leaf(ET.SubElement(entry, "Sts"), "Cd", "PDNG" if line.pending else "BOOK")
    _leaf(ET.SubElement(ET.SubElement(entry, "BkTxCd"), "Prtry"), "Cd", "CROSS-NODE-TRANSFER")
    _leaf(entry, "AddtlNtryInf", f"counterparty node {line.counterparty_node_id}")


def _amount(parent: ET.Element, minutes: int, *, credit: bool) -> None:
    """Amt in minutes under currency XXX, then CdtDbtInd (CRDT or DBIT)."""
    _leaf(parent, "Amt", str(minutes)).set("Ccy", NO_CURRENCY)
    _leaf(parent, "CdtDbtInd", "CRDT" if credit else "DBIT")


def _statement_information(statement: NodeStatement) -> str:
    return (
        f"Time bank settlement cycle {statement.cycle_id} of node {statement.node_id}; "
        f"amounts in minutes of service time (currency {NO_CURRENCY}: no currency); "
        f"pending holds: {statement.pending_count} for {statement.pending_minutes} minutes."
    )


def _leaf(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
