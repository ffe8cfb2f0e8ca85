"""The bureau's console in a real browser (Chromium through Playwright) against a real city:
signing in at the clearinghouse, the city now refreshing by itself, the registry's steps
with their confirmation and trail, a transfer found and its timeline shown, a cycle closed
by hand and its report opened and downloaded, the log, and the auditor's read-only view.
Screenshots of each screen go to test-artifacts/console/bureau-*.png."""

from __future__ import annotations

import json
import pathlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from clearinghouse import settlement
from clearinghouse.tables import OPERATOR_TABLES
from console.bureau.app import make_bureau_app
from console.bureau.config import BureauConsoleConfig, BureauConsoleTable
from console.cli import serving_in_thread as serving
from console.labels import duration, text
from tests.support.browser import browser_page, require_chromium, screenshot
from tests.support.care import HOUR_MICROS, Desk, people
from tests.support.city import NODES, RunningTestCity, make_city, raw, wait_for
from tests.support.exports import assert_exports_match
from timebank.operators.desk import Operators
from timebank.operators.records import BUREAU_STAFF
from timebank.v1.care_pb2 import GetStatisticsRequest

PASSWORD = "Jian-du 2026 winter"
REFRESH_SECONDS = 1.0
GUARANTEE_MINUTES = 1_200
SEEN_WITHIN_SECONDS = 10
CHINESE = text("zh")


@contextmanager
def _console(city: RunningTestCity) -> Iterator[str]:
    """The bureau's administrator, supervisor and auditor, and the bureau's console over the city."""
    require_chromium()
    assert city.clearinghouse is not None
    desk = Operators(city.clearinghouse.coordinator.books, city.clock, OPERATOR_TABLES, BUREAU_STAFF)
    desk.create_account(None, "zhao.admin", "赵科长", PASSWORD, ["administrator"])
    desk.create_account(None, "sun.super", "孙监管", PASSWORD, ["supervisor"])
    desk.create_account(None, "qian.audit", "钱审计", PASSWORD, ["auditor"])
    table = BureauConsoleTable(
        clearinghouse=f"127.0.0.1:{city.clearinghouse.port}",
        tls_directory="tls",
        office_name="市民政局",
        refresh_seconds=REFRESH_SECONDS,
    )
    app = make_bureau_app(BureauConsoleConfig(table, city.directory / "bureau"))
    with serving(app) as url:
        yield url
    app.state.node.close()


@pytest.fixture
def bureau_console(city: RunningTestCity) -> Iterator[str]:
    with _console(city) as url:
        yield url


@pytest.fixture
def reporting_city(city_databases: dict[str, str], tmp_path: pathlib.Path) -> Iterator[RunningTestCity]:
    """A city whose nodes report every second, with a guarantee of 20 hours at the clearinghouse."""
    environ = {
        "TIMEBANK_CLEARINGHOUSE__SUPERVISION_REPORT_SECONDS": "1",
        "TIMEBANK_SUPERVISION__GUARANTEE_MINUTES": str(GUARANTEE_MINUTES),
    }
    test_city = make_city(tmp_path / "city", city_databases, environ=environ)
    try:
        test_city.start_clearinghouse()
        for node_id in NODES:
            test_city.start_node(node_id)
        yield test_city
    finally:
        test_city.stop()


def _move(city: RunningTestCity, number: int, source: str, target: str, minutes: int) -> bytes:
    return city.move(raw(0xC0C0 << 112 | number), source, target, minutes)


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")


def test_a_day_at_the_bureau_through_its_console(
    city: RunningTestCity, bureau_console: str, tmp_path: pathlib.Path
) -> None:
    for node_id in ("shiqi", "dongqu", "canlian"):
        city.member(node_id, 1, minutes=600)
        city.member(node_id, 2)
    moved = [_move(city, 1, "shiqi", "dongqu", 90), _move(city, 2, "dongqu", "canlian", 30)]
    with browser_page() as page:
        page.goto(bureau_console)
        assert page.url.endswith("/login")
        screenshot(page, "bureau-01-login")
        sign_in(page, bureau_console, "zhao.admin")
        assert "赵科长" in page.inner_text("header")
        rows = page.locator("table.nodes tbody tr")
        assert rows.count() == 3 and "秒前" in page.inner_text("table.nodes")
        assert page.inner_text("tr[data-node=shiqi] td.owes") == "-1 小时 30 分钟"  # 90 minutes out, none in
        screenshot(page, "bureau-02-city")
        # The city's figures refresh by themselves: a transfer made now shows without a reload.
        _move(city, 3, "canlian", "shiqi", 15)
        page.wait_for_function(
            "() => document.querySelector('tr[data-node=shiqi] td.owes').innerText === '-1 小时 15 分钟'",
            timeout=10_000,
        )

        for node in city.nodes.values():  # each node's figures, as its reporter sends them when they change
            assert node.reporter is not None
            node.reporter.send_if_changed()

        def all_reported() -> int:
            page.goto(f"{bureau_console}/supervision")
            return page.locator("table.supervision-nodes tbody tr[data-node]").count()

        wait_for(all_reported, lambda count: count == 3)
        assert page.locator("table.supervision-months tbody tr").count() >= 1
        assert len(assert_exports_match(page)) == 4
        screenshot(page, "bureau-02b-supervision")

        page.goto(f"{bureau_console}/registry")
        suspend = page.locator("tr[data-node=canlian] form")
        suspend.locator("input[name=reason]").fill("审计期间暂停")
        suspend.locator("button").click()
        assert "confirm: tick the box" in page.inner_text(".refusal")  # nothing changed without it
        suspend = page.locator("tr[data-node=canlian] form")
        suspend.locator("input[name=reason]").fill("审计期间暂停")
        suspend.locator("input[name=confirm]").check()
        suspend.locator("button").click()
        assert "已执行" in page.inner_text(".done")
        assert "已暂停" in page.inner_text("tr[data-node=canlian]")
        assert "canlian" in page.inner_text("table.changes") and "审计期间暂停" in page.inner_text("table.changes")
        screenshot(page, "bureau-03-registry")
        reinstate = page.locator("tr[data-node=canlian] form")
        reinstate.locator("input[name=reason]").fill("审计完毕")
        reinstate.locator("input[name=confirm]").check()
        reinstate.locator("button").click()
        assert "正常" in page.inner_text("tr[data-node=canlian]")
        admit = page.locator("form.admit")
        admit.locator("input[name=node_id]").fill("xiqu")
        admit.locator("input[name=display_name]").fill("西区街道")
        admit.locator("textarea[name=public_key_pem]").fill("not a key")
        admit.locator("input[name=confirm]").check()
        admit.locator("button").click()
        assert "public_key_pem: want an Ed25519 public key in PEM" in page.inner_text(".refusal")
        assert page.input_value("form.admit input[name=display_name]") == "西区街道"  # what was typed is kept

        page.goto(f"{bureau_console}/transfers?node=canlian")
        listed = page.locator("table.transfers tbody tr")
        assert listed.count() == 2  # dongqu -> canlian and canlian -> shiqi, newest first
        exported = assert_exports_match(page)[0]
        assert [row[1:3] for row in exported[1:]] == [["canlian", "shiqi"], ["dongqu", "canlian"]]
        page.goto(f"{bureau_console}/transfers?id={moved[0].hex()}")
        assert page.locator("table.transfers tbody tr").count() == 1
        page.click(f"a[href='/transfers/{moved[0].hex()}']")
        wait_for(
            lambda: (page.reload(), page.locator("li.decision-acknowledged").count())[1],
            lambda count: count == 2,
        )
        steps = page.inner_text("ol.timeline")
        assert steps.index("prepare-received") < steps.index("vote-received") < steps.index("committed")
        screenshot(page, "bureau-04-transfer")
        page.goto(f"{bureau_console}/transfers?id=xyz")
        assert "transfer_id_prefix: got 'xyz', want 0 to 32 hexadecimal digits" in page.inner_text(".refusal")

        page.goto(f"{bureau_console}/cycles")
        page.locator("form.close-cycle input[name=confirm]").check()
        page.click("form.close-cycle button")
        assert "周期已结束" in page.inner_text(".done")
        assert city.clearinghouse is not None
        engine = city.clearinghouse.coordinator.books.engine
        closed_id = int(page.locator("section.cycle").nth(1).get_attribute("data-cycle") or 0)

        def statements_in() -> bool:
            with engine.connect() as connection:
                return settlement.all_statements_in(connection, closed_id)

        wait_for(statements_in, bool)
        page.reload()
        closed = page.locator(f"section.cycle[data-cycle='{closed_id}']")
        assert closed.locator("svg.chart rect").count() == 3
        assert "1 小时 30 分钟" in closed.locator("table.flows").inner_text()
        screenshot(page, "bureau-05-cycles")
        assert len(assert_exports_match(page)) == 2  # the positions and the flows of cycle 1
        closed.locator("a.button").click()
        assert "无差异" in page.inner_text(".done")
        screenshot(page, "bureau-06-report")
        with page.expect_download() as download:
            page.click(f"a[href='/cycles/{closed_id}/report.json']")
        saved = tmp_path / "report.json"
        download.value.save_as(saved)
        document = json.loads(saved.read_text(encoding="utf-8"))
        nets = {p["node_id"]: p["net_minutes"] for p in document["positions"]}
        assert nets == {"shiqi": -75, "dongqu": 60, "canlian": 15} and document["summary"]["break_count"] == 0

        page.goto(f"{bureau_console}/log")
        assert "无未处理告警" in page.inner_text("main")
        assert page.locator("table.checkpoints tbody tr").count() >= 1
        screenshot(page, "bureau-07-log")
        page.goto(f"{bureau_console}/trail")
        trail = page.inner_text("table")
        assert "SetNodeStatus" in trail and "canlian suspended (审计期间暂停)" in trail and "CloseCycle" in trail
        page.click("header button.link")

        sign_in(page, bureau_console, "qian.audit")
        page.goto(f"{bureau_console}/registry")
        registry = assert_exports_match(page)
        assert [row[0] for row in registry[0][1:]] == ["canlian", "dongqu", "shiqi"]
        assert page.locator("form").count() == 1  # the log-out form alone: the auditor reads, nothing more
        started = time.monotonic()
        page.goto(f"{bureau_console}/cycles")
        assert page.locator("form.close-cycle").count() == 0
        assert time.monotonic() - started < 10
        screenshot(page, "bureau-08-auditor")


@pytest.mark.parametrize("backend", ["sqlite"])  # the pages and the round trip: one backend is enough
def test_an_alert_raised_at_a_node_is_seen_at_the_bureau_within_seconds_and_acknowledged_there(
    reporting_city: RunningTestCity,
) -> None:
    city = reporting_city
    desk = Desk(city.client("shiqi"), "shiqi")
    elder, volunteer = people(desk)
    order_id = desk.publish(elder, "meals", city.clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.accept(order_id, volunteer)
    desk.scan(desk.code(order_id, "check-in"), volunteer)
    city.member("dongqu", 1, minutes=900)  # members of the city hold 15 hours: 75% of the guarantee
    with _console(city) as console, browser_page() as page:
        sign_in(page, console, "sun.super")
        page.goto(f"{console}/supervision")
        wait_for(
            lambda: (page.reload(), page.locator("table.supervision-nodes tbody tr[data-node]").count())[1],
            lambda count: count == 3,
        )
        assert page.locator("table.supervision-alerts tbody tr[data-alert]").count() == 0
        for node_id in NODES:  # each node's figures on the page are the node's own statistics
            own = Desk(city.client(node_id), node_id).care.GetStatistics(GetStatisticsRequest(), timeout=10)
            cells = page.locator(f"table.supervision-nodes tr[data-node={node_id}] td").all_inner_texts()
            assert cells[7] == duration(own.outstanding_minutes, CHINESE), (node_id, cells)
        assert "75%" in page.inner_text(".card.guarantee") and "20 小时" in page.inner_text(".card.guarantee")
        # The volunteer checks out at once: the node's rule raises an alert; the page shows it by itself.
        started = time.monotonic()
        desk.scan(desk.code(order_id, "check-out"), volunteer)
        row = page.locator("table.supervision-alerts tr[data-node=shiqi]")
        row.wait_for(timeout=SEEN_WITHIN_SECONDS * 1000)
        assert time.monotonic() - started < SEEN_WITHIN_SECONDS
        assert "服务时长不合常理" in row.inner_text() and "SHIQI" in row.inner_text()
        screenshot(page, "bureau-09-alert-seen")
        row.locator("button.primary").click()
        assert "note: got 0 characters, want 1 to 200" in page.inner_text(".refusal")  # refused in place
        row = page.locator("table.supervision-alerts tr[data-node=shiqi]")
        row.locator("input[name=note]").fill("已电话核实：志愿者忘记签到")
        row.locator("button.primary").click()
        assert "已确认" in page.inner_text(".done")
        assert "sun.super · 已电话核实" in page.inner_text("table.supervision-alerts td.acknowledged")
        screenshot(page, "bureau-10-alert-acknowledged")
        # The node records it as the bureau's, and its next report no longer has it open.
        page.locator("table.supervision-alerts tbody td.empty").wait_for(timeout=SEEN_WITHIN_SECONDS * 1000)
        shiqi = city.nodes["shiqi"].reporter
        assert shiqi is not None
        [acknowledged] = [a for a in shiqi.desk.alerts(True) if a.acknowledged_at_micros]
        assert acknowledged.acknowledged_by == "bureau:sun.super"
        page.goto(f"{console}/trail")
        assert "AcknowledgeNodeAlert" in page.inner_text("table") and "已电话核实" in page.inner_text("table")
        page.click("header button.link")
        sign_in(page, console, "qian.audit")  # the auditor sees the figures, and no form to acknowledge
        page.goto(f"{console}/supervision")
        assert page.locator("table.supervision-alerts form").count() == 0
