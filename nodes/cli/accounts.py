"""The account commands: `timebank account create|show|close|statement`."""

from __future__ import annotations

import argparse
from typing import Any

import grpc

from nodes.cli.common import add_target_arguments, client_for, emit, hex_of, message_json, new_id, parse_id
from nodes.client import NodeClient
from timebank.command_line import Refused
from timebank.ledger.model import format_hours
from timebank.v1 import care_pb2
from timebank.v1 import ledger_pb2 as pb

__all__ = ["cmd_account_close", "cmd_account_create", "cmd_account_show", "cmd_account_statement", "register"]

# -- accounts ------------------------------------------------------------------------------


def cmd_account_create(arguments: argparse.Namespace) -> int:
    account_id = parse_id(arguments.id) if arguments.id else new_id()
    account = pb.Account(
        id=account_id,
        kind=pb.ACCOUNT_KIND_MEMBER,
        holder=arguments.holder,
        floor_minutes=arguments.floor_minutes,
        cap_minutes=arguments.cap_minutes,
    )
    with client_for(arguments) as client:
        result = client.create_accounts([account]).results[0]
    if result.outcome not in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):
        raise Refused(result.status_code, result.detail)
    outcome = pb.Outcome.Name(result.outcome).removeprefix("OUTCOME_").lower()
    emit(
        arguments,
        {"id": hex_of(account_id), "outcome": outcome},
        f"account {hex_of(account_id)} for {arguments.holder}: {outcome}",
    )
    return 0


def _account_text(response: pb.GetAccountResponse) -> str:
    account = response.account
    kind = pb.AccountKind.Name(account.kind).removeprefix("ACCOUNT_KIND_").lower()
    lines = [
        f"account {hex_of(account.id)} ({kind}) {account.holder}" + (" CLOSED" if account.closed else ""),
        f"  balance:   {format_hours(response.balance_minutes)} h ({response.balance_minutes} min)",
        f"  available: {format_hours(response.available_minutes)} h",
        f"  pending:   {account.debits_pending_minutes} min out, {account.credits_pending_minutes} min in",
    ]
    if account.cap_minutes:
        lines.append(f"  cap:       {format_hours(account.cap_minutes)} h")
    return "\n".join(lines)


def cmd_account_show(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        response = client.get_account(parse_id(arguments.account, "account"))
    emit(arguments, message_json(response), _account_text(response))
    return 0


def cmd_account_close(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        response = client.close_account(parse_id(arguments.account, "account"))
    emit(arguments, message_json(response), f"account {hex_of(response.account.id)} closed")
    return 0


def _pending_text(entry: pb.StatementEntry, account_id: bytes) -> str:
    """What an entry did to the account's pending hours, signed for this account: a payer's
    hold is -, a payee's incoming +, and a release the opposite ("" when nothing)."""
    change = entry.pending_change_minutes
    if not change:
        return ""
    paying = entry.stored.transfer.debit_account_id == account_id
    signed = -change if paying else change
    what = ("held to pay" if paying else "on its way in") if change > 0 else "released"
    return f", pending {signed:+d} min ({what})"


def _person_name(client: NodeClient, account_id: bytes) -> str:
    """The name of the person whose member account this is, when the node's services know
    them ("" otherwise: a system account, or an account opened with `account create`)."""
    try:
        person = client.call(client.care.GetPerson, care_pb2.GetPersonRequest(person_id=account_id))
    except grpc.RpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return ""
        raise
    return f"{person.name}, {person.role} {person.identity_masked}"


def cmd_account_statement(arguments: argparse.Namespace) -> int:
    account_id = parse_id(arguments.account, "account")
    pages = []
    after = arguments.after
    with client_for(arguments) as client:
        while True:
            page = client.get_statement(account_id, after, arguments.page_size)
            pages.append(page)
            after = page.next_after_sequence
            if not arguments.all or not after:
                break
        named = _person_name(client, account_id)
    entries = [entry for page in pages for entry in page.entries]
    opening, closing = pages[0].opening_balance_minutes, pages[-1].closing_balance_minutes
    document = {
        "account": message_json(pages[0].account),
        "opening_balance_minutes": opening,
        "entries": [message_json(entry) for entry in entries],
        "closing_balance_minutes": closing,
        "next_after_sequence": pages[-1].next_after_sequence,
    }
    lines = [
        f"statement of {hex_of(account_id)} ({named or pages[0].account.holder})",
        f"  opening balance {format_hours(opening)} h",
    ]
    for entry in entries:
        transfer = entry.stored.transfer
        kind = pb.TransferKind.Name(transfer.kind).removeprefix("TRANSFER_KIND_").lower()
        lines.append(
            f"  #{entry.stored.sequence:<6} {kind:<12} {entry.posted_change_minutes:+7d} min"
            f"{_pending_text(entry, account_id)} -> {format_hours(entry.balance_after_minutes)} h"
            f"  {hex_of(transfer.id)} {transfer.memo}"
        )
    lines.append(f"  closing balance {format_hours(closing)} h")
    if pages[-1].next_after_sequence:
        lines.append(f"  more: --after {pages[-1].next_after_sequence}")
    emit(arguments, document, "\n".join(lines))
    return 0


# -- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    account = subparsers.add_parser("account", help="member accounts").add_subparsers(
        dest="account_command", required=True
    )
    create = account.add_parser("create", help="create a member account")
    create.add_argument("--holder", required=True, help="member number or name (<= 64 characters)")
    create.add_argument("--id", help="32 hex digits (default: a new random id)")
    create.add_argument("--floor-minutes", type=int, default=0)
    create.add_argument("--cap-minutes", type=int, default=0, help="storage cap (0: none)")
    add_target_arguments(create)
    create.set_defaults(handler=cmd_account_create)
    for name, handler, text in (
        ("show", cmd_account_show, "balance and limits of an account"),
        ("close", cmd_account_close, "close an account whose balance is zero"),
    ):
        command = account.add_parser(name, help=text)
        command.add_argument("account")
        add_target_arguments(command)
        command.set_defaults(handler=handler)
    statement = account.add_parser("statement", help="opening balance, entries, closing balance")
    statement.add_argument("account")
    statement.add_argument("--after", type=int, default=0, help="ledger sequence to start after")
    statement.add_argument("--page-size", type=int, default=0, help="entries per page (default 100)")
    statement.add_argument("--all", action="store_true", help="follow every page to the end")
    add_target_arguments(statement)
    statement.set_defaults(handler=cmd_account_statement)
