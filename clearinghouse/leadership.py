"""Which clearinghouse process is the active one, and the fence that voids an old one's writes.

Owns the lease in the `leadership` row (clearinghouse.store.leadership): taking it (only on
a database that is not in recovery, and only when nobody holds a live lease, or when this
instance held it before a restart), renewing it, and the fence run in the same transaction
as every write of the clearinghouse's books (`Books(fence=...)`): the row must still name
this process's term and instance, or the write fails with `Fenced` and the process steps
down. Each takeover raises the term, so whatever an old leader paused past its lease, or
cut off, tries to write afterwards fails; a takeover waits for the row lock that every write
holds (FOR SHARE on PostgreSQL; SQLite has one writer), so a write either finished under the
old term or fails under the new one.

Must not: know gRPC or the server. Time is the injected clock: the hosts' clocks must agree
within the lease (they must within the protocol's skew already).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from clearinghouse.records import Lease
from clearinghouse.store import leadership as store
from timebank.clock import Clock
from timebank.errors import StorageUnavailable
from timebank.storage.engine import read_transaction, write_transaction

__all__ = ["Elector", "Fenced", "InRecovery"]

log = logging.getLogger(__name__)
RENEWALS_PER_LEASE = 3  # the active renews this many times in each lease


class Fenced(StorageUnavailable):
    """A write under a term that is no longer the active one's: not made."""


class InRecovery(StorageUnavailable):
    """The database is a PostgreSQL standby (in recovery): nobody may lead on it."""


class Elector:
    """One process's side of the lease: take it, keep it, fence every write with it."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        holder: str,
        address: str,
        lease_seconds: float,
        on_lost: Callable[[str], None] = lambda _reason: None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.holder = holder
        self.address = address
        self.lease_micros = int(lease_seconds * 1_000_000)
        self.on_lost = on_lost
        self.lease: Lease | None = None  # ours, once taken
        self._renewed_until_micros = 0  # the end of our lease as last taken or renewed
        self._lost = threading.Event()

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    # -- taking and keeping the lease -------------------------------------------------------

    def try_take(self) -> Lease | None:
        """Our new lease, or None while another instance holds a live one (see `current`).

        InRecovery when the database is a standby in recovery (it cannot be written).
        """
        self.refuse_standby_database()
        try:
            with write_transaction(self.engine) as connection:
                current = store.read_lease(connection, for_update=True)
                now_micros = self.clock.now_micros()
                if current is not None and current.holder != self.holder and current.live(now_micros):
                    return None
                term = 1 if current is None else current.term + 1
                lease = Lease(term, self.holder, self.address, now_micros, now_micros + self.lease_micros)
                store.write_lease(connection, lease, first=current is None)
        except IntegrityError:  # another process inserted the first lease at the same moment
            return None
        self.lease = lease
        self._renewed_until_micros = lease.expires_at_micros
        self._lost.clear()
        log.info("took the lease: %s", lease.describe())
        return lease

    def renew(self) -> bool:
        """Moves our lease's end on; False (and on_lost) when the term is no longer ours."""
        lease = self._own()
        with write_transaction(self.engine) as connection:
            expires_at_micros = self.clock.now_micros() + self.lease_micros
            renewed = store.renew_lease(connection, lease.term, self.holder, self.address, expires_at_micros)
            current = None if renewed else store.read_lease(connection)
        if renewed:
            self._renewed_until_micros = expires_at_micros
        else:
            self._lose(self._superseded(lease, current))
        return renewed

    def keep(self, stopping: threading.Event) -> None:
        """Renews the lease until stopping is set or the lease is lost (a thread's target).

        A database error is logged and retried at the next renewal; when the lease has ended
        meanwhile, the process steps down (another may lead by now).
        """
        interval_seconds = self.lease_micros / 1e6 / RENEWALS_PER_LEASE
        while not stopping.wait(interval_seconds) and not self.lost:
            try:
                self.renew()
            except SQLAlchemyError as error:
                problem = str(error).splitlines()[0]
                if self.clock.now_micros() >= self._renewed_until_micros:
                    self._lose(
                        f"this clearinghouse ({self.holder}) could not renew its lease before it ended: {problem}"
                    )
                else:
                    log.warning("renewing the lease failed, retrying: %s", problem)

    def current(self) -> Lease | None:
        """The lease as the database holds it now (None before anybody led)."""
        with read_transaction(self.engine) as connection:
            return store.read_lease(connection)

    def refuse_standby_database(self) -> None:
        """InRecovery when the database is a PostgreSQL server in recovery (a hot standby)."""
        if self.engine.dialect.name != "postgresql":
            return
        with read_transaction(self.engine) as connection:
            in_recovery = bool(connection.execute(text("SELECT pg_is_in_recovery()")).scalar())
        if in_recovery:
            where = self.engine.url.render_as_string(hide_password=True)
            raise InRecovery(
                f"the database {where} is a standby in recovery (pg_is_in_recovery() is true): "
                "a clearinghouse leads only on the primary; promote this server or point database.url at the primary"
            )

    # -- the fence --------------------------------------------------------------------------

    def fence(self, connection: Connection) -> None:
        """In every write transaction of the books: Fenced unless the row still names our term."""
        lease = self._own()
        current = store.read_lease(connection, for_share=True)
        if current is not None and current.term == lease.term and current.holder == self.holder:
            return
        reason = self._superseded(lease, current)
        self._lose(reason)
        raise Fenced(f"{reason}; the write was not made")

    def _own(self) -> Lease:
        if self.lease is None:
            raise Fenced(f"this clearinghouse ({self.holder}) is a standby: it holds no lease")
        return self.lease

    def _superseded(self, lease: Lease, current: Lease | None) -> str:
        now = "nobody" if current is None else current.describe()
        return f"this clearinghouse ({self.holder}) led under term {lease.term}, but the active one is now {now}"

    def _lose(self, reason: str) -> None:
        if not self._lost.is_set():
            self._lost.set()
            log.warning("stepping down: %s", reason)
            self.on_lost(reason)
