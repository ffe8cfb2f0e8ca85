"""The simulated city: parties on SQLite files, their clocks, and the network between them.

Owns what the simulator replaces in production: time (one world clock, and per party a
skew), randomness (every key, id and nonce from the seed), the network (messages in
flight, lost, duplicated, delayed, reordered or cut by a partition) and crashes (a party's
objects are dropped with everything not committed, and rebuilt from its database file).
Everything else is the production code, called the way its gRPC servers call it.
"""

from __future__ import annotations

import pathlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import registry
from clearinghouse import tables as clearinghouse_tables
from clearinghouse.coordinator import Coordinator, Settings
from clearinghouse.service import ClearinghouseService, ExchangeSettings
from nodes import tables as node_tables
from nodes.crossing import Crossing
from nodes.link import LinkProtocol, LinkSettings, Request
from nodes.witness import Witness
from timebank import keys, translog
from timebank.books import Books
from timebank.ledger.model import AccountKind, AccountSpec
from timebank.logservice import Publisher
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.signing import KeyRecord, KeyRing
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.v1 import clearing_pb2 as cpb

__all__ = [
    "BATCH_ITEMS_MAX",
    "CLOCK_SKEW_MICROS_MAX",
    "CYCLE_MICROS",
    "FaultRates",
    "member_account",
    "MEMBER_BASE",
    "Message",
    "NET_DEBIT_CAP_MINUTES",
    "Network",
    "PartyClock",
    "PENDING_CAP_MINUTES",
    "PREPARE_TTL_MICROS",
    "QUERY_AFTER_MICROS",
    "seeded_bytes",
    "seeded_key",
    "SimClearinghouse",
    "SimNode",
    "START_MICROS",
    "WorldClock",
]

START_MICROS = 1_767_225_600_000_000  # 2026-01-01 00:00 UTC
MEMBER_BASE = 0xA1 << 120
PREPARE_TTL_MICROS = 30_000_000
CLOCK_SKEW_MICROS_MAX = 300_000_000  # the freshness window of a batch, as in production
BATCH_ITEMS_MAX = 64  # small, so batches fill and split under load
CYCLE_MICROS = 600_000_000
QUERY_AFTER_MICROS = 20_000_000
NET_DEBIT_CAP_MINUTES = 6_000_000
PENDING_CAP_MINUTES = 600_000


def member_account(node_number: int, member_number: int) -> int:
    return MEMBER_BASE + (node_number << 16) + member_number


class WorldClock:
    """The simulation's time: moves only when the simulator advances it."""

    def __init__(self) -> None:
        self.now_micros_value = START_MICROS

    def advance(self, micros: int) -> None:
        self.now_micros_value += micros


@dataclass
class PartyClock:
    """One party's clock: the world's time plus this party's skew."""

    world: WorldClock
    skew_micros: int = 0

    def now_micros(self) -> int:
        return self.world.now_micros_value + self.skew_micros


def seeded_key(generator: random.Random) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(generator.randbytes(32))


def seeded_bytes(generator: random.Random) -> Callable[[int], bytes]:
    return generator.randbytes


class _Party:
    """What a crash does to any party: every object is dropped, with everything not
    committed (a node's unsent acknowledgements, say), and rebuilt from the file."""

    books: Books
    clock: PartyClock
    incarnation: int

    def open(self) -> None:
        raise NotImplementedError

    def crash(self) -> None:
        self.books.engine.dispose()
        self.incarnation += 1
        self.open()

    def close(self) -> None:
        self.books.engine.dispose()


class SimClearinghouse(_Party):
    """The clearinghouse: its books, coordinator and servicer on one SQLite file."""

    def __init__(
        self,
        directory: pathlib.Path,
        key: Ed25519PrivateKey,
        clock: PartyClock,
        random_bytes: Callable[[int], bytes],
    ) -> None:
        self.url = f"sqlite:///{directory / 'clearinghouse.db'}"
        self.key = key
        self.clock = clock
        self.random_bytes = random_bytes
        self.incarnation = 0
        self.open()

    def create(self, nodes: dict[str, Ed25519PrivateKey]) -> None:
        engine = self.books.engine
        now = self.clock.now_micros()
        with write_transaction(engine) as connection:
            translog.start(connection, CLEARINGHOUSE_ID, [], now, "key-added")
            registry.add_key(connection, CLEARINGHOUSE_ID, keys.public_bytes(self.key.public_key()), 0)
            for node_id, key in nodes.items():
                registry.admit(
                    connection,
                    node_id=node_id,
                    display_name=node_id,
                    kind="district",
                    public_key=keys.public_bytes(key.public_key()),
                    net_debit_cap_minutes=NET_DEBIT_CAP_MINUTES,
                    pending_cap_minutes=PENDING_CAP_MINUTES,
                    at_micros=0,
                )
        self.publisher.publish()

    def open(self) -> None:
        engine = create_database_engine(self.url)
        migrate.upgrade(engine, clearinghouse_tables.SCHEMA)
        self.books = Books(engine, self.clock, batch_size_max=2 * BATCH_ITEMS_MAX)
        settings = Settings(
            prepare_ttl_micros=PREPARE_TTL_MICROS,
            replay_window_micros=2 * CLOCK_SKEW_MICROS_MAX,
            cycle_micros=CYCLE_MICROS,
        )
        self.coordinator = Coordinator(self.books, self.clock, settings)
        exchange = ExchangeSettings(
            batch_items_max=BATCH_ITEMS_MAX,
            clock_skew_micros_max=CLOCK_SKEW_MICROS_MAX,
            long_poll_seconds=0,
            insecure=True,
        )
        self.service = ClearinghouseService(self.coordinator, self.key, exchange, self.clock, self.random_bytes)
        self.publisher = Publisher(self.books, self.key, self.clock)


class SimNode(_Party):
    """A node: its books, crossing and the transport-free half of its link, on one SQLite file."""

    def __init__(
        self,
        node_id: str,
        number: int,
        directory: pathlib.Path,
        key: Ed25519PrivateKey,
        clearinghouse_key: Ed25519PrivateKey,
        clock: PartyClock,
        random_bytes: Callable[[int], bytes],
    ) -> None:
        self.node_id = node_id
        self.number = number
        self.url = f"sqlite:///{directory / f'{node_id}.db'}"
        self.key = key
        public = keys.public_bytes(clearinghouse_key.public_key())
        self.clearinghouse_record = KeyRecord(keys.key_id_of_raw(public), CLEARINGHOUSE_ID, public, 0)
        self.clock = clock
        self.random_bytes = random_bytes
        self.incarnation = 0
        self.members: list[int] = []
        self.open()

    def create(self, members: int, minted_minutes: int) -> list[int]:
        """System accounts, the log, members with minted_minutes each; returns the member accounts."""
        self.books.create_system_accounts(self.node_id)
        own_public = keys.public_bytes(self.key.public_key())
        known = [KeyRecord(keys.key_id_of_raw(own_public), self.node_id, own_public, 0), self.clearinghouse_record]
        now = self.clock.now_micros()
        self.books.write(lambda connection: translog.start(connection, self.node_id, known, now, "key-known"))
        accounts = [member_account(self.number, n) for n in range(members)]
        specs = [AccountSpec(id=a, kind=AccountKind.MEMBER, holder=f"member {a:x}") for a in accounts]
        refused = [r for r in self.books.create_accounts(specs) if not r.outcome.succeeded]
        if refused:
            raise AssertionError(f"{self.node_id}: member accounts not created: {refused[0].detail}")
        return accounts

    def open(self) -> None:
        engine = create_database_engine(self.url)
        migrate.upgrade(engine, node_tables.SCHEMA)
        self.books = Books(
            engine,
            self.clock,
            batch_size_max=4 * BATCH_ITEMS_MAX,
            journal=translog.posting_journal(self.clock.now_micros),
        )
        key_ring = KeyRing([self.clearinghouse_record])
        self.crossing = Crossing(
            self.books,
            self.node_id,
            self.clock,
            on_outbox=lambda: None,
            random_bytes=self.random_bytes,
            signing_key=self.key,
            witness=Witness(engine, key_ring, self.clock),
        )
        settings = LinkSettings(
            exchange_deadline_seconds=5.0,
            batch_items_max=BATCH_ITEMS_MAX,
            retry_backoff_max_seconds=1.0,
            query_after_micros=QUERY_AFTER_MICROS,
            clock_skew_micros_max=CLOCK_SKEW_MICROS_MAX,
        )
        self.link = LinkProtocol(
            self.crossing, self.node_id, self.key, key_ring, settings, self.clock, self.random_bytes
        )


# -- the network ----------------------------------------------------------------------------


@dataclass
class Message:
    """A request from a node to the clearinghouse, or the reply to one."""

    node_id: str
    request: Request
    reply: cpb.SignedBatch | None  # None: the request, on its way to the clearinghouse
    node_incarnation: int
    clearinghouse_incarnation: int
    due_step: int  # delivered no earlier than this step


@dataclass
class FaultRates:
    """What one seed draws: how often each fault strikes."""

    loss: float
    duplication: float
    delay_steps_max: int
    partition: float
    crash: float
    skew_micros_max: int


@dataclass
class Network:
    """Messages in flight, and the links that are cut (one way or both)."""

    in_flight: list[Message] = field(default_factory=list)
    # (node id, direction) cut: "up" drops requests to the clearinghouse, "down" drops replies.
    cut: set[tuple[str, str]] = field(default_factory=set)

    def blocked(self, message: Message) -> bool:
        direction = "down" if message.reply is not None else "up"
        return (message.node_id, direction) in self.cut
