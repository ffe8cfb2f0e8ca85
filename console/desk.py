"""What every signed-in console page stands on, for the office's console at a node and the
bureau's at the clearinghouse alike: signing in and out (the sign-in form's CSRF is a
cookie-and-field pair), the language, the session (its cookie holds the party's session
token), the CSRF check of signed-in forms, the pages for an ended session, a missing role,
an unknown id and an unreachable party, making one change with its refusal shown in place,
and the action trail.

Owns these; the templates login.html, error.html and trail.html extend the console's own
`layout` (its header and menu).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.calls import UNREACHABLE, Refusal
from console.labels import LANGUAGES
from console.web import LANGUAGE_COOKIE, SESSION_COOKIE, C, Edge
from timebank.v1 import operators_pb2

__all__ = ["LOGIN_CSRF_COOKIE", "PAGE_LEVEL", "Desk", "OfficeHandler", "Page", "Section"]

LOGIN_CSRF_COOKIE = "tb_login_csrf"
# Refusals that are the page's, not the form's: shown by signed_in, never in place.
PAGE_LEVEL = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED) + UNREACHABLE
OfficeHandler = Callable[[Request, str], Awaitable[Response]]
Page = Callable[[Request], Awaitable[Response]]


class Section(Protocol):
    """A section of a console's pages: its routes."""

    def routes(self) -> list[Route]: ...


class Desk(Edge[C]):
    """A console's signed-in pages' common ground, each call made as the signed-in person."""

    def common_routes(self) -> list[Route]:
        """Signing in and out, the language, and the trail."""
        return [
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.signed_in(self.logout), methods=["POST"]),
            Route("/language", self.switch_language, methods=["GET"]),
            Route("/trail", self.signed_in(self.trail), methods=["GET"]),
        ]

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
            answer = self.calls.call(
                self.calls.operators.Login,
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
        self.calls.call(self.calls.operators.Logout, operators_pb2.LogoutRequest(), token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def switch_language(self, request: Request) -> Response:
        chosen = request.query_params.get("to", "zh")
        back = request.headers.get("referer", "/")
        response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)
        response.set_cookie(LANGUAGE_COOKIE, chosen if chosen in LANGUAGES else "zh", samesite="strict", path="/")
        return response

    # -- the trail ----------------------------------------------------------------------------

    async def trail(self, request: Request, token: str) -> Response:
        me = self.account(token)
        entries = self.calls.call(
            self.calls.operators.ListTrail, operators_pb2.ListTrailRequest(limit=1000), token
        ).entries
        return self.render(request, "trail.html", me=me, entries=list(reversed(entries)), crumbs=["trail"])

    # -- the session ----------------------------------------------------------------------------

    async def checked_form(self, request: Request) -> dict[str, str]:
        """The form of a signed-in POST, after its CSRF token is checked (403 if wrong)."""
        token = request.cookies.get(SESSION_COOKIE, "")
        return await self.form_checked(request, self.csrf_of(token) if token else "", "this session")

    def signed_in(self, handler: OfficeHandler) -> Page:
        """A page for a signed-in person: an ended session goes to sign-in, a missing role
        to a page that names it, an unknown id to the unknown page."""

        async def page(request: Request) -> Response:
            token = request.cookies.get(SESSION_COOKIE, "")
            if not token:
                return RedirectResponse("/login", status_code=303)
            try:
                return await handler(request, token)
            except Refusal as refusal:
                return self._refused(request, token, refusal)

        return page

    def _refused(self, request: Request, token: str, refusal: Refusal) -> Response:
        if refusal.code == grpc.StatusCode.UNAUTHENTICATED:
            response = RedirectResponse("/login?expired=1", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        if refusal.code == grpc.StatusCode.NOT_FOUND:
            raise HTTPException(404, refusal.detail)
        if refusal.code == grpc.StatusCode.PERMISSION_DENIED:
            me = self.account(token)
            return self.render(request, "error.html", 403, title="refused", message=refusal.detail, me=me)
        status = 502 if refusal.code in UNREACHABLE else 400
        title = "unreachable" if refusal.code in UNREACHABLE else "refused"
        return self.render(request, "error.html", status, title=title, message=refusal.detail)

    async def change(
        self,
        token: str,
        method: Callable[..., Any],
        message: Any,
        redisplay: Callable[[str], Awaitable[Response]],
        done_url: str,
    ) -> Response:
        """Makes one change at the node; then goes to done_url (so a refresh does not send it
        again), or shows the form again with the node's refusal in place."""
        try:
            self.calls.call(method, message, token)
        except Refusal as refusal:
            if refusal.code in PAGE_LEVEL:
                raise
            return await redisplay(refusal.detail)
        return RedirectResponse(done_url, status_code=303)

    def account(self, token: str) -> operators_pb2.OperatorAccount:
        return self.calls.call(self.calls.operators.WhoAmI, operators_pb2.WhoAmIRequest(), token)
