"""Settlement as the bureau supervises it: the search over cross-node transfers (跨节点转账)
and one transfer's whole timeline, the cycles (结算周期) with every node's position, a chart
of the net positions and the flows between nodes, closing the open cycle by hand, each
cycle's signed reconciliation report with its breaks and downloads, and the log (透明日志).

Owns these pages; the clearinghouse answers every read and decides the close (an
administrator's), recording who closed it in the trail.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.bureau.base import CONFIRM, BureauPages, confirmed
from console.bureau.charts import flow_matrix, net_bars
from console.calls import Refusal
from console.desk import PAGE_LEVEL
from timebank import ids
from timebank.v1 import bureau_pb2, clearing_pb2, operators_pb2

__all__ = ["REPORT_FILES", "SettlementPages"]

STATES = ("prepared", "committed", "aborted")
SEARCH_LIMIT = 200
CYCLES_SHOWN = 20
REPORTS_KEPT = 8
# The downloads of a report: its form, and what it is sent as.
REPORT_FILES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "sig": "application/octet-stream",
}


class SettlementPages:
    def __init__(self, pages: BureauPages) -> None:
        self.pages = pages
        self.calls = pages.calls
        self.reports: dict[int, clearing_pb2.ReconReport] = {}  # by cycle, the newest REPORTS_KEPT

    def routes(self) -> list[Route]:
        signed_in = self.pages.signed_in
        return [
            Route("/transfers", signed_in(self.transfers), methods=["GET"]),
            Route("/transfers/{transfer_id}", signed_in(self.transfer), methods=["GET"]),
            Route("/cycles", signed_in(self.cycles), methods=["GET"]),
            Route("/cycles/close", signed_in(self.close), methods=["POST"]),
            Route("/cycles/{cycle_id:int}/report", signed_in(self.report), methods=["GET"]),
            Route("/cycles/{cycle_id:int}/report.{form}", signed_in(self.report_file), methods=["GET"]),
            Route("/log", signed_in(self.log), methods=["GET"]),
        ]

    # -- transfers ------------------------------------------------------------------------------

    async def transfers(self, request: Request, token: str) -> Response:
        query = {key: request.query_params.get(key, "") for key in ("id", "node", "state", "from", "to")}
        message, found, more = "", [], False
        try:
            wanted = bureau_pb2.SearchCrossTransfersRequest(
                transfer_id_prefix=query["id"].strip().lower(),
                node_id=query["node"],
                state=query["state"],
                prepared_from_micros=self.pages.micros_of(query["from"], "from"),
                prepared_to_micros=self.pages.micros_of(query["to"], "to"),
                limit=SEARCH_LIMIT,
            )
            answer = self.calls.call(self.calls.bureau.SearchCrossTransfers, wanted, token)
            found, more = list(answer.transfers), answer.more
        except ValueError as error:
            message = str(error)
        except Refusal as refusal:
            if refusal.code in PAGE_LEVEL:
                raise
            message = refusal.detail
        return self.pages.render(
            request,
            "bureau/transfers.html",
            400 if message else 200,
            me=self.pages.account(token),
            nodes=self.pages.city_now(token).nodes,
            states=STATES,
            query=query,
            transfers=[(ids.to_hex(ids.from_bytes(t.transfer_id, "transfer_id")), t) for t in found],
            more=more,
            limit=SEARCH_LIMIT,
            message=message,
            crumbs=["transfers"],
        )

    async def transfer(self, request: Request, token: str) -> Response:
        found = ids.parse_text(request.path_params["transfer_id"])
        if found is None:
            raise HTTPException(404, "transfer_id: want 32 hexadecimal digits")
        wanted = clearing_pb2.GetCrossTransferRequest(transfer_id=ids.to_bytes(found))
        timeline = self.calls.call(self.calls.settlement.GetCrossTransfer, wanted, token)
        return self.pages.render(
            request,
            "bureau/transfer.html",
            me=self.pages.account(token),
            timeline=timeline,
            transfer_hex=ids.to_hex(found),
            returns_hex=ids.to_hex(ids.from_bytes(timeline.returns_id, "returns_id")) if timeline.returns_id else "",
            crumbs=["transfers", "transfer"],
        )

    # -- cycles ---------------------------------------------------------------------------------

    async def cycles(self, request: Request, token: str, message: str = "") -> Response:
        listed = self.calls.call(
            self.calls.bureau.ListCycles, bureau_pb2.ListCyclesRequest(limit=CYCLES_SHOWN), token
        ).cycles
        now = self.pages.city_now(token)
        names = {node.node_id: node.display_name for node in now.nodes}
        node_ids = [node.node_id for node in now.nodes]
        unit = self.pages.labels["minutes_short"][0]
        shown = [
            (
                cycle,
                net_bars([(names.get(p.node_id, p.node_id), p.net_minutes) for p in cycle.positions], unit),
                flow_matrix(
                    node_ids, [(f.debit_node_id, f.credit_node_id, f.amount_minutes, f.count) for f in cycle.flows]
                ),
            )
            for cycle in listed
        ]
        return self.pages.render(
            request,
            "bureau/cycles.html",
            400 if message else 200,
            me=self.pages.account(token),
            cycles=shown,
            node_ids=node_ids,
            names=names,
            message=message,
            done=request.query_params.get("done") == "1",
            crumbs=["cycles"],
        )

    async def close(self, request: Request, token: str) -> Response:
        form = await self.pages.checked_form(request)

        async def again(refusal: str) -> Response:
            return await self.cycles(request, token, refusal)

        if not confirmed(form):
            return await again(CONFIRM)
        return await self.pages.change(
            token, self.calls.settlement.CloseCycle, clearing_pb2.CloseCycleRequest(), again, "/cycles?done=1"
        )

    def _report(self, token: str, cycle_id: int, fresh: bool = False) -> clearing_pb2.ReconReport:
        """The cycle's signed report: made (and logged) by the clearinghouse once, then kept here, so
        the page and its downloads are the same signed document; fresh: made again (statements in since)."""
        kept = self.reports.get(cycle_id)
        if kept is not None and not fresh:
            self.calls.call(self.calls.operators.WhoAmI, operators_pb2.WhoAmIRequest(), token)  # still signed in
            return kept
        wanted = clearing_pb2.ReconReportRequest(cycle_id=cycle_id)
        report = self.calls.call(self.calls.settlement.GetReconReport, wanted, token)
        if len(self.reports) >= REPORTS_KEPT:
            self.reports.pop(next(iter(self.reports)))
        self.reports[cycle_id] = report
        return report

    async def report(self, request: Request, token: str) -> Response:
        cycle_id = int(request.path_params["cycle_id"])
        report = self._report(token, cycle_id, fresh=request.query_params.get("fresh") == "1")
        document = json.loads(report.json)
        return self.pages.render(
            request,
            "bureau/report.html",
            me=self.pages.account(token),
            report=report,
            document=document,
            cycle_id=cycle_id,
            forms=tuple(REPORT_FILES),
            crumbs=["cycles", "report"],
        )

    async def report_file(self, request: Request, token: str) -> Response:
        cycle_id, form = int(request.path_params["cycle_id"]), request.path_params["form"]
        if form not in REPORT_FILES:
            raise HTTPException(404, f"form: got {form[:20]!r}, want one of {', '.join(REPORT_FILES)}")
        report = self._report(token, cycle_id)
        body = {"json": report.json, "csv": report.csv.encode(), "html": report.html.encode(), "sig": report.signature}
        headers = {"content-disposition": f'attachment; filename="cycle-{cycle_id}.{form}"'}
        return Response(body[form], media_type=REPORT_FILES[form], headers=headers)

    # -- the log --------------------------------------------------------------------------------

    async def log(self, request: Request, token: str) -> Response:
        status = self.calls.call(self.calls.bureau.GetLogStatus, bureau_pb2.GetLogStatusRequest(), token)
        return self.pages.render(
            request,
            "bureau/log.html",
            me=self.pages.account(token),
            status=status,
            nodes=self.pages.city_now(token).nodes,
            crumbs=["log"],
        )


def _flows(cycle: bureau_pb2.Cycle) -> list[tuple[str, str, int, int]]:
    return [(f.debit_node_id, f.credit_node_id, f.amount_minutes, f.count) for f in cycle.flows]
