"""The one place that maps the project's errors and outcomes to gRPC status codes.

Nothing escapes a servicer as UNKNOWN: `translate_errors` turns every TimebankError
into its status with the error's message, and anything unexpected into INTERNAL with a
reference the operator can find in the log.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import grpc

from timebank.errors import (
    BatchTooLarge,
    ConfigError,
    ItemRefused,
    LedgerHalted,
    NotFound,
    NotPermitted,
    RequestInvalid,
    StorageUnavailable,
    TimebankError,
    TrafficStopped,
    VerificationError,
)
from timebank.ledger.model import Outcome

log = logging.getLogger(__name__)

OUTCOME_STATUS: dict[Outcome, grpc.StatusCode] = {
    Outcome.OK: grpc.StatusCode.OK,
    Outcome.EXISTS: grpc.StatusCode.OK,
    Outcome.INVALID: grpc.StatusCode.INVALID_ARGUMENT,
    Outcome.EXISTS_WITH_DIFFERENT_BODY: grpc.StatusCode.ALREADY_EXISTS,
    Outcome.ID_ALREADY_REFUSED: grpc.StatusCode.ALREADY_EXISTS,
    Outcome.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Outcome.ACCOUNT_CLOSED: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.PENDING_ALREADY_RESOLVED: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.EXCEEDS_ORIGINAL: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.OVERFLOW: grpc.StatusCode.OUT_OF_RANGE,
    Outcome.EXCEEDS_FLOOR: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.EXCEEDS_CAP: grpc.StatusCode.FAILED_PRECONDITION,
    Outcome.LINKED_EVENT_FAILED: grpc.StatusCode.ABORTED,
}

ERROR_STATUS: dict[type[TimebankError], grpc.StatusCode] = {
    RequestInvalid: grpc.StatusCode.INVALID_ARGUMENT,
    BatchTooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    NotFound: grpc.StatusCode.NOT_FOUND,
    LedgerHalted: grpc.StatusCode.DATA_LOSS,
    StorageUnavailable: grpc.StatusCode.UNAVAILABLE,
    ConfigError: grpc.StatusCode.FAILED_PRECONDITION,
    TrafficStopped: grpc.StatusCode.FAILED_PRECONDITION,
    NotPermitted: grpc.StatusCode.PERMISSION_DENIED,  # before its parent: first match wins
    VerificationError: grpc.StatusCode.UNAUTHENTICATED,
}


def status_of(error: TimebankError) -> grpc.StatusCode:
    if isinstance(error, ItemRefused):
        return OUTCOME_STATUS[error.outcome]
    for kind, code in ERROR_STATUS.items():
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


F = TypeVar("F", bound=Callable[..., Any])


def translate_errors(method: F) -> F:
    """Wraps a servicer method so that every failure leaves with a specific status."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except TimebankError as error:
            _abort(context, status_of(error), str(error))
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("internal error %s in %s", reference, method.__name__)
            _abort(context, grpc.StatusCode.INTERNAL, f"internal error, reference {reference}")

    return wrapper  # type: ignore[return-value]


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("context.abort returns only by raising")
