"""A file of volunteer records (timebank.volunteer_records) as the CareDesk request that
submits it: its rows as ImportRows, its name and SHA-256. The one place both the command
line (`timebank care import`) and the office console's upload page build it."""

from __future__ import annotations

import hashlib

from timebank import volunteer_records
from timebank.v1 import care_pb2

__all__ = ["FILE_NAME_MAX", "submit_request"]

FILE_NAME_MAX = 200


def submit_request(
    data: bytes,
    file_name: str,
    mapping: volunteer_records.ColumnMapping | None,
    *,
    batch_id: bytes,
    dry_run: bool,
    operator: str = "",
) -> care_pb2.SubmitImportRequest:
    """The request for a file's rows; ConfigError (from the reader) naming what is unreadable."""
    found = volunteer_records.read_records(data, file_name, mapping)
    return care_pb2.SubmitImportRequest(
        batch_id=batch_id,
        file_name=file_name[:FILE_NAME_MAX],
        file_sha256=hashlib.sha256(data).digest(),
        rows=[care_pb2.ImportRow(row_number=int(row.pop("row_number")), **row) for row in found.rows],
        dry_run=dry_run,
        operator=operator,
    )
