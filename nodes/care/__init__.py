"""The time-bank services of a node (DESIGN.md section 7): people and their review, the
service catalogue, qualifications, demands and orders, check-in and check-out, deposits,
evaluation, follow-up, disputes, family transfers, the donation pool, the points mall,
teams, statistics, supervision and certificates.

Data flows one way: service (gRPC, protobuf stops there) → desk (the operations, one
transaction each) → rules, catalogue, policy and supervision (pure) and the books and
store (storage). Every change of hours is a ledger transfer made through the books.
"""
