"""Relationships and moving hours, from a person's page: a family member or a proxy added
and verified (核实) by a reviewer, hours given to verified family here or at another node,
hours donated to the donation pool, and a director's grant from the pool to an elder
without savings.

Owns these forms; each carries its operation's id (the relationship's, the transfer's),
so a form sent twice moves hours once. A refusal is shown on the person's page beside
its form, with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office, path_id, submitted_id
from console.people import PeoplePages
from timebank import ids
from timebank.v1 import care_pb2

__all__ = ["AmountProblem", "HourPages", "minutes_of"]


class AmountProblem(ValueError):
    """The form's amount is not a whole number of minutes; the message names the field."""


def minutes_of(form: dict[str, str]) -> int:
    """The form's amount_minutes; AmountProblem naming the field unless it is a whole number."""
    text = form.get("amount_minutes", "").strip()
    if not text.isdigit():
        raise AmountProblem(f"amount_minutes: got {text!r}, want a whole number of minutes")
    return int(text)


class HourPages:
    def __init__(self, office: Office, people: PeoplePages) -> None:
        self.office = office
        self.people = people
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/people/{person_id}/relationships", signed_in(self.add_relationship), methods=["POST"]),
            Route("/people/{person_id}/relationships/review", signed_in(self.review), methods=["POST"]),
            Route("/people/{person_id}/give", signed_in(self.give), methods=["POST"]),
            Route("/people/{person_id}/donate", signed_in(self.donate), methods=["POST"]),
            Route("/people/{person_id}/grant", signed_in(self.grant), methods=["POST"]),
        ]

    async def _change(
        self,
        request: Request,
        token: str,
        form_name: str,
        method: Callable[..., Any],
        build: Callable[[dict[str, str]], Any],
    ) -> Response:
        """Makes the change the form asks for; the person's page again, its refusal in place."""
        form = await self.office.checked_form(request)
        person_hex = ids.to_hex(path_id(request, "person_id"))

        async def again(message: str) -> Response:
            return await self.people.person(request, token, message, {**form, "form": form_name})

        try:
            message = build(form)
        except AmountProblem as problem:
            return await again(str(problem))
        done = f"/people/{person_hex}?done={form_name}"
        return await self.office.change(token, method, message, again, done)

    async def add_relationship(self, request: Request, token: str) -> Response:
        def build(form: dict[str, str]) -> care_pb2.AddRelationshipRequest:
            other = ids.parse_text(form.get("other_person_id", "").strip()) or 0
            return care_pb2.AddRelationshipRequest(
                relationship_id=ids.to_bytes(submitted_id(form, "new_relationship_id")),
                kind=form.get("kind", ""),
                person_id=ids.to_bytes(path_id(request, "person_id")),
                other_node_id=form.get("other_node_id", "").strip(),
                other_person_id=ids.to_bytes(other),
                relation=form.get("relation", ""),
            )

        return await self._change(request, token, "relationship", self.calls.care.AddRelationship, build)

    async def review(self, request: Request, token: str) -> Response:
        def build(form: dict[str, str]) -> care_pb2.ReviewRelationshipRequest:
            return care_pb2.ReviewRelationshipRequest(
                relationship_id=ids.to_bytes(submitted_id(form, "relationship_id")),
                approve=form.get("decision") == "approve",
                reason=form.get("reason", ""),
            )

        return await self._change(request, token, "relationship", self.calls.care.ReviewRelationship, build)

    async def give(self, request: Request, token: str) -> Response:
        def build(form: dict[str, str]) -> care_pb2.GiveHoursRequest:
            node_id, _, person = form.get("to", "").partition("/")
            return care_pb2.GiveHoursRequest(
                transfer_id=ids.to_bytes(submitted_id(form, "transfer_id")),
                from_person_id=ids.to_bytes(path_id(request, "person_id")),
                to_node_id=node_id,
                to_person_id=ids.to_bytes(ids.parse_text(person) or 0),
                amount_minutes=minutes_of(form),
            )

        return await self._change(request, token, "give", self.calls.care.GiveHours, build)

    async def donate(self, request: Request, token: str) -> Response:
        def build(form: dict[str, str]) -> care_pb2.DonateRequest:
            return care_pb2.DonateRequest(
                transfer_id=ids.to_bytes(submitted_id(form, "transfer_id")),
                person_id=ids.to_bytes(path_id(request, "person_id")),
                amount_minutes=minutes_of(form),
            )

        return await self._change(request, token, "donate", self.calls.care.Donate, build)

    async def grant(self, request: Request, token: str) -> Response:
        def build(form: dict[str, str]) -> care_pb2.GrantFromPoolRequest:
            return care_pb2.GrantFromPoolRequest(
                transfer_id=ids.to_bytes(submitted_id(form, "transfer_id")),
                elder_id=ids.to_bytes(path_id(request, "person_id")),
                amount_minutes=minutes_of(form),
                reason=form.get("reason", ""),
            )

        return await self._change(request, token, "grant", self.calls.care.GrantFromPool, build)
