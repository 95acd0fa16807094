"""Accessibility of the petitioners' portal: axe-core (vendored, ``vendor/axe.min.js``) runs in Debian's chromium on
every portal page and state — query form empty and with an error, the item page, the evaluation form (open, with
errors, done), leaving, the guide, the rights page and the regulation — on a phone (390×844) and on a desk
(1280×900). No violation of impact serious or critical may remain. Screenshots of every page audited go to
``test-output/screenshots/`` (``a11y_<size>_<page>.png``).

The script is evaluated through the browser's debugging protocol, so the portal's Content-Security-Policy (own
scripts only) stays on while the pages are checked, exactly as petitioners get them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from tests.cases.helpers import drive
from tests.e2e.conftest import SHOTS
from xinfang.cases.states import Status

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
VIEWPORTS = {"phone": (390, 844), "desk": (1280, 900)}
BLOCKING = ("serious", "critical")
PHONE_LAST4 = "8000"  # the test petitioner's phone is 13800138000


@pytest.fixture
def frozen():
    # Delivered on 2026-10-22 (tests/cases/helpers.py): the evaluation window is open the next day.
    with time_machine.travel(dt.datetime(2026, 10, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        cache.clear()  # the query throttle counts in the cache
        yield
        cache.clear()


@pytest.fixture
def items(county, petition, frozen):
    return {"handling": drive(petition, county, Status.HANDLING), "delivered": drive(petition, county, Status.DELIVERED)}


class Auditor:
    """Runs axe on the page as it is now and keeps what blocks, per page, for one assertion at the end."""

    def __init__(self, page, size: str):
        self.page = page
        self.size = size
        self.source = AXE.read_text(encoding="utf-8")
        self.problems: list[str] = []
        self.audited: list[str] = []

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"a11y_{self.size}_{name}.png"), full_page=True)
        self.audited.append(name)
        for v in result["violations"]:
            if v["impact"] not in BLOCKING:
                continue
            nodes = "; ".join(
                f"{json.dumps(n['target'], ensure_ascii=False)} {n.get('failureSummary', '').splitlines()[-1:]}"
                for n in v["nodes"][:4]
            )
            self.problems.append(f"[{self.size}] {name} ({page.url}): {v['id']} ({v['impact']}) {v['help']} — "
                                 f"{len(v['nodes'])} 处：{nodes}")

    def check(self) -> None:
        assert not self.problems, "axe 发现严重（serious/critical）问题：\n" + "\n".join(self.problems)


@pytest.fixture(params=sorted(VIEWPORTS))
def audit(request, browser):
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=phone,
                              has_touch=phone)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    yield Auditor(page, request.param)
    ctx.close()


def ask(page, base: str, code: str, last4: str = PHONE_LAST4) -> None:
    page.goto(f"{base}/portal/")
    page.fill("input[name=code]", code)
    page.fill("input[name=phone_last4]", last4)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state("load")


def test_every_portal_page_has_no_serious_or_critical_violations(transactional_db, live_server, items, audit):
    page, base = audit.page, live_server.url
    for name, path in (("query", "/portal/"), ("guide", "/portal/guide/"), ("rights", "/portal/rights/"),
                       ("regulation", "/portal/regulation/")):
        page.goto(base + path)
        audit(name)
    page.goto(f"{base}/portal/regulation/#article-17")
    audit("regulation_article_17")

    ask(page, base, "ABCDEFGHJK")
    assert page.locator(".error[role=alert]").count() == 1
    audit("query_error")
    page.goto(f"{base}/portal/")
    page.click("form.card button[type=submit]")  # nothing filled in: a message under each field
    assert page.locator("p.error").count() == 2
    audit("query_required")

    ask(page, base, items["handling"].query_code)
    assert page.url.endswith("/portal/case/")
    audit("case_handling")
    page.click("button.link")  # 退出查询
    assert page.url.endswith("/portal/")
    audit("after_leave")

    ask(page, base, items["delivered"].query_code)
    assert page.locator('form[action="/portal/case/evaluate/"]').count() == 1
    audit("case_evaluation_open")
    page.locator('form[action="/portal/case/evaluate/"] button[type=submit]').click()
    page.wait_for_load_state("load")
    assert page.locator("#evaluate p.error").count() == 2
    audit("case_evaluation_errors")
    form = page.locator('form[action="/portal/case/evaluate/"]')
    form.locator('input[name=bureau][value=satisfied]').check()
    form.locator('input[name=unit][value=basic]').check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=evaluations]").count() == 1
    audit("case_evaluated")

    assert len(audit.audited) == 12
    audit.check()


def _route(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _challenge_answer(page) -> str:
    """The answer to the challenge on the page, read from the store the server keeps (the image is for people)."""
    from captcha.models import CaptchaStore

    key = page.locator('input[name="challenge_0"]').input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def test_the_online_submission_pages_have_no_serious_or_critical_violations(
    transactional_db, live_server, county, frozen, audit
):
    url = _route("portal:submit")
    if url is None:
        pytest.skip("网上信访页面（portal:submit）尚未提供：路由不存在")
    page, base = audit.page, live_server.url
    page.goto(base + url)
    audit("submit")
    form = page.locator("form.submit")
    form.locator('button[type=submit]:not(.sr-only):not([name])').last.click()  # nothing filled in
    page.wait_for_load_state("load")
    assert page.locator("form.submit .has-error").count() >= 3
    audit("submit_errors")
    form.locator('input[name=claim][value=accusation]').check()
    audit("submit_accusation")

    form.locator('input[name=claim][value=request]').check()
    form.locator("input[name=title]").fill("东街村道路硬化工程拖欠工人工资")
    form.locator("textarea[name=content]").fill("本人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计3万元，请求督促支付。")
    form.locator("input[name=name]").fill("陈大明")
    form.locator("input[name=phone]").fill("13800138000")
    form.locator("input[name=address]").fill("东街村三组12号")
    form.locator("input[name=promise]").check()
    form.locator('input[name="challenge_1"]').fill(_challenge_answer(page))
    form.locator('button[type=submit]:not(.sr-only):not([name])').last.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(_route("portal:submit_receipt")), page.url
    assert page.locator("[data-testid=query-code]").count() == 1
    audit("submit_receipt")
    audit.check()
