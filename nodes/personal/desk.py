"""A person's own door at work: the office setting a PIN, a phone signing in and out, the
session that admits it, and what the session's person does and sees of their own.

Owns the order of each operation: read, let `nodes.personal.rules` decide, write, in one
transaction (Books.write). A wrong PIN still writes: its failure counts towards the
lock, and the trail records it. What a person does (scan, confirm, dispute, rate) is the
care desk's own operation, run as `person:<id>` so the node's log and the trail name
them; what they see is the care desk's reads of their own. Tokens are 32 random bytes
from the injected source, given once; the clock is injected.

Must not: know gRPC or protobuf, keep a PIN or a token in the clear.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from sqlalchemy import Connection

from nodes.care import records as care_records
from nodes.care.desk import CareDesk
from nodes.care.desk.own import CodeView, OwnAccount, OwnOrder
from nodes.personal import rules, store
from nodes.personal.records import Credential, PersonSession, acting_name
from nodes.tables import OPERATOR_TABLES
from timebank import ids
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import NotNow, Throttled, TimebankError, VerificationError
from timebank.operators.acting import acting_as, acting_username
from timebank.operators.desk import token_hash
from timebank.operators.passwords import DEFAULT, Parameters, hash_password, verify_password
from timebank.operators.records import TrailKind
from timebank.operators.store import OperatorRows

__all__ = ["PersonalAccess"]

TRAIL = OperatorRows(OPERATOR_TABLES)  # the node's trail, which a person's sign-ins join

TOKEN_BYTES = 32
WRONG = "pin: the PIN is wrong, or this person has no PIN yet (the office sets it)"
T = TypeVar("T")


class PersonalAccess:
    def __init__(
        self,
        books: Books,
        clock: Clock,
        care: CareDesk,
        random_bytes: Callable[[int], bytes] = os.urandom,
        parameters: Parameters = DEFAULT,
    ) -> None:
        self.books = books
        self.clock = clock
        self.care = care
        self.random_bytes = random_bytes
        self.parameters = parameters

    # -- the office's side ----------------------------------------------------------------------

    def set_pin(self, person_id: int, pin: str) -> int:
        """A new PIN for an approved person, set by whoever the call runs as; lifts a lock and
        ends the person's sessions. Returns when it was set."""
        person = self.care.person(person_id)
        if person.state != care_records.ReviewState.APPROVED:
            raise NotNow(f"person_id: {ids.to_hex(person_id)} is {person.state}; a PIN is for an approved person")
        rules.check_pin(pin, person.birth_date)
        hashed = hash_password(pin, self.random_bytes, self.parameters)
        now = self.clock.now_micros()
        credential = Credential(person_id, 0, 0, now, acting_username())

        def work(connection: Connection) -> int:
            store.save_credential(connection, credential, hashed)
            store.end_sessions_of(connection, person_id, now)
            return now

        return self.books.write(work)

    # -- sessions -------------------------------------------------------------------------------

    def sign_in(self, person_id: int, pin: str) -> tuple[str, care_records.Person]:
        """A new session's token and the person; a wrong PIN is UNAUTHENTICATED, a locked one
        RESOURCE_EXHAUSTED."""
        now = self.clock.now_micros()
        token = self.random_bytes(TOKEN_BYTES).hex()
        who = acting_name(person_id)

        def work(connection: Connection) -> TimebankError | None:
            """The refusal (returned, not raised: its trail must commit), or None."""
            credential = store.read_credential(connection, person_id)
            if credential is None:
                TRAIL.add_trail(connection, now, who, TrailKind.LOGIN_FAILED, "SignIn", "no PIN")
                return VerificationError(WRONG)
            if rules.is_locked(credential, now):
                TRAIL.add_trail(connection, now, who, TrailKind.LOGIN_FAILED, "SignIn", "locked")
                return Throttled(rules.locked_message(credential, now))
            if not verify_password(pin, store.pin_hash(connection, person_id)):
                failures = credential.failed_attempts + 1
                locked = replace(
                    credential, failed_attempts=failures, locked_until_micros=rules.lock_after_failure(failures, now)
                )
                store.save_credential(connection, locked)
                TRAIL.add_trail(connection, now, who, TrailKind.LOGIN_FAILED, "SignIn", f"failure {failures}")
                locked_now = rules.is_locked(locked, now)
                return Throttled(rules.locked_message(locked, now)) if locked_now else VerificationError(WRONG)
            store.save_credential(connection, replace(credential, failed_attempts=0, locked_until_micros=0))
            store.insert_session(connection, PersonSession(token_hash(token), person_id, now, now, None))
            TRAIL.add_trail(connection, now, who, TrailKind.LOGIN, "SignIn", "")
            return None

        refusal = self.books.write(work)
        if refusal is not None:
            raise refusal
        return token, self.care.person(person_id)

    def authenticate(self, token: str) -> int:
        """The person a phone's session admits (its idle time starts again); UNAUTHENTICATED
        for an unknown, ended, idle or too old session."""
        now = self.clock.now_micros()
        hashed = token_hash(token)

        def work(connection: Connection) -> int:
            session = store.read_session(connection, hashed)
            problem = rules.session_problem(session, now)
            if problem or session is None:
                raise VerificationError(problem)
            store.touch_session(connection, hashed, now_micros=now, ended=False)
            return session.person_id

        return self.books.write(work)

    def sign_out(self, token: str) -> None:
        now = self.clock.now_micros()
        hashed = token_hash(token)

        def work(connection: Connection) -> None:
            session = store.read_session(connection, hashed)
            if session is not None and session.ended_at_micros is None:
                store.touch_session(connection, hashed, now_micros=now, ended=True)
                TRAIL.add_trail(connection, now, acting_name(session.person_id), TrailKind.LOGOUT, "SignOut", "")

        self.books.write(work)

    # -- what the person does -------------------------------------------------------------------

    def _as(self, person_id: int, operation: str, change: Callable[[], T]) -> T:
        """Runs a care operation as the person, with a row of the trail after it succeeded."""
        who = acting_name(person_id)
        with acting_as(who):
            result = change()
        now = self.clock.now_micros()
        self.books.write(lambda connection: TRAIL.add_trail(connection, now, who, TrailKind.ACTION, operation, ""))
        return result

    def scan(self, person_id: int, code: str) -> care_records.Order:
        return self._as(person_id, "Scan", lambda: self.care.scan(code, person_id))

    def confirm(self, person_id: int, order_id: int) -> care_records.Order:
        return self._as(person_id, "Confirm", lambda: self.care.confirm(order_id, person_id))

    def open_dispute(self, person_id: int, dispute_id: int, order_id: int, reason: str) -> care_records.Dispute:
        return self._as(
            person_id, "OpenDispute", lambda: self.care.open_dispute(dispute_id, order_id, person_id, reason)
        )

    def rate(self, person_id: int, order_id: int, stars: int, comment: str) -> care_records.Rating:
        return self._as(person_id, "Rate", lambda: self.care.rate(order_id, person_id, stars, comment))

    def certificate(
        self, person_id: int, certificate_id: int, period_from: str, period_to: str
    ) -> tuple[bytes, str, int]:
        """The person's own certificate of service hours (refused unless a volunteer's)."""
        return self._as(
            person_id, "MyCertificate", lambda: self.care.certificate(certificate_id, person_id, period_from, period_to)
        )

    # -- what the person sees -------------------------------------------------------------------

    def account(self, person_id: int) -> OwnAccount:
        return self.care.own_account(person_id)

    def order(self, person_id: int, order_id: int) -> OwnOrder:
        return self.care.own_order(order_id, person_id)

    def describe_code(self, code: str) -> CodeView:
        return self.care.describe_code(code)
