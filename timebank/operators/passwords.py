"""Password hashes: scrypt (memory-hard, in the standard library) with a random salt per
account, stored as `scrypt$N$r$p$salt$hash` so that stronger parameters can come later.

Owns hashing and checking only; the salt comes from the injected random source.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DEFAULT", "Parameters", "hash_password", "verify_password"]


@dataclass(frozen=True)
class Parameters:
    n: int  # CPU and memory cost: 128 * n * r bytes of memory
    r: int
    p: int

    @property
    def memory_bytes(self) -> int:
        return 128 * self.n * self.r


DEFAULT = Parameters(n=2**15, r=8, p=1)  # 32 MiB and about a tenth of a second here
SALT_BYTES = 16
HASH_BYTES = 32


def _derive(password: str, salt: bytes, parameters: Parameters) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=parameters.n,
        r=parameters.r,
        p=parameters.p,
        maxmem=2 * parameters.memory_bytes + 1_048_576,
        dklen=HASH_BYTES,
    )


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, random_bytes: Callable[[int], bytes], parameters: Parameters = DEFAULT) -> str:
    salt = random_bytes(SALT_BYTES)
    derived = _derive(password, salt, parameters)
    return f"scrypt${parameters.n}${parameters.r}${parameters.p}${_text(salt)}${_text(derived)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether password is the one stored (compared in constant time); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, derived = stored.split("$")
        parameters = Parameters(int(n), int(r), int(p))
        expected = base64.b64decode(derived)
        if scheme != "scrypt":
            return False
        return hmac.compare_digest(_derive(password, base64.b64decode(salt), parameters), expected)
    except ValueError:
        return False
