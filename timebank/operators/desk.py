"""Operator accounts at work: creating and changing them, logging in and out, the sessions
that admit a caller, the role a call needs, and the trail of it all.

Owns the order of each operation: read what it names, let `timebank.operators.rules` decide,
then write, in one transaction (Books.write). A refused login still writes: its failure
counts towards the lock, and the trail records it. Tokens are 32 random bytes from the
injected source, given once; the node keeps their SHA-256. The clock is injected.

Must not: know gRPC or protobuf, keep a password or a token in the clear.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection
from dataclasses import replace

from sqlalchemy import Connection

from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import (
    AlreadyExists,
    NotFound,
    NotPermitted,
    RequestInvalid,
    Throttled,
    TimebankError,
    VerificationError,
)
from timebank.operators import rules
from timebank.operators.passwords import DEFAULT, Parameters, hash_password, verify_password
from timebank.operators.records import HOST_ADMINISTRATOR, Account, Role, Session, Staff, TrailEntry, TrailKind
from timebank.operators.store import OperatorRows
from timebank.operators.tables import OperatorTables

__all__ = ["TRAIL_PAGE_MAX", "Operators", "token_hash"]

TOKEN_BYTES = 32
TRAIL_PAGE_MAX = 1_000
WRONG = "login: the username or the password is wrong"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Operators:
    def __init__(
        self,
        books: Books,
        clock: Clock,
        tables: OperatorTables,
        staff: Staff,
        random_bytes: Callable[[int], bytes] = os.urandom,
        parameters: Parameters = DEFAULT,
    ) -> None:
        self.books = books
        self.rows = OperatorRows(tables)
        self.staff = staff
        self.clock = clock
        self.random_bytes = random_bytes
        self.parameters = parameters

    # -- who may do what ----------------------------------------------------------------------

    def require(self, account: Account, operation: str, allowed: Collection[Role]) -> None:
        """Refuses (PERMISSION_DENIED, naming the roles) a caller who holds none of allowed."""
        if not account.roles & set(allowed):
            order = list(Role)
            wanted = " or ".join(role.label for role in sorted(allowed, key=order.index))
            held = ", ".join(role.label for role in sorted(account.roles, key=order.index)) or "no role"
            raise NotPermitted(f"role: {operation} needs {wanted}; {account.username} has {held}")

    # -- accounts -----------------------------------------------------------------------------

    def create_account(
        self, by: Account | None, username: str, display_name: str, password: str, roles: Collection[str]
    ) -> Account:
        """An account, made by the manager (by) or, with by None, by the host administrator."""
        if by is not None:
            self.require(by, "CreateAccount", {self.staff.manager})
        rules.check_username(username)
        rules.check_display_name(display_name)
        rules.check_password(password, username)
        account = Account(
            username=username,
            display_name=display_name.strip(),
            roles=rules.parse_roles(self.staff, roles),
            disabled=False,
            failed_logins=0,
            locked_until_micros=0,
            created_at_micros=self.clock.now_micros(),
            password_changed_at_micros=self.clock.now_micros(),
        )
        hashed = hash_password(password, self.random_bytes, self.parameters)

        def work(connection: Connection) -> Account:
            if self.rows.read_account(connection, username) is not None:
                raise AlreadyExists(f"username: {username!r} exists already")
            self.rows.insert_account(connection, account, hashed)
            roles_text = ",".join(sorted(role.value for role in account.roles))
            self.record(connection, by, TrailKind.ACTION, "CreateAccount", f"{username} ({roles_text})")
            return account

        return self.books.write(work)

    def update_account(
        self,
        by: Account | None,
        username: str,
        *,
        roles: Collection[str] = (),
        disabled: bool | None = None,
        password: str = "",
    ) -> Account:
        """The manager (or the host administrator) changes an account's roles, disables or
        enables it, or sets a new password (which also unlocks it)."""
        if by is not None:
            self.require(by, "UpdateAccount", {self.staff.manager})
        new_roles = rules.parse_roles(self.staff, roles) if roles else None
        if password:
            rules.check_password(password, username)
        hashed = hash_password(password, self.random_bytes, self.parameters) if password else None
        now = self.clock.now_micros()

        def work(connection: Connection) -> Account:
            account = self._account(connection, username)
            rules.check_own_account(self.staff, by.username if by is not None else "", username, disabled, new_roles)
            changed = replace(
                account,
                roles=new_roles or account.roles,
                disabled=account.disabled if disabled is None else disabled,
                failed_logins=0 if password else account.failed_logins,
                locked_until_micros=0 if password else account.locked_until_micros,
                password_changed_at_micros=now if password else account.password_changed_at_micros,
            )
            self.rows.update_account(connection, changed, hashed)
            what = [f"roles {','.join(sorted(r.value for r in changed.roles))}"] if new_roles else []
            what += [f"disabled {changed.disabled}"] if disabled is not None else []
            what += ["password reset"] if password else []
            self.record(connection, by, TrailKind.ACTION, "UpdateAccount", f"{username}: {'; '.join(what)}")
            return changed

        return self.books.write(work)

    def accounts(self, by: Account) -> list[Account]:
        self.require(by, "ListAccounts", self.staff.readers)
        return self.books.read(self.rows.list_accounts)

    # -- sessions -----------------------------------------------------------------------------

    def login(self, username: str, password: str) -> tuple[str, Account]:
        """A new session's token and the account; refuses a wrong password (UNAUTHENTICATED),
        a locked account (RESOURCE_EXHAUSTED) and a disabled one (PERMISSION_DENIED)."""
        now = self.clock.now_micros()
        token = self.random_bytes(TOKEN_BYTES).hex()

        def work(connection: Connection) -> Account | TimebankError:
            """The admitted account, or the refusal (returned, not raised: its trail must commit)."""
            account = self.rows.read_account(connection, username)
            if account is None:
                self.rows.add_trail(connection, now, username, TrailKind.LOGIN_FAILED, "Login", "no such account")
                return VerificationError(WRONG)
            if rules.is_locked(account, now):
                self.rows.add_trail(connection, now, username, TrailKind.LOGIN_FAILED, "Login", "locked")
                return Throttled(self._locked_message(account))
            if account.disabled:
                self.rows.add_trail(connection, now, username, TrailKind.LOGIN_FAILED, "Login", "disabled")
                return NotPermitted(f"login: the account is disabled; {self.staff.manager_title} can enable it")
            if not verify_password(password, self.rows.password_hash(connection, username)):
                failures = account.failed_logins + 1
                locked = replace(
                    account, failed_logins=failures, locked_until_micros=rules.lock_after_failure(failures, now)
                )
                self.rows.update_account(connection, locked)
                self.rows.add_trail(connection, now, username, TrailKind.LOGIN_FAILED, "Login", f"failure {failures}")
                return (
                    Throttled(self._locked_message(locked))
                    if rules.is_locked(locked, now)
                    else VerificationError(WRONG)
                )
            admitted = replace(account, failed_logins=0, locked_until_micros=0)
            self.rows.update_account(connection, admitted)
            self.rows.insert_session(connection, Session(token_hash(token), username, now, now, None))
            self.rows.add_trail(connection, now, username, TrailKind.LOGIN, "Login", "")
            return admitted

        outcome = self.books.write(work)
        if isinstance(outcome, TimebankError):
            raise outcome
        return token, outcome

    def _locked_message(self, account: Account) -> str:
        minutes = -(-(account.locked_until_micros - self.clock.now_micros()) // 60_000_000)
        return f"login: too many failed logins; the account is locked for {minutes} more minutes"

    def authenticate(self, token: str) -> Account:
        """The account a session token admits (the session's idle time starts again); refuses
        (UNAUTHENTICATED) an unknown, ended, idle or too old session, or a disabled account."""
        now = self.clock.now_micros()
        hashed = token_hash(token)

        def work(connection: Connection) -> Account:
            session = self.rows.read_session(connection, hashed)
            account = self.rows.read_account(connection, session.username) if session is not None else None
            problem = rules.session_problem(session, account, now)
            if problem or account is None:
                raise VerificationError(problem)
            self.rows.update_session(connection, hashed, last_seen_micros=now, ended=False)
            return account

        return self.books.write(work)

    def logout(self, token: str) -> None:
        now = self.clock.now_micros()
        hashed = token_hash(token)

        def work(connection: Connection) -> None:
            session = self.rows.read_session(connection, hashed)
            if session is not None and session.ended_at_micros is None:
                self.rows.update_session(connection, hashed, last_seen_micros=now, ended=True)
                self.rows.add_trail(connection, now, session.username, TrailKind.LOGOUT, "Logout", "")

        self.books.write(work)

    def change_password(self, account: Account, old_password: str, new_password: str) -> None:
        """The holder changes their own password, giving the old one."""
        rules.check_password(new_password, account.username)
        hashed = hash_password(new_password, self.random_bytes, self.parameters)
        now = self.clock.now_micros()

        def work(connection: Connection) -> bool:
            if not verify_password(old_password, self.rows.password_hash(connection, account.username)):
                return False
            self.rows.update_account(connection, replace(account, password_changed_at_micros=now), hashed)
            self.rows.add_trail(connection, now, account.username, TrailKind.ACTION, "ChangePassword", "")
            return True

        if not self.books.write(work):
            raise VerificationError("old_password: not the account's password")

    # -- the trail ----------------------------------------------------------------------------

    def trail(self, by: Account | None, after_sequence: int, limit: int) -> list[TrailEntry]:
        """The trail after a sequence number, for a reader (by None: the host administrator)."""
        if by is not None:
            self.require(by, "ListTrail", self.staff.readers)
        if not 1 <= limit <= TRAIL_PAGE_MAX:
            raise RequestInvalid(f"limit: got {limit}, want 1 to {TRAIL_PAGE_MAX}")
        return self.books.read(lambda connection: self.rows.list_trail(connection, after_sequence, limit))

    # -- shared ---------------------------------------------------------------------------------

    def _account(self, connection: Connection, username: str) -> Account:
        account = self.rows.read_account(connection, username)
        if account is None:
            raise NotFound(f"username: no account {username!r}")
        return account

    def record(self, connection: Connection, by: Account | None, kind: TrailKind, operation: str, detail: str) -> None:
        """Records an action (or a refusal) by an account (None: the host administrator), in the
        caller's transaction."""
        who = by.username if by is not None else HOST_ADMINISTRATOR
        self.rows.add_trail(connection, self.clock.now_micros(), who, kind, operation, detail)
