"""The clearinghouse's tables: every SQL statement of the clearinghouse is in this package.

One module per group of tables: `transfers` (cross_transfers), `mail` (outbox, inbox and
seen batches), `homes` (person_homes), `registry` (registry_nodes, registry_keys,
registry_events), `cycles` (cycles, cycle_positions, statements) and `accounts` (the
nodes' accounts in the clearinghouse's books). Each function takes the connection of a
transaction its caller owns and converts rows to the values of `clearinghouse.records`
and back; callers that have no transaction open one with `timebank.storage.engine.read_transaction`.

Must not: decide anything (the domain modules do), know gRPC, open a write transaction.
"""
