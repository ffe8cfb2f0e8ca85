"""The hours members hold against the city's guarantee, as the bureau's console shows them."""

from __future__ import annotations

from console.bureau.city import Guarantee


def test_the_share_of_the_guarantee_and_its_warning_line() -> None:
    assert Guarantee.of(900, 1_200, 80) == Guarantee(1_200, 75, False, 80)
    assert Guarantee.of(960, 1_200, 80) == Guarantee(1_200, 80, True, 80)  # at the line: warned
    assert Guarantee.of(2_400, 1_200, 80).percent == 200  # above the guarantee: shown as it is
    assert Guarantee.of(900, 0, 80) == Guarantee(0, 0, False, 80)  # none configured: no share, no warning
