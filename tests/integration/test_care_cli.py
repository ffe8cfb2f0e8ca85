"""`timebank care ...` against a real node: a whole order through the commands an operator
types, --json documents, refusals with exit code 1, and a certificate checked offline."""

from __future__ import annotations

import datetime
import hashlib
import json
import pathlib
from typing import Any

import pytest

from nodes.server import RunningNode
from tests.support.care import HOUR_MICROS, MINUTE_MICROS, identity_number
from tests.support.commands import timebank
from timebank import keys
from timebank.clock import FakeClock

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the commands, not the backends


def care(node_target: tuple[str, ...], *arguments: str, expect: int = 0) -> Any:
    run = timebank("care", *arguments, *node_target, "--json", expect=expect)
    return json.loads(run.stdout) if expect == 0 else run.stderr


def register(node_target: tuple[str, ...], role: str, name: str, birth_date: str) -> str:
    created = care(
        node_target,
        "register-person",
        "--role", role,
        "--name", name,
        "--identity-number", identity_number(birth_date),
        "--birth-date", birth_date,
        "--community", "岐头社区",
    )  # fmt: skip
    assert created["state"] == "pending" and created["person_id"] == created["created_id"]
    care(node_target, "review-person", "--person-id", created["person_id"], "--approve", "--operator", "王审核")
    return str(created["person_id"])


def iso(micros: int) -> str:
    return datetime.datetime.fromtimestamp(micros / 1e6, datetime.timezone(datetime.timedelta(hours=8))).isoformat()


@SQLITE_ONLY
def test_an_order_through_the_commands(
    node: RunningNode, node_target: tuple[str, ...], clock: FakeClock, tmp_path: pathlib.Path
) -> None:
    elder = register(node_target, "elder", "陈婆婆", "1950-05-05")
    volunteer = register(node_target, "volunteer", "林志愿", "1990-02-02")
    start = clock.now_micros() + HOUR_MICROS
    order = care(
        node_target,
        "publish-demand",
        "--elder-id", elder,
        "--acting-person-id", elder,
        "--item-code", "meals",
        "--window-start-micros", iso(start),
        "--window-end-micros", str(start + 60 * MINUTE_MICROS),
    )["order_id"]  # fmt: skip
    ranked = care(node_target, "match-demand", "--order-id", order)["candidates"]
    assert [c["person_id"] for c in ranked] == [volunteer] and ranked[0]["rank"] == 1
    care(node_target, "accept-demand", "--order-id", order, "--volunteer-id", volunteer)
    for purpose, minutes in (("check-in", 45), ("check-out", 0)):
        code = care(node_target, "issue-code", "--order-id", order, "--purpose", purpose)["code"]
        care(node_target, "scan-code", "--code", code, "--volunteer-id", volunteer)
        clock.advance(minutes * MINUTE_MICROS)
    confirmed = care(node_target, "confirm-order", "--order-id", order, "--acting-person-id", elder)
    assert confirmed["state"] == "confirmed" and confirmed["credited_minutes"] == 45
    assert care(node_target, "get-person", "--person-id", volunteer)["balance_minutes"] == 45
    statement = timebank("account", "statement", volunteer, *node_target).stdout
    assert statement.splitlines()[0].startswith(
        f"statement of {volunteer} (林志愿, volunteer 4420"
    )  # a name, not an id

    refused = care(node_target, "confirm-order", "--order-id", order, "--acting-person-id", elder, expect=1)
    assert "refused (FAILED_PRECONDITION)" in refused and "confirmed already" in refused
    refused = care(node_target, "rate-order", "--order-id", order, "--rater-id", elder, "--stars", "9", expect=1)
    assert "stars: got 9, want 1..=5" in refused

    out, html = tmp_path / "certificate.json", tmp_path / "certificate.html"
    issued = care(
        node_target,
        "issue-certificate",
        "--person-id", volunteer,
        "--period-from", "2025-01-01",
        "--period-to", "2026-12-31",
        "--out", str(out),
        "--html", str(html),
    )  # fmt: skip
    assert issued["total_minutes"] == 45 and "林志愿" in html.read_text(encoding="utf-8")
    checked = timebank("certificate", "verify", str(out), "--json")
    assert json.loads(checked.stdout)["valid"] is True
    out.write_bytes(out.read_bytes().replace(b'"minutes": 45', b'"minutes": 90'))
    assert json.loads(timebank("certificate", "verify", str(out), "--json", expect=1).stdout)["valid"] is False

    policy = care(node_target, "get-policy")
    assert policy["storage_cap_minutes"] == 90_000 and policy["redeem_age_min_years"] == 65
    catalogue = {item["code"]: item for item in care(node_target, "list-catalogue")["items"]}
    assert catalogue["legal-aid"]["qualifications"] == ["lawyer", "notary", "corporate-counsel"]
    figures = care(node_target, "get-statistics")
    assert figures["outstanding_minutes"] == 45 and figures["active_volunteers"] == 1


@SQLITE_ONLY
def test_usage_errors_name_the_option(node_target: tuple[str, ...]) -> None:
    stderr = timebank("care", "get-person", "--person-id", "xyz", *node_target, expect=2).stderr
    assert "person_id: got 'xyz', want 32 hexadecimal digits" in stderr
    stderr = timebank("care", "publish-demand", "--window-start-micros", "tomorrow", *node_target, expect=2).stderr
    assert "window_start_micros: got 'tomorrow', want an ISO 8601 time" in stderr


def test_a_new_node_takes_the_citys_identity_key(tmp_path: pathlib.Path) -> None:
    city_key = tmp_path / "identity-key"
    keys.write_identity_key(city_key, bytes(range(32)))
    directory = tmp_path / "xiaolan"
    timebank("node", "init", str(directory), "--id", "xiaolan", "--name", "小榄镇", "--identity-key", str(city_key))
    assert keys.load_identity_key(directory / "keys" / "identity-key") == bytes(range(32))
    checked = timebank("check-config", "--config", str(directory / "node.toml")).stdout
    fingerprint = hashlib.sha256(bytes(range(32))).hexdigest()[:16]
    assert f"fingerprint {fingerprint}" in checked
    (directory / "keys" / "identity-key").chmod(0o644)
    checked = timebank("check-config", "--config", str(directory / "node.toml"), expect=1).stdout
    assert "the city's identity key must be readable by its owner only" in checked


@SQLITE_ONLY
def test_hardship_is_recorded_for_a_person_already_approved(node_target: tuple[str, ...], clock: FakeClock) -> None:
    born = (datetime.date.today() - datetime.timedelta(days=62 * 366)).isoformat()  # 62: below 65, above 60
    elder = register(node_target, "elder", "何阿婆", born)
    assert care(node_target, "get-person", "--person-id", elder)["hardship"] is False
    refused = care(node_target, "set-hardship", "--person-id", elder, "--hardship", "--operator", "王审核", expect=1)
    assert "reason" in refused  # a change of circumstances says why
    changed = care(
        node_target, "set-hardship", "--person-id", elder, "--hardship", "--reason", "低保户，街道核实",
        "--operator", "王审核",
    )  # fmt: skip
    assert changed["hardship"] is True and changed["review_reason"] == "hardship recorded: 低保户，街道核实"
    assert changed["reviewed_by"] == "王审核"
    again = care(
        node_target, "set-hardship", "--person-id", elder, "--hardship", "--reason", "再次", "--operator", "王审核",
        expect=1,
    )  # fmt: skip
    assert "has hardship recorded already" in again
    cleared = care(
        node_target, "set-hardship", "--person-id", elder, "--reason", "已脱贫", "--operator", "张主任"
    )  # fmt: skip
    assert cleared["hardship"] is False and cleared["review_reason"] == "hardship cleared: 已脱贫"
