"""The bureau's web console at the clearinghouse: a gRPC client (mutual TLS, with the
bureau's certificate) of the clearinghouse's Bureau, Settlement and OperatorAccounts
services, serving the bureau's staff server-rendered pages. Never the clearinghouse's
database: it can run beside the clearinghouse or on its own host."""
