"""The baselines of `timebank bench`: this machine's own ceilings, measured in the same run.

Owns the figures that bound what the system could reach on this machine and backend:
  raw single-row commits   one INSERT + COMMIT per row on a plain table, through the same
                           engine factory (SQLite WAL with synchronous=FULL, or PostgreSQL)
  raw batched rows         rows inserted in one transaction with executemany
  gRPC round trips         unary health Check calls over loopback, one client thread
  gRPC streaming           messages of STREAM_MESSAGE_BYTES received by one client from a
                           server-streaming method over loopback (raw bytes, no protobuf)
  Ed25519, SHA-256         signatures, verifications and hashes of one 200-byte message
and the plain table of the raw baselines (RAW_METADATA), which the runner drops at the end.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from typing import Any

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert

from city.bench.measure import (
    DEADLINE_SECONDS,
    LOOPBACK,
    MEMBER_ID_BASE,
    BenchFailed,
    Figure,
    Sizes,
    TimedRun,
    Workload,
    measure,
    serving_on_loopback,
)
from timebank import ids
from timebank.storage.engine import create_database_engine

__all__ = [
    "ed25519_signatures",
    "ed25519_verifications",
    "grpc_round_trips",
    "health_server",
    "HEALTH_WORKERS",
    "measure_baselines",
    "measure_streaming",
    "MESSAGE",
    "raw_batched_rows",
    "RAW_METADATA",
    "RAW_ROWS",
    "raw_single_row_commits",
    "sha256_hashes",
    "STREAM_DEADLINE_SECONDS",
    "STREAM_MESSAGE_BYTES",
    "STREAM_METHOD",
    "stream_server",
    "STREAM_SERVICE",
    "STREAM_WORKERS",
    "streamed_messages",
]

HEALTH_WORKERS = 4
MESSAGE = bytes(range(200))  # the 200-byte message of the signature and hash baselines
STREAM_MESSAGE_BYTES = 200
STREAM_WORKERS = 2
STREAM_DEADLINE_SECONDS = 60.0
STREAM_SERVICE, STREAM_METHOD = "city.bench.runner.Stream", "Messages"

# The plain table of the raw baselines, about as wide as a transfer's essentials.
RAW_METADATA = MetaData()
RAW_ROWS = Table(
    "bench_raw_rows",
    RAW_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("account_id", String(32), nullable=False),
    Column("amount_minutes", Integer, nullable=False),
    Column("memo", String(200), nullable=False),
)


def raw_single_row_commits(engine: Engine, row_ids: Iterator[int], count: int) -> Workload:
    def prepare() -> TimedRun:
        rows = _raw_rows(row_ids, count)
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for row in rows:
                with engine.begin() as connection:
                    connection.execute(statement, row)
            return len(rows)

        return timed_run

    return prepare


def raw_batched_rows(engine: Engine, row_ids: Iterator[int], rows_per_transaction: int, transactions: int) -> Workload:
    def prepare() -> TimedRun:
        batches = [_raw_rows(row_ids, rows_per_transaction) for _ in range(transactions)]
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for batch in batches:
                with engine.begin() as connection:
                    connection.execute(statement, batch)  # a list of rows: executemany
            return rows_per_transaction * transactions

        return timed_run

    return prepare


def _raw_rows(row_ids: Iterator[int], count: int) -> list[dict[str, Any]]:
    return [
        {"id": row_id, "account_id": ids.to_hex(MEMBER_ID_BASE + row_id), "amount_minutes": 1, "memo": ""}
        for row_id in itertools.islice(row_ids, count)
    ]


def grpc_round_trips(stub: health_pb2_grpc.HealthStub, count: int) -> Workload:
    def prepare() -> TimedRun:
        request = health_pb2.HealthCheckRequest()

        def timed_run() -> int:
            statuses = [stub.Check(request, timeout=DEADLINE_SECONDS).status for _ in range(count)]
            if any(status != health_pb2.HealthCheckResponse.SERVING for status in statuses):
                raise BenchFailed("the health servicer answered other than SERVING")
            return count

        return timed_run

    return prepare


def ed25519_signatures(count: int) -> Workload:
    def prepare() -> TimedRun:
        private_key = Ed25519PrivateKey.generate()

        def timed_run() -> int:
            for _ in range(count):
                private_key.sign(MESSAGE)
            return count

        return timed_run

    return prepare


def ed25519_verifications(count: int) -> Workload:
    def prepare() -> TimedRun:
        private_key = Ed25519PrivateKey.generate()
        public_key, signature = private_key.public_key(), private_key.sign(MESSAGE)

        def timed_run() -> int:
            for _ in range(count):
                public_key.verify(signature, MESSAGE)  # raises InvalidSignature if it does not verify
            return count

        return timed_run

    return prepare


def sha256_hashes(count: int) -> Workload:
    def prepare() -> TimedRun:
        def timed_run() -> int:
            for _ in range(count):
                hashlib.sha256(MESSAGE).digest()
            return count

        return timed_run

    return prepare


@contextmanager
def health_server() -> Iterator[int]:
    """A trivial gRPC server (the standard health service) on loopback; yields its port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=HEALTH_WORKERS))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    with serving_on_loopback(server) as port:
        yield port


def measure_baselines(database_url: str, sizes: Sizes) -> tuple[Figure, ...]:
    engine = create_database_engine(database_url)
    row_ids = itertools.count(1)
    try:
        RAW_METADATA.create_all(engine)
        commits = measure(
            "raw_single_row_commits_per_second",
            "raw single-row commits",
            raw_single_row_commits(engine, row_ids, sizes.raw_single_row_commits),
            sizes.repetitions,
        )
        rows_per_transaction = sizes.raw_batched_rows_per_transaction
        batched = measure(
            "raw_batched_rows_per_second",
            f"raw batched rows ({rows_per_transaction:,} a transaction)",
            raw_batched_rows(engine, row_ids, sizes.raw_batched_rows_per_transaction, sizes.raw_batched_transactions),
            sizes.repetitions,
        )
        RAW_METADATA.drop_all(engine)
    finally:
        engine.dispose()
    with health_server() as port, grpc.insecure_channel(f"{LOOPBACK}:{port}") as channel:
        round_trips = measure(
            "grpc_round_trips_per_second",
            "gRPC unary round trips",
            grpc_round_trips(health_pb2_grpc.HealthStub(channel), sizes.grpc_round_trips),
            sizes.repetitions,
        )
    signatures = measure(
        "ed25519_signatures_per_second",
        "Ed25519 signatures (200 bytes)",
        ed25519_signatures(sizes.ed25519_signatures),
        sizes.repetitions,
    )
    verifications = measure(
        "ed25519_verifications_per_second",
        "Ed25519 verifications (200 bytes)",
        ed25519_verifications(sizes.ed25519_verifications),
        sizes.repetitions,
    )
    hashes = measure(
        "sha256_hashes_per_second",
        "SHA-256 hashes (200 bytes)",
        sha256_hashes(sizes.sha256_hashes),
        sizes.repetitions,
    )
    return commits, batched, round_trips, signatures, verifications, hashes


# -- gRPC streaming ------------------------------------------------------------------------


def _identity(data: bytes) -> bytes:
    return data


@contextmanager
def stream_server() -> Iterator[int]:
    """A loopback server with one server-streaming method: a request of N (8 bytes) gets N messages."""
    message = bytes(range(STREAM_MESSAGE_BYTES))

    def messages(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        for _ in range(int.from_bytes(request, "big")):
            yield message

    handler = grpc.method_handlers_generic_handler(
        STREAM_SERVICE,
        {
            STREAM_METHOD: grpc.unary_stream_rpc_method_handler(
                messages, request_deserializer=_identity, response_serializer=_identity
            )
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=STREAM_WORKERS))
    server.add_generic_rpc_handlers((handler,))
    with serving_on_loopback(server) as port:
        yield port


def streamed_messages(channel: grpc.Channel, count: int) -> Workload:
    method = channel.unary_stream(
        f"/{STREAM_SERVICE}/{STREAM_METHOD}", request_serializer=_identity, response_deserializer=_identity
    )

    def prepare() -> TimedRun:
        request = count.to_bytes(8, "big")

        def timed_run() -> int:
            received = sum(1 for _ in method(request, timeout=STREAM_DEADLINE_SECONDS))
            if received != count:
                raise BenchFailed(f"the stream sent {received} messages, want {count}")
            return count

        return timed_run

    return prepare


def measure_streaming(sizes: Sizes) -> Figure:
    with stream_server() as port, grpc.insecure_channel(f"{LOOPBACK}:{port}") as channel:
        return measure(
            "grpc_streamed_messages_per_second",
            f"gRPC server-streamed messages ({STREAM_MESSAGE_BYTES} bytes)",
            streamed_messages(channel, sizes.grpc_streamed_messages),
            sizes.repetitions,
        )
