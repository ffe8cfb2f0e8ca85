"""Oversight of the services: the statistics (hours deposited and redeemed by node, month,
category and team, active volunteers, the hours outstanding and their trend), the alerts
supervision raised and their acknowledgement, and the signed certificates of a
volunteer's service hours.

Owns the order of reads (and the one write, an acknowledgement) of these operations.
Must not: hold SQL (nodes.care.store), decide other than through the pure rules, or know
about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules
from nodes.care.desk import people
from nodes.care.desk.context import Desk, care_event
from nodes.care.store import hours as hour_rows
from nodes.care.store import oversight as oversight_rows
from timebank import certificate, ids, translog
from timebank.errors import NotNow, RequestInvalid
from timebank.protocol import AlertAcknowledgement

__all__ = [
    "BUREAU_ACCOUNT_PREFIX",
    "IMPORTED_CATEGORY",
    "acknowledge",
    "acknowledged_by_bureau",
    "alerts",
    "certificate_line",
    "issue_certificate",
    "period_micros",
    "statistics",
    "TREND_MONTHS_MAX",
]

TREND_MONTHS_MAX = 120
BUREAU_ACCOUNT_PREFIX = "bureau:"  # who acknowledged an alert from the bureau's console
log = logging.getLogger(__name__)
IMPORTED_CATEGORY = "imported"  # hours brought in from another platform: no catalogue item


def statistics(desk: Desk, from_month: str, to_month: str) -> r.Statistics:
    first = rules.month("from_month", from_month) if from_month else "0000-01"
    last = (
        rules.month("to_month", to_month)
        if to_month
        else rules.month_of(desk.clock.now_micros(), desk.policy.utc_offset_hours)
    )
    if first > last:
        raise RequestInvalid(f"from_month: {first} is after to_month {last}")
    return desk.read(lambda connection: _statistics(desk, connection, first, last))


FIGURES = 6  # deposited, redeemed, orders, donated, given to family, granted (StatisticsRow's order)


def _figures(kind: str, minutes: int, count: int) -> list[int]:
    """What one group of movements adds to each figure of a row."""
    kinds = r.MovementKind
    return [
        minutes if kind in oversight_rows.DEPOSIT_KINDS else 0,
        minutes if kind in oversight_rows.REDEEM_KINDS else 0,
        count if kind in hour_rows.SERVICE_KINDS else 0,
        minutes if kind in oversight_rows.DONATED_KINDS else 0,
        minutes if kind == kinds.FAMILY else 0,
        minutes if kind == kinds.GRANT else 0,
    ]


def _statistics(desk: Desk, connection: Connection, first: str, last: str) -> r.Statistics:
    rows: dict[tuple[str, str], list[int]] = {}

    def add(dimension: str, key: str, figures: list[int]) -> None:
        total = rows.setdefault((dimension, key), [0] * FIGURES)
        for position, value in enumerate(figures):
            total[position] += value

    months_seen: set[str] = set()
    for kind, month, item_code, minutes, count in oversight_rows.movement_totals(connection, first, last):
        figures = _figures(kind, minutes, count)
        if not any(figures):
            continue
        add("node", desk.node_id, figures)
        add("month", month, figures)
        if figures[0] or figures[1]:  # a service, the mall or an import: gifts and grants have no category
            category = _category(desk, connection, kind, item_code)
            add("category", category, [*figures[:3], 0, 0, 0])
        months_seen.add(month)
    for team_code, minutes, count in oversight_rows.team_deposits(connection, first, last):
        add("team", team_code, [minutes, 0, count, 0, 0, 0])
    start, end = period_micros(desk, first, last)
    return r.Statistics(
        node_id=desk.node_id,
        rows=tuple(r.StatisticsRow(d, k, *figures) for (d, k), figures in sorted(rows.items())),
        active_volunteers=oversight_rows.active_volunteers(connection, start, end),
        outstanding_minutes=oversight_rows.member_minutes(connection),
        trend=_trend(desk, connection, months_seen),
        open_alerts=oversight_rows.open_alert_count(connection),
        deposited_today_minutes=oversight_rows.deposited_since(connection, _today_start(desk)),
    )


def _category(desk: Desk, connection: Connection, kind: str, item_code: str) -> str:
    """The statistics' category of a movement: its item's, the mall, or imported hours (no item)."""
    if kind == r.MovementKind.MALL:
        return "mall"
    return desk.item(connection, item_code).category if item_code else IMPORTED_CATEGORY


def _today_start(desk: Desk) -> int:
    offset = desk.policy.utc_offset_hours
    return rules.day_start_micros(rules.local_date(desk.clock.now_micros(), offset), offset)


def period_micros(desk: Desk, first: str, last: str) -> tuple[int, int]:
    """The start of the first month and the start of the month after the last, in local time."""
    offset = desk.policy.utc_offset_hours
    start = rules.day_start_micros(datetime.date.fromisoformat(f"{max(first, '1970-01')}-01"), offset)
    year, month = map(int, last.split("-"))
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return start, rules.day_start_micros(following, offset)


def _trend(desk: Desk, connection: Connection, months_seen: set[str]) -> tuple[r.MonthOutstanding, ...]:
    """Member hours at the end of each month of the period (months with movements, at most 120)."""
    now = desk.clock.now_micros()
    current = oversight_rows.member_minutes(connection)
    trend = []
    for month in sorted(months_seen)[-TREND_MONTHS_MAX:]:
        _, end = period_micros(desk, month, month)
        if end >= now:
            trend.append(r.MonthOutstanding(month, current))
        else:
            changed = oversight_rows.member_changes_after(connection, end - 1)
            trend.append(r.MonthOutstanding(month, current - changed))
    return tuple(trend)


# -- alerts ---------------------------------------------------------------------------------------------


def alerts(desk: Desk, include_acknowledged: bool) -> list[r.Alert]:
    return desk.read(lambda connection: oversight_rows.alerts(connection, include_acknowledged))


def acknowledge(desk: Desk, alert_id: int, operator: str, note: str) -> r.Alert:
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    note = rules.text("note", note, rules.REASON_LENGTH_MAX)

    def work(connection: Connection) -> r.Alert:
        alert = oversight_rows.alert(connection, alert_id)
        if alert.acknowledged_at_micros:
            raise NotNow(f"alert_id: {alert_id} was acknowledged already by {alert.acknowledged_by}")
        done = dataclasses.replace(
            alert, acknowledged_by=operator, acknowledged_note=note, acknowledged_at_micros=desk.clock.now_micros()
        )
        oversight_rows.save_alert(connection, done)
        return done

    return desk.write(work, "AcknowledgeAlert")


def acknowledged_by_bureau(desk: Desk, connection: Connection, acknowledgement: AlertAcknowledgement) -> None:
    """The bureau's acknowledgement, in the transaction that received it (its item is logged
    there too): the alert is acknowledged by "bureau:<account>" with the bureau's note. An
    alert acknowledged here already, or one this node does not have, stays as it is."""
    alert = oversight_rows.find_alert(connection, acknowledgement.alert_id)
    if alert is None or alert.acknowledged_at_micros:
        why = "acknowledged here already" if alert is not None else "not an alert of this node"
        log.info("the bureau's acknowledgement of alert %d changes nothing: %s", acknowledgement.alert_id, why)
        return
    done = dataclasses.replace(
        alert,
        acknowledged_by=f"{BUREAU_ACCOUNT_PREFIX}{acknowledgement.account}"[: rules.NAME_LENGTH_MAX],
        acknowledged_note=acknowledgement.note[: rules.REASON_LENGTH_MAX],
        acknowledged_at_micros=desk.clock.now_micros(),
    )
    oversight_rows.save_alert(connection, done)
    translog.record(connection, [care_event("AcknowledgeAlert", done)], done.acknowledged_at_micros)


# -- certificates -----------------------------------------------------------------------------------------


def issue_certificate(
    desk: Desk, certificate_id: int, person_id: int, period_from: str, period_to: str
) -> tuple[bytes, str, int]:
    first = rules.parse_date("period_from", period_from)
    last = rules.parse_date("period_to", period_to)
    if first > last:
        raise RequestInvalid(f"period_from: {first} is after period_to {last}")

    def work(connection: Connection) -> certificate.CertificateBody:
        person = people.approved(connection, person_id, "person_id", r.Role.VOLUNTEER)
        offset = desk.policy.utc_offset_hours
        start = rules.day_start_micros(first, offset)
        end = rules.day_start_micros(last, offset) + rules.MICROS_PER_DAY
        movements = hour_rows.deposits_of(connection, person_id, start, end, certificate.LINES_MAX + 1)
        if not movements:
            raise NotNow(
                f"person_id: {ids.to_hex(person_id)} has no service hours deposited at {desk.node_id} "
                f"from {first} to {last}; there is nothing to certify"
            )
        if len(movements) > certificate.LINES_MAX:
            raise RequestInvalid(
                f"period_from: {first} to {last} holds more than {certificate.LINES_MAX} services of "
                f"{ids.to_hex(person_id)}; want a shorter period"
            )
        return certificate.CertificateBody(
            certificate_id=ids.to_hex(certificate_id),
            node_id=desk.node_id,
            node_name=desk.node_name,
            person_id=ids.to_hex(person_id),
            person_name=person.name,
            identity_masked=person.identity_masked,
            period_from=first.isoformat(),
            period_to=last.isoformat(),
            issued_at_micros=desk.clock.now_micros(),
            lines=tuple(certificate_line(desk, connection, movement) for movement in movements),
        )

    body = desk.read(work)
    issued = certificate.issue(body, desk.signing_key)
    return issued, certificate.render_html(issued), body.total_minutes


def certificate_line(desk: Desk, connection: Connection, movement: r.Movement) -> certificate.CertificateLine:
    item = desk.item(connection, movement.item_code)
    return certificate.CertificateLine(
        order_id=ids.to_hex(movement.order_id),
        served_on=rules.local_date(movement.at_micros, desk.policy.utc_offset_hours).isoformat(),
        item_code=item.code,
        item_name_zh=item.name_zh,
        item_name_en=item.name_en,
        minutes=movement.amount_minutes,
        transfer_id=ids.to_hex(movement.transfer_id),
    )
