"""Helpers for tests of the time-bank services: valid identity numbers, and a client of one
node's CareDesk that registers and approves people, publishes, serves and confirms orders."""

from __future__ import annotations

import datetime
import itertools
import time

import grpc
from sqlalchemy import func, select

from nodes import tables as node_tables
from nodes.care.rules import identity_check_character
from nodes.client import NodeClient
from nodes.server import RunningNode
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.storage import schema
from timebank.storage.schema import log_entries
from timebank.v1 import care_pb2 as pb
from timebank.v1 import log_pb2

MINUTE_MICROS = 60_000_000
HOUR_MICROS = 60 * MINUTE_MICROS
DAY_MICROS = 24 * HOUR_MICROS
HOME_CHECK_WAIT_SECONDS = 20.0
_serial = itertools.count(1)


def identity_number(birth_date: str, region: str = "442000") -> str:
    """A well-formed identity number for someone born on birth_date (GB 11643 check character)."""
    first = region + birth_date.replace("-", "") + f"{next(_serial) % 1000:03d}"
    return first + identity_check_character(first)


def new_id(prefix: int) -> bytes:
    return (prefix << 96 | next(_serial)).to_bytes(16, "big")


def refusal(call, *arguments) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    """The status and message of a call that must be refused."""
    try:
        call(*arguments)
    except grpc.RpcError as error:
        return error.code(), error.details()
    raise AssertionError("the call was not refused")


class Desk:
    """One node's CareDesk, for tests: each method is one call (no retries)."""

    def __init__(self, client: NodeClient, node_id: str) -> None:
        self.client = client
        self.node_id = node_id
        self.care = client.care

    def call(self, method: str, request: object, timeout_seconds: float = 10.0) -> object:
        return getattr(self.care, method)(request, timeout=timeout_seconds)

    def register(
        self,
        role: str,
        name: str,
        birth_date: str,
        community: str = "岐头社区",
        home_node_id: str = "",
        person_id: bytes = b"",
        identity: str = "",
    ) -> bytes:
        person_id = person_id or new_id(0xB0)
        self.care.RegisterPerson(
            pb.RegisterPersonRequest(
                person_id=person_id,
                role=role,
                name=name,
                identity_number=identity or identity_number(birth_date),
                birth_date=birth_date,
                community=community,
                home_node_id=home_node_id,
            ),
            timeout=10,
        )
        return person_id

    def approve(self, person_id: bytes, hardship: bool = False) -> pb.Person:
        """Approves, waiting (bounded) while the clearinghouse has not yet confirmed the person's home."""
        request = pb.ReviewPersonRequest(person_id=person_id, approve=True, hardship=hardship, operator="王审核")
        deadline = time.monotonic() + HOME_CHECK_WAIT_SECONDS
        while True:
            try:
                return self.care.ReviewPerson(request, timeout=10)
            except grpc.RpcError as error:
                waiting = "has not yet confirmed" in (error.details() or "")
                if not waiting or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def person(self, person_id: bytes) -> pb.Person:
        return self.care.GetPerson(pb.GetPersonRequest(person_id=person_id), timeout=10)

    def relate(
        self, kind: str, person_id: bytes, other_person_id: bytes, other_node_id: str = "", verify: bool = True
    ) -> bytes:
        relationship_id = new_id(0xC0)
        self.care.AddRelationship(
            pb.AddRelationshipRequest(
                relationship_id=relationship_id,
                kind=kind,
                person_id=person_id,
                other_node_id=other_node_id,
                other_person_id=other_person_id,
                relation="child" if kind == "family" else "community worker",
            ),
            timeout=10,
        )
        if verify:
            review = pb.ReviewRelationshipRequest(relationship_id=relationship_id, approve=True, operator="王审核")
            self.care.ReviewRelationship(review, timeout=10)
        return relationship_id

    def qualify(self, person_id: bytes, kind: str, expires_on: str, approve: bool = True) -> bytes:
        qualification_id = new_id(0xD0)
        self.care.AddQualification(
            pb.AddQualificationRequest(
                qualification_id=qualification_id,
                person_id=person_id,
                kind=kind,
                issuer="中山市司法局",
                number=f"Q{qualification_id.hex()[-6:]}",
                scope="法律咨询",
                expires_on=expires_on,
            ),
            timeout=10,
        )
        if approve:
            review = pb.ReviewQualificationRequest(qualification_id=qualification_id, approve=True, operator="王审核")
            self.care.ReviewQualification(review, timeout=10)
        return qualification_id

    def publish(
        self,
        elder_id: bytes,
        item_code: str,
        start_micros: int,
        minutes: int = 60,
        acting_person_id: bytes = b"",
        paid_by: str = "",
    ) -> bytes:
        order_id = new_id(0xE0)
        self.care.PublishDemand(
            pb.PublishDemandRequest(
                order_id=order_id,
                elder_id=elder_id,
                acting_person_id=acting_person_id or elder_id,
                item_code=item_code,
                window_start_micros=start_micros,
                window_end_micros=start_micros + minutes * MINUTE_MICROS,
                place="岐头社区 3 栋 201",
                paid_by=paid_by,
            ),
            timeout=10,
        )
        return order_id

    def accept(self, order_id: bytes, volunteer_id: bytes) -> pb.Order:
        request = pb.AcceptDemandRequest(order_id=order_id, volunteer_id=volunteer_id, operator="李调度")
        return self.care.AcceptDemand(request, timeout=10)

    def code(self, order_id: bytes, purpose: str) -> str:
        return self.care.IssueCode(pb.IssueCodeRequest(order_id=order_id, purpose=purpose), timeout=10).code

    def scan(self, code: str, volunteer_id: bytes) -> pb.Order:
        return self.care.ScanCode(pb.ScanCodeRequest(code=code, volunteer_id=volunteer_id), timeout=10)

    def serve(self, order_id: bytes, volunteer_id: bytes, clock: FakeClock | ShiftedClock, minutes: int) -> pb.Order:
        """Accepts, checks in, lets `minutes` pass on the clock, checks out."""
        self.accept(order_id, volunteer_id)
        self.scan(self.code(order_id, "check-in"), volunteer_id)
        clock.advance(minutes * MINUTE_MICROS)
        return self.scan(self.code(order_id, "check-out"), volunteer_id)

    def confirm(self, order_id: bytes, acting_person_id: bytes) -> pb.Order:
        request = pb.ConfirmOrderRequest(order_id=order_id, acting_person_id=acting_person_id)
        return self.care.ConfirmOrder(request, timeout=10)

    def balance(self, person_id: bytes) -> int:
        return self.client.get_account(person_id).balance_minutes


def today_plus(clock: FakeClock | ShiftedClock, days: int) -> str:
    now = datetime.datetime.fromtimestamp(clock.now_micros() / 1e6, datetime.timezone(datetime.timedelta(hours=8)))
    return (now.date() + datetime.timedelta(days=days)).isoformat()


class ShiftedClock:
    """The system clock plus an offset that tests advance: parties see time pass at once."""

    def __init__(self) -> None:
        self.offset_micros = 0

    def now_micros(self) -> int:
        return time.time_ns() // 1_000 + self.offset_micros

    def advance(self, micros: int) -> None:
        self.offset_micros += micros


# -- refusals that change nothing ---------------------------------------------------------

INVALID, PRECONDITION = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION
TABLES = [table for name, table in node_tables.metadata.tables.items() if name.startswith("care_")] + [schema.transfers]


def snapshot(node: RunningNode) -> dict[str, int]:
    """Rows in every care table and in the ledger, and every account's four balances."""
    with node.books.engine.connect() as connection:
        counts = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}
        accounts = connection.execute(select(schema.accounts)).all()
    counts.update({f"{row.id}/{column}": getattr(row, column) for row in accounts for column in BALANCES})
    return counts


BALANCES = ("debits_posted_minutes", "credits_posted_minutes", "debits_pending_minutes", "credits_pending_minutes")


def refused(node: RunningNode, call, *arguments) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    """The refusal of a call, after checking that it changed nothing."""
    before = snapshot(node)
    outcome = refusal(call, *arguments)
    assert snapshot(node) == before
    return outcome


def people(desk: Desk, elder_birth: str = "1950-05-05") -> tuple[bytes, bytes]:
    elder = desk.register("elder", "陈婆婆", elder_birth)
    volunteer = desk.register("volunteer", "林志愿", "1990-02-02")
    desk.approve(elder)
    desk.approve(volunteer)
    return elder, volunteer


def care_events(books: Books) -> list[log_pb2.CareEvent]:
    """The time-bank services' changes in a node's log, oldest first."""
    with books.engine.connect() as connection:
        rows = connection.execute(select(log_entries.c.data).order_by(log_entries.c.position)).all()
    entries = [log_pb2.LogEntry.FromString(row.data) for row in rows]
    return [entry.care_event for entry in entries if entry.WhichOneof("body") == "care_event"]
