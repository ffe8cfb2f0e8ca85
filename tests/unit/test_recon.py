"""The reconciliation of a cycle: one test per break kind on an otherwise clean city, and the renderings."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from tests.support.ledger import transfer_id
from timebank.recon.match import reconcile
from timebank.recon.model import (
    BREAK_KINDS,
    COMMITTED,
    PREPARED,
    ClearingEntry,
    ClearingView,
    NodeStatement,
    Position,
    Report,
    StatementLine,
)
from timebank.recon.render import (
    CAMT053_NAMESPACE,
    CSV_HEADER,
    report_csv,
    report_html,
    report_json,
    statement_camt053,
)

CYCLE = 7
OPENED_AT = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
CLOSED_AT = OPENED_AT + 3_600_000_000
GENERATED_AT = CLOSED_AT + 60_000_000
A, B, C = "district-a", "district-b", "district-c"
NAMES = {A: "东城 East", B: "西城 West", C: "<script>alert('c')</script> & Co"}
PREVIOUS_CLOSING = {A: 100, B: -40, C: -60}
# Committed in the cycle: (number, debit node, credit node, minutes).
COMMITTED_TRANSFERS = ((1, A, B, 90), (2, B, C, 60), (3, C, A, 30), (4, A, C, 45))
OPEN_PREPARE = 5  # A -> B, 20 minutes, expiring after the close
NS = {"camt": CAMT053_NAMESPACE}


def entry(number: int, debit: str, credit: str, minutes: int, state: str = COMMITTED) -> ClearingEntry:
    """A transfer of the clearinghouse's view, expiring ten minutes after the close."""
    return ClearingEntry(transfer_id(number), debit, credit, minutes, state, CLOSED_AT + 600_000_000)


def position(node_id: str, entries: tuple[ClearingEntry, ...]) -> Position:
    debits = [e.amount_minutes for e in entries if e.state == COMMITTED and e.debit_node_id == node_id]
    credits = [e.amount_minutes for e in entries if e.state == COMMITTED and e.credit_node_id == node_id]
    net = sum(credits) - sum(debits)
    return Position(node_id, sum(debits), len(debits), sum(credits), len(credits), net, PREVIOUS_CLOSING[node_id] + net)


def statement_of(position: Position, entries: tuple[ClearingEntry, ...]) -> NodeStatement:
    """The statement a node agreeing with the clearinghouse sends: its hold pending, the rest booked."""
    node_id = position.node_id
    lines = tuple(
        StatementLine(
            e.transfer_id,
            e.amount_minutes,
            e.credit_node_id == node_id,
            e.debit_node_id if e.credit_node_id == node_id else e.credit_node_id,
            e.state == PREPARED,
        )
        for e in entries
        if node_id == e.credit_node_id and e.state == COMMITTED or node_id == e.debit_node_id
    )
    pending = [line.amount_minutes for line in lines if line.pending]
    return NodeStatement(
        node_id=node_id,
        cycle_id=CYCLE,
        created_at_micros=CLOSED_AT + 5_000_000,
        signature_problem="",
        opening_minutes=PREVIOUS_CLOSING[node_id],
        closing_minutes=position.closing_minutes,
        debits_minutes=position.debits_minutes,
        debit_count=position.debit_count,
        credits_minutes=position.credits_minutes,
        credit_count=position.credit_count,
        pending_minutes=sum(pending),
        pending_count=len(pending),
        lines=lines,
    )


def clean_city(
    entries: tuple[ClearingEntry, ...] | None = None,
) -> tuple[ClearingView, dict[str, NodeStatement | None]]:
    if entries is None:
        entries = (*(entry(*t) for t in COMMITTED_TRANSFERS), entry(OPEN_PREPARE, A, B, 20, PREPARED))
    positions = tuple(position(node_id, entries) for node_id in (A, B, C))
    view = ClearingView(CYCLE, OPENED_AT, CLOSED_AT, positions, entries, dict(NAMES))
    return view, {p.node_id: statement_of(p, entries) for p in positions}


def run(view: ClearingView, statements: dict[str, NodeStatement | None], **previous: int) -> Report:
    return reconcile(view, statements, {**PREVIOUS_CLOSING, **previous}, GENERATED_AT)


def only_break(report: Report) -> tuple[str, str, int | None]:
    assert len(report.breaks) == 1, report.breaks
    found = report.breaks[0]
    return (found.kind, found.node_id, found.transfer_id)


def edit_lines(statement: NodeStatement | None, number: int, **fields: object) -> NodeStatement:
    assert statement is not None
    lines = tuple(
        replace(line, **fields) if line.transfer_id == transfer_id(number) else line  # type: ignore[arg-type]
        for line in statement.lines
    )
    return replace(statement, lines=lines)


# ---------------------------------------------------------------------------------------
# Matching


def test_a_clean_city_has_no_breaks() -> None:
    report = run(*clean_city())
    assert report.breaks == ()
    assert report.nets_sum_to_zero


def test_positions_flows_and_totals() -> None:
    report = run(*clean_city())
    assert [p.node_id for p in report.positions] == [A, B, C]
    assert report.positions[0] == Position(A, 135, 2, 30, 1, -105, -5)
    assert report.flows == {(A, B): 90, (A, C): 45, (B, C): 60, (C, A): 30}
    assert list(report.flows) == sorted(report.flows)
    assert (report.committed_count, report.committed_minutes) == (4, 225)
    assert set(report.statements) == {A, B, C}


def test_flows_add_up_transfers_between_the_same_nodes() -> None:
    entries = (entry(1, A, B, 90), entry(2, A, B, 15), entry(3, B, A, 5))
    report = run(*clean_city(entries))
    assert report.breaks == ()
    assert report.flows == {(A, B): 105, (B, A): 5}


@pytest.mark.parametrize("absent", [None, "absent"])
def test_statement_missing(absent: str | None) -> None:
    view, statements = clean_city()
    if absent:
        del statements[B]
    else:
        statements[B] = None
    report = run(view, statements)
    assert only_break(report) == ("statement-missing", B, None)
    assert report.statements[B] is None


@pytest.mark.parametrize("field, value", [("cycle_id", CYCLE - 1), ("node_id", C)])
def test_a_statement_of_another_cycle_or_node_is_missing(field: str, value: object) -> None:
    view, statements = clean_city()
    statements[B] = replace(statements[B], **{field: value})  # type: ignore[type-var]
    assert only_break(run(view, statements)) == ("statement-missing", B, None)


def test_signature_invalid() -> None:
    view, statements = clean_city()
    statements[A] = replace(statements[A], signature_problem="page 2: signature does not verify")  # type: ignore[type-var]
    report = run(view, statements)
    assert only_break(report) == ("signature-invalid", A, None)
    assert "page 2" in report.breaks[0].detail


def test_a_statement_with_an_invalid_signature_is_still_matched() -> None:
    view, statements = clean_city()
    statements[A] = replace(edit_lines(statements[A], 1, amount_minutes=91), signature_problem="unknown key")
    kinds = [(found.kind, found.transfer_id) for found in run(view, statements).breaks]
    assert kinds == [("amount-mismatch", transfer_id(1)), ("signature-invalid", None)]


def test_missing_at_node() -> None:
    view, statements = clean_city()
    statement = statements[B]
    assert statement is not None
    statements[B] = replace(
        statement, lines=tuple(line for line in statement.lines if line.transfer_id != transfer_id(2))
    )
    assert only_break(run(view, statements)) == ("missing-at-node", B, transfer_id(2))


def test_missing_at_clearinghouse() -> None:
    view, statements = clean_city()
    statement = statements[C]
    assert statement is not None
    extra = StatementLine(transfer_id(99), 25, True, A, pending=False)
    statements[C] = replace(statement, lines=(*statement.lines, extra))
    report = run(view, statements)
    assert only_break(report) == ("missing-at-clearinghouse", C, transfer_id(99))
    assert f"{transfer_id(99):032x}" in report.breaks[0].detail


def test_a_booked_line_of_a_transfer_still_prepared_is_missing_at_the_clearinghouse() -> None:
    view, statements = clean_city()
    statements[A] = edit_lines(statements[A], OPEN_PREPARE, pending=False)
    assert only_break(run(view, statements)) == ("missing-at-clearinghouse", A, transfer_id(OPEN_PREPARE))


@pytest.mark.parametrize(
    "fields",
    [{"amount_minutes": 61}, {"credit": False}, {"counterparty_node_id": A}],
    ids=["amount", "direction", "counterparty"],
)
def test_amount_mismatch(fields: dict[str, object]) -> None:
    view, statements = clean_city()
    statements[C] = edit_lines(statements[C], 2, **fields)
    report = run(view, statements)
    assert only_break(report) == ("amount-mismatch", C, transfer_id(2))
    assert "the clearinghouse has it committed as a credit of 60 minutes (1.00 hours) from district-b" in (
        report.breaks[0].detail
    )


def test_pending_past_expiry_at_the_clearinghouse() -> None:
    view, statements = clean_city()
    expired = replace(view.entries[-1], expires_at_micros=CLOSED_AT)
    view = replace(view, entries=(*view.entries[:-1], expired))
    assert only_break(run(view, statements)) == ("pending-past-expiry", A, transfer_id(OPEN_PREPARE))


def test_pending_past_expiry_at_the_node_after_a_commit() -> None:
    view, statements = clean_city()
    statements[B] = edit_lines(statements[B], 1, pending=True)
    report = run(view, statements)
    assert only_break(report) == ("pending-past-expiry", B, transfer_id(1))
    assert "pending" in report.breaks[0].detail and "committed" in report.breaks[0].detail


def test_pending_past_expiry_at_the_node_without_an_open_prepare() -> None:
    view, statements = clean_city()
    statement = statements[C]
    assert statement is not None
    hold = StatementLine(transfer_id(98), 10, False, B, pending=True)
    statements[C] = replace(statement, lines=(*statement.lines, hold))
    assert only_break(run(view, statements)) == ("pending-past-expiry", C, transfer_id(98))


def test_opening_mismatch() -> None:
    view, statements = clean_city()
    report = run(view, statements, **{A: 99})
    assert only_break(report) == ("opening-mismatch", A, None)
    assert "100 minutes" in report.breaks[0].detail and "99 minutes" in report.breaks[0].detail


@pytest.mark.parametrize(
    "field, name",
    [
        ("closing_minutes", "closing minutes"),
        ("debits_minutes", "debit minutes"),
        ("debit_count", "debit count"),
        ("credits_minutes", "credit minutes"),
        ("credit_count", "credit count"),
    ],
)
def test_position_mismatch(field: str, name: str) -> None:
    view, statements = clean_city()
    statement = statements[B]
    assert statement is not None
    statements[B] = replace(statement, **{field: getattr(statement, field) + 1})
    report = run(view, statements)
    assert only_break(report) == ("position-mismatch", B, None)
    value = getattr(statement, field)
    assert f"{name} {value + 1} at the node, {value} at the clearinghouse" in report.breaks[0].detail


def test_a_line_listed_twice_is_missing_at_the_clearinghouse() -> None:
    view, statements = clean_city()
    statement = statements[A]
    assert statement is not None
    statements[A] = replace(statement, lines=(*statement.lines, statement.lines[0]))
    assert only_break(run(view, statements)) == ("missing-at-clearinghouse", A, statement.lines[0].transfer_id)


def test_a_statement_from_a_node_without_a_position() -> None:
    view, statements = clean_city()
    statement = statements[A]
    assert statement is not None
    statements["district-z"] = replace(statement, node_id="district-z", opening_minutes=0, lines=())
    report = run(view, statements)
    assert only_break(report) == ("position-mismatch", "district-z", None)
    assert set(report.statements) == {A, B, C, "district-z"}


def test_breaks_are_sorted_by_kind_node_and_transfer() -> None:
    view, statements = clean_city()
    statements[C] = None
    statements[B] = edit_lines(statements[B], 1, amount_minutes=1)
    statements[A] = replace(edit_lines(statements[A], 4, amount_minutes=2), signature_problem="bad")
    report = run(view, statements, **{B: 0})
    keys = [(found.kind, found.node_id, found.transfer_id) for found in report.breaks]
    assert keys == [
        ("amount-mismatch", A, transfer_id(4)),
        ("amount-mismatch", B, transfer_id(1)),
        ("opening-mismatch", B, None),
        ("signature-invalid", A, None),
        ("statement-missing", C, None),
    ]


def test_the_view_names_each_transfer_once() -> None:
    view, statements = clean_city()
    with pytest.raises(ValueError, match="appears twice"):
        run(replace(view, entries=(*view.entries, view.entries[0])), statements)
    with pytest.raises(ValueError, match="state"):
        entry(1, A, B, 5, "decided")


# ---------------------------------------------------------------------------------------
# Renderings


def broken_report() -> Report:
    view, statements = clean_city()
    statements[B] = None
    statements[C] = edit_lines(statements[C], 2, amount_minutes=61)
    return run(view, statements)


def test_json_is_canonical_and_complete() -> None:
    report = broken_report()
    first = report_json(report)
    assert first == report_json(broken_report())
    assert first.endswith(b"}\n")
    document = json.loads(first)
    assert first == (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    summary = document["summary"]
    assert summary["break_count"] == 2
    assert summary["breaks_by_kind"] == {kind: 0 for kind in BREAK_KINDS} | {
        "amount-mismatch": 1,
        "statement-missing": 1,
    }
    assert (summary["committed_count"], summary["committed_minutes"], summary["committed_hours"]) == (4, 225, "3.75")
    assert summary["nets_sum_to_zero"] is True
    assert document["statements"][B] is None and document["statements"][A]["line_count"] == 4
    assert document["positions"][0]["net_hours"] == "-1.75"
    assert {"debit_node_id": A, "credit_node_id": B, "amount_minutes": 90, "amount_hours": "1.50"} in document["flows"]
    mismatch = document["breaks"][0]
    assert mismatch["transfer_id"] == f"{transfer_id(2):032x}" and len(mismatch["transfer_id"]) == 32
    assert document["breaks"][1]["transfer_id"] is None
    assert document["closed_at_utc"] == "2026-01-01T01:00:00.000000Z"


def test_csv_has_one_row_per_position_flow_and_break() -> None:
    report = broken_report()
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert tuple(rows[0]) == CSV_HEADER
    records = [row[0] for row in rows[1:]]
    assert records == ["position"] * 6 + ["flow"] * 4 + ["break"] * 2
    assert rows[1][:6] == ["position", "7", A, "", "net", "-105"]
    assert rows[2][:6] == ["position", "7", A, "", "closing", "-5"]
    assert rows[7][:6] == ["flow", "7", f"{A}->{B}", "", "committed", "90"]
    assert rows[11][:5] == ["break", "7", C, f"{transfer_id(2):032x}", "amount-mismatch"]
    assert rows[12][:5] == ["break", "7", B, "", "statement-missing"]


def test_html_of_a_clean_city() -> None:
    page = report_html(run(*clean_city()))
    assert "0 breaks — clean" in page
    assert "<svg" in page
    assert "<script" not in page.lower()
    for name in NAMES.values():
        escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;")
        assert escaped in page
    assert "&lt;script&gt;" in page


def test_html_lists_breaks_by_kind() -> None:
    page = report_html(broken_report())
    assert "2 breaks" in page and "0 breaks" not in page
    assert "amount-mismatch" in page and "statement-missing" in page
    assert "<script" not in page.lower()


def test_camt053_statement() -> None:
    view, statements = clean_city()
    statement = statements[A]
    assert statement is not None
    document = statement_camt053(statement, account_name="东城 <East>")
    assert document == statement_camt053(statement, account_name="东城 <East>")
    root = ET.fromstring(document)
    assert root.tag == f"{{{CAMT053_NAMESPACE}}}Document"
    body = root.find("camt:BkToCstmrStmt/camt:Stmt", NS)
    assert body is not None
    assert body.findtext("camt:Id", namespaces=NS) == f"cycle-7-{A}"
    assert body.findtext("camt:ElctrncSeqNb", namespaces=NS) == "7"
    assert body.findtext("camt:Acct/camt:Id/camt:Othr/camt:Id", namespaces=NS) == A
    assert body.findtext("camt:Acct/camt:Nm", namespaces=NS) == "东城 <East>"
    balances = {
        balance.findtext("camt:Tp/camt:CdOrPrtry/camt:Cd", namespaces=NS): (
            balance.findtext("camt:Amt", namespaces=NS),
            balance.findtext("camt:CdtDbtInd", namespaces=NS),
        )
        for balance in body.findall("camt:Bal", NS)
    }
    assert balances == {"OPBD": ("100", "CRDT"), "CLBD": ("5", "DBIT")}
    assert body.find("camt:Bal/camt:Amt", NS).get("Ccy") == "XXX"  # type: ignore[union-attr]
    assert body.findtext("camt:TxsSummry/camt:TtlDbtNtries/camt:NbOfNtries", namespaces=NS) == "2"
    assert body.findtext("camt:TxsSummry/camt:TtlCdtNtries/camt:Sum", namespaces=NS) == "30"
    entries = body.findall("camt:Ntry", NS)
    assert len(entries) == len(statement.lines) == 4
    by_reference = {e.findtext("camt:NtryRef", namespaces=NS): e for e in entries}
    hold = by_reference[f"{transfer_id(OPEN_PREPARE):032x}"]
    assert hold.findtext("camt:Sts/camt:Cd", namespaces=NS) == "PDNG"
    assert hold.findtext("camt:CdtDbtInd", namespaces=NS) == "DBIT"
    assert B in (hold.findtext("camt:AddtlNtryInf", namespaces=NS) or "")
    credit = by_reference[f"{transfer_id(3):032x}"]
    assert (credit.findtext("camt:Sts/camt:Cd", namespaces=NS), credit.findtext("camt:CdtDbtInd", namespaces=NS)) == (
        "BOOK",
        "CRDT",
    )
    assert "minutes of service time" in (body.findtext("camt:AddtlStmtInf", namespaces=NS) or "")
    assert root.findtext("camt:BkToCstmrStmt/camt:GrpHdr/camt:CreDtTm", namespaces=NS) == "2026-01-01T01:00:05.000000Z"


def test_a_large_city_renders_in_reasonable_time() -> None:
    node_ids = [f"district-{number:02d}" for number in range(30)]
    names = {node_id: f"区 {number} <{number}>" for number, node_id in enumerate(node_ids)}
    entries = tuple(
        ClearingEntry(
            transfer_id(number), node_ids[number % 30], node_ids[(number * 7 + 1) % 30], 30 + number % 90, COMMITTED, 0
        )
        for number in range(2_500)
        if node_ids[number % 30] != node_ids[(number * 7 + 1) % 30]
    )
    positions = []
    for node_id in node_ids:
        debits = [e.amount_minutes for e in entries if e.debit_node_id == node_id]
        credits = [e.amount_minutes for e in entries if e.credit_node_id == node_id]
        net = sum(credits) - sum(debits)
        positions.append(Position(node_id, sum(debits), len(debits), sum(credits), len(credits), net, net))
    statements: dict[str, NodeStatement | None] = {
        p.node_id: NodeStatement(
            p.node_id,
            CYCLE,
            CLOSED_AT,
            "",
            0,
            p.closing_minutes,
            p.debits_minutes,
            p.debit_count,
            p.credits_minutes,
            p.credit_count,
            0,
            0,
            (),
        )
        for p in positions
    }
    view = ClearingView(CYCLE, OPENED_AT, CLOSED_AT, tuple(positions), entries, names)
    started = time.perf_counter()
    report = reconcile(view, statements, {}, GENERATED_AT)
    page = report_html(report)
    report_json(report)
    report_csv(report)
    elapsed = time.perf_counter() - started
    assert len(report.breaks) >= 4_900
    assert {found.kind for found in report.breaks} == {"missing-at-node"}
    assert elapsed < 10, elapsed
    assert page.count("</td><td><code>") == 1_000
    assert f"{len(report.breaks) - 1_000:,} more breaks" in page
    assert "&lt;29&gt;" in page and "<script" not in page.lower()
    assert len(page) < 2_000_000
