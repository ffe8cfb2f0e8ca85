"""A party whose address is taken: a clear refusal naming server.listen, nothing left open,
and a start that waits out an address released a moment later (timebank.grpc_status.listen)."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
from collections.abc import Iterator

import pytest

from clearinghouse.server import create_server as create_clearinghouse
from nodes.config import NodeConfig
from nodes.server import create_server as create_node
from tests.support.city import RunningTestCity
from timebank import grpc_status
from timebank.clock import FakeClock
from timebank.errors import ConfigError


@pytest.fixture
def held_port() -> Iterator[socket.socket]:
    """A loopback port some other program is listening on."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder
    holder.close()


@pytest.fixture
def short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grpc_status, "LISTEN_ATTEMPTS_MAX", 4)
    monkeypatch.setattr(grpc_status, "LISTEN_RETRY_SECONDS", 0.1)


def on_port(config: NodeConfig, port: int) -> NodeConfig:
    return dataclasses.replace(config, server=dataclasses.replace(config.server, listen=f"127.0.0.1:{port}"))


@pytest.mark.usefixtures("short_retries")
def test_a_node_on_a_taken_port_is_refused_naming_the_setting(
    node_config: NodeConfig, clock: FakeClock, held_port: socket.socket
) -> None:
    port = held_port.getsockname()[1]
    with pytest.raises(ConfigError, match=rf"^server\.listen: cannot listen on 127\.0\.0\.1:{port} after 0\.4 s"):
        create_node(on_port(node_config, port), clock)
    held_port.close()
    running = create_node(on_port(node_config, port), clock)  # the refused start left nothing behind
    try:
        assert running.port == port
    finally:
        running.stop(0)


@pytest.mark.usefixtures("short_retries")
def test_a_node_waits_out_an_address_released_during_its_start(
    node_config: NodeConfig, clock: FakeClock, held_port: socket.socket
) -> None:
    port = held_port.getsockname()[1]
    release = threading.Timer(0.15, held_port.close)
    release.start()
    running = create_node(on_port(node_config, port), clock)
    release.join()
    try:
        assert running.port == port
    finally:
        running.stop(0)


@pytest.mark.usefixtures("short_retries")
def test_a_second_clearinghouse_on_the_first_ones_port_is_refused(city: RunningTestCity) -> None:
    assert city.clearinghouse is not None
    address = city.clearinghouse_config.server.listen
    with pytest.raises(ConfigError, match="^server\\.listen: cannot listen on " + re.escape(address) + " "):
        create_clearinghouse(city.clearinghouse_config, city.clock)
    assert city.client("shiqi").get_node_info().node_id == "shiqi"  # the running city is untouched
