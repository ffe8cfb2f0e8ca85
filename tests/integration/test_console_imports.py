"""The import page of the office console in a real browser against a real node: a file of
records uploaded and checked (the refused rows with their reasons, nothing kept), submitted
for review, refused to its own submitter, approved by another reviewer, deposited once;
the batch's report exported. Screenshots go to test-artifacts/console/imports-*.png."""

from __future__ import annotations

import csv
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from console.web import BODY_BYTES_MAX
from nodes.server import RunningNode
from nodes.tables import OPERATOR_TABLES
from tests.support.browser import browser_page, screenshot
from tests.support.care import Desk, identity_number
from tests.support.exports import assert_exports_match
from tests.support.office import DIRECTOR_PASSWORD, office_console
from timebank import volunteer_records
from timebank.clock import FakeClock
from timebank.credentials import Credential
from timebank.operators.desk import Operators
from timebank.operators.records import NODE_STAFF

REVIEWER_PASSWORD = "Review pass 2026"


@pytest.fixture
def console(
    node: RunningNode,
    node_address: str,
    tmp_path: pathlib.Path,
    clock: FakeClock,
    console_credential: Credential,
) -> Iterator[str]:
    Operators(node.books, clock, OPERATOR_TABLES, NODE_STAFF).create_account(
        None, "zhou", "周审核", REVIEWER_PASSWORD, ["reviewer"]
    )
    with office_console(node_address, tmp_path / "node", console_credential) as url:
        yield url


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def _file(path: pathlib.Path, number: str) -> pathlib.Path:
    rows = [
        ["志愿中山", f"ZS-{k}", "林志愿", "居民身份证", number, "", "石岐街道志愿服务队", "长者助餐",
         f"2025-12-{10 + k:02d}", "09:00", "10:30", "1.5", "签到签退"]
        for k in range(8)
    ]  # fmt: skip
    rows.append(
        [
            "志愿中山",
            "ZS-BAD-1",
            "冒名",
            "居民身份证",
            number,
            "",
            "",
            "长者助餐",
            "2025-12-01",
            "09:00",
            "10:00",
            "1",
            "签到签退",
        ]
    )
    rows.append(
        [
            "志愿中山",
            "ZS-BAD-2",
            "林志愿",
            "居民身份证",
            number,
            "",
            "",
            "长者助餐",
            "2025-12-02",
            "10:00",
            "09:00",
            "1",
            "签到签退",
        ]
    )
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(volunteer_records.TEMPLATE_HEADER)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("backend", ["sqlite"])  # the pages over the same calls as test_imports: one backend
def test_an_import_through_the_console(console: str, desk: Desk, tmp_path: pathlib.Path, backend: str) -> None:
    number = identity_number("1990-02-02")
    volunteer = desk.register("volunteer", "林志愿", "1990-02-02", identity=number)
    desk.approve(volunteer)
    path = _file(tmp_path / "志愿中山-12月.csv", number)
    with browser_page() as page:
        sign_in(page, console, "wang", DIRECTOR_PASSWORD)
        page.goto(f"{console}/imports")
        page.set_input_files("form.upload input[name=file]", str(path))
        page.click("form.upload button[value=check]")
        assert "共 10 行，可导入 8 行（12 小时），不能导入 2 行" in page.inner_text("main")
        reasons = page.inner_text("table.outcomes")
        assert "name: got '冒名'" in reasons and "sign_out: 09:00 is not after sign_in 10:00" in reasons
        assert "暂无数据" in page.inner_text("table.batches")  # a check keeps nothing
        screenshot(page, "imports-01-checked")
        page.set_input_files("form.upload input[name=file]", str(path))
        page.click("form.upload button[value=submit]")
        assert "待审核" in page.inner_text("h1")
        assert desk.balance(volunteer) == 0
        page.click("form.decide button[value=approve]")
        assert "wang submitted this batch; another reviewer decides it" in page.inner_text(".refusal")
        batch_page = page.url
        page.click("header button.link")

        sign_in(page, console, "zhou", REVIEWER_PASSWORD)
        page.goto(batch_page)
        page.click("form.decide button[value=approve]")
        assert "已批准" in page.inner_text("h1") and "8 · 12 小时" in page.inner_text(".facts")
        assert desk.balance(volunteer) == 8 * 90
        rows = assert_exports_match(page)[0]
        assert len(rows) == 11 and rows[1][0] in (9, 10)  # the refused rows first
        screenshot(page, "imports-02-approved")
        page.goto(f"{console}/people/{volunteer.hex()}")
        assert "导入时长" in page.inner_text("main")
        # A file larger than the console reads is refused before it is read, naming the limit.
        too_large = tmp_path / "too-large.csv"
        too_large.write_bytes(b"0" * (BODY_BYTES_MAX + 1))
        page.goto(f"{console}/imports")
        page.set_input_files("form.upload input[name=file]", str(too_large))
        page.click("form.upload button[value=check]")
        assert f"want at most {BODY_BYTES_MAX}" in page.inner_text(".refusal")
