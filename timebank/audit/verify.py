"""`timebank audit verify`: checks an exported transparency log offline and says what is wrong.

Owns the audit of one export directory (entries.bin and checkpoints.bin, see log.proto):
streaming the entries once, in bounded memory, through the chain checker (order and
contiguity), the content checker (keys, remote signatures, batches, replays) and the
checkpoint checker (owner signatures, roots, rollbacks, forks); the AuditResult that
summarises the log and lists every Finding; its text and JSON renderings; and the command
line (exit 0 when nothing was found, 1 with findings, 2 on a usage error). Needs neither
gRPC nor a database: an auditor runs it on a copy of the files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import re
import sys
from dataclasses import asdict, dataclass, field
from typing import BinaryIO

from google.protobuf.message import DecodeError

from timebank import logformat, merkle
from timebank.audit.chain import ChainChecker, Record
from timebank.audit.checkpoints import CheckpointChecker
from timebank.audit.content import ContentChecker
from timebank.audit.findings import KINDS, TRUNCATED, Finding, Findings
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "KINDS",
    "AuditResult",
    "Finding",
    "main",
    "render_json",
    "render_text",
    "verify_directory",
    "verify_streams",
]

READ_BUFFER_BYTES = 1 << 20
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class AuditResult:
    """What the export holds and what is wrong with it."""

    log_id: str
    owner_id: str
    entry_count: int
    checkpoint_count: int
    # The latest validly signed checkpoint (None and "" when there is none).
    latest_checkpoint_size: int | None
    latest_checkpoint_root: str
    # Entries after the latest checkpoint: not yet signed, so not yet evidence.
    unsigned_entry_count: int
    # Every key of the owner the log shows, oldest first: compare the first with the
    # fingerprint the owner publishes.
    owner_key_ids: tuple[str, ...]
    entry_kind_counts: dict[str, int]
    # The clearinghouse's log: cycles closed and each node's closing position after the last.
    cycles_closed: int
    closing_minutes_by_node: dict[str, int]
    # Transfers prepared without a decision (clearinghouse), holds not resolved (node).
    open_transfer_count: int
    # A node's log: accounts with postings, and the clearing account's posted balance.
    account_count: int
    clearing_balance_minutes: int | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    # Findings past the kept maximum, counted only.
    findings_not_kept: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings and not self.findings_not_kept


def verify_directory(path: str | pathlib.Path, *, expected_log_key_id: str | None = None) -> AuditResult:
    """Audits an export directory; raises OSError when a file cannot be opened."""
    directory = pathlib.Path(path)
    with (
        open(directory / logformat.ENTRIES_FILE, "rb", buffering=READ_BUFFER_BYTES) as entries,
        open(directory / logformat.CHECKPOINTS_FILE, "rb", buffering=READ_BUFFER_BYTES) as checkpoints,
    ):
        return verify_streams(entries, checkpoints, expected_log_key_id=expected_log_key_id)


def verify_streams(entries: BinaryIO, checkpoints: BinaryIO, *, expected_log_key_id: str | None = None) -> AuditResult:
    """Audits an export given as two open binary streams (entries.bin, checkpoints.bin)."""
    findings = Findings()
    content = ContentChecker(findings, expected_log_key_id)
    chain = ChainChecker(content, findings)
    signed = CheckpointChecker(checkpoints, findings, content, chain)
    compact = merkle.CompactRange()
    signed.advance(compact)
    truncated = _stream_entries(entries, compact, chain, signed, findings)
    chain.finish(tail_vouched=signed.tail_vouched(compact.size), cut_short=truncated)
    signed.finish(compact.size, truncated)
    content.finish(truncated or signed.missing_at_end)
    latest = signed.latest
    owner_id = content.owner_id or (latest.body.log_id if latest is not None else "")
    content.check_trusted_key(owner_id)
    return _result(content, chain, signed, owner_id, compact.size, findings)


def _stream_entries(
    stream: BinaryIO,
    compact: merkle.CompactRange,
    chain: ChainChecker,
    signed: CheckpointChecker,
    findings: Findings,
) -> bool:
    """Feeds every record to the checkers; True when the file's framing broke off."""
    sha256, parse, push, append = hashlib.sha256, lpb.LogEntry.FromString, chain.push, compact.append
    position = 0
    try:
        for data in logformat.read_records(stream, logformat.ENTRIES_FILE):
            leaf = sha256(merkle.LEAF_PREFIX + data).digest()
            append(leaf)
            try:
                entry = parse(data)
            except DecodeError:
                entry = None
            push(Record(position, leaf, entry))
            position += 1
            if position >= signed.next_size:
                signed.advance(compact)
            if signed.pending:
                signed.resolve(chain.settled_position)
    except logformat.TruncatedRecord as error:
        findings.add(TRUNCATED, error.records_read, str(error))
        return True
    return False


def _result(
    content: ContentChecker,
    chain: ChainChecker,
    signed: CheckpointChecker,
    owner_id: str,
    record_count: int,
    findings: Findings,
) -> AuditResult:
    latest = signed.latest
    latest_size = latest.body.size if latest is not None else None
    clearing, postings = content.clearing, content.postings
    node_log = bool(owner_id) and owner_id != CLEARINGHOUSE_ID
    return AuditResult(
        log_id=content.log_id or owner_id,
        owner_id=owner_id,
        entry_count=record_count,
        checkpoint_count=signed.count,
        latest_checkpoint_size=latest_size,
        latest_checkpoint_root=latest.body.root_hash.hex() if latest is not None else "",
        unsigned_entry_count=max(0, chain.expected - (latest_size or 0)),
        owner_key_ids=content.owner_key_ids(owner_id),
        entry_kind_counts=dict(sorted(content.kind_counts.items())),
        cycles_closed=clearing.last_closed,
        closing_minutes_by_node=dict(sorted(clearing.closings.items())),
        open_transfer_count=len(postings.holds) if node_log else len(clearing.open_transfers),
        account_count=len(postings.balances),
        clearing_balance_minutes=postings.clearing_balance_minutes if node_log else None,
        findings=tuple(findings.kept),
        findings_not_kept=findings.dropped_count,
    )


# -- rendering ----------------------------------------------------------------------------------


def render_text(result: AuditResult) -> str:
    """A summary for people, then one line per finding: `entry 17: deleted: ...`."""
    lines = _summary_lines(result)
    count = len(result.findings) + result.findings_not_kept
    lines.append(f"findings: {count}" if count else "findings: none")
    lines += [f"{finding.place}: {finding.kind}: {finding.message}" for finding in result.findings]
    if result.findings_not_kept:
        lines.append(f"... and {result.findings_not_kept} more findings, not listed")
    return "\n".join(lines) + "\n"


def _summary_lines(result: AuditResult) -> list[str]:
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.entry_kind_counts.items())
    lines = [
        f"log: {result.log_id or '(unknown)'} (owner {result.owner_id or '(unknown)'})",
        f"entries: {result.entry_count}" + (f" ({kinds})" if kinds else ""),
        f"checkpoints: {result.checkpoint_count}",
    ]
    if result.latest_checkpoint_size is None:
        lines.append("latest checkpoint: none verified")
    else:
        lines.append(
            f"latest checkpoint: size {result.latest_checkpoint_size}, root {result.latest_checkpoint_root} "
            f"({result.unsigned_entry_count} entries after it)"
        )
    owner_keys = ", ".join(result.owner_key_ids) or "none"
    lines.append(f"owner key ids: {owner_keys} (compare the first with the owner's published fingerprint)")
    if result.clearing_balance_minutes is None:
        positions = ", ".join(f"{node} {minutes:+d}" for node, minutes in result.closing_minutes_by_node.items())
        lines.append(f"cycles closed: {result.cycles_closed}; closing minutes: {positions or 'none'}")
        lines.append(f"transfers prepared and not decided: {result.open_transfer_count}")
    else:
        lines.append(
            f"accounts: {result.account_count}; clearing balance: {result.clearing_balance_minutes:+d} minutes; "
            f"holds open: {result.open_transfer_count}"
        )
    return lines


def render_json(result: AuditResult) -> str:
    """The result as JSON with sorted keys; findings as objects with kind, index, message, subject."""
    document = asdict(result)
    document["clean"] = result.clean
    return json.dumps(document, sort_keys=True, indent=2) + "\n"


# -- the command line -------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timebank audit verify",
        description="Check an exported transparency log (entries.bin, checkpoints.bin) offline.",
        epilog="Exit status: 0 nothing found, 1 findings, 2 usage error.",
    )
    parser.add_argument("directory", type=pathlib.Path, help="the export directory")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--log-key",
        metavar="KEY_ID",
        help="the owner's published key id (16 hex digits): report the log if its first key differs",
    )
    return parser


def _usage_problem(directory: pathlib.Path, log_key: str | None) -> str | None:
    if log_key is not None and KEY_ID_PATTERN.fullmatch(log_key) is None:
        return f"--log-key: got {log_key!r}, want 16 lowercase hexadecimal digits"
    if not directory.is_dir():
        return f"{directory}: no such directory"
    for name in (logformat.ENTRIES_FILE, logformat.CHECKPOINTS_FILE):
        if not (directory / name).is_file():
            wanted = f"{logformat.ENTRIES_FILE} and {logformat.CHECKPOINTS_FILE}"
            return f"{directory}: has no {name} (an export holds {wanted})"
    return None


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_request:
        return EXIT_CLEAN if exit_request.code in (0, None) else EXIT_USAGE
    problem = _usage_problem(arguments.directory, arguments.log_key)
    if problem is None:
        try:
            result = verify_directory(arguments.directory, expected_log_key_id=arguments.log_key)
        except OSError as error:
            problem = f"{arguments.directory}: {error.strerror or error}"
    if problem is not None:
        print(f"{parser.prog}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(render_json(result) if arguments.json else render_text(result), end="")
    return EXIT_CLEAN if result.clean else EXIT_FINDINGS


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
