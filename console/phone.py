"""The pages for a volunteer's or an elder's own phone, under /m/: the page a check-in or
check-out QR code opens, signing in with the personal PIN the office set, one's own hours
and orders, confirming, disputing or rating a service, and a volunteer's own certificate
of service hours (its printable page and its signed file).

Owns the phone's edge: its own session cookie (tb_phone, apart from the office's), its
CSRF tokens (an HMAC of the phone session; before sign-in a cookie-and-field pair), and
the pages' words of state. Every read and change is a call to the node's Personal service
as the signed-in person, which decides what the person may see and do; a refusal is shown
in place. Large type and buttons, one column, readable at 360 px.
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.calls import UNREACHABLE, Refusal
from console.node import NodeCalls
from console.web import Edge
from timebank import ids
from timebank.v1 import personal_pb2

__all__ = ["PHONE_COOKIE", "PhonePages", "phone_routes"]

PHONE_COOKIE = "tb_phone"
PHONE_PERSON_COOKIE = "tb_phone_person"  # whose PIN the sign-in page asks for after a session ends
PHONE_CSRF_COOKIE = "tb_phone_csrf"
PERSON_COOKIE_SECONDS = 90 * 86_400
UPCOMING_STATES = ("open", "accepted", "checked-in")
DONE_MESSAGES = ("check-in", "check-out", "confirm", "dispute", "rate")
PhoneHandler = Callable[[Request, str], Awaitable[Response]]
Page = Callable[[Request], Awaitable[Response]]


class PhonePages:
    """The phone's pages, on the console's web edge."""

    def __init__(self, edge: Edge[NodeCalls]) -> None:
        self.edge = edge
        self.calls = edge.calls

    # -- the edge ---------------------------------------------------------------------------

    def csrf_of(self, token: str) -> str:
        return self.edge.csrf_of("phone:" + token)

    def render(self, request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
        """A phone page; a form on it carries the session's token, or a fresh pair before sign-in."""
        token = request.cookies.get(PHONE_COOKIE, "")
        pair = "" if token else secrets.token_hex(16)
        csrf = self.csrf_of(token) if token else pair
        response = self.edge.render(
            request,
            template,
            status_code,
            csrf=csrf,
            signed_in=bool(token),
            upcoming=UPCOMING_STATES,
            **values,
        )
        if pair:
            self.edge.cookie(response, PHONE_CSRF_COOKIE, pair, max_age=3600)
        return response

    async def checked_form(self, request: Request) -> dict[str, str]:
        """The form of a phone POST, after its CSRF token is checked (403 if wrong)."""
        token = request.cookies.get(PHONE_COOKIE, "")
        expected = self.csrf_of(token) if token else request.cookies.get(PHONE_CSRF_COOKIE, "")
        return await self.edge.form_checked(request, expected, "this phone")

    def call(self, method: str, request: Any, token: str = "") -> Any:
        return self.calls.call(getattr(self.calls.personal, method), request, token)

    def signed_in(self, handler: PhoneHandler) -> Page:
        """A page for a signed-in phone: an ended session goes to the PIN page."""

        async def page(request: Request) -> Response:
            token = request.cookies.get(PHONE_COOKIE, "")
            if not token:
                return self._to_sign_in(request, expired=False)
            try:
                return await handler(request, token)
            except Refusal as refusal:
                if refusal.code == grpc.StatusCode.UNAUTHENTICATED:
                    return self._to_sign_in(request, expired=True)
                return self.refused(request, refusal)

        return page

    def open_to_all(self, handler: Page) -> Page:
        """A page before sign-in: a refusal that is not the page's own gets its page."""

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except Refusal as refusal:
                return self.refused(request, refusal)

        return page

    def refused(self, request: Request, refusal: Refusal) -> Response:
        if refusal.code == grpc.StatusCode.NOT_FOUND:
            raise HTTPException(404, refusal.detail)
        if refusal.code in UNREACHABLE:
            return self.render(request, "phone/error.html", 502, title="unreachable", message=refusal.detail)
        return self.render(request, "phone/error.html", 403, title="refused", message=refusal.detail)

    def _to_sign_in(self, request: Request, expired: bool) -> Response:
        back = urllib.parse.quote(request.url.path if request.method == "GET" else "/m/")
        response = RedirectResponse(f"/m/login?next={back}{'&expired=1' if expired else ''}", status_code=303)
        response.delete_cookie(PHONE_COOKIE, path="/")
        return response

    def _sign_in(self, response: Response, person_hex: str, answer: personal_pb2.SignInResponse) -> Response:
        self.edge.cookie(response, PHONE_COOKIE, answer.session_token)
        self.edge.cookie(response, PHONE_PERSON_COOKIE, person_hex, max_age=PERSON_COOKIE_SECONDS)
        response.delete_cookie(PHONE_CSRF_COOKIE, path="/")
        return response

    # -- signing in -------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        person_hex = request.query_params.get("person") or request.cookies.get(PHONE_PERSON_COOKIE, "")
        message = "expired" if request.query_params.get("expired") else ""
        return self._login_form(request, person_hex, message)

    def _login_form(self, request: Request, person_hex: str, message: str, status_code: int = 200) -> Response:
        person_id = ids.parse_text(person_hex)
        back = _local_path(request.query_params.get("next", "/m/"))
        return self.render(
            request,
            "phone/login.html",
            status_code,
            person_hex=ids.to_hex(person_id) if person_id is not None else "",
            back=back,
            message=message,
        )

    async def login(self, request: Request) -> Response:
        form = await self.checked_form(request)
        person_id = ids.parse_text(form.get("person", ""))
        if person_id is None:
            return self._login_form(request, "", "person: scan your personal card or a check-in code first", 400)
        try:
            answer = self.call(
                "SignIn", personal_pb2.SignInRequest(person_id=ids.to_bytes(person_id), pin=form.get("pin", ""))
            )
        except Refusal as refusal:
            return self._login_form(request, form.get("person", ""), refusal.detail, 401)
        back = _local_path(form.get("next", "/m/"))
        return self._sign_in(RedirectResponse(back, status_code=303), ids.to_hex(person_id), answer)

    async def logout(self, request: Request, token: str) -> Response:
        await self.checked_form(request)
        self.call("SignOut", personal_pb2.SignOutRequest(), token)
        response = RedirectResponse("/m/login", status_code=303)
        response.delete_cookie(PHONE_COOKIE, path="/")
        return response

    # -- a code scanned with the phone's camera ---------------------------------------------

    async def scan_page(self, request: Request) -> Response:
        return self._scan_view(request, request.query_params.get("code", "").strip())

    def _scan_view(self, request: Request, code: str, message: str = "", status_code: int = 200) -> Response:
        try:
            described = self.call("DescribeCode", personal_pb2.DescribeCodeRequest(code=code))
        except Refusal as refusal:
            if refusal.code in UNREACHABLE:
                raise
            return self.render(request, "phone/error.html", 400, message=refusal.detail, title="code_invalid")
        me = self._who(request)
        volunteer = described.order.volunteer_id
        return self.render(
            request,
            "phone/scan.html",
            status_code,
            code=code,
            described=described,
            signed_in_as_volunteer=me is not None and me.person_id == volunteer,
            volunteer_hex=ids.to_hex(ids.from_bytes(volunteer, "volunteer_id")) if volunteer else "",
            message=message,
        )

    def _who(self, request: Request) -> Any:
        """The person this phone is signed in as, or None."""
        token = request.cookies.get(PHONE_COOKIE, "")
        if not token:
            return None
        try:
            return self.call("MyAccount", personal_pb2.MyAccountRequest(), token).person
        except Refusal as refusal:
            if refusal.code == grpc.StatusCode.UNAUTHENTICATED:
                return None
            raise

    async def scan(self, request: Request) -> Response:
        form = await self.checked_form(request)
        code = form.get("code", "").strip()
        token = request.cookies.get(PHONE_COOKIE, "")
        signed: tuple[str, personal_pb2.SignInResponse] | None = None
        try:
            if form.get("pin"):
                described = self.call("DescribeCode", personal_pb2.DescribeCodeRequest(code=code))
                volunteer = described.order.volunteer_id
                answer = self.call("SignIn", personal_pb2.SignInRequest(person_id=volunteer, pin=form["pin"]))
                token = answer.session_token
                signed = (ids.to_hex(ids.from_bytes(volunteer, "volunteer_id")), answer)
            order = self.call("Scan", personal_pb2.ScanRequest(code=code), token)
        except Refusal as refusal:
            if refusal.code in UNREACHABLE:
                raise
            response = self._scan_view(request, code, refusal.detail, 400)
            return self._sign_in(response, *signed) if signed else response
        done = "check-in" if order.state == "checked-in" else "check-out"
        order_hex = ids.to_hex(ids.from_bytes(order.order_id, "order_id"))
        response = RedirectResponse(f"/m/orders/{order_hex}?done={done}", status_code=303)
        return self._sign_in(response, *signed) if signed else response

    # -- one's own --------------------------------------------------------------------------

    async def home(self, request: Request, token: str) -> Response:
        mine = self.call("MyAccount", personal_pb2.MyAccountRequest(), token)
        return self.render(request, "phone/home.html", mine=mine)

    async def order(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        order_id = _order_id(request)
        mine = self.call("MyOrder", personal_pb2.PersonalOrderRequest(order_id=ids.to_bytes(order_id)), token)
        done = request.query_params.get("done", "")
        return self.render(
            request,
            "phone/order.html",
            400 if message else 200,
            mine=mine,
            order_hex=ids.to_hex(order_id),
            done=done if done in DONE_MESSAGES else "",
            # The operation id: sending the form twice opens one dispute; a refused form keeps it.
            dispute_id=(typed or {}).get("dispute_id") or secrets.token_hex(16),
            typed=typed or {},
            message=message,
        )

    async def act(self, request: Request, token: str) -> Response:
        """Confirm, dispute or rate the order, as the form's action says."""
        form = await self.checked_form(request)
        action = request.path_params["action"]
        method, change = _change(action, ids.to_bytes(_order_id(request)), form)
        try:
            self.call(method, change, token)
        except Refusal as refusal:
            if refusal.code == grpc.StatusCode.UNAUTHENTICATED or refusal.code in UNREACHABLE:
                raise
            return await self.order(request, token, refusal.detail, form)
        return RedirectResponse(f"{request.url.path.rsplit('/', 1)[0]}?done={action}", status_code=303)


def _change(action: str, order_id: bytes, form: dict[str, str]) -> tuple[str, Any]:
    """The Personal call an order page's form asks for, and its request."""
    if action == "confirm":
        return "Confirm", personal_pb2.PersonalOrderRequest(order_id=order_id)
    if action == "dispute":
        dispute_id = ids.parse_text(form.get("dispute_id", ""))
        if dispute_id is None:
            raise HTTPException(400, "dispute_id: want 32 hexadecimal digits; reload the page")
        reason = form.get("reason", "")
        return "OpenDispute", personal_pb2.PersonalDisputeRequest(
            dispute_id=ids.to_bytes(dispute_id), order_id=order_id, reason=reason
        )
    if action == "rate":
        stars = int(form["stars"]) if form.get("stars", "").isdigit() else 0
        comment = form.get("comment", "")
        return "Rate", personal_pb2.PersonalRateRequest(order_id=order_id, stars=stars, comment=comment)
    raise HTTPException(404, f"action: got {action!r}, want confirm, dispute or rate")


def _certificate_page(phone: PhonePages) -> tuple[PhoneHandler, PhoneHandler]:
    """The volunteer's own certificate: the form of its period, and the certificate issued."""

    async def form(request: Request, token: str, message: str = "", typed: dict[str, str] | None = None) -> Response:
        typed = typed or {}
        return phone.render(
            request,
            "phone/certificate.html",
            400 if message else 200,
            typed=typed,
            certificate_id=typed.get("certificate_id") or secrets.token_hex(16),
            message=message,
        )

    async def issue(request: Request, token: str) -> Response:
        typed = await phone.checked_form(request)
        certificate_id = ids.parse_text(typed.get("certificate_id", ""))
        if certificate_id is None:
            raise HTTPException(400, "certificate_id: want 32 hexadecimal digits; reload the page")
        wanted = personal_pb2.MyCertificateRequest(
            certificate_id=ids.to_bytes(certificate_id),
            period_from=typed.get("period_from", ""),
            period_to=typed.get("period_to", ""),
        )
        try:
            answer = phone.call("MyCertificate", wanted, token)
        except Refusal as refusal:
            if refusal.code == grpc.StatusCode.UNAUTHENTICATED or refusal.code in UNREACHABLE:
                raise
            return await form(request, token, refusal.detail, typed)
        return phone.render(
            request,
            "phone/certificate.html",
            answer=answer,
            certificate_hex=ids.to_hex(certificate_id),
            file_base64=base64.b64encode(answer.certificate_file).decode("ascii"),
        )

    return form, issue


def _order_id(request: Request) -> int:
    order_id = ids.parse_text(request.path_params["order_id"])
    if order_id is None:
        raise HTTPException(404, "order_id: want 32 hexadecimal digits")
    return order_id


def _local_path(path: str) -> str:
    """A return address inside the phone's pages only (never another site)."""
    return path if path.startswith("/m/") and not path.startswith("/m//") else "/m/"


def phone_routes(phone: PhonePages) -> list[Route]:
    certificate_form, certificate = _certificate_page(phone)
    return [
        Route("/m/certificate", phone.signed_in(certificate_form), methods=["GET"]),
        Route("/m/certificate", phone.signed_in(certificate), methods=["POST"]),
        Route("/m/login", phone.login_page, methods=["GET"]),
        Route("/m/login", phone.open_to_all(phone.login), methods=["POST"]),
        Route("/m/logout", phone.signed_in(phone.logout), methods=["POST"]),
        Route("/m/scan", phone.open_to_all(phone.scan_page), methods=["GET"]),
        Route("/m/scan", phone.open_to_all(phone.scan), methods=["POST"]),
        Route("/m/", phone.signed_in(phone.home), methods=["GET"]),
        Route("/m/orders/{order_id}", phone.signed_in(phone.order), methods=["GET"]),
        Route("/m/orders/{order_id}/{action}", phone.signed_in(phone.act), methods=["POST"]),
    ]
