"""The auditor's tools: fetch a party's log, check it offline, check one transfer's proof.

Modules:
    export      fetching a log or a transfer's proof from a party (the only one that needs gRPC)
    verify      checking an exported log offline: the entry point, its result and its command
    findings    what a defect is called (Finding and its kinds)
    chain       contiguity and order of the entries (index field and previous-hash chain)
    checkpoints the signed checkpoints against the Merkle roots of the entries
    content     keys, remote signatures, batches and their items
    replay      settlement cycles and ledger postings replayed and compared with the log
    proof       checking one transfer's proof offline
"""
