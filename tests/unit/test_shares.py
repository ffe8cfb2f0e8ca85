"""Each peer's share: calls in progress, the call rate, who may call what, bounded counts."""

from __future__ import annotations

import pytest

from timebank import shares
from timebank.errors import NotPermitted, Throttled

LIMITS = shares.ShareLimits(calls_in_progress_per_peer_max=2, calls_per_second_per_peer=10, calls_burst_per_peer=3)


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_a_peer_over_its_calls_in_progress_is_refused_and_another_is_not() -> None:
    door = shares.Shares(LIMITS, monotonic=Clock())
    door.enter("shiqi", "/m")
    door.enter("shiqi", "/m")
    with pytest.raises(Throttled, match=r"^limits.calls_in_progress_per_peer_max: shiqi has 2 calls in progress"):
        door.enter("shiqi", "/m")
    door.enter("dongqu", "/m")
    door.leave("shiqi")
    door.enter("shiqi", "/m")
    assert door.refusals == {("calls_in_progress", "shiqi"): 1}
    assert door.running("shiqi") == 2 and door.running("dongqu") == 1


def test_the_rate_is_a_bucket_refilled_by_the_clock() -> None:
    clock = Clock()
    door = shares.Shares(LIMITS, monotonic=clock)
    for _ in range(3):
        with door.admit("shiqi", "/m"):
            pass
    with pytest.raises(Throttled, match=r"^limits.calls_per_second_per_peer: shiqi made more than 10 calls a second"):
        door.enter("shiqi", "/m")
    clock.seconds += 0.1  # one call's worth
    with door.admit("shiqi", "/m"):
        pass
    with pytest.raises(Throttled):
        door.enter("shiqi", "/m")
    assert door.refusals == {("call_rate", "shiqi"): 2}
    assert door.running("shiqi") == 0


def test_the_policy_refuses_a_party_before_its_share_is_touched() -> None:
    seen: list[shares.Refusal] = []
    door = shares.Shares(LIMITS, lambda peer, method: "not for you" if peer == "bureau" else None, Clock(), seen.append)
    with pytest.raises(NotPermitted, match=r"^/m: not for you$"):
        door.enter("bureau", "/m")
    assert seen == [shares.Refusal("wrong_party", "bureau", "/m", "/m: not for you")]
    assert door.running("bureau") == 0


def test_counts_are_kept_for_a_bounded_number_of_peers() -> None:
    door = shares.Shares(LIMITS, lambda peer, method: "no", Clock())
    for number in range(shares.PEERS_COUNTED_MAX + 50):
        with pytest.raises(NotPermitted):
            door.enter(f"peer-{number}", "/m")
    peers = {peer for _, peer in door.refusals}
    assert len(peers) == shares.PEERS_COUNTED_MAX + 1 and shares.OTHER_PEERS in peers
    assert door.refusals[("wrong_party", shares.OTHER_PEERS)] == 50
