"""A peer with valid credentials cannot shut the others out, and cannot make a refusal long.

Against the real in-process clearinghouse over mutual TLS: one node floods it with far more
calls than its share (a process of many threads, each polling as fast as it can, signed
with the node's real key and presenting its TLS identity) while two other nodes transfer;
their transfers commit, with the latency printed beside the same figure without the flood;
the flood's refusals are counted under the flooding node alone, and its long polls replace
one another. gRPC's own last-resort limit is counted too. Then the refusals of oversized
and control-character input are short, escaped and specific."""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest

from tests.integration.test_attacks import signing_key, stub_as
from tests.support.city import RunningTestCity, make_city
from timebank import shares
from timebank.clock import SystemClock
from timebank.envelope import seal
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2 as cpb

FLOOD_SECONDS = 30.0
FLOOD_THREADS = 24
TRANSFERS_EACH_PHASE = 20
FLOODER = "canlian"
CALL_SECONDS = 10
CLOCK = SystemClock()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTestCity]:
    test_city = make_city(tmp_path_factory.mktemp("fairness") / "city", {})
    try:
        test_city.start_clearinghouse()
        for node_id in ("shiqi", "dongqu", "canlian"):
            test_city.start_node(node_id)
        yield test_city
    finally:
        test_city.stop()


def poll_batch(city: RunningTestCity, node_id: str, key: object) -> cpb.SignedBatch:
    return seal(node_id, CLEARINGHOUSE_ID, [], key, batch_id=os.urandom(16), created_at_micros=CLOCK.now_micros())  # type: ignore[arg-type]


def latencies(city: RunningTestCity, first: int) -> list[float]:
    taken = []
    for number in range(first, first + TRANSFERS_EACH_PHASE):
        started = time.perf_counter()
        city.move((0xFA1 << 112 | number).to_bytes(16, "big"), "shiqi", "dongqu", 1)
        taken.append(time.perf_counter() - started)
    return taken


def test_one_node_flooding_the_clearinghouse_leaves_the_others_their_service(city: RunningTestCity) -> None:
    assert city.clearinghouse is not None
    city.member("shiqi", 1, 10_000)
    city.member("dongqu", 2)
    quiet = latencies(city, 0)
    command = [sys.executable, "-m", "tests.support.flood", str(city.directory)]
    command += [f"127.0.0.1:{city.clearinghouse.port}", FLOODER, str(FLOOD_SECONDS), str(FLOOD_THREADS)]
    flooder = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=pathlib.Path(__file__).parents[2])
    flooded: list[float] = []
    try:
        _wait_until(lambda: shares_of(city).refusals.total() > 0)  # the flood has begun
        while flooder.poll() is None:
            flooded += latencies(city, 1_000 + len(flooded))
        output, _ = flooder.communicate(timeout=CALL_SECONDS)
    finally:
        if flooder.poll() is None:
            flooder.kill()
            flooder.wait()
    assert flooder.returncode == 0, output
    counts: dict[str, int] = json.loads(output)
    door = shares_of(city)
    refused = dict(door.refusals)
    print(
        f"\ntransfers shiqi -> dongqu: median {statistics.median(quiet) * 1e3:.1f} ms quiet, "
        f"{statistics.median(flooded) * 1e3:.1f} ms (p90 {quantile(flooded, 0.9) * 1e3:.1f} ms) during "
        f"{FLOOD_SECONDS:g} s of {FLOOD_THREADS} threads flooding as {FLOODER}: {len(flooded)} committed; "
        f"the flood's calls by outcome {dict(sorted(counts.items()))}; refusals {refused}; "
        f"long polls replaced {city.clearinghouse.coordinator.polls_replaced()}"
    )
    assert counts.get("RESOURCE_EXHAUSTED", 0) > 0, counts
    assert {peer for _, peer in refused} == {FLOODER}, refused
    assert sum(refused.values()) >= counts["RESOURCE_EXHAUSTED"]  # and its own link's
    assert city.clearinghouse.coordinator.polls_replaced().get(FLOODER, 0) > 0
    assert len(flooded) >= TRANSFERS_EACH_PHASE  # every move committed at both nodes (city.move checks)


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def shares_of(city: RunningTestCity) -> shares.Shares:
    """The clearinghouse's Shares, found through its server's interceptor."""
    assert city.clearinghouse is not None
    state = city.clearinghouse.server._state  # type: ignore[attr-defined]
    found = [i for i in state.interceptor_pipeline.interceptors if isinstance(i, shares.SharesInterceptor)]
    assert len(found) == 1
    return found[0].shares


def test_the_bureaus_certificate_does_not_exchange_batches(city: RunningTestCity) -> None:
    from tests.integration.test_attacks import clearinghouse_stub

    tls = city.directory / "bureau" / "tls"
    with clearinghouse_stub(city, tls / "tls.pem", tls / "tls-key.pem") as stub:
        with pytest.raises(grpc.RpcError) as caught:
            stub.Exchange(cpb.SignedBatch(), timeout=CALL_SECONDS)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.details() == (
        "/timebank.v1.Clearinghouse/Exchange: the bureau's certificate does not exchange batches; only a node's does"
    )
    assert shares_of(city).refusals[("wrong_party", "bureau")] >= 1


def refusal(city: RunningTestCity, node_id: str, **fields: object) -> grpc.RpcError:
    batch = poll_batch(city, node_id, signing_key(city, node_id))
    for name, value in fields.items():
        if name == "sender_id":
            header = cpb.BatchHeader.FromString(batch.header)
            header.sender_id = str(value)
            batch.header = header.SerializeToString()
        else:
            setattr(batch, name, value)
    with stub_as(city, node_id) as stub:
        with pytest.raises(grpc.RpcError) as caught:
            stub.Exchange(batch, timeout=CALL_SECONDS)
    return caught.value


@pytest.mark.parametrize(
    "fields, start",
    [
        ({"key_id": "k" * 10_000_000}, "key_id: got 'kkkk"),
        ({"sender_id": "s" * 10_000_000}, "key_id: key "),
        ({"key_id": "\x1b[31m\x00\u202eevil\r\n"}, "key_id: got '\\x1b[31m\\x00\\u202eevil\\r\\n'"),
        ({"sender_id": "shiqi\x00\u202e\n"}, "key_id: key "),
    ],
    ids=["10MB-key_id", "10MB-sender_id", "control-key_id", "control-sender_id"],
)
def test_a_refusal_quotes_what_it_got_short_and_escaped(
    city: RunningTestCity, fields: dict[str, object], start: str
) -> None:
    error = refusal(city, "shiqi", **fields)
    detail = error.details() or ""
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, (error.code(), detail[:200])
    assert detail.startswith(start), detail[:200]
    assert len(detail) < 200 and detail.isprintable(), detail[:200]


def test_grpcs_own_limit_is_counted_as_server_full(tmp_path: pathlib.Path) -> None:
    """gRPC refuses a call over maximum_concurrent_rpcs before it runs: still counted."""
    release = threading.Event()
    door = shares.SharesInterceptor(shares.Shares(shares.ShareLimits()), lambda context: "someone")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), maximum_concurrent_rpcs=1, interceptors=[door])
    server.add_generic_rpc_handlers((_slow_service(release),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    door.watch(server)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary("/t.Slow/Wait")
            first = call.future(b"", timeout=CALL_SECONDS)
            _wait_until(lambda: door.shares.running("someone") == 1)
            with pytest.raises(grpc.RpcError) as caught:
                call(b"", timeout=CALL_SECONDS)
            release.set()
            first.result()
    finally:
        server.stop(None)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert dict(door.shares.refusals) == {("server_full", shares.UNIDENTIFIED): 1}


def _slow_service(release: threading.Event) -> grpc.GenericRpcHandler:
    def wait(request: bytes, context: grpc.ServicerContext) -> bytes:
        release.wait(CALL_SECONDS)
        return b""

    handler = grpc.unary_unary_rpc_method_handler(wait)
    return grpc.method_handlers_generic_handler("t.Slow", {"Wait": handler})


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + CALL_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.01)
