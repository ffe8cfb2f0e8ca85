"""The console's configuration: its defaults, and each wrong key named."""

from __future__ import annotations

import pathlib

import pytest

from console.config import load_console_config, write_console_config
from timebank.errors import ConfigError


def test_a_written_config_loads_back(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "console.toml"
    write_console_config(path, listen="127.0.0.1:7481", node="127.0.0.1:7401", office_name="东区时间银行")
    table = load_console_config(path, environ={}).console
    assert (table.listen, table.node, table.office_name, table.secure_cookies) == (
        "127.0.0.1:7481",
        "127.0.0.1:7401",
        "东区时间银行",
        False,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('listen = "0.0.0.0:7480"', "plain HTTP is served on loopback only"),
        ('listen = "nowhere"', "listen:"),
        ("deadline_seconds = 0.0", "deadline_seconds"),
        ("utc_offset_hours = 20", "utc_offset_hours"),
        ("colour = 1", "console.colour: unknown key"),
        ('public_url = "tb.example.cn"', "public_url: got .*want an address starting https://"),
    ],
)
def test_a_wrong_key_is_named(tmp_path: pathlib.Path, text: str, message: str) -> None:
    path = tmp_path / "console.toml"
    path.write_text(f"[console]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_console_config(path, environ={})


def test_behind_an_https_proxy_it_may_listen_on_the_office_network(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text('[console]\nlisten = "0.0.0.0:7480"\nsecure_cookies = true\n', encoding="utf-8")
    assert load_console_config(path, environ={}).console.secure_cookies


def test_minutes_are_shown_in_hours_and_minutes() -> None:
    from console.labels import duration, text

    chinese, english = text("zh"), text("en")
    assert [duration(minutes, chinese) for minutes in (0, 45, 60, 90, -30)] == [
        "0 分钟",
        "45 分钟",
        "1 小时",
        "1 小时 30 分钟",
        "-30 分钟",
    ]
    assert duration(125, english) == "2 h 5 min"


def test_a_demands_window_is_read_at_the_offices_offset() -> None:
    from console.orders import WindowProblem, window_micros

    start, end = window_micros("2026-03-02", "09:30", "60", 8)
    assert start == 1_772_415_000_000_000 and end - start == 60 * 60_000_000  # 01:30 UTC
    for day, at, minutes, field in (
        ("2026-02-30", "09:30", "60", "window:"),
        ("2026-03-02", "9h30", "60", "window:"),
        ("2026-03-02", "09:30", "0", "minutes: got '0'"),
        ("2026-03-02", "09:30", "-5", "minutes: got '-5'"),
    ):
        with pytest.raises(WindowProblem, match=field):
            window_micros(day, at, minutes, 8)
