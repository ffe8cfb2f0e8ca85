"""The protocol's items in bytes and back: the bureau's acknowledgement of an alert and a
node's supervision report keep every field, and their ids are stable where a resend must
be deduplicated and distinct where two items differ."""

from __future__ import annotations

from timebank.protocol import (
    AlertAcknowledgement,
    SupervisionReport,
    alert_acknowledgement_item,
    decode_item,
    encode_item,
    supervision_item,
)
from timebank.v1 import clearing_pb2 as cpb


def test_an_alert_acknowledgement_round_trips_with_one_id_per_node_and_alert() -> None:
    acknowledged = AlertAcknowledgement(7, "sun.super", "已电话核实：志愿者忘记签到", 1_800_000_000_000_000)
    item = alert_acknowledgement_item(acknowledged, "shiqi")
    assert decode_item(encode_item(item)) == item
    again = AlertAcknowledgement(7, "zhao.admin", "another note", 1_800_000_000_000_001)
    assert alert_acknowledgement_item(again, "shiqi").item_id == item.item_id  # one per node and alert
    assert alert_acknowledgement_item(acknowledged, "dongqu").item_id != item.item_id
    other_alert = AlertAcknowledgement(8, "sun.super", "核实", 1_800_000_000_000_000)
    assert alert_acknowledgement_item(other_alert, "shiqi").item_id != item.item_id


def test_a_supervision_report_round_trips_with_its_gift_figures() -> None:
    report = cpb.SupervisionReport(as_of_micros=5, outstanding_minutes=900)
    report.months.add(key="2026-12", deposited_minutes=60, donated_minutes=10, family_minutes=20, granted_minutes=5)
    body = SupervisionReport(report.SerializeToString(deterministic=True), 5)
    decoded = decode_item(encode_item(supervision_item(body, "shiqi")))
    assert isinstance(decoded.body, SupervisionReport)
    month = cpb.SupervisionReport.FromString(decoded.body.report).months[0]
    assert (month.donated_minutes, month.family_minutes, month.granted_minutes) == (10, 20, 5)
