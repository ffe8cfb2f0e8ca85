"""The guard in front of a servicer: a call with a session is admitted only with a role
its method allows, and is made as that account; a call without one is the host
administrator's (the node's operator port listens on loopback only).

Owns, for each method of a service: reading the session from the call's metadata,
refusing (UNAUTHENTICATED, or PERMISSION_DENIED naming the roles, with a `refused` row
in the trail) before anything runs, putting the account's username in the request's
`operator` field where it has one (so records name who really acted, not a typed name),
running the call as that account (`timebank.operators.acting`), and an `action` row in the
trail after a change that succeeded (with what `describe` says of its request: by default
nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from timebank.errors import NotPermitted
from timebank.grpc_status import translate_errors
from timebank.operators.acting import acting_as
from timebank.operators.desk import Operators
from timebank.operators.records import Account, Role, TrailKind
from timebank.operators.service import session_token

__all__ = ["Guarded", "reads_of"]

Call = Callable[[Any, grpc.ServicerContext], Any]


def reads_of(service: ServiceDescriptor, changes: frozenset[str]) -> frozenset[str]:
    """The methods of service that change nothing: every one not in changes."""
    return frozenset(method.name for method in service.methods if method.name not in changes)


class Guarded:
    """servicer's methods of service, each behind the guard; roles names every method's roles."""

    def __init__(
        self,
        servicer: object,
        service: ServiceDescriptor,
        operators: Operators,
        roles: Mapping[str, frozenset[Role]],
        reads: frozenset[str],
        describe: Callable[[str, Any], str] = lambda name, request: "",
    ) -> None:
        self.operators = operators
        self.describe = describe
        unguarded = sorted(method.name for method in service.methods if method.name not in roles)
        if unguarded:
            raise ValueError(f"roles: {service.full_name} methods without roles: {unguarded}")
        for method in service.methods:
            call = getattr(servicer, method.name)
            setattr(self, method.name, self._guard(method.name, call, roles[method.name], method.name not in reads))

    def _guard(self, name: str, call: Call, allowed: frozenset[Role], change: bool) -> Call:
        operators = self.operators

        @translate_errors
        def admit(_: object, request: Any, context: grpc.ServicerContext) -> Account:
            account = operators.authenticate(session_token(context))
            try:
                operators.require(account, name, allowed)
            except NotPermitted as refused:
                detail = str(refused)
                operators.books.write(
                    lambda connection: operators.record(connection, account, TrailKind.REFUSED, name, detail)
                )
                raise
            return account

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            if not session_token(context):
                return call(request, context)
            account = admit(self, request, context)
            if "operator" in request.DESCRIPTOR.fields_by_name:
                request.operator = account.username
            with acting_as(account.username):
                response = call(request, context)
            if change:
                detail = self.describe(name, request)
                operators.books.write(
                    lambda connection: operators.record(connection, account, TrailKind.ACTION, name, detail)
                )
            return response

        return guarded
