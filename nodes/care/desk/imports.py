"""Importing hours recorded on another volunteer platform: a file's rows checked against
the people, their orders and the records imported before; the batch kept pending; a
reviewer other than its submitter approving it, which deposits every accepted row once,
or rejecting it.

Owns the order of both operations: read what the rows name, let `nodes.care.importing`
and the checks here decide each row, then write, in one transaction. A dry run reads and
decides, and keeps nothing. The batch, as submitted and as decided, is a leaf of the
node's log (its figures and who acted); approval deposits from the node's issuance, each row's
minutes exactly (above the storage cap, to the donation pool, as any deposit), with a
memo naming the platform and the source record, in the movements index as `import`;
the ledger's postings carry the memo into the node's log. Must not: hold SQL, or know
about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection

from nodes.care import importing, rules
from nodes.care import records as r
from nodes.care.desk.context import Desk
from nodes.care.desk.deposits import ISSUANCE, split_at_cap
from nodes.care.store import imports as import_rows
from nodes.care.store import orders as order_rows
from nodes.care.store import people as people_rows
from timebank import ids
from timebank.errors import AlreadyExists, NotPermitted, RequestInvalid
from timebank.ledger.model import TransferRequest
from timebank.operators.acting import acting_username
from timebank.protocol import derive_id

__all__ = ["FILE_NAME_MAX", "ROWS_MAX", "Submitted", "kept", "listed", "review", "submit"]

ROWS_MAX = 10_000
FILE_NAME_MAX = 200
# Orders whose times a volunteer spent serving (an imported record may not overlap them).
SERVED_STATES = (
    r.OrderState.ACCEPTED,
    r.OrderState.CHECKED_IN,
    r.OrderState.CHECKED_OUT,
    r.OrderState.CONFIRMED,
    r.OrderState.DISPUTED,
    r.OrderState.RESOLVED,
)


@dataclasses.dataclass(frozen=True)
class Submitted:
    batch: r.ImportBatch
    outcomes: list[r.ImportRowOutcome]


def submit(
    desk: Desk,
    *,
    batch_id: int,
    file_name: str,
    file_sha256: bytes,
    rows: Sequence[Mapping[str, str]],
    dry_run: bool,
    operator: str,
) -> Submitted:
    """Every row checked; a pending batch kept unless dry_run. The same batch id again
    answers the batch as it was kept (ALREADY_EXISTS for another file under that id)."""
    if not 1 <= len(rows) <= ROWS_MAX:
        raise RequestInvalid(f"rows: got {len(rows)}, want 1 to {ROWS_MAX} a batch")
    name = rules.text("file_name", file_name, FILE_NAME_MAX)
    if len(file_sha256) != 32:
        raise RequestInvalid(f"file_sha256: got {len(file_sha256)} bytes, want the 32 of a SHA-256")
    numbers = [row.get("row_number", "") for row in rows]
    if len(set(numbers)) != len(numbers):
        raise RequestInvalid("rows: two rows have the same row_number")
    now = desk.clock.now_micros()
    checked, reasons = _check_each(desk, rows, now)

    found: list[r.ImportRowOutcome] = []

    def work(connection: Connection) -> r.ImportBatch:
        kept = None if dry_run else import_rows.find_batch(connection, batch_id)
        if kept is not None:
            if kept.file_sha256 != file_sha256.hex():
                raise AlreadyExists(f"batch_id: {ids.to_hex(batch_id)} is the batch of another file")
            found.extend(import_rows.rows(connection, batch_id))
            return kept
        outcomes = _decide(desk, connection, batch_id, rows, checked, reasons)
        found.extend(outcomes)
        accepted = [outcome for outcome in outcomes if outcome.accepted]
        batch = r.ImportBatch(
            batch_id=batch_id,
            file_name=name,
            file_sha256=file_sha256.hex(),
            state=r.ImportState.CHECKED if dry_run else r.ImportState.PENDING,
            submitted_by=operator or acting_username(),
            submitted_at_micros=now,
            row_count=len(outcomes),
            accepted_count=len(accepted),
            accepted_minutes=sum(outcome.minutes for outcome in accepted),
        )
        if not dry_run:
            import_rows.add_batch(connection, batch)
            import_rows.add_rows(connection, outcomes)
        return batch

    batch = desk.read(work) if dry_run else desk.write(work, "SubmitImport")
    return Submitted(batch, found)


def _check_each(
    desk: Desk, rows: Sequence[Mapping[str, str]], now_micros: int
) -> tuple[dict[int, importing.CheckedRow], dict[int, str]]:
    """Each row's own checks, then the file's duplicates and overlaps."""
    checked: dict[int, importing.CheckedRow] = {}
    reasons: dict[int, str] = {}
    for index, row in enumerate(rows):
        number = int(row.get("row_number") or index + 2)
        try:
            checked[number] = importing.check_row(
                {**row, "row_number": str(number)}, now_micros, desk.policy.utc_offset_hours
            )
        except RequestInvalid as refused:
            reasons[number] = str(refused)
    reasons.update(importing.repeated_and_overlapping(list(checked.values())))
    return checked, reasons


def _decide(
    desk: Desk,
    connection: Connection,
    batch_id: int,
    rows: Sequence[Mapping[str, str]],
    checked: Mapping[int, importing.CheckedRow],
    reasons: dict[int, str],
) -> list[r.ImportRowOutcome]:
    """What the node finds of each row: its person, an earlier import, an order it overlaps."""
    people = {
        number: people_rows.person_by_identity(connection, rules.identity_hash(desk.identity_key, number))
        for number in {row.identity_number for row in checked.values()}
    }
    earlier = import_rows.imported(connection, ((row.platform, row.source_record_id) for row in checked.values()))
    served: dict[int, list[r.Order]] = {}
    outcomes = []
    for index, raw in enumerate(rows):
        number = int(raw.get("row_number") or index + 2)
        row = checked.get(number)
        person = people.get(row.identity_number) if row is not None else None
        reason = reasons.get(number, "")
        if row is not None and not reason:
            reason = _person_problem(row, person) or _earlier_problem(row, earlier)
        if row is not None and not reason and person is not None:
            orders = served.setdefault(
                person.person_id, order_rows.volunteer_orders(connection, person.person_id, SERVED_STATES)
            )
            reason = _order_problem(row, orders)
        outcomes.append(_outcome(batch_id, number, raw, row, person, reason))
    return outcomes


def _person_problem(row: importing.CheckedRow, person: r.Person | None) -> str:
    if person is None:
        return (
            "identity_number: no one with this number is registered at this node; register the volunteer "
            "and have them reviewed, then import the row again"
        )
    if person.name != row.name:
        return f"name: got {row.name!r}; the person registered with this identity number is {person.name!r}"
    if person.role != r.Role.VOLUNTEER:
        return f"identity_number: {person.name} is registered as {person.role}, not as a volunteer"
    if person.state != r.ReviewState.APPROVED:
        return f"identity_number: {person.name}'s registration is {person.state}; it must be approved first"
    return ""


def _earlier_problem(row: importing.CheckedRow, earlier: Mapping[tuple[str, str], str]) -> str:
    batch = earlier.get((row.platform, row.source_record_id))
    if batch is None:
        return ""
    return f"source_record_id: {row.source_record_id} of {row.platform} was imported already (batch {batch})"


def _order_problem(row: importing.CheckedRow, orders: Sequence[r.Order]) -> str:
    for order in orders:
        start = order.checked_in_micros or order.window_start_micros
        end = order.checked_out_micros or order.window_end_micros
        if row.start_micros < end and start < row.end_micros:
            return f"sign_in: overlaps order {ids.to_hex(order.order_id)} of the same volunteer at this node"
    return ""


def _outcome(
    batch_id: int,
    number: int,
    raw: Mapping[str, str],
    row: importing.CheckedRow | None,
    person: r.Person | None,
    reason: str,
) -> r.ImportRowOutcome:
    def shown(name: str, longest: int) -> str:
        return raw.get(name, "").strip()[:longest]

    return r.ImportRowOutcome(
        batch_id=batch_id,
        row_number=number,
        accepted=not reason,
        reason=reason[:500],
        person_id=person.person_id if person is not None else 0,
        minutes=row.minutes if row is not None else 0,
        platform=row.platform if row is not None else shown("platform", 32),
        source_record_id=row.source_record_id if row is not None else shown("source_record_id", 64),
        name=row.name if row is not None else shown("name", 40),
        service_date=row.service_date if row is not None else shown("service_date", 10),
        activity=row.activity if row is not None else shown("activity", 100),
        organisation=row.organisation if row is not None else shown("organisation", 100),
        origin=row.origin if row is not None else shown("origin", 16),
        start_micros=row.start_micros if row is not None else 0,
    )


def kept(connection: Connection, batch_id: int) -> Submitted:
    """A batch as it was kept, with its rows (NotFound naming batch_id)."""
    return Submitted(import_rows.batch(connection, batch_id), import_rows.rows(connection, batch_id))


def listed(connection: Connection, state: str, limit: int) -> list[r.ImportBatch]:
    if state:
        rules.choice("state", state, [str(s) for s in r.ImportState if s != r.ImportState.CHECKED])
    return import_rows.batches(connection, state, limit)


# -- the review --------------------------------------------------------------------------------


def review(desk: Desk, batch_id: int, *, approve: bool, note: str, operator: str) -> Submitted:
    """Approves (every accepted row not deposited before is deposited now) or rejects a
    pending batch; refuses its own submitter (PERMISSION_DENIED) and a decided batch."""
    note = rules.text("note", note, 200, required=not approve)
    reviewer = operator or acting_username()
    now = desk.clock.now_micros()

    found: list[r.ImportRowOutcome] = []

    def work(connection: Connection) -> r.ImportBatch:
        batch = import_rows.batch(connection, batch_id)
        if batch.state != r.ImportState.PENDING:
            raise RequestInvalid(f"batch_id: the batch is {batch.state} already, by {batch.reviewed_by}")
        if reviewer == batch.submitted_by:
            raise NotPermitted(f"operator: {reviewer} submitted this batch; another reviewer decides it")
        outcomes = import_rows.rows(connection, batch_id)
        found.extend(outcomes)
        applied = _apply(desk, connection, batch_id, [o for o in outcomes if o.accepted]) if approve else []
        decided = dataclasses.replace(
            batch,
            state=r.ImportState.APPROVED if approve else r.ImportState.REJECTED,
            reviewed_by=reviewer,
            reviewed_at_micros=now,
            review_note=note,
            applied_count=len(applied),
            applied_minutes=sum(outcome.minutes for outcome in applied),
        )
        import_rows.save_batch(connection, decided)
        return decided

    decided = desk.write(work, "ReviewImport")
    return Submitted(decided, found)


def _transfer_id(outcome: r.ImportRowOutcome) -> int:
    """The deposit's id, the same for the same record whatever batch brings it."""
    digest = hashlib.sha256(f"{outcome.platform}\x00{outcome.source_record_id}".encode()).digest()
    return derive_id("care-import", int.from_bytes(digest[:16], "big"))


def _apply(
    desk: Desk, connection: Connection, batch_id: int, accepted: Sequence[r.ImportRowOutcome]
) -> list[r.ImportRowOutcome]:
    """Deposits the accepted rows not deposited before; the rows deposited."""
    earlier = import_rows.imported(connection, ((o.platform, o.source_record_id) for o in accepted))
    fresh = [outcome for outcome in accepted if (outcome.platform, outcome.source_record_id) not in earlier]
    accounts = desk.books.read_accounts(connection, sorted({outcome.person_id for outcome in fresh}))
    holding = {person_id: rules.holding_minutes(account) for person_id, account in accounts.items()}
    moves: list[tuple[r.Movement, TransferRequest]] = []
    records = []
    for outcome in fresh:
        memo = importing.memo_of(outcome.platform, outcome.source_record_id, outcome.activity, outcome.service_date)
        deposit_id = _transfer_id(outcome)
        base = r.Movement(
            deposit_id,
            r.MovementKind.IMPORT,
            outcome.person_id,
            desk.node_id,
            0,
            outcome.minutes,
            r.MovementState.POSTED,
            memo,
        )
        overflow_id = derive_id("care-import-overflow", deposit_id)
        holds = holding.get(outcome.person_id, 0)
        kept, planned = split_at_cap(base, ISSUANCE, holds, desk.policy.storage_cap_minutes, overflow_id)
        holding[outcome.person_id] = holds + kept
        moves += planned
        records.append(
            {
                "platform": outcome.platform,
                "source_record_id": outcome.source_record_id,
                "batch_id": ids.to_hex(batch_id),
                "person_id": ids.to_hex(outcome.person_id),
                "transfer_id": ids.to_hex(deposit_id),
                "minutes": outcome.minutes,
            }
        )
    desk.apply(connection, [transfer for _, transfer in moves])
    for movement, _ in moves:
        desk.record(connection, movement)
    import_rows.add_imported(connection, records)
    return fresh
