"""Issuing, correcting and delivering documents, and the county's template versions (documents.services)."""

from __future__ import annotations

import hashlib

import pytest
import time_machine
from django.core.files.storage import default_storage

from tests.cases.helpers import D, drive
from tests.documents.conftest import docx_bytes, docx_text
from xinfang.cases import services as s
from xinfang.cases.models import CaseEvent
from xinfang.cases.states import Status
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.deadlines.services import compute_deadline
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentCounter, DocumentKind, DocumentTemplate, IssuedDocument

K = DocumentKind
pytestmark = pytest.mark.usefixtures("fake_renderer", "december_first")


@pytest.fixture
def handling(petition, county):
    county.town.doc_prefix = "东政信"
    county.town.save()
    return drive(petition, county, Status.HANDLING)


def stored(doc) -> bytes:
    with default_storage.open(doc.file.name, "rb") as fh:
        return fh.read()


def test_the_act_numbers_renders_stores_and_records_its_document(handling, county, fake_renderer):
    # drive() accepted the item on 2026-09-04 as 李承办: the 受理告知书 was issued by that act.
    doc = handling.documents.get()
    assert doc.kind == K.ACCEPTANCE_NOTICE
    assert doc.number == "东政信受〔2026〕1号" and doc.seq == 1 and doc.version == 1
    assert doc.issuing_unit == county.town and doc.issued_by == county.li
    assert doc.issued_on == D(2026, 9, 4) and doc.year == 2026
    assert doc.template_version == "builtin-1"
    content = stored(doc)
    assert doc.file.name == f"documents/{handling.number}/东政信受〔2026〕1号-v1.docx"
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    assert docx_text(content).startswith("东政信受〔2026〕1号|2026-09-04|acceptance_notice||")
    # The context used is kept with the row (dates as ISO text).
    assert doc.data["number"] == "东政信受〔2026〕1号" and doc.data["issued_on"] == "2026-09-04"
    accepted = CaseEvent.objects.get(case=handling, action="accept")
    event = CaseEvent.objects.get(case=handling, action="document_issued")
    assert event.pk > accepted.pk
    assert event.data == {"document_id": doc.pk, "kind": "acceptance_notice", "number": doc.number, "version": 1}
    assert event.actor == county.li and event.effective_on == D(2026, 9, 4)


def test_on_demand_documents_number_on_from_one_per_unit_and_kind(handling, county):
    first = ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao, on=D(2026, 11, 30))
    second = ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao)
    assert (first.number, first.issued_on) == ("信访督〔2026〕1号", D(2026, 11, 30))
    assert (second.number, second.issued_on) == ("信访督〔2026〕2号", D(2026, 12, 1))


def test_the_documents_of_acts_are_not_issued_on_their_own(handling, county):
    before = (IssuedDocument.objects.count(), list(DocumentCounter.objects.values_list("kind", "last")))
    for kind in (K.ACCEPTANCE_NOTICE, K.REFUSAL_NOTICE, K.NO_FURTHER_NOTICE, K.EXTENSION_NOTICE, K.REPLY,
                 K.REVIEW_DECISION, K.REREVIEW_DECISION, K.REQUEST_REFUSAL_NOTICE):
        with pytest.raises(ValidationFailed, match="一并出具，不能单独签发"):
            ds.document_issue(case=handling, kind=kind, actor=county.li)
    assert (IssuedDocument.objects.count(), list(DocumentCounter.objects.values_list("kind", "last"))) == before


def test_another_unit_may_not_issue_and_nothing_is_written(handling, county):
    before = IssuedDocument.objects.count()
    for actor, kind in [(county.wang, K.DELIVERY_RECEIPT), (county.li, K.SUPERVISION_LETTER),
                        (county.li, K.TRANSFER), (county.zhao, K.DELIVERY_RECEIPT)]:
        with pytest.raises(PermissionRefused, match="没有签发"):
            ds.document_issue(case=handling, kind=kind, actor=actor)
    assert IssuedDocument.objects.count() == before
    assert list(DocumentCounter.objects.values_list("kind", flat=True)) == ["acceptance_notice"]
    assert CaseEvent.objects.filter(action="document_issued").count() == before


def test_supervision_letter_speaks_for_the_supervisors_unit(handling, county):
    doc = ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao)
    assert doc.issuing_unit == county.bureau and doc.number == "信访督〔2026〕1号"


def test_bad_input_is_refused_in_chinese(handling, county):
    before = IssuedDocument.objects.count()
    with pytest.raises(ValidationFailed, match="未知的文书种类「notice」"):
        ds.document_issue(case=handling, kind="notice", actor=county.li)
    with pytest.raises(ValidationFailed, match="晚于今天"):
        ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao, on=D(2026, 12, 2))
    with pytest.raises(ValidationFailed, match="早于本件收到日期"):
        ds.document_issue(case=handling, kind=K.SUPERVISION_LETTER, actor=county.zhao, on=D(2026, 8, 31))
    assert IssuedDocument.objects.count() == before
    assert not DocumentCounter.objects.filter(kind=K.SUPERVISION_LETTER).exists()


def test_a_delivery_receipt_has_no_number_and_is_filed_by_kind_and_id(handling, county):
    doc = ds.document_issue(case=handling, kind=K.DELIVERY_RECEIPT, actor=county.li)
    assert doc.number == "" and doc.seq is None
    assert doc.file.name == f"documents/{handling.number}/delivery_receipt-{doc.pk}-v1.docx"
    assert doc.file_stem == f"delivery_receipt-{doc.pk}"


def test_correction_is_a_new_version_and_the_first_stays_unchanged(handling, county):
    first = handling.documents.get(kind=K.ACCEPTANCE_NOTICE)
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
    assert DocumentCounter.objects.get(unit=county.town, kind="acceptance_notice").last == 1


def test_correction_needs_a_reason_the_latest_version_and_the_right(handling, county):
    first = handling.documents.get(kind=K.ACCEPTANCE_NOTICE)
    with pytest.raises(ValidationFailed, match="请填写更正原因"):
        ds.document_correct(document=first, actor=county.li, reason="  ")
    with pytest.raises(PermissionRefused):
        ds.document_correct(document=first, actor=county.wang, reason="笔误")
    ds.document_correct(document=first, actor=county.li, reason="笔误")
    with pytest.raises(ValidationFailed, match="已有更正版本（第2版）"):
        ds.document_correct(document=first, actor=county.li, reason="再改")
    assert IssuedDocument.objects.count() == 2


def test_an_issued_row_cannot_be_saved_with_changes(handling, county):
    doc = handling.documents.get(kind=K.ACCEPTANCE_NOTICE)
    doc.number = "改号〔2026〕9号"
    with pytest.raises(RuntimeError, match="不能修改"):
        doc.save()
    with pytest.raises(RuntimeError, match="不能修改"):
        doc.save(update_fields=["number"])
    assert IssuedDocument.objects.get(pk=doc.pk).number == "东政信受〔2026〕1号"


def test_the_delivery_act_records_method_signer_and_the_last_day_to_ask_for_review(petition, county):
    case = drive(petition, county, Status.REPLIED)
    reply = case.documents.get(kind=K.REPLY)
    assert reply.delivered_on is None and case.opinions.get().document_number == reply.number
    case = s.case_deliver(case=case, actor=county.li, delivered_on=D(2026, 11, 4), method="直接送达", signer="陈大明")
    expected = compute_deadline("review_request", D(2026, 11, 4), rule_date=case.received_on, allow_provisional=True)
    fresh = IssuedDocument.objects.get(pk=reply.pk)
    assert fresh.remedy_last_day == expected.due == D(2026, 12, 4)
    assert (fresh.delivered_on, fresh.delivery_method, fresh.delivery_signer, fresh.remedy_provisional) == (
        D(2026, 11, 4), "in_person", "陈大明", False)
    # The file is the one issued: a delivery adds facts beside it, never into it.
    assert fresh.sha256 == reply.sha256 and hashlib.sha256(stored(fresh)).hexdigest() == reply.sha256


def test_the_delivery_act_needs_a_method_and_a_signer_in_person(petition, county):
    case = drive(petition, county, Status.REPLIED)
    with pytest.raises(ValidationFailed, match="请选择送达方式"):
        s.case_deliver(case=case, actor=county.li, delivered_on=D(2026, 11, 4))
    with pytest.raises(ValidationFailed, match="直接送达请填写签收人"):
        s.case_deliver(case=case, actor=county.li, delivered_on=D(2026, 11, 4), method="in_person")
    case.refresh_from_db()
    assert case.status == Status.REPLIED and case.reply_delivered_on is None
    assert case.documents.get(kind=K.REPLY).delivered_on is None


def test_recording_the_delivery_of_a_reply_performs_the_delivery_act(petition, county):
    case = drive(petition, county, Status.REPLIED)
    reply = case.documents.get(kind=K.REPLY)
    doc = ds.document_record_delivery(document=reply, actor=county.li, delivered_on=D(2026, 11, 4), method="post",
                                      signer="")
    case.refresh_from_db()
    assert case.status == Status.DELIVERED and case.reply_delivered_on == D(2026, 11, 4)
    assert doc.delivered_on == D(2026, 11, 4) and doc.remedy_last_day == D(2026, 12, 4)
    assert case.clocks.filter(rule_code="review_request").exists()


def test_a_remedy_reaching_an_unconfirmed_year_is_stored_as_provisional(petition, county):
    # 2027's holiday schedule is not confirmed in the test database: the date is counted and marked 暂定.
    case = drive(petition, county, Status.REPLIED)
    s.case_deliver(case=case, actor=county.li, delivered_on=D(2026, 12, 1), method="electronic")
    doc = case.documents.get(kind=K.REPLY)
    assert doc.remedy_last_day == D(2026, 12, 31) and doc.remedy_provisional is False
    later = drive(petition, county, Status.REPLIED)
    with time_machine.travel("2026-12-20 10:00:00+08:00", tick=False):
        s.case_deliver(case=later, actor=county.li, delivered_on=D(2026, 12, 20), method="post")
    doc = later.documents.get(kind=K.REPLY)
    assert doc.remedy_provisional is True and doc.remedy_last_day.year == 2027


def test_a_review_decision_is_delivered_with_its_act_under_the_rereview_rule(petition, county):
    case = drive(petition, county, Status.REVIEW_DELIVERED)  # decided and delivered by post on 2026-11-10
    doc = case.documents.get(kind=K.REVIEW_DECISION)
    assert doc.issuing_unit == county.county and doc.delivered_on == D(2026, 11, 10)
    assert doc.remedy_last_day == compute_deadline("rereview_request", D(2026, 11, 10), allow_provisional=True).due
    assert case.opinions.get(stage="review").document_number == doc.number


def test_delivery_is_recorded_once_and_checked(handling, county):
    doc = handling.documents.get(kind=K.ACCEPTANCE_NOTICE)  # issued 2026-09-04
    with pytest.raises(ValidationFailed, match="晚于今天"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 12, 2), method="post",
                                    signer="")
    with pytest.raises(ValidationFailed, match="早于成文日期"):
        ds.document_record_delivery(document=doc, actor=county.li, delivered_on=D(2026, 9, 3), method="post",
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


def test_upload_template_versions_and_the_issue_uses_the_active_one(petition, county, admin_user, fake_renderer):
    first = ds.document_upload_template(kind=K.REPLY, file_bytes=docx_bytes("县版模板一"), actor=admin_user,
                                        note="加盖印章位置调整")
    second = ds.document_upload_template(kind=K.REPLY, file_bytes=docx_bytes("县版模板二"), actor=admin_user)
    assert (first.version, second.version) == (1, 2)
    assert list(DocumentTemplate.objects.filter(kind=K.REPLY, is_active=True)) == [second]
    assert DocumentTemplate.objects.get(pk=first.pk).file.name.endswith("reply-v1.docx")

    case = drive(petition, county, Status.DELIVERED)
    doc = case.documents.get(kind=K.REPLY)
    assert doc.template_version == "county-2"
    assert [docx_text(template) for kind, _, template in fake_renderer if kind == K.REPLY][-1] == "县版模板二"
    other = case.documents.get(kind=K.ACCEPTANCE_NOTICE)
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

