"""The exception tree of the project. One root, few leaves, each with one gRPC status.

    TimebankError                 root: every error the project raises on purpose
    ├── RequestInvalid            a malformed request as a whole (INVALID_ARGUMENT)
    ├── BatchTooLarge             more items than the configured maximum (RESOURCE_EXHAUSTED)
    ├── NotFound                  a named account or transfer does not exist (NOT_FOUND)
    ├── ItemRefused               one item refused by a ledger rule; carries its Outcome
    ├── LedgerHalted              the books stopped balancing; all writes refused (DATA_LOSS)
    ├── StorageUnavailable        the database cannot be reached (UNAVAILABLE)
    ├── ConfigError               a configuration key is missing or wrong (names the key)
    ├── NotNow                    the state forbids it: not approved, already confirmed, too
    │                             young, an expired qualification (FAILED_PRECONDITION)
    ├── AlreadyExists             an id that exists with a different body (ALREADY_EXISTS)
    ├── OutOfStock                a points-mall item has too little stock (RESOURCE_EXHAUSTED)
    ├── Throttled                 too many attempts: an account locked after failed logins
    │                             (RESOURCE_EXHAUSTED)
    └── VerificationError         a signature, key, proof or identity does not verify
        │                         (UNAUTHENTICATED)
        └── NotPermitted          a verified party may not do this now, e.g. a suspended
                                  node (PERMISSION_DENIED)

The mapping to gRPC status codes lives in timebank.grpc_status, nowhere else.
"""

from __future__ import annotations

from timebank.ledger.model import Outcome

__all__ = [
    "AlreadyExists",
    "BatchTooLarge",
    "ConfigError",
    "ItemRefused",
    "LedgerHalted",
    "NotFound",
    "NotNow",
    "NotPermitted",
    "OutOfStock",
    "RequestInvalid",
    "StorageUnavailable",
    "Throttled",
    "TimebankError",
    "TrafficStopped",
    "VerificationError",
]


class TimebankError(Exception):
    """Root of the project's errors. str() is the message shown to the caller."""


class RequestInvalid(TimebankError):
    pass


class BatchTooLarge(TimebankError):
    pass


class NotFound(TimebankError):
    pass


class ItemRefused(TimebankError):
    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome


class LedgerHalted(TimebankError):
    pass


class StorageUnavailable(TimebankError):
    pass


class ConfigError(TimebankError):
    pass


class NotNow(TimebankError):
    """The request is well formed but the state of what it names forbids it."""


class AlreadyExists(TimebankError):
    pass


class OutOfStock(TimebankError):
    pass


class Throttled(TimebankError):
    """Too many attempts in too short a time; the message says until when."""


class VerificationError(TimebankError):
    """Raised by every verification; verification never returns a bool."""


class TrafficStopped(TimebankError):
    """Cross-node traffic is stopped by an open alarm (e.g. a split view) until an operator clears it."""


class NotPermitted(VerificationError):
    pass
