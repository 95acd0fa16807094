"""Supervision through the browser: an overdue item shows red on the county board, the supervisor issues a
督办函 from the item page, the township answers it in writing and the supervisor closes it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.e2e.conftest import login, logout
from xinfang.cases import services as s
from xinfang.supervision.models import Supervision

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


def test_overdue_item_supervised_and_answered(transactional_db, live_server, page, shoot, county, petition, frozen):
    # At 东街镇 since 11-05: the 受理告知 period (15 days, due 11-20) has run out, not yet by twice its length.
    case = petition(received_on=dt.date(2026, 11, 4), title="东街村道路硬化工程拖欠工资")
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=dt.date(2026, 11, 5))

    login(page, live_server, "zhao")  # the supervisor's home page is the board
    cell = page.locator(f'tr[data-unit="{county.town.pk}"][data-rule="acceptance_notice"] a[data-level="overdue"]')
    assert cell.inner_text() == "1"
    assert "red" in cell.get_attribute("class")
    shoot("county_board")
    cell.click()
    page.wait_for_selector('[data-testid="items"]')
    assert case.number in page.inner_text('[data-testid="items"]')
    shoot("overdue_items")
    page.click(f"text={case.number}")
    page.click('[data-testid="supervision-issue"] summary')
    page.select_option("#sup-level", "key")
    page.fill("#sup-due", "2026-12-03")
    page.fill("#sup-reason", "受理告知已超期，请立即书面告知信访人并于12月3日前回复办理情况。")
    shoot("issue_form")
    page.click('[data-testid="supervision-issue"] form >> nth=0 >> button[type=submit]')
    page.wait_for_selector(".messages")
    assert "已发出督办函" in page.inner_text(".messages")
    sup = Supervision.objects.get(case=case)
    assert sup.level == "key" and sup.letter is not None
    shoot("issued")
    logout(page)

    login(page, live_server, "li")
    page.goto(f"{live_server.url}/supervision/awaiting/")
    assert case.number in page.inner_text('[data-testid="supervisions"]')
    shoot("awaiting_reply")
    page.click(f"text={case.number}")
    page.fill(f"#reply-{sup.pk}", "已于11月26日书面告知信访人受理，并约定12月10日前答复。")
    shoot("reply_form")
    page.click('[data-testid="supervision-reply"] button[type=submit]')
    page.wait_for_selector(".messages")
    assert "督办回复已提交" in page.inner_text(".messages")
    logout(page)

    login(page, live_server, "zhao")
    page.goto(f"{live_server.url}/cases/{case.pk}/#supervision")
    page.fill(f"#close-{sup.pk}", "回复属实，办结。")
    page.click('[data-testid="supervision-close"] button[type=submit]')
    page.wait_for_selector(".messages")
    sup.refresh_from_db()
    assert sup.state == "closed"
    shoot("closed")

    # the daily job registers the late 受理告知 in the error register
    from xinfang.supervision.jobs import scan_errors

    scan_errors(dt.date(2026, 11, 26))
    page.goto(f"{live_server.url}/supervision/errors/")
    assert "逾期未告知受理" in page.inner_text("main")
    shoot("error_register")

    # another unit's user gets 404 for the item's supervision pages
    logout(page)
    login(page, live_server, "wang")
    resp = page.goto(f"{live_server.url}/supervision/items/?unit={county.town.pk}")
    assert resp.status == 404
