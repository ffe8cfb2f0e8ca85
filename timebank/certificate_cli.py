"""`timebank certificate`: check a certificate of service hours offline, and print it as a page.

    timebank certificate verify FILE [--keys KEYS_FILE] [--json]
    timebank certificate show FILE --html OUT.html

KEYS_FILE is a key ring file (as `timebank key` and `timebank city init` write it): with it,
the certificate must be signed by a key of its issuing node, valid when it was issued.
Exit codes: 0 valid (for `show`: the page is written), 1 invalid, 2 usage error (an
unreadable file, a bad keys file). Needs neither gRPC nor a database.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from timebank import certificate, keys
from timebank.errors import ConfigError
from timebank.ledger.model import format_hours
from timebank.signing import KeyRing

__all__ = ["build_parser", "main"]

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="timebank certificate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check a certificate file: its rules, its signature, its key")
    verify.add_argument("file", type=pathlib.Path, help="the certificate file (JSON)")
    verify.add_argument(
        "--keys",
        type=pathlib.Path,
        help="the nodes' keys the city publishes (node-keys.toml, from `timebank clearinghouse node keys`)",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    show = commands.add_parser("show", help="write a certificate as a printable HTML page")
    show.add_argument("file", type=pathlib.Path, help="the certificate file (JSON)")
    show.add_argument("--html", type=pathlib.Path, required=True, help="where to write the page")
    return parser


def main(argv: list[str]) -> int:
    try:
        arguments = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_VALID
    if arguments.command == "verify":
        return _verify(arguments.file, arguments.keys, arguments.json)
    return _show(arguments.file, arguments.html)


def _verify(path: pathlib.Path, keys_path: pathlib.Path | None, as_json: bool) -> int:
    certificate_file = _read(path)
    if certificate_file is None:
        return EXIT_USAGE
    key_ring = None
    if keys_path is not None:
        key_ring = _key_ring(keys_path)
        if key_ring is None:
            return EXIT_USAGE
    checked = certificate.verify(certificate_file, key_ring)
    print(_json(checked) if as_json else _text(checked, path))
    return EXIT_VALID if checked.valid else EXIT_INVALID


def _show(path: pathlib.Path, html_path: pathlib.Path) -> int:
    certificate_file = _read(path)
    if certificate_file is None:
        return EXIT_USAGE
    try:
        page = certificate.render_html(certificate_file)
    except ValueError as error:
        print(f"certificate show: {path} is not a valid certificate: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        html_path.write_text(page, encoding="utf-8")
    except OSError as error:
        print(f"certificate show: --html: cannot write {html_path}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {html_path}")
    return EXIT_VALID


def _read(path: pathlib.Path) -> bytes | None:
    """The file's bytes, at most one byte past the limit (verify reports a file too large)."""
    try:
        with path.open("rb") as handle:
            return handle.read(certificate.FILE_BYTES_MAX + 1)
    except OSError as error:
        print(f"certificate: FILE: cannot read {path}: {error.strerror}", file=sys.stderr)
        return None


def _key_ring(path: pathlib.Path) -> KeyRing | None:
    try:
        return keys.load_key_ring_file(path)
    except (ConfigError, ValueError, TypeError) as error:
        print(f"certificate: --keys: {error}", file=sys.stderr)
        return None


def _text(checked: certificate.Verified, path: pathlib.Path) -> str:
    body = checked.body
    name = f"certificate file {path}"  # the id only when it is one: the file may hold any text
    if body is not None and certificate.ID_PATTERN.fullmatch(body.certificate_id):
        name = f"certificate {body.certificate_id}"
    if checked.valid and body is not None:
        lines = [
            f"{name}: valid — {body.person_name} ({body.identity_masked}), {format_hours(body.total_minutes)} "
            f"hours from {body.period_from} to {body.period_to}, issued by {body.node_id} with key {checked.key_id}"
        ]
    else:
        lines = [f"{name}: INVALID", *(f"  {finding}" for finding in checked.findings)]
    lines += [f"note: {note}" for note in checked.notes]
    return "\n".join(lines)


def _json(checked: certificate.Verified) -> str:
    body = checked.body
    document = {
        "valid": checked.valid,
        "certificate_id": body.certificate_id if body is not None else None,
        "person_id": body.person_id if body is not None else None,
        "total_minutes": body.total_minutes if body is not None else None,
        "node_id": body.node_id if body is not None else None,
        "key_id": checked.key_id or None,
        "findings": list(checked.findings),
        "notes": list(checked.notes),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False)
