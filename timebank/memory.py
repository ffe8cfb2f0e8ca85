"""A server process's heap: large blocks go back to the system when they are freed.

glibc's malloc raises its mmap threshold after each large block it frees, so that after a
few maximum-size messages every later one is carved from the heap, whose freed top it
keeps; a peer sending large messages then leaves the process larger than it needs to be.
`bound_heap` fixes the thresholds (blocks from MMAP_THRESHOLD_BYTES up are mapped and
unmapped; more than TRIM_THRESHOLD_BYTES free at the top is returned), once, at a server's
start. Elsewhere than glibc it does nothing and says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES", "bound_heap"]

log = logging.getLogger(__name__)
MMAP_THRESHOLD_BYTES = 256 * 1024
TRIM_THRESHOLD_BYTES = 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def bound_heap() -> bool:
    """Sets glibc's thresholds; whether it could (False: not glibc, left as it is)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:
        log.info("memory: no glibc mallopt here; the heap keeps the C library's defaults")
        return False
    done = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    done = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and done
    return bool(done)
