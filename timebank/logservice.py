"""The TransparencyLog gRPC servicer that the clearinghouse and every node serve.

Owns the translation between log.proto requests and the stored log (timebank.translog):
checkpoints (published on demand when the log grew), entries by range, inclusion and
consistency proofs, and a transfer's proof when the party can build one (the
clearinghouse passes a prover; a node has none and answers UNIMPLEMENTED). Errors go
through the one status mapper.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from timebank import logformat, translog
from timebank.books import Books
from timebank.clock import Clock
from timebank.errors import NotFound, RequestInvalid
from timebank.grpc_status import translate_errors
from timebank.v1 import log_pb2 as lpb
from timebank.v1 import log_pb2_grpc as lpb_grpc

__all__ = ["LogService", "Prover", "Publisher"]

Prover = Callable[[int], lpb.TransferProof]


class Publisher:
    """Signs checkpoints of one party's log, each in its own transaction.

    A new checkpoint is signed only when the log grew since the latest one, so asking
    again and again costs a read, not a signature.
    """

    def __init__(self, books: Books, private_key: Ed25519PrivateKey, clock: Clock) -> None:
        self.books = books
        self.private_key = private_key
        self.clock = clock

    def publish(self) -> lpb.SignedCheckpoint:
        with self.books.engine.connect() as connection:
            latest = translog.latest_checkpoint(connection)
            size = translog.size(connection)
        if latest is not None and logformat.checkpoint_body(latest).size == size:
            return latest
        return self.books.write(
            lambda connection: translog.publish(connection, self.private_key, self.clock.now_micros())
        )


class LogService(lpb_grpc.TransparencyLogServicer):
    def __init__(self, engine: Engine, publisher: Publisher, prover: Prover | None = None) -> None:
        self.engine = engine
        self.publisher = publisher
        self.prover = prover

    @translate_errors
    def GetCheckpoint(self, request: lpb.GetCheckpointRequest, context: grpc.ServicerContext) -> lpb.SignedCheckpoint:
        if request.publish:
            return self.publisher.publish()
        with self.engine.connect() as connection:
            latest = translog.latest_checkpoint(connection)
        if latest is None:
            raise NotFound("checkpoint: none published yet; ask with publish set")
        return latest

    @translate_errors
    def ListCheckpoints(
        self, request: lpb.ListCheckpointsRequest, context: grpc.ServicerContext
    ) -> lpb.ListCheckpointsResponse:
        with self.engine.connect() as connection:
            found = translog.checkpoints_after(connection, request.after_size, request.limit or 100)
        return lpb.ListCheckpointsResponse(checkpoints=found)

    @translate_errors
    def GetEntries(self, request: lpb.GetEntriesRequest, context: grpc.ServicerContext) -> lpb.GetEntriesResponse:
        with self.engine.connect() as connection:
            return lpb.GetEntriesResponse(entries=translog.entries(connection, request.start, request.end))

    @translate_errors
    def GetInclusionProof(self, request: lpb.InclusionProofRequest, context: grpc.ServicerContext) -> lpb.ProofResponse:
        with self.engine.connect() as connection:
            return lpb.ProofResponse(hashes=translog.inclusion_proof(connection, request.index, request.tree_size))

    @translate_errors
    def GetConsistencyProof(
        self, request: lpb.ConsistencyProofRequest, context: grpc.ServicerContext
    ) -> lpb.ProofResponse:
        with self.engine.connect() as connection:
            proof = translog.consistency_proof(connection, request.old_size, request.new_size)
        return lpb.ProofResponse(hashes=proof)

    def ProveTransfer(self, request: lpb.ProveTransferRequest, context: grpc.ServicerContext) -> lpb.TransferProof:
        if self.prover is None:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "ProveTransfer: ask the clearinghouse, which decides")
        return self._prove(request, context)

    @translate_errors
    def _prove(self, request: lpb.ProveTransferRequest, context: grpc.ServicerContext) -> lpb.TransferProof:
        if len(request.transfer_id) != 16:
            raise RequestInvalid(f"transfer_id: got {len(request.transfer_id)} bytes, want 16")
        assert self.prover is not None
        return self.prover(int.from_bytes(request.transfer_id, "big"))
