"""The office's people pages (人员管理): the list with its review and export, registering a
person, and one person's page: their facts and hours, their statement, their
relationships and the forms that move hours (console.hours), their orders, their
qualifications (added and reviewed there), setting their phone PIN and printing their
personal QR card.

Owns these pages. Each form carries its operation's id (the new person's id, the new
qualification's id), so a form sent twice registers once.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office, keyed, page_of, path_id, submitted_id
from console.qr import qr_svg
from timebank import ids
from timebank.v1 import care_pb2, personal_pb2

__all__ = ["QUALIFICATION_KINDS", "PeoplePages", "family_of"]

DONE = ("pin", "registered", "qualification", "relationship", "give", "donate", "grant")
QUALIFICATION_KINDS = ("lawyer", "notary", "corporate-counsel", "physician", "assistant-physician", "financial-staff")


class PeoplePages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/people", signed_in(self.people), methods=["GET"]),
            Route("/people", signed_in(self.register), methods=["POST"]),
            Route("/people/review", signed_in(self.review), methods=["POST"]),
            Route("/people/{person_id}", signed_in(self.person), methods=["GET"]),
            Route("/people/{person_id}/pin", signed_in(self.set_pin), methods=["POST"]),
            Route("/people/{person_id}/card", signed_in(self.card), methods=["GET"]),
            Route("/people/{person_id}/qualifications", signed_in(self.add_qualification), methods=["POST"]),
            Route("/people/{person_id}/qualifications/review", signed_in(self.review_qualification), methods=["POST"]),
        ]

    # -- the list, its review, and registering --------------------------------------------

    async def people(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        state = request.query_params.get("state", "")
        role = request.query_params.get("role", "")
        found = self.office.people_of(token, state, role)
        shown, paging = page_of(found, request)
        typed = typed or {}
        return self.office.render(
            request,
            "people.html",
            400 if message else 200,
            me=self.office.account(token),
            people=keyed(shown, "person_id"),
            state=state,
            role=role,
            **paging,
            message=message,
            typed=typed,
            new_person_id=typed.get("new_person_id") or secrets.token_hex(16),
            crumbs=["people"],
        )

    async def review(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        decided = care_pb2.ReviewPersonRequest(
            person_id=ids.to_bytes(submitted_id(form, "person_id")),
            approve=form.get("decision") == "approve",
            reason=form.get("reason", ""),
        )
        again = self._again(self.people, request, token, form)
        return await self.office.change(
            token, self.calls.care.ReviewPerson, decided, again, f"/people?state={form.get('state', '')}"
        )

    async def register(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        person_id = submitted_id(form, "new_person_id")
        registered = care_pb2.RegisterPersonRequest(
            person_id=ids.to_bytes(person_id),
            role=form.get("role", ""),
            name=form.get("name", ""),
            identity_number=form.get("identity_number", ""),
            birth_date=form.get("birth_date", ""),
            community=form.get("community", ""),
        )
        typed = {key: value for key, value in form.items() if key != "identity_number"}
        again = self._again(self.people, request, token, typed)
        done = f"/people/{ids.to_hex(person_id)}?done=registered"
        return await self.office.change(token, self.calls.care.RegisterPerson, registered, again, done)

    @staticmethod
    def _again(
        page: Callable[..., Awaitable[Response]], request: Request, token: str, typed: dict[str, str]
    ) -> Callable[[str], Awaitable[Response]]:
        """The page again, with a refusal in place and what was typed."""

        async def shown(message: str) -> Response:
            return await page(request, token, message, typed)

        return shown

    # -- one person -----------------------------------------------------------------------

    async def person(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        """One person: facts and hours, statement, relationships and the forms that move hours,
        orders, qualifications, certificate, and their phone PIN."""
        person_id = path_id(request, "person_id")
        person = self.office.person_of(token, person_id)
        wanted = care_pb2.ListOrdersRequest(person_id=ids.to_bytes(person_id), limit=100)
        orders = self.calls.call(self.calls.care.ListOrders, wanted, token).orders
        subject = ids.to_bytes(person_id)
        qualifications = self.calls.call(
            self.calls.care.ListQualifications, care_pb2.ListQualificationsRequest(person_id=subject), token
        ).qualifications
        relationships = self.calls.call(
            self.calls.care.ListRelationships, care_pb2.ListRelationshipsRequest(person_id=subject), token
        ).relationships
        movements = self.calls.call(
            self.calls.care.ListMovements, care_pb2.ListMovementsRequest(person_id=subject, limit=100), token
        ).movements
        done = request.query_params.get("done", "")
        typed = typed or {}
        return self.office.render(
            request,
            "person.html",
            400 if message else 200,
            me=self.office.account(token),
            person=person,
            person_hex=ids.to_hex(person_id),
            orders=keyed(orders, "order_id"),
            qualifications=keyed(qualifications, "qualification_id"),
            kinds=QUALIFICATION_KINDS,
            items=self.office.items(token),
            done=done if done in DONE else "",
            message=message,
            typed=typed,
            relationships=keyed(relationships, "relationship_id"),
            family=family_of(subject, relationships),
            movements=movements,
            names=self.office.names(
                token, [id_ for link in relationships for id_ in (link.person_id, link.other_person_id)]
            ),
            people_here=keyed(self.office.people_of(token, "approved"), "person_id"),
            # The operations' ids: a form sent twice adds or moves once; a refused form keeps its id.
            new_qualification_id=typed.get("new_qualification_id") or secrets.token_hex(16),
            new_relationship_id=typed.get("new_relationship_id") or secrets.token_hex(16),
            transfer_id=typed.get("transfer_id") or secrets.token_hex(16),
            certificate_id=secrets.token_hex(16),
            crumbs=["people", "person"],
        )

    async def set_pin(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        person_id = path_id(request, "person_id")
        change = personal_pb2.SetPinRequest(person_id=ids.to_bytes(person_id), pin=form.get("pin", ""))
        again = self._again(self.person, request, token, {"form": "pin"})
        return await self.office.change(
            token, self.calls.pins.SetPin, change, again, f"/people/{ids.to_hex(person_id)}?done=pin"
        )

    async def add_qualification(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        person_id = path_id(request, "person_id")
        added = care_pb2.AddQualificationRequest(
            qualification_id=ids.to_bytes(submitted_id(form, "new_qualification_id")),
            person_id=ids.to_bytes(person_id),
            kind=form.get("kind", ""),
            issuer=form.get("issuer", ""),
            number=form.get("number", ""),
            scope=form.get("scope", ""),
            expires_on=form.get("expires_on", ""),
        )
        again = self._again(self.person, request, token, {**form, "form": "qualification"})
        done = f"/people/{ids.to_hex(person_id)}?done=qualification"
        return await self.office.change(token, self.calls.care.AddQualification, added, again, done)

    async def review_qualification(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        decided = care_pb2.ReviewQualificationRequest(
            qualification_id=ids.to_bytes(submitted_id(form, "qualification_id")),
            approve=form.get("decision") == "approve",
            reason=form.get("reason", ""),
        )
        person_hex = ids.to_hex(path_id(request, "person_id"))
        again = self._again(self.person, request, token, {**form, "form": "review"})
        return await self.office.change(
            token, self.calls.care.ReviewQualification, decided, again, f"/people/{person_hex}?done=qualification"
        )

    async def card(self, request: Request, token: str) -> Response:
        """A person's card to print: the QR code their phone opens to sign in with their PIN."""
        person_id = path_id(request, "person_id")
        person = self.office.person_of(token, person_id)
        url = f"{self.office.phone_url(request)}/m/login?person={ids.to_hex(person_id)}"
        return self.office.render(
            request,
            "card.html",
            me=self.office.account(token),
            person=person,
            person_hex=ids.to_hex(person_id),
            qr=qr_svg(url, title=person.name),
            url=url,
            crumbs=["people", "person", "personal_card"],
        )


def family_of(person_id: bytes, relationships: Sequence[care_pb2.Relationship]) -> list[tuple[str, bytes]]:
    """Whom the person may give hours to: each verified family member, as "NODE/ID" (NODE
    empty for this node) with the member's id."""
    family = []
    for link in relationships:
        if link.kind != "family" or link.state != "verified":
            continue
        if link.person_id == person_id:
            family.append((f"{link.other_node_id}/{link.other_person_id.hex()}", link.other_person_id))
        else:
            family.append((f"/{link.person_id.hex()}", link.person_id))
    return family
