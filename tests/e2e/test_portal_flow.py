"""The petitioner's whole path through the browser, on a phone and on a desktop: submit online → receipt →
staff route, accept, reply and deliver in the workbench → the petitioner sees the reply and the last day to ask
for 复查, evaluates, requests 复查 → a request after the window is refused with the day it ended → guessing
query codes is throttled. Every portal page is photographed at both sizes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.core.cache import cache

from tests.cases.helpers import drive
from tests.e2e.conftest import Shooter, login, logout
from tests.e2e.test_handling_flow import act, confirm_and_submit
from xinfang.cases.models import Case, Evaluation, ReviewApplication
from xinfang.cases.states import Status

pytestmark = pytest.mark.browser
CST = dt.timezone(dt.timedelta(hours=8))
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def frozen():
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 10, 19, 9, 30, tzinfo=CST), tick=True) as traveller:
        yield traveller
    cache.clear()


def visitor(browser, size: str, name: str):
    mobile = size == "phone"
    ctx = browser.new_context(viewport=SIZES[size], locale="zh-CN", is_mobile=mobile, has_touch=mobile,
                              accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    return ctx, pg, Shooter(pg, f"portal_{size}_{name}")


def submit_online(pg, base, shoot, county) -> tuple[str, str]:
    pg.goto(f"{base}/portal/submit/")
    shoot("submit_form")
    pg.check("input[name=claim][value=request]")
    pg.fill("#id_title", "东街村道路硬化工程拖欠工人工资")
    pg.fill("#id_content", "本人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计3万元，请求督促支付。")
    pg.select_option("#id_problem_place", str(county.village.pk))
    pg.fill("#id_name", "陈大明")
    pg.fill("#id_phone", "13800138000")
    pg.fill("#id_address", "东街村三组12号")
    pg.check("#id_promise")
    key = pg.input_value("input[name=challenge_0]")
    pg.fill("input[name=challenge_1]", CaptchaStore.objects.get(hashkey=key).response)
    shoot("submit_filled")
    with pg.expect_navigation():
        pg.locator("button[type=submit]", has_text="提交").last.click()
    errors = pg.locator(".error").all_inner_texts()
    assert pg.url.endswith("/portal/submit/receipt/"), errors
    shoot("receipt")
    number = pg.inner_text("[data-testid=number]").strip()
    code = pg.inner_text("[data-testid=query-code]").strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
    assert "受理" in pg.inner_text("[data-testid=next-steps]")
    return number, code


def query(pg, base, code, last4="8000"):
    pg.goto(f"{base}/portal/")
    pg.fill("#id_code", code)
    pg.fill("#id_phone_last4", last4)
    pg.click("form.card button[type=submit]")


def staff_handles(page, live_server, shoot, case):
    base = live_server.url
    login(page, live_server, "zhang")
    page.goto(f"{base}/cases/{case.pk}/")
    assert "网上" in page.inner_text(".page-head")
    act(page, "转送 / 交办")
    page.select_option("#id_target", label="东街镇（乡镇/街道）")
    confirm_and_submit(page)
    logout(page)
    login(page, live_server, "li")
    page.goto(f"{base}/cases/{case.pk}/")
    act(page, "签收")
    confirm_and_submit(page)
    act(page, "受理")
    page.check("input[name=procedure][value=normal]")
    confirm_and_submit(page)
    act(page, "出具信访处理意见书")
    page.fill("#id_request_summary", "请求督促支付拖欠工资3万元")
    page.fill("#id_facts", "经调查，施工单位确欠陈大明工资3万元")
    page.fill("#id_opinion", "责令施工单位于30日内足额支付")
    page.fill("#id_legal_basis", "《保障农民工工资支付条例》第三条")
    page.select_option("#id_items-0-outcome", "support")
    confirm_and_submit(page)
    act(page, "送达处理意见书")
    page.check("input[name=method][value=electronic]")
    confirm_and_submit(page)
    shoot("staff_delivered")
    assert page.inner_text("[data-testid=status]").startswith("意见已送达")
    logout(page)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_submit_follow_evaluate_and_ask_for_review(transactional_db, live_server, browser, page, county, frozen, size):
    base = live_server.url
    ctx, pg, shoot = visitor(browser, size, "flow")
    try:
        number, code = submit_online(pg, base, shoot, county)
        case = Case.objects.get(number=number)
        assert case.channel == "online" and case.status == Status.ROUTING and case.query_code == code

        query(pg, base, code.lower())
        pg.wait_for_url(re.compile(r".*/portal/case/$"))
        shoot("case_registered")
        assert "已收到您的信访事项" in pg.inner_text("[data-testid=stages]")

        staff_handles(page, live_server, Shooter(page, f"portal_{size}_staff"), case)

        pg.reload()
        shoot("case_delivered")
        case.refresh_from_db()
        reply = case.documents.get(kind="reply")
        docs = pg.inner_text("[data-testid=documents]")
        assert "信访处理意见书" in docs and reply.number in docs
        with pg.expect_download() as download:
            pg.click(f"a[href='/portal/case/documents/{reply.pk}.docx']")
        assert download.value.suggested_filename.endswith(".docx")
        last = reply.remedy_last_day
        assert f"可以在{last.year}年{last.month}月{last.day}日前书面申请复查" in pg.inner_text("[data-testid=deadlines]")

        pg.check("input[name=bureau][value=satisfied]")
        pg.check("input[name=unit][value=unsatisfied]")
        pg.fill("textarea[name=comment]", "工资仍未到账")
        pg.click("#evaluate button[type=submit]")
        pg.wait_for_selector("[data-testid=evaluations]")
        shoot("evaluated")
        assert Evaluation.objects.filter(case=case).count() == 2

        pg.fill("#id_reason_review", "处理意见认定事实不清，请求复查")
        pg.click("[data-testid=apply-review] button[type=submit]")
        pg.wait_for_selector("[data-testid=applications]")
        shoot("review_requested")
        assert "正在等待复查机关审查" in pg.inner_text("[data-testid=applications]")
        assert ReviewApplication.objects.get(case=case).state == "pending"
        assert pg.locator("[data-testid=apply-review]").count() == 0  # no second form while it waits
    finally:
        ctx.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_late_request_is_refused_with_the_day_the_window_ended(
    transactional_db, live_server, browser, county, petition, size
):
    with time_machine.travel(dt.datetime(2026, 10, 23, 9, 30, tzinfo=CST), tick=False):
        case = drive(petition, county, Status.DELIVERED)  # delivered 2026-10-22: 复查 until 2026-11-23
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 30, tzinfo=CST), tick=True):
        ctx, pg, shoot = visitor(browser, size, "late")
        try:
            query(pg, live_server.url, case.query_code)
            pg.wait_for_url(re.compile(r".*/portal/case/$"))
            closed = pg.inner_text("[data-testid=window-closed]")
            assert "复查申请期限已于2026年11月23日届满" in closed and "30日内" in closed
            assert pg.locator("[data-testid=apply-review]").count() == 0
            # Nor is the ended window offered anywhere else on the page (the daily job has not run yet).
            assert "前书面申请复查" not in pg.inner_text("main")
            assert pg.locator("form[action='/portal/case/evaluate/']").count() == 0
            shoot("late_refused")
        finally:
            ctx.close()
    assert not ReviewApplication.objects.exists()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_guessing_codes_is_throttled(transactional_db, live_server, browser, county, petition, frozen, size):
    case = petition()
    ctx, pg, shoot = visitor(browser, size, "guess")
    try:
        for i in range(10):
            query(pg, live_server.url, f"ABCDEFGH{i:02d}".replace("0", "A").replace("1", "B"))
            assert "查询码或手机号后四位不正确" in pg.inner_text("main")
        shoot("wrong_code")
        query(pg, live_server.url, case.query_code)
        assert "尝试次数过多" in pg.inner_text("main") and pg.url.endswith("/portal/")
        shoot("throttled")
    finally:
        ctx.close()
