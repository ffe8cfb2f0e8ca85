"""Running the parties of a city as separate processes on this machine.

Owns starting `timebank ... serve` as a child process with its output in a log file,
learning its address from the line it prints ("... serving on HOST:PORT ..."), stopping
it with SIGTERM (or SIGKILL, to simulate a crash), and finding free loopback ports.
Used by the demo and by the tests that run real processes; every wait is bounded.
"""

from __future__ import annotations

import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = [
    "command_name",
    "ephemeral_port_low",
    "EPHEMERAL_PORT_LOW_DEFAULT",
    "EPHEMERAL_RANGE_PATH",
    "free_port_range",
    "Party",
    "PORT_RANGE_HIGH",
    "PORT_RANGE_LOW",
    "PORT_RANGE_SPAN_MIN",
    "PORT_SEARCH_ATTEMPTS_MAX",
    "start",
    "SERVING",
    "STANDBY",
    "START_TIMEOUT_SECONDS",
    "StartFailed",
    "STOP_TIMEOUT_SECONDS",
    "timebank_command",
]

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 30.0
PORT_SEARCH_ATTEMPTS_MAX = 50
PORT_RANGE_LOW = 10_000
PORT_RANGE_HIGH = 60_000
PORT_RANGE_SPAN_MIN = 1_000
EPHEMERAL_RANGE_PATH = pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range")
EPHEMERAL_PORT_LOW_DEFAULT = 32_768
SERVING = " serving on "  # a party that serves prints "... serving on HOST:PORT ..."
STANDBY = " standby on "  # a standby clearinghouse prints "... standby on HOST:PORT"


class StartFailed(Exception):
    pass


@dataclass
class Party:
    """One running party: its command, log, process and address."""

    command: list[str]
    log_path: pathlib.Path
    process: subprocess.Popen[bytes]
    address: str
    environment: dict[str, str] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_exit(self, timeout_seconds: float) -> int | None:
        """The exit code once the process has ended, or None if it still runs after the timeout."""
        try:
            return self.process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the process loses everything it had not committed."""
        if self.alive():
            self.process.kill()
        self.process.wait()

    def restart(self, environment: dict[str, str] | None = None) -> None:
        """Starts the same command again (with environment, if given, instead of the last one)."""
        self.stop()
        self.environment = environment if environment is not None else self.environment
        fresh = start(self.command, self.log_path, environment=self.environment)
        self.process, self.address = fresh.process, fresh.address


def timebank_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "city.cli", *arguments]


def start(
    command: list[str],
    log_path: pathlib.Path,
    *,
    detach: bool = False,
    environment: dict[str, str] | None = None,
    ready: str = SERVING,
) -> Party:
    """Starts command with its output appended to log_path; returns once it serves.

    environment adds to (and overrides) this process's environment; ready is what the line
    that gives the address says before it (a standby clearinghouse: STANDBY).
    """
    offset = log_path.stat().st_size if log_path.exists() else 0
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=detach,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(environment or {})},
        )
    try:
        address = _wait_for_address(process, log_path, offset, ready)
    except StartFailed:
        if process.poll() is None:
            process.kill()
            process.wait()
        raise
    return Party(command, log_path, process, address, environment)


def _wait_for_address(process: subprocess.Popen[bytes], log_path: pathlib.Path, offset: int, ready: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        with open(log_path, "rb") as log:
            log.seek(offset)
            for line in log.read().decode("utf-8", "replace").splitlines():
                if ready in line:
                    return line.rsplit(ready, 1)[1].split()[0]
        time.sleep(0.05)
    text = log_path.read_text(encoding="utf-8", errors="replace")[offset:][-2000:]
    raise StartFailed(f"{' '.join(command_name(process))} did not start; the end of {log_path}:\n{text}")


def command_name(process: subprocess.Popen[bytes]) -> list[str]:
    arguments = process.args if isinstance(process.args, list) else [str(process.args)]
    return [str(a) for a in arguments[-4:]]


def free_port_range(count: int) -> int:
    """A base port such that base..base+count-1 are all free on 127.0.0.1 right now.

    The ports are taken below the kernel's ephemeral range, so a port a party gives up when
    it restarts cannot meanwhile become the local end of some outgoing connection (a
    database client's, say) and be refused to it when it binds again.
    """
    low, high = PORT_RANGE_LOW, min(PORT_RANGE_HIGH, ephemeral_port_low())
    if high - low < count + PORT_RANGE_SPAN_MIN:
        low, high = PORT_RANGE_LOW, PORT_RANGE_HIGH  # a machine with an unusual range
    generator = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(PORT_SEARCH_ATTEMPTS_MAX):
        base = generator.randrange(low, high - count)
        if all(_port_free(base + offset) for offset in range(count)):
            return base
    raise StartFailed(f"no {count} consecutive free ports found on 127.0.0.1")


def ephemeral_port_low(path: pathlib.Path = EPHEMERAL_RANGE_PATH) -> int:
    """The lowest port the kernel hands to outgoing connections (Linux's default if unknown)."""
    try:
        return int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return EPHEMERAL_PORT_LOW_DEFAULT


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
