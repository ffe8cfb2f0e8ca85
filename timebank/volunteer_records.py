"""Files of volunteer service records from the platforms the city already runs (志愿中山,
i志愿, 全国志愿服务信息系统), in the time bank's own template or in another column layout
adapted by a mapping file: read into rows of the template's fields, as text.

No public export specification exists for those platforms, so the template is ours, with
the fields of 《志愿服务记录与证明出具办法(试行)》 (民政部令第67号): the platform, the record's
id there, the volunteer's name, identity document type and number, national volunteer
number, the organisation, the activity, the date, the sign-in and sign-out times, the hours
as the platform states them, and how the record arose. Owns reading: CSV (UTF-8, with or
without a byte-order mark, or GB18030 as spreadsheet programs in China save it) and XLSX
(the first sheet), the header row matched to the fields by the template's Chinese name,
the field's own name, or the mapping file's column; values fixed by the mapping for a
file without a column. Checking a row is the node's (nodes.care.importing). Must not:
know the database or the wire.
"""

from __future__ import annotations

import csv
import datetime
import io
import pathlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from timebank.errors import ConfigError

__all__ = [
    "FIELDS",
    "ROWS_MAX",
    "TEMPLATE_HEADER",
    "ColumnMapping",
    "RecordFile",
    "load_mapping",
    "parse_mapping",
    "read_records",
    "template_csv",
]

# (field, the template's column name): the order of the template.
FIELDS: tuple[tuple[str, str], ...] = (
    ("platform", "来源平台"),
    ("source_record_id", "来源记录编号"),
    ("name", "姓名"),
    ("identity_type", "证件类型"),
    ("identity_number", "证件号码"),
    ("volunteer_number", "志愿者编号"),
    ("organisation", "服务组织"),
    ("activity", "活动名称"),
    ("service_date", "服务日期"),
    ("sign_in", "签到时间"),
    ("sign_out", "签退时间"),
    ("stated_hours", "服务时长(小时)"),
    ("origin", "记录方式"),
)
TEMPLATE_HEADER = tuple(title for _, title in FIELDS)
ROWS_MAX = 10_000
BYTES_MAX = 20 * 1024 * 1024
FIELD_NAMES = frozenset(name for name, _ in FIELDS)


@dataclass(frozen=True)
class ColumnMapping:
    """How another layout's columns stand for the template's fields: columns by field, and
    values fixed for every row (for a file without that column)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordFile:
    """The rows of a file: each the template's fields as text, with its line in the file."""

    rows: list[dict[str, str]]
    unknown_columns: tuple[str, ...]  # columns of the file no field reads


def load_mapping(path: pathlib.Path) -> ColumnMapping:
    """A mapping file (TOML): [columns] field = "the file's column", [fixed] field = "value"."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"mapping: cannot read {path}: {error}") from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, path: str) -> ColumnMapping:
    """A mapping file's text (TOML); ConfigError naming what is wrong in it."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"mapping: {path} is not TOML: {error}") from None
    unknown = sorted(set(document) - {"columns", "fixed"})
    if unknown:
        raise ConfigError(f"mapping: {path}: unknown tables {unknown}; want [columns] and [fixed]")
    tables = {name: document.get(name, {}) for name in ("columns", "fixed")}
    for name, table in tables.items():
        wrong = sorted(key for key, value in table.items() if key not in FIELD_NAMES or not isinstance(value, str))
        if wrong:
            raise ConfigError(
                f'mapping: [{name}] {wrong}: want field = "text" for fields among {", ".join(n for n, _ in FIELDS)}'
            )
    return ColumnMapping(tables["columns"], tables["fixed"])


def read_records(data: bytes, file_name: str, mapping: ColumnMapping | None = None) -> RecordFile:
    """The rows of a CSV or XLSX file; ConfigError naming what makes it unreadable."""
    if len(data) > BYTES_MAX:
        raise ConfigError(f"file: {file_name} holds {len(data)} bytes, want at most {BYTES_MAX}")
    table = _xlsx(data, file_name) if file_name.lower().endswith(".xlsx") else _csv(data, file_name)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ConfigError(f"file: {file_name} is empty; want a header row and at least one record")
    return _rows(table, file_name, mapping or ColumnMapping())


def _csv(data: bytes, file_name: str) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise ConfigError(f"file: {file_name} is neither UTF-8 nor GB18030 text; save it as CSV (UTF-8)")


def _xlsx(data: bytes, file_name: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several kinds for a file that is not a workbook
        raise ConfigError(f"file: {file_name} is not an XLSX workbook: {error}") from None
    sheet = book.worksheets[0]
    return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the template writes it: dates YYYY-MM-DD, times HH:MM."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(table: list[list[str]], file_name: str, mapping: ColumnMapping) -> RecordFile:
    header = [cell.strip() for cell in table[0]]
    positions = _positions(header, mapping)
    missing = [title for name, title in FIELDS if name not in positions and name not in mapping.fixed]
    required_missing = [title for title in missing if title not in ("志愿者编号", "服务组织", "证件类型")]
    if required_missing:
        raise ConfigError(
            f"file: {file_name} lacks the columns {', '.join(required_missing)}; use the template's header "
            "(`timebank care import --template`) or a mapping file (--mapping)"
        )
    if len(table) - 1 > ROWS_MAX:
        raise ConfigError(f"file: {file_name} holds {len(table) - 1} records, want at most {ROWS_MAX} a file")
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        row = {name: (cells[index].strip() if index < len(cells) else "") for name, index in positions.items()}
        row.update({name: value for name, value in mapping.fixed.items() if not row.get(name)})
        row.setdefault("identity_type", "居民身份证")
        row["row_number"] = str(line)
        rows.append(row)
    used = set(positions.values())
    unknown = tuple(title for index, title in enumerate(header) if index not in used and title)
    return RecordFile(rows, unknown)


def _positions(header: list[str], mapping: ColumnMapping) -> dict[str, int]:
    """Each field's column: the mapping's, or the template's Chinese name, or the field's name."""
    found = {}
    for name, title in FIELDS:
        for wanted in (mapping.columns.get(name), title, name):
            if wanted and wanted in header:
                found[name] = header.index(wanted)
                break
    return found


def template_csv() -> str:
    """The template: its header and one example record, UTF-8 with a byte-order mark."""
    example = (
        "志愿中山", "ZS-2026-000123", "林志愿", "居民身份证", "44200019900202xxxx", "", "石岐街道志愿服务队",
        "长者助餐", "2026-11-20", "09:00", "10:30", "1.5", "签到签退",
    )  # fmt: skip
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(example)
    return "\ufeff" + stream.getvalue()
