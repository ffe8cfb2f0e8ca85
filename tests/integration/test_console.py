"""The office console in a real browser (Chromium through Playwright) against a real node:
signing in, the dashboard, people reviewed by the role that may, refusals shown in place,
users made by a director, the trail and its export, ended sessions, unknown pages and
forged forms. Screenshots of each screen go to test-artifacts/console/."""

from __future__ import annotations

from typing import Any

import pytest

from console.app import make_app
from console.cli import serving_in_thread as serving
from console.config import ConsoleTable
from tests.support.browser import browser_page, require_chromium, screenshot
from tests.support.care import HOUR_MICROS, Desk, people
from tests.support.exports import assert_exports_match
from tests.support.office import DIRECTOR_PASSWORD
from timebank.clock import FakeClock

STAFF_PASSWORD = "Good pass 2026"
MINUTE = 60_000_000


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def make_user(page: Any, username: str, display_name: str, role: str, password: str = STAFF_PASSWORD) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", display_name)
    page.fill("input[name=password]", password)
    page.check(f"input[name=roles][value={role}]")
    page.click("form.stack button.primary")


def test_a_day_at_the_office_through_the_console(console: str, desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.register("volunteer", "林志愿", "1990-02-02")
    with browser_page() as page:
        page.goto(f"{console}/")
        assert page.url.endswith("/login")  # signed out: the sign-in page
        screenshot(page, "01-login")
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        assert page.locator(".card").first.inner_text().startswith("2")  # two people wait for review
        assert "王主任" in page.inner_text("header")
        screenshot(page, "02-dashboard")

        page.goto(f"{console}/users")
        make_user(page, "zhou", "周审核", "reviewer", password="short")
        assert "password: got 5 characters, want 10 to 128" in page.inner_text(".refusal")
        assert page.input_value("input[name=username]") == "zhou"  # what was typed is kept
        make_user(page, "zhou", "周审核", "reviewer")
        make_user(page, "li", "李经办", "operator")
        assert "周审核" in page.inner_text("table") and "李经办" in page.inner_text("table")
        screenshot(page, "03-users")
        page.click("header button.link")  # log out

        sign_in(page, console, "li", STAFF_PASSWORD)
        page.goto(f"{console}/people?state=pending")
        page.locator("form.review").first.locator("button[value=approve]").click()
        assert "ReviewPerson needs 审核员 (reviewer) or 主任 (director); li has 经办员 (operator)" in page.inner_text(
            ".refusal"
        )
        screenshot(page, "04-refused-role")
        assert desk.person(elder).state == "pending"  # nothing changed
        page.goto(f"{console}/")
        page.click("header button.link")

        sign_in(page, console, "zhou", STAFF_PASSWORD)
        page.goto(f"{console}/people?state=pending")
        screenshot(page, "05-people-pending")
        first = page.locator("form.review").first
        first.locator("button[value=reject]").click()
        assert "reason" in page.inner_text(".refusal")  # rejecting needs a reason: shown in place
        page.locator("form.review").first.locator("button[value=approve]").click()
        page.goto(f"{console}/people?state=pending")
        assert page.locator("form.review").count() == 1
        page.click("header button.link")

        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/trail")
        trail = page.inner_text("table")
        assert "ReviewPerson" in trail and "zhou" in trail and "li" in trail
        screenshot(page, "06-trail")
        exported = page.request.get(f"{console}/trail?format=csv")
        assert exported.ok and "ReviewPerson" in exported.text() and "被拒绝" in exported.text()
        assert_exports_match(page)

        page.click("a.lang")  # English
        assert "Dashboard" in page.inner_text("nav")
        screenshot(page, "07-trail-english")
        page.click("a.lang")

        clock.advance(31 * MINUTE)
        page.goto(f"{console}/people")
        assert page.url.endswith("/login?expired=1") and "会话已过期" in page.inner_text(".refusal")


def test_unknown_pages_forged_forms_and_repeated_failed_logins(console: str) -> None:
    with browser_page() as page:
        page.goto(f"{console}/no-such-page")
        assert "页面不存在" in page.inner_text("h1")
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        forged = page.request.post(f"{console}/people/review", form={"person_id": "00" * 16, "decision": "approve"})
        assert forged.status == 403 and "csrf" in forged.text()
        page.click("header button.link")
        for _ in range(4):
            sign_in(page, console, "wang", "Not the password 1")
            assert "the username or the password is wrong" in page.inner_text(".refusal")
            assert page.input_value("input[name=username]") == "wang"
        sign_in(page, console, "wang", "Not the password 1")
        assert "locked for 15 more minutes" in page.inner_text(".refusal")
        screenshot(page, "08-login-locked")
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        assert "locked" in page.inner_text(".refusal")  # even the right password, while locked


@pytest.mark.parametrize("backend", ["sqlite"])  # the page alone: one backend is enough
def test_a_phone_sized_screen_still_shows_the_sign_in_form(console: str, backend: str) -> None:
    with browser_page(width=360, height=720) as page:
        page.goto(f"{console}/login")
        box = page.locator("button.primary").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360
        screenshot(page, "09-login-phone")


def test_orders_and_an_order_with_its_timeline(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    waiting = desk.publish(elder, "meals", clock.now_micros() + 2 * HOUR_MICROS)
    served = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.serve(served, volunteer, clock, 60)
    desk.confirm(served, elder)
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/orders")
        rows = page.locator("tbody tr")
        assert rows.count() == 2 and "陈婆婆" in rows.first.inner_text()
        screenshot(page, "10-orders")
        page.goto(f"{console}/orders?state=open")
        assert page.locator("tbody tr").count() == 1
        page.goto(f"{console}/orders/{served.hex()}")
        timeline = page.inner_text(".timeline")
        assert "签到" in timeline and "签离" in timeline and "已确认" in timeline and "林志愿" in timeline
        assert "已确认" in page.inner_text("h1")
        screenshot(page, "11-order-timeline")
        page.goto(f"{console}/orders/{'ab' * 16}")
        assert "页面不存在" in page.inner_text("h1")
        assert waiting


def test_a_node_that_cannot_be_reached_gets_a_clear_page() -> None:
    require_chromium()
    app = make_app(ConsoleTable(node="127.0.0.1:9", deadline_seconds=2))
    with serving(app) as url, browser_page() as page:
        sign_in(page, url, "wang", DIRECTOR_PASSWORD)
        assert page.locator(".refusal").count() == 1  # the sign-in page says why, in place
        page.context.add_cookies([{"name": "tb_session", "value": "00" * 32, "url": url}])
        response = page.goto(f"{url}/people")
        assert response is not None and response.status == 502
        assert "暂时连不上节点" in page.inner_text("h1")
    app.state.node.close()


def test_an_alert_seen_and_acknowledged_by_the_director(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order_id = desk.publish(elder, "meals", clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.serve(order_id, volunteer, clock, 1)  # one minute between check-in and check-out: implausible
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.click(".card a[href='/alerts']")  # 待处理预警: one
        assert page.url.endswith("/alerts") and "服务时长不合常理" in page.inner_text("table.alerts")
        page.click("table.alerts button.primary")
        assert "note" in page.inner_text(".refusal")  # acknowledging needs a note: shown in place
        page.fill("table.alerts input[name=note]", "已电话核实：老人临时外出")
        page.click("table.alerts button.primary")
        assert page.locator("table.alerts tbody form").count() == 0
        page.goto(f"{console}/alerts?all=1")
        assert "已电话核实" in page.inner_text("table.alerts") and "wang" in page.inner_text("table.alerts")
        screenshot(page, "12-alerts")


def test_a_director_changes_roles_disables_an_account_and_anyone_changes_their_password(console: str) -> None:
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/users")
        make_user(page, "li", "李经办", "operator")
        page.click("a[href='/users/li']")
        page.check("form.roles input[value=reviewer]")
        page.click("form.roles button.primary")
        assert "已保存" in page.inner_text(".done")
        page.uncheck("form.roles input[value=reviewer]")
        page.uncheck("form.roles input[value=operator]")
        page.click("form.roles button.primary")
        assert "choose at least one role" in page.inner_text(".refusal")  # refused in place, nothing changed
        page.click("form.enabled button")  # 停用账号
        assert "已停用" in page.inner_text("h1")
        screenshot(page, "13-user-disabled")

        page.goto(f"{console}/password")
        page.fill("input[name=old_password]", DIRECTOR_PASSWORD)
        page.fill("input[name=new_password]", "Another pass 2027")
        page.fill("input[name=repeated_password]", "Another pass 2028")
        page.click("form.change-password button")
        assert "the two new passwords differ" in page.inner_text(".refusal")
        page.fill("input[name=old_password]", DIRECTOR_PASSWORD)
        page.fill("input[name=new_password]", "Another pass 2027")
        page.fill("input[name=repeated_password]", "Another pass 2027")
        page.click("form.change-password button")
        assert "密码已修改" in page.inner_text(".done")
        page.click("header button.link")

        sign_in(page, console, "li", STAFF_PASSWORD)
        assert "login: the account is disabled; a director can enable it" in page.inner_text(".refusal")
        sign_in(page, console, "wang", "Another pass 2027")
        assert "王主任" in page.inner_text("header")


def test_relationships_and_moving_hours_from_a_persons_page(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    son = desk.register("volunteer", "林小明", "1995-06-06")
    desk.approve(son)
    served = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.serve(served, volunteer, clock, 60)
    desk.confirm(served, elder)
    clock.advance(31 * 24 * 60 * MINUTE)  # older than give_after_days: the hours may be given
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/people/{volunteer.hex()}")
        assert "服务存入" in page.inner_text("table.statement") and "+1 小时" in page.inner_text("table.statement")
        page.fill("form.relationship input[name=other_person_id]", son.hex())
        page.fill("form.relationship input[name=relation]", "儿子")
        page.click("form.relationship button.primary")
        assert "待核实" in page.inner_text("table.relationships")
        page.locator("table.relationships button[value=approve]").click()
        assert "已核实" in page.inner_text("table.relationships")

        page.fill("form.give input[name=amount_minutes]", "half an hour")
        page.click("form.give button.primary")
        assert "amount_minutes: got 'half an hour', want a whole number" in page.inner_text(".refusal")
        assert page.input_value("form.give input[name=amount_minutes]") == "half an hour"  # kept
        page.fill("form.give input[name=amount_minutes]", "30")
        page.click("form.give button.primary")
        assert "已转赠" in page.inner_text(".done")
        page.fill("form.donate input[name=amount_minutes]", "10")
        page.click("form.donate button.primary")
        statement = page.inner_text("table.statement")
        assert "转赠家人" in statement and "−30 分钟" in statement and "−10 分钟" in statement
        screenshot(page, "14-person-moving-hours")
        assert desk.balance(volunteer) == 20 and desk.balance(son) == 30

        page.goto(f"{console}/people/{elder.hex()}")
        page.fill("form.grant input[name=amount_minutes]", "10")
        page.fill("form.grant input[name=reason]", "独居老人，无积蓄")
        page.click("form.grant button.primary")
        assert "已从公益池发放" in page.inner_text(".done") and "+10 分钟" in page.inner_text("table.statement")
        assert desk.balance(elder) == 10


def test_statistics_with_their_charts_and_a_certificate_to_print(console: str, desk: Desk, clock: FakeClock) -> None:
    import base64
    import json

    elder, volunteer = people(desk)
    served = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=90)
    desk.serve(served, volunteer, clock, 90)
    desk.confirm(served, elder)
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/statistics?from=2026-13")
        assert "from: got '2026-13', want a month YYYY-MM" in page.inner_text(".refusal")
        page.goto(f"{console}/statistics")
        assert page.locator("figure.chart rect").count() >= 2  # deposited and held, by month
        assert "1 小时 30 分钟" in page.inner_text(".cards") and "生活照料" in page.inner_text("table.figures")
        screenshot(page, "15-statistics")
        page.goto(f"{console}/")
        assert "1 小时 30 分钟" in page.inner_text(".card a[href='/statistics']")  # 今日存入时长
        page.goto(f"{console}/statistics")
        sheets = assert_exports_match(page)  # the cards are not a table; the figures by month and item are
        assert any("生活照料" in row and 90 in row for sheet in sheets for row in sheet)  # whole numbers as numbers

        page.goto(f"{console}/people/{volunteer.hex()}")
        page.fill("form.certificate input[name=period_from]", "2026-01-01")
        page.fill("form.certificate input[name=period_to]", "2025-12-01")
        page.click("form.certificate button.primary")
        assert "period_from: 2026-01-01 is after period_to 2025-12-01" in page.inner_text(".refusal")
        page.fill("form.certificate input[name=period_to]", "2026-01-31")
        page.click("form.certificate button.primary")
        assert "1 小时 30 分钟" in page.inner_text("h1")
        assert "林志愿" in page.frame_locator("iframe.certificate").locator("body").inner_text()
        link = page.get_attribute("a[download]", "href") or ""
        signed = json.loads(base64.b64decode(link.split(",", 1)[1]))
        assert "signature" in json.dumps(signed) and "林志愿" in json.dumps(signed, ensure_ascii=False)
        screenshot(page, "16-certificate")


def test_the_catalogue_the_mall_and_the_teams(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    served = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.serve(served, volunteer, clock, 60)
    desk.confirm(served, elder)
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/catalogue")
        assert "企业法律顾问资格" in page.inner_text("table.catalogue")  # the policy's names
        page.fill("form.add-item input[name=code]", "haircut")
        page.fill("form.add-item input[name=name_zh]", "理发")
        page.fill("form.add-item input[name=name_en]", "Haircut")
        page.fill("form.add-item input[name=rate_percent]", "a lot")
        page.click("form.add-item button.primary")
        assert "rate_percent: got 'a lot', want a whole number" in page.inner_text(".refusal")
        assert page.input_value("form.add-item input[name=name_zh]") == "理发"
        page.fill("form.add-item input[name=rate_percent]", "100")
        page.click("form.add-item button.primary")
        assert "理发" in page.inner_text("table.catalogue")

        page.goto(f"{console}/mall")
        for name, value in (
            ("item_code", "rice-5kg"),
            ("name", "大米 5 公斤"),
            ("price_minutes", "30"),
            ("stock_added", "4"),
        ):
            page.fill(f"form.stock input[name={name}]", value)
        page.click("form.stock button.primary")
        assert "大米 5 公斤" in page.inner_text("table.shelf")
        page.select_option("form.redeem select[name=person_id]", volunteer.hex())
        page.fill("form.redeem input[name=quantity]", "1")
        page.click("form.redeem button.primary")
        assert "已预约" in page.inner_text("table.redemptions")
        page.click("table.redemptions button[value=picked-up]")
        assert "已领取" in page.inner_text("table.redemptions")
        screenshot(page, "17-mall")
        assert desk.balance(volunteer) == 30

        page.goto(f"{console}/teams")
        page.fill("form.create-team input[name=team_code]", "shiqi-youth")
        page.fill("form.create-team input[name=name]", "石岐青年志愿队")
        page.click("form.create-team button.primary")
        page.select_option("form.join-team select[name=person_id]", volunteer.hex())
        page.click("form.join-team button.primary")
        assert "石岐青年志愿队" in page.inner_text("table.teams") and "1" in page.inner_text(
            "table.teams tbody td >> nth=3"
        )


@pytest.mark.parametrize("backend", ["sqlite"])  # the page alone: one backend is enough
def test_the_nodes_own_state(console: str, backend: str) -> None:
    with browser_page() as page:
        response = page.goto(f"{console}/node")
        assert page.url.endswith("/login")  # signed out: not shown
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/node?state=all")
        assert "运行正常" in page.inner_text("h1"), page.inner_text("main")
        assert "暂无数据" in page.inner_text("table.cross")
        screenshot(page, "18-node-state")
        assert response is not None


@pytest.mark.parametrize("backend", ["sqlite"])  # the page's script alone: one backend is enough
def test_an_identity_number_is_checked_as_it_is_typed(console: str, backend: str) -> None:
    from tests.support.care import identity_number

    number = identity_number("1990-02-02")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/people")
        page.click("details.new summary")
        field = page.locator("form.register input[name=identity_number]")
        field.fill(number[:10])
        assert page.inner_text(".identity-check") == "10 / 18"
        field.fill(wrong)
        assert f"校验位应为 {number[17]}" in page.inner_text(".identity-check")
        field.fill(number)
        assert page.inner_text(".identity-check") == "校验位正确"
        assert page.input_value("form.register input[name=birth_date]") == "1990-02-02"  # read from the number
