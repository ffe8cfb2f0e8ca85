"""A city running on this machine: every party started as its own process from `city init`'s files.

Owns starting a city (`start_city`: a clearinghouse and its nodes, each a `timebank ...
serve` process on free loopback ports) and the handle on it (`RunningCity`: addresses,
clients, restarts, stop), and the parties' databases on a PostgreSQL server
(`party_databases`: one new database each, dropped at the end unless kept). The demo, the
benchmark and the integration tests use it; it decides nothing about what runs in the city.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from city import processes
from city.init import NodePlan, init_city
from clearinghouse.config import load_clearinghouse_config
from nodes.client import NodeClient
from nodes.config import NodeConfig, load_node_config
from nodes.door import administrator_credential
from timebank import metrics
from timebank.clock import SystemClock
from timebank.protocol import CLEARINGHOUSE_ID

__all__ = ["CITY", "metrics_urls", "party_databases", "RunningCity", "start_city"]

CITY = [
    NodePlan("shiqi", "石岐街道", "district", ""),
    NodePlan("dongqu", "东区街道", "district", ""),
    NodePlan("canlian", "市残联", "department", ""),
]


@dataclass
class RunningCity:
    directory: pathlib.Path
    clearinghouse: processes.Party
    clearinghouse_database: str
    nodes: dict[str, processes.Party]
    clients: dict[str, NodeClient] = field(default_factory=dict)
    consoles: dict[str, processes.Party] = field(default_factory=dict)
    bureau_console: processes.Party | None = None

    def client(self, node_id: str) -> NodeClient:
        """A client of the node, presenting its administrator's credential."""
        if node_id not in self.clients:
            credential = administrator_credential(self.node_config(node_id))
            self.clients[node_id] = NodeClient(self.nodes[node_id].address, deadline_seconds=10, credential=credential)
        return self.clients[node_id]

    def node_config(self, node_id: str) -> NodeConfig:
        return load_node_config(self.directory / "nodes" / node_id / "node.toml")

    def restart_node(self, node_id: str, *, crash: bool, environment: dict[str, str] | None = None) -> None:
        party = self.nodes[node_id]
        if crash:
            party.kill()
        client = self.clients.pop(node_id, None)
        if client:
            client.close()
        party.restart(environment)

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        for party in self.parties():
            party.stop()

    def parties(self) -> list[processes.Party]:
        """Every process of the city: consoles first, then the nodes, the clearinghouse last."""
        bureau = [self.bureau_console] if self.bureau_console is not None else []
        return [*bureau, *self.consoles.values(), *self.nodes.values(), self.clearinghouse]

    def start_consoles(self) -> None:
        """Starts each node's office console (its console.toml, written by `timebank city init`)
        and the bureau's (bureau/bureau-console.toml)."""
        for node_id in self.nodes:
            config = self.directory / "nodes" / node_id / "console.toml"
            self.consoles[node_id] = processes.start(
                processes.timebank_command("console", "serve", "--config", str(config)), config.parent / "console.log"
            )
        bureau = self.directory / "bureau" / "bureau-console.toml"
        self.bureau_console = processes.start(
            processes.timebank_command("console", "bureau", "--config", str(bureau)), bureau.parent / "console.log"
        )


def start_city(
    directory: pathlib.Path,
    plan: list[NodePlan],
    environments: dict[str, dict[str, str]] | None = None,
    database_urls: dict[str, str] | None = None,
) -> RunningCity:
    """Creates a city in directory and starts every party; environments adds variables per
    party; database_urls gives a party's database (default: SQLite files in the city)."""
    environments = environments or {}
    base = processes.free_port_range(len(plan) + 1)
    plan = [NodePlan(p.node_id, p.display_name, p.kind, f"127.0.0.1:{base + 1 + i}") for i, p in enumerate(plan)]
    city = init_city(directory, plan, clock=SystemClock(), base_port=base, database_urls=database_urls)
    clearinghouse = processes.start(
        processes.timebank_command("clearinghouse", "serve", "--config", str(city.clearinghouse_config)),
        directory / "clearinghouse" / "clearinghouse.log",
        environment=environments.get("clearinghouse"),
    )
    nodes = {}
    for node, config in city.nodes:
        nodes[node.node_id] = processes.start(
            processes.timebank_command("node", "serve", "--config", str(config)),
            config.parent / "node.log",
            environment=environments.get(node.node_id),
        )
    database = (database_urls or {}).get(
        CLEARINGHOUSE_ID, f"sqlite:///{directory / 'clearinghouse' / 'clearinghouse.db'}"
    )
    return RunningCity(directory, clearinghouse, database, nodes)


@contextmanager
def party_databases(
    server_url: str, prefix: str, parties: Sequence[str] = (), keep: bool = False, replace: bool = False
) -> Iterator[dict[str, str]]:
    """One new database per party (the clearinghouse and CITY's nodes unless parties are
    given) on the server of server_url, named PREFIX_PARTY (the role needs CREATEDB); yields
    each party's URL; drops them at the end unless keep. replace: a database of the same name
    left by a run that was killed is dropped first (for a prefix no one else uses)."""
    base = make_url(server_url)
    parties = parties or (CLEARINGHOUSE_ID, *(plan.node_id for plan in CITY))
    names = {party: f"{prefix}_{party}" for party in parties}
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # outlives a server restart
    try:
        with admin.connect() as connection:
            for name in names.values():
                if replace:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield {party: base.set(database=name).render_as_string(hide_password=False) for party, name in names.items()}
    finally:
        if not keep:
            with admin.connect() as connection:
                for name in names.values():
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def metrics_urls(city: RunningCity) -> dict[str, str]:
    """Where each party serves /metrics, from its config (`timebank city init` turns them on)."""
    configs: dict[str, Any] = {
        CLEARINGHOUSE_ID: load_clearinghouse_config(city.directory / "clearinghouse" / "clearinghouse.toml")
    }
    configs.update({node_id: city.node_config(node_id) for node_id in city.nodes})
    return {party: metrics.url(config.metrics.listen) for party, config in configs.items() if config.metrics.listen}
