"""What the clearinghouse refused, and from which TLS peer (安全事件): one row per kind, peer
and minute with its count, newest first, to be filtered by kind; the split-view claims with
the claiming node's signed header kept as evidence.

Owns this page; the clearinghouse keeps the events (clearinghouse.security) and answers
the read (Bureau.ListSecurityEvents), open to every role of the bureau's staff.
"""

from __future__ import annotations

import grpc
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.bureau.base import BureauPages
from console.calls import Refusal
from timebank.v1 import bureau_pb2

__all__ = ["EVENTS_SHOWN", "KINDS", "SecurityPages"]

EVENTS_SHOWN = 500
# The kinds, in the order the filter offers them (as clearinghouse.security.KINDS names them).
KINDS = (
    "refused_batch",
    "replay",
    "revoked_key",
    "expired_key",
    "unknown_node",
    "suspended_node",
    "split_view_claim",
    "wrong_party",
    "calls_in_progress",
    "call_rate",
    "server_full",
    "no_identity",
)


class SecurityPages:
    def __init__(self, pages: BureauPages) -> None:
        self.pages = pages
        self.calls = pages.calls

    def routes(self) -> list[Route]:
        return [Route("/security", self.pages.signed_in(self.events), methods=["GET"])]

    async def events(self, request: Request, token: str) -> Response:
        kind = request.query_params.get("kind", "")
        wanted = bureau_pb2.ListSecurityEventsRequest(kind=kind, limit=EVENTS_SHOWN)
        message, found = "", []
        try:
            found = list(self.calls.call(self.calls.bureau.ListSecurityEvents, wanted, token).events)
        except Refusal as refusal:
            if refusal.code != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            message = refusal.detail
        return self.pages.render(
            request,
            "bureau/security.html",
            400 if message else 200,
            me=self.pages.account(token),
            events=found,
            kinds=KINDS,
            kind=kind,
            message=message,
            total=sum(event.occurrences for event in found),
            crumbs=["security"],
        )
