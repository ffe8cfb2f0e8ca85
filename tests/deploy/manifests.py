"""What the deployment checks share: the repository's deploy/ files, their parsers, and the real loaders.

Each check under tests/deploy/ reads a deployment artifact (Dockerfile, .dockerignore,
compose, systemd units, Kubernetes manifests) and compares it with the code: commands
parse with the real `timebank` parser, configs load through the real loaders with the
database URL the deployments give in the environment. They are marked `deploy`: checks of
deployment files that run external tools (docker, compose, systemd-analyze, kubectl) where
this machine has them and skip with the reason where it does not.
"""

from __future__ import annotations

import argparse
import functools
import pathlib
import re
import shlex
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from city.cli import build_parser
from city.init import init_city, parse_node
from clearinghouse.config import load_clearinghouse_config
from clearinghouse.server import STOP_WAIT_SECONDS_MAX
from nodes.config import load_node_config
from timebank import __version__
from timebank.clock import SystemClock
from timebank.config import parse_listen_address

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "container" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE_DIRECTORY = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIRECTORY / "compose.yaml"
SYSTEMD_DIRECTORY = DEPLOY / "systemd"
KUBERNETES_DIRECTORY = DEPLOY / "kubernetes"

IMAGE = f"timebank:{__version__}"
POSTGRES_IMAGE = "postgres:16"
USER_ID = 10001
INSTALLED_COMMAND = "/opt/timebank/bin/timebank"
# What the deployments put in TIMEBANK_DATABASE__URL (their TOML has no [database] url).
DATABASE_ENVIRON = {"TIMEBANK_DATABASE__URL": "postgresql://timebank:password@database.invalid:5432/timebank"}
# The ports by convention: clearinghouse gRPC (mutual TLS) and metrics, node metrics.
CLEARINGHOUSE_PORT, CLEARINGHOUSE_METRICS_PORT, NODE_METRICS_PORT = 7300, 9300, 9400


# -- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A `timebank` command line, parsed by the real parser."""

    role: str  # "node" or "clearinghouse"
    action: str  # "serve", "migrate", "info", ...
    arguments: Any


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    found = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                found |= _option_strings(subparser)
    return found


def parse_command(argv: list[str], where: str) -> Command:
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as error:  # argparse's way of refusing
        raise AssertionError(f"{where}: `timebank {shlex.join(argv)}` does not parse (exit {error.code})") from None
    # argparse also takes a unique prefix of an option: the files spell every option out.
    options = {token.split("=")[0] for token in argv if token.startswith("--")}
    assert options <= _option_strings(parser), f"{where}: abbreviated or unknown options {options}"
    action = getattr(arguments, f"{arguments.command}_command", "")
    return Command(arguments.command, action, arguments)


LOADERS: dict[str, Callable[..., Any]] = {"node": load_node_config, "clearinghouse": load_clearinghouse_config}


def load_config(role: str, path: pathlib.Path) -> Any:
    return LOADERS[role](path, environ=DATABASE_ENVIRON)


def load_config_text(role: str, text: str, name: str) -> Any:
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / name
        path.write_text(text, encoding="utf-8")
        return load_config(role, path)


def port_of(listen: str) -> int:
    return parse_listen_address(listen)[1]


def config_file_paths(role: str, config: Any) -> list[str]:
    """Every file a party's config names (they must be mounted where the config says)."""
    paths = [config.tls.ca_file, config.tls.certificate_file, config.tls.key_file, config.keys.signing_key_file]
    if role == "node":
        paths += [
            config.clearinghouse.keys_file,
            config.server.administrator_credential_file,
            config.server.console_credential_file,
        ]
    return paths


def stop_deadline_needed(role: str, config: Any) -> float:
    """Seconds a party may take to stop after SIGTERM: the grace for calls in flight, then
    (clearinghouse) waiting for idle calls and the sweeper, or (node) the link's last call
    and the checkpoint thread (nodes/server.py, nodes/link.py)."""
    if role == "clearinghouse":
        return config.server.shutdown_grace_seconds + 2 * STOP_WAIT_SECONDS_MAX
    return config.server.shutdown_grace_seconds + config.clearinghouse.exchange_deadline_seconds + 5 + 10


def seconds(text: str | int) -> float:
    if isinstance(text, int):
        return float(text)
    match = re.fullmatch(r"(\d+)(s|min)?", text.strip())
    assert match, f"not a duration in seconds or minutes: {text!r}"
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def city_init_commands(text: str, where: str) -> list[Any]:
    """The `timebank city init ...` command lines of a text (shell lines, or comment lines), parsed."""
    found = []
    for line in text.splitlines():
        match = re.fullmatch(r"(?:#\s*)?timebank (city init [^`]+)", line.strip())
        if match:
            found.append(parse_command(shlex.split(match.group(1).rstrip("\\")), where).arguments)
    return found


def make_city(directory: pathlib.Path, arguments: Any) -> None:
    """The files `timebank city init` writes, for the plan on its command line."""
    plan = [parse_node(text, index, arguments.base_port) for index, text in enumerate(arguments.node)]
    init_city(directory / arguments.directory, plan, clock=SystemClock(), base_port=arguments.base_port)


# -- .dockerignore, with Docker's rules: the last matching pattern wins, a pattern that
# matches a folder matches everything in it, and "!" lets a path back in.


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        rules.append((negated, _pattern_regex(pattern)))
    return rules


def in_build_context(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[: count + 1]) for count in range(len(parts))]
    included = True
    for negated, regex in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            included = negated
    return included


# -- the Dockerfile ------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str


def dockerfile_stages() -> list[list[Instruction]]:
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    stages: list[list[Instruction]] = []
    for line in lines:
        keyword, _, value = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), value.strip()))
    return stages


# -- compose --------------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ComposeParty:
    service: str
    definition: dict[str, Any]
    command: Command
    config_path: pathlib.Path  # on the host
    config: Any


@functools.cache
def compose_timebank_services() -> tuple[ComposeParty, ...]:
    return tuple(_compose_timebank_services())


def _compose_timebank_services() -> Iterator[ComposeParty]:
    for name, service in compose()["services"].items():
        if service["image"] != IMAGE:
            continue
        command = parse_command(service["command"], f"compose service {name}")
        target = str(command.arguments.config)
        binds = [volume.split(":") for volume in service.get("volumes", []) if volume.startswith("./")]
        sources = [source for source, mounted, *_mode in binds if mounted == target]
        assert len(sources) == 1, f"{name}: --config {target} is not one mounted file"
        path = COMPOSE_DIRECTORY / sources[0]
        yield ComposeParty(name, service, command, path, load_config(command.role, path))


# -- kubernetes --------------------------------------------------------------------------------


@functools.cache
def kubernetes_documents() -> dict[str, list[dict[str, Any]]]:
    return {
        path.name: [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]
        for path in sorted(KUBERNETES_DIRECTORY.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


@functools.cache
def kubernetes_resources() -> tuple[dict[str, Any], ...]:
    return tuple(document for documents in kubernetes_documents().values() for document in documents)


@functools.cache
def kustomization() -> dict[str, Any]:
    return yaml.safe_load((KUBERNETES_DIRECTORY / "kustomization.yaml").read_text(encoding="utf-8"))


def generated(kind: str) -> dict[str, dict[str, Any]]:
    section = {"Secret": "secretGenerator", "ConfigMap": "configMapGenerator"}[kind]
    return {generator["name"]: generator for generator in kustomization().get(section, [])}


def defined_names(kind: str) -> set[str]:
    listed = {r["metadata"]["name"] for r in kubernetes_resources() if r["kind"] == kind}
    return listed | set(generated(kind))


def keys_of(kind: str, name: str) -> set[str] | None:
    """The keys a ConfigMap or Secret holds (None: read from an env file at build time)."""
    for resource in kubernetes_resources():
        if resource["kind"] == kind and resource["metadata"]["name"] == name:
            return set(resource.get("data", {})) | set(resource.get("stringData", {}))
    generator = generated(kind)[name]
    if generator.get("envs"):
        return None
    return {entry.split("=")[0] for entry in generator.get("files", [])} | {
        entry.split("=")[0] for entry in generator.get("literals", [])
    }


@dataclass(frozen=True)
class Workload:
    name: str
    resource: dict[str, Any]
    pod_spec: dict[str, Any]
    labels: dict[str, str]
    container: dict[str, Any]
    command: Command
    config: Any
    config_text: str


def _config_map_file(pod_spec: dict[str, Any], container: dict[str, Any], path: str) -> str:
    """The text of the file at path in the container, from the ConfigMap mounted there."""
    volumes = {volume["name"]: volume for volume in pod_spec["volumes"]}
    for mount in container["volumeMounts"]:
        if path.startswith(mount["mountPath"].rstrip("/") + "/"):
            volume = volumes[mount["name"]]
            assert "configMap" in volume, f"{path} is not in a ConfigMap"
            name, key = volume["configMap"]["name"], path.removeprefix(mount["mountPath"].rstrip("/") + "/")
            (config_map,) = [
                r for r in kubernetes_resources() if r["kind"] == "ConfigMap" and r["metadata"]["name"] == name
            ]
            return str(config_map["data"][key])
    raise AssertionError(f"{container['name']}: nothing is mounted at {path}")


@functools.cache
def kubernetes_workloads() -> tuple[Workload, ...]:
    workloads = []
    for resource in kubernetes_resources():
        if resource["kind"] not in ("StatefulSet", "Deployment"):
            continue
        template = resource["spec"]["template"]
        pod_spec = template["spec"]
        (container,) = pod_spec["containers"]
        name = resource["metadata"]["name"]
        command = parse_command(container["args"], f"{name} container {container['name']}")
        assert "command" not in container, f"{name}: the image's entry point runs"
        text = _config_map_file(pod_spec, container, str(command.arguments.config))
        config = load_config_text(command.role, text, pathlib.PurePosixPath(str(command.arguments.config)).name)
        workloads.append(
            Workload(name, resource, pod_spec, template["metadata"]["labels"], container, command, config, text)
        )
    return tuple(workloads)


def _network_policies() -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r["spec"] for r in kubernetes_resources() if r["kind"] == "NetworkPolicy"}


def _selected(selector: dict[str, Any], workloads: Sequence[Workload]) -> set[str]:
    return {w.name for w in workloads if matches(selector.get("matchLabels", {}), w.labels)}
