"""Teams of volunteers (a department, a district): creating one, joining it, and the
teams with their member counts.

Owns the order of reads, checks and writes of these operations. Must not: hold SQL
(nodes.care.store), decide other than through the pure rules, or know about protobuf
or gRPC.
"""

from __future__ import annotations

from sqlalchemy import Connection

from nodes.care import catalogue, rules
from nodes.care import records as r
from nodes.care.desk import people
from nodes.care.desk.context import Desk
from nodes.care.store import oversight as oversight_rows
from timebank.errors import RequestInvalid

__all__ = ["create_team", "join_team", "TEAM_FIELDS", "teams"]

TEAM_FIELDS = ("name", "kind")


def create_team(desk: Desk, team_code: str, name: str, kind: str) -> r.Team:
    if not catalogue.CODE_PATTERN.match(team_code):
        raise RequestInvalid(f"team_code: got {team_code!r}, want 1 to 32 lowercase letters, digits or dashes")
    wanted = r.Team(
        team_code,
        rules.text("name", name, rules.NAME_LENGTH_MAX),
        r.TeamKind(rules.choice("kind", kind, rules.TEAM_KINDS)),
        desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.Team:
        stored = oversight_rows.find_team(connection, team_code)
        if (existing := rules.repeated(stored, wanted, "team_code", TEAM_FIELDS)) is not None:
            return existing
        oversight_rows.add_team(connection, wanted)
        return wanted

    return desk.write(work, "CreateTeam")


def join_team(desk: Desk, team_code: str, person_id: int) -> r.Team:
    def work(connection: Connection) -> r.TeamMember | str:
        oversight_rows.team_exists(connection, team_code)
        people.approved(connection, person_id, "person_id", r.Role.VOLUNTEER)
        if oversight_rows.is_member(connection, team_code, person_id):
            return team_code  # a member already: nothing changes
        member = r.TeamMember(team_code, person_id, desk.clock.now_micros())
        oversight_rows.add_member(connection, member)
        return member

    desk.write(work, "JoinTeam")
    return desk.read(lambda connection: oversight_rows.teams(connection, team_code)[0])


def teams(desk: Desk) -> list[r.Team]:
    return desk.read(oversight_rows.teams)
