"""The office's pages and the application's routes: sign-in, the dashboard (工作台), people
and their review, one person (their hours and orders, setting their phone PIN, their
printed QR card), orders and one order (its timeline, its check-in and check-out codes as
QR codes), the action trail with its export, and users and roles.

Owns the office's session cookie (the node's session token), its CSRF checks (on every
form; before sign-in, a cookie-and-field pair), and the pages for an ended session, a
missing role and an unknown page; the web edge they stand on is console.web. Every read and write
is a call to the node as the signed-in person; the node decides and refuses, and a form
shows its refusal in place with what was typed.
"""

from __future__ import annotations

import csv
import hmac
import io
import os
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.config import ConsoleTable
from console.labels import LANGUAGES
from console.node import UNREACHABLE, NodeCalls, Refusal
from console.phone import PhonePages, phone_routes
from console.qr import qr_svg
from console.web import HERE, LANGUAGE_COOKIE, SESSION_COOKIE, Edge
from timebank import ids
from timebank.v1 import care_pb2, operators_pb2, personal_pb2

__all__ = ["PAGE_SIZE", "SESSION_COOKIE", "Pages", "make_app"]

LOGIN_CSRF_COOKIE = "tb_login_csrf"
PAGE_SIZE = 20
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class Pages(Edge):
    """The office's pages, each a call to the node as the signed-in operator."""

    async def checked_form(self, request: Request) -> dict[str, str]:
        """The form of a signed-in POST, after its CSRF token is checked (403 if wrong)."""
        token = request.cookies.get(SESSION_COOKIE, "")
        return await self.form_checked(request, self.csrf_of(token) if token else "", "this session")

    def signed_in(self, handler: Callable[[Request, str], Awaitable[Response]]) -> Handler:
        """A page for a signed-in person: an ended session goes to sign-in, a missing role
        to a page that names it."""

        async def page(request: Request) -> Response:
            token = request.cookies.get(SESSION_COOKIE, "")
            if not token:
                return RedirectResponse("/login", status_code=303)
            try:
                return await handler(request, token)
            except Refusal as refusal:
                if refusal.code == grpc.StatusCode.UNAUTHENTICATED:
                    response = RedirectResponse("/login?expired=1", status_code=303)
                    response.delete_cookie(SESSION_COOKIE, path="/")
                    return response
                if refusal.code == grpc.StatusCode.NOT_FOUND:
                    raise HTTPException(404, refusal.detail) from None
                if refusal.code == grpc.StatusCode.PERMISSION_DENIED:
                    me = self.account(token)
                    return self.render(request, "error.html", 403, title="refused", message=refusal.detail, me=me)
                status = 502 if refusal.code in UNREACHABLE else 400
                title = "unreachable" if refusal.code in UNREACHABLE else "refused"
                return self.render(request, "error.html", status, title=title, message=refusal.detail)

        return page

    def account(self, token: str) -> operators_pb2.OperatorAccount:
        return self.node.call(self.node.operators.WhoAmI, operators_pb2.WhoAmIRequest(), token)

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
        waiting = self.node.call(care.ListPeople, care_pb2.ListPeopleRequest(state="pending", limit=1000), token)
        open_orders = self.node.call(care.ListOrders, care_pb2.ListOrdersRequest(state="open", limit=1000), token)
        alerts = self.node.call(care.ListAlerts, care_pb2.ListAlertsRequest(), token)
        counts = [
            ("waiting_reviews", len(waiting.people), "/people?state=pending"),
            ("open_orders", len(open_orders.orders), "/orders?state=open"),
            ("open_alerts", len(alerts.alerts), ""),
        ]
        return self.render(request, "dashboard.html", me=me, counts=counts, crumbs=["dashboard"])

    async def people(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        me = self.account(token)
        state = request.query_params.get("state", "")
        role = request.query_params.get("role", "")
        found = self.node.call(
            self.node.care.ListPeople, care_pb2.ListPeopleRequest(state=state, role=role, limit=1000), token
        ).people
        shown, paging = _page_of(found, request)
        return self.render(
            request,
            "people.html",
            me=me,
            people=[(ids.to_hex(ids.from_bytes(p.person_id, "person_id")), p) for p in shown],
            state=state,
            role=role,
            **paging,
            message=message,
            typed=typed or {},
            crumbs=["people"],
        )

    async def review(self, request: Request, token: str) -> Response:
        form = await self.checked_form(request)
        person_id = ids.parse_text(form.get("person_id", ""))
        if person_id is None:
            raise HTTPException(400, "person_id: want 32 hexadecimal digits")
        request_message = care_pb2.ReviewPersonRequest(
            person_id=ids.to_bytes(person_id),
            approve=form.get("decision") == "approve",
            reason=form.get("reason", ""),
        )
        try:
            self.node.call(self.node.care.ReviewPerson, request_message, token)
        except Refusal as refusal:
            if refusal.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                raise
            return await self.people(request, token, refusal.detail, form)
        return RedirectResponse(f"/people?state={form.get('state', '')}", status_code=303)

    async def orders(self, request: Request, token: str) -> Response:
        me = self.account(token)
        state = request.query_params.get("state", "")
        found = self.node.call(
            self.node.care.ListOrders, care_pb2.ListOrdersRequest(state=state, limit=1000), token
        ).orders
        shown, paging = _page_of(found, request)
        return self.render(
            request,
            "orders.html",
            me=me,
            orders=[(ids.to_hex(ids.from_bytes(o.order_id, "order_id")), o) for o in shown],
            names=self._names(token),
            items=self._items(token),
            state=state,
            **paging,
            crumbs=["orders"],
        )

    async def order(self, request: Request, token: str) -> Response:
        me = self.account(token)
        order_id = _path_id(request, "order_id")
        order = self._order_of(token, order_id)
        return self.render(
            request,
            "order.html",
            me=me,
            order=order,
            order_hex=ids.to_hex(order_id),
            names=self._names(token),
            items=self._items(token),
            crumbs=["orders", "order"],
        )

    async def code(self, request: Request, token: str) -> Response:
        """A check-in or check-out code of an accepted order, as a QR code the volunteer's
        phone camera opens, to show on a screen at the elder's home or to print."""
        me = self.account(token)
        order_id = _path_id(request, "order_id")
        purpose = request.query_params.get("purpose", "check-in")
        issued = self.node.call(
            self.node.care.IssueCode, care_pb2.IssueCodeRequest(order_id=ids.to_bytes(order_id), purpose=purpose), token
        )
        order = self._order_of(token, order_id)
        url = f"{self.phone_url(request)}/m/scan?{urllib.parse.urlencode({'code': issued.code})}"
        return self.render(
            request,
            "code.html",
            me=me,
            order=order,
            order_hex=ids.to_hex(order_id),
            purpose=purpose,
            expires_at_micros=issued.expires_at_micros,
            qr=qr_svg(url, title=purpose),
            url=url,
            names=self._names(token),
            items=self._items(token),
            crumbs=["orders", "order", "scan-" + purpose],
        )

    async def person(self, request: Request, token: str, message: str = "", status_code: int = 200) -> Response:
        """One person: their facts and hours, their orders, and setting their phone PIN."""
        me = self.account(token)
        person_id = _path_id(request, "person_id")
        person = self._person_of(token, person_id)
        orders = self.node.call(
            self.node.care.ListOrders, care_pb2.ListOrdersRequest(person_id=ids.to_bytes(person_id), limit=100), token
        ).orders
        done = request.query_params.get("done", "")
        return self.render(
            request,
            "person.html",
            status_code,
            me=me,
            person=person,
            person_hex=ids.to_hex(person_id),
            orders=[(ids.to_hex(ids.from_bytes(o.order_id, "order_id")), o) for o in orders],
            items=self._items(token),
            done="pin" if done == "pin" else "",
            message=message,
            crumbs=["people", "person"],
        )

    async def set_pin(self, request: Request, token: str) -> Response:
        form = await self.checked_form(request)
        person_id = _path_id(request, "person_id")
        change = personal_pb2.SetPinRequest(person_id=ids.to_bytes(person_id), pin=form.get("pin", ""))
        try:
            self.node.call(self.node.pins.SetPin, change, token)
        except Refusal as refusal:
            if refusal.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                raise
            return await self.person(request, token, refusal.detail, 400)
        return RedirectResponse(f"/people/{ids.to_hex(person_id)}?done=pin", status_code=303)

    async def card(self, request: Request, token: str) -> Response:
        """A person's card to print: the QR code their phone opens to sign in with their PIN."""
        me = self.account(token)
        person_id = _path_id(request, "person_id")
        person = self._person_of(token, person_id)
        url = f"{self.phone_url(request)}/m/login?person={ids.to_hex(person_id)}"
        return self.render(
            request,
            "card.html",
            me=me,
            person=person,
            person_hex=ids.to_hex(person_id),
            qr=qr_svg(url, title=person.name),
            url=url,
            crumbs=["people", "person", "personal_card"],
        )

    def _order_of(self, token: str, order_id: int) -> care_pb2.Order:
        return self.node.call(self.node.care.GetOrder, care_pb2.GetOrderRequest(order_id=ids.to_bytes(order_id)), token)

    def _person_of(self, token: str, person_id: int) -> care_pb2.Person:
        request = care_pb2.GetPersonRequest(person_id=ids.to_bytes(person_id))
        return self.node.call(self.node.care.GetPerson, request, token)

    def _names(self, token: str) -> dict[bytes, str]:
        """Every person's name by id, for the tables (the node's people, at most 1,000)."""
        people = self.node.call(self.node.care.ListPeople, care_pb2.ListPeopleRequest(limit=1000), token).people
        return {person.person_id: person.name for person in people}

    def _items(self, token: str) -> dict[str, care_pb2.CatalogueItem]:
        items = self.node.call(self.node.care.ListCatalogue, care_pb2.ListCatalogueRequest(), token).items
        return {item.code: item for item in items}

    async def trail(self, request: Request, token: str) -> Response:
        me = self.account(token)
        entries = self.node.call(
            self.node.operators.ListTrail, operators_pb2.ListTrailRequest(limit=1000), token
        ).entries
        if request.query_params.get("format") == "csv":
            return self._trail_csv(entries)
        return self.render(request, "trail.html", me=me, entries=list(reversed(entries)), crumbs=["trail"])

    @staticmethod
    def _trail_csv(entries: Any) -> Response:
        stream = io.StringIO()
        writer = csv.writer(stream)
        writer.writerow(["sequence", "at_micros", "username", "kind", "operation", "detail"])
        for entry in entries:
            writer.writerow(
                [entry.sequence, entry.at_micros, entry.username, entry.kind, entry.operation, entry.detail]
            )
        headers = {"content-disposition": 'attachment; filename="trail.csv"'}
        return Response("\ufeff" + stream.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

    async def users(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        me = self.account(token)
        accounts = self.node.call(self.node.operators.ListAccounts, operators_pb2.ListAccountsRequest(), token)
        return self.render(
            request,
            "users.html",
            me=me,
            accounts=accounts.accounts,
            message=message,
            typed=typed or {},
            crumbs=["users"],
        )

    async def create_user(self, request: Request, token: str) -> Response:
        form = await self.checked_form(request)
        roles = [value for key, value in (await request.form()).multi_items() if key == "roles"]
        create = operators_pb2.CreateAccountRequest(
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            roles=[str(role) for role in roles],
        )
        try:
            self.node.call(self.node.operators.CreateAccount, create, token)
        except Refusal as refusal:
            if refusal.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                raise
            typed = {key: value for key, value in form.items() if key != "password"}
            return await self.users(request, token, refusal.detail, typed)
        return RedirectResponse("/users", status_code=303)


def _path_id(request: Request, name: str) -> int:
    """The id in the page's address; 404 naming it unless it is 32 hexadecimal digits."""
    found = ids.parse_text(request.path_params[name])
    if found is None:
        raise HTTPException(404, f"{name}: want 32 hexadecimal digits")
    return found


def _page_of(found: Sequence[T], request: Request) -> tuple[Sequence[T], dict[str, int]]:
    """The rows of the page the query asks for (?page=N, from 1), and the pager's numbers."""
    text = request.query_params.get("page", "1")
    page = max(1, int(text)) if text.isdigit() else 1
    pages = max(1, -(-len(found) // PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return shown, {"page": page, "pages": pages, "total": len(found)}


def make_app(settings: ConsoleTable, secret: bytes | None = None) -> Starlette:
    """The console's web application, calling the node at settings.node."""
    node = NodeCalls(settings.node, settings.deadline_seconds)
    pages = Pages(settings, node, secret or os.urandom(32))
    phone = PhonePages(pages)

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
        Route("/people", pages.signed_in(pages.people), methods=["GET"]),
        Route("/people/review", pages.signed_in(pages.review), methods=["POST"]),
        Route("/people/{person_id}", pages.signed_in(pages.person), methods=["GET"]),
        Route("/people/{person_id}/pin", pages.signed_in(pages.set_pin), methods=["POST"]),
        Route("/people/{person_id}/card", pages.signed_in(pages.card), methods=["GET"]),
        Route("/orders", pages.signed_in(pages.orders), methods=["GET"]),
        Route("/orders/{order_id}", pages.signed_in(pages.order), methods=["GET"]),
        Route("/orders/{order_id}/code", pages.signed_in(pages.code), methods=["GET"]),
        Route("/trail", pages.signed_in(pages.trail), methods=["GET"]),
        Route("/users", pages.signed_in(pages.users), methods=["GET"]),
        Route("/users", pages.signed_in(pages.create_user), methods=["POST"]),
        *phone_routes(phone),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.state.node = node
    return app
