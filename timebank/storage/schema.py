"""The ledger's tables. Transfers are never updated or deleted; accounts keep running totals.

Ids are stored as 32 lowercase hexadecimal digits. CHECK constraints repeat the ledger's
limits in the database itself, so even a bug above cannot overdraw an account.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

ID = String(32)
SEQUENCE = BigInteger().with_variant(Integer, "sqlite")  # SQLite: rowid alias

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", SmallInteger, nullable=False),
    Column("holder", String(64), nullable=False),
    Column("no_floor", Boolean, nullable=False),
    Column("floor_minutes", BigInteger, nullable=False),
    Column("cap_minutes", BigInteger, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("debits_posted_minutes", BigInteger, nullable=False),
    Column("credits_posted_minutes", BigInteger, nullable=False),
    Column("debits_pending_minutes", BigInteger, nullable=False),
    Column("credits_pending_minutes", BigInteger, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    CheckConstraint(
        "debits_posted_minutes >= 0 AND credits_posted_minutes >= 0 "
        "AND debits_pending_minutes >= 0 AND credits_pending_minutes >= 0",
        name="totals_not_negative",
    ),
    CheckConstraint(
        "no_floor OR credits_posted_minutes - debits_posted_minutes - debits_pending_minutes"
        " >= floor_minutes",
        name="floor",
    ),
    CheckConstraint(
        "cap_minutes = 0 OR credits_posted_minutes + credits_pending_minutes"
        " - debits_posted_minutes <= cap_minutes",
        name="cap",
    ),
)


def _transfer_body(accounts_table: str | None) -> list[Column]:  # type: ignore[type-arg]
    """The columns of a transfer as submitted; account ids reference accounts_table if given."""

    def account_column(name: str) -> Column:  # type: ignore[type-arg]
        if accounts_table is None:
            return Column(name, ID, nullable=False)
        return Column(name, ID, ForeignKey(f"{accounts_table}.id"), nullable=False)

    return [
        Column("kind", SmallInteger, nullable=False),
        account_column("debit_account_id"),
        account_column("credit_account_id"),
        Column("amount_minutes", BigInteger, nullable=False),
        Column("pending_id", ID, nullable=True),
        Column("reverses_id", ID, nullable=True),
        Column("memo", String(200), nullable=False),
    ]


transfers = Table(
    "transfers",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("id", ID, nullable=False, unique=True),
    *_transfer_body("accounts"),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("debit_balance_after_minutes", BigInteger, nullable=False),
    Column("credit_balance_after_minutes", BigInteger, nullable=False),
    CheckConstraint("amount_minutes >= 0", name="amount_not_negative"),
    CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
    Index("ix_transfers_debit_account_sequence", "debit_account_id", "sequence"),
    Index("ix_transfers_credit_account_sequence", "credit_account_id", "sequence"),
    Index("ix_transfers_reverses_id", "reverses_id"),
)

# One row per resolved pending transfer: the primary key makes "exactly once" a database fact.
pending_resolutions = Table(
    "pending_resolutions",
    metadata,
    Column("pending_id", ID, ForeignKey("transfers.id"), primary_key=True),
    Column("resolved_by_id", ID, ForeignKey("transfers.id"), nullable=False, unique=True),
    Column("state", SmallInteger, nullable=False),
)

# Transfer ids refused for the ledger's state, with the body that was refused.
refusals = Table(
    "refusals",
    metadata,
    Column("id", ID, primary_key=True),
    *_transfer_body(None),
    Column("outcome", SmallInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
)
