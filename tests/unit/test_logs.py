"""The log's JSON lines: fields, ids in hex, and never an exception whatever a record holds."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from timebank import logs
from timebank.config import LoggingTable

TRANSFER_ID = 0xDE70_0000_0000_0000_0000_0000_0000_0001


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def formatted(message: object, arguments: tuple[object, ...] = (), **fields: Any) -> dict[str, Any]:
    """A record formatted as the JSON handler would: exactly one line of valid JSON."""
    record = logging.makeLogRecord(
        {"name": "timebank.test", "levelname": "INFO", "levelno": 20, "msg": message, "args": arguments, **fields}
    )
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    return dict(json.loads(line))


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_a_line_holds_time_level_logger_message_and_the_ids_given(root_restored: None) -> None:
    buffer = io.StringIO()
    logs.configure(LoggingTable("json", "INFO"), buffer)
    logging.getLogger("timebank.test").info(
        "transfer %032x COMMIT %s",
        TRANSFER_ID,
        "多行\n理由",
        extra={"transfer_id": TRANSFER_ID, "batch_id": b"\x00\xff", "node_id": "石岐", "cycle_id": 7},
    )
    (text,) = buffer.getvalue().splitlines()
    line = json.loads(text)
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "timebank.test",
        "message": f"transfer {TRANSFER_ID:032x} COMMIT 多行\n理由",
        "transfer_id": f"{TRANSFER_ID:032x}",
        "batch_id": "00ff",
        "node_id": "石岐",
        "cycle_id": 7,
    }
    assert "石岐" in text  # readable, not escaped
    assert line["time"].endswith("Z") and line["time"][10] == "T"


def test_ids_are_left_out_when_not_given_or_none() -> None:
    assert set(formatted("plain")) == {"time", "level", "logger", "message"}
    aborted = formatted("aborted", transfer_id=5, cycle_id=None)
    assert aborted["transfer_id"] == "0" * 31 + "5" and "cycle_id" not in aborted


def test_odd_values_never_raise() -> None:
    assert formatted("%d and %d", (1,))["message"] == "%d and %d (1,)"  # too few arguments for the format
    assert formatted(Unprintable())["message"] == "<unprintable>"
    odd = formatted("odd", node_id=Unprintable(), cycle_id=float("nan"), batch_id="\ud800")
    assert odd["node_id"] == "<unprintable>" and odd["cycle_id"] == "nan"
    assert odd["batch_id"] == "?"  # a lone surrogate cannot be written as UTF-8
    other = formatted("other", node_id=object(), cycle_id=-1, transfer_id=True, batch_id=-2)
    assert other["node_id"].startswith("<object object") and other["cycle_id"] == -1
    assert other["transfer_id"] is True and other["batch_id"] == -2
    assert formatted("huge", cycle_id=2**200)["cycle_id"] == 2**200


def test_an_exception_is_written_with_its_traceback() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        line = formatted("a pass failed", exc_info=sys.exc_info(), batch_id=1)
    assert line["batch_id"] == "0" * 31 + "1"
    assert "Traceback" in line["exception"] and "ValueError: broken" in line["exception"]


def test_configure_replaces_its_own_handler_and_sets_the_level(root_restored: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    logs.configure(LoggingTable("json", "DEBUG"), first)
    logs.configure(LoggingTable("text", "WARNING"), second)
    logger = logging.getLogger("timebank.test.text")
    logger.info("not at WARNING")
    logger.warning("shown as text")
    assert first.getvalue() == ""
    text = second.getvalue()
    assert text.count("\n") == 1 and " WARNING timebank.test.text: shown as text" in text
