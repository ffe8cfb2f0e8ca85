"""CareDesk: every time-bank operation of a node, each in one transaction, on the desk's
shared state (nodes.care.desk.context.Desk).

Owns nothing but the names and signatures its callers use (the gRPC servicer, the
server that builds it): each method hands its arguments to the module of its subject.
Must not: hold an operation's logic, SQL, or know about protobuf or gRPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules
from nodes.care.catalogue import CatalogueItem
from nodes.care.desk import disputes, hours, imports, mall, oversight, own, people, qualifications, teams, visits
from nodes.care.desk import orders as order_desk
from nodes.care.desk.context import Desk
from nodes.care.store import people as people_rows
from timebank.ledger.model import TransferRequest
from timebank.protocol import AlertAcknowledgement

__all__ = ["CareDesk"]


class CareDesk(Desk):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.crossing is not None:  # the bureau's acknowledgements of alerts come through it
            self.crossing.receiving.alert_acknowledged = self.acknowledged_by_bureau

    # -- people and relationships ---------------------------------------------------------------

    def register_person(
        self,
        person_id: int,
        role: str,
        name: str,
        identity_number: str,
        birth_date: str,
        community: str,
        home_node_id: str = "",
    ) -> r.Person:
        return people.register_person(self, person_id, role, name, identity_number, birth_date, community, home_node_id)

    def review_person(self, person_id: int, approve: bool, reason: str, hardship: bool, operator: str) -> r.Person:
        return people.review_person(self, person_id, approve, reason, hardship, operator)

    def set_hardship(self, person_id: int, hardship: bool, reason: str, operator: str) -> r.Person:
        return people.set_hardship(self, person_id, hardship, reason, operator)

    def person(self, person_id: int) -> r.Person:
        return people.person(self, person_id)

    def people(self, state: str, role: str, limit: int, person_ids: Sequence[int] = ()) -> list[r.Person]:
        return people.people(self, state, role, limit, person_ids)

    def add_relationship(
        self, relationship_id: int, kind: str, person_id: int, other_node_id: str, other_person_id: int, relation: str
    ) -> r.Relationship:
        return people.add_relationship(self, relationship_id, kind, person_id, other_node_id, other_person_id, relation)

    def review_relationship(self, relationship_id: int, approve: bool, reason: str, operator: str) -> r.Relationship:
        return people.review_relationship(self, relationship_id, approve, reason, operator)

    def relationships(self, person_id: int, state: str, limit: int) -> list[r.Relationship]:
        return people.relationships(self, person_id, state, limit)

    # -- catalogue and qualifications -----------------------------------------------------------

    def catalogue(self) -> list[CatalogueItem]:
        return qualifications.catalogue_items(self)

    def add_catalogue_item(self, item: CatalogueItem) -> CatalogueItem:
        return qualifications.add_catalogue_item(self, item)

    def add_qualification(
        self, qualification_id: int, person_id: int, kind: str, issuer: str, number: str, scope: str, expires_on: str
    ) -> r.Qualification:
        return qualifications.add_qualification(
            self, qualification_id, person_id, kind, issuer, number, scope, expires_on
        )

    def review_qualification(self, qualification_id: int, approve: bool, reason: str, operator: str) -> r.Qualification:
        return qualifications.review_qualification(self, qualification_id, approve, reason, operator)

    def qualifications(self, person_id: int, state: str, limit: int) -> list[r.Qualification]:
        return qualifications.qualifications(self, person_id, state, limit)

    # -- demands and orders -----------------------------------------------------------------------

    def publish_demand(
        self,
        order_id: int,
        elder_id: int,
        acting_person_id: int,
        item_code: str,
        window_start_micros: int,
        window_end_micros: int,
        community: str,
        place: str,
        notes: str,
        paid_by: str,
    ) -> r.Order:
        return order_desk.publish_demand(
            self,
            order_id,
            elder_id,
            acting_person_id,
            item_code,
            window_start_micros,
            window_end_micros,
            community,
            place,
            notes,
            paid_by,
        )

    def order(self, order_id: int) -> r.Order:
        return order_desk.order(self, order_id)

    def orders(self, state: str, person_id: int, limit: int) -> list[r.Order]:
        return order_desk.orders(self, state, person_id, limit)

    def match(self, order_id: int, limit: int) -> list[tuple[int, rules.CandidateFacts]]:
        return order_desk.match(self, order_id, limit)

    def accept(self, order_id: int, volunteer_id: int, operator: str) -> r.Order:
        return order_desk.accept(self, order_id, volunteer_id, operator)

    def release(self, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
        return order_desk.release(self, order_id, acting_person_id, operator, reason)

    def cancel(self, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
        return order_desk.cancel(self, order_id, acting_person_id, operator, reason)

    # -- check-in, check-out, confirmation, evaluation and follow-up --------------------------------

    def issue_code(self, order_id: int, purpose: str) -> tuple[str, int]:
        return visits.issue_code(self, order_id, purpose)

    def scan(self, code: str, volunteer_id: int) -> r.Order:
        return visits.scan(self, code, volunteer_id)

    def confirm(self, order_id: int, acting_person_id: int) -> r.Order:
        return visits.confirm(self, order_id, acting_person_id)

    def rate(self, order_id: int, rater_id: int, stars: int, comment: str) -> r.Rating:
        return visits.rate(self, order_id, rater_id, stars, comment)

    def follow_up(self, order_id: int, operator: str, note: str) -> r.FollowUp:
        return visits.follow_up(self, order_id, operator, note)

    # -- disputes ---------------------------------------------------------------------------------

    def open_dispute(self, dispute_id: int, order_id: int, acting_person_id: int, reason: str) -> r.Dispute:
        return disputes.open_dispute(self, dispute_id, order_id, acting_person_id, reason)

    def resolve_dispute(
        self, dispute_id: int, decision: str, decided_minutes: int, reason: str, operator: str
    ) -> r.Dispute:
        return disputes.resolve_dispute(self, dispute_id, decision, decided_minutes, reason, operator)

    def dispute(self, dispute_id: int) -> r.Dispute:
        return disputes.dispute(self, dispute_id)

    def disputes(self, state: str, order_id: int, limit: int) -> list[r.Dispute]:
        return disputes.disputes(self, state, order_id, limit)

    # -- a person's own ------------------------------------------------------------------------------

    def own_account(self, person_id: int) -> own.OwnAccount:
        return own.account(self, person_id)

    def own_order(self, order_id: int, person_id: int) -> own.OwnOrder:
        return own.order(self, order_id, person_id)

    def describe_code(self, code: str) -> own.CodeView:
        return own.describe_code(self, code)

    # -- moving hours -------------------------------------------------------------------------------

    def give(
        self, transfer_id: int, from_person_id: int, to_node_id: str, to_person_id: int, amount: int
    ) -> r.Movement:
        return hours.give(self, transfer_id, from_person_id, to_node_id, to_person_id, amount)

    def movements(self, person_id: int, limit: int) -> list[r.Movement]:
        return hours.movements(self, person_id, limit)

    def donate(self, transfer_id: int, person_id: int, amount: int) -> r.Movement:
        return hours.donate(self, transfer_id, person_id, amount)

    def grant(self, transfer_id: int, elder_id: int, amount: int, reason: str, operator: str) -> r.Movement:
        return hours.grant(self, transfer_id, elder_id, amount, reason, operator)

    # -- the points mall ------------------------------------------------------------------------------

    def add_mall_item(self, item_code: str, name: str, price_minutes: int, stock_added: int) -> r.MallItem:
        return mall.add_mall_item(self, item_code, name, price_minutes, stock_added)

    def mall_items(self) -> list[r.MallItem]:
        return mall.mall_items(self)

    def redeem(self, redemption_id: int, person_id: int, item_code: str, quantity: int) -> r.MallRedemption:
        return mall.redeem(self, redemption_id, person_id, item_code, quantity)

    def redemptions(self, state: str, person_id: int, limit: int) -> list[r.MallRedemption]:
        return mall.redemptions(self, state, person_id, limit)

    def settle_redemption(self, redemption_id: int, cancel: bool) -> r.MallRedemption:
        return mall.settle_redemption(self, redemption_id, cancel)

    # -- teams ------------------------------------------------------------------------------------------

    def create_team(self, team_code: str, name: str, kind: str) -> r.Team:
        return teams.create_team(self, team_code, name, kind)

    def join_team(self, team_code: str, person_id: int) -> r.Team:
        return teams.join_team(self, team_code, person_id)

    def teams(self) -> list[r.Team]:
        return teams.teams(self)

    # -- statistics, alerts, certificates ----------------------------------------------------------------

    def statistics(self, from_month: str, to_month: str) -> r.Statistics:
        return oversight.statistics(self, from_month, to_month)

    def approved_by_role(self) -> dict[str, int]:
        return self.read(people_rows.approved_by_role)

    def alerts(self, include_acknowledged: bool) -> list[r.Alert]:
        return oversight.alerts(self, include_acknowledged)

    def acknowledge(self, alert_id: int, operator: str, note: str) -> r.Alert:
        return oversight.acknowledge(self, alert_id, operator, note)

    def acknowledged_by_bureau(self, connection: Connection, acknowledgement: AlertAcknowledgement) -> None:
        oversight.acknowledged_by_bureau(self, connection, acknowledgement)

    def check_plain_credits(self, connection: Connection, requests: Sequence[TransferRequest]) -> None:
        hours.check_plain_credits(self, connection, requests)

    def certificate(
        self, certificate_id: int, person_id: int, period_from: str, period_to: str
    ) -> tuple[bytes, str, int]:
        return oversight.issue_certificate(self, certificate_id, person_id, period_from, period_to)

    # -- hours imported from other platforms ------------------------------------------------------------

    def submit_import(
        self,
        batch_id: int,
        file_name: str,
        file_sha256: bytes,
        rows: Sequence[Mapping[str, str]],
        dry_run: bool,
        operator: str,
    ) -> imports.Submitted:
        return imports.submit(
            self,
            batch_id=batch_id,
            file_name=file_name,
            file_sha256=file_sha256,
            rows=rows,
            dry_run=dry_run,
            operator=operator,
        )

    def review_import(self, batch_id: int, approve: bool, note: str, operator: str) -> imports.Submitted:
        return imports.review(self, batch_id, approve=approve, note=note, operator=operator)

    def get_import(self, batch_id: int) -> imports.Submitted:
        return self.read(lambda connection: imports.kept(connection, batch_id))

    def list_imports(self, state: str, limit: int) -> list[r.ImportBatch]:
        return self.read(lambda connection: imports.listed(connection, state, limit))
