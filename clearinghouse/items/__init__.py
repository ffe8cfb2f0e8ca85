"""The coordinator's handlers, one module per kind of item a node sends.

`prepare` (a transfer to hold and forward), `decisions` (votes, queries, and the expiry of
prepares nobody decided), `recalls` (a recall and its answer, passed between the nodes),
`resync` (a node restored from a backup) and `homes` (a person's one home node). Each
handler changes a `clearinghouse.batch.Batch` and returns the receipt to answer with;
none writes SQL, commits or knows gRPC.
"""
