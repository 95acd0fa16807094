"""A petition handled through the browser: routing at the bureau, signing, acceptance, extension and the
written reply at the township; another unit's user gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.conftest import login, logout
from xinfang.cases.models import Case
from xinfang.cases.states import Status

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    # The browser and the server share the test process clock; the calendar data ends with 2026.
    with time_machine.travel(dt.datetime(2026, 9, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


def act(page, label):
    page.click(f'.action-list >> text="{label}"')


def confirm_and_submit(page):
    page.check("#id_confirm")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector(".messages")


def register_group_visit(page, live_server, shoot, county):
    page.goto(f"{live_server.url}/cases/new/")
    page.check("input[name=channel][value=visit]")
    page.fill("#id_received_on", "2026-09-01")
    page.fill("#id_title", "东街村道路硬化工程拖欠23名工人工资")
    page.fill("#id_content", "我们23人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计46万元，请求督促支付。")
    page.select_option("#id_claim_type", "appeal")
    page.select_option("#id_purpose", "request")
    page.select_option("#id_problem_place", label="东街村")
    page.fill("#id_people_count", "23")
    add = page.locator("[data-add-petitioner]")
    add.click()
    add.click()
    names = ["陈大明", "李小红", "王建国", "赵铁柱", "孙桂英"]
    for i, name in enumerate(names):
        page.fill(f"#id_petitioners-{i}-name", name)
        page.check(f"#id_petitioners-{i}-is_representative")
    page.fill("#id_petitioners-0-id_number", "11010519491231002X")
    page.fill("#id_petitioners-0-phone", "13800138000")
    shoot("register_group_visit")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector(".messages")
    message = page.inner_text(".messages")
    assert "已登记" in message and "查询码" in message
    shoot("registered")
    case = Case.objects.order_by("-pk").first()
    assert case.is_group and case.people_count == 23 and case.petitioners.filter(is_representative=True).count() == 5
    return case


def test_register_route_sign_accept_extend_reply(transactional_db, live_server, page, shoot, county, frozen):
    login(page, live_server, "zhang")
    shoot("registrar_queue")
    case = register_group_visit(page, live_server, shoot, county)
    assert page.inner_text("[data-testid=status]") == "待分流"
    # the responsible township's head and party secretary are alerted to receive the visitors in person
    from xinfang.cases.models import Notification

    assert set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True)) >= {"town_sec"}
    page.click("text=为什么是这一天")
    assert "起算日 2026-09-01 不计入" in page.inner_text(".clock[data-rule=bureau_routing]")
    shoot("item_why_this_day")
    act(page, "转送 / 交办")
    page.select_option("#id_target", label="东街镇（乡镇/街道）")
    page.fill("#id_note", "请依法及时办理并告知信访人")
    shoot("forward_form")
    confirm_and_submit(page)
    assert "已转送至东街镇" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=status]") == "待签收"
    logout(page)

    login(page, live_server, "li")
    shoot("township_queue")
    page.click(f"text={case.number}")
    act(page, "签收")
    confirm_and_submit(page)
    act(page, "受理")
    page.check("input[name=procedure][value=normal]")
    shoot("accept_form")
    confirm_and_submit(page)
    assert page.inner_text("[data-testid=status]") == "办理中"
    assert "办理期限" in page.inner_text("#h-clocks + div, .clock[data-rule=handling]")
    logout(page)

    login(page, live_server, "li_head")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "延长办理期限")
    page.fill("#id_days", "30")
    page.fill("#id_reason", "涉及多个施工单位，需补充调查")
    confirm_and_submit(page)
    assert page.inner_text("[data-testid=status]") == "已延期办理中"
    assert "2026-12-01" in page.inner_text(".clock[data-rule=handling_extended]")  # 2 Sep + 90 days
    logout(page)

    login(page, live_server, "li")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "出具信访处理意见书")
    page.fill("#id_request_summary", "请求督促支付拖欠工资3万元")
    page.fill("#id_facts", "经调查，施工单位确欠陈大明工资3万元")
    page.fill("#id_opinion", "责令施工单位于30日内足额支付")
    page.fill("#id_legal_basis", "《保障农民工工资支付条例》第三条")
    page.select_option("#id_items-0-outcome", "support")
    page.click("#add-item")
    page.fill("#id_items-1-request", "赔偿误工损失")
    page.select_option("#id_items-1-outcome", "reject")
    # the advisory check of the draft answers in place and does not submit the form
    page.click("#reply-check")
    # Waits without evaluating a string in the page: the Content-Security-Policy forbids eval.
    expect(page.locator("#reply-check-result")).not_to_have_text(re.compile(r"^\s*$|正在检查"))
    assert "暂无建议" not in page.inner_text("#reply-check-result")
    shoot("reply_form")
    confirm_and_submit(page)
    act(page, "送达处理意见书")
    page.check("input[name=method][value=in_person]")
    page.fill("#id_signer", "陈大明")
    confirm_and_submit(page)
    shoot("item_delivered")
    assert page.inner_text("[data-testid=status]").startswith("意见已送达")
    text = page.inner_text("main")
    assert "不予支持" in text and "予以支持" in text and "复查申请期" in text
    # The acts issued their documents: the reply carries its number and, once delivered, the last day to ask
    # for review (delivered on the frozen today).
    reply = case.documents.get(kind="reply")
    assert reply.number in page.inner_text("#documents") and reply.delivery_signer == "陈大明"
    assert reply.remedy_last_day is not None
    assert f"{reply.remedy_last_day:%Y-%m-%d}" in page.inner_text(f"#document-{reply.pk}")
    logout(page)

    case.refresh_from_db()
    assert case.status == Status.DELIVERED and case.extension_days == 30

    login(page, live_server, "wang")
    resp = page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert resp.status == 404
    shoot("other_unit_404")
    assert Case.objects.get(pk=case.pk).status == Status.DELIVERED


def test_phone_layout_of_item_page(transactional_db, live_server, browser, county, petition, frozen):
    from tests.e2e.conftest import Shooter

    case = petition()
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = ctx.new_page()
    shoot = Shooter(page, "phone")
    login(page, live_server, "zhang")
    shoot("queue")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    shoot("item")
    # nothing wider than the screen: no horizontal scrolling of the whole page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    ctx.close()
