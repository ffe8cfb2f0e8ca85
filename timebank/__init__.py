"""Time-bank settlement network: the code shared by ledger nodes and the clearinghouse.

Subpackages:
    ledger   pure double-entry rules and values (no I/O, no clock)
    storage  SQLAlchemy tables, migrations, the one engine factory, batch writes
    v1       generated code of the wire contract (proto/timebank/v1)
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
