"""Real-time supervision (实时监管): the rules that raise alerts, as pure functions.

Each rule looks at what the desk is about to record and what it read beside it, and
returns alert drafts with their evidence. An alert never blocks the operation: it is
for an operator to look at (and acknowledge) with the evidence in hand. The fingerprint
keeps one alert per rule and occurrence, however often the rule is evaluated.

Rules: overlapping-orders (one volunteer in two services at once), implausible-duration
(a service shorter or longer than the policy allows), idle-check-in (a check-out far
later than the order's window with no service recorded for the time between),
back-and-forth (hours given A to B and back B to A within the policy's days),
proxy-load (a proxy acting for more elders than the policy allows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nodes.care.policy import Policy
from nodes.care.rules import MICROS_PER_DAY, MICROS_PER_MINUTE, overlaps
from timebank import ids

__all__ = [
    "AlertDraft",
    "back_and_forth",
    "duration",
    "Gift",
    "IDLE_MINUTES_MIN",
    "overlapping_orders",
    "proxy_load",
    "Visit",
]

IDLE_MINUTES_MIN = 60


@dataclass(frozen=True)
class AlertDraft:
    rule: str
    subject_id: int
    evidence: str
    fingerprint: str


@dataclass(frozen=True)
class Visit:
    """One order's time at the elder's place: checked in, and out (0: still there)."""

    order_id: int
    volunteer_id: int
    checked_in_micros: int
    checked_out_micros: int


@dataclass(frozen=True)
class Gift:
    transfer_id: int
    from_id: int
    to_id: int
    amount_minutes: int
    at_micros: int


def _draft(rule: str, subject_id: int, evidence: str, *key: object) -> AlertDraft:
    fingerprint = hashlib.sha256("|".join([rule, *map(str, key)]).encode()).hexdigest()
    return AlertDraft(rule, subject_id, evidence, fingerprint)


def overlapping_orders(visit: Visit, others: Iterable[Visit], now_micros: int) -> list[AlertDraft]:
    end = visit.checked_out_micros or now_micros
    drafts = []
    for other in others:
        if other.order_id == visit.order_id or not other.checked_in_micros:
            continue
        if overlaps(visit.checked_in_micros, end, other.checked_in_micros, other.checked_out_micros or now_micros):
            first, second = sorted((visit.order_id, other.order_id))
            drafts.append(
                _draft(
                    "overlapping-orders",
                    visit.volunteer_id,
                    f"volunteer {ids.to_hex(visit.volunteer_id)} was checked in to orders {ids.to_hex(first)} "
                    f"and {ids.to_hex(second)} at the same time",
                    first,
                    second,
                )
            )
    return drafts


def duration(visit: Visit, window_minutes: int, policy: Policy) -> list[AlertDraft]:
    elapsed = (visit.checked_out_micros - visit.checked_in_micros) // MICROS_PER_MINUTE
    drafts = []
    if not policy.implausible_minutes_min <= elapsed <= policy.implausible_minutes_max:
        drafts.append(
            _draft(
                "implausible-duration",
                visit.volunteer_id,
                f"order {ids.to_hex(visit.order_id)}: {elapsed} minutes between check-in and check-out, "
                f"want {policy.implausible_minutes_min}..={policy.implausible_minutes_max}",
                visit.order_id,
            )
        )
    if elapsed - window_minutes >= IDLE_MINUTES_MIN:
        drafts.append(
            _draft(
                "idle-check-in",
                visit.volunteer_id,
                f"order {ids.to_hex(visit.order_id)}: checked out {elapsed} minutes after checking in, the order's "
                f"window is {window_minutes} minutes; no service is recorded for the {elapsed - window_minutes} "
                "minutes between",
                visit.order_id,
            )
        )
    return drafts


def back_and_forth(gift: Gift, earlier: Sequence[Gift], policy: Policy) -> list[AlertDraft]:
    """`earlier`: gifts between the same two people, either way."""
    since = gift.at_micros - policy.back_and_forth_days * MICROS_PER_DAY
    for other in earlier:
        if other.from_id == gift.to_id and other.to_id == gift.from_id and other.at_micros >= since:
            return [
                _draft(
                    "back-and-forth",
                    gift.from_id,
                    f"{ids.to_hex(other.from_id)} gave {other.amount_minutes} min to {ids.to_hex(other.to_id)} "
                    f"(transfer {ids.to_hex(other.transfer_id)}), and {gift.amount_minutes} min came back within "
                    f"{policy.back_and_forth_days} days (transfer {ids.to_hex(gift.transfer_id)})",
                    other.transfer_id,
                    gift.transfer_id,
                )
            ]
    return []


def proxy_load(proxy_id: int, elder_ids: Sequence[int], policy: Policy) -> list[AlertDraft]:
    if len(elder_ids) <= policy.proxy_elders_max:
        return []
    return [
        _draft(
            "proxy-load",
            proxy_id,
            f"proxy {ids.to_hex(proxy_id)} acts for {len(elder_ids)} elders, more than {policy.proxy_elders_max}",
            proxy_id,
            len(elder_ids),
        )
    ]
