"""Every RPC of a node and of the clearinghouse, fed malformed, truncated, extended, random and
oversized bytes: each call gets a specific status and message, never INTERNAL or UNKNOWN, and
no state changes (the books' totals and the log's size are the same before and after).

Seeded (TIMEBANK_FUZZ_SEED), so a failure is replayed by running the test with the same seed.
"""

from __future__ import annotations

import os
import pathlib
import random
from collections import Counter
from collections.abc import Iterator

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor

from nodes.server import RunningNode
from tests.support.city import NODES, make_city
from timebank import pki
from timebank.credentials import Credential, authorized_channel
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.storage import ledger_store
from timebank.translog import size
from timebank.v1 import care_pb2, clearing_pb2, ledger_pb2, log_pb2, operators_pb2

SEED = int(os.environ.get("TIMEBANK_FUZZ_SEED", "7"))
INPUTS_PER_METHOD = 40
RANDOM_BYTES_MAX = 600
CALL_TIMEOUT_SECONDS = 10
# What a refused input may get: a specific refusal, never INTERNAL, UNKNOWN or UNAVAILABLE.
SPECIFIC = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.UNIMPLEMENTED,  # a node's log does not prove transfers: it says to ask the clearinghouse
}
NODE_SERVICES = (
    ledger_pb2.DESCRIPTOR.services_by_name["NodeLedger"],
    log_pb2.DESCRIPTOR.services_by_name["TransparencyLog"],
    care_pb2.DESCRIPTOR.services_by_name["CareDesk"],
    operators_pb2.DESCRIPTOR.services_by_name["OperatorAccounts"],
)
CLEARINGHOUSE_SERVICES = (
    clearing_pb2.DESCRIPTOR.services_by_name["Clearinghouse"],
    clearing_pb2.DESCRIPTOR.services_by_name["Settlement"],
    log_pb2.DESCRIPTOR.services_by_name["TransparencyLog"],
)


def _inputs(request_class: type, generator: random.Random) -> Iterator[tuple[str, bytes]]:
    """Random bytes, a filled-in request truncated, extended or bit-flipped, and the empty request."""
    sample = _filled(request_class(), generator).SerializeToString()
    yield "empty", b""
    for number in range(INPUTS_PER_METHOD):
        kind = number % 4
        if kind == 0:
            yield "random", generator.randbytes(generator.randint(1, RANDOM_BYTES_MAX))
        elif kind == 1 and sample:
            yield "truncated", sample[: generator.randrange(len(sample))]
        elif kind == 2:
            yield "extended", sample + generator.randbytes(generator.randint(1, 40))
        elif sample:
            flipped = bytearray(sample)
            flipped[generator.randrange(len(flipped))] ^= 1 << generator.randrange(8)
            yield "bit-flipped", bytes(flipped)


def _filled(message, generator: random.Random):  # type: ignore[no-untyped-def]
    """Sets every scalar field of message (not nested ones) to a random value of its type."""
    for field in message.DESCRIPTOR.fields:
        if field.is_repeated or field.message_type is not None:
            continue
        if field.type == field.TYPE_BYTES:
            setattr(message, field.name, generator.randbytes(generator.choice((0, 8, 16, 32))))
        elif field.type == field.TYPE_STRING:
            setattr(message, field.name, generator.choice(("", "x", "n1", "清算中心", "a" * 300)))
        elif field.type == field.TYPE_BOOL:
            setattr(message, field.name, generator.random() < 0.5)
        elif field.type == field.TYPE_ENUM:
            setattr(message, field.name, generator.choice(field.enum_type.values).number)
        elif field.cpp_type in (field.CPPTYPE_INT32, field.CPPTYPE_INT64):
            setattr(message, field.name, generator.choice((0, 1, -1, 2**31 - 1)))
        elif field.cpp_type in (field.CPPTYPE_UINT32, field.CPPTYPE_UINT64):
            setattr(message, field.name, generator.choice((0, 1, 2**32 - 1)))
    return message


def _fuzz(channel: grpc.Channel, services: tuple[ServiceDescriptor, ...], generator: random.Random) -> Counter[str]:
    seen: Counter[str] = Counter()
    for service in services:
        for method in service.methods:
            request_class = message_factory.GetMessageClass(method.input_type)
            call = channel.unary_unary(f"/{service.full_name}/{method.name}")  # raw bytes both ways
            for kind, data in _inputs(request_class, generator):
                code, detail = _call(call, data)
                where = f"{service.name}.{method.name} with {kind} bytes {data[:32].hex()}…"
                assert code in SPECIFIC, f"{where}: {code.name} {detail}"
                assert code == grpc.StatusCode.OK or detail, f"{where}: {code.name} with no message"
                seen[code.name] += 1
    return seen


def _call(call, data: bytes) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    try:
        call(data, timeout=CALL_TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        return error.code(), str(error.details() or "")
    return grpc.StatusCode.OK, ""


def _state(engine) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return ledger_store.books_totals(connection), size(connection)


def test_every_node_rpc_refuses_malformed_bytes_specifically(node: RunningNode, administrator: Credential) -> None:
    before = _state(node.books.engine)
    with authorized_channel(grpc.insecure_channel(f"127.0.0.1:{node.port}"), administrator) as channel:
        seen = _fuzz(channel, NODE_SERVICES, random.Random(SEED))
    assert _state(node.books.engine) == before, "a refused input changed the node's books or log"
    assert seen["INVALID_ARGUMENT"] > 0


def test_every_clearinghouse_rpc_refuses_malformed_bytes_specifically(
    city_databases: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """The clearinghouse alone (no node polls it meanwhile), called with a node's TLS identity."""
    test_city = make_city(tmp_path / "city", city_databases)
    try:
        running = test_city.start_clearinghouse()
        engine = running.coordinator.books.engine
        before = _state(engine)
        tls = test_city.directory / "nodes" / NODES[0] / "tls"
        credentials = pki.channel_credentials(
            test_city.directory / "ca" / "ca.pem", tls / "tls.pem", tls / "tls-key.pem"
        )
        address = f"127.0.0.1:{running.port}"
        with grpc.secure_channel(address, credentials, options=pki.channel_options(CLEARINGHOUSE_ID)) as channel:
            seen = _fuzz(channel, CLEARINGHOUSE_SERVICES, random.Random(SEED + 1))
        assert _state(engine) == before, "a refused input changed the clearinghouse's books or log"
        assert seen["INVALID_ARGUMENT"] > 0 and seen["PERMISSION_DENIED"] > 0
    finally:
        test_city.stop()


def test_an_oversized_request_is_refused_with_resource_exhausted(node: RunningNode, administrator: Credential) -> None:
    options = [("grpc.max_send_message_length", -1)]
    with authorized_channel(grpc.insecure_channel(f"127.0.0.1:{node.port}", options=options), administrator) as channel:
        call = channel.unary_unary("/timebank.v1.NodeLedger/CreateAccounts")
        code, detail = _call(call, b"\x0a" + b"\xff" * 5 + b"\x01" + b"\x00" * (33 * 1024 * 1024))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, (code, detail)


def test_bytes_that_are_not_the_request_message_name_it(node: RunningNode, administrator: Credential) -> None:
    with authorized_channel(grpc.insecure_channel(f"127.0.0.1:{node.port}"), administrator) as channel:
        call = channel.unary_unary("/timebank.v1.NodeLedger/SubmitTransfers")
        code, detail = _call(call, b"\x0a\x05\x01")  # field 1 says 5 bytes follow; 1 does
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert detail.startswith("request: not a valid timebank.v1.SubmitTransfersRequest"), detail
