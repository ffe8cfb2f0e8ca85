"""`timebank city init`: everything a city needs on one machine, as files a real city edits.

An entry-point module (like cli and demo): it composes the clearinghouse's and the
nodes' own init steps and is imported by neither. It writes:

    DIR/city.toml                     the parties, their roles and addresses
    DIR/ca/ca.pem, ca-key.pem         the city's certificate authority (key owner-only)
    DIR/clearinghouse/                clearinghouse.toml, tls/, keys/, its database
    DIR/nodes/<id>/                   node.toml, console.toml (its office console), tls/, keys/,
                                      clearinghouse-keys.toml, database
    DIR/bureau/tls/, DIR/auditor/tls/ certificates to call the clearinghouse's Bureau, Settlement and log services
    DIR/bureau/bureau-console.toml    the bureau's web console at the clearinghouse
    DIR/node-keys.toml                the nodes' public keys with their validity, to publish: what
                                      anyone checks a node's certificate against

and admits every node in the clearinghouse's registry with its public signing key.
Every party's config also gets a [metrics] table: its Prometheus endpoint on a loopback
port that was free at init.
The same files, edited (addresses, database URLs, hosts in the certificates), are what
a real deployment uses.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from city import processes
from clearinghouse import registry
from clearinghouse.init import init_clearinghouse
from console.bureau.config import write_bureau_console_config
from console.config import write_console_config
from nodes.init import init_node
from timebank import keys, pki
from timebank.clock import Clock, SystemClock
from timebank.config import parse_listen_address, toml_string
from timebank.errors import ConfigError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.signing import KeyRecord
from timebank.storage.engine import create_database_engine, read_transaction, write_transaction

__all__ = [
    "City",
    "cmd_city_certificate",
    "cmd_city_init",
    "default_plan",
    "DEPARTMENTS",
    "DISTRICTS",
    "init_city",
    "issue_tls",
    "CLEARINGHOUSE_KEYS_HEADER",
    "METRICS_PORT_ATTEMPTS_MAX",
    "NODE_KEYS_FILE",
    "NodePlan",
    "OPERATOR_ROLES",
    "parse_node",
    "PARTY_HOSTS",
    "register",
]

# Zhongshan's towns and sub-districts (镇街), then departments (部门) with teams.
DISTRICTS = [
    ("shiqi", "石岐街道"),
    ("dongqu", "东区街道"),
    ("xiqu", "西区街道"),
    ("nanqu", "南区街道"),
    ("wuguishan", "五桂山街道"),
    ("zhongshangang", "中山港街道"),
    ("minzhong", "民众街道"),
    ("nanlang", "南朗街道"),
    ("huangpu", "黄圃镇"),
    ("nantou", "南头镇"),
    ("dongfeng", "东凤镇"),
    ("fusha", "阜沙镇"),
    ("xiaolan", "小榄镇"),
    ("dongsheng", "东升镇"),
    ("guzhen", "古镇镇"),
    ("henglan", "横栏镇"),
    ("sanjiao", "三角镇"),
    ("gangkou", "港口镇"),
    ("dachong", "大涌镇"),
    ("shaxi", "沙溪镇"),
    ("sanxiang", "三乡镇"),
    ("banfu", "板芙镇"),
    ("shenwan", "神湾镇"),
    ("tanzhou", "坦洲镇"),
]
DEPARTMENTS = [
    ("weijian", "市卫生健康局"),
    ("zonggonghui", "市总工会"),
    ("tuanshiwei", "共青团中山市委"),
    ("fulian", "市妇联"),
    ("canlian", "市残联"),
    ("hongshizihui", "市红十字会"),
]
PARTY_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class NodePlan:
    node_id: str
    display_name: str
    kind: str
    listen: str


@dataclass(frozen=True)
class City:
    directory: pathlib.Path
    clearinghouse_config: pathlib.Path
    clearinghouse_address: str
    nodes: tuple[tuple[NodePlan, pathlib.Path], ...]


def default_plan(count: int, base_port: int) -> list[NodePlan]:
    everyone = [(i, n, "district") for i, n in DISTRICTS] + [(i, n, "department") for i, n in DEPARTMENTS]
    if not 1 <= count <= len(everyone):
        raise ConfigError(f"--nodes: got {count}, want 1..={len(everyone)}")
    return [
        NodePlan(node_id, name, kind, f"127.0.0.1:{base_port + 1 + index}")
        for index, (node_id, name, kind) in enumerate(everyone[:count])
    ]


def parse_node(text: str, index: int, base_port: int) -> NodePlan:
    """'ID:NAME[:KIND]' as given on the command line."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise ConfigError(f"--node: got {text!r}, want ID:NAME or ID:NAME:district|department")
    kind = parts[2] if len(parts) == 3 else "district"
    return NodePlan(parts[0], parts[1], kind, f"127.0.0.1:{base_port + 1 + index}")


def init_city(
    directory: pathlib.Path,
    plan: Sequence[NodePlan],
    *,
    clock: Clock,
    base_port: int = 7300,
    database_urls: dict[str, str] | None = None,
    city_name: str = "中山市",
    insecure: bool = False,
) -> City:
    """Creates a whole city in directory; database_urls maps a party id to its URL."""
    if (directory / "city.toml").exists():
        raise ConfigError(f"{directory / 'city.toml'}: exists already; refusing to overwrite a city")
    ids = [p.node_id for p in plan]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"--node: node ids must be different, got {ids}")
    urls = database_urls or {}
    now = datetime.datetime.fromtimestamp(clock.now_micros() / 1e6, tz=datetime.UTC)
    authority = pki.create_city_authority(directory / "ca", city_name=city_name, now=now)
    ch_directory = directory / "clearinghouse"
    ch_address = f"127.0.0.1:{base_port}"
    ch_config = init_clearinghouse(
        ch_directory,
        clock=clock,
        listen=ch_address,
        database_url=urls.get(CLEARINGHOUSE_ID, "sqlite:///clearinghouse.db"),
        insecure=insecure,
    )
    issue_tls(authority, CLEARINGHOUSE_ID, ch_directory / "tls", now)
    for role in OPERATOR_ROLES:  # the bureau's operators and auditors call the clearinghouse too
        issue_tls(authority, role, directory / role / "tls", now)
    ch_key = keys.load_signing_key(ch_config.path(ch_config.keys.signing_key_file)).public_key()
    ch_record = KeyRecord(keys.key_id(ch_key), CLEARINGHOUSE_ID, keys.public_bytes(ch_key), 0)
    engine = create_database_engine(ch_config.database_url)
    identity_key = os.urandom(keys.IDENTITY_KEY_BYTES)  # one per city: a person hashes alike at every node
    keys.write_identity_key(directory / "identity-key", identity_key)  # the bureau's copy, for new nodes
    made = []
    try:
        for node in plan:
            node_directory = directory / "nodes" / node.node_id
            config = init_node(
                node_directory,
                node_id=node.node_id,
                display_name=node.display_name,
                kind=node.kind,
                clock=clock,
                database_url=urls.get(node.node_id, "sqlite:///node.db"),
                listen=node.listen,
                clearinghouse_address=ch_address,
                insecure=insecure,
                identity_key=identity_key,
            )
            issue_tls(authority, node.node_id, node_directory / "tls", now)
            keys.write_key_ring_file(
                config.path(config.clearinghouse.keys_file), [ch_record], CLEARINGHOUSE_KEYS_HEADER
            )
            public = keys.public_bytes(keys.load_signing_key(config.signing_key_path).public_key())
            with write_transaction(engine) as connection:
                registry.admit(
                    connection,
                    node_id=node.node_id,
                    display_name=node.display_name,
                    kind=node.kind,
                    public_key=public,
                    net_debit_cap_minutes=ch_config.protocol.default_net_debit_cap_minutes,
                    pending_cap_minutes=ch_config.protocol.default_pending_cap_minutes,
                    at_micros=clock.now_micros(),
                )
            made.append((node, node_directory / "node.toml"))
        with read_transaction(engine) as connection:  # the list a certificate's holder checks it against
            registry.publish_node_keys(connection, directory / NODE_KEYS_FILE)
    finally:
        engine.dispose()
    metrics_ports = _turn_on_metrics([ch_directory / "clearinghouse.toml", *(p for _node, p in made)], ch_address, plan)
    _write_consoles(directory, made, ch_address, plan, set(metrics_ports))
    _write_city_file(directory, ch_address, plan)
    return City(directory, ch_directory / "clearinghouse.toml", ch_address, tuple(made))


OPERATOR_ROLES = ("bureau", "auditor")
NODE_KEYS_FILE = "node-keys.toml"
CLEARINGHOUSE_KEYS_HEADER = (
    "The clearinghouse's public signing key, trusted by this node. Written by `timebank city init`;\n"
    "`timebank key trust` adds the clearinghouse's next key before it rotates."
)
METRICS_PORT_ATTEMPTS_MAX = 10


def _turn_on_metrics(config_paths: Sequence[pathlib.Path], ch_address: str, plan: Sequence[NodePlan]) -> range:
    """Appends a [metrics] table to each config: free loopback ports, none of them a party's gRPC port."""
    ports = _free_ports(len(config_paths), ch_address, plan, set())
    for path, port in zip(config_paths, ports, strict=True):
        with path.open("a", encoding="utf-8") as config:
            config.write(f'\n[metrics]\n# Prometheus endpoint: GET /metrics.\nlisten = "127.0.0.1:{port}"\n')
    return ports


def _free_ports(count: int, ch_address: str, plan: Sequence[NodePlan], taken: set[int]) -> range:
    """count free loopback ports in a row, none of them a party's gRPC port nor one taken."""
    planned = {parse_listen_address(address)[1] for address in (ch_address, *(node.listen for node in plan))}
    planned |= taken
    for _ in range(METRICS_PORT_ATTEMPTS_MAX):
        base = processes.free_port_range(count)
        if planned.isdisjoint(range(base, base + count)):
            break
    return range(base, base + count)


def _write_consoles(
    directory: pathlib.Path,
    made: Sequence[tuple[NodePlan, pathlib.Path]],
    ch_address: str,
    plan: Sequence[NodePlan],
    taken: set[int],
) -> None:
    """A console.toml beside each node.toml, and the bureau's bureau-console.toml beside its
    certificate, each on a free loopback port."""
    ports = _free_ports(len(made) + 1, ch_address, plan, taken)
    for (node, config), port in zip(made, ports[:-1], strict=True):
        write_console_config(
            config.parent / "console.toml",
            listen=f"127.0.0.1:{port}",
            node=node.listen,
            office_name=f"{node.display_name}时间银行",
        )
    write_bureau_console_config(
        directory / "bureau" / "bureau-console.toml",
        listen=f"127.0.0.1:{ports[-1]}",
        clearinghouse=ch_address,
        office_name="市民政局",
    )


def issue_tls(
    authority: pki.CityAuthority,
    party_id: str,
    tls_directory: pathlib.Path,
    now: datetime.datetime,
    hosts: Sequence[str] = PARTY_HOSTS,
) -> None:
    """A party's certificate and key from the city CA, with the CA's certificate beside them."""
    pki.issue_party_certificate(authority, party_id, tls_directory, now=now, hosts=hosts)
    shutil.copyfile(authority.certificate_path, tls_directory / "ca.pem")


def _write_city_file(directory: pathlib.Path, ch_address: str, plan: Sequence[NodePlan]) -> None:
    lines = [
        "# The parties of this city. Written by `timebank city init`.",
        "",
        "[clearinghouse]",
        f"address = {toml_string(ch_address)}",
        'config = "clearinghouse/clearinghouse.toml"',
        "",
    ]
    for node in plan:
        lines += [
            "[[nodes]]",
            f"id = {toml_string(node.node_id)}",
            f"display_name = {toml_string(node.display_name)}",
            f"kind = {toml_string(node.kind)}",
            f"listen = {toml_string(node.listen)}",
            f"config = {toml_string(f'nodes/{node.node_id}/node.toml')}",
            "",
        ]
    (directory / "city.toml").write_text("\n".join(lines), encoding="utf-8")


# -- command line --------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    city = subparsers.add_parser("city", help="create a whole city on this machine").add_subparsers(
        dest="city_command", required=True
    )
    init = city.add_parser("init", help="CA, certificates, keys, configs and databases for every party")
    init.add_argument("directory", type=pathlib.Path)
    group = init.add_mutually_exclusive_group()
    group.add_argument(
        "--nodes",
        type=int,
        default=3,
        help="how many nodes, named after Zhongshan's districts then departments (default 3)",
    )
    group.add_argument(
        "--node",
        action="append",
        metavar="ID:NAME[:KIND]",
        help="a node by id, display name and kind (district or department); repeat",
    )
    init.add_argument(
        "--base-port",
        type=int,
        default=7300,
        help="the clearinghouse listens here, node N on base+N (default 7300)",
    )
    init.add_argument(
        "--database-url",
        metavar="TEMPLATE",
        help="each party's database, with {party} standing for its id, e.g. "
        "postgresql://timebank:SECRET@db.example/{party} (the databases must exist; default: SQLite files)",
    )
    init.add_argument(
        "--insecure",
        action="store_true",
        help="plaintext between nodes and the clearinghouse, on loopback only: local experiments, never production",
    )
    init.set_defaults(handler=cmd_city_init)
    certificate = city.add_parser("certificate", help="issue a party's TLS certificate from the city CA")
    certificate.add_argument("--ca", type=pathlib.Path, required=True, help="the CA folder (ca.pem, ca-key.pem)")
    certificate.add_argument("--party", required=True, help="the party id, e.g. a new node's id")
    certificate.add_argument(
        "--out",
        type=pathlib.Path,
        required=True,
        help="folder for tls.pem, tls-key.pem and ca.pem (a node's tls/ folder)",
    )
    certificate.add_argument(
        "--host", action="append", default=[], help="a host name or IP address the party serves on (default: loopback)"
    )
    certificate.set_defaults(handler=cmd_city_certificate)


def cmd_city_init(arguments: argparse.Namespace) -> int:
    if arguments.node:
        plan = [parse_node(text, index, arguments.base_port) for index, text in enumerate(arguments.node)]
    else:
        plan = default_plan(arguments.nodes, arguments.base_port)
    urls = None
    if arguments.database_url:
        if "{party}" not in arguments.database_url:
            raise ConfigError("--database-url: the template must contain {party}, one database per party")
        parties = [CLEARINGHOUSE_ID, *(node.node_id for node in plan)]
        urls = {party: arguments.database_url.replace("{party}", party) for party in parties}
    city = init_city(
        arguments.directory,
        plan,
        clock=SystemClock(),
        base_port=arguments.base_port,
        insecure=arguments.insecure,
        database_urls=urls,
    )
    if arguments.insecure:
        print("WARNING: --insecure: nodes and the clearinghouse talk PLAINTEXT (loopback only)")
    print(f"created a city in {city.directory}")
    print(
        f"  clearinghouse: {city.clearinghouse_address}  "
        f"(timebank clearinghouse serve --config {city.clearinghouse_config})"
    )
    for node, config in city.nodes:
        print(
            f"  node {node.node_id:<14} {node.display_name:<8} {node.listen}  (timebank node serve --config {config})"
        )
    return 0


def cmd_city_certificate(arguments: argparse.Namespace) -> int:
    authority = pki.load_city_authority(arguments.ca)
    now = datetime.datetime.fromtimestamp(SystemClock().now_micros() / 1e6, tz=datetime.UTC)
    hosts = tuple(arguments.host) or PARTY_HOSTS
    issue_tls(authority, arguments.party, arguments.out, now, hosts)
    print(f"issued the TLS certificate of {arguments.party} in {arguments.out} (hosts: {', '.join(hosts)})")
    return 0
