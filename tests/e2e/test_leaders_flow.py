"""包案 through the browser: the township's party secretary takes charge of an item from its page, lists a
milestone and marks it done; the item's history and the leader's page show each step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.conftest import login
from xinfang.cases import services as s
from xinfang.leaders.models import CaseOwnership

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    # The browser and the server share the test process clock; the calendar data ends with 2026.
    with time_machine.travel(dt.datetime(2026, 9, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


def test_leader_takes_an_item_and_records_a_milestone(transactional_db, live_server, page, shoot, county, petition,
                                                        frozen):
    case = petition()
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=dt.date(2026, 9, 2))

    login(page, live_server, "town_sec")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("[data-testid=leaders-panel]")
    expect(panel).to_be_visible()
    shoot("item_before")
    panel.locator("[data-testid=take-ownership]").click()
    page.wait_for_selector("#take-form")
    page.fill("#id_leader_post", "东街镇党委书记")
    page.fill("#id_plan", "一、约谈施工方核实工资表；二、镇劳动保障所督促结清；三、结清后回访信访人。")
    page.fill("#id_deadline", "2026-10-10")
    page.check(f"input[name=team_members][value='{county.li.pk}']")
    shoot("take_form")
    page.click("#take-form button[type=submit]")
    page.wait_for_selector(".messages")
    expect(page.locator(".messages")).to_contain_text("已包案")
    o = CaseOwnership.objects.get()
    assert o.leader_id == county.town_secretary.pk and list(o.items.all()) == [case]

    page.fill("#id_m-due_on", "2026-09-15")
    page.fill("#id_m-text", "约谈施工方，核实工资表")
    page.click("#milestone-form button[type=submit]")
    page.wait_for_selector("[data-testid=milestones]")
    expect(page.locator("[data-testid=next-action]")).to_contain_text("约谈施工方，核实工资表")
    shoot("ownership_with_milestone")
    page.click("[data-testid=milestones] >> text=标记完成")
    expect(page.locator("[data-testid=milestones]")).to_contain_text("完成")
    expect(page.locator("[data-testid=next-action]")).to_contain_text("确认化解结果")
    shoot("milestone_done")

    page.goto(f"{live_server.url}/leaders/")
    expect(page.locator("[data-testid=my-ownerships]")).to_contain_text(case.title)
    shoot("leader_page")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    timeline = page.locator("section[aria-labelledby=h-timeline]")
    expect(timeline).to_contain_text("领导包案")
    expect(timeline).to_contain_text("包案工作节点完成")
    shoot("item_after")


def test_reception_days_on_the_portal(transactional_db, live_server, phone_page, county, frozen):
    """The public schedule at phone size: plain, readable, no blocking accessibility problem."""
    from tests.e2e.test_portal_a11y import Auditor
    from xinfang.leaders.services import ReceptionDayInput, reception_day_save

    for on, name in [(dt.date(2026, 9, 1), "往日领导"), (dt.date(2026, 9, 16), "刘建华")]:
        reception_day_save(actor=county.zhang, data=ReceptionDayInput(
            leader_name=name, leader_post="县委副书记", on=on, time="上午9:00—12:00", place="县信访局一楼接待大厅",
            topics="拖欠农民工工资、征地拆迁补偿"))
    phone_page.goto(f"{live_server.url}/portal/reception-days/")
    expect(phone_page.locator("[data-reception-day]")).to_have_count(1)
    expect(phone_page.locator("main, body").first).to_contain_text("刘建华")
    audit = Auditor(phone_page, "phone")
    audit("leaders_reception_days")
    audit.check()
