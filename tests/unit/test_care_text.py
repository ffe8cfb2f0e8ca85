"""The people-facing text of `timebank care` answers: minutes also in hours, times in the
node's zone whatever the machine's, unset fields left out, an order's steps one a line."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from nodes.care.cli import local_time_of, table_of, text_of
from timebank.v1 import care_pb2 as pb


@pytest.fixture(autouse=True)
def _a_machine_in_another_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC0")  # POSIX form: the machine at UTC, the node at +08:00
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_shown_in_the_nodes_zone_named() -> None:
    assert local_time_of(1_796_088_600_000_000) == "2026-12-01T09:30:00+08:00"
    assert local_time_of(1_796_088_600_000_000, utc_offset_hours=7) == "2026-12-01T08:30:00+07:00"


def test_an_order_reads_as_one_field_a_line() -> None:
    order = pb.Order(
        order_id=bytes(range(16)),
        served_minutes=90,
        window_start_micros=1_796_088_600_000_000,
        checked_in_micros=0,
        steps=[
            "2026-11-30T09:00:00+08:00 released by volunteer ab: 发烧, 来不了",
            "2026-11-30T10:00:00+08:00 cancelled",
        ],
    )
    lines = text_of(order).splitlines()
    assert "order_id: 000102030405060708090a0b0c0d0e0f" in lines
    assert "served_minutes: 90 (1.50 h)" in lines and "credited_minutes: 0 (0.00 h)" in lines  # a figure, shown
    assert "window_start_micros: 2026-12-01T09:30:00+08:00" in lines  # the zone of the steps below
    assert not any(line.startswith(("checked_in_micros", "volunteer_id", "state:")) for line in lines)  # unset
    steps = lines.index("steps: 2")
    assert lines[steps + 1 : steps + 3] == [
        "  2026-11-30T09:00:00+08:00 released by volunteer ab: 发烧, 来不了",
        "  2026-11-30T10:00:00+08:00 cancelled",
    ]


def test_other_lists_of_words_stay_on_one_line() -> None:
    item = pb.CatalogueItem(code="legal-aid", qualifications=["lawyer", "notary"])
    assert "qualifications: lawyer, notary" in text_of(item).splitlines()


def test_a_list_is_a_table_of_what_its_items_set_aligned_for_cjk() -> None:
    items = [
        pb.CatalogueItem(code="meals", name_zh="助餐", name_en="Meals", category="daily-living", rate_percent=100),
        pb.CatalogueItem(code="legal-aid", name_zh="法律援助", name_en="Legal aid", category="professional-legal",
                         professional=True, rate_percent=150),
    ]  # fmt: skip
    lines = table_of(items).splitlines()
    assert lines[0].split() == ["code", "name_zh", "name_en", "category", "professional", "rate_percent"]
    assert len(lines) == 3 and lines[1].startswith("meals      助餐      Meals")
    assert lines[2].startswith("legal-aid  法律援助  Legal aid")  # the same columns, whatever the characters' widths
    assert table_of([]) == "none"
