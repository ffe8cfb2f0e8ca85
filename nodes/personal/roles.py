"""Which operator roles may make each PersonPins call (the operators' guard reads it).

Owns the map and nothing else: a person's PIN is set by the office's reviewer, operator
or director, who meet the person; a viewer may not.
"""

from __future__ import annotations

from timebank.operators.records import Role

__all__ = ["READS", "ROLES"]

ROLES = {"SetPin": frozenset({Role.REVIEWER, Role.OPERATOR, Role.DIRECTOR})}
READS: frozenset[str] = frozenset()
