"""The district (or department) ledger node.

Layers, data flowing one way:
    server   process and gRPC server wiring (health, reflection, shutdown)
    service  the NodeLedger servicer: wire in, books, wire out
    wire     protobuf <-> domain values, validating each request once
    timebank.books / timebank.ledger / timebank.storage   (shared)
Beside them: config (the node's TOML), init (a new node's files), client and cli
(operator commands), care (the time-bank services).
"""
