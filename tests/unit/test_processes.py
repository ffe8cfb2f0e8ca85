"""Finding loopback ports for the parties of a city (city.processes)."""

from __future__ import annotations

import pathlib

from city import processes


def test_ports_are_taken_below_the_ephemeral_range() -> None:
    ephemeral_low = processes.ephemeral_port_low()
    for _ in range(20):
        base = processes.free_port_range(4)
        assert processes.PORT_RANGE_LOW <= base
        assert base + 4 <= min(ephemeral_low, processes.PORT_RANGE_HIGH)


def test_the_ephemeral_range_is_read_from_the_kernel_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ip_local_port_range"
    path.write_text("40000\t60999\n", encoding="ascii")
    assert processes.ephemeral_port_low(path) == 40_000


def test_an_unreadable_range_falls_back_to_linux_default(tmp_path: pathlib.Path) -> None:
    assert processes.ephemeral_port_low(tmp_path / "missing") == processes.EPHEMERAL_PORT_LOW_DEFAULT
    garbled = tmp_path / "garbled"
    garbled.write_text("not a number", encoding="ascii")
    assert processes.ephemeral_port_low(garbled) == processes.EPHEMERAL_PORT_LOW_DEFAULT
