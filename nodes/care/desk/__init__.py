"""The service desk of a node: every time-bank operation, each in one transaction.

CareDesk (facade) holds the shared state (context: the books, the crossing, the clock,
the random source, the policy, the keys) and hands each operation to the module of its
subject: people (people and relationships), qualifications (the catalogue and
qualifications), orders (demands, matching, acceptance, release, cancellation), visits
(codes, check-in and check-out, confirmation, ratings, follow-ups), deposits (paying a
volunteer for a service), disputes, hours (family gifts, donations, pool grants), mall,
teams and oversight (statistics, alerts, certificates).

Each operation reads what it names (through nodes.care.store), lets the pure rules
(nodes.care.rules, policy, catalogue, supervision) decide, then writes the records and
the ledger transfers together through Books.write, so a refused operation writes
nothing and an accepted one is whole. Hours move only as ledger transfers (to a
volunteer at another node, as a cross-node transfer through the clearinghouse); the
care_movements index names each transfer. Supervision alerts are raised in the same
transaction as what they are about.

Must not: know about protobuf or gRPC, read the clock other than through `clock`, or
draw randomness other than through `random_bytes`.
"""

from nodes.care.desk.facade import CareDesk

__all__ = ["CareDesk"]
