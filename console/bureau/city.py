"""The city as the bureau sees it now (全市总览), refreshed in place; the nodes' figures and
open alerts as they last reported them (全市统计与预警); and the registry of nodes (节点登记):
admitting a node, suspending and reinstating one, rotating and revoking its keys, each with
a reason and a confirmation.

Owns these pages; the clearinghouse decides (the registry's changes are an
administrator's), logs each change and records who made it in the trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.bureau.base import CONFIRM, BureauPages, confirmed
from console.bureau.charts import net_bars
from timebank.v1 import bureau_pb2

__all__ = ["CityPages", "Guarantee", "ROLES", "STATUS_ACTIONS"]

ROLES = ("volunteer", "elder", "proxy")
MONTHS_CHARTED = 12

# The form's action, and the status it asks for.
STATUS_ACTIONS = {"suspend": "suspended", "reinstate": "active"}
CHANGES_SHOWN = 100
SECONDS_PER_HOUR = 3600


class CityPages:
    def __init__(self, pages: BureauPages) -> None:
        self.pages = pages
        self.calls = pages.calls

    def routes(self) -> list[Route]:
        signed_in = self.pages.signed_in
        return [
            Route("/", signed_in(self.city), methods=["GET"]),
            Route("/now", signed_in(self.now), methods=["GET"]),
            Route("/supervision", signed_in(self.supervision), methods=["GET"]),
            Route("/supervision/live", signed_in(self.supervision_live), methods=["GET"]),
            Route("/supervision/acknowledge", signed_in(self.acknowledge), methods=["POST"]),
            Route("/registry", signed_in(self.registry), methods=["GET"]),
            Route("/registry/status", signed_in(self.set_status), methods=["POST"]),
            Route("/registry/rotate", signed_in(self.rotate), methods=["POST"]),
            Route("/registry/revoke", signed_in(self.revoke), methods=["POST"]),
            Route("/registry/admit", signed_in(self.admit), methods=["POST"]),
        ]

    # -- the city now ---------------------------------------------------------------------------

    async def city(self, request: Request, token: str) -> Response:
        me = self.pages.account(token)
        refresh = self.pages.table.refresh_seconds
        return self.pages.render(request, "bureau/city.html", me=me, now=self.pages.city_now(token), refresh=refresh)

    async def now(self, request: Request, token: str) -> Response:
        """The city's figures alone, for the city page to put in place of its own."""
        return self.pages.render(request, "bureau/now.html", now=self.pages.city_now(token))

    async def supervision(self, request: Request, token: str, message: str = "") -> Response:
        """The nodes' figures and open alerts as each last reported them, the city's sums
        against its guarantee, and the bureau's acknowledgements; refreshed in place."""
        values = self._supervision(token)
        return self.pages.render(
            request,
            "bureau/supervision.html",
            400 if message else 200,
            refresh=self.pages.table.refresh_seconds,
            message=message,
            done=request.query_params.get("done") == "1",
            crumbs=["supervision"],
            **values,
        )

    async def supervision_live(self, request: Request, token: str) -> Response:
        """The supervision page's figures alone, for the page to put in place of its own."""
        return self.pages.render(request, "bureau/supervision_live.html", **self._supervision(token))

    def _supervision(self, token: str) -> dict[str, Any]:
        found = self.calls.call(self.calls.bureau.GetCitySupervision, bureau_pb2.GetCitySupervisionRequest(), token)
        names = {node.node_id: node.display_name for node in self.pages.city_now(token).nodes}
        months = _summed(report.report.months for report in found.nodes)
        outstanding = sum(n.report.outstanding_minutes for n in found.nodes)
        unit = self.pages.labels["minutes_short"][0]
        return {
            "me": self.pages.account(token),
            "nodes": found.nodes,
            "names": names,
            "roles": {role: sum(n.report.people_by_role.get(role, 0) for n in found.nodes) for role in ROLES},
            "outstanding": outstanding,
            "guarantee": Guarantee.of(outstanding, found.guarantee_minutes, found.guarantee_warn_percent),
            "node_totals": {n.node_id: _total(n.report.months) for n in found.nodes},
            "months": months,
            "categories": _summed(report.report.categories for report in found.nodes),
            "chart": net_bars([(key, figures[0]) for key, figures in months[-MONTHS_CHARTED:]], unit),
            "alerts": sorted(
                ((n.node_id, alert) for n in found.nodes for alert in n.report.alerts),
                key=lambda pair: pair[1].raised_at_micros,
                reverse=True,
            ),
            "acknowledged": {(a.node_id, a.alert_id): a for a in found.acknowledgements},
        }

    async def acknowledge(self, request: Request, token: str) -> Response:
        """The bureau acknowledges one node's alert with a note; the clearinghouse sends it on."""
        form = await self.pages.checked_form(request)
        typed = form.get("alert_id", "").strip()
        if not typed.isdigit():
            return await self.supervision(request, token, f"alert_id: got {typed[:20]!r}, want the alert's number")
        wanted = bureau_pb2.AcknowledgeNodeAlertRequest(
            node_id=form.get("node_id", ""), alert_id=int(typed), note=form.get("note", "")
        )

        async def again(refusal: str) -> Response:
            return await self.supervision(request, token, refusal)

        return await self.pages.change(
            token, self.calls.bureau.AcknowledgeNodeAlert, wanted, again, "/supervision?done=1"
        )

    # -- the registry ---------------------------------------------------------------------------

    async def registry(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        listed = self.calls.call(self.calls.bureau.ListRegistry, bureau_pb2.ListRegistryRequest(), token)
        return self.pages.render(
            request,
            "bureau/registry.html",
            400 if message else 200,
            me=self.pages.account(token),
            now=self.pages.city_now(token),
            keys=list(listed.keys),
            changes=list(reversed(listed.changes))[:CHANGES_SHOWN],
            message=message,
            typed=typed or {},
            done=request.query_params.get("done") == "1",
            crumbs=["registry"],
        )

    async def _change(
        self, request: Request, token: str, form: dict[str, str], method: Callable[..., Any], message: Any
    ) -> Response:
        """One registry change from its checked form: refused in place unless confirmed."""

        async def again(refusal: str) -> Response:
            return await self.registry(request, token, refusal, form)

        if not confirmed(form):
            return await again(CONFIRM)
        return await self.pages.change(token, method, message, again, "/registry?done=1")

    async def set_status(self, request: Request, token: str) -> Response:
        form = await self.pages.checked_form(request)
        wanted = bureau_pb2.SetNodeStatusRequest(
            node_id=form.get("node_id", ""),
            status=STATUS_ACTIONS.get(form.get("action", ""), form.get("action", "")),
            reason=form.get("reason", ""),
        )
        return await self._change(request, token, form, self.calls.bureau.SetNodeStatus, wanted)

    async def rotate(self, request: Request, token: str) -> Response:
        form = await self.pages.checked_form(request)
        hours = form.get("overlap_hours", "").strip() or "24"
        if not hours.isdigit():
            return await self.registry(request, token, f"overlap_hours: got {hours[:20]!r}, want whole hours", form)
        wanted = bureau_pb2.RotateNodeKeyRequest(
            node_id=form.get("node_id", ""),
            public_key_pem=form.get("public_key_pem", "").encode(),
            overlap_seconds=int(hours) * SECONDS_PER_HOUR,
        )
        return await self._change(request, token, form, self.calls.bureau.RotateNodeKey, wanted)

    async def revoke(self, request: Request, token: str) -> Response:
        form = await self.pages.checked_form(request)
        wanted = bureau_pb2.RevokeNodeKeyRequest(key_id=form.get("key_id", ""), reason=form.get("reason", ""))
        return await self._change(request, token, form, self.calls.bureau.RevokeNodeKey, wanted)

    async def admit(self, request: Request, token: str) -> Response:
        form = await self.pages.checked_form(request)
        caps = {}
        for name in ("net_debit_cap_minutes", "pending_cap_minutes"):
            typed = form.get(name, "").strip()
            if typed and not typed.isdigit():
                return await self.registry(request, token, f"{name}: got {typed[:20]!r}, want whole minutes", form)
            caps[name] = int(typed or 0)
        wanted = bureau_pb2.AdmitNodeRequest(
            node_id=form.get("node_id", "").strip(),
            display_name=form.get("display_name", ""),
            kind=form.get("kind", "district"),
            public_key_pem=form.get("public_key_pem", "").encode(),
            **caps,
        )
        return await self._change(request, token, form, self.calls.bureau.AdmitNode, wanted)


FIGURES = (
    "deposited_minutes",
    "redeemed_minutes",
    "order_count",
    "donated_minutes",
    "family_minutes",
    "granted_minutes",
)


@dataclass(frozen=True)
class Guarantee:
    """The hours the nodes' members hold against the city's guarantee (0: none configured)."""

    minutes: int
    percent: int
    warn: bool
    warn_percent: int

    @classmethod
    def of(cls, outstanding_minutes: int, guarantee_minutes: int, warn_percent: int) -> Guarantee:
        if guarantee_minutes <= 0:
            return cls(0, 0, False, warn_percent)
        percent = outstanding_minutes * 100 // guarantee_minutes
        return cls(guarantee_minutes, percent, percent >= warn_percent, warn_percent)


def _total(figures: Iterable[Any]) -> tuple[int, ...]:
    """One node's figures over every month, in the order of FIGURES."""
    return tuple(sum(getattr(row, name) for row in figures) for name in FIGURES)


def _summed(lists: Iterable[Iterable[Any]]) -> list[tuple[str, tuple[int, ...]]]:
    """Figures of every node added up by key (a month, a category), in key order, in the
    order of FIGURES."""
    sums: dict[str, list[int]] = {}
    for figures in lists:
        for row in figures:
            total = sums.setdefault(row.key, [0] * len(FIGURES))
            for position, name in enumerate(FIGURES):
                total[position] += getattr(row, name)
    return [(key, tuple(total)) for key, total in sorted(sums.items())]
