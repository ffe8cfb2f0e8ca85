"""The CareDesk gRPC servicer: wire in, desk, wire out.

Owns nothing but the translation. Requests are read field by field into the desk's
arguments (ids checked as 16-byte values that are neither 0 nor all ones); answers are
built from records field for field, since the CareDesk messages carry the records'
field names (`to_message`). Errors leave through timebank.grpc_status.translate_errors,
the one place that maps them to status codes.
"""

from __future__ import annotations

from typing import Any

import grpc

from nodes.care import catalogue
from nodes.care.desk import CareDesk
from timebank import ids
from timebank.errors import RequestInvalid
from timebank.grpc_status import translate_errors
from timebank.logentries import care_record_message
from timebank.v1 import care_pb2 as pb
from timebank.v1 import care_pb2_grpc as pb_grpc

__all__ = ["CareDeskService", "Context", "optional_id", "required_id"]

Context = grpc.ServicerContext


def required_id(raw: bytes, name: str) -> int:
    value = ids.from_bytes(raw, name)
    if value in (0, ids.ID_MAX):
        raise RequestInvalid(f"{name}: 0 and 2^128-1 are not valid ids")
    return value


def optional_id(raw: bytes, name: str) -> int:
    return required_id(raw, name) if raw else 0


def _order_change(request: Any) -> tuple[int, int, str, str]:
    """The order, the person acting (0: none), the operator and the reason of a release or cancellation."""
    return (
        required_id(request.order_id, "order_id"),
        optional_id(request.acting_person_id, "acting_person_id"),
        request.operator,
        request.reason,
    )


class CareDeskService(pb_grpc.CareDeskServicer):
    def __init__(self, desk: CareDesk) -> None:
        self.desk = desk

    # -- people ---------------------------------------------------------------------------------

    @translate_errors
    def RegisterPerson(self, request: pb.RegisterPersonRequest, context: Context) -> pb.Person:
        person = self.desk.register_person(
            required_id(request.person_id, "person_id"),
            request.role,
            request.name,
            request.identity_number,
            request.birth_date,
            request.community,
            request.home_node_id,
        )
        return care_record_message(pb.Person, person)

    @translate_errors
    def SetHardship(self, request: pb.SetHardshipRequest, context: Context) -> pb.Person:
        person = self.desk.set_hardship(
            required_id(request.person_id, "person_id"), request.hardship, request.reason, request.operator
        )
        return care_record_message(pb.Person, person)

    @translate_errors
    def ReviewPerson(self, request: pb.ReviewPersonRequest, context: Context) -> pb.Person:
        person = self.desk.review_person(
            required_id(request.person_id, "person_id"),
            request.approve,
            request.reason,
            request.hardship,
            request.operator,
        )
        return care_record_message(pb.Person, person)

    @translate_errors
    def GetPerson(self, request: pb.GetPersonRequest, context: Context) -> pb.Person:
        return care_record_message(pb.Person, self.desk.person(required_id(request.person_id, "person_id")))

    @translate_errors
    def ListPeople(self, request: pb.ListPeopleRequest, context: Context) -> pb.ListPeopleResponse:
        named = [required_id(raw, "person_ids") for raw in request.person_ids]
        found = self.desk.people(request.state, request.role, request.limit, named)
        return pb.ListPeopleResponse(people=[care_record_message(pb.Person, person) for person in found])

    @translate_errors
    def AddRelationship(self, request: pb.AddRelationshipRequest, context: Context) -> pb.Relationship:
        relationship = self.desk.add_relationship(
            required_id(request.relationship_id, "relationship_id"),
            request.kind,
            required_id(request.person_id, "person_id"),
            request.other_node_id,
            required_id(request.other_person_id, "other_person_id"),
            request.relation,
        )
        return care_record_message(pb.Relationship, relationship)

    @translate_errors
    def ListRelationships(self, request: pb.ListRelationshipsRequest, context: Context) -> pb.ListRelationshipsResponse:
        found = self.desk.relationships(optional_id(request.person_id, "person_id"), request.state, request.limit)
        return pb.ListRelationshipsResponse(relationships=[care_record_message(pb.Relationship, x) for x in found])

    @translate_errors
    def ReviewRelationship(self, request: pb.ReviewRelationshipRequest, context: Context) -> pb.Relationship:
        relationship = self.desk.review_relationship(
            required_id(request.relationship_id, "relationship_id"), request.approve, request.reason, request.operator
        )
        return care_record_message(pb.Relationship, relationship)

    # -- catalogue and qualifications -------------------------------------------------------------

    @translate_errors
    def ListCatalogue(self, request: pb.ListCatalogueRequest, context: Context) -> pb.ListCatalogueResponse:
        return pb.ListCatalogueResponse(
            items=[care_record_message(pb.CatalogueItem, item) for item in self.desk.catalogue()]
        )

    @translate_errors
    def AddCatalogueItem(self, request: pb.AddCatalogueItemRequest, context: Context) -> pb.CatalogueItem:
        wanted = request.item
        item = catalogue.CatalogueItem(
            code=wanted.code,
            name_zh=wanted.name_zh,
            name_en=wanted.name_en,
            category=wanted.category,
            professional=wanted.professional,
            qualifications=tuple(wanted.qualifications),
            rate_percent=wanted.rate_percent or catalogue.RATE_PERCENT_DEFAULT,
            group=wanted.group,
        )
        return care_record_message(pb.CatalogueItem, self.desk.add_catalogue_item(item))

    @translate_errors
    def AddQualification(self, request: pb.AddQualificationRequest, context: Context) -> pb.Qualification:
        qualification = self.desk.add_qualification(
            required_id(request.qualification_id, "qualification_id"),
            required_id(request.person_id, "person_id"),
            request.kind,
            request.issuer,
            request.number,
            request.scope,
            request.expires_on,
        )
        return care_record_message(pb.Qualification, qualification)

    @translate_errors
    def ReviewQualification(self, request: pb.ReviewQualificationRequest, context: Context) -> pb.Qualification:
        qualification = self.desk.review_qualification(
            required_id(request.qualification_id, "qualification_id"), request.approve, request.reason, request.operator
        )
        return care_record_message(pb.Qualification, qualification)

    @translate_errors
    def ListQualifications(
        self, request: pb.ListQualificationsRequest, context: Context
    ) -> pb.ListQualificationsResponse:
        found = self.desk.qualifications(optional_id(request.person_id, "person_id"), request.state, request.limit)
        return pb.ListQualificationsResponse(qualifications=[care_record_message(pb.Qualification, q) for q in found])

    # -- demands and orders -----------------------------------------------------------------------

    @translate_errors
    def PublishDemand(self, request: pb.PublishDemandRequest, context: Context) -> pb.Order:
        order = self.desk.publish_demand(
            required_id(request.order_id, "order_id"),
            required_id(request.elder_id, "elder_id"),
            required_id(request.acting_person_id, "acting_person_id"),
            request.item_code,
            request.window_start_micros,
            request.window_end_micros,
            request.community,
            request.place,
            request.notes,
            request.paid_by,
        )
        return care_record_message(pb.Order, order)

    @translate_errors
    def GetOrder(self, request: pb.GetOrderRequest, context: Context) -> pb.Order:
        return care_record_message(pb.Order, self.desk.order(required_id(request.order_id, "order_id")))

    @translate_errors
    def ListOrders(self, request: pb.ListOrdersRequest, context: Context) -> pb.ListOrdersResponse:
        found = self.desk.orders(request.state, optional_id(request.person_id, "person_id"), request.limit)
        return pb.ListOrdersResponse(orders=[care_record_message(pb.Order, order) for order in found])

    @translate_errors
    def MatchDemand(self, request: pb.MatchDemandRequest, context: Context) -> pb.MatchDemandResponse:
        ranked = self.desk.match(required_id(request.order_id, "order_id"), request.limit)
        return pb.MatchDemandResponse(
            candidates=[care_record_message(pb.Candidate, facts, rank=rank) for rank, facts in ranked]
        )

    @translate_errors
    def AcceptDemand(self, request: pb.AcceptDemandRequest, context: Context) -> pb.Order:
        order = self.desk.accept(
            required_id(request.order_id, "order_id"),
            required_id(request.volunteer_id, "volunteer_id"),
            request.operator,
        )
        return care_record_message(pb.Order, order)

    @translate_errors
    def ReleaseOrder(self, request: pb.ReleaseOrderRequest, context: Context) -> pb.Order:
        order = self.desk.release(*_order_change(request))
        return care_record_message(pb.Order, order)

    @translate_errors
    def CancelOrder(self, request: pb.CancelOrderRequest, context: Context) -> pb.Order:
        order = self.desk.cancel(*_order_change(request))
        return care_record_message(pb.Order, order)

    @translate_errors
    def IssueCode(self, request: pb.IssueCodeRequest, context: Context) -> pb.IssueCodeResponse:
        code, expires_at = self.desk.issue_code(required_id(request.order_id, "order_id"), request.purpose)
        return pb.IssueCodeResponse(code=code, expires_at_micros=expires_at)

    @translate_errors
    def ScanCode(self, request: pb.ScanCodeRequest, context: Context) -> pb.Order:
        order = self.desk.scan(request.code, required_id(request.volunteer_id, "volunteer_id"))
        return care_record_message(pb.Order, order)

    @translate_errors
    def ConfirmOrder(self, request: pb.ConfirmOrderRequest, context: Context) -> pb.Order:
        order = self.desk.confirm(
            required_id(request.order_id, "order_id"), required_id(request.acting_person_id, "acting_person_id")
        )
        return care_record_message(pb.Order, order)

    # -- evaluation, follow-up and disputes ---------------------------------------------------------

    @translate_errors
    def RateOrder(self, request: pb.RateOrderRequest, context: Context) -> pb.Rating:
        rating = self.desk.rate(
            required_id(request.order_id, "order_id"),
            required_id(request.rater_id, "rater_id"),
            request.stars,
            request.comment,
        )
        return care_record_message(pb.Rating, rating)

    @translate_errors
    def RecordFollowUp(self, request: pb.RecordFollowUpRequest, context: Context) -> pb.FollowUp:
        recorded = self.desk.follow_up(required_id(request.order_id, "order_id"), request.operator, request.note)
        return care_record_message(pb.FollowUp, recorded)

    @translate_errors
    def OpenDispute(self, request: pb.OpenDisputeRequest, context: Context) -> pb.Dispute:
        dispute = self.desk.open_dispute(
            required_id(request.dispute_id, "dispute_id"),
            required_id(request.order_id, "order_id"),
            required_id(request.acting_person_id, "acting_person_id"),
            request.reason,
        )
        return care_record_message(pb.Dispute, dispute)

    @translate_errors
    def ResolveDispute(self, request: pb.ResolveDisputeRequest, context: Context) -> pb.Dispute:
        dispute = self.desk.resolve_dispute(
            required_id(request.dispute_id, "dispute_id"),
            request.decision,
            request.decided_minutes,
            request.reason,
            request.operator,
        )
        return care_record_message(pb.Dispute, dispute)

    @translate_errors
    def GetDispute(self, request: pb.GetDisputeRequest, context: Context) -> pb.Dispute:
        return care_record_message(pb.Dispute, self.desk.dispute(required_id(request.dispute_id, "dispute_id")))

    @translate_errors
    def ListDisputes(self, request: pb.ListDisputesRequest, context: Context) -> pb.ListDisputesResponse:
        order_id = optional_id(request.order_id, "order_id")
        found = self.desk.disputes(request.state, order_id, request.limit)
        return pb.ListDisputesResponse(disputes=[care_record_message(pb.Dispute, dispute) for dispute in found])

    # -- moving hours -------------------------------------------------------------------------------

    @translate_errors
    def ListMovements(self, request: pb.ListMovementsRequest, context: Context) -> pb.ListMovementsResponse:
        found = self.desk.movements(required_id(request.person_id, "person_id"), request.limit)
        return pb.ListMovementsResponse(movements=[care_record_message(pb.Movement, x) for x in found])

    @translate_errors
    def GiveHours(self, request: pb.GiveHoursRequest, context: Context) -> pb.Movement:
        movement = self.desk.give(
            required_id(request.transfer_id, "transfer_id"),
            required_id(request.from_person_id, "from_person_id"),
            request.to_node_id,
            required_id(request.to_person_id, "to_person_id"),
            request.amount_minutes,
        )
        return care_record_message(pb.Movement, movement)

    @translate_errors
    def Donate(self, request: pb.DonateRequest, context: Context) -> pb.Movement:
        movement = self.desk.donate(
            required_id(request.transfer_id, "transfer_id"),
            required_id(request.person_id, "person_id"),
            request.amount_minutes,
        )
        return care_record_message(pb.Movement, movement)

    @translate_errors
    def GrantFromPool(self, request: pb.GrantFromPoolRequest, context: Context) -> pb.Movement:
        movement = self.desk.grant(
            required_id(request.transfer_id, "transfer_id"),
            required_id(request.elder_id, "elder_id"),
            request.amount_minutes,
            request.reason,
            request.operator,
        )
        return care_record_message(pb.Movement, movement)

    # -- the points mall ----------------------------------------------------------------------------

    @translate_errors
    def AddMallItem(self, request: pb.AddMallItemRequest, context: Context) -> pb.MallItem:
        item = self.desk.add_mall_item(request.item_code, request.name, request.price_minutes, request.stock_added)
        return care_record_message(pb.MallItem, item)

    @translate_errors
    def ListMallItems(self, request: pb.ListMallItemsRequest, context: Context) -> pb.ListMallItemsResponse:
        return pb.ListMallItemsResponse(
            items=[care_record_message(pb.MallItem, item) for item in self.desk.mall_items()]
        )

    @translate_errors
    def RedeemMallItem(self, request: pb.RedeemMallItemRequest, context: Context) -> pb.MallRedemption:
        redemption = self.desk.redeem(
            required_id(request.redemption_id, "redemption_id"),
            required_id(request.person_id, "person_id"),
            request.item_code,
            request.quantity,
        )
        return care_record_message(pb.MallRedemption, redemption)

    @translate_errors
    def SettleRedemption(self, request: pb.SettleRedemptionRequest, context: Context) -> pb.MallRedemption:
        redemption = self.desk.settle_redemption(required_id(request.redemption_id, "redemption_id"), request.cancel)
        return care_record_message(pb.MallRedemption, redemption)

    @translate_errors
    def ListRedemptions(self, request: pb.ListRedemptionsRequest, context: Context) -> pb.ListRedemptionsResponse:
        found = self.desk.redemptions(request.state, optional_id(request.person_id, "person_id"), request.limit)
        return pb.ListRedemptionsResponse(redemptions=[care_record_message(pb.MallRedemption, x) for x in found])

    # -- teams --------------------------------------------------------------------------------------

    @translate_errors
    def CreateTeam(self, request: pb.CreateTeamRequest, context: Context) -> pb.Team:
        return care_record_message(pb.Team, self.desk.create_team(request.team_code, request.name, request.kind))

    @translate_errors
    def JoinTeam(self, request: pb.JoinTeamRequest, context: Context) -> pb.Team:
        team = self.desk.join_team(request.team_code, required_id(request.person_id, "person_id"))
        return care_record_message(pb.Team, team)

    @translate_errors
    def ListTeams(self, request: pb.ListTeamsRequest, context: Context) -> pb.ListTeamsResponse:
        return pb.ListTeamsResponse(teams=[care_record_message(pb.Team, team) for team in self.desk.teams()])

    # -- statistics, supervision, certificates, policy ------------------------------------------------

    @translate_errors
    def GetStatistics(self, request: pb.GetStatisticsRequest, context: Context) -> pb.Statistics:
        figures = self.desk.statistics(request.from_month, request.to_month)
        return care_record_message(
            pb.Statistics,
            figures,
            rows=[care_record_message(pb.StatisticsRow, row) for row in figures.rows],
            trend=[care_record_message(pb.MonthOutstanding, month) for month in figures.trend],
        )

    @translate_errors
    def ListAlerts(self, request: pb.ListAlertsRequest, context: Context) -> pb.ListAlertsResponse:
        found = self.desk.alerts(request.include_acknowledged)
        return pb.ListAlertsResponse(alerts=[care_record_message(pb.Alert, alert) for alert in found])

    @translate_errors
    def AcknowledgeAlert(self, request: pb.AcknowledgeAlertRequest, context: Context) -> pb.Alert:
        return care_record_message(pb.Alert, self.desk.acknowledge(request.alert_id, request.operator, request.note))

    @translate_errors
    def IssueCertificate(self, request: pb.IssueCertificateRequest, context: Context) -> pb.Certificate:
        issued, html, total = self.desk.certificate(
            required_id(request.certificate_id, "certificate_id"),
            required_id(request.person_id, "person_id"),
            request.period_from,
            request.period_to,
        )
        return pb.Certificate(certificate_file=issued, html=html, total_minutes=total)

    @translate_errors
    def GetPolicy(self, request: pb.GetPolicyRequest, context: Context) -> pb.Policy:
        return care_record_message(pb.Policy, self.desk.policy)

    # -- hours imported from other platforms ----------------------------------------------------------

    @translate_errors
    def SubmitImport(self, request: pb.SubmitImportRequest, context: Context) -> pb.ImportBatch:
        rows = [
            {field.name: str(getattr(row, field.name)) for field in pb.ImportRow.DESCRIPTOR.fields}
            for row in request.rows
        ]
        submitted = self.desk.submit_import(
            required_id(request.batch_id, "batch_id"),
            request.file_name,
            request.file_sha256,
            rows,
            request.dry_run,
            request.operator,
        )
        return _import_message(submitted)

    @translate_errors
    def ReviewImport(self, request: pb.ReviewImportRequest, context: Context) -> pb.ImportBatch:
        decided = self.desk.review_import(
            required_id(request.batch_id, "batch_id"), request.approve, request.note, request.operator
        )
        return _import_message(decided)

    @translate_errors
    def GetImport(self, request: pb.GetImportRequest, context: Context) -> pb.ImportBatch:
        return _import_message(self.desk.get_import(required_id(request.batch_id, "batch_id")))

    @translate_errors
    def ListImports(self, request: pb.ListImportsRequest, context: Context) -> pb.ListImportsResponse:
        found = self.desk.list_imports(request.state, request.limit)
        return pb.ListImportsResponse(batches=[_batch_message(batch) for batch in found])


def _batch_message(batch: Any, **extra: Any) -> pb.ImportBatch:
    return care_record_message(pb.ImportBatch, batch, **extra)


def _import_message(submitted: Any) -> pb.ImportBatch:
    """A batch with its rows: the refused first, then by row number."""
    ordered = sorted(submitted.outcomes, key=lambda outcome: (outcome.accepted, outcome.row_number))
    outcomes = [
        care_record_message(
            pb.ImportOutcome,
            outcome,
            frozenset({"person_id"}),
            person_id=ids.to_bytes(outcome.person_id) if outcome.person_id else b"",
        )
        for outcome in ordered
    ]
    return _batch_message(submitted.batch, outcomes=outcomes)
