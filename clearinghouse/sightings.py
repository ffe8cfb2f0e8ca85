"""What the clearinghouse has seen of each node since it started: when its last batch was
accepted, and the size of this log the node said it had verified (the consistency the
node witnessed).

Owns that memory, in this process only (a restart forgets it; the next batch of each node
brings it back). Thread-safe: every Exchange records into it. Must not: read or write the
database, know gRPC.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["Sighting", "Sightings"]


@dataclass(frozen=True)
class Sighting:
    at_micros: int
    witnessed_log_size: int


class Sightings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, Sighting] = {}

    def saw(self, node_id: str, at_micros: int, witnessed_log_size: int) -> None:
        with self._lock:
            earlier = self._seen.get(node_id)
            witnessed = max(witnessed_log_size, earlier.witnessed_log_size if earlier else 0)
            self._seen[node_id] = Sighting(at_micros, witnessed)

    def of(self, node_id: str) -> Sighting | None:
        with self._lock:
            return self._seen.get(node_id)

    def all(self) -> dict[str, Sighting]:
        with self._lock:
            return dict(self._seen)
