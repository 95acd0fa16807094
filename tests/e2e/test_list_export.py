"""The item list in the browser: filters narrow the list, and the Excel export holds exactly those rows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import time_machine

from tests.e2e.conftest import login
from xinfang.cases import services as s

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 9, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


def test_filtered_list_exports_exactly_its_rows(
    transactional_db, live_server, page, shoot, county, petition, frozen, tmp_path
):
    d = dt.date
    wanted = [
        petition(channel="visit", title=f"东街村修路拖欠工资第{n}批", received_on=d(2026, 9, 1 + n)) for n in range(3)
    ]
    petition(channel="letter", title="东街村修路拖欠工资来信", received_on=d(2026, 9, 2))  # other channel
    petition(channel="visit", title="东街村修路拖欠工资旧件", received_on=d(2026, 7, 1))  # before the range
    petition(channel="visit", title="西山乡路灯不亮", received_on=d(2026, 9, 3))  # other words
    other = petition(channel="visit", title="东街村修路拖欠工资转出", received_on=d(2026, 9, 4))
    s.case_forward(case=other, actor=county.zhang, target=county.town, on=d(2026, 9, 5))
    wanted.append(other)

    login(page, live_server, "zhang")
    page.goto(f"{live_server.url}/cases/")
    shoot("list_all")
    page.fill("#id_q", "拖欠工资")
    page.select_option("#id_channel", "visit")
    page.fill("#id_received_from", "2026-08-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("table.data")
    shoot("list_filtered")
    shown = page.locator("table.data tbody td[data-label=编号]").all_inner_texts()
    assert sorted(shown) == sorted(c.number for c in wanted)
    assert "共 4 件" in page.inner_text("[data-testid=count]")

    with page.expect_download() as info:
        page.click("[data-testid=export]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    download.save_as(tmp_path / "bureau.xlsx")
    book = openpyxl.load_workbook(tmp_path / "bureau.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[0] == "编号" and "收到日期" in header
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert sorted(numbers) == sorted(shown)
    received = header.index("收到日期")
    assert all(isinstance(row[received], dt.datetime | dt.date)
               for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])
    assert sheet.freeze_panes == "A2"

    # the township user sees, and exports, only the item routed to them
    page.click("text=退出")
    login(page, live_server, "li")
    page.goto(f"{live_server.url}/cases/?q=拖欠工资")
    shoot("list_township")
    assert page.locator("table.data tbody td[data-label=编号]").all_inner_texts() == [other.number]
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    info.value.save_as(tmp_path / "township.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "township.xlsx").active
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    assert [r[0] for r in rows] == [other.number]
