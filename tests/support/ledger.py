"""Builders shared by the tests: member ids, accounts and transfers in a few words."""

from __future__ import annotations

from timebank.ledger.model import (
    SYSTEM_ACCOUNT_IDS,
    AccountKind,
    AccountSpec,
    TransferKind,
    TransferRequest,
)

ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
MEMBER_BASE = 0xA000_0000_0000_0000_0000_0000_0000_0000
TRANSFER_BASE = 0x7000_0000_0000_0000_0000_0000_0000_0000


def member(number: int) -> int:
    return MEMBER_BASE + number


def transfer_id(number: int) -> int:
    return TRANSFER_BASE + number


def member_spec(number: int, **fields: object) -> AccountSpec:
    return AccountSpec(id=member(number), kind=AccountKind.MEMBER, holder=f"member {number}", **fields)  # type: ignore[arg-type]


def move(number: int, debit: int, credit: int, minutes: int, **fields: object) -> TransferRequest:
    return TransferRequest(
        id=transfer_id(number),
        kind=fields.pop("kind", TransferKind.SINGLE_PHASE),  # type: ignore[arg-type]
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minutes=minutes,
        **fields,  # type: ignore[arg-type]
    )


def post(number: int, pending_number: int, minutes: int) -> TransferRequest:
    return TransferRequest(
        transfer_id(number), TransferKind.POST_PENDING, 0, 0, minutes, pending_id=transfer_id(pending_number)
    )


def void(number: int, pending_number: int) -> TransferRequest:
    return TransferRequest(
        transfer_id(number), TransferKind.VOID_PENDING, 0, 0, 0, pending_id=transfer_id(pending_number)
    )
