"""The transfer commands: `timebank transfer create|post|void|reverse|show|batch`.

Owns the single transfers of the ledger's two-phase model (a pending transfer is posted or
voided later; a posted one reversed) and a batch from JSON lines. Every command takes --id,
so a retry with the same id is safe.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nodes.cli.common import add_target_arguments, client_for, emit, hex_of, id_or_new, message_json, new_id, parse_id
from timebank.command_line import EXIT_REFUSED, UsageError
from timebank.ledger.model import format_hours
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "BATCH_KEYS",
    "BATCH_KINDS",
    "cmd_transfer_batch",
    "cmd_transfer_create",
    "cmd_transfer_post",
    "cmd_transfer_reverse",
    "cmd_transfer_show",
    "cmd_transfer_void",
    "register",
    "register_batch",
]

# -- transfers -----------------------------------------------------------------------------


def _submit_one(arguments: argparse.Namespace, transfer: pb.Transfer) -> int:
    print(
        f"transfer id {hex_of(transfer.id)} (pass --id {hex_of(transfer.id)} to retry safely)",
        file=sys.stderr,
    )
    with client_for(arguments) as client:
        response = client.submit_transfer(transfer)
    stored = response.stored
    outcome = pb.Outcome.Name(response.outcome).removeprefix("OUTCOME_").lower()
    state = pb.TransferState.Name(stored.state).removeprefix("TRANSFER_STATE_").lower()
    text = (
        f"transfer {hex_of(stored.transfer.id)}: {outcome}, {state}, "
        f"{stored.transfer.amount_minutes} min, sequence {stored.sequence}"
    )
    emit(arguments, {"outcome": outcome, "stored": message_json(stored)}, text)
    return 0


def cmd_transfer_create(arguments: argparse.Namespace) -> int:
    transfer = pb.Transfer(
        id=id_or_new(arguments),
        kind=pb.TRANSFER_KIND_PENDING if arguments.pending else pb.TRANSFER_KIND_SINGLE_PHASE,
        debit_account_id=parse_id(arguments.source, "--from"),
        credit_account_id=parse_id(arguments.destination, "--to"),
        amount_minutes=arguments.minutes,
        memo=arguments.memo,
    )
    return _submit_one(arguments, transfer)


def cmd_transfer_post(arguments: argparse.Namespace) -> int:
    pending_id = parse_id(arguments.pending, "pending")
    minutes = arguments.minutes
    if minutes is None:
        with client_for(arguments) as client:
            minutes = client.get_transfer(pending_id).stored.transfer.amount_minutes
    transfer = pb.Transfer(
        id=id_or_new(arguments),
        kind=pb.TRANSFER_KIND_POST_PENDING,
        pending_id=pending_id,
        amount_minutes=minutes,
        memo=arguments.memo,
    )
    return _submit_one(arguments, transfer)


def cmd_transfer_void(arguments: argparse.Namespace) -> int:
    transfer = pb.Transfer(
        id=id_or_new(arguments),
        kind=pb.TRANSFER_KIND_VOID_PENDING,
        pending_id=parse_id(arguments.pending, "pending"),
        memo=arguments.memo,
    )
    return _submit_one(arguments, transfer)


def cmd_transfer_reverse(arguments: argparse.Namespace) -> int:
    original_id = parse_id(arguments.original, "original")
    with client_for(arguments) as client:
        original = client.get_transfer(original_id).stored.transfer
    transfer = pb.Transfer(
        id=id_or_new(arguments),
        kind=pb.TRANSFER_KIND_SINGLE_PHASE,
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        amount_minutes=arguments.minutes if arguments.minutes is not None else original.amount_minutes,
        reverses_id=original_id,
        memo=arguments.memo,
    )
    return _submit_one(arguments, transfer)


def cmd_transfer_show(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        stored = client.get_transfer(parse_id(arguments.transfer, "transfer")).stored
    transfer = stored.transfer
    state = pb.TransferState.Name(stored.state).removeprefix("TRANSFER_STATE_").lower()
    kind = pb.TransferKind.Name(transfer.kind).removeprefix("TRANSFER_KIND_").lower()
    text = (
        f"transfer {hex_of(transfer.id)} ({kind}, {state}), sequence {stored.sequence}\n"
        f"  {hex_of(transfer.debit_account_id)} -> {hex_of(transfer.credit_account_id)}: "
        f"{transfer.amount_minutes} min ({format_hours(transfer.amount_minutes)} h)"
        + (f"\n  resolved by {hex_of(stored.resolved_by_id)}" if stored.resolved_by_id else "")
        + (f"\n  reverses {hex_of(transfer.reverses_id)}" if transfer.reverses_id else "")
        + (f"\n  memo: {transfer.memo}" if transfer.memo else "")
    )
    emit(arguments, message_json(stored), text)
    return 0


BATCH_KEYS = frozenset({"id", "kind", "from", "to", "minutes", "pending_id", "reverses_id", "linked", "memo"})
BATCH_KINDS = {
    "single_phase": pb.TRANSFER_KIND_SINGLE_PHASE,
    "pending": pb.TRANSFER_KIND_PENDING,
    "post_pending": pb.TRANSFER_KIND_POST_PENDING,
    "void_pending": pb.TRANSFER_KIND_VOID_PENDING,
}


def _batch_item(line_number: int, item: Any) -> pb.Transfer:
    where = f"line {line_number}"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: want a JSON object")
    unknown = set(item) - BATCH_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown keys {sorted(unknown)}, want some of {sorted(BATCH_KEYS)}")
    kind = item.get("kind", "single_phase")
    if kind not in BATCH_KINDS:
        raise UsageError(f"{where}: kind: got {kind!r}, want one of {sorted(BATCH_KINDS)}")
    minutes = item.get("minutes", 0)
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise UsageError(f"{where}: minutes: got {minutes!r}, want an integer")

    def optional(key: str) -> bytes:
        return parse_id(item[key], f"{where}: {key}") if item.get(key) else b""

    return pb.Transfer(
        id=optional("id") or new_id(),
        kind=BATCH_KINDS[kind],
        debit_account_id=optional("from"),
        credit_account_id=optional("to"),
        amount_minutes=minutes,
        pending_id=optional("pending_id"),
        reverses_id=optional("reverses_id"),
        linked=bool(item.get("linked", False)),
        memo=str(item.get("memo", "")),
    )


def cmd_transfer_batch(arguments: argparse.Namespace) -> int:
    source = sys.stdin if arguments.file == "-" else open(arguments.file, encoding="utf-8")
    with source:
        transfers = []
        for number, line in enumerate(source, start=1):
            if line.strip():
                try:
                    transfers.append(_batch_item(number, json.loads(line)))
                except json.JSONDecodeError as error:
                    raise UsageError(f"line {number}: not JSON: {error}") from None
    with client_for(arguments) as client:
        results = client.submit_transfers(transfers).results
    rows = [message_json(result) for result in results]
    ok = sum(result.outcome in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS) for result in results)
    lines = [f"{ok} of {len(results)} applied"] + [
        f"  {hex_of(r.id)} {pb.Outcome.Name(r.outcome).removeprefix('OUTCOME_').lower()} {r.detail}" for r in results
    ]
    emit(arguments, {"applied": ok, "results": rows}, "\n".join(lines))
    return 0 if ok == len(results) else EXIT_REFUSED


# -- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> Any:
    transfer = subparsers.add_parser("transfer", help="move hours").add_subparsers(
        dest="transfer_command", required=True
    )
    create = transfer.add_parser("create", help="a single-phase (or --pending) transfer")
    create.add_argument("--from", dest="source", required=True, help="account debited")
    create.add_argument("--to", dest="destination", required=True, help="account credited")
    create.add_argument("--minutes", type=int, required=True)
    create.add_argument("--pending", action="store_true", help="reserve now, post or void later")
    create.set_defaults(handler=cmd_transfer_create)
    post = transfer.add_parser("post", help="post a pending transfer (all or part of it)")
    post.add_argument("pending")
    post.add_argument("--minutes", type=int, help="default: the whole pending amount")
    post.set_defaults(handler=cmd_transfer_post)
    void = transfer.add_parser("void", help="void a pending transfer")
    void.add_argument("pending")
    void.set_defaults(handler=cmd_transfer_void)
    reverse = transfer.add_parser("reverse", help="give back a posted transfer (all or part)")
    reverse.add_argument("original")
    reverse.add_argument("--minutes", type=int, help="default: the whole original amount")
    reverse.set_defaults(handler=cmd_transfer_reverse)
    for command in (create, post, void, reverse):
        command.add_argument("--id", help="32 hex digits; reuse it to retry safely (default: new)")
        command.add_argument("--memo", default="", help="order id or reason (<= 200 characters)")
        add_target_arguments(command)
    show = transfer.add_parser("show", help="a transfer and its state")
    show.add_argument("transfer")
    add_target_arguments(show)
    show.set_defaults(handler=cmd_transfer_show)
    return transfer


def register_batch(transfer: Any) -> None:
    batch = transfer.add_parser(
        "batch",
        help="JSON lines, one transfer a line, in one call and one transaction: a result per line (a line "
        "refused alone); lines marked linked stand or fall with the next, for all or nothing",
    )
    batch.add_argument(
        "file", help=f"JSON lines file, or - for stdin; keys: {', '.join(sorted(BATCH_KEYS))} (README: the keys)"
    )
    add_target_arguments(batch)
    batch.set_defaults(handler=cmd_transfer_batch)
