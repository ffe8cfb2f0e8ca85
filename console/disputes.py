"""The office's dispute pages (纠纷处理): the disputes (open ones first), and one dispute
with its order, who opened it and why, and the director's resolution: uphold the service
as checked out, adjust the minutes, or reverse it, with a reason.

Owns these pages; the node decides who may resolve (a director) and refuses anyone else,
naming the role, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office, keyed, page_of, path_id
from timebank import ids
from timebank.v1 import care_pb2

__all__ = ["DECISIONS", "DisputePages"]

DECISIONS = ("uphold", "adjust", "reverse")
DISPUTE_STATES = ("open", "resolved")


class DisputePages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/disputes", signed_in(self.disputes), methods=["GET"]),
            Route("/disputes/{dispute_id}", signed_in(self.dispute), methods=["GET"]),
            Route("/disputes/{dispute_id}/resolve", signed_in(self.resolve), methods=["POST"]),
        ]

    async def disputes(self, request: Request, token: str) -> Response:
        state = request.query_params.get("state", "open")
        state = state if state in DISPUTE_STATES else ""
        wanted = care_pb2.ListDisputesRequest(state=state, limit=1000)
        shown, paging = page_of(self.calls.call(self.calls.care.ListDisputes, wanted, token).disputes, request)
        orders = {d.order_id: self.office.order_of(token, ids.from_bytes(d.order_id, "order_id")) for d in shown}
        return self.office.render(
            request,
            "disputes.html",
            me=self.office.account(token),
            disputes=keyed(shown, "dispute_id"),
            orders=orders,
            names=self.office.names(token, _parties(shown, orders.values())),
            items=self.office.items(token),
            states=DISPUTE_STATES,
            state=state,
            **paging,
            crumbs=["disputes"],
        )

    async def dispute(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        dispute_id = path_id(request, "dispute_id")
        wanted = care_pb2.GetDisputeRequest(dispute_id=ids.to_bytes(dispute_id))
        dispute = self.calls.call(self.calls.care.GetDispute, wanted, token)
        order = self.office.order_of(token, ids.from_bytes(dispute.order_id, "order_id"))
        return self.office.render(
            request,
            "dispute.html",
            400 if message else 200,
            me=self.office.account(token),
            dispute=dispute,
            dispute_hex=ids.to_hex(dispute_id),
            order=order,
            order_hex=ids.to_hex(ids.from_bytes(order.order_id, "order_id")),
            names=self.office.names(token, _parties([dispute], [order])),
            items=self.office.items(token),
            decisions=DECISIONS,
            message=message,
            typed=typed or {},
            crumbs=["disputes", "dispute"],
        )

    async def resolve(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        dispute_id = path_id(request, "dispute_id")
        minutes = form.get("decided_minutes", "").strip() or "0"

        async def again(message: str) -> Response:
            return await self.dispute(request, token, message, form)

        if not minutes.isdigit():
            return await again(f"decided_minutes: got {minutes!r}, want a whole number of minutes, 0 or more")
        resolved = care_pb2.ResolveDisputeRequest(
            dispute_id=ids.to_bytes(dispute_id),
            decision=form.get("decision", ""),
            decided_minutes=int(minutes),
            reason=form.get("reason", ""),
        )

        done = f"/disputes/{ids.to_hex(dispute_id)}"
        return await self.office.change(token, self.calls.care.ResolveDispute, resolved, again, done)


def _parties(disputes: Iterable[care_pb2.Dispute], orders: Iterable[care_pb2.Order]) -> list[bytes]:
    """Whom the disputes' pages name: each opener, and each order's elder and volunteer."""
    return [d.opener_id for d in disputes] + [id_ for o in orders for id_ in (o.elder_id, o.volunteer_id)]
