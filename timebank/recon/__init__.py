"""Reconciliation of a settlement cycle: the clearinghouse's view against each node's signed statement.

Pure code: plain values in (the caller converts from protobuf and database rows), a report and
its renderings (JSON, CSV, HTML, camt.053 XML) out. Nothing here does I/O or reads a clock.
"""
