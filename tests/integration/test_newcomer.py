"""What a newcomer meets following the READMEs from a fresh clone, run as they run it: the
`timebank` command as a separate process, its output read as a person reads it.

Each test is one finding of a first try: the certificate checked against the key lists
the documentation names, and the places where the command line tripped a new user.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest

from nodes.cli.transfers import BATCH_KEYS, BATCH_KINDS
from nodes.config import NodeConfig
from tests.support.care import ShiftedClock
from tests.support.certificates import BODY
from tests.support.commands import timebank
from timebank import certificate, keys

ROTATION_OVERLAP_SECONDS = 1


def _issued(city: pathlib.Path, node_id: str, signing_key: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """A certificate of node_id signed now with the key in signing_key (as its desk issues one)."""
    body = BODY.__class__(**{**BODY.__dict__, "node_id": node_id, "issued_at_micros": time.time_ns() // 1000})
    out.write_bytes(certificate.issue(body, keys.load_signing_key(signing_key)))
    return out


def test_a_certificate_issued_before_its_key_ring_was_written_verifies_against_the_documented_lists(
    tmp_path: pathlib.Path,
) -> None:
    city = tmp_path / "city"
    timebank("city", "init", str(city), "--nodes", "2")
    node = city / "nodes" / "shiqi"
    issued = _issued(city, "shiqi", node / "keys" / "signing-key.pem", tmp_path / "cert.json")
    # The list the city publishes, written by `city init` with each key's real period.
    published = city / "node-keys.toml"
    assert "timebank clearinghouse node keys" in published.read_text(encoding="utf-8")
    assert ": valid — " in timebank("certificate", "verify", str(issued), "--keys", str(published)).stdout
    # One node's key trusted after the certificate was issued (the README's recipe).
    public = tmp_path / "shiqi.pem"
    timebank("node", "public-key", "--config", str(node / "node.toml"), "--out", str(public))
    ring = tmp_path / "shiqi-keys.toml"
    trusted = timebank("key", "trust", "--ring", str(ring), "--party", "shiqi", "--public-key", str(public)).stdout
    assert "valid from the beginning" in trusted
    assert "Written by `timebank city init`" not in ring.read_text(encoding="utf-8")
    assert ": valid — " in timebank("certificate", "verify", str(issued), "--keys", str(ring)).stdout
    # A start given as an ISO time after the certificate: then it is refused, and says why.
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    timebank(
        "key", "trust", "--ring", str(ring), "--party", "shiqi", "--public-key", str(public),
        "--valid-from", later.isoformat(),
    )  # fmt: skip
    refused = timebank("certificate", "verify", str(issued), "--keys", str(ring), expect=1)
    assert "not yet" in refused.stdout


def test_the_published_list_keeps_a_rotated_keys_period(tmp_path: pathlib.Path) -> None:
    city = tmp_path / "city"
    timebank("city", "init", str(city), "--nodes", "1")
    config = str(city / "clearinghouse" / "clearinghouse.toml")
    node = city / "nodes" / "shiqi"
    before = _issued(city, "shiqi", node / "keys" / "signing-key.pem", tmp_path / "before.json")
    timebank("key", "new", "--out", str(tmp_path / "next.pem"))
    timebank(
        "clearinghouse", "node", "rotate-key", "--id", "shiqi", "--public-key", str(tmp_path / "next.pem.pub"),
        "--overlap-seconds", str(ROTATION_OVERLAP_SECONDS), "--config", config,
    )  # fmt: skip
    time.sleep(ROTATION_OVERLAP_SECONDS + 0.5)  # the old key's period has ended
    after_old = _issued(city, "shiqi", node / "keys" / "signing-key.pem", tmp_path / "late.json")
    after_new = _issued(city, "shiqi", tmp_path / "next.pem", tmp_path / "after.json")
    published = tmp_path / "node-keys.toml"
    written = timebank("clearinghouse", "node", "keys", "--config", config, "--out", str(published)).stdout
    assert "2 key(s)" in written
    for valid in (before, after_new):
        assert ": valid — " in timebank("certificate", "verify", str(valid), "--keys", str(published)).stdout
    late = timebank("certificate", "verify", str(after_old), "--keys", str(published), expect=1)
    assert "signature.key_id" in late.stdout, late.stdout


def test_a_port_in_use_is_found_by_check_config_and_refused_by_serve_in_one_line(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "aaa" / "node.toml"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        timebank("node", "init", str(config.parent), "--id", "aaa", "--name", "A", "--listen", f"127.0.0.1:{port}")
        checked = timebank("check-config", "--config", str(config), expect=1)
        assert (
            f"FAIL listen               server.listen: 127.0.0.1:{port} is in use by another program" in checked.stdout
        )
        refused = timebank("node", "serve", "--config", str(config), expect=2)
    assert "add_port" not in refused.stderr and "Traceback" not in refused.stderr  # gRPC's own lines stay quiet
    assert (
        refused.stderr.strip().splitlines()[-1].startswith(f"error: server.listen: cannot listen on 127.0.0.1:{port}")
    )
    assert len(refused.stderr.strip().splitlines()) <= 3
    assert "OK   listen               127.0.0.1:" in timebank("check-config", "--config", str(config)).stdout


def test_a_command_read_by_head_ends_quietly() -> None:
    for command in (["care", "--help"], ["care", "import", "--template"]):  # argparse's exit, and a handler's
        reader, writer = os.pipe()
        process = subprocess.Popen([sys.executable, "-m", "city.cli", *command], stdout=writer, stderr=subprocess.PIPE)
        os.close(writer)
        os.close(reader)  # the reader has gone (as `head` once it has its lines): every write fails
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0 and b"Traceback" not in errors and b"BrokenPipe" not in errors, errors


def test_times_on_the_command_line_are_local_and_named_never_raw_microseconds(tmp_path: pathlib.Path) -> None:
    city = tmp_path / "city"
    timebank("city", "init", str(city), "--nodes", "1")
    config = str(city / "clearinghouse" / "clearinghouse.toml")
    events = timebank("clearinghouse", "node", "events", "--config", config).stdout.splitlines()
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()
    assert len(events) == 3 and all(f" {today}T" in line and "+08:00 " in line for line in events), events
    assert not any(re.search(r"\b\d{16}\b", line) for line in events)  # no microseconds, no time 0


def test_a_statement_before_any_cycle_is_a_state_not_a_usage_error(tmp_path: pathlib.Path) -> None:
    city = tmp_path / "city"
    timebank("city", "init", str(city), "--nodes", "1")
    config = str(city / "nodes" / "shiqi" / "node.toml")
    none_yet = timebank("node", "statement", "--config", config, expect=1)
    assert "shiqi has no statement yet" in none_yet.stderr and "--cycle" not in none_yet.stderr
    asked = timebank("node", "statement", "--config", config, "--cycle", "3", expect=1)
    assert "--cycle: shiqi has no statement of cycle 3 (it has: none yet)" in asked.stderr


ROOT = pathlib.Path(__file__).resolve().parents[2]
READERS_DOCS = ("README.md", "README.zh-CN.md", "deploy/README.md")


def test_the_readmes_stand_alone_and_say_how_timebank_gets_on_the_path() -> None:
    for name in READERS_DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "../shared" not in text and "DESIGN.md" not in text, name  # nothing outside the repository
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = readme.index("make test   #")
    assert readme.index(". .venv/bin/activate") < readme.index("timebank city init") and two_commands < readme.index(
        ". .venv/bin/activate"
    )


SERVED_MINUTES = 45
QUICK_START_CREDENTIAL = "/srv/city/nodes/shiqi/keys/administrator.credential"


@pytest.fixture
def clock() -> ShiftedClock:
    """The node's time is the machine's (the quick start names times with `date`), moved on at will."""
    return ShiftedClock()


def _quick_start_block() -> list[str]:
    """The first shell block of README.zh-CN.md's section on the time-bank services, as written."""
    text = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    section = text[text.index("## 二（续）、时间银行服务") :]
    return section[section.index("```sh\n") + len("```sh\n") : section.index("```\n", section.index("```sh\n") + 6)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the commands as written, not the backends
def test_the_chinese_quick_start_runs_as_written(
    node_address: str, node_config: NodeConfig, clock: ShiftedClock, tmp_path: pathlib.Path
) -> None:
    block = _quick_start_block()
    assert "127.0.0.1:7400" in block.splitlines()[0] and QUICK_START_CREDENTIAL in block.splitlines()[1]
    credential = str(node_config.credential_paths["administrator"])
    block = block.replace("127.0.0.1:7400", node_address, 1).replace(QUICK_START_CREDENTIAL, credential, 1)
    before, after = block.split("# …… 服务进行中 ……\n")
    environment = {**os.environ, "PATH": f"{pathlib.Path(sys.executable).parent}:{os.environ['PATH']}"}
    saved = tmp_path / "variables.sh"

    def shell(script: str) -> str:
        run = subprocess.run(
            ["bash", "-c", f"set -euo pipefail\n{script}"],
            capture_output=True, text=True, env=environment, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
        return run.stdout

    shell(before + f"declare -p TIMEBANK_NODE TIMEBANK_NODE_CREDENTIAL ELDER VOLUNTEER ORDER > {saved}\n")
    clock.advance(SERVED_MINUTES * 60_000_000)  # the service takes its time
    shown = shell(f"source {saved}\n" + after)
    assert "state: confirmed" in shown and f"balance_minutes: {SERVED_MINUTES} (0.75 h)" in shown


def test_small_things_a_newcomer_tripped_on(tmp_path: pathlib.Path) -> None:
    timebank("node", "init", str(tmp_path / "aaa"), "--id", "aaa", "--name", "A")
    assert (
        (tmp_path / "aaa" / "node.toml")
        .read_text(encoding="utf-8")
        .splitlines()[0]
        .endswith(" node aaa. Every key is explained in")
    )
    wrong = timebank("care", "get-person", "--person-id", "zz", "--node", "127.0.0.1:1", expect=2)
    assert "person_id: got 'zz', want 32 hexadecimal digits" in wrong.stderr and "issuance" not in wrong.stderr
    city = tmp_path / "city"
    timebank("city", "init", str(city), "--nodes", "1")
    listed = timebank("clearinghouse", "node", "list", "--config", str(city / "clearinghouse" / "clearinghouse.toml"))
    assert "the whole city (every node together):" in listed.stdout  # totals apart from the nodes' rows
    named = set(re.findall(r"`timebank care ([a-z-]+)", (ROOT / "proto/timebank/v1/care.proto").read_text("utf-8")))
    commands = timebank("care", "--help").stdout
    assert named and all(f" {name} " in commands or f" {name}\n" in commands for name in named), named


def test_the_readme_shows_a_batch_lines_keys_and_that_each_line_has_its_own_result() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme[readme.index('{"id": "32 hex digits') :]
    shown = json.loads(example[: example.index("}") + 1].replace("\n", " "))
    assert set(shown) == BATCH_KEYS
    assert {kind.strip() for kind in shown["kind"].split("|")} == set(BATCH_KINDS)
    assert "2 of 3 applied" in readme and "for all or nothing, link every line but the last" in readme


def test_the_care_commands_help_says_what_each_option_takes() -> None:
    publish = timebank("care", "publish-demand", "--help").stdout
    assert "--window-start TIME, --window-start-micros TIME" in publish and "an ISO 8601 time" in publish
    assert "the elder, or a verified proxy of the elder" in publish  # the wire contract's own comment
    assert "__" not in publish  # no internal destination names
    register = timebank("care", "register-person", "--help").stdout
    assert "one of: volunteer, elder, proxy" in " ".join(register.split())
    add_item = timebank("care", "add-catalogue-item", "--help").stdout
    assert "--code CODE" in add_item and "ITEM__CODE" not in add_item
