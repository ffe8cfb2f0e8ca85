"""A node flooding the clearinghouse, as a process of its own (python -m tests.support.flood).

Arguments: the city's folder, the clearinghouse's address, the node, seconds, threads. Each
thread sends empty signed batches (long polls) with the node's real key and TLS identity as
fast as it can until the time is up; the counts of outcomes are printed as one JSON line.
Bounded: it stops by itself after the seconds given.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import threading
import time

import grpc

from timebank import keys, pki
from timebank.clock import SystemClock
from timebank.envelope import seal
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2_grpc as cpb_grpc

CALL_SECONDS = 10


def main(directory: pathlib.Path, address: str, node_id: str, seconds: float, threads: int) -> None:
    key = keys.load_signing_key(directory / "nodes" / node_id / "keys" / "signing-key.pem")
    tls = directory / "nodes" / node_id / "tls"
    credentials = pki.channel_credentials(directory / "ca" / "ca.pem", tls / "tls.pem", tls / "tls-key.pem")
    clock, lock, counts = SystemClock(), threading.Lock(), dict[str, int]()
    ends = time.monotonic() + seconds

    def flood() -> None:
        with grpc.secure_channel(address, credentials, options=pki.channel_options(CLEARINGHOUSE_ID)) as channel:
            stub = cpb_grpc.ClearinghouseStub(channel)
            while time.monotonic() < ends:
                batch = seal(
                    node_id, CLEARINGHOUSE_ID, [], key, batch_id=os.urandom(16), created_at_micros=clock.now_micros()
                )
                try:
                    stub.Exchange(batch, timeout=CALL_SECONDS)
                    outcome = "OK"
                except grpc.RpcError as error:
                    outcome = error.code().name
                with lock:
                    counts[outcome] = counts.get(outcome, 0) + 1

    workers = [threading.Thread(target=flood) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
