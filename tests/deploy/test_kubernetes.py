"""The Kubernetes manifests (deploy/kubernetes/): they parse, the kustomization lists every file,
configs load through the real loaders, secrets, config maps, ports, probes and network
policies cross-reference, pods are locked down; with kubectl, kustomize renders them.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from city.init import parse_node
from tests.deploy.manifests import (
    CLEARINGHOUSE_METRICS_PORT,
    CLEARINGHOUSE_PORT,
    IMAGE,
    KUBERNETES_DIRECTORY,
    NODE_METRICS_PORT,
    USER_ID,
    _network_policies,
    _selected,
    city_init_commands,
    config_file_paths,
    defined_names,
    generated,
    keys_of,
    kubernetes_documents,
    kubernetes_resources,
    kubernetes_workloads,
    kustomization,
    make_city,
    matches,
    parse_command,
    port_of,
)
from timebank.config import parse_listen_address

pytestmark = pytest.mark.deploy


# -- Kubernetes ----------------------------------------------------------------------------


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
        assert init["env"] == [variable for variable in workload.container["env"] if "valueFrom" in variable]
        if workload.command.role == "node":  # the probes and `kubectl exec` present the administrator's
            plain = {v["name"]: v["value"] for v in workload.container["env"] if "value" in v}
            assert plain == {"TIMEBANK_NODE_CREDENTIAL": workload.config.server.administrator_credential_file}
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
            together = {"tls": {"ca.pem", "tls.pem", "tls-key.pem"}}
            together["credentials"] = {"administrator.credential", "console.credential"}
            assert keys_of(kind, name) == {key} | together.get(directory.rsplit("/", 1)[-1], set())
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
                if "valueFrom" in variable:
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
                assert "value" in variable or variable["valueFrom"]["secretKeyRef"]["name"] in names
