"""A township reporter screens a dispute into the ledger, follows it up, and registers it as a petition item;
another township's user gets 404 on the entry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.e2e.conftest import login, logout
from xinfang.prevention.models import DisputeEntry, Resolution

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    # The calendar data ends with 2026: the conversion registers an item whose clocks need it.
    with time_machine.travel(
        dt.datetime(2026, 10, 12, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True
    ):
        yield


def test_township_reporter_entry_becomes_a_petition(page, live_server, shoot, county, frozen):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    user_create(
        username="xs",
        password="Xinfang-2026",
        full_name="西山乡承办",
        unit=county.town2,
        roles=[(Role.HANDLER, county.town2)],
    )
    login(page, live_server, "li")
    page.click("nav >> text=排查台账")
    page.wait_for_selector("[data-testid=ledger]")
    shoot("ledger_empty")
    page.click("text=新增排查记录")
    page.fill("#id_reported_on", "2026-10-10")
    page.select_option("#id_place", label="东街村")
    page.select_option("#id_dispute_type", "labour")
    page.select_option("#id_risk_level", "high")
    page.fill("#id_parties", "陈大明等23名村民与某建筑公司")
    page.fill("#id_summary", "东街村道路硬化工程结束半年，施工方仍拖欠23名村民工资约46万元，村民情绪激动。")
    page.select_option("#id_responsible_unit", label="东街镇")
    page.fill("#id_responsible_leader", "李镇长")
    page.fill("#id_measures", "镇劳动保障所约谈施工方，责令限期支付。")
    page.select_option("#id_resolution", "resolving")
    shoot("entry_form")
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector(".messages")
    page.fill("#id_note", "约谈施工方，承诺10月底前支付一半")
    page.click("text=添加跟进")
    page.wait_for_selector("text=约谈施工方，承诺10月底前支付一半")
    shoot("entry_detail")
    entry = DisputeEntry.objects.get()

    page.click(".actions >> text=转为信访件")
    page.fill("#id_petitioner_names", "陈大明")
    shoot("to_petition")
    page.click("#petition-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已转为信访件并登记" in page.inner_text(".messages")
    entry.refresh_from_db()
    assert entry.resolution == Resolution.PETITION and entry.case is not None
    assert page.inner_text("[data-testid=entry-resolution]") == "转为信访件"
    shoot("entry_converted")
    page.click(f"[data-testid=entry-case] >> text={entry.case.number}")
    page.wait_for_selector(f"text={entry.case.number}")
    shoot("case_detail")

    page.goto(f"{live_server.url}/prevention/summary/?month=2026-10")
    assert page.inner_text("[data-testid=sum-new]") == "1"
    shoot("summary")

    logout(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "xs")
    page.fill("#id_password", "Xinfang-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/prevention/{entry.pk}/")
    assert response.status == 404
