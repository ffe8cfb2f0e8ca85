"""Checking a console page's exports against the page itself: the tables as the browser
shows them (each cell's innerText; the actions column left out, as the export leaves it),
and the same page's XLSX workbook and CSV files opened with openpyxl and csv."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

ACTIONS = ("操作", "Actions")

READ_TABLES = """() => Array.from(document.querySelectorAll('main table')).map(table =>
  Array.from(table.querySelectorAll(':scope > thead > tr, :scope > tbody > tr, :scope > tr')).map(row =>
    Array.from(row.children).map(cell => cell.innerText.replace(/\\s+/g, ' ').trim())))"""


def shown_tables(page: Any) -> list[list[list[str]]]:
    """Each table of the page: its rows of cell texts, without the actions column or the
    row that stands for an empty list."""
    tables = []
    for rows in page.evaluate(READ_TABLES):
        header = rows[0] if rows else []
        dropped = {index for index, title in enumerate(header) if title in ACTIONS}
        kept = [[cell for index, cell in enumerate(row) if index not in dropped] for row in rows]
        tables.append([row for row in kept if len(row) > 1 or len(header) <= 1])
    return tables


def _with_format(url: str, form: str, table: int = 0) -> str:
    joiner = "&" if "?" in url else "?"
    extra = f"&table={table}" if table else ""
    return f"{url}{joiner}format={form}{extra}"


def assert_exports_match(page: Any) -> list[list[list[object]]]:
    """Every table of the page the browser is on, compared cell by cell with its sheet in the
    page's XLSX export and with its CSV export; the sheets' values."""
    shown = shown_tables(page)
    answer = page.request.get(_with_format(page.url, "xlsx"))
    assert answer.ok, answer.text()
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(answer.body()), read_only=True)
    sheets = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert len(sheets) == len(shown), (len(sheets), len(shown))
    for number, (table, sheet) in enumerate(zip(shown, sheets, strict=True), start=1):
        as_text = [["" if cell is None else str(cell) for cell in row] for row in sheet]
        assert as_text == table, f"table {number}: export {as_text[:3]}... page {table[:3]}..."
        exported = page.request.get(_with_format(page.url, "csv", number))
        assert exported.ok and exported.text().startswith("\ufeff")
        assert list(csv.reader(io.StringIO(exported.text()[1:]))) == table, f"table {number}: CSV differs"
    return sheets
