"""The host administrator's commands for operator accounts, run on a party's own host
against its database: `add-operator` (the first manager, or any account) and `trail` (the
logins, failed logins and actions), registered under `timebank node` and `timebank
clearinghouse` each with the party's own roles.

What these commands do is recorded in the trail as done by "host-administrator". A
password is read from --password-file (its first line) or, on a terminal, asked twice;
it never appears on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import pathlib
import sys
from collections.abc import Callable
from typing import Any

from timebank.clock import shown_time
from timebank.command_line import UsageError
from timebank.operators.desk import TRAIL_PAGE_MAX, Operators
from timebank.operators.records import Staff

__all__ = ["register"]

OpenOperators = Callable[[pathlib.Path], Operators]


def _password(arguments: argparse.Namespace) -> str:
    if arguments.password_file is not None:
        try:
            path: pathlib.Path = arguments.password_file
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"--password-file: {error.strerror}: {arguments.password_file}") from error
        if not lines or not lines[0]:
            raise UsageError(f"--password-file: {arguments.password_file} is empty")
        return lines[0]
    if not sys.stdin.isatty():
        raise UsageError("password: give --password-file FILE (no terminal to ask on)")
    first: str = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("password: the two entries differ")
    return first


def _emit(arguments: argparse.Namespace, document: Any, text: str) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2) if arguments.json else text)


def _add_operator(open_operators: OpenOperators) -> Callable[[argparse.Namespace], int]:
    def command(arguments: argparse.Namespace) -> int:
        password = _password(arguments)
        operators = open_operators(arguments.config)
        try:
            account = operators.create_account(
                None, arguments.username, arguments.display_name, password, arguments.role
            )
        finally:
            operators.books.engine.dispose()
        roles = ", ".join(role.label for role in sorted(account.roles))
        document = {"username": account.username, "display_name": account.display_name, "roles": sorted(account.roles)}
        _emit(arguments, document, f"created {account.username} ({account.display_name}): {roles}")
        return 0

    return command


def _trail(open_operators: OpenOperators) -> Callable[[argparse.Namespace], int]:
    def command(arguments: argparse.Namespace) -> int:
        operators = open_operators(arguments.config)
        try:
            entries = operators.trail(None, arguments.after, arguments.limit)
        finally:
            operators.books.engine.dispose()
        documents = [entry.__dict__ | {"kind": str(entry.kind)} for entry in entries]
        lines = [
            f"{e.sequence:>6} {shown_time(e.at_micros)} {e.username:<20} {e.kind:<12} {e.operation} {e.detail}"
            for e in entries
        ]
        _emit(arguments, documents, "\n".join(lines) if lines else "the trail is empty")
        return 0

    return command


def register(commands: Any, staff: Staff, open_operators: OpenOperators, example: str) -> None:
    """add-operator and trail under commands, for a party of staff; example: a username."""
    add = commands.add_parser(
        "add-operator", help=f"an operator account (the first {staff.manager.value}: --role {staff.manager.value})"
    )
    add.add_argument("--config", type=pathlib.Path, required=True)
    add.add_argument("--username", required=True, help=f"2 to 32 of a-z 0-9 . _ -, e.g. {example}")
    add.add_argument("--display-name", required=True, help="as the console shows it, e.g. 王主任")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in staff.roles],
        help=", ".join(role.label for role in staff.roles) + " (repeat for several)",
    )
    add.add_argument("--password-file", type=pathlib.Path, help="its first line is the password (default: ask)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add_operator(open_operators))
    trail = commands.add_parser("trail", help="the trail of logins, failed logins and actions, oldest first")
    trail.add_argument("--config", type=pathlib.Path, required=True)
    trail.add_argument("--after", type=int, default=0, help="entries after this sequence number")
    trail.add_argument("--limit", type=int, default=TRAIL_PAGE_MAX, help=f"at most this many (<= {TRAIL_PAGE_MAX})")
    trail.add_argument("--json", action="store_true")
    trail.set_defaults(handler=_trail(open_operators))
