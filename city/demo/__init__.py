"""`timebank demo`: a whole city on loopback with a day of real traffic.

day   the ledger and the cross-node day, the final checks, the cycle, the audit
care  the operators' day of time-bank services, through the CareDesk API
"""
