"""What every office page stands on: the office's session (its cookie holds the node's
session token), the CSRF check of its forms, the pages for an ended session, a missing
role, an unknown id and an unreachable node, making one change with its refusal shown in
place, and the reads the tables share (names, catalogue items, one order, one person).

Owns these; the pages themselves are console.app (sign-in, dashboard, trail, users),
console.people, console.orders and console.disputes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.node import UNREACHABLE, Refusal
from console.web import SESSION_COOKIE, Edge
from timebank import ids
from timebank.v1 import care_pb2, operators_pb2

__all__ = [
    "PAGE_LEVEL",
    "PAGE_SIZE",
    "Office",
    "OfficeHandler",
    "Page",
    "Section",
    "keyed",
    "page_of",
    "path_id",
    "submitted_id",
]

PAGE_SIZE = 20
NAMED_MAX = 1000  # people named in one call (ListPeople's person_ids)
# Refusals that are the page's, not the form's: shown by signed_in, never in place.
PAGE_LEVEL = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED) + UNREACHABLE
OfficeHandler = Callable[[Request, str], Awaitable[Response]]
Page = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class Section(Protocol):
    """A section of the office's pages: its routes."""

    def routes(self) -> list[Route]: ...


class Office(Edge):
    """The office's pages' common ground, each call made as the signed-in operator."""

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
            self.node.call(method, message, token)
        except Refusal as refusal:
            if refusal.code in PAGE_LEVEL:
                raise
            return await redisplay(refusal.detail)
        return RedirectResponse(done_url, status_code=303)

    def account(self, token: str) -> operators_pb2.OperatorAccount:
        return self.node.call(self.node.operators.WhoAmI, operators_pb2.WhoAmIRequest(), token)

    def order_of(self, token: str, order_id: int) -> care_pb2.Order:
        request = care_pb2.GetOrderRequest(order_id=ids.to_bytes(order_id))
        return self.node.call(self.node.care.GetOrder, request, token)

    def person_of(self, token: str, person_id: int) -> care_pb2.Person:
        request = care_pb2.GetPersonRequest(person_id=ids.to_bytes(person_id))
        return self.node.call(self.node.care.GetPerson, request, token)

    def people_of(self, token: str, state: str = "", role: str = "") -> Sequence[care_pb2.Person]:
        """The node's people (at most 1,000), newest first."""
        request = care_pb2.ListPeopleRequest(state=state, role=role, limit=1000)
        return self.node.call(self.node.care.ListPeople, request, token).people

    def names(self, token: str, person_ids: Iterable[bytes]) -> dict[bytes, str]:
        """The names of the people a page shows, by id (one call; ids of other nodes are left out)."""
        wanted = sorted({person_id for person_id in person_ids if person_id})[:NAMED_MAX]
        if not wanted:
            return {}
        request = care_pb2.ListPeopleRequest(person_ids=wanted, limit=NAMED_MAX)
        return {
            person.person_id: person.name for person in self.node.call(self.node.care.ListPeople, request, token).people
        }

    def items(self, token: str) -> dict[str, care_pb2.CatalogueItem]:
        items = self.node.call(self.node.care.ListCatalogue, care_pb2.ListCatalogueRequest(), token).items
        return {item.code: item for item in items}


def keyed(records: Iterable[T], field: str) -> list[tuple[str, T]]:
    """Each record with its id (the field named) as the 32 hexadecimal digits of its page's address."""
    return [(ids.to_hex(ids.from_bytes(getattr(record, field), field)), record) for record in records]


def path_id(request: Request, name: str) -> int:
    """The id in the page's address; 404 naming it unless it is 32 hexadecimal digits."""
    found = ids.parse_text(request.path_params[name])
    if found is None:
        raise HTTPException(404, f"{name}: want 32 hexadecimal digits")
    return found


def submitted_id(form: dict[str, str], name: str) -> int:
    """An id a form carries (a subject, or the operation's own id); 400 naming it if malformed."""
    found = ids.parse_text(form.get(name, ""))
    if found is None:
        raise HTTPException(400, f"{name}: want 32 hexadecimal digits; reload the page")
    return found


def page_of(found: Sequence[T], request: Request) -> tuple[Sequence[T], dict[str, int]]:
    """The rows of the page the query asks for (?page=N, from 1), and the pager's numbers."""
    text = request.query_params.get("page", "1")
    page = max(1, int(text)) if text.isdigit() else 1
    pages = max(1, -(-len(found) // PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return shown, {"page": page, "pages": pages, "total": len(found)}
