"""Issuing, correcting and delivering documents, and the county's template versions (documents.services)."""

from __future__ import annotations

import hashlib

import pytest
import time_machine
from django.core.files.storage import default_storage

from tests.cases.helpers import D, drive
from tests.documents.conftest import docx_bytes, docx_text
from xinfang.cases.models import CaseEvent
from xinfang.cases.states import Status
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.deadlines.services import compute_deadline
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentCounter, DocumentKind, DocumentTemplate, IssuedDocument

K = DocumentKind
pytestmark = pytest.mark.usefixtures("fake_renderer")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-12-01 10:00:00+08:00", tick=False):
        yield


@pytest.fixture
def handling(petition, county):
    county.town.doc_prefix = "东政信"
    county.town.save()
    return drive(petition, county, Status.HANDLING)


def stored(doc) -> bytes:
    with default_storage.open(doc.file.name, "rb") as fh:
        return fh.read()


def test_issue_numbers_renders_stores_and_records_the_document(handling, county, fake_renderer):
    doc = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, extra={"body": "责令支付"},
                            on=D(2026, 11, 30))
    assert doc.number == "东政信处〔2026〕1号" and doc.seq == 1 and doc.version == 1
    assert doc.issuing_unit == county.town and doc.issued_by == county.li
    assert doc.issued_on == D(2026, 11, 30) and doc.year == 2026
    assert doc.template_version == "builtin-1"
    content = stored(doc)
    assert doc.file.name == f"documents/{handling.number}/东政信处〔2026〕1号-v1.docx"
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    assert docx_text(content).startswith("东政信处〔2026〕1号|2026-11-30|reply|责令支付|")
    # The context used is kept with the row (dates as ISO text).
    assert doc.data["number"] == "东政信处〔2026〕1号" and doc.data["issued_on"] == "2026-11-30"
    event = CaseEvent.objects.get(case=handling, action="document_issued")
    assert event.data == {"document_id": doc.pk, "kind": "reply", "number": doc.number, "version": 1}
    assert event.actor == county.li and event.effective_on == D(2026, 11, 30)
    second = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li)
    assert second.number == "东政信处〔2026〕2号" and second.issued_on == D(2026, 12, 1)


def test_another_unit_may_not_issue_and_nothing_is_written(handling, county):
    for actor, kind in [(county.wang, K.REPLY), (county.zhao, K.REPLY), (county.li, K.REVIEW_DECISION),
                        (county.li, K.TRANSFER)]:
        with pytest.raises(PermissionRefused, match="没有签发"):
            ds.document_issue(case=handling, kind=kind, actor=actor)
    assert not IssuedDocument.objects.exists()
    assert not DocumentCounter.objects.exists()
    assert not CaseEvent.objects.filter(action="document_issued").exists()


def test_supervision_letter_speaks_for_the_supervisors_unit(handling, county):
    doc = ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao)
    assert doc.issuing_unit == county.bureau and doc.number == "信访督〔2026〕1号"


def test_bad_input_is_refused_in_chinese(handling, county):
    with pytest.raises(ValidationFailed, match="未知的文书种类「notice」"):
        ds.document_issue(case=handling, kind="notice", actor=county.li)
    with pytest.raises(ValidationFailed, match="晚于今天"):
        ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, on=D(2026, 12, 2))
    with pytest.raises(ValidationFailed, match="早于本件收到日期"):
        ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, on=D(2026, 8, 31))
    assert not IssuedDocument.objects.exists() and not DocumentCounter.objects.exists()


def test_a_delivery_receipt_has_no_number_and_is_filed_by_kind_and_id(handling, county):
    doc = ds.document_issue(case=handling, kind=K.DELIVERY_RECEIPT, actor=county.li)
    assert doc.number == "" and doc.seq is None
    assert doc.file.name == f"documents/{handling.number}/delivery_receipt-{doc.pk}-v1.docx"
    assert doc.file_stem == f"delivery_receipt-{doc.pk}"


def test_correction_is_a_new_version_and_the_first_stays_unchanged(handling, county):
    first = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, extra={"body": "第一稿"})
    first_bytes, first_hash, first_name = stored(first), first.sha256, first.file.name

    second = ds.document_correct(document=first, actor=county.li_head, reason="金额笔误", extra={"body": "更正稿"})
    assert (second.number, second.seq, second.version) == (first.number, first.seq, 2)
    assert second.supersedes == first and second.correction_reason == "金额笔误"
    assert second.file.name == f"documents/{handling.number}/{first.number}-v2.docx"
    assert second.file_stem == f"{first.number}-v2"
    assert "更正稿" in docx_text(stored(second)) and second.sha256 != first_hash

    again = IssuedDocument.objects.get(pk=first.pk)
    assert (again.sha256, again.file.name, again.version) == (first_hash, first_name, 1)
    assert stored(again) == first_bytes and hashlib.sha256(stored(again)).hexdigest() == first_hash
    assert IssuedDocument.objects.filter(case=handling).count() == 2
    event = CaseEvent.objects.get(case=handling, action="document_corrected")
    assert event.data["supersedes_id"] == first.pk and event.data["version"] == 2
    # The counter is not touched by a correction.
    assert DocumentCounter.objects.get(unit=county.town, kind="reply").last == 1


def test_correction_needs_a_reason_the_latest_version_and_the_right(handling, county):
    first = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li)
    with pytest.raises(ValidationFailed, match="请填写更正原因"):
        ds.document_correct(document=first, actor=county.li, reason="  ")
    with pytest.raises(PermissionRefused):
        ds.document_correct(document=first, actor=county.wang, reason="笔误")
    ds.document_correct(document=first, actor=county.li, reason="笔误")
    with pytest.raises(ValidationFailed, match="已有更正版本（第2版）"):
        ds.document_correct(document=first, actor=county.li, reason="再改")
    assert IssuedDocument.objects.count() == 2


def test_an_issued_row_cannot_be_saved_with_changes(handling, county):
    doc = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li)
    doc.number = "改号〔2026〕9号"
    with pytest.raises(RuntimeError, match="不能修改"):
        doc.save()
    with pytest.raises(RuntimeError, match="不能修改"):
        doc.save(update_fields=["number"])
    assert IssuedDocument.objects.get(pk=doc.pk).number == "东政信处〔2026〕1号"


def test_delivery_of_a_reply_stores_the_last_day_to_ask_for_review(handling, county):
    doc = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, on=D(2026, 11, 2))
    doc = ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 4),
                                      method="直接送达", signer="陈大明")
    expected = compute_deadline("review_request", D(2026, 11, 4), rule_date=handling.received_on,
                                allow_provisional=True)
    assert doc.remedy_last_day == expected.due == D(2026, 12, 4)
    assert doc.delivery_method == "in_person" and doc.delivery_signer == "陈大明"
    fresh = IssuedDocument.objects.get(pk=doc.pk)
    assert (fresh.delivered_on, fresh.remedy_last_day, fresh.remedy_provisional) == (
        D(2026, 11, 4), D(2026, 12, 4), False)


def test_a_remedy_reaching_an_unconfirmed_year_is_stored_as_provisional(handling, county):
    # 2027's holiday schedule is not confirmed in the test database: the date is counted and marked 暂定.
    doc = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li, on=D(2026, 11, 30))
    doc = ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 12, 1),
                                      method="electronic", signer="")
    assert doc.remedy_last_day == D(2026, 12, 31) and doc.remedy_provisional is False
    later = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li)
    with time_machine.travel("2026-12-20 10:00:00+08:00", tick=False):
        later = ds.document_record_delivery(document=later, actor=county.li, delivered_on=D(2026, 12, 20),
                                            method="post", signer="")
    assert later.remedy_provisional is True and later.remedy_last_day.year == 2027


def test_delivery_of_a_review_decision_uses_the_rereview_rule(petition, county):
    case = drive(petition, county, Status.UNDER_REVIEW)
    doc = ds.document_issue(case=case, kind=K.REVIEW_DECISION, actor=county.county_head, on=D(2026, 11, 9))
    doc = ds.document_record_delivery(document=doc, actor=county.county_head, delivered_on=D(2026, 11, 10),
                                      method="post", signer="")
    assert doc.remedy_last_day == compute_deadline("rereview_request", D(2026, 11, 10), allow_provisional=True).due


def test_delivery_is_recorded_once_and_checked(handling, county):
    doc = ds.document_issue(case=handling, kind=K.ACCEPTANCE_NOTICE, actor=county.li, on=D(2026, 11, 20))
    with pytest.raises(ValidationFailed, match="晚于今天"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 12, 2), method="post",
                                    signer="")
    with pytest.raises(ValidationFailed, match="早于成文日期"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 19), method="post",
                                    signer="")
    with pytest.raises(ValidationFailed, match="送达方式「传真」无效"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 21), method="传真",
                                    signer="")
    with pytest.raises(ValidationFailed, match="直接送达请填写签收人"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 21),
                                    method="in_person", signer=" ")
    with pytest.raises(PermissionRefused):
        ds.document_record_delivery(document=doc, actor=county.wang, delivered_on=D(2026, 11, 21), method="post",
                                    signer="")
    assert IssuedDocument.objects.get(pk=doc.pk).delivered_on is None

    done = ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 21),
                                       method="留置", signer="村委会主任 王五")
    assert done.remedy_last_day is None  # an acceptance notice opens no remedy period
    with pytest.raises(ValidationFailed, match="已于 2026-11-21 登记送达"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 11, 22), method="post",
                                    signer="")
    fresh = IssuedDocument.objects.get(pk=doc.pk)
    assert (fresh.delivered_on, fresh.delivery_method) == (D(2026, 11, 21), "left")


def test_upload_template_versions_and_the_issue_uses_the_active_one(handling, county, admin_user, fake_renderer):
    first = ds.document_upload_template(kind=K.REPLY, file_bytes=docx_bytes("县版模板一"), actor=admin_user,
                                        note="加盖印章位置调整")
    second = ds.document_upload_template(kind=K.REPLY, file_bytes=docx_bytes("县版模板二"), actor=admin_user)
    assert (first.version, second.version) == (1, 2)
    assert list(DocumentTemplate.objects.filter(kind=K.REPLY, is_active=True)) == [second]
    assert DocumentTemplate.objects.get(pk=first.pk).file.name.endswith("reply-v1.docx")

    doc = ds.document_issue(case=handling, kind=K.REPLY, actor=county.li)
    assert doc.template_version == "county-2"
    assert docx_text(fake_renderer[-1][2]) == "县版模板二"
    other = ds.document_issue(case=handling, kind=K.ACCEPTANCE_NOTICE, actor=county.li)
    assert other.template_version == "builtin-1"


def test_upload_template_is_for_administrators_and_only_takes_docx(county, admin_user):
    with pytest.raises(PermissionRefused, match="系统管理员"):
        ds.document_upload_template(kind=K.REPLY, file_bytes=docx_bytes("x"), actor=county.zhang)
    with pytest.raises(ValidationFailed, match="不是有效的 .docx"):
        ds.document_upload_template(kind=K.REPLY, file_bytes=b"PK\x03\x04 not really", actor=admin_user)
    with pytest.raises(ValidationFailed, match="空的"):
        ds.document_upload_template(kind=K.REPLY, file_bytes=b"", actor=admin_user)
    with pytest.raises(ValidationFailed, match="未知的文书种类"):
        ds.document_upload_template(kind="memo", file_bytes=docx_bytes("x"), actor=admin_user)
    assert not DocumentTemplate.objects.exists()

