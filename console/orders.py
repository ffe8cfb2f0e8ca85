"""The office's order pages (订单管理): the list, publishing an elder's demand (the office
takes it by phone or at the desk), one order with its timeline, the volunteers proposed for
an open demand and giving it to one, and the order's check-in and check-out codes as QR
codes to show at the elder's home or print.

Owns these pages and reading the form's local date and time into the node's microseconds
(at the office's offset from UTC). The publishing form carries its order's id, so a form
sent twice publishes once.
"""

from __future__ import annotations

import datetime
import secrets
import urllib.parse
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office, keyed, page_of, path_id, submitted_id
from console.qr import qr_svg
from timebank import ids
from timebank.v1 import care_pb2

__all__ = ["ORDER_STATES", "OrderPages", "WindowProblem", "window_micros"]

ORDER_STATES = ("open", "accepted", "checked-in", "checked-out", "confirmed", "disputed", "resolved", "cancelled")
CODE_STATES = {"accepted": "check-in", "checked-in": "check-out"}
MINUTES_MAX = 24 * 60
CANDIDATES_SHOWN = 10


class WindowProblem(ValueError):
    """The form's window is not a date, a time and a length; the message names the field."""


def window_micros(day: str, start: str, minutes: str, utc_offset_hours: int) -> tuple[int, int]:
    """A service window from the form (YYYY-MM-DD, HH:MM local, a length in minutes), in
    microseconds since the epoch; WindowProblem naming the field otherwise."""
    zone = datetime.timezone(datetime.timedelta(hours=utc_offset_hours))
    try:
        begins = datetime.datetime.strptime(f"{day} {start}", "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        raise WindowProblem(f"window: got {day!r} {start!r}, want a date (YYYY-MM-DD) and a time (HH:MM)") from None
    if not minutes.isdigit() or not 1 <= int(minutes) <= MINUTES_MAX:
        raise WindowProblem(f"minutes: got {minutes!r}, want a whole number of minutes, 1 to {MINUTES_MAX}")
    start_micros = int(begins.timestamp()) * 1_000_000
    return start_micros, start_micros + int(minutes) * 60_000_000


class OrderPages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/orders", signed_in(self.orders), methods=["GET"]),
            Route("/orders", signed_in(self.publish), methods=["POST"]),
            Route("/orders/new", signed_in(self.publish_page), methods=["GET"]),
            Route("/orders/{order_id}", signed_in(self.order), methods=["GET"]),
            Route("/orders/{order_id}/accept", signed_in(self.accept), methods=["POST"]),
            Route("/orders/{order_id}/code", signed_in(self.code), methods=["GET"]),
        ]

    async def orders(self, request: Request, token: str) -> Response:
        state = request.query_params.get("state", "")
        wanted = care_pb2.ListOrdersRequest(state=state, limit=1000)
        found = self.calls.call(self.calls.care.ListOrders, wanted, token).orders
        shown, paging = page_of(found, request)
        return self.office.render(
            request,
            "orders.html",
            me=self.office.account(token),
            orders=keyed(shown, "order_id"),
            names=self.office.names(token, _parties(shown)),
            items=self.office.items(token),
            states=ORDER_STATES,
            state=state,
            **paging,
            crumbs=["orders"],
        )

    async def publish_page(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        """The form of an elder's demand, taken by the office (on a page of its own: it lists
        the approved elders)."""
        typed = typed or {}
        return self.office.render(
            request,
            "publish.html",
            400 if message else 200,
            me=self.office.account(token),
            items=self.office.items(token),
            elders=keyed(self.office.people_of(token, "approved", "elder"), "person_id"),
            message=message,
            typed=typed,
            new_order_id=typed.get("new_order_id") or secrets.token_hex(16),
            crumbs=["orders", "publish_demand"],
        )

    async def publish(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        order_id = submitted_id(form, "new_order_id")

        async def again(message: str) -> Response:
            return await self.publish_page(request, token, message, form)

        try:
            start, end = window_micros(
                form.get("day", ""),
                form.get("start", ""),
                form.get("minutes", ""),
                self.office.settings.utc_offset_hours,
            )
        except WindowProblem as problem:
            return await again(str(problem))
        elder_id = ids.parse_text(form.get("elder_id", ""))
        published = care_pb2.PublishDemandRequest(
            order_id=ids.to_bytes(order_id),
            elder_id=ids.to_bytes(elder_id or 0),
            acting_person_id=ids.to_bytes(elder_id or 0),  # the office takes the elder's own demand
            item_code=form.get("item_code", ""),
            window_start_micros=start,
            window_end_micros=end,
            place=form.get("place", ""),
            notes=form.get("notes", ""),
            paid_by=form.get("paid_by", ""),
        )
        done = f"/orders/{ids.to_hex(order_id)}"
        return await self.office.change(token, self.calls.care.PublishDemand, published, again, done)

    async def order(self, request: Request, token: str, message: str = "") -> Response:
        order_id = path_id(request, "order_id")
        order = self.office.order_of(token, order_id)
        candidates = []
        if order.state == "open":
            wanted = care_pb2.MatchDemandRequest(order_id=ids.to_bytes(order_id), limit=CANDIDATES_SHOWN)
            candidates = list(self.calls.call(self.calls.care.MatchDemand, wanted, token).candidates)
        disputes = self.calls.call(
            self.calls.care.ListDisputes, care_pb2.ListDisputesRequest(order_id=ids.to_bytes(order_id)), token
        ).disputes
        return self.office.render(
            request,
            "order.html",
            400 if message else 200,
            me=self.office.account(token),
            order=order,
            order_hex=ids.to_hex(order_id),
            names=self.office.names(token, _parties([order])),
            items=self.office.items(token),
            candidates=candidates,
            dispute=disputes[0] if disputes else None,
            code_purpose=CODE_STATES.get(order.state, ""),
            message=message,
            crumbs=["orders", "order"],
        )

    async def accept(self, request: Request, token: str) -> Response:
        """Gives the open demand to the volunteer chosen among those proposed."""
        form = await self.office.checked_form(request)
        order_id = path_id(request, "order_id")
        accepted = care_pb2.AcceptDemandRequest(
            order_id=ids.to_bytes(order_id), volunteer_id=ids.to_bytes(submitted_id(form, "volunteer_id"))
        )

        async def again(message: str) -> Response:
            return await self.order(request, token, message)

        done = f"/orders/{ids.to_hex(order_id)}"
        return await self.office.change(token, self.calls.care.AcceptDemand, accepted, again, done)

    async def code(self, request: Request, token: str) -> Response:
        """A check-in or check-out code of an accepted order, as a QR code the volunteer's
        phone camera opens, to show on a screen at the elder's home or to print."""
        order_id = path_id(request, "order_id")
        purpose = request.query_params.get("purpose", "check-in")
        wanted = care_pb2.IssueCodeRequest(order_id=ids.to_bytes(order_id), purpose=purpose)
        issued = self.calls.call(self.calls.care.IssueCode, wanted, token)
        order = self.office.order_of(token, order_id)
        url = f"{self.office.phone_url(request)}/m/scan?{urllib.parse.urlencode({'code': issued.code})}"
        return self.office.render(
            request,
            "code.html",
            me=self.office.account(token),
            order=order,
            order_hex=ids.to_hex(order_id),
            purpose=purpose,
            expires_at_micros=issued.expires_at_micros,
            qr=qr_svg(url, title=purpose),
            url=url,
            names=self.office.names(token, _parties([order])),
            items=self.office.items(token),
            crumbs=["orders", "order", "scan-" + purpose],
        )


def _parties(orders: Iterable[care_pb2.Order]) -> list[bytes]:
    """Whom the orders' rows name: each elder, volunteer and publisher."""
    return [person for order in orders for person in (order.elder_id, order.volunteer_id, order.publisher_id)]
