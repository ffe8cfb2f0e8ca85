"""The demo's district offices: a director's account at every node and each node's web
console, so that a newcomer can open the printed address and look at the day, and the
personal PINs of a volunteer and an elder, to open their phone pages.

Owns the demo account (printed, for the demo only: a real office makes its first director
with `timebank node add-operator` and a password of its own) and starting the consoles.
"""

from __future__ import annotations

from city.running import RunningCity
from nodes.config import load_node_config
from nodes.server import open_books
from nodes.tables import OPERATOR_TABLES
from timebank.clock import SystemClock
from timebank.operators.desk import Operators
from timebank.operators.records import NODE_STAFF, Role
from timebank.v1 import personal_pb2

__all__ = ["DEMO_DIRECTOR", "DEMO_PASSWORD", "DEMO_PINS", "open_offices", "open_phones"]

DEMO_DIRECTOR = "director"
DEMO_PASSWORD = "Demo office 2026"
# The demo's personal PINs, set as an office would, for the phone pages (/m/) of two people.
DEMO_PINS = {"林律师": "482915", "陈婆婆": "739164"}


def open_offices(city: RunningCity) -> list[str]:
    """A director at each node and its console started; the lines that say where they are."""
    for node_id in city.nodes:
        config = load_node_config(city.directory / "nodes" / node_id / "node.toml")
        books = open_books(config, SystemClock())
        try:
            Operators(books, SystemClock(), OPERATOR_TABLES, NODE_STAFF).create_account(
                None, DEMO_DIRECTOR, "演示主任", DEMO_PASSWORD, [Role.DIRECTOR.value]
            )
        finally:
            books.engine.dispose()
    city.start_consoles()
    lines = [f"  {node_id:<8} http://{party.address}/" for node_id, party in city.consoles.items()]
    return [
        f"office consoles (log in as {DEMO_DIRECTOR!r}, password {DEMO_PASSWORD!r}; the demo's account only):",
        *lines,
    ]


def open_phones(city: RunningCity, registered: dict[str, tuple[str, bytes]]) -> list[str]:
    """PINs for the demo's volunteer and elder, and the addresses their phones open."""
    lines = ["phone pages (what a volunteer or an elder sees after scanning their card; the demo's PINs only):"]
    for name, pin in DEMO_PINS.items():
        node_id, person_id = registered[name]
        client = city.client(node_id)
        client.call(client.pins.SetPin, personal_pb2.SetPinRequest(person_id=person_id, pin=pin))
        address = city.consoles[node_id].address
        lines.append(f"  {name:<4} http://{address}/m/login?person={person_id.hex()}  PIN {pin}")
    return lines
