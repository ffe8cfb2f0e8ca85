"""Fetching a party's log for an auditor, and a transfer's proof for its holder (over gRPC).

Owns `timebank audit export --from ADDRESS --out DIR`: asks the party (the clearinghouse
over mutual TLS with a certificate from the city CA, or a node's operator address) to
publish a checkpoint, then writes every published checkpoint up to it to checkpoints.bin
and every entry below its size to entries.bin, page by page (bounded memory, a deadline
on every call), into a fresh directory; and `timebank audit prove --transfer ID`. Both
exit 0 done, 1 refused, 2 bad usage (a --tls-dir that cannot be read), 3 the party cannot
be reached. The offline checks are in timebank.audit.verify and timebank.audit.proof.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc

from timebank import ids, logformat, pki
from timebank.credentials import Credential, authorized_channel, read_credential
from timebank.errors import ConfigError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import log_pb2 as lpb
from timebank.v1 import log_pb2_grpc as lpb_grpc

__all__ = [
    "CALL_DEADLINE_SECONDS",
    "Exported",
    "MESSAGE_BYTES_MAX",
    "PAGE_CHECKPOINTS",
    "PAGE_ENTRIES",
    "export",
    "export_main",
    "open_channel",
    "prove",
    "prove_main",
]

CALL_DEADLINE_SECONDS = 30.0
PAGE_ENTRIES = 1_000
PAGE_CHECKPOINTS = 1_000
MESSAGE_BYTES_MAX = 64 * 1024 * 1024
EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
T = TypeVar("T")


@dataclass(frozen=True)
class Exported:
    directory: pathlib.Path
    log_id: str
    entries: int
    checkpoints: int


def open_channel(
    address: str, tls_directory: pathlib.Path | None, server_party: str, credential: Credential | None = None
) -> grpc.Channel:
    """A channel to a party: mutual TLS with tls.pem, tls-key.pem and ca.pem from tls_directory,
    else plaintext (a node's operator port) presenting the credential."""
    options = [("grpc.max_receive_message_length", MESSAGE_BYTES_MAX)]
    if tls_directory is None:
        return authorized_channel(grpc.insecure_channel(address, options=options), credential)
    credentials = pki.channel_credentials(
        tls_directory / "ca.pem", tls_directory / "tls.pem", tls_directory / "tls-key.pem"
    )
    return grpc.secure_channel(address, credentials, options=options + pki.channel_options(server_party))


def export(stub: lpb_grpc.TransparencyLogStub, out: pathlib.Path, progress: Callable[[int, int], None]) -> Exported:
    """Writes a consistent export: the newest checkpoint, every one before it, the entries it covers."""
    latest = stub.GetCheckpoint(lpb.GetCheckpointRequest(publish=True), timeout=CALL_DEADLINE_SECONDS)
    body = logformat.checkpoint_body(latest)
    out.mkdir(parents=True, exist_ok=False)
    checkpoints = _write_checkpoints(stub, out / logformat.CHECKPOINTS_FILE, body.size)
    with (out / logformat.ENTRIES_FILE).open("wb") as stream:
        for start in range(0, body.size, PAGE_ENTRIES):
            end = min(body.size, start + PAGE_ENTRIES)
            page = stub.GetEntries(lpb.GetEntriesRequest(start=start, end=end), timeout=CALL_DEADLINE_SECONDS)
            if len(page.entries) != end - start:
                raise ValueError(f"entries: asked for [{start}, {end}), got {len(page.entries)}")
            for data in page.entries:
                logformat.write_record(stream, data)
            progress(end, body.size)
    return Exported(out, body.log_id, body.size, checkpoints)


def _write_checkpoints(stub: lpb_grpc.TransparencyLogStub, path: pathlib.Path, size_max: int) -> int:
    """Every published checkpoint up to size_max, oldest first."""
    count, after = 0, 0
    with path.open("wb") as stream:
        while True:
            request = lpb.ListCheckpointsRequest(after_size=after, limit=PAGE_CHECKPOINTS)
            page = stub.ListCheckpoints(request, timeout=CALL_DEADLINE_SECONDS).checkpoints
            kept = [c for c in page if logformat.checkpoint_body(c).size <= size_max]
            for signed in kept:
                logformat.write_record(stream, signed.SerializeToString())
            count += len(kept)
            if len(kept) < PAGE_CHECKPOINTS:
                return count
            after = logformat.checkpoint_body(kept[-1]).size


def prove(stub: lpb_grpc.TransparencyLogStub, transfer_id: int) -> lpb.TransferProof:
    request = lpb.ProveTransferRequest(transfer_id=ids.to_bytes(transfer_id))
    proof: lpb.TransferProof = stub.ProveTransfer(request, timeout=CALL_DEADLINE_SECONDS)
    return proof


def _progress(done: int, total: int) -> None:
    print(f"\rentries {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="address", required=True, help="HOST:PORT of the clearinghouse or a node")
    parser.add_argument(
        "--tls-dir",
        type=pathlib.Path,
        help="folder with ca.pem, tls.pem, tls-key.pem from the city CA (needed for the clearinghouse); "
        "without it the call is plaintext (a node's loopback operator address)",
    )
    parser.add_argument("--party", default=CLEARINGHOUSE_ID, help="the party expected in the server's certificate")
    parser.add_argument(
        "--credential",
        type=pathlib.Path,
        help="a node's credential file (its administrator's or its console's), for a node's operator address",
    )


def _fetched(name: str, arguments: argparse.Namespace, work: Callable[[lpb_grpc.TransparencyLogStub], T]) -> T | int:
    """work's answer over a channel to the party, or the exit code of one line saying why not:
    2 for a --tls-dir that cannot be read, 3 for a party that cannot be reached (saying when
    the clearinghouse wants mutual TLS), 1 for a refusal."""
    try:
        credential = read_credential(arguments.credential) if arguments.credential else None
    except ConfigError as error:
        print(f"{name}: --credential: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with open_channel(arguments.address, arguments.tls_dir, arguments.party, credential) as channel:
            return work(lpb_grpc.TransparencyLogStub(channel))
    except ConfigError as error:
        print(
            f"{name}: --tls-dir: {error}; want the folder with ca.pem, tls.pem and tls-key.pem from the city's CA "
            "(`timebank city init` writes auditor/tls)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except grpc.RpcError as error:
        code = error.code()
        print(f"{name}: {arguments.address}: {code.name}: {error.details()}", file=sys.stderr)
        if code == grpc.StatusCode.UNAUTHENTICATED and arguments.tls_dir is None:
            print(
                f"{name}: a node's operator address wants --credential FILE (the node's keys/*.credential)",
                file=sys.stderr,
            )
        if code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return EXIT_FAILED
        if arguments.tls_dir is None:
            print(
                f"{name}: the clearinghouse speaks mutual TLS only: give --tls-dir with a certificate from the "
                "city's CA (e.g. CITY/auditor/tls); a node's loopback operator address needs none",
                file=sys.stderr,
            )
        return EXIT_UNREACHABLE


def export_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="timebank audit export", description="fetch a party's log for an audit")
    _connection_arguments(parser)
    parser.add_argument("--out", type=pathlib.Path, required=True, help="a new folder for the export")
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_DONE
    if arguments.out.exists():
        print(f"export: {arguments.out} exists; give a new folder", file=sys.stderr)
        return EXIT_USAGE
    exported = _fetched("export", arguments, lambda stub: export(stub, arguments.out, _progress))
    if isinstance(exported, int):
        return exported
    print(
        f"exported the log of {exported.log_id}: {exported.entries} entries, {exported.checkpoints} checkpoints "
        f"into {exported.directory}; check it with `timebank audit verify {exported.directory}`"
    )
    return EXIT_DONE


def prove_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="timebank audit prove", description="fetch a transfer's proof")
    _connection_arguments(parser)
    parser.add_argument("--transfer", required=True, help="the transfer id, 32 hexadecimal digits")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="the proof file to write")
    try:
        arguments = parser.parse_args(argv)
        transfer_id = ids.from_hex(arguments.transfer)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_DONE
    except ValueError:
        print(f"prove: --transfer: got {arguments.transfer!r}, want 32 hexadecimal digits", file=sys.stderr)
        return EXIT_USAGE
    proof = _fetched("prove", arguments, lambda stub: prove(stub, transfer_id))
    if isinstance(proof, int):
        return proof
    arguments.out.write_bytes(proof.SerializeToString())
    print(
        f"wrote the proof of transfer {ids.to_hex(transfer_id)} to {arguments.out}; anyone can check it with "
        f"`timebank audit verify-proof {arguments.out}`"
    )
    return EXIT_DONE
