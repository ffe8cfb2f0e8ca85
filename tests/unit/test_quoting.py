"""Input quoted in a message is escaped and bounded (timebank.quoting)."""

from __future__ import annotations

import pytest

from timebank.quoting import DETAIL_CHARACTERS_MAX, QUOTED_CHARACTERS_MAX, bounded_detail, named, quoted


def test_short_text_is_its_repr() -> None:
    assert quoted("shiqi") == "'shiqi'"
    assert quoted("a\nb") == "'a\\nb'"


def test_long_text_is_cut_and_its_length_named() -> None:
    text = quoted("x" * 10_000_000)
    assert len(text) < QUOTED_CHARACTERS_MAX + 40
    assert text.endswith("… (10000000 characters)")


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\r", "\u202e", "\u200b", "\x7f"])
def test_control_and_invisible_characters_come_out_escaped(character: str) -> None:
    for text in (quoted(f"a{character}b"), named(f"a{character}b"), bounded_detail(f"got a{character}b")):
        assert character not in text, text
        assert text.isprintable(), text


def test_bytes_are_hexadecimal_and_bounded() -> None:
    assert quoted(b"\x01\xff") == "01ff"
    text = quoted(bytes(5_000_000))
    assert text.endswith("… (5000000 bytes)") and len(text) < QUOTED_CHARACTERS_MAX + 30


def test_an_identifier_is_named_as_it_is_and_anything_else_is_quoted() -> None:
    assert named("shiqi") == "shiqi"
    assert named("0123456789abcdef") == "0123456789abcdef"
    assert named("") == "''"
    assert named("shi qi") == "'shi qi'"
    assert named("s" * 65).startswith("'sss") and "(65 characters)" in named("s" * 65)


def test_a_status_message_is_bounded_whatever_built_it() -> None:
    assert bounded_detail("amount_minutes: got -5, want > 0") == "amount_minutes: got -5, want > 0"
    assert bounded_detail("名字: 不能为空") == "名字: 不能为空"
    long = bounded_detail("sender_id: " + "\x00" * 3_000_000)
    assert len(long) <= DETAIL_CHARACTERS_MAX + 50 and long.endswith("characters)") and "\x00" not in long
