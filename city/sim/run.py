"""One seed of the simulation, start to end: the workload, the faults, the checks.

Owns the schedule. A seed fixes everything: the fault rates (FaultRates, drawn first), the
keys and ids, and every step's choice among: a member starting a cross-node transfer, a
node sending its outbox or polling, the network delivering one message in flight (any of
them: that is the reordering), time passing, the clearinghouse's sweeper, and the faults
(a party crashing, a link cut one way or both, a clock skewed, one large jump of time, an
old request replayed as it was or altered). After every step the invariants are checked;
then every fault heals, the city runs until it is quiet, and the final checks run.
"""

from __future__ import annotations

import contextlib
import hashlib
import pathlib
import random
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from city.sim.bugs import BUGS
from city.sim.checks import Submitted, final_violations, step_violations
from city.sim.world import (
    FaultRates,
    Message,
    Network,
    PartyClock,
    SimClearinghouse,
    SimNode,
    WorldClock,
    seeded_key,
)
from clearinghouse.records import CrossState
from clearinghouse.store.transfers import decisions
from nodes.records import CrossRequest
from timebank.errors import TimebankError
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind, TransferRequest
from timebank.ledger.model import Outcome as ItemOutcome

__all__ = [
    "ACTION_WEIGHTS",
    "AMOUNT_MINUTES_MAX",
    "draw_rates",
    "HEAL_CHECK_EVERY_ROUNDS",
    "HEAL_ROUNDS_MAX",
    "ISSUANCE",
    "LARGE_JUMP_MICROS",
    "MEMBERS_PER_NODE",
    "MINTED_MINUTES",
    "NODE_COUNT",
    "Outcome",
    "simulate",
    "Simulation",
    "STEPS",
    "TICK_MICROS_MAX",
]

ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
NODE_COUNT = 3
MEMBERS_PER_NODE = 3
MINTED_MINUTES = 600
STEPS = 300
HEAL_ROUNDS_MAX = 120
HEAL_CHECK_EVERY_ROUNDS = 5
AMOUNT_MINUTES_MAX = 240  # above a member's savings at times: some transfers are refused at the origin
LARGE_JUMP_MICROS = (60_000_000, 900_000_000)  # one jump of the world's time, 1 to 15 minutes
TICK_MICROS_MAX = 2_000_000
ACTION_WEIGHTS = {
    "transfer": 4,
    "send": 3,
    "poll": 3,
    "deliver": 7,
    "tick": 2,
    "sweep": 1,
    "replay": 1,
    "retry": 1,
}


@dataclass
class Outcome:
    """What one seed did and found."""

    seed: int
    steps: int = 0
    transfers: int = 0  # acknowledged by their origin
    committed: int = 0  # of those, committed by the clearinghouse (the rest aborted)
    faults: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    digest: str = ""  # the clearinghouse's log root at the end: equal runs give equal digests

    @property
    def fault_count(self) -> int:
        return sum(self.faults.values())


def draw_rates(generator: random.Random) -> FaultRates:
    return FaultRates(
        loss=generator.uniform(0, 0.3),
        duplication=generator.uniform(0, 0.5),
        delay_steps_max=generator.randint(0, 8),
        partition=generator.uniform(0, 0.04),
        crash=generator.uniform(0, 0.03),
        skew_micros_max=generator.choice((0, 50_000, 2_000_000, 60_000_000)),
    )


class Simulation:
    def __init__(self, seed: int, directory: pathlib.Path, steps: int = STEPS) -> None:
        self.generator = random.Random(seed)
        self.rates = draw_rates(self.generator)
        self.outcome = Outcome(seed)
        self.step_count = steps
        self.world = WorldClock()
        self.network = Network()
        self.step = 0
        self.submitted: list[Submitted] = []
        self.minted: dict[int, int] = {}
        self.accepted: list[Message] = []  # requests the clearinghouse applied, for replays
        self.jump_step = self.generator.randrange(steps)
        keys_generator = random.Random(self.generator.getrandbits(64))
        node_ids = [f"n{number}" for number in range(1, NODE_COUNT + 1)]
        node_keys = {node_id: seeded_key(keys_generator) for node_id in node_ids}
        clearinghouse_key = seeded_key(keys_generator)
        self.clearinghouse = SimClearinghouse(
            directory, clearinghouse_key, PartyClock(self.world), self._bytes_source()
        )
        self.clearinghouse.create(node_keys)
        self.nodes: dict[str, SimNode] = {}
        for number, node_id in enumerate(node_ids, start=1):
            node = SimNode(
                node_id,
                number,
                directory,
                node_keys[node_id],
                clearinghouse_key,
                PartyClock(self.world),
                self._bytes_source(),
            )
            node.members = node.create(MEMBERS_PER_NODE, MINTED_MINUTES)
            self._mint(node)
            self.nodes[node_id] = node

    def _bytes_source(self) -> Callable[[int], bytes]:
        return random.Random(self.generator.getrandbits(64)).randbytes

    def _mint(self, node: SimNode) -> None:
        requests = [
            TransferRequest(
                self.generator.getrandbits(127) + 1, TransferKind.SINGLE_PHASE, ISSUANCE, account, MINTED_MINUTES
            )
            for account in node.members
        ]
        refused = [r for r in node.books.submit(requests).results if not r.outcome.succeeded]
        if refused:
            raise AssertionError(f"{node.node_id}: minting refused: {refused[0].detail}")
        self.minted.update({account: MINTED_MINUTES for account in node.members})

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> Outcome:
        try:
            for step in range(self.step_count):
                self.step = step
                self._faults()
                self._act(self._choose())
                self._check(step_violations(self.clearinghouse, self.nodes.values()))
                if self.outcome.violations:
                    break
            if not self.outcome.violations:
                self._heal()
        except Exception:  # production code raising where it must not: the seed fails, with the trace
            self.outcome.violations.append(f"step {self.step}: unexpected exception\n{traceback.format_exc()}")
        self.outcome.steps = self.step + 1
        self.outcome.transfers = len(self.submitted)
        self.outcome.committed = self._committed()
        self.outcome.digest = self._digest()
        return self.outcome

    def close(self) -> None:
        self.clearinghouse.close()
        for node in self.nodes.values():
            node.close()

    def _check(self, found: list[str]) -> None:
        self.outcome.violations += [f"step {self.step}: {violation}" for violation in found]

    def _choose(self) -> str:
        names = list(ACTION_WEIGHTS)
        return self.generator.choices(names, weights=[ACTION_WEIGHTS[n] for n in names])[0]

    def _act(self, action: str) -> None:
        node = self.nodes[self.generator.choice(sorted(self.nodes))]
        if action == "transfer":
            self._transfer(node)
        elif action == "send":
            self._send(node, with_items=True)
        elif action == "poll":
            self._send(node, with_items=False)
        elif action == "deliver":
            self._deliver_one()
        elif action == "tick":
            self.world.advance(self.generator.randint(1_000, TICK_MICROS_MAX))
        elif action == "sweep":
            self._sweep()
        elif action == "replay":
            self._replay()
        elif action == "retry":
            self._retry()

    # -- the workload -----------------------------------------------------------------------

    def _transfer(self, origin: SimNode) -> None:
        counterparty = self.nodes[self.generator.choice(sorted(set(self.nodes) - {origin.node_id}))]
        request = CrossRequest(
            id=self.generator.getrandbits(127) + 1,
            local_account_id=self.generator.choice(origin.members),
            remote_node_id=counterparty.node_id,
            remote_account_id=self.generator.choice(counterparty.members),
            amount_minutes=self.generator.randint(1, AMOUNT_MINUTES_MAX),
        )
        try:
            results = origin.crossing.submit([request])
        except TimebankError:
            return  # refused as a whole (a split-view alarm, say): nothing acknowledged
        if results[0].outcome.succeeded:
            self.submitted.append(
                Submitted(
                    request.id,
                    origin.node_id,
                    request.local_account_id,
                    counterparty.node_id,
                    request.remote_account_id,
                    request.amount_minutes,
                )
            )

    def _retry(self) -> None:
        """A member's client sends an acknowledged transfer again, as it was or with another
        amount: the same is answered EXISTS and applied once; another body is refused."""
        if not self.submitted:
            return
        sent = self.generator.choice(self.submitted)
        origin = sent.origin
        request = CrossRequest(
            sent.transfer_id, sent.origin_account, sent.counterparty, sent.counterparty_account, sent.amount_minutes
        )
        altered = self.generator.random() < 0.5
        if altered:
            request = replace(request, amount_minutes=request.amount_minutes % AMOUNT_MINUTES_MAX + 1)
        self.outcome.faults["retried altered" if altered else "retried"] += 1
        try:
            outcome = self.nodes[origin].crossing.submit([request])[0].outcome
        except TimebankError:
            return
        if not altered and outcome != ItemOutcome.EXISTS:
            self._check([f"{origin}: transfer {request.id:x} sent again: {outcome.name}, want EXISTS"])
        elif altered and outcome.succeeded:
            self._check([f"{origin}: transfer {request.id:x} sent again with another amount was accepted"])

    def _send(self, node: SimNode, *, with_items: bool) -> None:
        items = node.link.items_to_send() if with_items else []
        if with_items and not items and not node.link.acks_waiting():
            return
        request = node.link.request(items, with_acks=with_items)
        message = Message(
            node.node_id,
            request,
            None,
            node.incarnation,
            self.clearinghouse.incarnation,
            self.step + self.generator.randint(0, self.rates.delay_steps_max),
        )
        self.network.in_flight.append(message)

    def _deliver_one(self) -> None:
        due = [m for m in self.network.in_flight if m.due_step <= self.step]
        if not due:
            return
        message = self.generator.choice(due)
        if self.generator.random() >= self.rates.duplication:
            self.network.in_flight.remove(message)
        else:
            self.outcome.faults["duplicated"] += 1
        if self.network.blocked(message) or self.generator.random() < self.rates.loss:
            self.outcome.faults["lost" if not self.network.blocked(message) else "cut"] += 1
            self._failed(message)
            return
        if message.reply is None:
            self._to_clearinghouse(message)
        else:
            self._to_node(message)

    def _failed(self, message: Message) -> None:
        node = self.nodes[message.node_id]
        if node.incarnation == message.node_incarnation:
            node.link.failed(message.request)  # the node's call timed out

    def _to_clearinghouse(self, message: Message) -> None:
        if message.clearinghouse_incarnation != self.clearinghouse.incarnation:
            self._failed(message)  # its connection broke with the crash
            return
        service = self.clearinghouse.service
        try:
            handled = service.handle(message.request.batch, None)
        except TimebankError:
            self._failed(message)  # refused (a replayed batch, a stale one): the node retries
            return
        self.accepted.append(message)
        reply = service.seal_reply(handled, handled.answer)
        message.reply = reply
        message.due_step = self.step + self.generator.randint(0, self.rates.delay_steps_max)
        self.network.in_flight.append(message)

    def _to_node(self, message: Message) -> None:
        node = self.nodes[message.node_id]
        if node.incarnation != message.node_incarnation:
            return  # the caller crashed: nobody waits for this reply
        assert message.reply is not None
        try:
            node.link.accept(message.request, message.reply)
        except TimebankError:
            node.link.failed(message.request)

    def _sweep(self) -> None:
        coordinator = self.clearinghouse.coordinator
        coordinator.sweep_expired()
        coordinator.close_cycle(scheduled=True)
        if self.generator.random() < 0.3:
            self.clearinghouse.publisher.publish()

    def _replay(self) -> None:
        """A request the clearinghouse applied, sent again as it was or with one bit changed:
        both must be refused."""
        if not self.accepted:
            return
        old = self.generator.choice(self.accepted).request.batch
        altered = self.generator.random() < 0.5
        batch = type(old)()
        batch.CopyFrom(old)
        if altered:
            header = bytearray(batch.header)
            position = self.generator.randrange(len(header))
            header[position] ^= 1 << self.generator.randrange(8)
            batch.header = bytes(header)
        self.outcome.faults["replayed altered" if altered else "replayed"] += 1
        try:
            self.clearinghouse.service.handle(batch, None)
        except TimebankError:
            return
        self._check(["clearinghouse: accepted a " + ("altered" if altered else "replayed") + " request"])

    # -- faults -----------------------------------------------------------------------------

    def _faults(self) -> None:
        rates, generator = self.rates, self.generator
        if self.step == self.jump_step:
            self.world.advance(generator.randint(*LARGE_JUMP_MICROS))
            self.outcome.faults["clock jump"] += 1
        if generator.random() < rates.crash:
            self._crash(generator.choice(["clearinghouse", *sorted(self.nodes)]))
        if generator.random() < rates.partition:
            cut = (generator.choice(sorted(self.nodes)), generator.choice(("up", "down", "both")))
            directions = ("up", "down") if cut[1] == "both" else (cut[1],)
            for direction in directions:
                self.network.cut ^= {(cut[0], direction)}
            self.outcome.faults["partition"] += 1
        if rates.skew_micros_max and generator.random() < 0.02:
            party = generator.choice([self.clearinghouse, *self.nodes.values()])
            party.clock.skew_micros = generator.randint(-rates.skew_micros_max, rates.skew_micros_max)
            self.outcome.faults["clock skew"] += 1

    def _crash(self, name: str) -> None:
        self.outcome.faults["crash"] += 1
        party = self.clearinghouse if name == "clearinghouse" else self.nodes[name]
        party.crash()

    # -- healing ----------------------------------------------------------------------------

    def _heal(self) -> None:
        """No more faults: links whole, clocks true, every message delivered; runs until quiet."""
        self.network.cut.clear()
        for party in [self.clearinghouse, *self.nodes.values()]:
            party.clock.skew_micros = 0
        for message in self.network.in_flight:
            self._failed(message)
        self.network.in_flight.clear()
        found: list[str] = []
        for heal_round in range(HEAL_ROUNDS_MAX):
            for node_id in sorted(self.nodes):
                self._exchange_now(self.nodes[node_id], with_items=True)
                self._exchange_now(self.nodes[node_id], with_items=False)
            self.world.advance(1_000_000)
            self.clearinghouse.coordinator.sweep_expired()
            self.clearinghouse.coordinator.close_cycle(scheduled=True)
            if heal_round % HEAL_CHECK_EVERY_ROUNDS == HEAL_CHECK_EVERY_ROUNDS - 1:
                found = final_violations(self.clearinghouse, self.nodes, self.submitted, self.minted)
                if not found:
                    break
        self.step = self.step_count
        self._check(found)
        self._check(step_violations(self.clearinghouse, self.nodes.values()))

    def _exchange_now(self, node: SimNode, *, with_items: bool) -> None:
        items = node.link.items_to_send() if with_items else []
        request = node.link.request(items, with_acks=with_items)
        message = Message(node.node_id, request, None, node.incarnation, self.clearinghouse.incarnation, self.step)
        self._to_clearinghouse(message)
        if message.reply is not None:
            self.network.in_flight.remove(message)
            self._to_node(message)

    def _digest(self) -> str:
        """The clearinghouse's checkpoint now: its log's size and root, at this world time."""
        try:
            checkpoint = self.clearinghouse.publisher.publish().checkpoint
        except TimebankError as error:  # halted: a violation reported already
            checkpoint = str(error).encode()
        return hashlib.sha256(checkpoint).hexdigest()[:16]

    def _committed(self) -> int:
        with self.clearinghouse.books.engine.connect() as connection:
            decided = decisions(connection)
        return sum(decided.get(s.transfer_id, ("",))[0] == CrossState.COMMITTED for s in self.submitted)


def simulate(seed: int, steps: int = STEPS, bug: str = "") -> Outcome:
    """Runs one seed in a fresh folder (in memory-backed storage when the machine has it),
    with the named bug of city.sim.bugs switched on when bug is given."""
    shared_memory = pathlib.Path("/dev/shm")
    parent = shared_memory if shared_memory.is_dir() else None
    switched = BUGS[bug]() if bug else contextlib.nullcontext()
    with tempfile.TemporaryDirectory(prefix=f"timebank-sim-{seed}-", dir=parent) as directory, switched:
        simulation = Simulation(seed, pathlib.Path(directory), steps)
        try:
            return simulation.run()
        finally:
            simulation.close()
