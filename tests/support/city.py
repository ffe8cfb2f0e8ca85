"""A city for tests: init_city on fresh databases, the clearinghouse and nodes run in this
process (real gRPC servers with mutual TLS on loopback), clients, and waits."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from sqlalchemy import text

from city import processes
from city.init import NodePlan, init_city
from clearinghouse import reports, settlement
from clearinghouse.config import ClearinghouseConfig, load_clearinghouse_config
from clearinghouse.leadership import Elector
from clearinghouse.records import ClosedCycle
from clearinghouse.server import RunningClearinghouse, create_active_server, open_elector
from nodes.client import NodeClient
from nodes.config import NodeConfig, load_node_config
from nodes.door import administrator_credential
from nodes.server import RunningNode
from nodes.server import create_server as create_node
from timebank import keys
from timebank.clock import Clock, SystemClock
from timebank.credentials import Credential
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.storage.engine import write_transaction
from timebank.v1 import ledger_pb2 as pb

WAIT_SECONDS_MAX = 30.0
NODES = ("shiqi", "dongqu", "canlian")


def raw(value: int) -> bytes:
    return value.to_bytes(16, "big")


@dataclass
class RunningTestCity:
    directory: pathlib.Path
    clearinghouse_config: ClearinghouseConfig
    node_configs: dict[str, NodeConfig]
    environ: dict[str, str]
    clearinghouse: RunningClearinghouse | None = None
    nodes: dict[str, RunningNode] = field(default_factory=dict)
    clients: dict[str, NodeClient] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)  # every party's clock
    elector: Elector | None = None  # the clearinghouse's side of its lease

    def start_clearinghouse(self) -> RunningClearinghouse:
        """The clearinghouse as `serve` runs it when active: on its lease, every write fenced."""
        if self.elector is None:
            self.elector = open_elector(self.clearinghouse_config, self.clock)
        assert self.elector.try_take() is not None, f"another clearinghouse holds the lease: {self.elector.current()}"
        self.clearinghouse = create_active_server(self.clearinghouse_config, self.clock, self.elector)
        return self.clearinghouse

    def start_node(self, node_id: str) -> RunningNode:
        self.nodes[node_id] = create_node(self.node_configs[node_id], self.clock)
        return self.nodes[node_id]

    def stop_node(self, node_id: str) -> None:
        client = self.clients.pop(node_id, None)
        if client:
            client.close()
        self.nodes.pop(node_id).stop(0)

    def client(self, node_id: str) -> NodeClient:
        if node_id not in self.clients:
            credential = self.credential(node_id)
            self.clients[node_id] = NodeClient(self.address(node_id), attempts_max=1, credential=credential)
        return self.clients[node_id]

    def credential(self, node_id: str) -> Credential:
        """The node's administrator credential."""
        return administrator_credential(self.node_configs[node_id])

    def address(self, node_id: str) -> str:
        return f"127.0.0.1:{self.nodes[node_id].port}"

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        for node in self.nodes.values():
            node.stop(0)
        if self.clearinghouse is not None:
            self.clearinghouse.stop(0)
        if self.elector is not None:
            self.elector.engine.dispose()

    def member(self, node_id: str, number: int, minutes: int = 0) -> bytes:
        """A member account at a node, with minutes deposited from the node's issuance."""
        account = raw(0xA000 << 112 | number)
        client = self.client(node_id)
        client.create_accounts([pb.Account(id=account, kind=pb.ACCOUNT_KIND_MEMBER, holder=f"m{number}")])
        if minutes:
            client.submit_transfer(
                pb.Transfer(
                    id=raw(0xD000 << 112 | number),
                    kind=pb.TRANSFER_KIND_SINGLE_PHASE,
                    debit_account_id=raw(1),
                    credit_account_id=account,
                    amount_minutes=minutes,
                )
            )
        return account

    def submit(self, node_id: str, **fields: object) -> pb.ItemResult:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=[pb.CrossNodeTransfer(**fields)])
        return self.client(node_id).stub.SubmitCrossNodeTransfers(request, timeout=10).results[0]

    def state(self, node_id: str, transfer_id: bytes) -> pb.GetCrossNodeTransferResponse:
        return self.client(node_id).stub.GetCrossNodeTransfer(
            pb.GetCrossNodeTransferRequest(id=transfer_id), timeout=10
        )

    def final(self, node_id: str, transfer_id: bytes) -> pb.GetCrossNodeTransferResponse:
        """The transfer's state at a node once it is no longer held (it may not have arrived yet)."""

        def read() -> pb.GetCrossNodeTransferResponse | None:
            try:
                return self.state(node_id, transfer_id)
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                return None

        return wait_for(read, lambda v: v is not None and v.state != pb.CROSS_NODE_STATE_HELD)

    def move(self, transfer_id: bytes, source: str, target: str, minutes: int) -> bytes:
        """A cross-node transfer from member 1 of source to member 2 of target, committed at both."""
        result = self.submit(
            source,
            id=transfer_id,
            local_account_id=raw(0xA000 << 112 | 1),
            remote_node_id=target,
            remote_account_id=raw(0xA000 << 112 | 2),
            amount_minutes=minutes,
            memo=f"move {transfer_id.hex()[-4:]}",
        )
        assert result.outcome == pb.OUTCOME_OK, result
        assert self.final(source, transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED
        assert self.final(target, transfer_id).state == pb.CROSS_NODE_STATE_COMMITTED
        return transfer_id

    def balance(self, node_id: str, account: bytes) -> int:
        return self.client(node_id).get_account(account).balance_minutes

    def clearinghouse_sql(self, statement: str) -> list[tuple[object, ...]]:
        assert self.clearinghouse is not None
        with write_transaction(self.clearinghouse.coordinator.books.engine) as connection:
            result = connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []


def wait_for(read: Callable[[], object], done: Callable[[object], bool], seconds: float = WAIT_SECONDS_MAX):  # type: ignore[no-untyped-def]
    """Polls read() until done(value), bounded in time (the protocol runs in other threads)."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not done after {seconds} s: {value}")
        time.sleep(0.01)


def make_city(
    directory: pathlib.Path,
    database_urls: dict[str, str],
    environ: dict[str, str] | None = None,
    clock: Clock | None = None,
) -> RunningTestCity:
    base = processes.free_port_range(len(NODES) + 1)
    plan = [
        NodePlan(node_id, node_id.upper(), "district", f"127.0.0.1:{base + 1 + i}") for i, node_id in enumerate(NODES)
    ]
    city = init_city(directory, plan, clock=SystemClock(), base_port=base, database_urls=database_urls)
    environ = environ or {}
    return RunningTestCity(
        directory,
        load_clearinghouse_config(city.clearinghouse_config, environ=environ),
        {node.node_id: load_node_config(path, environ=environ) for node, path in city.nodes},
        environ,
        clock=clock or SystemClock(),
    )


PARTIES = (CLEARINGHOUSE_ID, *NODES)


def close_and_collect(city: RunningTestCity) -> ClosedCycle:
    """Closes a settlement cycle and waits until every node's statement of it is in."""
    assert city.clearinghouse is not None
    closed = city.clearinghouse.coordinator.close_cycle()
    assert closed is not None
    engine = city.clearinghouse.coordinator.books.engine

    def all_in() -> bool:
        with engine.connect() as connection:
            return settlement.all_statements_in(connection, closed.cycle_id)

    wait_for(all_in, bool)
    return closed


def cycle_report(city: RunningTestCity, cycle_id: int) -> reports.WrittenReport:
    """The bureau's signed reconciliation report of a closed cycle."""
    assert city.clearinghouse is not None
    key = keys.load_signing_key(city.directory / "clearinghouse" / "keys" / "signing-key.pem")
    return reports.make(city.clearinghouse.coordinator.books, key, cycle_id, 1)
