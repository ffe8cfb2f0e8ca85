"""The clearinghouse run by the city's civil-affairs bureau.

Layers, data flowing one way:
    server       process wiring: mutual TLS, the expiry sweeper, shutdown
    service      the Clearinghouse servicer: opens signed batches, seals the answer
    coordinator  the two-phase commit decisions, in one transaction per batch
    registry     admitted nodes, their keys and limits; every change logged
    timebank.books / timebank.protocol / timebank.storage   (shared)
Beside them: config (the clearinghouse's TOML) and cli (`timebank clearinghouse ...`).
Nodes and the clearinghouse never import each other.
"""
