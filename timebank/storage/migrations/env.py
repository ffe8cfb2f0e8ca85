"""Alembic environment: runs migrations on the connection the caller hands in.

timebank.storage.migrate passes the connection and the party's metadata (None for the
shared history alone) in the config's attributes.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through timebank.storage.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
