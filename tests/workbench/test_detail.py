"""案件详情, actions and attachments: what each persona sees and may do, through the real views."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.cases.helpers import drive
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent, PersonalDataAccess
from xinfang.cases.states import Status

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 evidence"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def detail(case):
    return reverse("workbench:case_detail", args=[case.pk])


def action(case, code):
    return reverse("workbench:case_action", args=[case.pk, code])


def test_anonymous_redirected_to_login(client, petition):
    case = petition()
    resp = client.get(detail(case))
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_other_unit_gets_404_for_page_action_and_attachment(client, petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    att = s.case_add_attachment(case=case, actor=county.zhang, upload=s.UploadInput("证据.pdf", PDF))
    client.force_login(county.wang)
    assert client.get(detail(case)).status_code == 404
    assert client.get(action(case, "sign")).status_code == 404
    assert client.post(action(case, "sign"), {"on": "2026-09-03", "confirm": "on"}).status_code == 404
    url = reverse("workbench:attachment", args=[case.pk, att.pk])
    assert client.get(url).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN


def test_detail_shows_fields_timeline_clocks_and_only_allowed_actions(client, petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    client.force_login(county.li)
    html = client.get(detail(case)).content.decode()
    assert case.number in html and "东街村道路硬化工程拖欠工人工资" in html
    assert "陈大明" in html and "11010519491231002X" in html
    assert "登记（信访部门收件）" in html and "转送" in html  # timeline
    assert "为什么是这一天" in html and "异议期" in html
    assert "自次日起计算 5 个工作日" in html  # the deadline engine's explanation
    assert 'data-action="sign"' in html and 'data-action="object"' in html
    assert 'data-action="forward"' not in html and 'data-action="extend"' not in html
    assert PersonalDataAccess.objects.filter(user=county.li, case=case).exists()


def test_action_needs_confirmation_and_keeps_input(client, petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    client.force_login(county.li)
    resp = client.post(action(case, "object"), {"reason": "该事项属县住建局职责，不属本镇", "on": "2026-09-03"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "请勾选确认后再提交" in html and "该事项属县住建局职责，不属本镇" in html
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN


def test_service_refusal_shown_and_nothing_changes(client, petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    client.force_login(county.li)
    resp = client.post(action(case, "object"), {"reason": "该事项属县住建局职责，不属本镇", "on": "2026-09-10", "confirm": "on"})
    assert resp.status_code == 200 and "异议期限已过" in resp.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN


def test_forward_assign_needs_due_date(client, petition, county):
    case = petition()
    client.force_login(county.zhang)
    resp = client.post(action(case, "forward"), {"target": county.town.pk, "assign": "on", "on": "2026-09-02", "confirm": "on"})
    assert "交办须指定办理期限" in resp.content.decode()
    resp = client.post(action(case, "forward"), {"target": county.town.pk, "on": "2026-09-02", "confirm": "on"})
    assert resp.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN


def test_full_path_through_the_pages(client, petition, county):
    case = petition()
    client.force_login(county.zhang)
    assert client.post(action(case, "forward"), {"target": county.town.pk, "on": "2026-09-02", "confirm": "on"}).status_code == 302
    client.force_login(county.li)
    assert client.post(action(case, "sign"), {"on": "2026-09-03", "confirm": "on"}).status_code == 302
    assert client.post(action(case, "accept"), {"procedure": "normal", "on": "2026-09-04", "confirm": "on"}).status_code == 302
    client.force_login(county.li_head)
    resp = client.post(action(case, "extend"), {"days": "31", "reason": "需补充调查", "on": "2026-10-10", "confirm": "on"})
    assert "延长期限不得超过30日" in resp.content.decode()
    assert client.post(action(case, "extend"), {"days": "30", "reason": "需补充调查", "on": "2026-10-10", "confirm": "on"}).status_code == 302
    client.force_login(county.li)
    reply = {
        "request_summary": "支付工资", "facts": "经查属实", "opinion": "责令支付",
        "legal_basis": "《保障农民工工资支付条例》", "on": "2026-10-20", "confirm": "on",
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "1000",
        "items-0-request": "支付工资3万元", "items-0-outcome": "support",
        "items-1-request": "赔偿误工费", "items-1-outcome": "reject", "items-1-explanation": "无依据",
    }
    assert client.post(action(case, "reply"), reply).status_code == 302
    resp = client.post(action(case, "deliver"), {"on": "2026-10-22", "confirm": "on"})
    assert "请选择送达方式" in resp.content.decode()
    resp = client.post(action(case, "deliver"), {"on": "2026-10-22", "method": "in_person", "confirm": "on"})
    assert "直接送达请填写签收人" in resp.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REPLIED
    assert client.post(action(case, "deliver"), {"on": "2026-10-22", "method": "in_person", "signer": "陈大明",
                                                  "confirm": "on"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DELIVERED and case.extension_days == 30
    assert sorted(case.opinions.get().items.values_list("outcome", flat=True)) == ["reject", "support"]
    # Each act issued its written document; the reply records its delivery and the last day to ask for review.
    kinds = list(case.documents.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["acceptance_notice", "extension_notice", "reply"]
    reply_doc = case.documents.get(kind="reply")
    assert (reply_doc.delivered_on, reply_doc.delivery_method, reply_doc.delivery_signer) == (
        dt.date(2026, 10, 22), "in_person", "陈大明")
    assert reply_doc.remedy_last_day == dt.date(2026, 11, 23)
    assert case.opinions.get().document_number == reply_doc.number != ""
    page = client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    assert "复查申请最迟于 2026-11-23 前提出" in page
    # a late 复查 request is recorded and refused with its reason, shown as a warning
    client.force_login(county.county_head)
    resp = client.post(action(case, "request_review"), {"on": "2026-11-24", "reason": "不服", "confirm": "on"}, follow=True)
    assert "不予受理" in resp.content.decode()
    assert CaseEvent.objects.filter(case=case, action="refuse_review").exists()


def test_forged_action_url_is_404(client, petition, county):
    case = petition()
    client.force_login(county.zhang)
    assert client.get(action(case, "sign")).status_code == 404  # not a legal move now
    assert client.get(action(case, "teleport")).status_code == 404


def test_accused_unit_sees_no_identity_no_materials(client, petition, county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import grant_role

    case = petition(
        claim_type="accusation", purpose="expose", accused_unit=county.housing, accused_person="某科长",
        title="举报县住建局某科长索要好处费", attachments=[s.UploadInput("转账记录.pdf", PDF)],
    )
    grant_role(user=county.housing_handler, role=Role.SUPERVISOR, unit=county.county)
    client.force_login(county.housing_handler)
    html = client.get(detail(case)).content.decode()
    assert "陈大明" not in html and "11010519491231002X" not in html and "13800138000" not in html
    assert "转账记录" not in html and "依法保密" in html
    att = case.attachments.get()
    assert client.get(reverse("workbench:attachment", args=[case.pk, att.pk])).status_code == 404
    # the registrar sees everything and downloading is logged
    client.force_login(county.zhang)
    resp = client.get(reverse("workbench:attachment", args=[case.pk, att.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert "attachment" in resp["Content-Disposition"]
    assert PersonalDataAccess.objects.filter(user=county.zhang, case=case, purpose="下载附件").exists()
