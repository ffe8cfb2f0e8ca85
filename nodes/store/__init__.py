"""A node's tables for its half of the cross-node protocol: every SQL statement of
`nodes.crossing` and the modules it delegates to is in this package.

One module per group of tables: `legs` (remote_transfers: this node's leg of each
cross-node transfer), `mail` (the outbox to and the inbox from the clearinghouse), `recalls`,
`consents` and `homes` (home_claims). Each function takes the connection of a transaction
its caller owns and converts rows to the values of `nodes.records` and back.

Must not: decide anything (the domain modules do), know gRPC or the wire, open a transaction.
"""
