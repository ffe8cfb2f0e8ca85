"""Storage of the ledger through SQLAlchemy 2.x: SQLite by default, PostgreSQL in production.

Owns the tables, the one engine factory, migrations and the batch reads and writes.
Functions here take a Connection and never commit: the caller owns the transaction.
"""
