"""The bureau's reconciliation report of a closed cycle: built, signed, logged, written.

Owns gathering the clearinghouse's view of the cycle and every node's statement pages
(each page's signature checked with the key the node had when it signed), matching them
(timebank.recon), and the report as files: cycle-N.json, cycle-N.csv, cycle-N.html and
cycle-N.json.sig (the clearinghouse's Ed25519 signature over the JSON bytes, purpose
"report"). The JSON's SHA-256, the break count and the positions are logged as a
ReportRecord, so an auditor finds the report in the log and can replay its positions.
Must not: write SQL (settlement and the stores read), know gRPC.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from clearinghouse import leaves, registry, settlement
from timebank import keys, logformat, signing, translog
from timebank.books import Books
from timebank.errors import NotFound, VerificationError
from timebank.recon.match import reconcile
from timebank.recon.model import NodeStatement, Report
from timebank.recon.render import report_csv, report_html, report_json, statement_camt053
from timebank.storage.engine import read_transaction
from timebank.v1 import log_pb2 as lpb

__all__ = ["build", "camt053_files", "latest_cycle", "make", "REPORT_PURPOSE", "write_files", "WrittenReport"]

REPORT_PURPOSE = "report"


@dataclass(frozen=True)
class WrittenReport:
    report: Report
    json_bytes: bytes
    csv_text: str
    html_text: str
    signature: bytes
    key_id: str
    paths: tuple[pathlib.Path, ...]


def build(connection: Connection, cycle_id: int, now_micros: int) -> Report:
    view = settlement.clearing_view(connection, cycle_id)
    statements = _Statements(connection, cycle_id, registry.key_ring(connection), [p.node_id for p in view.positions])
    previous = settlement.closings(connection, cycle_id - 1)
    return reconcile(view, statements, previous, now_micros)


class _Statements(Mapping[str, NodeStatement | None]):
    """Each node's statement of the cycle, read and checked when asked for and not kept:
    the reconciliation holds one node's lines at a time."""

    def __init__(self, connection: Connection, cycle_id: int, ring: signing.KeyRing, node_ids: list[str]) -> None:
        self.connection, self.cycle_id, self.ring, self.node_ids = connection, cycle_id, ring, node_ids

    def __getitem__(self, node_id: str) -> NodeStatement | None:
        if node_id not in self.node_ids:
            raise KeyError(node_id)
        pages = settlement.statement_pages(self.connection, node_id, self.cycle_id)
        return logformat.merge_pages(pages, _signature_problem(pages, self.ring))

    def __iter__(self) -> Iterator[str]:
        return iter(self.node_ids)

    def __len__(self) -> int:
        return len(self.node_ids)


def _signature_problem(pages: list[lpb.SignedStatement], ring: signing.KeyRing) -> str:
    for number, page in enumerate(pages, start=1):
        try:
            logformat.verify_statement(page, ring)
        except VerificationError as error:
            return f"page {number}: {error}"
    return ""


def make(books: Books, private_key: Ed25519PrivateKey, cycle_id: int, now_micros: int) -> WrittenReport:
    """Builds the report, signs its JSON, and logs its digest, in one transaction."""

    def work(connection: Connection) -> WrittenReport:
        translog.lock(connection)
        report = build(connection, cycle_id, now_micros)
        json_bytes = report_json(report)
        leaf = leaves.report(cycle_id, hashlib.sha256(json_bytes).digest(), len(report.breaks), report.positions)
        translog.record(connection, [leaf], now_micros)
        return WrittenReport(
            report,
            json_bytes,
            report_csv(report),
            report_html(report),
            signing.sign(private_key, REPORT_PURPOSE, json_bytes),
            keys.key_id(private_key.public_key()),
            (),
        )

    return books.write(work)


def latest_cycle(books: Books) -> int:
    with read_transaction(books.engine) as connection:
        cycle_id = settlement.latest_closed_cycle_id(connection)
    if cycle_id == 0:
        raise NotFound("cycle: no settlement cycle has closed yet")
    return cycle_id


def write_files(written: WrittenReport, directory: pathlib.Path) -> WrittenReport:
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"cycle-{written.report.cycle_id:06d}"
    paths = (
        stem.with_suffix(".json"),
        stem.with_suffix(".csv"),
        stem.with_suffix(".html"),
        stem.with_suffix(".json.sig"),
    )
    paths[0].write_bytes(written.json_bytes)
    paths[1].write_text(written.csv_text, encoding="utf-8", newline="")
    paths[2].write_text(written.html_text, encoding="utf-8")
    signature = {"key_id": written.key_id, "purpose": REPORT_PURPOSE, "signature": written.signature.hex()}
    paths[3].write_text(json.dumps(signature, sort_keys=True) + "\n", encoding="utf-8")
    return WrittenReport(**{**written.__dict__, "paths": paths})


def camt053_files(connection: Connection, cycle_id: int, directory: pathlib.Path) -> list[pathlib.Path]:
    """Each node's statement of the cycle as a camt.053 document (the nodes' own signed view)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    names = {node.node_id: node.display_name for node in registry.nodes(connection)}
    for node_id, name in sorted(names.items()):
        statement = logformat.merge_pages(settlement.statement_pages(connection, node_id, cycle_id), "")
        if statement is not None:
            path = directory / f"cycle-{cycle_id:06d}-{node_id}.camt053.xml"
            path.write_bytes(statement_camt053(statement, account_name=name))
            written.append(path)
    return written
