"""One whole day at a district office, through the console and the phones only, against a
real node: users made, people registered and reviewed, a qualification added and
approved, a demand published and given to the volunteer proposed, the check-in and
check-out QR codes read off the screen and opened on the volunteer's phone, the elder
confirming and rating, the deposit on the volunteer's page, and a second service disputed
on the elder's phone, refused to an operator (nothing changes) and resolved by the
director. Screenshots of each screen go to test-artifacts/console/."""

from __future__ import annotations

import datetime
from typing import Any

from nodes.server import RunningNode
from tests.support.browser import OFFICE_SCREEN, browser_pages, decode_qr, screenshot
from tests.support.care import MINUTE_MICROS, Desk, identity_number, snapshot
from tests.support.exports import assert_exports_match
from tests.support.office import DIRECTOR_PASSWORD
from timebank.clock import FakeClock
from timebank.v1 import care_pb2

STAFF_PASSWORD = "Good pass 2026"
PHONE = {"width": 360, "height": 760}
PINS = {"林志愿": "482915", "陈婆婆": "739164"}
CHINA = datetime.timezone(datetime.timedelta(hours=8))


class Office:
    """The office's browser, signing in as one of its staff at a time."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url

    def sign_in(self, username: str, password: str = STAFF_PASSWORD) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.url}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button.primary")
        assert self.page.url == f"{self.url}/", self.page.inner_text("main")

    def go(self, path: str) -> None:
        self.page.goto(f"{self.url}{path}")

    def fill(self, form: str, **values: str) -> None:
        for name, value in values.items():
            field = self.page.locator(f"{form} [name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        self.page.click(f"{form} button.primary")

    def register(self, role: str, name: str, born: str) -> str:
        """Registers a person from the people page; their page's address (/people/ID)."""
        self.go("/people")
        self.page.click("details.new summary")
        number = identity_number(born)
        self.fill("form.register", role=role, name=name, identity_number=number, birth_date=born, community="岐头社区")
        assert "已登记" in self.page.inner_text(".done"), self.page.inner_text("main")
        return self.page.url.split("?")[0].removeprefix(self.url)

    def code(self, order_path: str, name: str) -> str:
        self.go(order_path)
        self.page.click("p.codes a.button.primary")
        screenshot(self.page, name)
        return decode_qr(self.page, "svg.qr", f"{name}-qr")


def phone_sign_in(phone: Any, pin: str) -> None:
    phone.fill("input[name=pin]", pin)
    phone.click("button.primary")


def today(clock: FakeClock) -> str:
    return datetime.datetime.fromtimestamp(clock.now_micros() / 1e6, CHINA).date().isoformat()


def test_a_whole_day_at_the_office(console: str, node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    with browser_pages(OFFICE_SCREEN, PHONE, PHONE) as (page, volunteers_phone, elders_phone):
        office = Office(page, console)
        office.sign_in("wang", DIRECTOR_PASSWORD)
        office.go("/users")
        for username, display, role in (("zhou", "周审核", "reviewer"), ("li", "李经办", "operator")):
            office.page.fill("input[name=username]", username)
            office.page.fill("input[name=display_name]", display)
            office.page.fill("input[name=password]", STAFF_PASSWORD)
            office.page.check(f"input[name=roles][value={role}]")
            office.page.click("form.stack button.primary")

        office.sign_in("zhou")
        office.go("/people")
        office.page.click("details.new summary")
        office.fill("form.register", role="volunteer", name="林志愿", identity_number="44200019900202", birth_date="")
        assert "birth_date: got '', want a date" in office.page.inner_text(".refusal")  # in place; name kept
        assert office.page.input_value("form.register [name=name]") == "林志愿"
        screenshot(office.page, "30-register-refused")
        volunteer = office.register("volunteer", "林志愿", "1990-02-02")
        elder = office.register("elder", "陈婆婆", "1950-05-05")
        office.go("/people?state=pending")
        for _ in range(2):
            office.page.locator("form.review").first.locator("button[value=approve]").click()
        assert office.page.locator("form.review").count() == 0

        office.go(volunteer)
        office.fill(
            "form.qualification",
            kind="corporate-counsel",
            issuer="中山市司法局",
            number="QY-2024-0618",
            scope="企业法律事务",
            expires_on="2030-12-31",
        )
        assert "企业法律顾问资格" in office.page.inner_text("table.qualifications")
        office.page.locator("table.qualifications form.review button[value=approve]").click()
        assert "已通过" in office.page.inner_text("table.qualifications")
        screenshot(office.page, "31-person-qualification")
        for path, name in ((volunteer, "林志愿"), (elder, "陈婆婆")):
            office.go(path)
            office.fill("form.pin", pin=PINS[name])

        office.sign_in("li")
        office.go("/orders")
        office.page.click("text=发布服务需求")
        demand = {"item_code": "legal-aid", "day": today(clock), "start": "09:30", "minutes": "60"}
        office.fill("form.publish", **demand, place="岐头社区 3 栋 201")
        order = office.page.url.removeprefix(console)
        assert "林志愿" in office.page.inner_text("table.candidates")  # proposed: qualified and free
        screenshot(office.page, "32-order-candidates")
        office.page.click("table.candidates button.primary")
        assert "已接单" in office.page.inner_text("h1")
        second = _second_order(office, demand)

        volunteers_phone.goto(office.code(order, "33-day-check-in-code"))
        assert "陈**" in volunteers_phone.inner_text(".lead") and "法律援助" in volunteers_phone.inner_text(".lead")
        phone_sign_in(volunteers_phone, PINS["林志愿"])
        assert "签到成功" in volunteers_phone.inner_text(".done")
        for minutes in (25, 25, 10):  # an hour of service; the volunteer glances at the phone
            clock.advance(minutes * MINUTE_MICROS)
            volunteers_phone.goto(f"{console}/m/")
        office.sign_in("li")  # the office's session idled out meanwhile
        volunteers_phone.goto(office.code(order, "34-day-check-out-code"))
        volunteers_phone.click("button.primary")
        assert "签离成功" in volunteers_phone.inner_text(".done")

        elders_phone.goto(f"{console}/m/login?person={elder.rsplit('/', 1)[1]}")
        phone_sign_in(elders_phone, PINS["陈婆婆"])
        elders_phone.goto(f"{console}/m{order}")
        elders_phone.click("text=确认服务完成")
        elders_phone.check("input[name=stars][value='5']")
        elders_phone.click("text=提交评价")
        assert "谢谢您的评价" in elders_phone.inner_text(".done")
        volunteers_phone.goto(f"{console}/m/")
        assert "1 小时" in volunteers_phone.inner_text(".balance .amount")  # the deposit, on the phone

        _serve_and_dispute(office, desk, clock, second, volunteer, elders_phone, volunteers_phone)
        office.sign_in("li")
        office.go("/disputes")
        office.page.locator("tbody a").first.click()  # 处理: the open dispute
        dispute = office.page.url
        before = snapshot(node)
        office.fill("form.resolve", decided_minutes="10", reason="实际服务 10 分钟")
        refusal = office.page.inner_text(".refusal")
        assert "ResolveDispute needs 主任 (director)" in refusal and "li has 经办员 (operator)" in refusal
        assert snapshot(node) == before  # nothing changed
        screenshot(office.page, "35-resolve-refused")

        office.sign_in("wang", DIRECTOR_PASSWORD)
        office.page.goto(dispute)
        office.page.check("input[name=decision][value=adjust]")
        office.fill("form.resolve", decided_minutes="10", reason="实际服务 10 分钟")
        assert "已处理" in office.page.inner_text("h1"), office.page.inner_text("main")
        assert "10 分钟" in office.page.inner_text(".facts")
        screenshot(office.page, "36-dispute-resolved")
        office.go("/")
        screenshot(office.page, "37-dashboard-evening")
        office.go("/people")
        people = assert_exports_match(office.page)[0]  # 导出: what the page shows, every row
        assert any("林志愿" in row for row in people)
        assert all("4420**********" in row[2] for row in people[1:] if str(row[2]).startswith("4420"))  # masked
        office.go("/orders?state=resolved")
        orders = assert_exports_match(office.page)[0]
        assert len(orders) == 2 and "法律援助" in str(orders[1])
        volunteers_phone.goto(f"{console}/m/")
        assert "1 小时 10 分钟" in volunteers_phone.inner_text(".balance .amount")
    assert desk.balance(bytes.fromhex(volunteer.rsplit("/", 1)[1])) == 70


def _second_order(office: Office, demand: dict[str, str]) -> str:
    """A second demand of the elder's, later the same day, given to the same volunteer."""
    office.go("/orders/new")
    office.fill("form.publish", **{**demand, "start": "14:00"})
    second = office.page.url.removeprefix(office.url)
    office.page.click("table.candidates button.primary")
    return second


def _serve_and_dispute(
    office: Office, desk: Desk, clock: FakeClock, order: str, volunteer: str, elders_phone: Any, phone: Any
) -> None:
    """The afternoon's service, checked in and out on the phone, then disputed by the elder."""
    clock.advance(4 * 60 * MINUTE_MICROS)
    office.sign_in("li")
    phone.goto(office.code(order, "38-afternoon-check-in"))
    phone_sign_in(phone, PINS["林志愿"])
    clock.advance(20 * MINUTE_MICROS)
    phone.goto(office.code(order, "39-afternoon-check-out"))
    phone.click("button.primary")
    assert "签离成功" in phone.inner_text(".done")
    elders_phone.goto(office.url + "/m" + order)
    if elders_phone.locator("input[name=pin]").count():  # the elder's phone session idled out
        phone_sign_in(elders_phone, PINS["陈婆婆"])
    elders_phone.click("details.trouble summary")
    elders_phone.fill("form.dispute textarea", "只服务了 10 分钟，签离时间不对")
    elders_phone.click("form.dispute button")
    assert "已提交纠纷" in elders_phone.inner_text(".done")
    wanted = care_pb2.ListDisputesRequest(order_id=bytes.fromhex(order.rsplit("/", 1)[1]))
    assert len(desk.call("ListDisputes", wanted).disputes) == 1  # type: ignore[attr-defined]
    assert volunteer
