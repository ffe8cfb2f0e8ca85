"""Ed25519 signing keys on disk: generate, save (owner-only PEM), load, and name by key id.

The key id is the first 16 hexadecimal digits of SHA-256 over the raw 32-byte public key
(defined in timebank.signing, which the key ring needs, and re-exported here). Also writes
and reads key ring files: the public keys a party trusts (timebank.signing.KeyRing).
"""

from __future__ import annotations

import os
import pathlib
import tomllib
from collections.abc import Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from timebank.errors import ConfigError
from timebank.signing import KeyRecord, KeyRing, key_id, key_id_of_raw, public_bytes

__all__ = [
    "IDENTITY_KEY_BYTES",
    "KEY_RING_HEADER",
    "key_id",
    "key_id_of_raw",
    "load_identity_key",
    "load_key_ring_file",
    "load_public_key",
    "load_signing_key",
    "public_bytes",
    "public_key_from_pem",
    "public_pem",
    "write_identity_key",
    "write_key_ring_file",
    "write_new_signing_key",
    "write_public_key",
]


def write_new_signing_key(path: pathlib.Path) -> Ed25519PrivateKey:
    """Creates a key file readable by its owner only; refuses to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


IDENTITY_KEY_BYTES = 32


def write_identity_key(path: pathlib.Path, key: bytes) -> None:
    """Writes the city's identity-hashing secret (hex, owner-only); refuses to overwrite one."""
    if len(key) != IDENTITY_KEY_BYTES:
        raise ConfigError(f"identity key: got {len(key)} bytes, want {IDENTITY_KEY_BYTES}")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")


def load_identity_key(path: pathlib.Path) -> bytes:
    """The city's secret for hashing identity numbers: 64 hexadecimal digits in a file."""
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(
            f"care.identity_key_file: cannot read {path} ({error}); every node of a city needs the same file "
            "(`timebank city init` writes it; copy it from another node of the city)"
        ) from None
    if len(key) != IDENTITY_KEY_BYTES:
        raise ConfigError(f"care.identity_key_file: {path} holds {len(key)} bytes, want {IDENTITY_KEY_BYTES}")
    return key


def load_signing_key(path: pathlib.Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"keys.signing_key_file: cannot read {path}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as error:
        raise ConfigError(f"keys.signing_key_file: {path} is not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"keys.signing_key_file: {path} holds a {type(key).__name__}, want Ed25519")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def write_public_key(path: pathlib.Path, key: Ed25519PublicKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(public_pem(key), encoding="ascii")


def load_public_key(path: pathlib.Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: not a readable PEM public key: {error}") from None
    return public_key_from_pem(data, str(path))


def public_key_from_pem(data: bytes, source: str = "public_key_pem") -> Ed25519PublicKey:
    """An Ed25519 public key from its PEM text; ConfigError naming source otherwise."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{source}: not a readable PEM public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{source}: holds a {type(key).__name__}, want an Ed25519 public key")
    return key


# -- key ring files: the public keys a party trusts, with their validity ------------------


KEY_RING_HEADER = "Public signing keys trusted by this party (`timebank key trust` adds one)."


def write_key_ring_file(path: pathlib.Path, records: Iterable[KeyRecord], header: str = KEY_RING_HEADER) -> None:
    """Writes public keys as TOML: one [[keys]] table each (party, key id, hex key, validity),
    under header (each of its lines a comment)."""
    lines = [*(f"# {line}" for line in header.splitlines()), ""]
    for record in records:
        lines += [
            "[[keys]]",
            f'party_id = "{record.party_id}"',
            f'key_id = "{record.key_id}"',
            f'public_key = "{record.public_key.hex()}"',
            f"valid_from_micros = {record.valid_from_micros}",
        ]
        if record.valid_until_micros is not None:
            lines.append(f"valid_until_micros = {record.valid_until_micros}")
        if record.revoked_at_micros is not None:
            lines.append(f"revoked_at_micros = {record.revoked_at_micros}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def load_key_ring_file(path: pathlib.Path) -> KeyRing:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the key file: {error}") from None
    records = []
    for index, entry in enumerate(document.get("keys", [])):
        try:
            records.append(
                KeyRecord(
                    key_id=entry["key_id"],
                    party_id=entry["party_id"],
                    public_key=bytes.fromhex(entry["public_key"]),
                    valid_from_micros=int(entry.get("valid_from_micros", 0)),
                    valid_until_micros=entry.get("valid_until_micros"),
                    revoked_at_micros=entry.get("revoked_at_micros"),
                )
            )
        except (KeyError, ValueError, TypeError) as error:
            raise ConfigError(f"{path}: keys[{index}]: {error}") from None
    if not records:
        raise ConfigError(f"{path}: holds no [[keys]]")
    return KeyRing(records)
