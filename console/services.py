"""The office's service pages: the catalogue (项目库) and the qualifications each item
needs, with a director adding an item; the points mall (志愿商城): its shelf, stock added,
a member's redemption reserved and then picked up or cancelled; and the teams (队伍), made
and joined.

Owns these pages. The redemption form carries its redemption's id, so a form sent twice
reserves once; the node decides who may do what.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office, keyed, submitted_id
from console.people import QUALIFICATION_KINDS
from timebank import ids
from timebank.v1 import care_pb2

__all__ = ["CATEGORIES", "ServicePages"]

CATEGORIES = ("general", "daily-living", "professional-health", "professional-legal", "professional-financial")
TEAM_KINDS = ("district", "department")


def _whole(text: str, name: str, low: int = 0) -> int:
    """A whole number from a form; ValueError naming the field otherwise."""
    text = text.strip()
    if not text.isdigit() or int(text) < low:
        raise ValueError(f"{name}: got {text!r}, want a whole number, {low} or more")
    return int(text)


class ServicePages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/catalogue", signed_in(self.catalogue), methods=["GET"]),
            Route("/catalogue", signed_in(self.add_item), methods=["POST"]),
            Route("/mall", signed_in(self.mall), methods=["GET"]),
            Route("/mall/items", signed_in(self.stock), methods=["POST"]),
            Route("/mall/redeem", signed_in(self.redeem), methods=["POST"]),
            Route("/mall/settle", signed_in(self.settle), methods=["POST"]),
            Route("/teams", signed_in(self.teams), methods=["GET"]),
            Route("/teams", signed_in(self.create_team), methods=["POST"]),
            Route("/teams/join", signed_in(self.join_team), methods=["POST"]),
        ]

    # -- the catalogue ------------------------------------------------------------------------

    async def catalogue(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        return self.office.render(
            request,
            "catalogue.html",
            400 if message else 200,
            me=self.office.account(token),
            items=list(self.office.items(token).values()),
            categories=CATEGORIES,
            kinds=QUALIFICATION_KINDS,
            message=message,
            typed=typed or {},
            crumbs=["catalogue"],
        )

    async def add_item(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        wanted = [str(value) for key, value in (await request.form()).multi_items() if key == "qualifications"]

        async def again(message: str) -> Response:
            return await self.catalogue(request, token, message, form)

        try:
            rate = _whole(form.get("rate_percent", "") or "100", "rate_percent", 1)
        except ValueError as problem:
            return await again(str(problem))
        item = care_pb2.CatalogueItem(
            code=form.get("code", "").strip(),
            name_zh=form.get("name_zh", ""),
            name_en=form.get("name_en", ""),
            category=form.get("category", ""),
            professional=form.get("category", "").startswith("professional"),
            qualifications=wanted,
            rate_percent=rate,
            group=form.get("group") == "1",
        )
        added = care_pb2.AddCatalogueItemRequest(item=item)
        return await self.office.change(token, self.calls.care.AddCatalogueItem, added, again, "/catalogue")

    # -- the mall ---------------------------------------------------------------------------

    async def mall(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        shelf = self.calls.call(self.calls.care.ListMallItems, care_pb2.ListMallItemsRequest(), token).items
        wanted = care_pb2.ListRedemptionsRequest(limit=200)
        redemptions = self.calls.call(self.calls.care.ListRedemptions, wanted, token).redemptions
        typed = typed or {}
        return self.office.render(
            request,
            "mall.html",
            400 if message else 200,
            me=self.office.account(token),
            shelf=shelf,
            redemptions=keyed(redemptions, "redemption_id"),
            names=self.office.names(token, (redemption.person_id for redemption in redemptions)),
            members=keyed(self.office.people_of(token, "approved"), "person_id"),
            message=message,
            typed=typed,
            redemption_id=typed.get("redemption_id") or secrets.token_hex(16),
            crumbs=["mall"],
        )

    async def stock(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)

        async def again(message: str) -> Response:
            return await self.mall(request, token, message, {**form, "form": "stock"})

        try:
            price = _whole(form.get("price_minutes", ""), "price_minutes", 1)
            added = _whole(form.get("stock_added", ""), "stock_added", 1)
        except ValueError as problem:
            return await again(str(problem))
        stocked = care_pb2.AddMallItemRequest(
            item_code=form.get("item_code", "").strip(),
            name=form.get("name", ""),
            price_minutes=price,
            stock_added=added,
        )
        return await self.office.change(token, self.calls.care.AddMallItem, stocked, again, "/mall")

    async def redeem(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)

        async def again(message: str) -> Response:
            return await self.mall(request, token, message, {**form, "form": "redeem"})

        try:
            quantity = _whole(form.get("quantity", ""), "quantity", 1)
        except ValueError as problem:
            return await again(str(problem))
        reserved = care_pb2.RedeemMallItemRequest(
            redemption_id=ids.to_bytes(submitted_id(form, "redemption_id")),
            person_id=ids.to_bytes(ids.parse_text(form.get("person_id", "")) or 0),
            item_code=form.get("item_code", ""),
            quantity=quantity,
        )
        return await self.office.change(token, self.calls.care.RedeemMallItem, reserved, again, "/mall")

    async def settle(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        settled = care_pb2.SettleRedemptionRequest(
            redemption_id=ids.to_bytes(submitted_id(form, "redemption_id")), cancel=form.get("outcome") == "cancel"
        )

        async def again(message: str) -> Response:
            return await self.mall(request, token, message, {"form": "settle"})

        return await self.office.change(token, self.calls.care.SettleRedemption, settled, again, "/mall")

    # -- teams ------------------------------------------------------------------------------

    async def teams(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        found = self.calls.call(self.calls.care.ListTeams, care_pb2.ListTeamsRequest(), token).teams
        return self.office.render(
            request,
            "teams.html",
            400 if message else 200,
            me=self.office.account(token),
            teams=found,
            kinds=TEAM_KINDS,
            volunteers=keyed(self.office.people_of(token, "approved", "volunteer"), "person_id"),
            message=message,
            typed=typed or {},
            crumbs=["teams"],
        )

    async def create_team(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        created = care_pb2.CreateTeamRequest(
            team_code=form.get("team_code", "").strip(), name=form.get("name", ""), kind=form.get("kind", "")
        )

        async def again(message: str) -> Response:
            return await self.teams(request, token, message, {**form, "form": "create"})

        return await self.office.change(token, self.calls.care.CreateTeam, created, again, "/teams")

    async def join_team(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        joined = care_pb2.JoinTeamRequest(
            team_code=form.get("team_code", ""), person_id=ids.to_bytes(ids.parse_text(form.get("person_id", "")) or 0)
        )

        async def again(message: str) -> Response:
            return await self.teams(request, token, message, {**form, "form": "join"})

        return await self.office.change(token, self.calls.care.JoinTeam, joined, again, "/teams")
