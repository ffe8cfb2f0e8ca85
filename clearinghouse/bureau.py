"""The Bureau servicer: bureau.proto's calls, each mapped to the registry's changes or to a
read of `clearinghouse.supervision`, and the roles of the bureau's staff for every call
of Bureau and Settlement.

Owns the edge: the certificate's party (changes need "bureau", reads "bureau" or
"auditor"), the messages in and out, and what an `action` row of the trail says of a
change (the node or key, and the reason). The session's account and its role are the
guard's (`timebank.operators.guard`), in front of this servicer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from clearinghouse import acknowledgements, registry, security, supervision
from clearinghouse.coordinator import Coordinator
from clearinghouse.records import AUDITOR_PARTY, BUREAU_PARTY, AlertAcknowledged, CrossRecord
from clearinghouse.sightings import Sightings
from clearinghouse.store import supervision as supervision_store
from timebank import ids, keys, pki
from timebank.alarms import Alarm
from timebank.errors import ConfigError, NotFound, RequestInvalid
from timebank.grpc_status import translate_errors
from timebank.operators.records import Role
from timebank.quoting import quoted
from timebank.storage.engine import read_transaction
from timebank.v1 import bureau_pb2 as pb
from timebank.v1 import bureau_pb2_grpc as pb_grpc
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "BUREAU_CHANGES",
    "BUREAU_ROLES",
    "BureauService",
    "Defaults",
    "OVERLAP_SECONDS_DEFAULT",
    "OVERLAP_SECONDS_MAX",
    "SETTLEMENT_CHANGES",
    "SETTLEMENT_ROLES",
    "describe",
]

READERS = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR})
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})
SUPERVISORS = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})
REGISTRY_CHANGES = frozenset({"AdmitNode", "SetNodeStatus", "RotateNodeKey", "RevokeNodeKey"})
BUREAU_CHANGES = REGISTRY_CHANGES | {"AcknowledgeNodeAlert"}
BUREAU_ROLES: Mapping[str, frozenset[Role]] = {
    name: ADMINISTRATORS if name in REGISTRY_CHANGES else SUPERVISORS if name in BUREAU_CHANGES else READERS
    for name in pb.DESCRIPTOR.services_by_name["Bureau"].methods_by_name
}
SETTLEMENT_CHANGES = frozenset({"CloseCycle"})
SETTLEMENT_ROLES: Mapping[str, frozenset[Role]] = {
    "CloseCycle": ADMINISTRATORS,
    "GetReconReport": READERS,
    "GetCrossTransfer": READERS,
}
OVERLAP_SECONDS_DEFAULT = 86_400
OVERLAP_SECONDS_MAX = 30 * 86_400
SEARCH_LIMIT_DEFAULT = 100
EVENTS_LIMIT_DEFAULT, EVENTS_LIMIT_MAX = 200, 1_000
CYCLES_LIMIT_DEFAULT = 20


@dataclass(frozen=True)
class Defaults:
    """The caps a node is admitted with when the request leaves them 0, and the city's
    guarantee the supervision figures are shown against (the config's)."""

    net_debit_cap_minutes: int
    pending_cap_minutes: int
    guarantee_minutes: int = 0
    guarantee_warn_percent: int = 80


def describe(name: str, request: Any) -> str:
    """What the trail says of a change made: the node or key it named, and the reason (or note)."""
    subject = getattr(request, "node_id", "") or getattr(request, "key_id", "")
    what = {
        "SetNodeStatus": getattr(request, "status", ""),
        "AcknowledgeNodeAlert": f"alert {getattr(request, 'alert_id', 0)}",
    }.get(name, "")
    reason = getattr(request, "reason", "") or getattr(request, "note", "")
    return " ".join(part for part in (subject, what, f"({reason[:200]})" if reason else "") if part)


class BureauService(pb_grpc.BureauServicer):
    def __init__(
        self,
        coordinator: Coordinator,
        sightings: Sightings,
        defaults: Defaults,
        insecure: bool,
        events: security.SecurityEvents | None = None,
    ) -> None:
        self.events = events
        self.coordinator = coordinator
        self.books = coordinator.books
        self.clock = coordinator.clock
        self.sightings = sightings
        self.defaults = defaults
        self.insecure = insecure

    def admit_reader(self, context: grpc.ServicerContext) -> None:
        """Refuses a peer that is neither the bureau nor an auditor (the staff accounts are theirs)."""
        self._require_party(context, change=False)

    def _require_party(self, context: grpc.ServicerContext, change: bool) -> None:
        if not self.insecure:
            pki.require_peer(context, (BUREAU_PARTY,) if change else (BUREAU_PARTY, AUDITOR_PARTY))

    def _node(self, node_id: str) -> pb.NodeState:
        with read_transaction(self.books.engine) as connection:
            view = supervision.city_now(connection, self.sightings.all())
        for node in view.nodes:
            if node.record.node_id == node_id:
                return _node_message(node)
        raise NotFound(f"node_id: node {quoted(node_id)} is not admitted")

    # -- the city now -------------------------------------------------------------------------

    @translate_errors
    def GetCityNow(self, request: pb.GetCityNowRequest, context: grpc.ServicerContext) -> pb.CityNow:
        self._require_party(context, change=False)
        with read_transaction(self.books.engine) as connection:
            view = supervision.city_now(connection, self.sightings.all())
        return pb.CityNow(
            at_micros=self.clock.now_micros(),
            nodes=[_node_message(node) for node in view.nodes],
            transfers=view.transfers,
            log_size=view.log_size,
            log_checkpoint_size=view.log_checkpoint_size,
            open_cycle_id=view.open_cycle_id,
            open_cycle_closes_at_micros=view.open_cycle_closes_at_micros,
            alarms=[_alarm_message(alarm) for alarm in view.alarms],
            halted_reason=self.books.halted_reason or "",
        )

    # -- the registry ---------------------------------------------------------------------------

    @translate_errors
    def AdmitNode(self, request: pb.AdmitNodeRequest, context: grpc.ServicerContext) -> pb.NodeState:
        self._require_party(context, change=True)
        public = _public_key(request.public_key_pem)
        now = self.clock.now_micros()
        self.books.write(
            lambda connection: registry.admit(
                connection,
                node_id=request.node_id,
                display_name=request.display_name.strip(),
                kind=request.kind or "district",
                public_key=public,
                net_debit_cap_minutes=request.net_debit_cap_minutes or self.defaults.net_debit_cap_minutes,
                pending_cap_minutes=request.pending_cap_minutes or self.defaults.pending_cap_minutes,
                at_micros=now,
            )
        )
        return self._node(request.node_id)

    @translate_errors
    def SetNodeStatus(self, request: pb.SetNodeStatusRequest, context: grpc.ServicerContext) -> pb.NodeState:
        self._require_party(context, change=True)
        now = self.clock.now_micros()
        self.books.write(
            lambda connection: registry.set_status(connection, request.node_id, request.status, request.reason, now)
        )
        return self._node(request.node_id)

    @translate_errors
    def RotateNodeKey(
        self, request: pb.RotateNodeKeyRequest, context: grpc.ServicerContext
    ) -> pb.RotateNodeKeyResponse:
        self._require_party(context, change=True)
        overlap = request.overlap_seconds or OVERLAP_SECONDS_DEFAULT
        if not 0 < overlap <= OVERLAP_SECONDS_MAX:
            raise RequestInvalid(f"overlap_seconds: got {overlap}, want 1 to {OVERLAP_SECONDS_MAX} (30 days)")
        public = _public_key(request.public_key_pem)
        now = self.clock.now_micros()

        key_id = self.books.write(
            lambda connection: registry.rotate_key(connection, request.node_id, public, overlap * 1_000_000, now)
        )
        return pb.RotateNodeKeyResponse(key_id=key_id)

    @translate_errors
    def RevokeNodeKey(
        self, request: pb.RevokeNodeKeyRequest, context: grpc.ServicerContext
    ) -> pb.RevokeNodeKeyResponse:
        self._require_party(context, change=True)
        now = self.clock.now_micros()
        self.books.write(lambda connection: registry.revoke_key(connection, request.key_id, request.reason, now))
        return pb.RevokeNodeKeyResponse()

    @translate_errors
    def ListRegistry(self, request: pb.ListRegistryRequest, context: grpc.ServicerContext) -> pb.ListRegistryResponse:
        self._require_party(context, change=False)
        with read_transaction(self.books.engine) as connection:
            ring = registry.key_ring(connection)
            changes = registry.events(connection)[-1000:]
        return pb.ListRegistryResponse(
            keys=[
                pb.RegistryKey(
                    key_id=key.key_id,
                    party_id=key.party_id,
                    valid_from_micros=key.valid_from_micros,
                    valid_until_micros=key.valid_until_micros or 0,
                    revoked_at_micros=key.revoked_at_micros or 0,
                )
                for key in ring.records()
            ],
            changes=[
                pb.RegistryChange(
                    sequence=int(str(change["sequence"])),
                    at_micros=int(str(change["at_micros"])),
                    action=str(change["action"]),
                    node_id=str(change["node_id"]),
                    detail=str(change["detail"]),
                )
                for change in changes
            ],
        )

    # -- transfers, cycles, the log ------------------------------------------------------------

    @translate_errors
    def SearchCrossTransfers(
        self, request: pb.SearchCrossTransfersRequest, context: grpc.ServicerContext
    ) -> pb.SearchCrossTransfersResponse:
        self._require_party(context, change=False)
        wanted = supervision.Search(
            id_prefix=request.transfer_id_prefix,
            node_id=request.node_id,
            state=request.state,
            prepared_from_micros=request.prepared_from_micros,
            prepared_to_micros=request.prepared_to_micros,
            limit=request.limit or SEARCH_LIMIT_DEFAULT,
        )
        with read_transaction(self.books.engine) as connection:
            found, more = supervision.search(connection, wanted)
        return pb.SearchCrossTransfersResponse(transfers=[_summary(record) for record in found], more=more)

    @translate_errors
    def ListCycles(self, request: pb.ListCyclesRequest, context: grpc.ServicerContext) -> pb.ListCyclesResponse:
        self._require_party(context, change=False)
        with read_transaction(self.books.engine) as connection:
            views = supervision.cycles(connection, request.limit or CYCLES_LIMIT_DEFAULT)
        return pb.ListCyclesResponse(cycles=[_cycle_message(view) for view in views])

    @translate_errors
    def GetCitySupervision(
        self, request: pb.GetCitySupervisionRequest, context: grpc.ServicerContext
    ) -> pb.CitySupervision:
        self._require_party(context, change=False)
        with read_transaction(self.books.engine) as connection:
            found = supervision_store.reports(connection)
            done = supervision_store.acknowledgements(connection)
        answer = _supervision_message(found, done)
        answer.guarantee_minutes = self.defaults.guarantee_minutes
        answer.guarantee_warn_percent = self.defaults.guarantee_warn_percent
        return answer

    @translate_errors
    def AcknowledgeNodeAlert(
        self, request: pb.AcknowledgeNodeAlertRequest, context: grpc.ServicerContext
    ) -> pb.BureauAcknowledgement:
        self._require_party(context, change=True)
        account = request.operator or BUREAU_PARTY
        done = self.coordinator.in_batch(
            lambda batch: acknowledgements.acknowledge(batch, request.node_id, request.alert_id, account, request.note)
        )
        return _acknowledgement_message(done)

    @translate_errors
    def GetLogStatus(self, request: pb.GetLogStatusRequest, context: grpc.ServicerContext) -> pb.LogStatus:
        self._require_party(context, change=False)
        with read_transaction(self.books.engine) as connection:
            view = supervision.log_status(connection, self.sightings.all())
        return pb.LogStatus(
            size=view.size,
            last_logged_at_micros=view.last_logged_at_micros,
            checkpoints=[_checkpoint_summary(signed) for signed in view.checkpoints],
            witnessed_sizes=view.witnessed_sizes,
            alarms=[_alarm_message(alarm) for alarm in view.alarms],
        )

    # -- security events --------------------------------------------------------------------------

    @translate_errors
    def ListSecurityEvents(
        self, request: pb.ListSecurityEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListSecurityEventsResponse:
        self._require_party(context, change=False)
        if request.kind and request.kind not in security.KINDS:
            raise RequestInvalid(f"kind: got {quoted(request.kind)}, want one of {', '.join(security.KINDS)}")
        if not 0 <= request.limit <= EVENTS_LIMIT_MAX:
            raise RequestInvalid(
                f"limit: got {request.limit}, want 0 to {EVENTS_LIMIT_MAX} (0: {EVENTS_LIMIT_DEFAULT})"
            )
        if self.events is not None:
            self.events.flush(self.books.engine)  # the minute now, not only the windows written before
        with read_transaction(self.books.engine) as connection:
            found = security.read(connection, request.kind or None, request.limit or EVENTS_LIMIT_DEFAULT)
        return pb.ListSecurityEventsResponse(events=[_event_message(window) for window in found])


def _supervision_message(found: list[tuple[str, int, bytes]], done: list[AlertAcknowledged]) -> pb.CitySupervision:
    """The reports, and the bureau's acknowledgements of the alerts still open in them."""
    nodes = [
        pb.NodeSupervision(
            node_id=node_id, received_at_micros=received, report=cpb.SupervisionReport.FromString(report)
        )
        for node_id, received, report in found
    ]
    still_open = {(node.node_id, alert.alert_id) for node in nodes for alert in node.report.alerts}
    return pb.CitySupervision(
        nodes=nodes,
        acknowledgements=[_acknowledgement_message(a) for a in done if (a.node_id, a.alert_id) in still_open],
    )


def _acknowledgement_message(done: AlertAcknowledged) -> pb.BureauAcknowledgement:
    return pb.BureauAcknowledgement(
        node_id=done.node_id,
        alert_id=done.alert_id,
        account=done.account,
        note=done.note,
        acknowledged_at_micros=done.acknowledged_at_micros,
        delivered=done.delivered,
    )


def _public_key(pem: bytes) -> bytes:
    try:
        return keys.public_bytes(keys.public_key_from_pem(pem))
    except ConfigError:
        raise RequestInvalid("public_key_pem: want an Ed25519 public key in PEM (`timebank node public-key`)") from None


def _node_message(node: supervision.NodeView) -> pb.NodeState:
    record = node.record
    return pb.NodeState(
        node_id=record.node_id,
        display_name=record.display_name,
        kind=record.kind,
        status=str(record.status),
        net_debit_cap_minutes=record.net_debit_cap_minutes,
        pending_cap_minutes=record.pending_cap_minutes,
        admitted_at_micros=record.admitted_at_micros,
        last_exchange_at_micros=node.last_exchange_at_micros,
        items_waiting=node.items_waiting,
        transfers_held=node.transfers_held,
        position_minutes=node.position_minutes,
        witnessed_log_size=node.witnessed_log_size,
        open_alerts=node.open_alerts,
        open_alarms=node.open_alarms,
        reported_at_micros=node.reported_at_micros,
    )


def _alarm_message(alarm: Alarm) -> pb.Alarm:
    return pb.Alarm(
        sequence=alarm.sequence, kind=alarm.kind, detail=alarm.detail, raised_at_micros=alarm.raised_at_micros
    )


def _summary(record: CrossRecord) -> pb.CrossTransferSummary:
    return pb.CrossTransferSummary(
        transfer_id=ids.to_bytes(record.transfer_id),
        debit_node_id=record.debit_node_id,
        credit_node_id=record.credit_node_id,
        amount_minutes=record.amount_minutes,
        state=str(record.state),
        reason=record.reason,
        prepared_at_micros=record.prepared_at_micros,
        decided_at_micros=record.decided_at_micros or 0,
        cycle_id=record.cycle_id or 0,
    )


def _cycle_message(view: supervision.CycleView) -> pb.Cycle:
    cycle = view.cycle
    return pb.Cycle(
        cycle_id=cycle.cycle_id,
        opened_at_micros=cycle.opened_at_micros,
        closes_at_micros=cycle.closes_at_micros,
        closed_at_micros=cycle.closed_at_micros or 0,
        scheduled=bool(cycle.scheduled),
        positions=[
            pb.CyclePosition(
                node_id=p.node_id,
                debits_minutes=p.debits_minutes,
                debit_count=p.debit_count,
                credits_minutes=p.credits_minutes,
                credit_count=p.credit_count,
                net_minutes=p.net_minutes,
                closing_minutes=p.closing_minutes,
            )
            for p in view.positions
        ],
        flows=[
            pb.CycleFlow(debit_node_id=debit, credit_node_id=credit, amount_minutes=minutes, count=count)
            for debit, credit, minutes, count in view.flows
        ],
    )


def _checkpoint_summary(signed: lpb.SignedCheckpoint) -> pb.CheckpointSummary:
    checkpoint = lpb.Checkpoint.FromString(signed.checkpoint)
    return pb.CheckpointSummary(
        tree_size=checkpoint.size,
        root_hash=checkpoint.root_hash,
        published_at_micros=checkpoint.timestamp_micros,
        key_id=signed.key_id,
    )


def _event_message(window: security.EventWindow) -> pb.SecurityEvent:
    return pb.SecurityEvent(
        kind=window.kind,
        peer=window.peer,
        window_start_micros=window.window_start_micros,
        first_at_micros=window.first_at_micros,
        last_at_micros=window.last_at_micros,
        occurrences=window.occurrences,
        detail=window.detail,
        evidence=window.evidence or b"",
    )
