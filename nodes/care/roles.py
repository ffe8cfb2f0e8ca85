"""Which operator roles may make each CareDesk call (operators.proto names the roles).

Owns the map and nothing else. A director may make every call: the office's head answers
for all of it. Reads are open to every role; the viewer may only read. Every CareDesk
method is named here (a test checks it), so a new method cannot go unguarded.
"""

from __future__ import annotations

from timebank.operators.records import Role

__all__ = ["CHANGES", "READS", "ROLES"]

READ_ROLES = frozenset(Role)
REVIEWER = frozenset({Role.REVIEWER, Role.DIRECTOR})
OPERATOR = frozenset({Role.OPERATOR, Role.DIRECTOR})
DESK = frozenset({Role.REVIEWER, Role.OPERATOR, Role.DIRECTOR})
DIRECTOR = frozenset({Role.DIRECTOR})

READS = frozenset(
    {
        "GetPerson",
        "ListPeople",
        "ListCatalogue",
        "ListQualifications",
        "ListRelationships",
        "ListMovements",
        "GetOrder",
        "ListOrders",
        "MatchDemand",
        "GetDispute",
        "ListDisputes",
        "ListMallItems",
        "ListRedemptions",
        "ListTeams",
        "GetStatistics",
        "ListAlerts",
        "GetPolicy",
        "GetImport",
        "ListImports",
    }
)

CHANGES: dict[str, frozenset[Role]] = {
    # people, relationships, qualifications: the reviewer's
    "RegisterPerson": DESK,
    "ReviewPerson": REVIEWER,
    "SetHardship": REVIEWER,
    "AddRelationship": DESK,
    "ReviewRelationship": REVIEWER,
    "AddQualification": DESK,
    "ReviewQualification": REVIEWER,
    # demands, orders, codes, the mall, teams, family transfers, donations: the operator's
    "PublishDemand": OPERATOR,
    "AcceptDemand": OPERATOR,
    "ReleaseOrder": OPERATOR,
    "CancelOrder": OPERATOR,
    "IssueCode": OPERATOR,
    "ScanCode": OPERATOR,
    "ConfirmOrder": OPERATOR,
    "RateOrder": OPERATOR,
    "RecordFollowUp": OPERATOR,
    "OpenDispute": OPERATOR,
    "GiveHours": OPERATOR,
    "Donate": OPERATOR,
    "AddMallItem": OPERATOR,
    "RedeemMallItem": OPERATOR,
    "SettleRedemption": OPERATOR,
    "CreateTeam": OPERATOR,
    "JoinTeam": OPERATOR,
    # disputes, pool grants, the catalogue, alerts, certificates: the director's
    "ResolveDispute": DIRECTOR,
    "GrantFromPool": DIRECTOR,
    "AddCatalogueItem": DIRECTOR,
    "AcknowledgeAlert": DIRECTOR,
    "IssueCertificate": DIRECTOR,
    # hours imported from other platforms: submitted at the desk, decided by another reviewer
    "SubmitImport": DESK,
    "ReviewImport": REVIEWER,
}

ROLES: dict[str, frozenset[Role]] = {**dict.fromkeys(READS, READ_ROLES), **CHANGES}
