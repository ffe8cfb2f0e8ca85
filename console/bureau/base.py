"""What every page of the bureau's console stands on beside console.desk: its layout and
words, reading the city's nodes, times typed in the bureau's zone, and the check that a
change was confirmed.

Owns these; the pages are console.bureau.city (the city now, the registry) and
console.bureau.settlement (transfers, cycles, the log).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from console.bureau.calls import BureauCalls
from console.bureau.config import BureauConsoleTable
from console.bureau.labels import BUREAU_LABELS
from console.desk import Desk
from timebank.v1 import bureau_pb2

__all__ = ["CONFIRM", "BureauPages", "confirmed"]

CONFIRM = "confirm: tick the box to confirm, after checking what the change names"


def confirmed(form: Mapping[str, str]) -> bool:
    return form.get("confirm", "") == "yes"


class BureauPages(Desk[BureauCalls]):
    """The bureau's pages' common ground, each call made to the clearinghouse as the signed-in person."""

    layout = "bureau/base.html"
    labels = BUREAU_LABELS

    def __init__(self, table: BureauConsoleTable, calls: BureauCalls, secret: bytes) -> None:
        super().__init__(table, calls, secret)
        self.table = table

    def city_now(self, token: str) -> bureau_pb2.CityNow:
        return self.calls.call(self.calls.bureau.GetCityNow, bureau_pb2.GetCityNowRequest(), token)

    def micros_of(self, typed: str, field: str) -> int:
        """A time typed as YYYY-MM-DDTHH:MM (a datetime-local field) in the bureau's zone, in
        microseconds since the epoch; 0 for an empty field; ValueError naming the field."""
        if not typed:
            return 0
        try:
            moment = datetime.datetime.strptime(typed, "%Y-%m-%dT%H:%M").replace(tzinfo=self.zone)
        except ValueError:
            raise ValueError(f"{field}: got {typed[:40]!r}, want a time as YYYY-MM-DDTHH:MM") from None
        return int(moment.timestamp() * 1_000_000)
