"""Time as an argument: the clock interface, the real clock and a fake one for tests, and
how a time is shown to a person (`shown_time`: local, to the second, its zone named).

Only process entry points bind a real clock (`process_clock()`); everything else receives
a Clock. For drills and the demo, TIMEBANK_CLOCK_OFFSET_FILE names a file of whole
seconds that every party of a city adds to the system clock (re-read at most every 0.1
s), so the whole city can be moved forward together, say over a service of an hour.
Production never sets it.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import time
from typing import Protocol

__all__ = [
    "Clock",
    "FakeClock",
    "OFFSET_FILE_VARIABLE",
    "OFFSET_REREAD_SECONDS",
    "OffsetFileClock",
    "SystemClock",
    "process_clock",
    "shown_time",
    "CITY_UTC_OFFSET_HOURS",
]

CITY_UTC_OFFSET_HOURS = 8  # the city's zone (China Standard Time) where no config names one


def shown_time(micros: int, utc_offset_hours: int = CITY_UTC_OFFSET_HOURS) -> str:
    """A time as a person reads it, to the second, its zone named: "2026-12-01T08:00:00+08:00"."""
    zone = datetime.timezone(datetime.timedelta(hours=utc_offset_hours))
    return datetime.datetime.fromtimestamp(micros / 1_000_000, zone).isoformat(timespec="seconds")


OFFSET_FILE_VARIABLE = "TIMEBANK_CLOCK_OFFSET_FILE"
OFFSET_REREAD_SECONDS = 0.1


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


class OffsetFileClock:
    """The system clock plus the whole seconds in a file; the offset never goes back."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._offset_micros = 0
        self._read_after = 0.0

    def now_micros(self) -> int:
        moment = time.monotonic()
        if moment >= self._read_after:
            self._read_after = moment + OFFSET_REREAD_SECONDS
            try:
                seconds = int(self.path.read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                seconds = 0  # a file being rewritten: keep the offset already read
            self._offset_micros = max(self._offset_micros, seconds * 1_000_000)
        return time.time_ns() // 1_000 + self._offset_micros


def process_clock() -> Clock:
    """The clock a serving process binds: the system clock, moved by the drill offset if set."""
    path = os.environ.get(OFFSET_FILE_VARIABLE)
    return OffsetFileClock(pathlib.Path(path)) if path else SystemClock()
