"""The compose city (deploy/compose/): it parses, its configs load through the real loaders,
migrations run before servers, databases, ports, networks, healthchecks and secrets
cross-reference, and the secret files are what `timebank city init` writes; with compose
installed, compose validates the file.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import tomllib

import pytest

from city.init import parse_node
from tests.deploy.manifests import (
    CLEARINGHOUSE_METRICS_PORT,
    CLEARINGHOUSE_PORT,
    COMPOSE_DIRECTORY,
    COMPOSE_FILE,
    IMAGE,
    LOADERS,
    NODE_METRICS_PORT,
    POSTGRES_IMAGE,
    city_init_commands,
    compose,
    compose_timebank_services,
    config_file_paths,
    make_city,
    parse_command,
    port_of,
    seconds,
)
from timebank.config import parse_listen_address
from timebank.errors import ConfigError

pytestmark = pytest.mark.deploy


# -- compose -------------------------------------------------------------------------------


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
