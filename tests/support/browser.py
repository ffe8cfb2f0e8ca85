"""A real browser for the console's tests: Playwright driving the machine's own Chromium
(never a downloaded one). The console is served with console.cli.serving_in_thread.
Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "console"
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium fonts-wqy-microhei; .ci/run does)")


OFFICE_SCREEN = {"width": 1280, "height": 800}


@contextmanager
def browser_pages(*viewports: dict[str, int]) -> Iterator[list[Any]]:
    """One page per viewport, each in a fresh Chromium context of its own (its own cookies,
    as separate devices have), Chinese locale."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS)
        try:
            pages = []
            for viewport in viewports:
                page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()  # type: ignore[arg-type]
                page.set_default_timeout(15_000)
                pages.append(page)
            yield pages
        finally:
            browser.close()


@contextmanager
def browser_page(width: int = OFFICE_SCREEN["width"], height: int = OFFICE_SCREEN["height"]) -> Iterator[Any]:
    """A page of a fresh Chromium context (no cookies), Chinese locale."""
    with browser_pages({"width": width, "height": height}) as (page,):
        yield page


def screenshot(page: Any, name: str) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def decode_qr(page: Any, selector: str, name: str) -> str:
    """The text of the QR code the page shows at selector, read back from a screenshot of it
    (saved as test-artifacts/console/NAME.png) by zxing-cpp, as a phone's camera would."""
    import zxingcpp
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.locator(selector).screenshot(path=str(path))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert len(found) == 1, f"{name}: want one QR code in the screenshot, found {len(found)}"
    return str(found[0].text)
