"""The host administrator's commands for operator accounts, run on the node's own host
against its database: `timebank node add-operator` (the first director, or any account)
and `timebank node trail` (the logins, failed logins and actions).

What these commands do is recorded in the trail as done by "host-administrator". A
password is read from --password-file (its first line) or, on a terminal, asked twice;
it never appears on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import pathlib
import sys
from typing import Any

from nodes.cli.common import emit
from nodes.config import load_node_config
from nodes.tables import OPERATOR_TABLES
from timebank.clock import SystemClock
from timebank.command_line import UsageError
from timebank.operators.desk import TRAIL_PAGE_MAX, Operators
from timebank.operators.records import NODE_STAFF, Role

__all__ = ["cmd_add_operator", "cmd_trail", "register"]


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


def _operators(arguments: argparse.Namespace) -> Operators:
    from nodes.server import open_books

    config = load_node_config(arguments.config)
    return Operators(open_books(config, SystemClock()), SystemClock(), OPERATOR_TABLES, NODE_STAFF)


def cmd_add_operator(arguments: argparse.Namespace) -> int:
    password = _password(arguments)
    operators = _operators(arguments)
    try:
        account = operators.create_account(None, arguments.username, arguments.display_name, password, arguments.role)
    finally:
        operators.books.engine.dispose()
    roles = ", ".join(role.label for role in sorted(account.roles))
    document = {"username": account.username, "display_name": account.display_name, "roles": sorted(account.roles)}
    emit(arguments, document, f"created {account.username} ({account.display_name}): {roles}")
    return 0


def cmd_trail(arguments: argparse.Namespace) -> int:
    operators = _operators(arguments)
    try:
        entries = operators.trail(None, arguments.after, arguments.limit)
    finally:
        operators.books.engine.dispose()
    documents = [entry.__dict__ | {"kind": str(entry.kind)} for entry in entries]
    lines = [f"{e.sequence:>6} {e.at_micros} {e.username:<20} {e.kind:<12} {e.operation} {e.detail}" for e in entries]
    emit(arguments, documents, "\n".join(lines) if lines else "the trail is empty")
    return 0


def register(node: Any) -> None:
    add = node.add_parser("add-operator", help="an operator account (the first director: --role director)")
    add.add_argument("--config", type=pathlib.Path, required=True)
    add.add_argument("--username", required=True, help="2 to 32 of a-z 0-9 . _ -, e.g. wang.director")
    add.add_argument("--display-name", required=True, help="as the console shows it, e.g. 王主任")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="reviewer 审核员, operator 经办员, director 主任, viewer 查询员 (repeat for several)",
    )
    add.add_argument("--password-file", type=pathlib.Path, help="its first line is the password (default: ask)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add_operator)
    trail = node.add_parser("trail", help="the trail of logins, failed logins and actions, oldest first")
    trail.add_argument("--config", type=pathlib.Path, required=True)
    trail.add_argument("--after", type=int, default=0, help="entries after this sequence number")
    trail.add_argument("--limit", type=int, default=TRAIL_PAGE_MAX, help=f"at most this many (<= {TRAIL_PAGE_MAX})")
    trail.add_argument("--json", action="store_true")
    trail.set_defaults(handler=cmd_trail)
