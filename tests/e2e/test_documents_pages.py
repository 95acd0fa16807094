"""Written documents in the browser: the item page's 「文书」 panel with its actions (登记送达, 出具送达回证, 签发),
the unit's 待送达 list and its batch print with a blank 送达回证 after each document."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tests.cases.helpers import D, drive
from tests.e2e.conftest import SHOTS, login, logout
from xinfang.cases.states import Status
from xinfang.documents.models import DocumentKind as K

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen():
    # The browser and the server share the test process clock; the calendar data ends with 2026.
    with time_machine.travel(dt.datetime(2026, 12, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


@pytest.fixture
def items(county, petition, frozen):
    """Two items at 东街镇: one whose reply awaits delivery, one just accepted."""
    county.town.doc_prefix = "东政信"
    county.town.save()
    replied = drive(petition, county, Status.REPLIED)
    accepted = drive(petition, county, Status.HANDLING)
    return replied, accepted


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def part(page, selector, name, request):
    """A screenshot of one part of the page, beside the full-page ones."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{request.node.name}_{name}.png"
    page.locator(selector).screenshot(path=str(path))
    return path


def test_documents_panel_actions_pending_list_and_batch_print(
    transactional_db, live_server, page, shoot, county, items, request
):
    replied, accepted = items
    reply = replied.documents.get(kind=K.REPLY)
    notice = accepted.documents.get(kind=K.ACCEPTANCE_NOTICE)

    login(page, live_server, "li")
    page.goto(f"{live_server.url}/cases/{replied.pk}/#documents")
    assert page.locator("details[data-actions-for]").count() == 3  # 受理告知书, 延期告知书, 处理意见书
    part(page, "#documents", "panel", request)
    # 登记送达 of the reply: the form opens in place
    actions = page.locator(f'details[data-actions-for="{reply.pk}"]')
    actions.locator("summary").click()
    form = actions.locator('form[data-document-action="deliver"]')
    form.locator('input[name="delivered_on"]').fill("2026-12-10")
    form.locator('input[name="method"][value="in_person"]').check()
    form.locator('input[name="signer"]').fill("陈大明")
    part(page, "#documents", "deliver_form", request)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已登记送达：信访处理意见书" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=status]").startswith("意见已送达")
    # the delivered reply now offers its 送达回证
    actions = page.locator(f'details[data-actions-for="{reply.pk}"]')
    actions.locator("summary").click()
    assert "按送达记录出具：2026-12-10 直接送达，签收人 陈大明，送达人 李承办" in actions.inner_text()
    actions.locator('form[data-document-action="receipt"] button[type=submit]').click()
    page.wait_for_selector(".messages")
    assert "已出具送达回证" in page.inner_text(".messages")
    shoot("item_after_delivery_and_receipt")
    part(page, "#documents", "panel_after", request)
    # the issued receipt prints on one sheet, its organ's name and date included
    receipt = replied.documents.get(kind=K.DELIVERY_RECEIPT)
    view = page.context.new_page()
    view.goto(f"{live_server.url}/cases/{replied.pk}/documents/{receipt.pk}/print/")
    assert "直接送达" in view.inner_text("table.form") and "陈大明" in view.inner_text("table.form")
    single = view.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / f"{request.node.name}_receipt_print.pdf").write_bytes(single)
    assert pages(single) == 1
    view.close()

    # a form refused by the service comes back in Chinese, nothing written
    page.goto(f"{live_server.url}/cases/{accepted.pk}/#documents")
    actions = page.locator(f'details[data-actions-for="{notice.pk}"]')
    actions.locator("summary").click()
    form = actions.locator('form[data-document-action="deliver"]')
    form.locator('input[name="method"][value="in_person"]').check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".form-errors")
    assert "直接送达请填写签收人" in page.inner_text(".form-errors")
    shoot("deliver_refused")

    # 待送达: the town's undelivered notices, the delivered reply is gone
    page.click('nav >> text="待送达"')
    page.wait_for_selector("#pending-form")
    rows = page.locator("tr[data-pending]")
    pending = [int(pk) for pk in rows.evaluate_all("rows => rows.map(r => r.dataset.pending)")]
    assert reply.pk not in pending and notice.pk in pending
    shoot("pending_list")
    extension = replied.documents.get(kind=K.EXTENSION_NOTICE)
    page.check(f"#pick-{notice.pk}")
    page.check(f"#pick-{extension.pk}")
    with page.expect_popup() as popup_info:
        page.click("[data-print-selected]")
    printing = popup_info.value
    printing.wait_for_load_state()
    sheets = printing.locator("article.sheet")
    assert sheets.count() == 4
    kinds = sheets.evaluate_all("s => s.map(x => x.dataset.sheet)")
    assert kinds == ["document", "receipt", "document", "receipt"]
    assert "受送达人" in sheets.nth(1).inner_text() and notice.number in sheets.nth(1).inner_text()
    # each sheet after the first starts a new page when printed
    breaks = sheets.evaluate_all("s => s.map(x => getComputedStyle(x).breakBefore)")
    assert breaks == ["auto", "page", "page", "page"]
    printing.set_viewport_size({"width": 1000, "height": 900})
    printing.screenshot(path=str(SHOTS / f"{request.node.name}_batch_print.png"), full_page=True)
    printing.screenshot(path=str(SHOTS / f"{request.node.name}_batch_print_top.png"))
    # Printed by the browser itself: two notices of one page each, each followed by its receipt page.
    printed = printing.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / f"{request.node.name}_batch_print.pdf").write_bytes(printed)
    assert pages(printed) == 4
    printing.close()
    logout(page)

    # the county supervisor may only write letters; no delivery or correction is offered to him
    login(page, live_server, "zhao")
    page.goto(f"{live_server.url}/cases/{accepted.pk}/#documents")
    assert page.locator("details[data-actions-for]").count() == 0
    page.click("[data-issue-documents] summary")
    form = page.locator('form[data-issue="supervision_letter"]')
    form.locator('input[name="reply_by"]').fill("2026-12-20")
    form.locator('textarea[name="note"]').fill("信访人多次来电反映进展缓慢。")
    part(page, "#documents", "supervisor_panel", request)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已签发督办函" in page.inner_text(".messages")
    assert accepted.documents.filter(kind=K.SUPERVISION_LETTER).count() == 1
    assert D(2026, 12, 10) == accepted.documents.get(kind=K.SUPERVISION_LETTER).issued_on
