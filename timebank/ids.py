"""The one codec of 128-bit ids: integers in the code, 16 bytes on the wire, 32 hex digits at rest.

Every transfer, account, item, order, person and recall id is an `int` below 2^128 in
domain code. On the wire it is 16 big-endian bytes (an empty field for 0, "none"); in a
database column, a log line or a message to a person, 32 lowercase hexadecimal digits.
Nothing else converts ids: callers use these functions, so the forms cannot drift. Pure:
no I/O.
"""

from __future__ import annotations

from timebank.errors import RequestInvalid

__all__ = ["ID_BYTES", "ID_MAX", "from_bytes", "from_hex", "parse_text", "to_bytes", "to_fixed_bytes", "to_hex"]

ID_BYTES = 16
ID_HEX_DIGITS = 2 * ID_BYTES
ID_MAX = (1 << (8 * ID_BYTES)) - 1
_HEX_DIGITS = frozenset("0123456789abcdef")


def to_hex(value: int) -> str:
    """The stored and displayed form: 32 lowercase hexadecimal digits."""
    return f"{value:032x}"


def from_hex(text: str | None) -> int:
    """An id from its stored form; 0 for an empty or missing column ("none")."""
    return int(text, 16) if text else 0


def to_bytes(value: int) -> bytes:
    """The wire form: 16 big-endian bytes, or no bytes for 0 ("none")."""
    return value.to_bytes(ID_BYTES, "big") if value else b""


def to_fixed_bytes(value: int) -> bytes:
    """Always 16 big-endian bytes, 0 included: for hash inputs and fixed layouts (never a wire field)."""
    return value.to_bytes(ID_BYTES, "big")


def from_bytes(raw: bytes, where: str, *, optional: bool = False) -> int:
    """An id from the wire; RequestInvalid naming the field unless it has 16 bytes (or none, if optional)."""
    if optional and not raw:
        return 0
    if len(raw) != ID_BYTES:
        raise RequestInvalid(f"{where}: got {len(raw)} bytes, want {ID_BYTES} (a 128-bit id)")
    return int.from_bytes(raw, "big")


def parse_text(text: str) -> int | None:
    """An id typed by a person: 32 hexadecimal digits, dashes allowed as in a UUID; None otherwise."""
    digits = text.replace("-", "").lower()
    if len(digits) != ID_HEX_DIGITS or not set(digits) <= _HEX_DIGITS:
        return None
    return int(digits, 16)
