"""The cross-node commands: `timebank transfer cross|redeem|cross-show`, `timebank consent
code|mandate` and `timebank recall request|list|answer`.

Owns sending hours to another node through the clearinghouse, redeeming an elder's hours
from their home node with the elder's consent (a one-time code or a mandate), and recalls
of committed cross-node transfers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from nodes.cli.common import add_target_arguments, client_for, emit, hex_of, id_or_new, message_json, new_id, parse_id
from timebank.clock import shown_time
from timebank.command_line import Refused, UsageError
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "WAIT_POLL_SECONDS",
    "WAIT_SECONDS_MAX",
    "cmd_consent",
    "cmd_recall_answer",
    "cmd_recall_list",
    "cmd_recall_request",
    "cmd_transfer_cross",
    "cmd_transfer_cross_show",
    "cmd_transfer_redeem",
    "register",
]

# -- cross-node transfers and consents ----------------------------------------------------


T = TypeVar("T")
WAIT_POLL_SECONDS = 0.2
ABORTED_STATUS = grpc.StatusCode.FAILED_PRECONDITION.value[0]
UNDECIDED_STATUS = grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
WAIT_SECONDS_MAX = 3_600.0


def _waited(arguments: argparse.Namespace, read: Callable[[], T], decided: Callable[[T], bool]) -> T:
    """read() again every WAIT_POLL_SECONDS until decided, for at most --wait seconds."""
    deadline = time.monotonic() + arguments.wait
    found = read()
    while not decided(found) and time.monotonic() < deadline:
        time.sleep(WAIT_POLL_SECONDS)
        found = read()
    return found


def _submit_cross(arguments: argparse.Namespace, item: pb.CrossNodeTransfer) -> int:
    print(f"transfer id {hex_of(item.id)} (pass --id {hex_of(item.id)} to retry safely)", file=sys.stderr)
    later = f"timebank transfer cross-show {hex_of(item.id)}"
    with client_for(arguments) as client:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=[item])
        result = client.call(client.stub.SubmitCrossNodeTransfers, request).results[0]
        if result.outcome not in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):
            raise Refused(result.status_code, result.detail)
        if not arguments.wait:
            emit(
                arguments,
                {"id": hex_of(item.id), "state": "held"},
                f"transfer {hex_of(item.id)}: held here; the clearinghouse decides ({later}, or --wait SECONDS)",
            )
            return 0
        shown = pb.GetCrossNodeTransferRequest(id=item.id)
        view = _waited(
            arguments,
            lambda: client.call(client.stub.GetCrossNodeTransfer, shown),
            lambda found: found.state != pb.CROSS_NODE_STATE_HELD,
        )
    state = pb.CrossNodeState.Name(view.state).removeprefix("CROSS_NODE_STATE_").lower()
    emit(
        arguments,
        message_json(view),
        f"transfer {hex_of(item.id)}: {state}" + (f" ({view.reason})" if view.reason else ""),
    )
    if view.state == pb.CROSS_NODE_STATE_COMMITTED:
        return 0
    if view.state == pb.CROSS_NODE_STATE_ABORTED:
        raise Refused(ABORTED_STATUS, f"transfer {hex_of(item.id)} was aborted: {view.reason}")  # FAILED_PRECONDITION
    raise Refused(
        UNDECIDED_STATUS, f"transfer {hex_of(item.id)}: not decided within {arguments.wait:g} s; ask later: {later}"
    )


def cmd_transfer_cross(arguments: argparse.Namespace) -> int:
    return _submit_cross(
        arguments,
        pb.CrossNodeTransfer(
            id=id_or_new(arguments),
            local_account_id=parse_id(arguments.source, "--from"),
            remote_node_id=arguments.to_node,
            remote_account_id=parse_id(arguments.destination, "--to"),
            amount_minutes=arguments.minutes,
            memo=arguments.memo,
        ),
    )


def cmd_transfer_redeem(arguments: argparse.Namespace) -> int:
    if bool(arguments.code) == bool(arguments.mandate):
        raise UsageError("consent: give exactly one of --code and --mandate")
    return _submit_cross(
        arguments,
        pb.CrossNodeTransfer(
            id=id_or_new(arguments),
            local_account_id=parse_id(arguments.destination, "--to"),
            remote_node_id=arguments.holder_node,
            remote_account_id=parse_id(arguments.holder, "--holder"),
            amount_minutes=arguments.minutes,
            memo=arguments.memo,
            pull=True,
            one_time_code=arguments.code or "",
            mandate_id=parse_id(arguments.mandate, "--mandate") if arguments.mandate else b"",
        ),
    )


def cmd_transfer_cross_show(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        request = pb.GetCrossNodeTransferRequest(id=parse_id(arguments.transfer, "transfer"))
        view = client.call(client.stub.GetCrossNodeTransfer, request)
    state = pb.CrossNodeState.Name(view.state).removeprefix("CROSS_NODE_STATE_").lower()
    transfer = view.transfer
    text = (
        f"cross-node transfer {hex_of(transfer.id)}: {state}"
        + (f" ({view.reason})" if view.reason else "")
        + f"\n  {view.side} leg here, {'started here' if view.originator else 'started at ' + transfer.remote_node_id}"
        + f"; {transfer.amount_minutes} min with {transfer.remote_node_id} account "
        + hex_of(transfer.remote_account_id)
    )
    emit(arguments, message_json(view), text)
    return 0


def cmd_consent(arguments: argparse.Namespace) -> int:
    mandate = arguments.consent_command == "mandate"
    mandate_id = (parse_id(arguments.id, "--id") if arguments.id else new_id()) if mandate else b""
    request = pb.CreateConsentRequest(
        holder_account_id=parse_id(arguments.account, "--account"),
        beneficiary_node_id=arguments.for_node,
        limit_minutes=arguments.minutes,
        valid_seconds=arguments.valid_seconds,
        mandate=mandate,
        mandate_id=mandate_id,
    )
    with client_for(arguments) as client:
        grant = client.call(client.stub.CreateConsent, request)
    what = f"mandate {hex_of(grant.mandate_id)}" if mandate else f"one-time code {grant.one_time_code}"
    emit(
        arguments,
        message_json(grant),
        f"{what} (up to {arguments.minutes} min, for node "
        f"{arguments.for_node or 'any'}), valid until {shown_time(grant.expires_at_micros)}",
    )
    return 0


def _recall_text(view: pb.RecallView) -> str:
    state = pb.RecallState.Name(view.state).removeprefix("RECALL_STATE_").lower()
    direction = (
        f"asked of {view.counterparty_node_id}" if view.requested_here else f"asked by {view.counterparty_node_id}"
    )
    text = (
        f"recall {hex_of(view.recall_id)} of {hex_of(view.original_id)}: {view.amount_minutes} min, {direction}, "
        f"{state}" + (f" ({view.answer_reason})" if view.answer_reason else "")
    )
    if view.return_transfer_id:
        text += f"; return transfer {hex_of(view.return_transfer_id)}"
    return text


def cmd_recall_request(arguments: argparse.Namespace) -> int:
    request = pb.RequestRecallRequest(
        recall_id=parse_id(arguments.id, "--id") if arguments.id else new_id(),
        original_id=parse_id(arguments.original, "original"),
        amount_minutes=arguments.minutes,
        reason=arguments.reason,
    )
    with client_for(arguments) as client:
        view = client.call(client.stub.RequestRecall, request).recall
        if arguments.wait:
            listed = pb.ListRecallsRequest(state=pb.RECALL_STATE_UNSPECIFIED)

            def read() -> pb.RecallView:
                found = client.call(client.stub.ListRecalls, listed).recalls
                return next((v for v in found if v.recall_id == view.recall_id), view)

            view = _waited(arguments, read, lambda found: found.state != pb.RECALL_STATE_REQUESTED)
    emit(arguments, message_json(view), _recall_text(view))
    if view.state == pb.RECALL_STATE_REFUSED:
        raise Refused(ABORTED_STATUS, f"recall {hex_of(view.recall_id)} was refused: {view.answer_reason}")
    if arguments.wait and view.state == pb.RECALL_STATE_REQUESTED:
        later = "timebank recall list --state requested"
        raise Refused(
            4, f"recall {hex_of(view.recall_id)}: not answered within {arguments.wait:g} s; ask later: {later}"
        )
    return 0


def cmd_recall_list(arguments: argparse.Namespace) -> int:
    state = {
        "": pb.RECALL_STATE_UNSPECIFIED,
        "requested": pb.RECALL_STATE_REQUESTED,
        "accepted": pb.RECALL_STATE_ACCEPTED,
        "refused": pb.RECALL_STATE_REFUSED,
    }[arguments.state]
    with client_for(arguments) as client:
        views = client.call(client.stub.ListRecalls, pb.ListRecallsRequest(state=state)).recalls
    emit(arguments, [message_json(v) for v in views], "\n".join(_recall_text(v) for v in views) or "no recalls")
    return 0


def cmd_recall_answer(arguments: argparse.Namespace) -> int:
    request = pb.AnswerRecallRequest(
        recall_id=parse_id(arguments.recall, "recall"), accept=arguments.accept, reason=arguments.reason
    )
    with client_for(arguments) as client:
        view = client.call(client.stub.AnswerRecall, request).recall
    emit(arguments, message_json(view), _recall_text(view))
    return 0


# -- registration --------------------------------------------------------------------------


def _wait_argument(command: Any, what: str) -> None:
    command.add_argument(
        "--wait",
        type=_wait_seconds,
        nargs="?",
        const=60.0,
        default=0.0,
        metavar="SECONDS",
        help=f"wait up to SECONDS (default 60, at most {WAIT_SECONDS_MAX:g}) for {what}",
    )


def _wait_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}, want seconds") from None
    if not 0 < seconds <= WAIT_SECONDS_MAX:
        raise argparse.ArgumentTypeError(f"got {text}, want 0 < SECONDS <= {WAIT_SECONDS_MAX:g}")
    return seconds


def register(subparsers: Any, transfer: Any) -> None:
    cross = transfer.add_parser("cross", help="send hours to an account at another node (through the clearinghouse)")
    cross.add_argument("--from", dest="source", required=True, help="local member account debited")
    cross.add_argument("--to-node", required=True, help="the other node's id")
    cross.add_argument("--to", dest="destination", required=True, help="account at the other node")
    cross.add_argument("--minutes", type=int, required=True)
    cross.set_defaults(handler=cmd_transfer_cross)
    redeem = transfer.add_parser("redeem", help="an elder from another node redeems hours here (with consent)")
    redeem.add_argument("--holder-node", required=True, help="the elder's home node")
    redeem.add_argument("--holder", required=True, help="the elder's account at the home node")
    redeem.add_argument("--to", dest="destination", required=True, help="local account credited (the volunteer)")
    redeem.add_argument("--minutes", type=int, required=True)
    redeem.add_argument("--code", help="the one-time code the elder gave")
    redeem.add_argument("--mandate", help="a standing mandate's id at the home node")
    redeem.set_defaults(handler=cmd_transfer_redeem)
    for command in (cross, redeem):
        _wait_argument(command, "the clearinghouse's decision (exit 0 committed, 1 aborted or not decided)")
        command.add_argument("--id", help="32 hex digits; reuse it to retry safely (default: new)")
        command.add_argument("--memo", default="", help="order id or reason (<= 200 characters)")
        add_target_arguments(command)
    cross_show = transfer.add_parser("cross-show", help="where a cross-node transfer stands at this node")
    cross_show.add_argument("transfer")
    add_target_arguments(cross_show)
    cross_show.set_defaults(handler=cmd_transfer_cross_show)

    consent = subparsers.add_parser("consent", help="an elder's consent to redemptions at other nodes").add_subparsers(
        dest="consent_command", required=True
    )
    for name, text in (
        ("code", "a one-time code the elder gives at the service (shown once)"),
        ("mandate", "a standing mandate with a total limit"),
    ):
        command = consent.add_parser(name, help=text)
        command.add_argument("--account", required=True, help="the elder's member account here")
        command.add_argument("--for-node", default="", help="the node allowed to redeem (default: any)")
        command.add_argument("--minutes", type=int, required=True, help="most minutes (per use for a code)")
        command.add_argument("--valid-seconds", type=int, default=86_400, help="default one day")
        if name == "mandate":
            command.add_argument("--id", help="32 hex digits (default: new)")
        add_target_arguments(command)
        command.set_defaults(handler=cmd_consent)

    recall = subparsers.add_parser("recall", help="give back a committed cross-node transfer").add_subparsers(
        dest="recall_command", required=True
    )
    ask = recall.add_parser("request", help="ask the receiving node to give back a transfer sent from here")
    ask.add_argument("original", help="the committed cross-node transfer")
    ask.add_argument("--minutes", type=int, required=True)
    ask.add_argument("--reason", required=True)
    ask.add_argument("--id", help="32 hex digits; reuse it to retry safely (default: new)")
    _wait_argument(ask, "the answer (exit 0 accepted, 1 refused or not answered)")
    ask.set_defaults(handler=cmd_recall_request)
    listing = recall.add_parser("list", help="recalls sent from here and received here")
    listing.add_argument("--state", default="", choices=["", "requested", "accepted", "refused"])
    listing.set_defaults(handler=cmd_recall_list)
    answer = recall.add_parser("answer", help="accept (give back now) or refuse a recall received here")
    answer.add_argument("recall")
    verdict = answer.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--accept", action="store_true", dest="accept")
    verdict.add_argument("--refuse", action="store_false", dest="accept")
    answer.add_argument("--reason", default="")
    answer.set_defaults(handler=cmd_recall_answer)
    for command in (ask, listing, answer):
        add_target_arguments(command)
