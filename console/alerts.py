"""The office's supervision alerts (监管预警): the alerts the node's rules raised (open
ones, or all), each with its evidence, and a director acknowledging one with a note.

Owns this page; the node decides who may acknowledge (a director) and records who did.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office
from timebank.v1 import care_pb2

__all__ = ["AlertPages"]


class AlertPages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/alerts", signed_in(self.alerts), methods=["GET"]),
            Route("/alerts/acknowledge", signed_in(self.acknowledge), methods=["POST"]),
        ]

    async def alerts(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        every = request.query_params.get("all") == "1"
        wanted = care_pb2.ListAlertsRequest(include_acknowledged=every)
        found = self.calls.call(self.calls.care.ListAlerts, wanted, token).alerts
        return self.office.render(
            request,
            "alerts.html",
            400 if message else 200,
            me=self.office.account(token),
            alerts=sorted(found, key=lambda alert: alert.raised_at_micros, reverse=True),
            names=self.office.names(token, (alert.subject_id for alert in found)),
            every=every,
            message=message,
            typed=typed or {},
            crumbs=["alerts"],
        )

    async def acknowledge(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        text = form.get("alert_id", "")

        async def again(message: str) -> Response:
            return await self.alerts(request, token, message, form)

        if not text.isdigit():
            return await again(f"alert_id: got {text!r}, want the alert's number")
        acknowledged = care_pb2.AcknowledgeAlertRequest(alert_id=int(text), note=form.get("note", ""))
        return await self.office.change(token, self.calls.care.AcknowledgeAlert, acknowledged, again, "/alerts")
