"""How input from outside appears in a message: escaped, and cut to a bounded length.

A refusal names what it got, but what it got comes from a peer and may be ten megabytes
of anything. `quoted` is the one way a message quotes such text: Python's repr (control
characters, line breaks and invisible format characters such as bidirectional overrides
come out escaped), cut to QUOTED_CHARACTERS_MAX characters with the full length named.
`named` is for identifiers: one that looks like an identifier appears as it is, anything
else is quoted. `bounded_detail` is the last guard at the gRPC boundary: a status message is cut to
DETAIL_CHARACTERS_MAX and its non-printable characters escaped, whatever built it.
"""

from __future__ import annotations

import re

__all__ = ["DETAIL_CHARACTERS_MAX", "QUOTED_CHARACTERS_MAX", "bounded_detail", "named", "quoted"]

QUOTED_CHARACTERS_MAX = 40
DETAIL_CHARACTERS_MAX = 1_000
_IDENTIFIER = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def quoted(value: str | bytes, characters_max: int = QUOTED_CHARACTERS_MAX) -> str:
    """value for a message: repr-escaped, at most characters_max of it, and its length if cut.

    Bytes are quoted as hexadecimal (two characters a byte), cut the same way.
    """
    if isinstance(value, bytes):
        text = value[: characters_max // 2 + 1].hex()
        if len(value) * 2 <= characters_max:
            return text
        return f"{text[:characters_max]}… ({len(value)} bytes)"
    if len(value) <= characters_max:
        return repr(value)
    return f"{value[:characters_max]!r}… ({len(value)} characters)"


def named(identifier: str) -> str:
    """An id for a message: as it is when it looks like one (letters, digits, ``._:-``, at
    most 64), otherwise `quoted` (so ``shiqi`` reads shiqi, and ten megabytes of anything do not)."""
    if _IDENTIFIER.fullmatch(identifier):
        return identifier
    return quoted(identifier) if identifier else "''"


def bounded_detail(message: str) -> str:
    """A status message as it may leave: printable, at most DETAIL_CHARACTERS_MAX characters."""
    cut = message[: DETAIL_CHARACTERS_MAX + 1]
    if not cut.isprintable():
        cut = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    if len(message) <= DETAIL_CHARACTERS_MAX and len(cut) <= DETAIL_CHARACTERS_MAX:
        return cut
    return f"{cut[:DETAIL_CHARACTERS_MAX]}… (message cut at {DETAIL_CHARACTERS_MAX} characters)"
