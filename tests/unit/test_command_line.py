"""What every command shares: times typed and shown in the city's zone, and columns as a terminal shows them."""

from __future__ import annotations

import pytest

from timebank.clock import shown_time
from timebank.command_line import UsageError, padded, parse_time


def test_a_cjk_name_takes_two_columns_a_character() -> None:
    assert padded("吴阿姨", 8) == "吴阿姨  " and padded("Li", 4) == "Li  " and padded("王小明明", 6) == "王小明明"


def test_times_are_typed_and_shown_with_their_zone() -> None:
    micros = parse_time("--valid-from", "2026-12-01T09:30+08:00")
    assert parse_time("--valid-from", "2026-12-01T09:30") == micros  # no offset: the city's
    assert parse_time("--valid-from", "2026-12-01") == parse_time("--valid-from", "2026-12-01T00:00+08:00")
    assert parse_time("--valid-from", str(micros)) == micros
    assert shown_time(micros) == "2026-12-01T09:30:00+08:00" and shown_time(micros, 0) == "2026-12-01T01:30:00+00:00"
    with pytest.raises(UsageError, match="--valid-until: got 'next week', want an ISO 8601 time"):
        parse_time("--valid-until", "next week")
