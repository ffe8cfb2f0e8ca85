"""The office console's application: its routes, and the dashboard (工作台), the one page
that is not a section of its own (signing in and out, the language and the trail are
console.desk's).

Owns the assembly: the sections console.people, console.hours, console.reports,
console.services, console.state, console.orders, console.disputes, console.alerts and
console.users on their common ground console.office, the phone's pages console.phone,
the static files, and the pages for an unknown address. Every read and write is a call
to the node as the signed-in person; the node decides and refuses, and a form shows its
refusal in place with what was typed.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.alerts import AlertPages
from console.config import ConsoleTable
from console.disputes import DisputePages
from console.hours import HourPages
from console.imports import ImportPages
from console.labels import duration, text
from console.node import NodeCalls
from console.office import Office, Section
from console.orders import OrderPages
from console.people import PeoplePages
from console.phone import PhonePages, phone_routes
from console.reports import ReportPages
from console.services import ServicePages
from console.state import StatePages
from console.users import UserPages
from console.web import HERE, SESSION_COOKIE, BodyLimit
from timebank.credentials import Credential
from timebank.v1 import care_pb2

__all__ = ["SESSION_COOKIE", "Pages", "make_app"]


class Pages(Office):
    """The office's pages, each a call to the node as the signed-in operator."""

    # -- the pages --------------------------------------------------------------------------

    async def dashboard(self, request: Request, token: str) -> Response:
        me = self.account(token)
        care = self.calls.care
        waiting = self.people_of(token, "pending")

        def orders(state: str) -> int:
            wanted = care_pb2.ListOrdersRequest(state=state, limit=1000)
            return len(self.calls.call(care.ListOrders, wanted, token).orders)

        disputes = self.calls.call(care.ListDisputes, care_pb2.ListDisputesRequest(state="open", limit=1000), token)
        figures = self.calls.call(care.GetStatistics, care_pb2.GetStatisticsRequest(), token)
        counts = [
            ("waiting_reviews", str(len(waiting)), "/people?state=pending"),
            ("open_orders", str(orders("open")), "/orders?state=open"),
            ("in_service", str(orders("accepted") + orders("checked-in")), "/orders?state=checked-in"),
            ("open_disputes", str(len(disputes.disputes)), "/disputes?state=open"),
            ("open_alerts", str(figures.open_alerts), "/alerts"),
            ("deposited_today", duration(figures.deposited_today_minutes, text(self.language(request))), "/statistics"),
        ]
        return self.render(request, "dashboard.html", me=me, counts=counts, crumbs=["dashboard"])


def make_app(settings: ConsoleTable, secret: bytes | None = None, credential: Credential | None = None) -> Starlette:
    """The console's web application, calling the node at settings.node with its credential."""
    node = NodeCalls(settings.node, settings.deadline_seconds, credential)
    pages = Pages(settings, node, secret or os.urandom(32))
    phone = PhonePages(pages)
    people = PeoplePages(pages)
    sections: list[Section] = [
        people,
        HourPages(pages, people),
        ReportPages(pages, people),
        ServicePages(pages),
        StatePages(pages),
        OrderPages(pages),
        DisputePages(pages),
        AlertPages(pages),
        ImportPages(pages),
        UserPages(pages),
    ]

    async def not_found(request: Request, error: Exception) -> Response:
        status = getattr(error, "status_code", 404)
        title = "not_found" if status == 404 else "refused"
        message = getattr(error, "detail", "")
        if request.url.path.startswith("/m/"):
            return phone.render(request, "phone/error.html", status, title=title, message=message)
        return pages.render(request, "error.html", status, title=title, message=message)

    routes = [
        *pages.common_routes(),
        Route("/", pages.signed_in(pages.dashboard), methods=["GET"]),
        *(route for section in sections for route in section.routes()),
        *phone_routes(phone),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, middleware=[Middleware(BodyLimit)])
    app.state.node = node
    return app
