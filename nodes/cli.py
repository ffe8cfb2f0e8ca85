"""The node's commands: `timebank node ...`, `timebank account ...`, `timebank transfer ...`.

Operator commands talk to a running node over gRPC (--node HOST:PORT, or --config FILE
to use the node's own listen address, or TIMEBANK_NODE). Accounts are named by their
32-digit hexadecimal id or, for system accounts, by name (issuance, clearing,
donation-pool, mall, adjustment). Every query command takes --json.

Exit codes: 0 done; 1 refused by the node (the message names the field and the rule);
2 bad usage or configuration; 3 the node could not be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import secrets
import sys
from typing import Any

from nodes.client import NodeClient
from nodes.config import load_node_config
from timebank import ids
from timebank.clock import SystemClock
from timebank.command_line import EXIT_REFUSED, Refused, UsageError
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, format_hours
from timebank.v1 import ledger_pb2 as pb

DEFAULT_ADDRESS = "127.0.0.1:7400"
SYSTEM_NAMES = {kind.name.lower().replace("_", "-"): value for kind, value in SYSTEM_ACCOUNT_IDS.items()}

# -- argument helpers ----------------------------------------------------------------------


def parse_id(text: str, what: str = "id") -> bytes:
    """A 32-digit hex id (dashes allowed, as in a UUID) or a system account's name."""
    if text.lower() in SYSTEM_NAMES:
        return ids.to_bytes(SYSTEM_NAMES[text.lower()])
    value = ids.parse_text(text)
    if value is None:
        names = ", ".join(SYSTEM_NAMES)
        raise UsageError(f"{what}: got {text!r}, want 32 hexadecimal digits or one of: {names}")
    return ids.to_bytes(value)


def new_id() -> bytes:
    """A fresh random 128-bit id (never 0)."""
    return ids.to_bytes(secrets.randbits(127) + 1)


def hex_of(raw: bytes) -> str:
    return raw.hex() if raw else ""


def _address(arguments: argparse.Namespace) -> str:
    if arguments.node:
        return str(arguments.node)
    if arguments.config:
        listen = load_node_config(arguments.config).server.listen
        if listen.endswith(":0"):
            raise UsageError(f"{arguments.config}: server.listen has port 0; pass --node HOST:PORT")
        return listen
    return os.environ.get("TIMEBANK_NODE", DEFAULT_ADDRESS)


def client_for(arguments: argparse.Namespace) -> NodeClient:
    return NodeClient(_address(arguments), deadline_seconds=arguments.deadline_seconds)


def emit(arguments: argparse.Namespace, document: Any, text: str) -> None:
    if arguments.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(text)


def message_json(message: Any) -> dict[str, Any]:
    """A protobuf message as JSON: every field present, ids in hex, enums by name."""
    document: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.is_repeated:
            document[field.name] = [_field_json(field, item) for item in value]
        else:
            document[field.name] = _field_json(field, value)
    return document


def _field_json(field: Any, value: Any) -> Any:
    if field.message_type is not None:
        return message_json(value)
    if field.enum_type is not None:
        return field.enum_type.values_by_number[value].name
    if isinstance(value, bytes):
        return hex_of(value)
    return value


# -- node lifecycle ------------------------------------------------------------------------


def cmd_node_init(arguments: argparse.Namespace) -> int:
    from nodes.init import init_node
    from timebank import keys

    config = init_node(
        pathlib.Path(arguments.directory),
        node_id=arguments.id,
        display_name=arguments.name,
        kind=arguments.kind,
        clock=SystemClock(),
        database_url=arguments.database_url,
        listen=arguments.listen,
        identity_key=keys.load_identity_key(arguments.identity_key) if arguments.identity_key else None,
    )
    config_path = pathlib.Path(arguments.directory) / "node.toml"
    print(f"created node {config.node.id} ({config.node.display_name}) in {arguments.directory}")
    print(f"  config:       {config_path}")
    print(f"  signing key:  {config.signing_key_path}")
    print(f"  identity key: {config.path(config.care.identity_key_file)}")
    print(f"  database:     {config.database_url}")
    print(f"start it with:  timebank node serve --config {config_path}")
    return 0


def cmd_node_migrate(arguments: argparse.Namespace) -> int:
    """Brings the schema to the newest revision and makes any missing system account (idempotent)."""
    from nodes import tables
    from nodes.init import create_database
    from timebank.storage import migrate
    from timebank.storage.engine import create_database_engine

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        before = migrate.current_revision(engine)
    finally:
        engine.dispose()
    create_database(config, SystemClock())
    print(f"database schema: {before or 'empty'} -> {migrate.head_revision(tables.SCHEMA)}; system accounts present")
    return 0


def cmd_node_serve(arguments: argparse.Namespace) -> int:
    from nodes.server import serve

    serve(load_node_config(arguments.config))
    return 0


def cmd_node_public_key(arguments: argparse.Namespace) -> int:
    """The node's public signing key as PEM: what the bureau admits with `clearinghouse node admit`."""
    from timebank import keys

    config = load_node_config(arguments.config)
    public_key = keys.load_signing_key(config.signing_key_path).public_key()
    if arguments.out:
        keys.write_public_key(arguments.out, public_key)
        print(f"wrote the public key {keys.key_id(public_key)} of node {config.node.id} to {arguments.out}")
    else:
        print(keys.public_pem(public_key), end="")
    return 0


def cmd_node_info(arguments: argparse.Namespace) -> int:
    with client_for(arguments) as client:
        info = client.get_node_info()
    status = f"HALTED: {info.halted_reason}" if info.halted_reason else "accepting writes"
    text = (
        f"node {info.node_id} ({info.display_name}), {info.node_kind}, version {info.version}\n"
        f"  signing key id: {info.signing_key_id}\n"
        f"  batch size max: {info.batch_size_max}\n"
        f"  status:         {status}"
    )
    if info.clearinghouse_address:
        text += (
            f"\n  clearinghouse:  {info.clearinghouse_address}, {info.clearinghouse_exchanges} exchanges, "
            f"{info.clearinghouse_failures} failed and retried\n"
            f"  waiting:        {info.outbox_depth} items to acknowledge, {info.held_transfers} transfers held"
        )
    else:
        text += "\n  clearinghouse:  none (this node runs on its own)"
    text += f"\n  own log:        {info.log_size} entries, last checkpoint at {info.log_checkpoint_size}"
    if info.clearinghouse_address:
        text += f"\n  witnessed:      clearinghouse checkpoint of size {info.clearinghouse_checkpoint_size}"
    for alarm in info.alarms:
        text += f"\n  ALARM:          {alarm}"
    emit(arguments, message_json(info), text)
    return 0


def cmd_node_backup(arguments: argparse.Namespace) -> int:
    """An online, consistent copy of the node's database (the node may keep running)."""
    from timebank import backup

    config = load_node_config(arguments.config)
    info = backup.backup(config.database_url, arguments.out)
    emit(
        arguments,
        {"backend": info.backend, "path": str(info.path), "size_bytes": info.size_bytes},
        f"backed up the {info.backend} database of {config.node.id} to {info.path} ({info.size_bytes} bytes)",
    )
    return 0


def cmd_node_restore(arguments: argparse.Namespace) -> int:
    """Puts a backup in place (the node stopped), then asks the clearinghouse for what was lost."""
    from nodes.crossing import queue_resync
    from timebank import backup
    from timebank.storage.engine import create_database_engine, write_transaction

    config = load_node_config(arguments.config)
    backup.restore(config.database_url, arguments.source, replace=arguments.replace)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with write_transaction(engine) as connection:
            since = queue_resync(connection, SystemClock().now_micros(), secrets.randbits(63))
    finally:
        engine.dispose()
    text = (
        f"restored {config.node.id} from {arguments.source}. At its next start the node asks the clearinghouse "
        f"for everything since {since} (microseconds since the epoch) and rebuilds the cross-node legs it lost. "
        "Local transfers made after the backup are not in any other party's log: enter them again."
    )
    emit(arguments, {"restored_from": str(arguments.source), "resync_since_micros": since}, text)
    return 0


def cmd_node_statement(arguments: argparse.Namespace) -> int:
    """This node's signed statement of a settlement cycle, as it sent it (camt.053 XML with --camt053)."""
    from nodes import statements
    from timebank import logformat
    from timebank.recon.render import statement_camt053
    from timebank.storage.engine import create_database_engine

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with engine.connect() as connection:
            cycles = statements.cycles_with_statements(connection, config.node.id)
            cycle_id = arguments.cycle or (cycles[-1] if cycles else 0)
            merged = logformat.merge_pages(statements.stored_pages(connection, config.node.id, cycle_id), "")
    finally:
        engine.dispose()
    if merged is None:
        made = ", ".join(map(str, cycles)) or "none yet"
        raise UsageError(f"--cycle: this node has no statement of cycle {cycle_id} (it has: {made})")
    if arguments.camt053:
        arguments.camt053.write_bytes(statement_camt053(merged, account_name=config.node.display_name))
    document = {key: value for key, value in merged.__dict__.items() if key != "lines"}
    document["lines"] = len(merged.lines)
    text = (
        f"cycle {merged.cycle_id} at {merged.node_id}: opening {format_hours(merged.opening_minutes)} h, "
        f"debits {format_hours(merged.debits_minutes)} h ({merged.debit_count}), credits "
        f"{format_hours(merged.credits_minutes)} h ({merged.credit_count}), closing "
        f"{format_hours(merged.closing_minutes)} h; {merged.pending_count} held without a decision"
        + (f"\ncamt.053 written to {arguments.camt053}" if arguments.camt053 else "")
    )
    emit(arguments, document, text)
    return 0


def cmd_node_alarms(arguments: argparse.Namespace) -> int:
    """Lists open alarms, or clears one with a reason (on the node's own database)."""
    from timebank import alarms
    from timebank.storage.engine import create_database_engine, write_transaction

    config = load_node_config(arguments.config)
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        with write_transaction(engine) as connection:
            if arguments.clear is not None:
                alarms.clear(connection, arguments.clear, arguments.reason, SystemClock().now_micros())
            found = alarms.open_alarms(connection)
    finally:
        engine.dispose()
    documents = [alarm.__dict__ for alarm in found]
    lines = [f"{a.sequence:>4} {a.kind:<12} raised at {a.raised_at_micros}: {a.detail}" for a in found]
    emit(arguments, documents, "\n".join(lines) if lines else "no open alarms")
    return 0


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
        f"statement of {hex_of(account_id)} ({pages[0].account.holder})",
        f"  opening balance {format_hours(opening)} h",
    ]
    for entry in entries:
        transfer = entry.stored.transfer
        kind = pb.TransferKind.Name(transfer.kind).removeprefix("TRANSFER_KIND_").lower()
        lines.append(
            f"  #{entry.stored.sequence:<6} {kind:<12} {entry.posted_change_minutes:+7d} min "
            f"(pending {entry.pending_change_minutes:+d}) -> {format_hours(entry.balance_after_minutes)} h"
            f"  {hex_of(transfer.id)} {transfer.memo}"
        )
    lines.append(f"  closing balance {format_hours(closing)} h")
    if pages[-1].next_after_sequence:
        lines.append(f"  more: --after {pages[-1].next_after_sequence}")
    emit(arguments, document, "\n".join(lines))
    return 0


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


def _transfer_id(arguments: argparse.Namespace) -> bytes:
    return parse_id(arguments.id) if arguments.id else new_id()


def cmd_transfer_create(arguments: argparse.Namespace) -> int:
    transfer = pb.Transfer(
        id=_transfer_id(arguments),
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
        id=_transfer_id(arguments),
        kind=pb.TRANSFER_KIND_POST_PENDING,
        pending_id=pending_id,
        amount_minutes=minutes,
        memo=arguments.memo,
    )
    return _submit_one(arguments, transfer)


def cmd_transfer_void(arguments: argparse.Namespace) -> int:
    transfer = pb.Transfer(
        id=_transfer_id(arguments),
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
        id=_transfer_id(arguments),
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
    known = {"id", "kind", "from", "to", "minutes", "pending_id", "reverses_id", "linked", "memo"}
    unknown = set(item) - known
    if unknown:
        raise UsageError(f"{where}: unknown keys {sorted(unknown)}, want some of {sorted(known)}")
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


# -- cross-node transfers and consents ----------------------------------------------------


def _submit_cross(arguments: argparse.Namespace, item: pb.CrossNodeTransfer) -> int:
    print(f"transfer id {hex_of(item.id)} (pass --id {hex_of(item.id)} to retry safely)", file=sys.stderr)
    with client_for(arguments) as client:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=[item])
        result = client.call(client.stub.SubmitCrossNodeTransfers, request).results[0]
    if result.outcome not in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):
        raise Refused(result.status_code, result.detail)
    emit(
        arguments,
        {"id": hex_of(item.id), "state": "held"},
        f"transfer {hex_of(item.id)}: held here; the clearinghouse decides "
        f"(timebank transfer cross-show {hex_of(item.id)})",
    )
    return 0


def cmd_transfer_cross(arguments: argparse.Namespace) -> int:
    return _submit_cross(
        arguments,
        pb.CrossNodeTransfer(
            id=_transfer_id(arguments),
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
            id=_transfer_id(arguments),
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
        f"{arguments.for_node or 'any'}), valid until {grant.expires_at_micros} µs",
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
    emit(arguments, message_json(view), _recall_text(view))
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


def add_target_arguments(parser: argparse.ArgumentParser, json_flag: bool = True) -> None:
    group = parser.add_argument_group("which node")
    group.add_argument("--node", help=f"HOST:PORT of the node (default: $TIMEBANK_NODE or {DEFAULT_ADDRESS})")
    group.add_argument("--config", type=pathlib.Path, help="the node's node.toml, to use its listen address")
    group.add_argument("--deadline-seconds", type=float, default=10.0, help="deadline of each call (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON" if json_flag else argparse.SUPPRESS)
    parser.set_defaults(describe_target=lambda arguments: f"node unreachable at {_address(arguments)}")


def register(subparsers: Any) -> None:
    node = subparsers.add_parser("node", help="create, migrate and run a ledger node").add_subparsers(
        dest="node_command", required=True
    )
    init = node.add_parser("init", help="create a node's config, signing key and database")
    init.add_argument("directory")
    init.add_argument("--id", required=True, help="node id in the city, e.g. shiqi")
    init.add_argument("--name", required=True, help="display name, e.g. 石岐街道")
    init.add_argument("--kind", default="district", choices=["district", "department"])
    init.add_argument(
        "--database-url",
        default="sqlite:///node.db",
        help="SQLAlchemy URL (default: SQLite file node.db beside the config)",
    )
    init.add_argument("--listen", default="127.0.0.1:7400", help="HOST:PORT (default 127.0.0.1:7400)")
    init.add_argument(
        "--identity-key",
        type=pathlib.Path,
        help="the city's identity-key file, from the bureau (default: a new key, for a node on its own)",
    )
    init.set_defaults(handler=cmd_node_init)
    for name, handler, text in (
        ("migrate", cmd_node_migrate, "bring the database schema to the newest revision"),
        ("serve", cmd_node_serve, "run the node until SIGTERM"),
    ):
        command = node.add_parser(name, help=text)
        command.add_argument("--config", type=pathlib.Path, required=True)
        command.set_defaults(handler=handler)
    public = node.add_parser("public-key", help="the node's public signing key (PEM), for admission")
    public.add_argument("--config", type=pathlib.Path, required=True)
    public.add_argument("--out", type=pathlib.Path, help="write it to this file (default: print it)")
    public.set_defaults(handler=cmd_node_public_key)
    saved = node.add_parser("backup", help="an online copy of the node's database (SQLite backup API or pg_dump)")
    saved.add_argument("--config", type=pathlib.Path, required=True)
    saved.add_argument("--out", type=pathlib.Path, required=True, help="the backup file to write (must not exist)")
    saved.add_argument("--json", action="store_true")
    saved.set_defaults(handler=cmd_node_backup)
    restored = node.add_parser("restore", help="restore the node's database from a backup (node stopped)")
    restored.add_argument("--config", type=pathlib.Path, required=True)
    restored.add_argument("--from", dest="source", type=pathlib.Path, required=True, help="the backup file")
    restored.add_argument("--replace", action="store_true", help="overwrite a database that holds tables")
    restored.add_argument("--json", action="store_true")
    restored.set_defaults(handler=cmd_node_restore)
    cycle = node.add_parser("statement", help="this node's signed statement of a settlement cycle")
    cycle.add_argument("--config", type=pathlib.Path, required=True)
    cycle.add_argument("--cycle", type=int, default=0, help="the cycle id (default: the latest)")
    cycle.add_argument("--camt053", type=pathlib.Path, help="also write it as ISO 20022 camt.053 XML to this file")
    cycle.add_argument("--json", action="store_true")
    cycle.set_defaults(handler=cmd_node_statement)
    alarm = node.add_parser("alarms", help="open alarms; --clear N --reason TEXT once the cause is understood")
    alarm.add_argument("--config", type=pathlib.Path, required=True)
    alarm.add_argument("--clear", type=int, help="the number of the alarm to clear")
    alarm.add_argument("--reason", default="", help="why it is safe to clear (recorded)")
    alarm.add_argument("--json", action="store_true")
    alarm.set_defaults(handler=cmd_node_alarms)
    info = node.add_parser("info", help="who the node is and whether it accepts writes")
    add_target_arguments(info)
    info.set_defaults(handler=cmd_node_info)

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

    batch = transfer.add_parser("batch", help="submit a batch from JSON lines (one transfer a line)")
    batch.add_argument(
        "file",
        help="JSON lines file, or - for stdin; keys: id, kind, from, to, "
        "minutes, pending_id, reverses_id, linked, memo",
    )
    add_target_arguments(batch)
    batch.set_defaults(handler=cmd_transfer_batch)
