"""Check-in by scanning on a phone, in a real browser against a real node: the office sets
PINs on the person's page and prints a personal card, shows the check-in and check-out
codes as QR codes (read back from the screenshot by zxing-cpp, as a phone's camera would),
a 360-pixel phone opens the code's address, the volunteer signs with the PIN and checks in
and out, the elder confirms and rates, and the volunteer sees the deposit. Refusals on the
phone are shown in place and change nothing. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

from typing import Any

from tests.support.browser import OFFICE_SCREEN, browser_pages, decode_qr, screenshot
from tests.support.care import HOUR_MICROS, MINUTE_MICROS, Desk, people
from tests.support.office import DIRECTOR_PASSWORD
from timebank.clock import FakeClock
from timebank.v1 import care_pb2

VOLUNTEER_PIN = "482915"
ELDER_PIN = "739164"
PHONE = {"width": 360, "height": 760}


def office_sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", DIRECTOR_PASSWORD)
    page.click("button.primary")


def set_pin(page: Any, url: str, person_id: bytes, pin: str) -> None:
    page.goto(f"{url}/people/{person_id.hex()}")
    page.fill("form.pin input[name=pin]", pin)
    page.click("form.pin button.primary")


def show_code(office: Any, url: str, order_id: bytes, purpose: str, name: str) -> str:
    """The address in the order's QR code, as a phone's camera reads it off the screen."""
    office.goto(f"{url}/orders/{order_id.hex()}")
    office.click("p.codes a.button")
    assert f"purpose={purpose}" in office.url
    screenshot(office, name)
    return decode_qr(office, "svg.qr", f"{name}-qr")


def phone_sign_in(phone: Any, pin: str) -> None:
    phone.fill("input[name=pin]", pin)
    phone.click("button.primary")


def fits_the_phone(phone: Any) -> None:
    """Nothing is wider than the phone's screen: no sideways scrolling."""
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_service_checked_in_and_out_on_the_volunteers_phone(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    start = clock.now_micros() + HOUR_MICROS
    order_id = desk.publish(elder, "meals", start, minutes=60)
    desk.accept(order_id, volunteer)
    with browser_pages(OFFICE_SCREEN, PHONE, PHONE) as (office, phone, elders_phone):
        office_sign_in(office, console)
        set_pin(office, console, volunteer, "123456")
        assert "one digit repeated or a run" in office.inner_text(".refusal")  # refused in place
        set_pin(office, console, volunteer, VOLUNTEER_PIN)
        assert "个人密码已设置" in office.inner_text(".done")
        screenshot(office, "20-person-pin")
        set_pin(office, console, elder, ELDER_PIN)
        office.click("text=打印个人二维码卡片")
        card_url = decode_qr(office, "svg.qr", "21-personal-card-qr")
        assert card_url == f"{console}/m/login?person={elder.hex()}"
        screenshot(office, "21-personal-card")

        scan_url = show_code(office, console, order_id, "check-in", "22-check-in-code")
        assert scan_url.startswith(f"{console}/m/scan?code=TBC1.")
        phone.goto(scan_url)
        lead = phone.inner_text(".lead")
        assert "陈**" in lead and "助餐" in lead and "签到" in lead and "–" in lead  # what scanning will do
        fits_the_phone(phone)
        screenshot(phone, "23-phone-scan")
        phone_sign_in(phone, "000001")
        assert "pin: the PIN is wrong" in phone.inner_text(".refusal")
        assert desk.call("GetOrder", care_pb2.GetOrderRequest(order_id=order_id)).state == "accepted"  # type: ignore[attr-defined]
        phone_sign_in(phone, VOLUNTEER_PIN)
        assert phone.url.endswith(f"/m/orders/{order_id.hex()}?done=check-in")
        assert "签到成功" in phone.inner_text(".done") and "已签到" in phone.inner_text("h1")
        screenshot(phone, "24-phone-checked-in")

        for minutes in (25, 25, 10):  # the hour of service; the volunteer looks at the phone now and then
            clock.advance(minutes * MINUTE_MICROS)
            phone.goto(f"{console}/m/")
        office_sign_in(office, console)  # the office's session idled out meanwhile
        phone.goto(show_code(office, console, order_id, "check-out", "25-check-out-code"))
        assert phone.locator("input[name=pin]").count() == 0  # signed in still: one tap
        phone.click("button.primary")
        assert "签离成功" in phone.inner_text(".done")

        elders_phone.goto(card_url)
        phone_sign_in(elders_phone, ELDER_PIN)
        assert elders_phone.url.endswith("/m/")
        elders_phone.click(f"a[href='/m/orders/{order_id.hex()}']")
        screenshot(elders_phone, "26-phone-elder-confirms")
        elders_phone.click("text=确认服务完成")
        assert "已确认服务" in elders_phone.inner_text(".done")
        elders_phone.check("input[name=stars][value='4']")
        elders_phone.fill("input[name=comment]", "很准时")
        elders_phone.click("text=提交评价")
        assert "谢谢您的评价" in elders_phone.inner_text(".done")
        assert elders_phone.locator("input[name=stars]").count() == 0  # rated once

        phone.goto(f"{console}/m/")
        assert "1 小时" in phone.inner_text(".balance .amount")
        statement = phone.inner_text("ul.phone-list >> nth=2")
        assert "服务存入" in statement and "+1 小时" in statement
        fits_the_phone(phone)
        screenshot(phone, "27-phone-my-hours")

        phone.click("text=服务时长证明")
        phone.fill("input[name=period_from]", "2026-01-01")
        phone.fill("input[name=period_to]", "2026-01-31")
        phone.click("button.primary")
        assert "1 小时" in phone.inner_text(".lead") and phone.locator("a[download]").count() == 1
        screenshot(phone, "29-phone-certificate")
        elders_phone.goto(f"{console}/m/certificate")
        elders_phone.fill("input[name=period_from]", "2026-01-01")
        elders_phone.fill("input[name=period_to]", "2026-01-31")
        elders_phone.click("button.primary")
        assert "volunteer" in elders_phone.inner_text(".refusal")  # an elder has no service hours to certify
    assert desk.balance(volunteer) == 60


def test_refusals_on_the_phone_are_shown_and_change_nothing(console: str, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order_id = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=60)
    desk.serve(order_id, volunteer, clock, 60)
    other = desk.register("volunteer", "黄志愿", "1991-03-03")
    desk.approve(other)
    with browser_pages(OFFICE_SCREEN, PHONE) as (office, phone):
        office_sign_in(office, console)
        for person, pin in ((elder, ELDER_PIN), (other, VOLUNTEER_PIN)):
            set_pin(office, console, person, pin)

        phone.goto(f"{console}/m/")
        assert "/m/login" in phone.url and "个人二维码卡片" in phone.inner_text("main")  # no session: how to begin
        phone.goto(f"{console}/m/scan?code=TBC1.not-a-code")
        assert "此码无法使用" in phone.inner_text("h1") and "code" in phone.inner_text(".refusal")
        forged = phone.request.post(f"{console}/m/login", form={"person": elder.hex(), "pin": ELDER_PIN})
        assert forged.status == 403 and "csrf" in forged.text()

        phone.goto(f"{console}/m/login?person={other.hex()}")
        phone_sign_in(phone, VOLUNTEER_PIN)
        response = phone.goto(f"{console}/m/orders/{order_id.hex()}")  # someone else's order
        assert response is not None and response.status == 403 and "is not an order of" in phone.inner_text(".refusal")
        phone.click("header button.link")  # sign out

        phone.goto(f"{console}/m/login?person={elder.hex()}&next=/m/orders/{order_id.hex()}")
        phone_sign_in(phone, ELDER_PIN)
        assert phone.url.endswith(f"/m/orders/{order_id.hex()}")
        phone.click("details.trouble summary")
        phone.click("form.dispute button")
        assert "reason" in phone.inner_text(".refusal")  # a dispute needs its reason
        phone.fill("form.dispute textarea", "只来了半小时")
        form = {name: phone.input_value(f"form.dispute [name={name}]") for name in ("csrf", "dispute_id", "reason")}
        phone.click("form.dispute button")
        assert "已提交纠纷" in phone.inner_text(".done") and "只来了半小时" in phone.inner_text(".phone-facts")
        again = phone.request.post(f"{console}/m/orders/{order_id.hex()}/dispute", form=form)  # the same form again
        assert again.ok
        disputes = desk.call("ListDisputes", care_pb2.ListDisputesRequest(order_id=order_id))
        assert len(disputes.disputes) == 1  # type: ignore[attr-defined]
        screenshot(phone, "28-phone-disputed")

        clock.advance(31 * MINUTE_MICROS)  # the phone session idles out
        phone.goto(f"{console}/m/")
        assert "expired=1" in phone.url and phone.locator("input[name=pin]").count() == 1  # the same person's PIN
        fits_the_phone(phone)
