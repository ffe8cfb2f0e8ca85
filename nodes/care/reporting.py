"""The node's supervision report for the bureau: its aggregate figures and open alerts,
built from the desk and sent to the clearinghouse when they change.

Owns what leaves the node for the bureau's city-wide supervision, and nothing more:
approved people by role, hours deposited and redeemed (and orders served) by month and by
category, hours donated, given to family and granted from the pool by month, the hours the
node's members hold, its open alerts by rule and time, and its open alarms by kind and
time. No person's name, id, identity number, an alert's evidence or an alarm's detail is
in it. Owns too the thread that looks every interval whether the figures changed and
queues a report when they did (bounded: one report per change, never more often than the
interval; the first a whole interval after the node started).
"""

from __future__ import annotations

import logging
import threading

from nodes.care.desk import CareDesk
from nodes.crossing import Crossing
from timebank import alarms
from timebank.v1 import clearing_pb2 as cpb

__all__ = ["SupervisionReporter", "supervision_report"]

log = logging.getLogger(__name__)
DIMENSIONS = {"month": "months", "category": "categories"}


def supervision_report(desk: CareDesk) -> cpb.SupervisionReport:
    """The node's figures now, without a time (so that two readings compare)."""
    figures = desk.statistics("", "")
    report = cpb.SupervisionReport(
        people_by_role=desk.approved_by_role(), outstanding_minutes=figures.outstanding_minutes
    )
    for row in figures.rows:
        field = DIMENSIONS.get(row.dimension)
        if field is not None:
            getattr(report, field).add(
                key=row.key,
                deposited_minutes=row.deposited_minutes,
                redeemed_minutes=row.redeemed_minutes,
                order_count=row.order_count,
                donated_minutes=row.donated_minutes,
                family_minutes=row.family_minutes,
                granted_minutes=row.granted_minutes,
            )
    for alert in desk.alerts(False):
        report.alerts.add(alert_id=alert.alert_id, rule=alert.rule, raised_at_micros=alert.raised_at_micros)
    for alarm in desk.read(alarms.open_alarms):
        report.alarms.add(sequence=alarm.sequence, kind=alarm.kind, raised_at_micros=alarm.raised_at_micros)
    return report


class SupervisionReporter:
    """Every interval, sends the node's report if it differs from the last one sent."""

    def __init__(self, desk: CareDesk, crossing: Crossing, interval_seconds: float) -> None:
        self.desk = desk
        self.crossing = crossing
        self.interval_seconds = interval_seconds
        self._last: bytes | None = None  # none sent yet: the first reading is always sent
        self._sending = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervision-report", daemon=True)
        self._thread.start()

    def send_if_changed(self) -> bool:
        """Queues a report if the figures differ from the last sent; whether it did. Serialised
        with the thread's own readings (a test or an operator may call it too)."""
        with self._sending:
            return self._send_if_changed()

    def _send_if_changed(self) -> bool:
        report = supervision_report(self.desk)
        figures = report.SerializeToString(deterministic=True)
        if figures == self._last:
            return False
        report.as_of_micros = self.desk.clock.now_micros()
        self.crossing.report_supervision(report.SerializeToString(deterministic=True), report.as_of_micros)
        self._last = figures
        return True

    def _run(self) -> None:
        """Every interval, the first one interval after the node started (its start makes no traffic)."""
        while not self._stopping.wait(self.interval_seconds):
            try:
                self.send_if_changed()
            except Exception:  # the reporter must outlive a failed reading; the next one retries
                if self._stopping.is_set():
                    return
                log.exception("supervision report failed")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
