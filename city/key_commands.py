"""`timebank key ...`: signing keys for rotation, and the key ring files parties trust.

An entry-point module.

    timebank key new --out KEY.pem             a new Ed25519 signing key (owner-only) and KEY.pem.pub
    timebank key trust --ring FILE --party ID --public-key PUB.pem [--valid-from T] [--valid-until T]
                                               add a public key to a key ring file (e.g. a node's
                                               clearinghouse-keys.toml before the clearinghouse
                                               rotates its key), or end an old one's validity

A key's validity is the period its owner really used it: a key trusted "from now" would
refuse every certificate or checkpoint signed with it before. So --valid-from defaults to
the key's start in the ring already (when it is there), else to the beginning; the city's
list of its nodes' keys with their real periods is `timebank clearinghouse node keys`.
"""

from __future__ import annotations

import argparse
import pathlib
from typing import Any

from timebank import keys
from timebank.clock import shown_time
from timebank.command_line import UsageError, parse_time
from timebank.errors import ConfigError
from timebank.signing import KeyRecord

__all__ = ["cmd_new", "cmd_trust", "register"]


def cmd_new(arguments: argparse.Namespace) -> int:
    if arguments.out.exists():
        raise ConfigError(f"--out: {arguments.out} exists; a key is never overwritten")
    key = keys.write_new_signing_key(arguments.out)
    public_path = arguments.out.with_name(arguments.out.name + ".pub")
    keys.write_public_key(public_path, key.public_key())
    print(f"new signing key {keys.key_id(key.public_key())} in {arguments.out} (owner-only); public key {public_path}")
    return 0


def cmd_trust(arguments: argparse.Namespace) -> int:
    ring = keys.load_key_ring_file(arguments.ring) if arguments.ring.exists() else None
    records = {record.key_id: record for record in (ring.records() if ring else ())}
    public = keys.public_bytes(keys.load_public_key(arguments.public_key))
    key_id = keys.key_id_of_raw(public)
    existing = records.get(key_id)
    if existing is not None and existing.party_id != arguments.party:
        raise ConfigError(f"--party: key {key_id} is in the ring for {existing.party_id}, not {arguments.party}")
    valid_from = existing.valid_from_micros if existing else 0
    if arguments.valid_from:
        valid_from = parse_time("--valid-from", arguments.valid_from)
    valid_until = parse_time("--valid-until", arguments.valid_until) if arguments.valid_until else None
    if valid_until is not None and valid_until <= valid_from:
        raise UsageError(f"--valid-until: {arguments.valid_until} is not after the key's start, {_since(valid_from)}")
    records[key_id] = KeyRecord(key_id, arguments.party, public, valid_from, valid_until, None)
    keys.write_key_ring_file(arguments.ring, sorted(records.values(), key=lambda r: (r.valid_from_micros, r.key_id)))
    until = f" until {shown_time(valid_until)}" if valid_until is not None else ""
    print(
        f"{arguments.ring}: key {key_id} of {arguments.party} is valid from {_since(valid_from)}{until}; "
        f"{len(records)} key(s) in the ring"
    )
    return 0


def _since(micros: int) -> str:
    return shown_time(micros) if micros else "the beginning"


def register(subparsers: Any) -> None:
    top = subparsers.add_parser("key", help="new signing keys; key ring files (for key rotation)")
    commands = top.add_subparsers(dest="key_command", required=True)
    new = commands.add_parser("new", help="a new Ed25519 signing key and its public key (KEY.pem.pub)")
    new.add_argument("--out", type=pathlib.Path, required=True)
    new.set_defaults(handler=cmd_new)
    trust = commands.add_parser("trust", help="add a public key to a key ring file, or end its validity")
    trust.add_argument("--ring", type=pathlib.Path, required=True, help="e.g. a node's clearinghouse-keys.toml")
    trust.add_argument("--party", required=True)
    trust.add_argument("--public-key", type=pathlib.Path, required=True)
    trust.add_argument(
        "--valid-from",
        default="",
        metavar="TIME",
        help="start of the key's validity, ISO 8601 (default: its start in the ring, else the beginning)",
    )
    trust.add_argument(
        "--valid-until", default="", metavar="TIME", help="end of the key's validity, ISO 8601 (default: open-ended)"
    )
    trust.set_defaults(handler=cmd_trust)
