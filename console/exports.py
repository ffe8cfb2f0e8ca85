"""Exports (导出) of every table a console page shows, as CSV and as an XLSX workbook: the
tables are read back from the page's own HTML, so an export holds exactly the columns and
the cells the page shows (identity numbers masked as they are on screen), in every row of
the list rather than one page of it.

Owns reading the tables of a page (a heading before a table names it; the text of forms,
buttons and scripts is not a cell's; a column of actions is left out: one whose header has
the class "actions", or whose cells hold forms and nothing else), writing them
(CSV in UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese; XLSX
with openpyxl, one sheet per table, whole numbers as numbers) and the download.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from starlette.exceptions import HTTPException
from starlette.responses import Response

__all__ = ["EXPORT_FORMATS", "SHEET_TITLE_MAX", "Table", "download", "exporting", "tables_of"]

EXPORT_FORMATS = ("csv", "xlsx")
SHEET_TITLE_MAX = 31  # what a spreadsheet's sheet name may hold
SKIPPED = frozenset({"form", "button", "select", "script", "style", "textarea", "svg", "template"})
HEADINGS = frozenset({"h1", "h2", "h3"})
SPACES = re.compile(r"\s+")
WHOLE_NUMBER = re.compile(r"-?\d{1,15}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    name: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    interactive: bool = False  # held a form or a button: an action, not a value
    header: bool = False
    actions: bool = False  # the header of a column of actions (class "actions")

    @property
    def text(self) -> str:
        return SPACES.sub(" ", "".join(self.parts)).strip()


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[Table, list[list[_Cell]]]] = []
        self.heading: list[str] | None = None
        self.last_heading = ""
        self.skipping = 0
        self.depth = 0  # tables inside tables are read as text of their cell
        self.row: list[_Cell] | None = None
        self.cell: _Cell | None = None
        self.links: list[bool] = []  # each open <a>: drawn as a button?

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append("button" in (dict(attributes).get("class") or "").split())
            if self.links[-1]:
                tag = "button"  # a link drawn as a button is an action, like a button
        if tag in SKIPPED:
            self.skipping += 1
            if self.cell is not None and tag in ("form", "button"):
                self.cell.interactive = True
        elif tag in HEADINGS and self.depth == 0:
            self.heading = []
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append((Table(self.last_heading or f"table {len(self.tables) + 1}"), []))
        elif self.depth == 1 and tag == "tr":
            self.row = []
        elif self.depth == 1 and tag in ("td", "th") and self.row is not None:
            classes = (dict(attributes).get("class") or "").split()
            self.cell = _Cell(header=tag == "th", actions="actions" in classes)
            self.row.append(self.cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links and self.links.pop():
            tag = "button"
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in HEADINGS and self.heading is not None:
            self.last_heading = SPACES.sub(" ", "".join(self.heading)).strip()
            self.heading = None
        elif tag == "table":
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and tag == "tr" and self.row is not None:
            if self.row:
                self.tables[-1][1].append(self.row)
            self.row = None
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.parts.append(data)
        elif self.heading is not None:
            self.heading.append(data)


def tables_of(html: str) -> list[Table]:
    """The tables of a page, each with its header row and its rows of cell texts."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [_shaped(table, rows) for table, rows in reader.tables]


def _shaped(table: Table, rows: list[list[_Cell]]) -> Table:
    header = rows[0] if rows and all(cell.header for cell in rows[0]) else []
    body = [row for row in (rows[1:] if header else rows) if not _placeholder(row, len(header))]
    width = max([len(header), *(len(row) for row in body)], default=0)
    marked = {column for column, cell in enumerate(header) if cell.actions}
    kept = [column for column in range(width) if column not in marked and not _actions_only(body, column)]
    table.header = [header[column].text if column < len(header) else "" for column in kept]
    table.rows = [[row[column].text if column < len(row) else "" for column in kept] for row in body]
    return table


def _placeholder(row: list[_Cell], width: int) -> bool:
    """A row standing for an empty list ("暂无数据" across the whole table)."""
    return width > 1 and len(row) == 1


def _actions_only(body: list[list[_Cell]], column: int) -> bool:
    cells = [row[column] for row in body if column < len(row)]
    return any(cell.interactive for cell in cells) and all(cell.interactive or not cell.text for cell in cells)


def exporting(format_name: str) -> bool:
    return format_name in EXPORT_FORMATS


def download(html: str, format_name: str, stem: str, table_number: str = "") -> Response:
    """The page's tables as a file to save: XLSX (every table a sheet), or CSV (the first
    table, or the one numbered from 1 by table_number). 404 when the page has none."""
    tables = tables_of(html)
    if not tables:
        raise HTTPException(404, "format: this page shows no table to export")
    if format_name == "xlsx":
        return _response(_workbook(tables), XLSX, f"{stem}.xlsx")
    number = int(table_number) if table_number.isdigit() else 1
    if not 1 <= number <= len(tables):
        raise HTTPException(404, f"table: got {table_number[:10]!r}, want 1 to {len(tables)}")
    chosen = tables[number - 1]
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(chosen.header)
    writer.writerows(chosen.rows)
    return _response(("\ufeff" + stream.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{stem}.csv")


def _workbook(tables: list[Table]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for number, table in enumerate(tables, start=1):
        sheet = book.create_sheet(_sheet_title(table.name, number, used))
        sheet.append(table.header)
        for row in table.rows:
            sheet.append([int(cell) if WHOLE_NUMBER.fullmatch(cell) else cell for cell in row])
        for column, title in enumerate(table.header, start=1):
            width = max([len(title), *(len(row[column - 1]) for row in table.rows)], default=8)
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = min(60, width * 2 + 2)
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


def _sheet_title(name: str, number: int, used: set[str]) -> str:
    """A sheet name from the table's heading: no []:*?/\\ characters, at most 31, unique."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip() or f"table {number}"
    title = cleaned[:SHEET_TITLE_MAX]
    if title in used:
        suffix = f" ({number})"
        title = cleaned[: SHEET_TITLE_MAX - len(suffix)] + suffix
    used.add(title)
    return title


def _response(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"content-disposition": f'attachment; filename="{filename}"'})
