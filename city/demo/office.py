"""The demo's district offices and bureau: a director's account at every node and each
node's web console, an administrator at the clearinghouse and the bureau's console, so that
a newcomer can open the printed addresses and look at the day, and the personal PINs of a
volunteer and an elder, to open their phone pages.

Owns the demo accounts (printed, for the demo only: a real office makes its first director
with `timebank node add-operator`, the bureau its first administrator with `timebank
clearinghouse add-operator`, each with a password of its own) and starting the consoles.
"""

from __future__ import annotations

from city.running import RunningCity
from clearinghouse.config import load_clearinghouse_config
from clearinghouse.server import open_books as open_clearinghouse_books
from clearinghouse.tables import OPERATOR_TABLES as CLEARINGHOUSE_OPERATOR_TABLES
from nodes.config import load_node_config
from nodes.server import open_books
from nodes.tables import OPERATOR_TABLES
from timebank.clock import SystemClock
from timebank.operators.desk import Operators
from timebank.operators.records import BUREAU_STAFF, NODE_STAFF, Role
from timebank.v1 import personal_pb2

__all__ = ["DEMO_BUREAU", "DEMO_DIRECTOR", "DEMO_PASSWORD", "DEMO_PINS", "open_offices", "open_phones"]

DEMO_DIRECTOR = "director"
DEMO_BUREAU = "bureau.admin"
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
    _bureau_administrator(city)
    city.start_consoles()
    lines = [f"  {node_id:<8} http://{party.address}/" for node_id, party in city.consoles.items()]
    assert city.bureau_console is not None
    return [
        f"office consoles (log in as {DEMO_DIRECTOR!r}, password {DEMO_PASSWORD!r}; the demo's account only):",
        *lines,
        f"the bureau's console (log in as {DEMO_BUREAU!r}, password {DEMO_PASSWORD!r}; the demo's account only):",
        f"  bureau   http://{city.bureau_console.address}/",
    ]


def _bureau_administrator(city: RunningCity) -> None:
    """The demo's administrator at the clearinghouse (a real bureau: `timebank clearinghouse add-operator`)."""
    config = load_clearinghouse_config(city.directory / "clearinghouse" / "clearinghouse.toml")
    books = open_clearinghouse_books(config, SystemClock())
    try:
        Operators(books, SystemClock(), CLEARINGHOUSE_OPERATOR_TABLES, BUREAU_STAFF).create_account(
            None, DEMO_BUREAU, "演示管理员", DEMO_PASSWORD, [Role.ADMINISTRATOR.value]
        )
    finally:
        books.engine.dispose()


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
