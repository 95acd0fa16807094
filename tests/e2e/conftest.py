"""End-to-end fixtures: Debian's chromium driven by Playwright against the live test server.

Screenshots of every page a test visits go to ``test-output/screenshots/`` (kept by CI as the record of what
staff see). The browser is Debian's ``/usr/bin/chromium``; nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("XINFANG_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make in between
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"未找到 chromium（{CHROMIUM}）：请安装 Debian 的 chromium 软件包")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--lang=zh-CN",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


class Shooter:
    """Takes a full-page screenshot of each page, named test_step."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.prefix = re.sub(r"[^\w]+", "_", test_name)
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, label: str) -> Path:
        self.n += 1
        path = SHOTS / f"{self.prefix}_{self.n:02d}_{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ctx.close()


@pytest.fixture
def phone_page(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ctx.close()


@pytest.fixture
def shoot(page, request):
    return Shooter(page, request.node.name)


def login(page, live_server, username, password="Xinfang-2026"):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def logout(page):
    page.click("text=退出")
    page.wait_for_selector("#id_username")
