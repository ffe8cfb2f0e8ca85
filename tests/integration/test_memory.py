"""The clearinghouse's memory stays flat under a stream of maximum-size messages from one peer.

A clearinghouse process of its own (so its resident memory is its own), with its message
limit set to MESSAGE_BYTES (the same code path as the default 32 MiB, in a fraction of the
time), receives MESSAGES signed batches that each fill the limit, from one node with valid
credentials. Its resident memory once the first WARM_UP messages have passed is the
reference; after all of them it is within GROWTH_BOUND_MB of it: no message's memory stays.
"""

from __future__ import annotations

import os
import pathlib

import grpc

from city import processes
from city.init import NodePlan, init_city
from timebank import keys, pki
from timebank.clock import SystemClock
from timebank.envelope import seal
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

MESSAGE_BYTES = 4 * 1024 * 1024
MESSAGES = 200
WARM_UP = 20
GROWTH_BOUND_MB = 40
ITEMS = 1_000
CALL_SECONDS = 30


def resident_mb(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


def test_two_hundred_maximum_size_messages_leave_no_memory_behind(tmp_path: pathlib.Path) -> None:
    base = processes.free_port_range(2)
    plan = [NodePlan("shiqi", "石岐街道", "district", f"127.0.0.1:{base + 1}")]
    city = init_city(tmp_path / "city", plan, clock=SystemClock(), base_port=base)
    party = processes.start(
        processes.timebank_command("clearinghouse", "serve", "--config", str(city.clearinghouse_config)),
        tmp_path / "clearinghouse.log",
        environment={"TIMEBANK_SERVER__MESSAGE_BYTES_MAX": str(MESSAGE_BYTES)},
    )
    node = tmp_path / "city" / "nodes" / "shiqi"
    key = keys.load_signing_key(node / "keys" / "signing-key.pem")
    credentials = pki.channel_credentials(
        tmp_path / "city" / "ca" / "ca.pem", node / "tls" / "tls.pem", node / "tls" / "tls-key.pem"
    )
    item_bytes = (MESSAGE_BYTES - 64 * 1024) // ITEMS  # the header, signature and framing fit beside
    clock, samples = SystemClock(), {}
    try:
        with grpc.secure_channel(party.address, credentials, options=pki.channel_options(CLEARINGHOUSE_ID)) as channel:
            stub = cpb_grpc.ClearinghouseStub(channel)
            for number in range(1, MESSAGES + 1):
                items = [os.urandom(item_bytes) for _ in range(ITEMS)]
                batch = seal("shiqi", CLEARINGHOUSE_ID, items, key, batch_id=os.urandom(16),
                             created_at_micros=clock.now_micros())  # fmt: skip
                assert batch.ByteSize() <= MESSAGE_BYTES
                stub.Exchange(batch, timeout=CALL_SECONDS)  # each item refused in its receipt: not a transfer
                if number in (WARM_UP, MESSAGES):
                    samples[number] = resident_mb(party.process.pid)
    finally:
        party.process.terminate()
        party.process.wait(timeout=30)
    print(f"\nclearinghouse resident memory: {samples[WARM_UP]} MB after {WARM_UP} messages of "
          f"{MESSAGE_BYTES >> 20} MiB, {samples[MESSAGES]} MB after {MESSAGES}")  # fmt: skip
    assert samples[MESSAGES] <= samples[WARM_UP] + GROWTH_BOUND_MB, samples
