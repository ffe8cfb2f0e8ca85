"""What every office page stands on beside console.desk's session, sign-in and trail: the
reads the node's tables share (names, catalogue items, one order, one person), the pager,
and the ids in addresses and forms.

Owns these; the pages themselves are console.app (the dashboard), console.people,
console.orders, console.disputes and the other sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request

from console import exports
from console.desk import PAGE_LEVEL, Desk, OfficeHandler, Page, Section
from console.node import NodeCalls
from timebank import ids
from timebank.v1 import care_pb2

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
T = TypeVar("T")


class Office(Desk[NodeCalls]):
    """The office's pages' common ground, each call made as the signed-in operator."""

    def order_of(self, token: str, order_id: int) -> care_pb2.Order:
        request = care_pb2.GetOrderRequest(order_id=ids.to_bytes(order_id))
        return self.calls.call(self.calls.care.GetOrder, request, token)

    def person_of(self, token: str, person_id: int) -> care_pb2.Person:
        request = care_pb2.GetPersonRequest(person_id=ids.to_bytes(person_id))
        return self.calls.call(self.calls.care.GetPerson, request, token)

    def people_of(self, token: str, state: str = "", role: str = "") -> Sequence[care_pb2.Person]:
        """The node's people (at most 1,000), newest first."""
        request = care_pb2.ListPeopleRequest(state=state, role=role, limit=1000)
        return self.calls.call(self.calls.care.ListPeople, request, token).people

    def names(self, token: str, person_ids: Iterable[bytes]) -> dict[bytes, str]:
        """The names of the people a page shows, by id (one call; ids of other nodes are left out)."""
        wanted = sorted({person_id for person_id in person_ids if person_id})[:NAMED_MAX]
        if not wanted:
            return {}
        request = care_pb2.ListPeopleRequest(person_ids=wanted, limit=NAMED_MAX)
        return {
            person.person_id: person.name
            for person in self.calls.call(self.calls.care.ListPeople, request, token).people
        }

    def items(self, token: str) -> dict[str, care_pb2.CatalogueItem]:
        items = self.calls.call(self.calls.care.ListCatalogue, care_pb2.ListCatalogueRequest(), token).items
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
    """The rows of the page the query asks for (?page=N, from 1), and the pager's numbers;
    every row when the page is exported (?format=csv or xlsx)."""
    if exports.exporting(request.query_params.get("format", "")):
        return found, {"page": 1, "pages": 1, "total": len(found)}
    text = request.query_params.get("page", "1")
    page = max(1, int(text)) if text.isdigit() else 1
    pages = max(1, -(-len(found) // PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return shown, {"page": page, "pages": pages, "total": len(found)}
