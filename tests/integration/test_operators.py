"""Operator accounts over a real node: the first director made on the host, logins and
their lock, sessions that end, roles that refuse (naming the role, changing nothing), and
the trail of it all; on both backends."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import grpc
import pytest

from nodes.care import roles as care_roles
from nodes.server import RunningNode
from tests.support.care import Desk, care_events, identity_number, new_id
from tests.support.commands import timebank
from tests.support.office import DIRECTOR_PASSWORD, add_director
from timebank.clock import FakeClock
from timebank.credentials import Credential, authorized_channel
from timebank.v1 import care_pb2, care_pb2_grpc
from timebank.v1 import operators_pb2 as pb
from timebank.v1 import operators_pb2_grpc as pb_grpc

MINUTE = 60_000_000
OPERATOR = pb.CreateAccountRequest(username="li", display_name="李经办", password="Li jingban 88", roles=["operator"])
DISABLED = "login: the account is disabled; a director can enable it"
STAFF = "Good pass 2026"


class Office:
    """A client of the node's OperatorAccounts service, and the sessions it holds."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.stub = pb_grpc.OperatorAccountsStub(channel)

    def login(self, username: str, password: str) -> str:
        return self.stub.Login(pb.LoginRequest(username=username, password=password)).session_token

    @staticmethod
    def bearer(token: str) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {token}"),)

    def refusal(self, call, request, token: str = "") -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
        with pytest.raises(grpc.RpcError) as raised:
            call(request, metadata=self.bearer(token) if token else None)
        return raised.value.code(), raised.value.details()


@pytest.fixture
def office(
    node: RunningNode, node_address: str, tmp_path: pathlib.Path, console_credential: Credential
) -> Iterator[Office]:
    """The node with its first director, made as the README says: on the host, password from a file;
    called as the office console calls it, with the console's credential."""
    run = add_director(tmp_path / "node")
    assert "created wang (王主任): 主任 (director)" in run.stdout
    with authorized_channel(grpc.insecure_channel(node_address), console_credential) as channel:
        yield Office(channel)


def test_a_director_logs_in_and_makes_an_operator(office: Office) -> None:
    director = office.login("wang", DIRECTOR_PASSWORD)
    assert office.stub.WhoAmI(pb.WhoAmIRequest(), metadata=office.bearer(director)).roles == ["director"]
    made = office.stub.CreateAccount(
        OPERATOR,
        metadata=office.bearer(director),
    )
    assert (made.username, list(made.roles), made.disabled) == ("li", ["operator"], False)
    operator = office.login("li", "Li jingban 88")
    assert office.stub.WhoAmI(pb.WhoAmIRequest(), metadata=office.bearer(operator)).display_name == "李经办"


def test_a_call_without_the_role_is_refused_naming_it_and_changes_nothing(office: Office) -> None:
    director = office.login("wang", DIRECTOR_PASSWORD)
    request = pb.CreateAccountRequest(
        username="li", display_name="李经办", password="Li jingban 88", roles=["operator"]
    )
    office.stub.CreateAccount(request, metadata=office.bearer(director))
    operator = office.login("li", "Li jingban 88")
    before = office.stub.ListAccounts(pb.ListAccountsRequest(), metadata=office.bearer(director))
    other = pb.CreateAccountRequest(username="zhao", display_name="赵", password="Zhao shenhe 77", roles=["director"])
    code, detail = office.refusal(office.stub.CreateAccount, other, operator)
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert detail == "role: CreateAccount needs 主任 (director); li has 经办员 (operator)"
    assert office.stub.ListAccounts(pb.ListAccountsRequest(), metadata=office.bearer(director)) == before
    code, detail = office.refusal(office.stub.ListTrail, pb.ListTrailRequest(limit=10), operator)
    assert code == grpc.StatusCode.PERMISSION_DENIED and "主任 (director) or 查询员 (viewer)" in detail


def test_calls_without_a_valid_session_are_unauthenticated(office: Office) -> None:
    code, detail = office.refusal(office.stub.WhoAmI, pb.WhoAmIRequest())
    assert code == grpc.StatusCode.UNAUTHENTICATED and "authorization: Bearer" in detail
    code, detail = office.refusal(office.stub.WhoAmI, pb.WhoAmIRequest(), "00" * 32)
    assert code == grpc.StatusCode.UNAUTHENTICATED and detail.startswith("session: not logged in")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(office: Office, clock: FakeClock) -> None:
    wrong = pb.LoginRequest(username="wang", password="Not the password 1")
    for _ in range(4):
        assert office.refusal(office.stub.Login, wrong) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "login: the username or the password is wrong",
        )
    assert office.refusal(office.stub.Login, wrong) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "login: too many failed logins; the account is locked for 15 more minutes",
    )
    right = pb.LoginRequest(username="wang", password=DIRECTOR_PASSWORD)
    assert office.refusal(office.stub.Login, right)[0] == grpc.StatusCode.RESOURCE_EXHAUSTED  # even the right one
    clock.advance(15 * MINUTE)
    assert office.stub.Login(right).session_token
    unknown = pb.LoginRequest(username="nobody", password=DIRECTOR_PASSWORD)
    assert office.refusal(office.stub.Login, unknown) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "login: the username or the password is wrong",
    )


def test_a_session_ends_when_idle_in_all_and_at_logout(office: Office, clock: FakeClock) -> None:
    token = office.login("wang", DIRECTOR_PASSWORD)
    clock.advance(29 * MINUTE)
    office.stub.WhoAmI(pb.WhoAmIRequest(), metadata=office.bearer(token))  # the idle time starts again
    clock.advance(29 * MINUTE)
    office.stub.WhoAmI(pb.WhoAmIRequest(), metadata=office.bearer(token))
    clock.advance(31 * MINUTE)
    assert "idle for more than 30 minutes" in office.refusal(office.stub.WhoAmI, pb.WhoAmIRequest(), token)[1]
    busy = office.login("wang", DIRECTOR_PASSWORD)
    for _ in range(25):
        clock.advance(29 * MINUTE)
        try:
            office.stub.WhoAmI(pb.WhoAmIRequest(), metadata=office.bearer(busy))
        except grpc.RpcError as error:
            assert "older than 12 hours" in str(error.details())
            break
    else:
        pytest.fail("a session in use all day did not end after 12 hours")
    last = office.login("wang", DIRECTOR_PASSWORD)
    office.stub.Logout(pb.LogoutRequest(), metadata=office.bearer(last))
    assert "logged out" in office.refusal(office.stub.WhoAmI, pb.WhoAmIRequest(), last)[1]


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(office: Office) -> None:
    director = office.login("wang", DIRECTOR_PASSWORD)
    create = OPERATOR
    office.stub.CreateAccount(create, metadata=office.bearer(director))
    operator = office.login("li", "Li jingban 88")
    disable = pb.UpdateAccountRequest(username="li", enabled=pb.UpdateAccountRequest.ENABLED_DISABLE)
    assert office.stub.UpdateAccount(disable, metadata=office.bearer(director)).disabled
    assert "disabled" in office.refusal(office.stub.WhoAmI, pb.WhoAmIRequest(), operator)[1]
    code, detail = office.refusal(office.stub.Login, pb.LoginRequest(username="li", password="Li jingban 88"))
    assert (code, detail) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "login: the account is disabled; a director can enable it",
    )
    myself = pb.UpdateAccountRequest(username="wang", enabled=pb.UpdateAccountRequest.ENABLED_DISABLE)
    code, detail = office.refusal(office.stub.UpdateAccount, myself, director)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "cannot disable or demote their own account" in detail


def test_a_weak_password_is_refused_and_nothing_is_written(office: Office) -> None:
    director = office.login("wang", DIRECTOR_PASSWORD)
    weak = pb.CreateAccountRequest(username="li", display_name="李经办", password="li123", roles=["operator"])
    code, detail = office.refusal(office.stub.CreateAccount, weak, director)
    assert (code, detail) == (grpc.StatusCode.INVALID_ARGUMENT, "password: got 5 characters, want 10 to 128")
    accounts = office.stub.ListAccounts(pb.ListAccountsRequest(), metadata=office.bearer(director)).accounts
    assert [account.username for account in accounts] == ["wang"]
    change = pb.ChangePasswordRequest(old_password="wrong one 12", new_password="Another good one 3")
    code, detail = office.refusal(office.stub.ChangePassword, change, director)
    assert (code, detail) == (grpc.StatusCode.UNAUTHENTICATED, "old_password: not the account's password")
    good = pb.ChangePasswordRequest(old_password=DIRECTOR_PASSWORD, new_password="Another good one 3")
    office.stub.ChangePassword(good, metadata=office.bearer(director))
    assert office.login("wang", "Another good one 3")


def test_the_trail_holds_logins_failures_and_actions_with_who_did_them(office: Office, tmp_path: pathlib.Path) -> None:
    office.refusal(office.stub.Login, pb.LoginRequest(username="wang", password="Not the password 1"))
    director = office.login("wang", DIRECTOR_PASSWORD)
    create = OPERATOR
    office.stub.CreateAccount(create, metadata=office.bearer(director))
    entries = office.stub.ListTrail(pb.ListTrailRequest(limit=100), metadata=office.bearer(director)).entries
    assert [(e.username, e.kind, e.operation, e.detail) for e in entries] == [
        ("host-administrator", "action", "CreateAccount", "wang (director)"),
        ("wang", "login-failed", "Login", "failure 1"),
        ("wang", "login", "Login", ""),
        ("wang", "action", "CreateAccount", "li (operator)"),
    ]
    later = office.stub.ListTrail(
        pb.ListTrailRequest(after_sequence=entries[1].sequence, limit=1), metadata=office.bearer(director)
    )
    assert [e.sequence for e in later.entries] == [entries[2].sequence]
    on_host = timebank("node", "trail", "--config", str(tmp_path / "node" / "node.toml"), "--json")
    assert '"kind": "login-failed"' in on_host.stdout and '"username": "host-administrator"' in on_host.stdout


# -- the time-bank services behind the roles ---------------------------------------------------


def _staff(office: Office) -> dict[str, str]:
    """Sessions of a director, a reviewer, an operator and a viewer."""
    director = office.login("wang", DIRECTOR_PASSWORD)
    for username, role in (("zhou", "reviewer"), ("li", "operator"), ("chen", "viewer")):
        request = pb.CreateAccountRequest(
            username=username, display_name=username, password="Good pass 2026", roles=[role]
        )
        office.stub.CreateAccount(request, metadata=office.bearer(director))
    return {"director": director, **{role: office.login(u, STAFF) for u, role in (
        ("zhou", "reviewer"), ("li", "operator"), ("chen", "viewer"))}}  # fmt: skip


def test_every_care_desk_method_has_its_roles() -> None:
    methods = {method.name for method in care_pb2.DESCRIPTOR.services_by_name["CareDesk"].methods}
    assert set(care_roles.ROLES) == methods
    assert care_roles.READS <= methods and not care_roles.READS & set(care_roles.CHANGES)


def test_care_calls_with_a_session_need_the_role_and_are_made_as_the_account(
    office: Office, node_address: str, node: RunningNode, console_credential: Credential
) -> None:
    staff = _staff(office)
    with authorized_channel(grpc.insecure_channel(node_address), console_credential) as channel:
        care = care_pb2_grpc.CareDeskStub(channel)
        person_id = new_id(0x0F)
        register = care_pb2.RegisterPersonRequest(
            person_id=person_id, role="volunteer", name="林志愿", identity_number=identity_number("1990-02-02"),
            birth_date="1990-02-02", community="岐头社区",
        )  # fmt: skip
        care.RegisterPerson(register, metadata=office.bearer(staff["operator"]))
        review = care_pb2.ReviewPersonRequest(person_id=person_id, approve=True, reason="", operator="typed name")
        code, detail = office.refusal(care.ReviewPerson, review, staff["operator"])
        assert code == grpc.StatusCode.PERMISSION_DENIED
        assert detail == "role: ReviewPerson needs 审核员 (reviewer) or 主任 (director); li has 经办员 (operator)"
        read = care_pb2.GetPersonRequest(person_id=person_id)
        assert care.GetPerson(read, metadata=office.bearer(staff["viewer"])).state == "pending"  # nothing changed
        viewer_register = care_pb2.RegisterPersonRequest()
        viewer_register.CopyFrom(register)
        viewer_register.person_id = new_id(0x0F)
        assert (
            office.refusal(care.RegisterPerson, viewer_register, staff["viewer"])[0]
            == grpc.StatusCode.PERMISSION_DENIED
        )
        reviewed = care.ReviewPerson(review, metadata=office.bearer(staff["reviewer"]))
        assert reviewed.state == "approved"
    events = [e for e in care_events(node.books) if e.operation in ("RegisterPerson", "ReviewPerson")]
    assert [(e.operation, e.by) for e in events] == [("RegisterPerson", "li"), ("ReviewPerson", "zhou")]
    assert events[-1].person.reviewed_by == "zhou"  # the account, not the name typed in the request
    trail = office.stub.ListTrail(pb.ListTrailRequest(limit=1000), metadata=office.bearer(staff["director"])).entries
    care_rows = [(e.username, e.kind, e.operation) for e in trail if e.operation in ("RegisterPerson", "ReviewPerson")]
    assert care_rows == [
        ("li", "action", "RegisterPerson"),
        ("li", "refused", "ReviewPerson"),
        ("chen", "refused", "RegisterPerson"),
        ("zhou", "action", "ReviewPerson"),
    ]


def test_care_calls_without_a_session_are_the_host_administrators(desk: Desk, node: RunningNode) -> None:
    volunteer = desk.register("volunteer", "林志愿", "1990-02-02")
    assert [e.by for e in care_events(node.books) if e.operation == "RegisterPerson"] == ["host-administrator"]
    assert volunteer
