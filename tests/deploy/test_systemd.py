"""The systemd units (deploy/systemd/): the clearinghouse's and a node's, migrating then serving
the same config, and a node's console, serving its console.toml; all sandboxed, with stop
deadlines that outlast a graceful shutdown; with systemd-analyze, they verify and rate well
on its security check.
"""

from __future__ import annotations

import pathlib
import re
import shlex
import shutil
import subprocess
import sys
from typing import Any

import pytest

from console.bureau.config import load_bureau_console_config
from console.cli import SHUTDOWN_MARGIN_SECONDS
from console.config import load_console_config
from tests.deploy.manifests import (
    DEPLOY,
    DOCKERFILE,
    INSTALLED_COMMAND,
    SYSTEMD_DIRECTORY,
    compose_timebank_services,
    kubernetes_workloads,
    load_config,
    parse_command,
    seconds,
    stop_deadline_needed,
)

pytestmark = pytest.mark.deploy


# -- systemd -------------------------------------------------------------------------------


def systemd_unit(path: pathlib.Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, separator, value = line.partition("=")
        assert separator, f"{path.name}: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


UNITS = {
    "timebank-clearinghouse.service": ("clearinghouse", "/etc/timebank/clearinghouse/clearinghouse.toml"),
    "timebank-node@.service": ("node", "/etc/timebank/nodes/%i/node.toml"),
}
CONSOLE_UNIT, CONSOLE_CONFIG = "timebank-console@.service", "/etc/timebank/nodes/%i/console.toml"
BUREAU_UNIT, BUREAU_CONFIG = "timebank-bureau-console.service", "/etc/timebank/bureau/bureau-console.toml"
ALL_UNITS = [*UNITS, CONSOLE_UNIT, BUREAU_UNIT]
REQUIRED_SERVICE_SETTINGS = {
    "User": "timebank",
    "Restart": "on-failure",
    "KillSignal": "SIGTERM",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "UMask": "0077",
}


def test_systemd_units_are_the_four_and_sandboxed() -> None:
    assert {path.name for path in SYSTEMD_DIRECTORY.glob("*.service")} == set(ALL_UNITS)
    for name in ALL_UNITS:
        service = systemd_unit(SYSTEMD_DIRECTORY / name)["Service"]
        for key, value in REQUIRED_SERVICE_SETTINGS.items():
            wanted = "timebank-console" if key == "User" and name == CONSOLE_UNIT else value
            assert service.get(key) == [wanted], f"{name}: {key}"
        assert "@system-service" in service["SystemCallFilter"], name
        (state,) = service["StateDirectory"]
        assert service["ReadWritePaths"] == [f"/var/lib/{state}"], name
        assert service["WorkingDirectory"] == [f"/var/lib/{state}"], name


def test_systemd_units_migrate_then_serve_the_same_config() -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for name, (role, config) in UNITS.items():
        service = systemd_unit(SYSTEMD_DIRECTORY / name)["Service"]
        commands = {}
        for key in ("ExecStartPre", "ExecStart"):
            (line,) = service[key]
            argv = shlex.split(line.replace("%i", "shiqi"))
            assert argv[0] == INSTALLED_COMMAND, f"{name}: {key}"
            commands[key] = parse_command(argv[1:], f"{name} {key}")
        assert (commands["ExecStartPre"].role, commands["ExecStartPre"].action) == (role, "migrate")
        assert (commands["ExecStart"].role, commands["ExecStart"].action) == (role, "serve")
        expected = pathlib.Path(config.replace("%i", "shiqi"))
        assert commands["ExecStartPre"].arguments.config == commands["ExecStart"].arguments.config == expected
        assert service["EnvironmentFile"] == [f"-{pathlib.Path(config).parent}/environment"]
    # The same layout as the image: a virtual environment in /opt/timebank.
    assert str(pathlib.PurePosixPath(INSTALLED_COMMAND).parent) in dockerfile


@pytest.mark.parametrize(
    ("name", "action", "config", "after", "example"),
    [
        (CONSOLE_UNIT, "serve", CONSOLE_CONFIG, "timebank-node@%i.service", "console.example.toml"),
        (BUREAU_UNIT, "bureau", BUREAU_CONFIG, "timebank-clearinghouse.service", "bureau-console.example.toml"),
    ],
)
def test_a_console_unit_serves_its_console_after_its_party(
    name: str, action: str, config: str, after: str, example: str
) -> None:
    unit = systemd_unit(SYSTEMD_DIRECTORY / name)
    service = unit["Service"]
    assert "ExecStartPre" not in service  # nothing to migrate: the console keeps nothing
    (line,) = service["ExecStart"]
    argv = shlex.split(line.replace("%i", "shiqi"))
    assert argv[0] == INSTALLED_COMMAND
    command = parse_command(argv[1:], name)
    assert (command.role, command.action) == ("console", action)
    assert command.arguments.config == pathlib.Path(config.replace("%i", "shiqi"))
    assert after in unit["Unit"]["After"][0]
    if action == "serve":  # the office console: its own user, the node's console credential only
        assert service["User"] == ["timebank-console"]
        assert service["LoadCredential"] == ["node-console:/etc/timebank/nodes/%i/keys/console.credential"]
        assert service["Environment"] == ["TIMEBANK_CONSOLE__NODE_CREDENTIAL_FILE=%d/node-console"]
    loaded = load_bureau_console_config if action == "bureau" else load_console_config
    settings = loaded(DEPLOY / example)
    deadline = (settings.bureau_console if action == "bureau" else settings.console).deadline_seconds
    (timeout,) = service["TimeoutStopSec"]
    assert seconds(timeout) > deadline + SHUTDOWN_MARGIN_SECONDS


def _example(role: str) -> Any:
    return load_config(role, DEPLOY / f"{role}.example.toml")


def test_every_stop_deadline_outlasts_a_graceful_shutdown() -> None:
    for name, (role, _config) in UNITS.items():
        (timeout,) = systemd_unit(SYSTEMD_DIRECTORY / name)["Service"]["TimeoutStopSec"]
        assert seconds(timeout) > stop_deadline_needed(role, _example(role)), name
    for party in compose_timebank_services():
        if party.command.action == "serve":
            needed = stop_deadline_needed(party.command.role, party.config)
            assert seconds(party.definition["stop_grace_period"]) > needed, party.service
    for workload in kubernetes_workloads():
        needed = stop_deadline_needed(workload.command.role, workload.config)
        assert workload.pod_spec["terminationGracePeriodSeconds"] > needed, workload.name


def _verified_copies(tmp_path: pathlib.Path) -> list[pathlib.Path]:
    """The units with the command path pointing at this machine's `timebank` (verify checks it exists)."""
    executable = pathlib.Path(sys.executable).parent / "timebank"
    if not executable.exists():
        pytest.skip(f"no installed `timebank` command beside {sys.executable} to stand in for {INSTALLED_COMMAND}")
    for name in ALL_UNITS:
        text = (SYSTEMD_DIRECTORY / name).read_text(encoding="utf-8")
        (tmp_path / name.replace("@.", "@shiqi.")).write_text(
            text.replace(INSTALLED_COMMAND, str(executable)), encoding="utf-8"
        )
    return [tmp_path / name.replace("@.", "@shiqi.") for name in ALL_UNITS]


def test_systemd_analyze_verify_accepts_the_units(tmp_path: pathlib.Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    for unit in _verified_copies(tmp_path):
        result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)
        # verify exits 0 on settings it ignores (unknown keys, bad values): its messages count too.
        messages = [
            line for line in (result.stdout + result.stderr).splitlines() if "timebank" in line or str(tmp_path) in line
        ]
        assert result.returncode == 0 and not messages, "\n".join(messages) or result.stderr


def test_systemd_analyze_security_rates_the_units_well_exposed_at_most_2(tmp_path: pathlib.Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    for unit in _verified_copies(tmp_path):
        result = subprocess.run(
            [analyze, "security", "--offline=yes", "--no-pager", str(unit)], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0 and "offline" in result.stderr:
            pytest.skip(f"this systemd-analyze has no offline security check: {result.stderr.strip()}")
        match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
        assert match, result.stdout + result.stderr
        assert float(match.group(1)) <= 2.0, f"{unit.name}: exposure {match.group(1)}"
