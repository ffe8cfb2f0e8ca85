"""The deployment artifacts under deploy/ agree with the code and with each other.

Container (deploy/container/Dockerfile, /.dockerignore), compose (deploy/compose/), systemd
(deploy/systemd/) and Kubernetes (deploy/kubernetes/): every YAML parses; every config
TOML loads through the real loaders (so every key exists in the schema) with a dummy
database URL in the environment, as the deployments give it; every image is the one the
Dockerfile builds or postgres:16; ports, probes, commands, secrets, volumes, config maps
and selectors cross-reference; the files mounted as secrets are the ones `timebank city
init` writes. Where the tools exist on this machine, `systemd-analyze verify`, compose's
own validation, `kubectl kustomize` and `docker build` run too; elsewhere those tests are
skipped with the reason.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from city.cli import build_parser
from city.init import init_city, parse_node
from clearinghouse.config import load_clearinghouse_config
from clearinghouse.server import STOP_WAIT_SECONDS_MAX
from nodes.config import load_node_config
from timebank import __version__
from timebank.clock import SystemClock
from timebank.config import parse_listen_address
from timebank.errors import ConfigError

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
        paths.append(config.clearinghouse.keys_file)
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


def test_version_is_the_same_in_the_package_and_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__


def test_dockerfile_builds_a_wheel_and_runs_it_as_an_unprivileged_user() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2, "a builder stage and a runtime stage"
    for stage in stages:
        assert stage[0].value.split()[0] == "python:3.11-slim"
    builder, runtime = stages
    assert builder[0].value.split()[-1] == "builder"
    build_steps = " ".join(i.value for i in builder if i.keyword == "RUN")
    assert "pip wheel" in build_steps and "/opt/timebank" in build_steps
    keywords = {i.keyword: i.value for i in runtime}
    assert keywords["USER"] == f"{USER_ID}:{USER_ID}"
    assert keywords["WORKDIR"] == "/var/lib/timebank"
    assert json.loads(keywords["ENTRYPOINT"]) == ["timebank"], "exec form, no shell"
    runs = " ".join(i.value for i in runtime if i.keyword == "RUN")
    assert f"--gid {USER_ID} timebank" in runs and f"--uid {USER_ID} --gid {USER_ID}" in runs
    copies = [i.value for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=builder /opt/timebank /opt/timebank"], "the runtime gets the installed wheel only"
    assert "PATH=/opt/timebank/bin:$PATH" in keywords["ENV"]
    assert f'org.opencontainers.image.version="{__version__}"' in keywords["LABEL"]
    assert f"-t {IMAGE} ." in DOCKERFILE.read_text(encoding="utf-8")
    # Python of the image satisfies the project's requirement.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"


def _copied_sources() -> list[str]:
    sources = []
    for instruction in dockerfile_stages()[0]:
        if instruction.keyword == "COPY" and not instruction.value.startswith("--from"):
            sources += instruction.value.split()[:-1]
    return sources


def test_build_context_holds_what_the_dockerfile_copies_and_the_wheel_needs() -> None:
    rules = dockerignore_rules()
    for source in _copied_sources():
        assert (ROOT / source).exists(), source
        assert in_build_context(source, rules), f"{source} is excluded by .dockerignore"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["readme"] in _copied_sources()
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(_copied_sources()), "every package the wheel holds is copied"
    for kept_out in (".venv/bin/python", "tests/conftest.py", ".git/HEAD", "deploy/compose/city/ca/ca-key.pem"):
        assert not in_build_context(kept_out, rules), kept_out
    assert not in_build_context("timebank/__pycache__/cli.cpython-311.pyc", rules)
    assert in_build_context("timebank/storage/migrations/versions/0001_initial_ledger_schema.py", rules)


def _build_context_copy(target: pathlib.Path) -> None:
    rules = dockerignore_rules()
    for source in _copied_sources():
        path = ROOT / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if in_build_context(relative, rules):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target / relative)


def test_wheel_built_from_the_build_context_holds_every_module_migration_and_the_command(
    tmp_path: pathlib.Path,
) -> None:
    """What the builder stage does, without Docker: a wheel from the context alone."""
    import setuptools

    if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.skip(f"setuptools {setuptools.__version__} here cannot build a wheel without the `wheel` package")
    context, wheels = tmp_path / "context", tmp_path / "wheels"
    _build_context_copy(context)
    environment = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(wheels), str(context)],
        check=True,
        env=environment,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob(f"timebank-{__version__}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"timebank-{__version__}.dist-info/entry_points.txt").decode()
    modules = {
        path.relative_to(ROOT).as_posix()
        for package in ("timebank", "nodes", "clearinghouse", "city")
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules - names == set(), "modules missing from the wheel"
    assert any(name.startswith("timebank/storage/migrations/versions/0001") for name in names)
    assert any(name.startswith("nodes/migrations/node_0008") for name in names)
    assert any(name.startswith("clearinghouse/migrations/clearinghouse_0008") for name in names)
    assert "timebank/storage/migrations/script.py.mako" in names
    assert "timebank = city.cli:main" in entry_points


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_image_builds_and_runs() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed on this machine")
    if subprocess.run([docker, "info"], capture_output=True, timeout=60).returncode != 0:
        pytest.skip("docker is installed but its daemon is not reachable (`docker info` fails)")
    tag = f"timebank-test-build:{__version__}"
    built = subprocess.run(
        [docker, "build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1700
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    try:
        shown = subprocess.run([docker, "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120)
        assert shown.stdout.strip() == f"timebank {__version__}"
        user = subprocess.run(
            [docker, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True, timeout=120
        )
        assert user.stdout.strip() == str(USER_ID)
    finally:
        subprocess.run([docker, "image", "rm", tag], capture_output=True, timeout=120)


# -- compose -------------------------------------------------------------------------------


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


def test_compose_parses_and_names_only_the_two_images() -> None:
    services = compose()["services"]
    assert services
    for name, service in services.items():
        assert service["image"] in (IMAGE, POSTGRES_IMAGE), name
        assert "build" not in service, name


def test_compose_configs_load_through_the_real_loaders_with_the_url_from_the_environment() -> None:
    parties = list(compose_timebank_services())
    assert {(p.command.role, p.command.action) for p in parties} == {
        ("clearinghouse", "serve"),
        ("clearinghouse", "migrate"),
        ("node", "serve"),
        ("node", "migrate"),
    }
    for party in parties:
        assert "url" not in tomllib.loads(party.config_path.read_text(encoding="utf-8"))["database"], party.service
        with pytest.raises(ConfigError, match="database.url: missing"):
            LOADERS[party.command.role](party.config_path, environ={})
        (env_file,) = party.definition["env_file"]
        assert env_file == f"env/{party.service.removesuffix('-migrate')}.env", party.service
        assert party.config.logging.format == "json"
        assert not getattr(party.config.server, "insecure", False)
        assert party.config.tls.ca_file.startswith("/run/secrets/")


def test_compose_runs_each_migration_before_its_server_and_after_its_database() -> None:
    services = compose()["services"]
    serving = [p for p in compose_timebank_services() if p.command.action == "serve"]
    assert len(serving) == 4
    for party in serving:
        migrate_name = f"{party.service}-migrate"
        assert party.definition["depends_on"][migrate_name] == {"condition": "service_completed_successfully"}
        migrate = services[migrate_name]
        migrate_command = parse_command(migrate["command"], migrate_name)
        assert (migrate_command.role, migrate_command.action) == (party.command.role, "migrate")
        assert migrate_command.arguments.config == party.command.arguments.config
        assert migrate["volumes"] == party.definition["volumes"] and migrate["env_file"] == party.definition["env_file"]
        assert migrate["restart"] == "no"
        database = f"{party.service}-db"
        assert migrate["depends_on"] == {database: {"condition": "service_healthy"}}
        assert set(migrate["networks"]) <= set(services[database]["networks"]) & set(party.definition["networks"])


def test_compose_databases_are_postgres_with_a_volume_a_password_file_and_a_healthcheck() -> None:
    document = compose()
    databases = {name: s for name, s in document["services"].items() if s["image"] == POSTGRES_IMAGE}
    assert set(databases) == {"clearinghouse-db", "shiqi-db", "dongqu-db", "canlian-db"}
    for name, service in databases.items():
        password_file = service["environment"]["POSTGRES_PASSWORD_FILE"]
        assert password_file == f"/run/secrets/{name.removesuffix('-db')}-db-password"
        assert password_file.removeprefix("/run/secrets/") in service["secrets"]
        assert "POSTGRES_PASSWORD" not in service["environment"]
        (volume,) = service["volumes"]
        volume_name, mounted = volume.split(":")
        assert mounted == "/var/lib/postgresql/data" and volume_name in document["volumes"]
        assert service["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
        assert "ports" not in service, f"{name}: a database is not published"
        for network in service["networks"]:
            assert document["networks"][network] == {"internal": True}, f"{name}: its network has no route out"


def test_compose_references_are_defined_and_every_definition_is_used() -> None:
    document = compose()
    used: dict[str, set[str]] = {"secrets": set(), "volumes": set(), "networks": set()}
    for name, service in document["services"].items():
        for secret in service.get("secrets", []):
            assert secret in document["secrets"], f"{name}: secret {secret}"
            used["secrets"].add(secret)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (COMPOSE_DIRECTORY / source).is_file(), f"{name}: {source}"
            else:
                assert source in document["volumes"], f"{name}: volume {source}"
                used["volumes"].add(source)
        for network in service.get("networks", []):
            assert network in document["networks"], f"{name}: network {network}"
            used["networks"].add(network)
        for other in service.get("depends_on", {}):
            assert other in document["services"], f"{name}: depends on {other}"
    for kind, names in used.items():
        assert set(document[kind]) == names, f"{kind} defined but never used: {set(document[kind]) - names}"
    assert "configs" not in document, "configs are bind-mounted files"


def test_compose_config_files_are_the_secrets_mounted_in_the_same_service() -> None:
    for party in compose_timebank_services():
        if party.command.action != "serve":
            assert "secrets" not in party.definition, f"{party.service}: a migration needs no key"
            continue
        named = [path.removeprefix("/run/secrets/") for path in config_file_paths(party.command.role, party.config)]
        assert sorted(named) == sorted(party.definition["secrets"]), party.service


def test_compose_ports_are_bound_to_loopback_and_are_the_configs_listen_ports() -> None:
    host_ports = []
    for party in compose_timebank_services():
        ports = party.definition.get("ports", [])
        if party.command.action != "serve":
            assert not ports, party.service
            continue
        container_ports = set()
        for mapping in ports:
            host, host_port, container_port = mapping.split(":")
            assert host == "127.0.0.1", f"{party.service}: {mapping} is not bound to loopback"
            host_ports.append(int(host_port))
            container_ports.add(int(container_port))
        metrics = port_of(party.config.metrics.listen)
        if party.command.role == "clearinghouse":
            assert (
                container_ports
                == {port_of(party.config.server.listen), metrics}
                == {
                    CLEARINGHOUSE_PORT,
                    CLEARINGHOUSE_METRICS_PORT,
                }
            )
        else:
            assert container_ports == {metrics} == {NODE_METRICS_PORT}, "the operator API is never published"
            assert parse_listen_address(party.config.server.listen)[0] == "127.0.0.1"
        assert party.config.metrics.listen.startswith("0.0.0.0:")
    assert len(host_ports) == len(set(host_ports)), "two services publish the same host port"


def test_compose_nodes_dial_the_clearinghouse_service_on_its_port_over_a_shared_network() -> None:
    parties = {p.service: p for p in compose_timebank_services() if p.command.action == "serve"}
    clearinghouse = parties["clearinghouse"]
    assert clearinghouse.command.role == "clearinghouse"
    nodes = [p for p in parties.values() if p.command.role == "node"]
    assert {p.config.node.id for p in nodes} == {p.service for p in nodes} == {"shiqi", "dongqu", "canlian"}
    for node in nodes:
        host, port = parse_listen_address(node.config.clearinghouse.address)
        assert host == "clearinghouse" and port == port_of(clearinghouse.config.server.listen)
        assert set(node.definition["networks"]) & set(clearinghouse.definition["networks"]), node.service


def test_compose_healthchecks_ask_each_node_on_its_own_listen_address() -> None:
    for party in compose_timebank_services():
        if party.command.action != "serve":
            continue
        check = party.definition["healthcheck"]["test"]
        assert check[0] == "CMD"
        if party.command.role == "node":
            assert check[1] == "timebank"
            probe = parse_command(check[2:], f"{party.service} healthcheck")
            assert (probe.role, probe.action) == ("node", "info")
            assert probe.arguments.node == party.config.server.listen
            assert probe.arguments.deadline_seconds < seconds(party.definition["healthcheck"]["timeout"])
        else:
            assert f"('127.0.0.1', {port_of(party.config.server.listen)})" in check[-1]


def test_compose_readme_commands_name_existing_services_and_the_city_of_the_configs() -> None:
    readme = (COMPOSE_DIRECTORY / "README.md").read_text(encoding="utf-8")
    services = compose()["services"]
    named = re.findall(r"docker compose (?:exec|run|logs)(?: -T| --rm| -f)* ([a-z][a-z0-9-]*)", readme)
    assert named and set(named) <= set(services), set(named) - set(services)
    assert f"-t {IMAGE} ." in readme
    nodes = {p.config.node.id: p.config.node for p in compose_timebank_services() if p.command.role == "node"}
    for text in (readme, COMPOSE_FILE.read_text(encoding="utf-8")):
        (arguments,) = city_init_commands(text, "deploy/compose")
        plan = [parse_node(node, index, arguments.base_port) for index, node in enumerate(arguments.node)]
        assert {p.node_id: (p.display_name, p.kind) for p in plan} == {
            node_id: (node.display_name, node.kind) for node_id, node in nodes.items()
        }
    for node_id, node in nodes.items():
        assert f"{node_id}:{node.display_name}:{node.kind}" in readme


@pytest.fixture(scope="module")
def compose_city(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A copy of deploy/compose with the files its README makes: the city, passwords, env files."""
    directory = tmp_path_factory.mktemp("compose") / "compose"
    shutil.copytree(COMPOSE_DIRECTORY, directory)
    (arguments,) = city_init_commands((COMPOSE_DIRECTORY / "README.md").read_text(encoding="utf-8"), "README")
    make_city(directory, arguments)
    (directory / "secrets").mkdir()
    (directory / "env").mkdir()
    for party in ("clearinghouse", *arguments.node):
        party_id = party.split(":")[0]
        (directory / "secrets" / f"{party_id}-db-password").write_text("password", encoding="utf-8")
        url = f"postgresql://timebank:password@{party_id}-db:5432/timebank"
        (directory / "env" / f"{party_id}.env").write_text(f"TIMEBANK_DATABASE__URL={url}\n", encoding="utf-8")
    return directory


def test_compose_secret_files_are_what_city_init_writes_and_stay_out_of_git(compose_city: pathlib.Path) -> None:
    ignored = [
        line.strip("/")
        for line in (COMPOSE_DIRECTORY / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    for name, secret in compose()["secrets"].items():
        assert (compose_city / secret["file"]).is_file(), f"{name}: {secret['file']} is not made by the README's steps"
        assert secret["file"].split("/")[0] in ignored, f"{name}: {secret['file']} is not git-ignored"
    for party in compose_timebank_services():
        for env_file in party.definition["env_file"]:
            assert env_file.split("/")[0] in ignored
            assert (compose_city / env_file).is_file()


def test_compose_file_validates_with_compose(compose_city: pathlib.Path) -> None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60).returncode == 0:
        command, path = [docker, "compose"], compose_city / "compose.yaml"
    elif shutil.which("docker-compose"):
        # Compose v1 predates the top-level `name`; it validates the rest.
        path = compose_city / "compose-v1.yaml"
        text = (compose_city / "compose.yaml").read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^name: .*\n", "", text), encoding="utf-8")
        command = [str(shutil.which("docker-compose"))]
    else:
        pytest.skip("neither `docker compose` (v2) nor `docker-compose` is installed on this machine")
    result = subprocess.run(
        [*command, "--project-directory", str(compose_city), "-f", str(path), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


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


def test_systemd_units_are_the_two_and_sandboxed() -> None:
    assert {path.name for path in SYSTEMD_DIRECTORY.glob("*.service")} == set(UNITS)
    for name in UNITS:
        service = systemd_unit(SYSTEMD_DIRECTORY / name)["Service"]
        for key, value in REQUIRED_SERVICE_SETTINGS.items():
            assert service.get(key) == [value], f"{name}: {key}"
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
    for name in UNITS:
        text = (SYSTEMD_DIRECTORY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED_COMMAND, str(executable)), encoding="utf-8")
    return [tmp_path / "timebank-clearinghouse.service", tmp_path / "timebank-node@shiqi.service"]


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


# -- Kubernetes ----------------------------------------------------------------------------


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


def test_kubernetes_files_parse_and_the_kustomization_lists_every_one() -> None:
    documents = kubernetes_documents()
    assert {"namespace.yaml", "clearinghouse.yaml", "networkpolicy.yaml", "node-shiqi.yaml"} <= set(documents)
    assert all(
        name.startswith("node-")
        for name in set(documents) - {"namespace.yaml", "clearinghouse.yaml"} - {"networkpolicy.yaml"}
    ), "one file per node, node-ID.yaml"
    document = kustomization()
    assert sorted(document["resources"]) == sorted(documents)
    (namespace,) = documents["namespace.yaml"]
    assert namespace["kind"] == "Namespace"
    for resource in kubernetes_resources():
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == namespace["metadata"]["name"] == document["namespace"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_kubernetes_images_are_the_project_image() -> None:
    for workload in kubernetes_workloads():
        for container in workload.pod_spec["containers"] + workload.pod_spec.get("initContainers", []):
            assert container["image"] == IMAGE, f"{workload.name}: {container['name']}"


def test_kubernetes_configs_load_through_the_real_loaders_with_the_url_from_a_secret() -> None:
    workloads = kubernetes_workloads()
    assert {(w.command.role, w.command.action) for w in workloads} == {("clearinghouse", "serve"), ("node", "serve")}
    for workload in workloads:
        assert "url" not in tomllib.loads(workload.config_text)["database"], workload.name
        (variable,) = [v for v in workload.container["env"] if v["name"] == "TIMEBANK_DATABASE__URL"]
        reference = variable["valueFrom"]["secretKeyRef"]
        assert reference["name"] in generated("Secret") and reference["key"] == "url"
        assert workload.config.logging.format == "json"
        if workload.command.role == "node":
            assert workload.config.node.id == workload.name.removeprefix("node-")
            host, port = parse_listen_address(workload.config.clearinghouse.address)
            (service,) = [r for r in kubernetes_resources() if r["kind"] == "Service" and r["metadata"]["name"] == host]
            assert port in [p["port"] for p in service["spec"]["ports"]]


def test_kubernetes_init_container_migrates_with_the_same_config_and_database() -> None:
    for workload in kubernetes_workloads():
        (init,) = workload.pod_spec["initContainers"]
        command = parse_command(init["args"], f"{workload.name} init container")
        assert (command.role, command.action) == (workload.command.role, "migrate")
        assert command.arguments.config == workload.command.arguments.config
        assert init["env"] == workload.container["env"]
        mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
        config_directory = str(pathlib.PurePosixPath(str(command.arguments.config)).parent)
        assert (
            mounts[config_directory]
            == {m["mountPath"]: m["name"] for m in workload.container["volumeMounts"]}[config_directory]
        )


def test_kubernetes_files_named_in_the_config_are_mounted_from_a_defined_secret_or_config_map() -> None:
    for workload in kubernetes_workloads():
        volumes = {volume["name"]: volume for volume in workload.pod_spec["volumes"]}
        mounts = {m["mountPath"].rstrip("/"): m for m in workload.container["volumeMounts"]}
        for path in config_file_paths(workload.command.role, workload.config):
            directory, key = path.rsplit("/", 1)
            assert directory in mounts, f"{workload.name}: nothing mounted at {directory} for {path}"
            assert mounts[directory]["readOnly"] is True
            volume = volumes[mounts[directory]["name"]]
            if "secret" in volume:
                kind, name = "Secret", volume["secret"]["secretName"]
            else:
                kind, name = "ConfigMap", volume["configMap"]["name"]
            assert keys_of(kind, name) == {key} | (
                {"ca.pem", "tls.pem", "tls-key.pem"} if "tls" in directory else set()
            )
        for mount in workload.container["volumeMounts"]:
            assert mount["name"] in volumes, f"{workload.name}: mount of an undefined volume {mount['name']}"


def test_kubernetes_every_secret_and_config_map_referenced_is_defined_and_every_generated_one_used() -> None:
    referenced: dict[str, set[str]] = {"Secret": set(), "ConfigMap": set()}
    for workload in kubernetes_workloads():
        for volume in workload.pod_spec["volumes"]:
            if "secret" in volume:
                referenced["Secret"].add(volume["secret"]["secretName"])
            elif "configMap" in volume:
                referenced["ConfigMap"].add(volume["configMap"]["name"])
            else:
                assert set(volume) == {"name", "emptyDir"}, volume
        for container in workload.pod_spec["containers"] + workload.pod_spec["initContainers"]:
            for variable in container.get("env", []):
                referenced["Secret"].add(variable["valueFrom"]["secretKeyRef"]["name"])
    for kind, names in referenced.items():
        assert names <= defined_names(kind), f"{kind} referenced, not defined: {names - defined_names(kind)}"
        assert set(generated(kind)) <= names, f"{kind} generated, never used: {set(generated(kind)) - names}"
    for generator in list(generated("Secret").values()) + list(generated("ConfigMap").values()):
        for entry in generator.get("files", []):
            assert entry.split("=")[1].split("/")[0] in ("city",), entry
        for entry in generator.get("envs", []):
            assert entry.startswith("database/"), entry
    ignored = (KUBERNETES_DIRECTORY / ".gitignore").read_text(encoding="utf-8").split()
    assert "/city/" in ignored and "/database/" in ignored


def test_kubernetes_ports_services_and_probes_match_the_configs() -> None:
    services = [r for r in kubernetes_resources() if r["kind"] == "Service"]
    for workload in kubernetes_workloads():
        spec = workload.resource["spec"]
        assert spec["replicas"] == 1 and workload.resource["kind"] == "StatefulSet"
        assert matches(spec["selector"]["matchLabels"], workload.labels)
        (own,) = [s for s in services if s["metadata"]["name"] == spec["serviceName"]]
        assert matches(own["spec"]["selector"], workload.labels)
        ports = {p["name"]: p["containerPort"] for p in workload.container["ports"]}
        metrics = port_of(workload.config.metrics.listen)
        server = port_of(workload.config.server.listen)
        if workload.command.role == "clearinghouse":
            assert ports == {"grpc": server, "metrics": metrics}
            assert (server, metrics) == (CLEARINGHOUSE_PORT, CLEARINGHOUSE_METRICS_PORT)
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert workload.container[probe]["tcpSocket"]["port"] == server, probe
        else:
            assert ports == {"metrics": metrics} and metrics == NODE_METRICS_PORT, "the operator API stays in the pod"
            assert parse_listen_address(workload.config.server.listen)[0] == "127.0.0.1"
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                check = workload.container[probe]
                assert check["exec"]["command"][0] == "timebank"
                command = parse_command(check["exec"]["command"][1:], f"{workload.name} {probe}")
                assert (command.role, command.action) == ("node", "info")
                assert command.arguments.node == workload.config.server.listen
                assert command.arguments.deadline_seconds < check["timeoutSeconds"], probe
        for service in services:
            if not matches(service["spec"]["selector"], workload.labels):
                continue
            for port in service["spec"]["ports"]:
                target = port["targetPort"]
                assert ports.get(target, target) in ports.values(), f"{service['metadata']['name']}: {target}"
                assert port["port"] == ports.get(target, target)


def test_kubernetes_pods_are_locked_down_and_bounded() -> None:
    for workload in kubernetes_workloads():
        pod = workload.pod_spec
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["runAsUser"] == security["runAsGroup"] == security["fsGroup"] == USER_ID
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
        for container in pod["containers"] + pod["initContainers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, container["name"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
            resources = container["resources"]
            assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}, container["name"]
            assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"]), "a writable /tmp"


def _network_policies() -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r["spec"] for r in kubernetes_resources() if r["kind"] == "NetworkPolicy"}


def _selected(selector: dict[str, Any], workloads: Sequence[Workload]) -> set[str]:
    return {w.name for w in workloads if matches(selector.get("matchLabels", {}), w.labels)}


def test_kubernetes_network_policies_select_the_pods_they_mean() -> None:
    workloads = kubernetes_workloads()
    by_role = {role: {w.name for w in workloads if w.command.role == role} for role in ("node", "clearinghouse")}
    policies = _network_policies()
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for name, policy in policies.items():
        if policy["podSelector"]:
            assert _selected(policy["podSelector"], workloads), f"{name} selects no pod"
        for rule in policy.get("ingress", []) + policy.get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    assert _selected(peer["podSelector"], workloads), f"{name}: a peer selector matches no pod"
    (dns,) = policies["dns"]["egress"]
    assert {(p["protocol"], p["port"]) for p in dns["ports"]} == {("UDP", 53), ("TCP", 53)}
    assert policies["dns"]["podSelector"] == {}
    # Nodes dial the clearinghouse's gRPC port; the clearinghouse accepts it from nodes only.
    clearinghouse = next(w for w in workloads if w.command.role == "clearinghouse")
    grpc_port = port_of(clearinghouse.config.server.listen)
    outbound = policies["nodes-to-clearinghouse"]
    assert _selected(outbound["podSelector"], workloads) == by_role["node"]
    (rule,) = outbound["egress"]
    (peer,) = rule["to"]
    assert _selected(peer["podSelector"], workloads) == by_role["clearinghouse"]
    assert rule["ports"] == [{"protocol": "TCP", "port": grpc_port}]
    inbound = policies["clearinghouse-from-nodes"]
    assert _selected(inbound["podSelector"], workloads) == by_role["clearinghouse"]
    (rule,) = inbound["ingress"]
    (peer,) = rule["from"]
    assert _selected(peer["podSelector"], workloads) == by_role["node"]
    assert rule["ports"] == [{"protocol": "TCP", "port": grpc_port}]
    # Every pod reaches PostgreSQL; metrics are open to the namespace monitoring only, on
    # each pod's own metrics port; nothing else comes in.
    assert _selected(policies["database"]["podSelector"], workloads) == {w.name for w in workloads}
    (rule,) = policies["database"]["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5432}] and "ipBlock" in rule["to"][0]
    for workload in workloads:
        allowed = []
        for name, policy in policies.items():
            if name != "default-deny" and _selected(policy["podSelector"], [workload]) and "ingress" in policy:
                allowed += [(name, rule) for rule in policy["ingress"]]
        metrics = [(n, r) for n, r in allowed if n.endswith("metrics")]
        assert len(metrics) == 1, workload.name
        (_name, rule) = metrics[0]
        assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
        assert rule["ports"] == [{"protocol": "TCP", "port": port_of(workload.config.metrics.listen)}]
        expected = 2 if workload.command.role == "clearinghouse" else 1
        assert len(allowed) == expected, f"{workload.name}: ingress allowed by {[n for n, _ in allowed]}"


def test_kubernetes_readme_city_matches_the_node_manifests() -> None:
    readme = (KUBERNETES_DIRECTORY / "README.md").read_text(encoding="utf-8")
    (arguments,) = city_init_commands(readme, "deploy/kubernetes/README.md")
    nodes = {w.config.node.id: w.config.node for w in kubernetes_workloads() if w.command.role == "node"}
    plan = [parse_node(node, index, arguments.base_port) for index, node in enumerate(arguments.node)]
    for made in plan:
        assert (made.display_name, made.kind) == (nodes[made.node_id].display_name, nodes[made.node_id].kind)
    for pod in re.findall(r"kubectl -n timebank exec(?: -i)? ([a-z0-9-]+)", readme):
        assert pod.removesuffix("-0") in {w.name for w in kubernetes_workloads()}, pod


def test_kustomize_renders_with_the_files_the_readme_makes(tmp_path: pathlib.Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed on this machine")
    directory = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES_DIRECTORY, directory)
    (arguments,) = city_init_commands((KUBERNETES_DIRECTORY / "README.md").read_text(encoding="utf-8"), "README")
    make_city(directory, arguments)
    (directory / "database").mkdir()
    for party in ("clearinghouse", *(node.split(":")[0] for node in arguments.node)):
        url = f"postgresql://timebank:password@192.0.2.10:5432/{party}"
        (directory / "database" / f"{party}.env").write_text(f"url={url}\n", encoding="utf-8")
    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rendered = [document for document in yaml.safe_load_all(result.stdout) if document]
    secrets = {r["metadata"]["name"]: r for r in rendered if r["kind"] == "Secret"}
    for name in generated("Secret"):
        (made,) = [secret for secret in secrets if secret.startswith(f"{name}-")]
        assert set(secrets[made]["data"]) == (keys_of("Secret", name) or {"url"})
    names = set(secrets) | {r["metadata"]["name"] for r in rendered if r["kind"] == "ConfigMap"}
    for resource in rendered:
        if resource["kind"] != "StatefulSet":
            continue
        pod = resource["spec"]["template"]["spec"]
        for volume in pod["volumes"]:
            reference = volume.get("secret", {}).get("secretName") or volume.get("configMap", {}).get("name")
            assert reference is None or reference in names, f"{reference} is not rendered"
        for container in pod["containers"] + pod["initContainers"]:
            for variable in container["env"]:
                assert variable["valueFrom"]["secretKeyRef"]["name"] in names
