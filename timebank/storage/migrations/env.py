"""Alembic environment: runs migrations on the connection the caller hands in."""

from __future__ import annotations

from alembic import context

from timebank.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through timebank.storage.migrate, which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
