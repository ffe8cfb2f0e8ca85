"""The offline verifier's figure of `timebank bench`: `audit verify` on a synthetic log.

Owns the audit workload: a valid clearinghouse log export of Sizes.audit_entries entries
written once (city.bench.logexport), then verified offline in this process
(timebank.audit.verify.verify_directory), Sizes.audit_repetitions timed runs; the log must
verify without a finding. The export is removed afterwards.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import time
from collections.abc import Callable

from city.bench import logexport
from city.bench.measure import BenchFailed, Figure, Sizes, measure
from timebank.audit.verify import verify_directory

__all__ = ["measure_audit"]


def measure_audit(directory: pathlib.Path, sizes: Sizes) -> Figure:
    """Entries per second of `audit verify` (offline, in this process) on a synthetic log."""

    started = time.perf_counter()
    export = directory / "audit-export"
    count = logexport.write_export(export, sizes.audit_entries)
    print(f"bench: wrote a log of {count} entries ({time.perf_counter() - started:.1f} s)", file=sys.stderr)

    def run() -> Callable[[], int]:
        def verify() -> int:
            result = verify_directory(export)
            if list(result.findings):
                raise BenchFailed(f"the synthetic log did not verify: {list(result.findings)[:3]}")
            return count

        return verify

    figure = measure("audit_verified_entries_per_second", "audit verify, entries", run, sizes.audit_repetitions)
    shutil.rmtree(export)
    return figure
