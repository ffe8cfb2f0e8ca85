"""Time as an argument: the clock interface, the real clock and a fake one for tests.

Only process entry points bind SystemClock; everything else receives a Clock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_micros(self) -> int:
        """Microseconds since the Unix epoch (UTC)."""
        ...


class SystemClock:
    def now_micros(self) -> int:
        return time.time_ns() // 1_000


class FakeClock:
    """A clock that only moves when told to: deterministic tests jump instead of sleeping."""

    def __init__(self, start_micros: int = 1_767_225_600_000_000) -> None:  # 2026-01-01
        self._now_micros = start_micros

    def now_micros(self) -> int:
        return self._now_micros

    def advance(self, micros: int) -> None:
        if micros < 0:
            raise ValueError(f"micros: got {micros}, want >= 0 (use jump_to to go back)")
        self._now_micros += micros

    def jump_to(self, micros: int) -> None:
        self._now_micros = micros
