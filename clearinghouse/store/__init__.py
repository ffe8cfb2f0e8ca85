"""The clearinghouse's tables: every SQL statement of the clearinghouse is in this package.

One module per group of tables: `transfers` (cross_transfers), `mail` (outbox, inbox and
seen batches), `homes` (person_homes), `registry` (registry_nodes, registry_keys,
registry_events), `cycles` (cycles, cycle_positions, statements) and `accounts` (the
nodes' accounts in the clearinghouse's books). Each function takes the connection of a
transaction its caller owns and converts rows to the values of `clearinghouse.records`
and back; `read_transaction` opens a read-only transaction for callers that have none.

Must not: decide anything (the domain modules do), know gRPC, open a write transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads (deferred on SQLite: a snapshot that never waits), rolled back at the end."""
    with engine.connect() as connection:
        yield connection
