"""The `timebank` command run as a separate process, as an operator runs it."""

from __future__ import annotations

import subprocess
import sys

COMMAND_TIMEOUT_SECONDS = 60


def timebank(
    *arguments: str, expect: int | None = 0, timeout_seconds: float = COMMAND_TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Runs `timebank ARGUMENTS...`; checks its exit code is
    expect (None: the caller checks)."""
    run = subprocess.run(
        [sys.executable, "-m", "city.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
    )
    if expect is not None:
        assert run.returncode == expect, f"exit {run.returncode}\nstdout: {run.stdout}\nstderr: {run.stderr}"
    return run
