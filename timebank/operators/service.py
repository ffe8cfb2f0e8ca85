"""The OperatorAccounts servicer: operators.proto's calls, each mapped to the desk.

Owns the edge: the session token from the call's metadata (`authorization: Bearer
<token>`), the messages in and out, and nothing else; the rules and the writes are the
desk's. Errors become status codes in timebank.grpc_status.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from timebank.errors import VerificationError
from timebank.grpc_status import translate_errors
from timebank.operators.desk import Operators
from timebank.operators.records import Account
from timebank.v1 import operators_pb2 as pb
from timebank.v1 import operators_pb2_grpc as pb_grpc

__all__ = ["OperatorAccountsService", "account_message", "session_token"]

Context = grpc.ServicerContext
BEARER = "bearer "
ENABLED = {
    pb.UpdateAccountRequest.ENABLED_UNCHANGED: None,
    pb.UpdateAccountRequest.ENABLED_ENABLE: False,
    pb.UpdateAccountRequest.ENABLED_DISABLE: True,
}


def session_token(context: Context) -> str:
    """The session token a call carries ("" if none)."""
    for key, value in context.invocation_metadata():
        if key == "authorization" and isinstance(value, str) and value.lower().startswith(BEARER):
            return value[len(BEARER) :].strip()
    return ""


def account_message(account: Account) -> pb.OperatorAccount:
    return pb.OperatorAccount(
        username=account.username,
        display_name=account.display_name,
        roles=sorted(role.value for role in account.roles),
        disabled=account.disabled,
        locked_until_micros=account.locked_until_micros,
        created_at_micros=account.created_at_micros,
        password_changed_at_micros=account.password_changed_at_micros,
    )


class OperatorAccountsService(pb_grpc.OperatorAccountsServicer):
    """admit: refuses (raising a TimebankError) a transport peer that may not use the accounts
    at all, before anything else: at the clearinghouse, a certificate other than the bureau's
    or an auditor's; at a node, nothing (its operator port is loopback only)."""

    def __init__(self, operators: Operators, admit: Callable[[Context], None] = lambda context: None) -> None:
        self.operators = operators
        self.admit = admit

    def caller(self, context: Context) -> Account:
        """The account the call's session admits; UNAUTHENTICATED without a valid session."""
        self.admit(context)
        token = session_token(context)
        if not token:
            raise VerificationError("session: this call needs `authorization: Bearer <token>` from Login")
        return self.operators.authenticate(token)

    @translate_errors
    def Login(self, request: pb.LoginRequest, context: Context) -> pb.LoginResponse:
        self.admit(context)
        token, account = self.operators.login(request.username, request.password)
        return pb.LoginResponse(session_token=token, account=account_message(account))

    @translate_errors
    def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        self.admit(context)
        token = session_token(context)
        if token:
            self.operators.logout(token)
        return pb.LogoutResponse()

    @translate_errors
    def WhoAmI(self, request: pb.WhoAmIRequest, context: Context) -> pb.OperatorAccount:
        return account_message(self.caller(context))

    @translate_errors
    def ChangePassword(self, request: pb.ChangePasswordRequest, context: Context) -> pb.ChangePasswordResponse:
        self.operators.change_password(self.caller(context), request.old_password, request.new_password)
        return pb.ChangePasswordResponse()

    @translate_errors
    def CreateAccount(self, request: pb.CreateAccountRequest, context: Context) -> pb.OperatorAccount:
        account = self.operators.create_account(
            self.caller(context), request.username, request.display_name, request.password, list(request.roles)
        )
        return account_message(account)

    @translate_errors
    def UpdateAccount(self, request: pb.UpdateAccountRequest, context: Context) -> pb.OperatorAccount:
        account = self.operators.update_account(
            self.caller(context),
            request.username,
            roles=list(request.roles),
            disabled=ENABLED.get(request.enabled),
            password=request.new_password,
        )
        return account_message(account)

    @translate_errors
    def ListAccounts(self, request: pb.ListAccountsRequest, context: Context) -> pb.ListAccountsResponse:
        accounts = self.operators.accounts(self.caller(context))
        return pb.ListAccountsResponse(accounts=[account_message(account) for account in accounts])

    @translate_errors
    def ListTrail(self, request: pb.ListTrailRequest, context: Context) -> pb.ListTrailResponse:
        entries = self.operators.trail(self.caller(context), request.after_sequence, request.limit or 100)
        return pb.ListTrailResponse(
            entries=[
                pb.TrailEntry(
                    sequence=entry.sequence,
                    at_micros=entry.at_micros,
                    username=entry.username,
                    kind=str(entry.kind),
                    operation=entry.operation,
                    detail=entry.detail,
                )
                for entry in entries
            ]
        )
