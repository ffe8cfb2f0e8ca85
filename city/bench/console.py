"""The console's figures of `timebank bench`: the time of an office's page at the 50th and
95th percentiles, with a node holding many people and orders (10,000 and 50,000 in the
full run).

Owns the seeding and the timing. The node's people and orders are written straight into
its tables in batches (the figure is about reading them; writing them one call at a time
would take longer than the whole benchmark), half of the people approved with ledger
accounts. Then the node and its console serve on loopback, a director signs in, and each
timed run loads every main page (dashboard, people, one person, orders, one order,
disputes, alerts, statistics, the node's state, the trail) the same number of times over
HTTP, as a browser would, page time being from the request to the last byte.
"""

from __future__ import annotations

import pathlib
import time
import urllib.request
from collections.abc import Sequence

from city.bench.crossnode import percentile
from city.bench.measure import LOOPBACK, MILLISECONDS, SERVER_STOP_GRACE_SECONDS, BenchFailed, Figure, Sizes, progress
from console.app import make_app
from console.cli import serving_in_thread
from console.config import ConsoleTable
from console.web import SESSION_COOKIE
from nodes.care import records as r
from nodes.care.store.rows import to_row
from nodes.init import init_node
from nodes.server import create_server, open_books
from nodes.tables import OPERATOR_TABLES, care_orders, care_people
from timebank.books import Books
from timebank.clock import SystemClock
from timebank.credentials import CONSOLE, Credential, authorized_channel, read_credential
from timebank.ledger.model import AccountKind, AccountSpec
from timebank.operators.desk import Operators
from timebank.operators.records import NODE_STAFF
from timebank.v1 import operators_pb2, operators_pb2_grpc

__all__ = ["PAGES", "measure_console", "parameters"]

NODE_ID = "bench-console"
USERNAME, PASSWORD = "bench-director", "Bench office 2026"
SEED_BATCH_ROWS = 5_000
PERSON_BASE, ORDER_BASE = 0xC0 << 120, 0xC1 << 120
ITEMS = ("meals", "cleaning", "bathing", "medical-visit", "emotional-comfort")
STATES = ("open", "accepted", "confirmed", "confirmed", "confirmed", "cancelled")
MINUTE_MICROS = 60_000_000
PAGES = (
    "/",
    "/people",
    "/people?state=approved&page=3",
    "/people/{person}",
    "/orders",
    "/orders?state=open",
    "/orders/{order}",
    "/disputes",
    "/alerts",
    "/statistics",
    "/node",
    "/trail",
)
REQUEST_DEADLINE_SECONDS = 60.0


def measure_console(directory: pathlib.Path, sizes: Sizes) -> tuple[Figure, ...]:
    started = time.perf_counter()
    clock = SystemClock()
    config = init_node(
        directory / "console-node",
        node_id=NODE_ID,
        display_name="测试街道",
        kind="district",
        clock=clock,
        listen=f"{LOOPBACK}:0",
    )
    books = open_books(config, clock)
    try:
        _seed(books, sizes.console_people, sizes.console_orders, clock.now_micros())
        Operators(books, clock, OPERATOR_TABLES, NODE_STAFF).create_account(
            None, USERNAME, "测试主任", PASSWORD, ["director"]
        )
    finally:
        books.engine.dispose()
    running = create_server(config, clock)
    try:
        node = f"{LOOPBACK}:{running.port}"
        credential = read_credential(config.credential_paths[CONSOLE])
        app = make_app(ConsoleTable(node=node, deadline_seconds=REQUEST_DEADLINE_SECONDS), credential=credential)
        with serving_in_thread(app, LOOPBACK) as base_url:
            token = _sign_in(node, credential)
            paths = [page.format(person=f"{PERSON_BASE + 1:032x}", order=f"{ORDER_BASE + 1:032x}") for page in PAGES]
            _load(base_url, paths, token)  # the warm-up: every page once
            per_run = [
                [ms for _ in range(sizes.console_loads) for ms in _load(base_url, paths, token)]
                for _ in range(sizes.repetitions)
            ]
        app.state.node.close()
    finally:
        running.stop(SERVER_STOP_GRACE_SECONDS)
    figures = (
        Figure("console_page_p50_ms", _label(sizes, 50), tuple(percentile(run, 0.50) for run in per_run), MILLISECONDS),
        Figure("console_page_p95_ms", _label(sizes, 95), tuple(percentile(run, 0.95) for run in per_run), MILLISECONDS),
    )
    for figure in figures:
        progress(figure, time.perf_counter() - started)
    return figures


def _label(sizes: Sizes, rank: int) -> str:
    return f"console page time, p{rank} ({sizes.console_people:,} people, {sizes.console_orders:,} orders)"


def _seed(books: Books, people: int, orders: int, now_micros: int) -> None:
    """The people (half of them approved, with an account; elders and volunteers in turn)
    and their orders, written in batches straight into the node's tables."""
    everyone = [_person(index, now_micros) for index in range(people)]
    approved = [person for person in everyone if person.state == r.ReviewState.APPROVED]
    for start in range(0, len(everyone), SEED_BATCH_ROWS):
        rows = [to_row(care_people, person) for person in everyone[start : start + SEED_BATCH_ROWS]]
        with books.engine.begin() as connection:
            connection.execute(care_people.insert(), rows)
    for start in range(0, len(approved), SEED_BATCH_ROWS):
        batch = approved[start : start + SEED_BATCH_ROWS]
        books.create_accounts([AccountSpec(person.person_id, AccountKind.MEMBER, person.name) for person in batch])
    elders = [person.person_id for person in approved if person.role == r.Role.ELDER]
    volunteers = [person.person_id for person in approved if person.role == r.Role.VOLUNTEER]
    for start in range(0, orders, SEED_BATCH_ROWS):
        indexes = range(start, min(orders, start + SEED_BATCH_ROWS))
        rows = [to_row(care_orders, _order(index, elders, volunteers, now_micros)) for index in indexes]
        with books.engine.begin() as connection:
            connection.execute(care_orders.insert(), rows)


def _person(index: int, now_micros: int) -> r.Person:
    role = r.Role.ELDER if index % 2 else r.Role.VOLUNTEER
    born = f"{1940 + index % 30 if role == r.Role.ELDER else 1970 + index % 30}-0{1 + index % 9}-1{index % 9}"
    return r.Person(
        person_id=PERSON_BASE + index + 1,
        role=role,
        name=f"测试{index:05d}",
        identity_hash=f"{index:064x}",
        identity_masked="4420**********" + f"{index % 10_000:04d}",
        birth_date=born,
        community=f"第{index % 20 + 1}社区",
        home_node_id=NODE_ID,
        state=r.ReviewState.APPROVED if index % 4 < 2 else r.ReviewState.PENDING,
        reviewed_by=USERNAME,
        registered_at_micros=now_micros - (10_000_000 - index) * MINUTE_MICROS // 1_000,
    )


def _order(index: int, elders: Sequence[int], volunteers: Sequence[int], now_micros: int) -> r.Order:
    state = r.OrderState(STATES[index % len(STATES)])
    served = state == r.OrderState.CONFIRMED
    start = now_micros - (index % 1_000) * 60 * MINUTE_MICROS
    return r.Order(
        order_id=ORDER_BASE + index + 1,
        elder_id=elders[index % len(elders)],
        publisher_id=elders[index % len(elders)],
        item_code=ITEMS[index % len(ITEMS)],
        window_start_micros=start,
        window_end_micros=start + 60 * MINUTE_MICROS,
        community=f"第{index % 20 + 1}社区",
        place="",
        notes="",
        paid_by=r.Payer.NODE,
        state=state,
        volunteer_id=volunteers[index % len(volunteers)] if state != r.OrderState.OPEN else 0,
        served_minutes=60 if served else 0,
        credited_minutes=60 if served else 0,
        published_at_micros=start - 24 * 60 * MINUTE_MICROS,
    )


def _sign_in(node: str, credential: Credential) -> str:
    import grpc

    with authorized_channel(grpc.insecure_channel(node), credential) as channel:
        stub = operators_pb2_grpc.OperatorAccountsStub(channel)
        answer = stub.Login(operators_pb2.LoginRequest(username=USERNAME, password=PASSWORD), timeout=30)
    return str(answer.session_token)


def _load(base_url: str, paths: Sequence[str], token: str) -> list[float]:
    """Each page once, as the signed-in director; the milliseconds of each, in order."""
    times = []
    for path in paths:
        request = urllib.request.Request(base_url + path, headers={"cookie": f"{SESSION_COOKIE}={token}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=REQUEST_DEADLINE_SECONDS) as response:
            response.read()
            status = response.status
        times.append((time.perf_counter() - started) * 1_000)
        if status != 200:
            raise BenchFailed(f"console: {path} answered {status}, want 200")
    return times


def parameters(sizes: Sizes) -> dict[str, object]:
    return {
        "console_people": sizes.console_people,
        "console_orders": sizes.console_orders,
        "console_pages": list(PAGES),
        "console_loads_per_run": sizes.console_loads,
        "console_seeding": "rows written straight into the node's tables in batches; half the people approved",
    }
