"""What the tests share, one module per subject: ledger builders (ledger), a city of real
servers on loopback (city), the time-bank services' client (care), deterministic audit
exports (audit), the chaos test's fault-injecting proxy (faultproxy) and certificate
fixtures (certificates)."""
