"""The office's reports: statistics (统计) for a span of months, with their charts drawn
here as SVG (no script, so they print and work offline) and their export, and a
volunteer's certificate of service hours (证书): the printable page and the signed file
that `timebank certificate verify` checks offline.

Owns these pages and the charts' geometry. A certificate is issued once per form: the
page and the file shown together are the same signed certificate.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.calls import Refusal
from console.office import PAGE_LEVEL, Office, path_id, submitted_id
from console.people import PeoplePages
from timebank import ids
from timebank.v1 import care_pb2

__all__ = ["Bar", "ReportPages", "bars"]

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CHART_HEIGHT = 160
BAR_WIDTH = 28
BAR_GAP = 14


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its value, and where it stands (in SVG units)."""

    label: str
    value: int
    x: int
    height: int


def bars(values: Sequence[tuple[str, int]], height: int = CHART_HEIGHT) -> list[Bar]:
    """Bars for the values, scaled so that the largest is the chart's height."""
    top = max([value for _, value in values] + [1])
    return [
        Bar(label, value, index * (BAR_WIDTH + BAR_GAP), round(height * max(value, 0) / top))
        for index, (label, value) in enumerate(values)
    ]


class ReportPages:
    def __init__(self, office: Office, people: PeoplePages) -> None:
        self.office = office
        self.people = people
        self.calls = office.calls

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/statistics", signed_in(self.statistics), methods=["GET"]),
            Route("/people/{person_id}/certificate", signed_in(self.certificate), methods=["POST"]),
        ]

    async def statistics(self, request: Request, token: str) -> Response:
        first = request.query_params.get("from", "")
        last = request.query_params.get("to", "")
        wrong = [(name, value) for name, value in (("from", first), ("to", last)) if value and not MONTH.match(value)]
        problem = "; ".join(f"{name}: got {value!r}, want a month YYYY-MM" for name, value in wrong)
        wanted = care_pb2.GetStatisticsRequest(from_month="" if problem else first, to_month="" if problem else last)
        figures = self.calls.call(self.calls.care.GetStatistics, wanted, token)
        months = [row for row in figures.rows if row.dimension == "month"]
        return self.office.render(
            request,
            "statistics.html",
            400 if problem else 200,
            me=self.office.account(token),
            figures=figures,
            first=first,
            last=last,
            message=problem,
            deposited=bars([(row.key, row.deposited_minutes) for row in months]),
            outstanding=bars([(month.month, month.outstanding_minutes) for month in figures.trend]),
            dimensions=("category", "team", "month"),
            chart_height=CHART_HEIGHT,
            bar_width=BAR_WIDTH,
            items=self.office.items(token),
            crumbs=["statistics"],
        )

    async def certificate(self, request: Request, token: str) -> Response:
        """Issues the volunteer's certificate for the period: its printable page, and its
        signed file to save beside it."""
        form = await self.office.checked_form(request)
        person_id = path_id(request, "person_id")
        issued = care_pb2.IssueCertificateRequest(
            certificate_id=ids.to_bytes(submitted_id(form, "certificate_id")),
            person_id=ids.to_bytes(person_id),
            period_from=form.get("period_from", ""),
            period_to=form.get("period_to", ""),
        )
        try:
            answer = self.calls.call(self.calls.care.IssueCertificate, issued, token)
        except Refusal as refusal:  # shown on the person's page, beside the form
            if refusal.code in PAGE_LEVEL:
                raise
            return await self.people.person(request, token, refusal.detail, {**form, "form": "certificate"})
        return self.office.render(
            request,
            "certificate.html",
            me=self.office.account(token),
            person_hex=ids.to_hex(person_id),
            certificate_hex=form["certificate_id"],
            answer=answer,
            file_base64=base64.b64encode(answer.certificate_file).decode("ascii"),
            crumbs=["people", "person", "certificate"],
        )
