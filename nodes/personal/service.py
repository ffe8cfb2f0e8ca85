"""The PersonPins and Personal servicers: personal.proto's calls, each mapped to the desk.

Owns the edge: the phone's session token from the call's metadata (`authorization:
Bearer <token>`), the messages in and out, and nothing else. PersonPins stands behind
the operators' guard (timebank.operators.guard) like CareDesk; Personal admits a person's
session only. Errors become status codes in timebank.grpc_status.
"""

from __future__ import annotations

import grpc

from nodes.care.service import required_id
from nodes.personal.desk import PersonalAccess
from timebank.errors import VerificationError
from timebank.grpc_status import translate_errors
from timebank.logentries import care_record_message
from timebank.operators.service import session_token
from timebank.v1 import care_pb2 as care_pb
from timebank.v1 import personal_pb2 as pb
from timebank.v1 import personal_pb2_grpc as pb_grpc

__all__ = ["PersonPinsService", "PersonalService"]

Context = grpc.ServicerContext


class PersonPinsService(pb_grpc.PersonPinsServicer):
    def __init__(self, access: PersonalAccess) -> None:
        self.access = access

    @translate_errors
    def SetPin(self, request: pb.SetPinRequest, context: Context) -> pb.SetPinResponse:
        set_at = self.access.set_pin(required_id(request.person_id, "person_id"), request.pin)
        return pb.SetPinResponse(set_at_micros=set_at)


class PersonalService(pb_grpc.PersonalServicer):
    def __init__(self, access: PersonalAccess) -> None:
        self.access = access

    def caller(self, context: Context) -> int:
        """The person the call's session admits; UNAUTHENTICATED without a valid session."""
        token = session_token(context)
        if not token:
            raise VerificationError("session: this call needs `authorization: Bearer <token>` from SignIn")
        return self.access.authenticate(token)

    @translate_errors
    def SignIn(self, request: pb.SignInRequest, context: Context) -> pb.SignInResponse:
        token, person = self.access.sign_in(required_id(request.person_id, "person_id"), request.pin)
        return pb.SignInResponse(session_token=token, person=care_record_message(care_pb.Person, person))

    @translate_errors
    def SignOut(self, request: pb.SignOutRequest, context: Context) -> pb.SignOutResponse:
        token = session_token(context)
        if token:
            self.access.sign_out(token)
        return pb.SignOutResponse()

    @translate_errors
    def DescribeCode(self, request: pb.DescribeCodeRequest, context: Context) -> pb.CodeDescription:
        view = self.access.describe_code(request.code)
        return pb.CodeDescription(
            order=care_record_message(care_pb.Order, view.order),
            purpose=str(view.purpose),
            expires_at_micros=view.expires_at_micros,
            elder_name_masked=view.elder_name_masked,
            volunteer_name_masked=view.volunteer_name_masked,
            item_name=view.item_name,
            used=view.used,
        )

    @translate_errors
    def Scan(self, request: pb.ScanRequest, context: Context) -> care_pb.Order:
        return care_record_message(care_pb.Order, self.access.scan(self.caller(context), request.code))

    @translate_errors
    def Confirm(self, request: pb.PersonalOrderRequest, context: Context) -> care_pb.Order:
        person_id = self.caller(context)
        order = self.access.confirm(person_id, required_id(request.order_id, "order_id"))
        return care_record_message(care_pb.Order, order)

    @translate_errors
    def OpenDispute(self, request: pb.PersonalDisputeRequest, context: Context) -> care_pb.Dispute:
        person_id = self.caller(context)
        dispute = self.access.open_dispute(
            person_id,
            required_id(request.dispute_id, "dispute_id"),
            required_id(request.order_id, "order_id"),
            request.reason,
        )
        return care_record_message(care_pb.Dispute, dispute)

    @translate_errors
    def Rate(self, request: pb.PersonalRateRequest, context: Context) -> care_pb.Rating:
        person_id = self.caller(context)
        rating = self.access.rate(person_id, required_id(request.order_id, "order_id"), request.stars, request.comment)
        return care_record_message(care_pb.Rating, rating)

    @translate_errors
    def MyAccount(self, request: pb.MyAccountRequest, context: Context) -> pb.MyAccountResponse:
        own = self.access.account(self.caller(context))
        return pb.MyAccountResponse(
            person=care_record_message(care_pb.Person, own.person),
            movements=[care_record_message(care_pb.Movement, movement) for movement in own.movements],
            orders=[care_record_message(care_pb.Order, order) for order in own.orders],
            elders=[care_record_message(care_pb.Person, elder) for elder in own.elders],
            elders_orders=[care_record_message(care_pb.Order, order) for order in own.elders_orders],
            item_names=own.item_names,
        )

    @translate_errors
    def MyCertificate(self, request: pb.MyCertificateRequest, context: Context) -> care_pb.Certificate:
        person_id = self.caller(context)
        issued, html, total = self.access.certificate(
            person_id, required_id(request.certificate_id, "certificate_id"), request.period_from, request.period_to
        )
        return care_pb.Certificate(certificate_file=issued, html=html, total_minutes=total)

    @translate_errors
    def MyOrder(self, request: pb.PersonalOrderRequest, context: Context) -> pb.MyOrderResponse:
        person_id = self.caller(context)
        own = self.access.order(person_id, required_id(request.order_id, "order_id"))
        return pb.MyOrderResponse(
            order=care_record_message(care_pb.Order, own.order),
            dispute=care_record_message(care_pb.Dispute, own.dispute) if own.dispute is not None else None,
            elder_name=own.elder_name,
            volunteer_name=own.volunteer_name,
            item_name=own.item_name,
            actions=list(own.actions),
        )
