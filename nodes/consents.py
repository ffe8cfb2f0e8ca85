"""Holders' consents to pulls from their accounts: one-time codes and standing mandates.

Owns making a consent (a code drawn from the injected random source, stored by its hash
only), the check of a pull against it (holder, beneficiary node, expiry, a code used once,
the limit) and using it up. Reads and writes go through `nodes.store.consents`; the
caller owns the transaction of a check and its use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import Connection

from nodes.records import ConsentGrant, ConsentKind, ConsentRecord
from nodes.store import consents as store
from timebank import ids
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import NotFound, RequestInvalid
from timebank.ledger.model import AccountKind
from timebank.protocol import CrossTransfer
from timebank.storage import ledger_store

__all__ = ["CODE_ALPHABET", "code_key", "CODE_LENGTH", "consent_key", "CONSENT_SECONDS_MAX", "Consents", "problem"]

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CONSENT_SECONDS_MAX = 31_536_000
LIMIT_MINUTES_MAX = 1_000_000_000


def code_key(code: str) -> str:
    """The key a one-time code is stored under: the SHA-256 of its normalised text."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def consent_key(transfer: CrossTransfer) -> str:
    """The key of the consent a pull names: its one-time code's hash, or its mandate id."""
    return code_key(transfer.one_time_code) if transfer.one_time_code else ids.to_hex(transfer.mandate_id)


def problem(consent: ConsentRecord | None, transfer: CrossTransfer, now_micros: int) -> str:
    """Why the consent does not allow the pull ("" if it does)."""
    what = "one-time code" if transfer.one_time_code else "mandate"
    if consent is None or consent.holder_account_id != transfer.debit_account_id:
        return f"consent: no such {what} for account {ids.to_hex(transfer.debit_account_id)}"
    if consent.beneficiary_node_id not in ("", transfer.credit_node_id):
        return f"consent: the {what} is for node {consent.beneficiary_node_id!r}, not {transfer.credit_node_id!r}"
    if now_micros >= consent.expires_at_micros:
        return f"consent: the {what} has expired"
    if consent.kind == ConsentKind.CODE and consent.used_minutes:
        return "consent: the one-time code was used already"
    if consent.used_minutes + transfer.amount_minutes > consent.limit_minutes:
        return (
            f"consent: {transfer.amount_minutes} minutes exceed what the {what} allows "
            f"({consent.limit_minutes - consent.used_minutes} left)"
        )
    return ""


class Consents:
    def __init__(self, books: Books, clock: Clock, random_bytes: Callable[[int], bytes]) -> None:
        self.books = books
        self.clock = clock
        self.random_bytes = random_bytes

    def create(
        self,
        holder_account_id: int,
        beneficiary_node_id: str,
        limit_minutes: int,
        valid_seconds: int,
        mandate_id: int = 0,
    ) -> ConsentGrant:
        """A one-time code (mandate_id 0) or a mandate for pulls from the holder's member account."""
        if not 1 <= limit_minutes <= LIMIT_MINUTES_MAX:
            raise RequestInvalid(f"limit_minutes: got {limit_minutes}, want 1..={LIMIT_MINUTES_MAX}")
        if not 1 <= valid_seconds <= CONSENT_SECONDS_MAX:
            raise RequestInvalid(f"valid_seconds: got {valid_seconds}, want 1..={CONSENT_SECONDS_MAX}")
        code = "" if mandate_id else self._new_code()
        now = self.clock.now_micros()
        consent = ConsentRecord(
            consent_id=ids.to_hex(mandate_id) if mandate_id else code_key(code),
            kind=ConsentKind.MANDATE if mandate_id else ConsentKind.CODE,
            holder_account_id=holder_account_id,
            beneficiary_node_id=beneficiary_node_id,
            limit_minutes=limit_minutes,
            used_minutes=0,
            expires_at_micros=now + valid_seconds * 1_000_000,
            created_at_micros=now,
        )

        def work(connection: Connection) -> None:
            account = ledger_store.read_account(connection, holder_account_id)
            if account is None or account.spec.kind != AccountKind.MEMBER:
                raise NotFound(f"holder_account_id: member account {ids.to_hex(holder_account_id)} not found")
            if store.consent_exists(connection, consent.consent_id):
                raise RequestInvalid(f"mandate_id: {consent.consent_id} exists already")
            store.insert_consent(connection, consent)

        self.books.write(work)
        return ConsentGrant(code, mandate_id, consent.expires_at_micros)

    def check(self, connection: Connection, transfer: CrossTransfer) -> tuple[ConsentRecord | None, str]:
        """The consent a pull names, and why it does not allow the pull ("" if it does)."""
        consent = store.read_consent(connection, consent_key(transfer))
        return consent, problem(consent, transfer, self.clock.now_micros())

    @staticmethod
    def use(connection: Connection, consent: ConsentRecord, amount_minutes: int) -> None:
        """Uses a consent for a pull: a code is used up whole, a mandate by the amount."""
        used = consent.limit_minutes if consent.kind == ConsentKind.CODE else consent.used_minutes + amount_minutes
        store.update_used(connection, consent.consent_id, used)

    def _new_code(self) -> str:
        """A one-time code: CODE_LENGTH characters of a 31-letter alphabet (about 59 bits)."""
        alphabet = len(CODE_ALPHABET)
        code: list[str] = []
        while len(code) < CODE_LENGTH:
            for byte in self.random_bytes(2 * CODE_LENGTH):
                if byte < 256 - 256 % alphabet and len(code) < CODE_LENGTH:  # no modulo bias
                    code.append(CODE_ALPHABET[byte % alphabet])
        return "".join(code)
