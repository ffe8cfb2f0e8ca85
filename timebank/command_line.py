"""How every `timebank` command ends: one place for its exit codes and its last line.

Owns the exit codes (0 done; 1 refused, the message naming the field and the rule; 2 bad
usage or configuration; 3 the party could not be reached), the two errors a command
raises for them (`UsageError`, `Refused`, `Unreachable`) and `run`, which calls a command's handler and
turns every failure into one line on standard error and its code. A command that talks
to one party says which in `describe_target` (set with its parser's defaults), so an
unreachable party is named. Nothing here knows a party: parties' command modules import
it, never the other way round.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import unicodedata
from collections.abc import Callable

import grpc

from timebank.clock import CITY_UTC_OFFSET_HOURS
from timebank.errors import ConfigError, TimebankError

__all__ = [
    "EXIT_DONE",
    "EXIT_REFUSED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "Refused",
    "Unreachable",
    "UsageError",
    "columns",
    "padded",
    "parse_time",
    "run",
    "status_name",
]

EXIT_DONE, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
STATUS_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


class UsageError(Exception):
    """A command was called wrongly: exit 2, the message naming the option and the rule."""


class Unreachable(Exception):
    """The party a command talks to cannot be reached (nothing listens there): exit 3."""


class Refused(Exception):
    """A party refused an item of a request (a result, not a gRPC error): exit 1."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code


def status_name(status_code: int) -> str:
    """The gRPC status name of a numeric code (as batch results carry it)."""
    return STATUS_NAMES.get(status_code, str(status_code))


def columns(text: str) -> int:
    """How many columns a terminal gives text (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def padded(text: str, width: int) -> str:
    """text padded to width columns as a terminal shows them."""
    return text + " " * max(0, width - columns(text))


def parse_time(
    option: str, text: str, utc_offset_hours: int = CITY_UTC_OFFSET_HOURS, offset_required: bool = False
) -> int:
    """A time typed on the command line, in microseconds since the epoch: ISO 8601 with or
    without a UTC offset (without one: at utc_offset_hours, the city's zone, unless
    offset_required), a date (its start), or a whole number of microseconds. UsageError
    naming the option."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option}: got {text[:40]!r}, want an ISO 8601 time (2026-12-01T08:00+08:00), a date or microseconds"
        ) from None
    if moment.tzinfo is None and offset_required:
        raise UsageError(f"{option}: {text[:40]!r} has no UTC offset; add one, e.g. +08:00")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=utc_offset_hours)))
    return int(moment.timestamp() * 1_000_000)


def run(handler: Callable[[argparse.Namespace], int], arguments: argparse.Namespace) -> int:
    """Runs a command and turns every failure into a message and an exit code."""
    try:
        return handler(arguments)
    except (UsageError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Unreachable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except Refused as refused:
        print(f"refused ({status_name(refused.status_code)}): {refused}", file=sys.stderr)
        return EXIT_REFUSED
    except grpc.RpcError as error:
        code = error.code()
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            # Commands that talk to one party name it; others (the demo, say) name the status only.
            describe = getattr(arguments, "describe_target", None)
            where = describe(arguments) if describe else "unavailable"
            print(f"error: {where} ({code.name}): {error.details()}", file=sys.stderr)
            return EXIT_UNREACHABLE
        print(f"refused ({code.name}): {error.details()}", file=sys.stderr)
        return EXIT_REFUSED
    except TimebankError as error:
        print(f"refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
