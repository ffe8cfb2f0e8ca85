"""The node's own state (节点状态), for the office: whether it accepts writes or halted and
why, its link to the clearinghouse (exchanges and failures since start, items waiting in
the outbox), its transparency log and checkpoints, its open alarms, and the cross-node
transfers it holds a leg of (通存通兑), those waiting for a decision first.

Owns this page. It reads the node's NodeLedger contract (GetNodeInfo,
ListCrossNodeTransfers) for a signed-in account.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.office import Office
from timebank.v1 import ledger_pb2

__all__ = ["CROSS_STATES", "StatePages"]

CROSS_STATES = {
    "held": ledger_pb2.CROSS_NODE_STATE_HELD,
    "committed": ledger_pb2.CROSS_NODE_STATE_COMMITTED,
    "aborted": ledger_pb2.CROSS_NODE_STATE_ABORTED,
    "all": ledger_pb2.CROSS_NODE_STATE_UNSPECIFIED,
}
STATE_NAMES = {code: name for name, code in CROSS_STATES.items()}
SHOWN = 200


class StatePages:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.calls = office.calls

    def routes(self) -> list[Route]:
        return [Route("/node", self.office.signed_in(self.state), methods=["GET"])]

    async def state(self, request: Request, token: str) -> Response:
        me = self.office.account(token)  # a signed-in account, before the node's state is read
        chosen = request.query_params.get("state", "held")
        chosen = chosen if chosen in CROSS_STATES else "held"
        info = self.calls.call(self.calls.ledger.GetNodeInfo, ledger_pb2.GetNodeInfoRequest())
        wanted = ledger_pb2.ListCrossNodeTransfersRequest(state=CROSS_STATES[chosen], limit=SHOWN)
        transfers = self.calls.call(self.calls.ledger.ListCrossNodeTransfers, wanted).transfers
        return self.office.render(
            request,
            "node.html",
            me=me,
            info=info,
            transfers=transfers,
            state_names=STATE_NAMES,
            states=list(CROSS_STATES),
            chosen=chosen,
            crumbs=["node_state"],
        )
