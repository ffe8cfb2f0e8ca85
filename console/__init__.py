"""The web console of a district office: a gRPC client of its node's public contract
(OperatorAccounts, CareDesk), serving server-rendered pages to the office's browsers.
Never the node's database: it can run beside the node or on its own host."""
