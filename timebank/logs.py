"""How a process writes its log to standard error: readable text, or one JSON object a line.

Owns the root logger's one handler (configure replaces the one it set before) and the
JSON formatter. A JSON line holds time (UTC, ISO 8601), level, logger and message, the
ids a call named with `extra=` (transfer_id, batch_id, node_id, cycle_id; an integer or
bytes id is written as 32 hexadecimal digits, as everywhere else; None is left out),
and the exception's traceback when there is one. Formatting never raises: a value that
cannot be shown is written as its repr or as "<unprintable>". `serve` commands configure
it from the config's [logging] table; every other command from --log-level (text).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import sys
from collections.abc import Callable
from typing import Any, TextIO

from timebank import ids
from timebank.config import LoggingTable

__all__ = [
    "CHATTY_LIBRARIES",
    "CONTEXT_FIELDS",
    "ID_FIELDS",
    "JsonFormatter",
    "TEXT_FORMAT",
    "UNPRINTABLE",
    "configure",
]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ID_FIELDS = ("transfer_id", "batch_id")
CONTEXT_FIELDS = (*ID_FIELDS, "node_id", "cycle_id")
UNPRINTABLE = "<unprintable>"
# Libraries whose INFO lines say nothing an operator needs (alembic: its context at every start).
CHATTY_LIBRARIES = ("alembic",)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure installs: to the stream given, else to whatever sys.stderr is when a
    record is written (tests replace it), never to a stale one."""

    def __init__(self, fixed: TextIO | None) -> None:
        super().__init__()
        self.fixed = fixed

    @property
    def stream(self) -> TextIO:
        return self.fixed or sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(table: LoggingTable, stream: TextIO | None = None) -> logging.Handler:
    """Makes the root logger write in the table's format at its level, replacing what configure set before."""
    handler = _Handler(stream)
    handler.setFormatter(JsonFormatter() if table.format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(table.level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if table.level == "DEBUG" else logging.WARNING)
    return handler


class JsonFormatter(logging.Formatter):
    """One JSON object a line; never raises, whatever the record holds."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        for name in CONTEXT_FIELDS:
            if record.__dict__.get(name) is not None:
                document[name] = _context_value(name, record.__dict__[name])
        if record.exc_info:
            document["exception"] = _formatted(self.formatException, record.exc_info)
        if record.stack_info:
            document["stack"] = _formatted(self.formatStack, record.stack_info)
        line = json.dumps(document, ensure_ascii=False, allow_nan=False)
        return line.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"


def _utc_time(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: show both rather than lose the line
        return f"{_shown(record.msg)} {_shown(record.args)}" if record.args else _shown(record.msg)


def _formatted(format_part: Callable[[Any], str], part: Any) -> str:
    try:
        return format_part(part)
    except Exception:
        return UNPRINTABLE


def _shown(value: Any) -> str:
    for show in (str, repr):
        try:
            return show(value)
        except Exception:
            continue
    return UNPRINTABLE


def _context_value(name: str, value: Any) -> Any:
    """A value JSON can hold: ids in hex, numbers and text as they are, anything else as text."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return ids.to_hex(value) if name in ID_FIELDS and value >= 0 else value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return _shown(value)
