"""The console's application: its routes, and the office's pages that are not a section of
their own: signing in and out (the sign-in form's CSRF is a cookie-and-field pair), the
language, the dashboard (工作台), and the action trail with its export.

Owns the assembly: the sections console.people, console.hours, console.reports,
console.services, console.state, console.orders, console.disputes, console.alerts and
console.users on their common ground console.office, the phone's pages console.phone,
the static files, and the pages for an unknown address. Every read and write is a call
to the node as the signed-in person; the node decides and refuses, and a form shows its
refusal in place with what was typed.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.alerts import AlertPages
from console.config import ConsoleTable
from console.disputes import DisputePages
from console.hours import HourPages
from console.labels import LANGUAGES, duration, text
from console.node import NodeCalls, Refusal
from console.office import Office, Section
from console.orders import OrderPages
from console.people import PeoplePages
from console.phone import PhonePages, phone_routes
from console.reports import ReportPages
from console.services import ServicePages
from console.state import StatePages
from console.users import UserPages
from console.web import HERE, LANGUAGE_COOKIE, SESSION_COOKIE, csv_download
from timebank.v1 import care_pb2, operators_pb2

__all__ = ["SESSION_COOKIE", "Pages", "make_app"]

LOGIN_CSRF_COOKIE = "tb_login_csrf"
PAGE_SIZE = 20
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class Pages(Office):
    """The office's pages, each a call to the node as the signed-in operator."""

    # -- sign-in ----------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        return self._login_form(request, "", "expired" if request.query_params.get("expired") else "")

    def _login_form(self, request: Request, username: str, message: str, status_code: int = 200) -> Response:
        pair = secrets.token_hex(16)
        response = self.render(request, "login.html", status_code, username=username, message=message, login_csrf=pair)
        self.cookie(response, LOGIN_CSRF_COOKIE, pair, max_age=3600)
        return response

    async def login(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        pair = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not pair or not hmac.compare_digest(form.get("login_csrf", ""), pair):
            return self._login_form(request, form.get("username", ""), "csrf: reload the page and sign in again", 403)
        try:
            answer = self.node.call(
                self.node.operators.Login,
                operators_pb2.LoginRequest(username=form.get("username", ""), password=form.get("password", "")),
            )
        except Refusal as refusal:
            return self._login_form(request, form.get("username", ""), refusal.detail, 401)
        response = RedirectResponse("/", status_code=303)
        self.cookie(response, SESSION_COOKIE, answer.session_token)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    async def logout(self, request: Request, token: str) -> Response:
        await self.checked_form(request)
        self.node.call(self.node.operators.Logout, operators_pb2.LogoutRequest(), token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def switch_language(self, request: Request) -> Response:
        chosen = request.query_params.get("to", "zh")
        back = request.headers.get("referer", "/")
        response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)
        response.set_cookie(LANGUAGE_COOKIE, chosen if chosen in LANGUAGES else "zh", samesite="strict", path="/")
        return response

    # -- the pages --------------------------------------------------------------------------

    async def dashboard(self, request: Request, token: str) -> Response:
        me = self.account(token)
        care = self.node.care
        waiting = self.people_of(token, "pending")

        def orders(state: str) -> int:
            wanted = care_pb2.ListOrdersRequest(state=state, limit=1000)
            return len(self.node.call(care.ListOrders, wanted, token).orders)

        disputes = self.node.call(care.ListDisputes, care_pb2.ListDisputesRequest(state="open", limit=1000), token)
        figures = self.node.call(care.GetStatistics, care_pb2.GetStatisticsRequest(), token)
        counts = [
            ("waiting_reviews", str(len(waiting)), "/people?state=pending"),
            ("open_orders", str(orders("open")), "/orders?state=open"),
            ("in_service", str(orders("accepted") + orders("checked-in")), "/orders?state=checked-in"),
            ("open_disputes", str(len(disputes.disputes)), "/disputes?state=open"),
            ("open_alerts", str(figures.open_alerts), "/alerts"),
            ("deposited_today", duration(figures.deposited_today_minutes, text(self.language(request))), "/statistics"),
        ]
        return self.render(request, "dashboard.html", me=me, counts=counts, crumbs=["dashboard"])

    async def trail(self, request: Request, token: str) -> Response:
        me = self.account(token)
        entries = self.node.call(
            self.node.operators.ListTrail, operators_pb2.ListTrailRequest(limit=1000), token
        ).entries
        if request.query_params.get("format") == "csv":
            header = ["sequence", "at_micros", "username", "kind", "operation", "detail"]
            rows = [[e.sequence, e.at_micros, e.username, e.kind, e.operation, e.detail] for e in entries]
            return csv_download("trail.csv", header, rows)
        return self.render(request, "trail.html", me=me, entries=list(reversed(entries)), crumbs=["trail"])


def make_app(settings: ConsoleTable, secret: bytes | None = None) -> Starlette:
    """The console's web application, calling the node at settings.node."""
    node = NodeCalls(settings.node, settings.deadline_seconds)
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
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.signed_in(pages.logout), methods=["POST"]),
        Route("/language", pages.switch_language, methods=["GET"]),
        Route("/", pages.signed_in(pages.dashboard), methods=["GET"]),
        *(route for section in sections for route in section.routes()),
        Route("/trail", pages.signed_in(pages.trail), methods=["GET"]),
        *phone_routes(phone),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.state.node = node
    return app
