"""The actions of the item page's 「文书」 panel (登记送达, 出具送达回证, 更正, 签发), the 待送达 list with its batch
print, and the PDF of a document: through the real pages and services, with the real renderer, for each persona."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat

import pytest
import time_machine
from django.urls import reverse

from tests.cases import helpers
from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import CaseEvent, PersonalDataAccess
from xinfang.cases.states import Status
from xinfang.cases.workflow import importing_history
from xinfang.documents import pdf, selectors
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentKind as K
from xinfang.documents.models import IssuedDocument
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test (item numbers, hence file names, repeat from test to test)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def replied(petition, county):
    """An item whose reply awaits delivery: 受理告知书, 延期告知书 and 处理意见书 were issued by the acts, none
    delivered yet."""
    county.town.doc_prefix = "东政信"
    county.town.save()
    case = drive(petition, county, Status.REPLIED)
    docs = {d.kind: d for d in case.documents.all()}
    assert set(docs) == {K.ACCEPTANCE_NOTICE, K.EXTENSION_NOTICE, K.REPLY}
    return case, docs


def detail(case):
    return reverse("workbench:case_detail", args=[case.pk])


def deliver_url(case, doc):
    return reverse("workbench:document_deliver", args=[case.pk, doc.pk])


def receipt_url(case, doc):
    return reverse("workbench:document_receipt", args=[case.pk, doc.pk])


def correct_url(case, doc):
    return reverse("workbench:document_correct", args=[case.pk, doc.pk])


def issue_url(case, kind):
    return reverse("workbench:document_issue", args=[case.pk, kind])


def pdf_url(case, doc):
    return reverse("workbench:document_pdf", args=[case.pk, doc.pk])


PENDING = "/documents/pending/"
PRINT = "/documents/print/"


def panel(client, case):
    html = client.get(detail(case)).content.decode()
    return html.split('id="h-docs"')[1].split('id="h-timeline"')[0]


def actions_row(panel_html, doc):
    """The actions row under a document's row ("" when the user is offered none)."""
    marker = f'data-actions-for="{doc.pk}"'
    if marker not in panel_html:
        return ""
    return panel_html.split(marker)[1].split("</tr>")[0]


def snapshot():
    """What a refused action must leave unchanged."""
    return (
        IssuedDocument.objects.count(),
        CaseEvent.objects.count(),
        list(IssuedDocument.objects.order_by("pk").values_list("delivered_on", "delivery_method", "delivery_signer")),
    )


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


# --- addresses -------------------------------------------------------------------------------------------------


def test_urls_are_the_documented_ones(replied):
    case, docs = replied
    doc = docs[K.REPLY]
    assert deliver_url(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}/deliver/"
    assert receipt_url(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}/receipt/"
    assert correct_url(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}/correct/"
    assert issue_url(case, "transfer") == f"/cases/{case.pk}/documents/issue/transfer/"
    assert pdf_url(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}.pdf"
    assert reverse("workbench:documents_pending") == PENDING
    assert reverse("workbench:documents_print") == PRINT


# --- who is offered what ---------------------------------------------------------------------------------------


def test_the_handler_is_offered_delivery_and_correction_of_each_undelivered_document(client, county, replied):
    case, docs = replied
    client.force_login(county.li)
    html = panel(client, case)
    for doc in docs.values():
        row = actions_row(html, doc)
        assert "办理：登记送达 · 更正" in row
        assert f'action="{deliver_url(case, doc)}"' in row and f'action="{correct_url(case, doc)}"' in row
        assert 'name="csrfmiddlewaretoken"' in row
        assert receipt_url(case, doc) not in row  # nothing delivered yet
        # every method is a radio button; the date cannot be picked after today
        assert row.count('type="radio" name="method"') == 4 and 'max="2026-12-10"' in row
    # only the reply is delivered through the workflow's 送达 act, which asks for a reason when backdated
    assert 'name="backdate_reason"' in actions_row(html, docs[K.REPLY])
    assert 'name="backdate_reason"' not in actions_row(html, docs[K.ACCEPTANCE_NOTICE])
    assert "data-issue-documents" not in html  # the town issues no on-demand kind here


def test_users_who_may_not_act_are_offered_nothing(client, county, replied):
    case, docs = replied
    # 赵 (county supervisor) sees the item and may only write a 督办函/提醒函
    client.force_login(county.zhao)
    html = panel(client, case)
    assert "data-actions-for" not in html and "/deliver/" not in html and "/correct/" not in html
    assert "签发文书：督办函 · 提醒函" in html
    assert f'action="{issue_url(case, "supervision_letter")}"' in html
    # 张 (registrar at the bureau) routed it: he may issue its 转送单, nothing else
    client.force_login(county.zhang)
    html = panel(client, case)
    assert "data-actions-for" not in html
    assert "签发文书：转送单" in html and "督办函" not in html
    # 王 (another unit) does not see the item at all
    client.force_login(county.wang)
    assert client.get(detail(case)).status_code == 404


def test_a_delivered_document_offers_its_receipt_once(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    ds.document_record_delivery(document=notice, actor=county.li, delivered_on=D(2026, 9, 5), method="post",
                                signer="")
    client.force_login(county.li)
    row = actions_row(panel(client, case), notice)
    assert "办理：出具送达回证 · 更正" in row and "登记送达" not in row.split("</summary>")[0]
    assert "按送达记录出具：2026-09-05 邮寄，送达人 李承办" in row
    assert client.post(receipt_url(case, notice)).status_code == 302
    assert "出具送达回证" not in actions_row(panel(client, case), notice)


def test_the_accused_side_is_offered_nothing(client, petition, county):
    case = helpers.accusation(petition, county, accused_unit=county.village, received_on=D(2026, 11, 20))
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 21))
    s.case_sign(case=case, actor=county.li, on=D(2026, 11, 22))
    case = s.case_accept(case=case, actor=county.li, on=D(2026, 11, 23))
    notice = case.documents.get(kind=K.ACCEPTANCE_NOTICE)
    official = user_create(username="cun", password="Xinfang-2026", full_name="东街村干部", unit=county.village,
                           roles=[(Role.HANDLER, county.town)])
    client.force_login(official)
    html = panel(client, case)
    assert "受理告知书" in html and "data-actions-for" not in html and "data-issue-documents" not in html
    before = snapshot()
    form = {"delivered_on": "2026-12-01", "method": "post"}
    assert client.post(deliver_url(case, notice), form).status_code == 404
    assert client.post(correct_url(case, notice), {"reason": "笔误"}).status_code == 404
    assert client.post(issue_url(case, "reminder_letter"), {"on": "2026-12-10"}).status_code == 403
    assert snapshot() == before
    client.force_login(county.li)  # the handler is not on the accused side
    assert "办理：登记送达 · 更正" in actions_row(panel(client, case), notice)


# --- 登记送达 ---------------------------------------------------------------------------------------------------


def test_recording_a_delivery_writes_it_and_returns_to_the_panel(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    client.force_login(county.li)
    resp = client.post(deliver_url(case, notice), {"delivered_on": "2026-09-05", "method": "post"})
    assert resp.status_code == 302 and resp["Location"] == f"{detail(case)}#documents"
    notice.refresh_from_db()
    assert (notice.delivered_on, notice.delivery_method, notice.delivery_signer) == (D(2026, 9, 5), "post", "")
    page = client.get(resp["Location"])
    assert f"已登记送达：受理告知书 {notice.number}，2026-09-05 邮寄" in messages_of(page)
    assert "2026-09-05 邮寄" in panel(client, case)


def test_delivering_the_reply_is_the_workflows_delivery(client, county, replied):
    case, docs = replied
    reply = docs[K.REPLY]
    client.force_login(county.li)
    form = {"delivered_on": "2026-12-10", "method": "in_person", "signer": "陈大明"}
    assert client.post(deliver_url(case, reply), form).status_code == 302
    case.refresh_from_db()
    reply.refresh_from_db()
    assert case.status == Status.DELIVERED
    assert (reply.delivered_on, reply.delivery_method, reply.delivery_signer) == (D(2026, 12, 10), "in_person", "陈大明")
    assert reply.remedy_last_day is not None  # the 复查 window runs from the delivery
    assert case.events.filter(action="deliver", effective_on=D(2026, 12, 10)).exists()


@pytest.mark.date_rules
def test_a_backdated_delivery_of_the_reply_needs_a_reason(client, petition, county):
    with importing_history():
        case = drive(petition, county, Status.REPLIED)
    reply = case.documents.get(kind=K.REPLY)
    client.force_login(county.li)
    before = snapshot()
    form = {"delivered_on": "2026-12-08", "method": "post"}
    resp = client.post(deliver_url(case, reply), form)
    assert resp.status_code == 200 and "属于补录，请填写补录理由" in resp.content.decode()
    assert snapshot() == before
    assert client.post(deliver_url(case, reply), {**form, "backdate_reason": "邮寄回执今天才收到"}).status_code == 302
    reply.refresh_from_db()
    assert reply.delivered_on == D(2026, 12, 8)
    assert case.events.get(action="deliver").data["backdate_reason"] == "邮寄回执今天才收到"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"delivered_on": "2026-12-09"}, "请选择送达方式"),
        ({"delivered_on": "2026-12-11", "method": "post"}, "送达日期 2026-12-11 晚于今天（2026-12-10），请填写实际的日期"),
        ({"delivered_on": "", "method": "post"}, "请填写送达日期"),
        ({"delivered_on": "12/09/2026", "method": "post"}, "日期格式应为 年-月-日"),
        ({"delivered_on": "2026-12-09", "method": "fax"}, "请选择列出的送达方式"),
        ({"delivered_on": "2026-12-09", "method": "in_person"}, "直接送达请填写签收人"),  # the service's rule
        ({"delivered_on": "2026-08-01", "method": "post"}, "早于成文日期"),  # the service's rule
    ],
)
def test_bad_delivery_input_comes_back_in_chinese_and_writes_nothing(client, county, replied, form, error):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    client.force_login(county.li)
    before = snapshot()
    resp = client.post(deliver_url(case, notice), form)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert error in html and "请修改以下内容后再提交" in html
    assert f'action="{deliver_url(case, notice)}"' in html and "<h1>登记送达</h1>" in html
    assert snapshot() == before


def test_a_delivered_document_cannot_be_delivered_again(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    client.force_login(county.li)
    client.post(deliver_url(case, notice), {"delivered_on": "2026-09-05", "method": "post"})
    before = snapshot()
    resp = client.post(deliver_url(case, notice), {"delivered_on": "2026-09-06", "method": "post"})
    assert resp.status_code == 200 and "已于 2026-09-05 登记送达，送达信息不能更改" in resp.content.decode()
    assert snapshot() == before


def test_delivery_boundaries(client, county, replied, petition):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    other = petition(title="另一件")
    form = {"delivered_on": "2026-12-09", "method": "post"}
    before = snapshot()
    # anonymous → the login page
    resp = client.post(deliver_url(case, notice), form)
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    # another unit → 404, as for an item that does not exist
    client.force_login(county.wang)
    assert client.post(deliver_url(case, notice), form).status_code == 404
    # sees the item, may not deliver for the town → 403 with the reason
    client.force_login(county.zhao)
    resp = client.post(deliver_url(case, notice), form)
    assert resp.status_code == 403 and "没有登记「受理告知书」送达的权限" in resp.content.decode()
    # a document of another item → 404; GET → 405
    client.force_login(county.zhang)
    assert client.post(deliver_url(other, notice), form).status_code == 404
    client.force_login(county.li)
    assert client.get(deliver_url(case, notice)).status_code == 405
    assert snapshot() == before


def test_the_forms_need_the_csrf_token(county, replied):
    from django.test import Client

    case, docs = replied
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.li)
    before = snapshot()
    resp = client.post(deliver_url(case, docs[K.ACCEPTANCE_NOTICE]), {"delivered_on": "2026-12-09", "method": "post"})
    assert resp.status_code == 403
    assert snapshot() == before


# --- 出具送达回证 -----------------------------------------------------------------------------------------------


def test_the_receipt_repeats_the_delivery_record(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    ds.document_record_delivery(document=notice, actor=county.li, delivered_on=D(2026, 9, 6), method="left",
                                signer="村委会主任王某")
    client.force_login(county.li)
    resp = client.post(receipt_url(case, notice))
    assert resp.status_code == 302 and resp["Location"].endswith("#documents")
    receipt = case.documents.get(kind=K.DELIVERY_RECEIPT)
    assert receipt.issuing_unit == county.town and receipt.issued_by == county.li
    assert receipt.data["document_title"] == "受理告知书" and receipt.data["document_number"] == notice.number
    assert receipt.data["delivered_on"] == "2026年9月6日" and "☑留置" in receipt.data["methods"]
    assert receipt.data["signer"] == "村委会主任王某" and receipt.data["deliverer"] == "李承办"
    notice.refresh_from_db()
    assert selectors.receipt_for(notice) == receipt
    assert f"已出具送达回证：受理告知书 {notice.number}（送达人 李承办）" in messages_of(client.get(resp["Location"]))
    # a second one is refused on the form, nothing written
    before = snapshot()
    resp = client.post(receipt_url(case, notice))
    assert resp.status_code == 200 and "的送达回证已于 2026-12-10 出具，不再重复出具" in resp.content.decode()
    assert snapshot() == before


def test_no_receipt_before_delivery_or_for_a_letter_between_organs(client, county, replied):
    case, docs = replied
    client.force_login(county.li)
    before = snapshot()
    resp = client.post(receipt_url(case, docs[K.REPLY]))
    assert resp.status_code == 200 and "尚未登记送达，请先登记送达，再出具送达回证" in resp.content.decode()
    transfer = ds.document_issue(case=case, kind=K.TRANSFER, actor=county.zhang)
    ds.document_record_delivery(document=transfer, actor=county.zhang, delivered_on=D(2026, 12, 10), method="electronic",
                                signer="")
    before = snapshot()
    resp = client.post(receipt_url(case, transfer))
    assert resp.status_code == 200 and "送达回证只为送达信访人的文书出具" in resp.content.decode()
    assert snapshot() == before


def test_a_receipt_needs_the_permission(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    ds.document_record_delivery(document=notice, actor=county.li, delivered_on=D(2026, 9, 5), method="post", signer="")
    before = snapshot()
    client.force_login(county.zhao)
    resp = client.post(receipt_url(case, notice))
    assert resp.status_code == 403 and "没有出具送达回证的权限" in resp.content.decode()
    client.force_login(county.wang)
    assert client.post(receipt_url(case, notice)).status_code == 404
    assert snapshot() == before


# --- 更正 ------------------------------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_and_the_old_one_stays(client, county, replied):
    case, docs = replied
    reply = docs[K.REPLY]
    client.force_login(county.li)
    resp = client.post(correct_url(case, reply), {"reason": "诉求金额笔误"})
    assert resp.status_code == 302 and resp["Location"] == f"{detail(case)}#documents"
    new = IssuedDocument.objects.get(supersedes=reply)
    assert (new.number, new.version, new.correction_reason, new.issued_by) == (reply.number, 2, "诉求金额笔误", county.li)
    assert IssuedDocument.objects.filter(pk=reply.pk).exists()
    page = client.get(resp["Location"])
    assert f"已签发更正版本：信访处理意见书 {reply.number}（第2版）；原第1版保留" in messages_of(page)
    html = panel(client, case)
    assert actions_row(html, reply) == ""  # the old version offers nothing any more
    assert "办理：登记送达 · 更正" in actions_row(html, new)
    # correcting the old version again is refused on the form
    before = snapshot()
    resp = client.post(correct_url(case, reply), {"reason": "再改"})
    assert resp.status_code == 200 and "已有更正版本（第2版），请在最新版本上更正" in resp.content.decode()
    assert snapshot() == before


def test_a_correction_needs_a_reason_and_the_permission(client, county, replied):
    case, docs = replied
    reply = docs[K.REPLY]
    before = snapshot()
    client.force_login(county.li)
    for reason, error in (("", "请填写更正原因"), ("  ", "请填写更正原因"), ("字" * 501, "更正原因最多 500 字")):
        resp = client.post(correct_url(case, reply), {"reason": reason})
        assert resp.status_code == 200 and error in resp.content.decode()
    client.force_login(county.zhao)
    resp = client.post(correct_url(case, reply), {"reason": "笔误"})
    assert resp.status_code == 403 and "不能更正" in resp.content.decode()
    client.force_login(county.wang)
    assert client.post(correct_url(case, reply), {"reason": "笔误"}).status_code == 404
    assert snapshot() == before


def test_a_corrected_receipt_keeps_what_the_delivery_was(client, county, replied):
    case, docs = replied
    notice = docs[K.ACCEPTANCE_NOTICE]
    ds.document_record_delivery(document=notice, actor=county.li, delivered_on=D(2026, 9, 5), method="in_person",
                                signer="陈大明")
    receipt = ds.document_issue(case=case, kind=K.DELIVERY_RECEIPT, actor=county.li,
                                extra=selectors.receipt_extra(notice, deliverer="李承办"))
    client.force_login(county.li)
    assert client.post(correct_url(case, receipt), {"reason": "送达人姓名有误"}).status_code == 302
    new = IssuedDocument.objects.get(supersedes=receipt)
    for key in ("document_title", "document_number", "delivered_on", "methods", "signer", "deliverer", "recipient"):
        assert new.data[key] == receipt.data[key], key


def test_a_corrected_refusal_still_names_the_competent_organ(client, petition, county):
    case = s.case_decline(case=petition(), actor=county.zhang, ground="属于市场监管职责", route="organ",
                          organ="县市场监督管理局", on=D(2026, 9, 2))
    refusal = case.documents.get(kind=K.REFUSAL_NOTICE)
    assert "县市场监督管理局" in refusal.data["redirect"]
    client.force_login(county.zhang)
    assert client.post(correct_url(case, refusal), {"reason": "文字笔误"}).status_code == 302
    assert IssuedDocument.objects.get(supersedes=refusal).data["redirect"] == refusal.data["redirect"]


# --- 签发 ------------------------------------------------------------------------------------------------------


def test_the_bureau_issues_the_transfer_once_after_routing(client, county, replied):
    case, _docs = replied
    client.force_login(county.zhang)
    resp = client.post(issue_url(case, "transfer"), {"on": "2026-12-10"})
    assert resp.status_code == 302 and resp["Location"].endswith("#documents")
    transfer = case.documents.get(kind=K.TRANSFER)
    assert transfer.issuing_unit == county.bureau and transfer.issued_on == D(2026, 12, 10)
    assert f"已签发转送单 {transfer.number}" in messages_of(client.get(resp["Location"]))
    assert "data-issue-documents" not in panel(client, case)  # one per routing
    before = snapshot()
    resp = client.post(issue_url(case, "transfer"), {"on": "2026-12-10"})
    assert resp.status_code == 403 and "当前不能对本件签发「转送单」" in resp.content.decode()
    assert snapshot() == before


def test_issuing_boundaries(client, county, replied):
    case, _docs = replied
    before = snapshot()
    resp = client.post(issue_url(case, "transfer"), {"on": "2026-12-10"})
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    client.force_login(county.li)  # the town did not route the item
    resp = client.post(issue_url(case, "transfer"), {"on": "2026-12-10"})
    assert resp.status_code == 403 and "转送单" in resp.content.decode()
    resp = client.post(issue_url(case, "supervision_letter"), {"on": "2026-12-10", "reply_by": "2026-12-20"})
    assert resp.status_code == 403
    # the documents of acts are never issued on their own, nor unknown kinds
    for kind in ("reply", "acceptance_notice", "delivery_receipt", "memo"):
        assert client.post(issue_url(case, kind), {"on": "2026-12-10"}).status_code == 404
    client.force_login(county.wang)
    assert client.post(issue_url(case, "reminder_letter"), {"on": "2026-12-10"}).status_code == 404
    client.force_login(county.zhao)
    assert client.get(issue_url(case, "reminder_letter")).status_code == 405
    assert snapshot() == before


def test_the_supervisor_writes_a_supervision_letter_and_a_reminder(client, county, replied):
    case, _docs = replied
    client.force_login(county.zhao)
    before = snapshot()
    for form, error in (
        ({"on": "2026-12-10"}, "请填写报告办理情况的期限"),
        ({"on": "2026-12-10", "reply_by": "2026-12-10"}, "应晚于成文日期"),
        ({"on": "2026-12-11", "reply_by": "2026-12-20"}, "成文日期 2026-12-11 晚于今天"),
        ({"on": "2026-08-01", "reply_by": "2026-12-20"}, "早于本件收到日期"),  # the service's rule
    ):
        resp = client.post(issue_url(case, "supervision_letter"), form)
        assert resp.status_code == 200 and error in resp.content.decode(), form
    assert snapshot() == before
    form = {"on": "2026-12-10", "reply_by": "2026-12-20", "note": "信访人多次来电反映进展缓慢。"}
    assert client.post(issue_url(case, "supervision_letter"), form).status_code == 302
    letter = case.documents.get(kind=K.SUPERVISION_LETTER)
    assert letter.issuing_unit == county.bureau  # the supervisor's own unit speaks
    assert letter.data["note"] == "信访人多次来电反映进展缓慢。" and letter.data["reply_by"] == "2026年12月20日"
    assert client.post(issue_url(case, "reminder_letter"), {"on": "2026-12-10"}).status_code == 302
    assert case.documents.filter(kind=K.REMINDER_LETTER).count() == 1
    # letters between organs are not 待送达 to a petitioner
    client.force_login(county.zhang)
    assert f'data-pending="{letter.pk}"' not in client.get(PENDING).content.decode()
    assert not selectors.pending_delivery(county.zhao).exists()


def test_the_objection_letter_is_issued_by_the_unit_that_objected(client, petition, county):
    case = drive(petition, county, Status.OBJECTION)
    assert case.current_unit == county.bureau  # the objection sent the item back to the bureau
    client.force_login(county.zhang)  # the bureau receives the letter; it does not write it
    assert 'data-issue="objection"' not in panel(client, case)
    assert client.post(issue_url(case, "objection"), {"on": "2026-12-10"}).status_code == 403
    client.force_login(county.li)  # 东街镇 objected: its 异议函 speaks for it
    assert 'data-issue="objection"' in panel(client, case)
    assert client.post(issue_url(case, "objection"), {"on": "2026-12-10"}).status_code == 302
    letter = case.documents.get(kind=K.OBJECTION)
    assert letter.issuing_unit == county.town and letter.issued_by == county.li
    assert 'data-issue="objection"' not in panel(client, case)  # one per objection


# --- 待送达 and 批量打印 ---------------------------------------------------------------------------------------


def test_pending_lists_the_units_undelivered_documents_to_petitioners(client, county, replied, petition):
    case, docs = replied
    ds.document_record_delivery(document=docs[K.EXTENSION_NOTICE], actor=county.li, delivered_on=D(2026, 10, 12),
                                method="post", signer="")
    corrected = ds.document_correct(document=docs[K.REPLY], actor=county.li, reason="笔误")
    transfer = ds.document_issue(case=case, kind=K.TRANSFER, actor=county.zhang)
    client.force_login(county.li)
    resp = client.get(PENDING)
    assert resp.status_code == 200
    html = resp.content.decode()
    listed = [int(pk) for pk in re.findall(r'data-pending="(\d+)"', html)]
    assert listed == [docs[K.ACCEPTANCE_NOTICE].pk, corrected.pk]  # by issuing date; the latest version only
    assert 'class="active">待送达</a>' in html
    assert f'name="ids" value="{corrected.pk}"' in html and "批量打印所选" in html and "全部打印（2 份）" in html
    assert "97 天" in html  # the notice of 9-04, still undelivered
    # the bureau's own list has none of the town's documents, nor its 转送单 (a letter between organs)
    client.force_login(county.zhang)
    html = client.get(PENDING).content.decode()
    assert "data-pending" not in html and transfer.number not in html and "本单位没有待送达的文书" in html
    # another unit sees none of them; the nav offers the list to staff who handle items only
    client.force_login(county.wang)
    html = client.get(PENDING).content.decode()
    assert case.number not in html and "data-pending" not in html and ">待送达</a>" in html


def test_pending_and_print_need_a_signed_in_user(client, replied):
    _case, docs = replied
    for url in (PENDING, f"{PRINT}?ids={docs[K.REPLY].pk}"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_batch_print_has_each_document_then_a_blank_receipt(client, county, replied):
    case, docs = replied
    notice, reply = docs[K.ACCEPTANCE_NOTICE], docs[K.REPLY]
    client.force_login(county.li)
    resp = client.get(PRINT, {"ids": [notice.pk, reply.pk, notice.pk, "x", "٣"]})
    assert resp.status_code == 200 and "no-store" in resp["Cache-Control"]
    html = resp.content.decode()
    sheets = re.findall(r'data-sheet="(\w+)" data-(?:document|receipt-for)="(\d+)"', html)
    assert sheets == [("document", str(notice.pk)), ("receipt", str(notice.pk)),
                      ("document", str(reply.pk)), ("receipt", str(reply.pk))]
    notice_sheet, notice_receipt, reply_sheet, reply_receipt = html.split('<article class="sheet"')[1:]
    assert notice.number in notice_sheet and "受理告知书" in notice_sheet
    assert reply.number in reply_sheet and "信访处理意见书" in reply_sheet and "责令施工单位于30日内足额支付" in reply_sheet
    # the receipts name the document and the addressee, and leave the delivery to be filled in by hand
    assert "<th>送达文书名称</th><td>受理告知书</td>" in notice_receipt
    assert f"<th>文书编号</th><td>{notice.number}</td>" in notice_receipt
    assert f"<th>文书编号</th><td>{reply.number}</td>" in reply_receipt
    assert "<th>受送达人</th><td>陈大明</td>" in reply_receipt
    assert "<th>送达日期</th><td></td>" in reply_receipt and "<th>受送达人签名</th><td></td>" in reply_receipt
    assert "□直接送达" in reply_receipt and "☑" not in reply_receipt
    # nothing is issued by printing; each printed document is logged once
    assert not case.documents.filter(kind=K.DELIVERY_RECEIPT).exists()
    assert PersonalDataAccess.objects.filter(user=county.li, purpose="打印文书").count() == 2
    # one page break before every sheet but the first, and nothing run inline (CSP)
    assert "documents/print.css" in html and "documents/print.js" in html
    assert html.count("<script") == html.count("<script src=")
    assert "data-left-out" not in html


def test_batch_print_leaves_out_what_the_user_may_not_print(client, county, petition, replied):
    case, docs = replied
    ids = [d.pk for d in docs.values()]
    client.force_login(county.wang)
    html = client.get(PRINT, {"ids": ids}).content.decode()
    assert "data-sheet" not in html and "另有 3 份未找到或您无权打印，已略过" in html
    assert case.number not in html
    assert not PersonalDataAccess.objects.filter(user=county.wang).exists()
    # the accused side of a 检举控告 gets none of its documents, and nothing is logged for them
    accusation = helpers.accusation(petition, county, accused_unit=county.village, received_on=D(2026, 11, 20))
    s.case_forward(case=accusation, actor=county.zhang, target=county.town, on=D(2026, 11, 21))
    s.case_sign(case=accusation, actor=county.li, on=D(2026, 11, 22))
    accusation = s.case_accept(case=accusation, actor=county.li, on=D(2026, 11, 23))
    notice = accusation.documents.get(kind=K.ACCEPTANCE_NOTICE)
    official = user_create(username="cun", password="Xinfang-2026", full_name="东街村干部", unit=county.village,
                           roles=[(Role.HANDLER, county.town)])
    client.force_login(official)
    html = client.get(PRINT, {"ids": [notice.pk]}).content.decode()
    assert "data-sheet" not in html and "陈大明" not in html
    assert not PersonalDataAccess.objects.filter(user=official).exists()
    assert notice.pk not in [d.pk for d in selectors.pending_delivery(official)]


def test_batch_print_without_a_choice_says_so(client, county, replied):
    client.force_login(county.li)
    html = client.get(PRINT).content.decode()
    assert "没有可打印的文书" in html and "data-sheet" not in html


# --- PDF -------------------------------------------------------------------------------------------------------


def test_without_libreoffice_there_is_no_pdf_link_and_the_address_says_why(client, county, replied, monkeypatch):
    case, docs = replied
    monkeypatch.setattr(pdf, "soffice_path", lambda: None)
    client.force_login(county.li)
    assert "data-pdf" not in panel(client, case)
    resp = client.get(pdf_url(case, docs[K.REPLY]))
    assert resp.status_code == 404 and resp.content.decode() == "本机未安装 LibreOffice，无法生成 PDF"
    assert not PersonalDataAccess.objects.filter(user=county.li, purpose="下载文书").exists()
    assert pdf.to_pdf(b"anything") is None


def test_pdf_boundaries(client, county, replied, monkeypatch):
    case, docs = replied
    doc = docs[K.REPLY]
    resp = client.get(pdf_url(case, doc))
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    client.force_login(county.wang)
    assert client.get(pdf_url(case, doc)).status_code == 404
    client.force_login(county.li)
    assert client.get(reverse("workbench:document_pdf", args=[case.pk, 999999])).status_code == 404
    # a conversion that fails says so and offers the other ways
    monkeypatch.setattr(pdf, "soffice_path", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(pdf, "to_pdf", lambda content: None)
    resp = client.get(pdf_url(case, doc))
    assert resp.status_code == 503 and "PDF 生成失败" in resp.content.decode()


@pytest.mark.skipif(pdf.soffice_path() is None, reason="本机未安装 LibreOffice")
def test_the_pdf_is_made_by_libreoffice(client, county, replied):
    from urllib.parse import quote

    case, docs = replied
    doc = docs[K.REPLY]
    client.force_login(county.li)
    assert f'href="{pdf_url(case, doc)}" data-pdf' in panel(client, case)
    resp = client.get(pdf_url(case, doc))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert resp["Content-Disposition"] == "inline; filename*=utf-8''" + quote(f"{doc.number}.pdf")
    assert PersonalDataAccess.objects.filter(user=county.li, purpose="下载文书").count() == 1


def _fake_soffice(tmp_path, monkeypatch, body: str) -> None:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pdf, "soffice_path", lambda: str(script))


def test_a_failing_conversion_gives_none(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, monkeypatch, "echo broken >&2; exit 3")
    assert pdf.to_pdf(b"PK") is None


def test_a_hung_conversion_is_stopped_and_gives_none(tmp_path, monkeypatch):
    from pathlib import Path

    pid_file = tmp_path / "child.pid"
    # Like soffice, the wrapper starts a child that does the work: the whole session must be stopped.
    _fake_soffice(tmp_path, monkeypatch, f"sleep 300 & echo $! > {pid_file}; wait")
    assert pdf.to_pdf(b"PK", timeout=0.5) is None
    stat_file = Path(f"/proc/{pid_file.read_text().strip()}/stat")
    # Gone, or a zombie waiting for a parent that reaps it: either way no longer running.
    assert not stat_file.exists() or stat_file.read_text().split(") ")[1].startswith("Z")


def test_soffice_is_found_on_the_path(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/lo/soffice" if name == "soffice" else None)
    assert pdf.soffice_path() == "/opt/lo/soffice"
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/libreoffice" if name == "libreoffice" else None)
    assert pdf.soffice_path() == "/usr/bin/libreoffice"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert pdf.soffice_path() is None
