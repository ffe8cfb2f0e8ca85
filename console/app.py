"""The console's pages: sign-in, the dashboard (工作台), people and their review, the action
trail with its export, and users and roles.

Owns the web edge: routes, the session cookie (the node's session token; HttpOnly,
SameSite=Strict, Secure when configured), a CSRF token on every form (an HMAC of the
session under a secret of this process; before sign-in, a cookie-and-field pair), and
the pages for an ended session, a missing role and an unknown page. Every read and write
is a call to the node as the signed-in person; the node decides and refuses, and a form
shows its refusal in place with what was typed.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import os
import pathlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.config import ConsoleTable
from console.labels import LANGUAGES, text
from console.node import NodeCalls, Refusal
from timebank import ids
from timebank.v1 import care_pb2, operators_pb2

__all__ = ["PAGE_SIZE", "SESSION_COOKIE", "Pages", "make_app"]

HERE = pathlib.Path(__file__).resolve().parent
SESSION_COOKIE = "tb_session"
LOGIN_CSRF_COOKIE = "tb_login_csrf"
LANGUAGE_COOKIE = "tb_lang"
PAGE_SIZE = 20
UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class Pages:
    def __init__(self, settings: ConsoleTable, node: NodeCalls, secret: bytes) -> None:
        self.settings = settings
        self.node = node
        self.secret = secret
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
        )
        offset = datetime.timezone(datetime.timedelta(hours=settings.utc_offset_hours))
        self.templates.filters["when"] = lambda micros: _local_time(int(micros), offset)

    # -- the edge ---------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE, "zh")
        return chosen if chosen in LANGUAGES else "zh"

    def csrf_of(self, token: str) -> str:
        return hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()

    def render(self, request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        language = self.language(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        page = self.templates.get_template(template).render(
            t=text(language),
            language=language,
            office=self.settings.office_name,
            csrf=self.csrf_of(token) if token else "",
            path=request.url.path,
            **values,
        )
        return HTMLResponse(page, status_code=status_code)

    def cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="strict",
            secure=self.settings.secure_cookies,
            path="/",
        )

    async def checked_form(self, request: Request) -> dict[str, str]:
        """The form of a signed-in POST, after its CSRF token is checked (403 if wrong)."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token or not hmac.compare_digest(form.get("csrf", ""), self.csrf_of(token)):
            raise HTTPException(403, "csrf: the form's token does not match this session; reload the page")
        return form

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
        order_id = ids.parse_text(request.path_params["order_id"])
        if order_id is None:
            raise HTTPException(404, "order_id: want 32 hexadecimal digits")
        try:
            order = self.node.call(
                self.node.care.GetOrder, care_pb2.GetOrderRequest(order_id=ids.to_bytes(order_id)), token
            )
        except Refusal as refusal:
            if refusal.code == grpc.StatusCode.NOT_FOUND:
                raise HTTPException(404, refusal.detail) from None
            raise
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


def _local_time(micros: int, zone: datetime.tzinfo) -> str:
    """A time as the office reads it: YYYY-MM-DD HH:MM:SS in its offset from UTC."""
    moment = datetime.datetime.fromtimestamp(micros / 1_000_000, tz=datetime.UTC).astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


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

    async def not_found(request: Request, error: Exception) -> Response:
        status = getattr(error, "status_code", 404)
        title = "not_found" if status == 404 else "refused"
        return pages.render(request, "error.html", status, title=title, message=getattr(error, "detail", ""))

    routes = [
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.signed_in(pages.logout), methods=["POST"]),
        Route("/language", pages.switch_language, methods=["GET"]),
        Route("/", pages.signed_in(pages.dashboard), methods=["GET"]),
        Route("/people", pages.signed_in(pages.people), methods=["GET"]),
        Route("/people/review", pages.signed_in(pages.review), methods=["POST"]),
        Route("/orders", pages.signed_in(pages.orders), methods=["GET"]),
        Route("/orders/{order_id}", pages.signed_in(pages.order), methods=["GET"]),
        Route("/trail", pages.signed_in(pages.trail), methods=["GET"]),
        Route("/users", pages.signed_in(pages.users), methods=["GET"]),
        Route("/users", pages.signed_in(pages.create_user), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.state.node = node
    return app
