"""申请复查/复核 on the portal: filed inside the window only (a late one is told when the window ended and
why), received on the day it was filed, decided in writing by the organ above — and by nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from tests.cases.helpers import D, drive
from tests.documents.conftest import docx_text
from xinfang.cases import requests
from xinfang.cases import services as s
from xinfang.cases.models import ReviewApplication
from xinfang.cases.states import Status
from xinfang.documents.models import DocumentKind as K
from xinfang.documents.selectors import document_content

pytestmark = pytest.mark.django_db
CASE, APPLY = "/portal/case/", "/portal/case/apply/"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    cache.clear()
    yield
    cache.clear()


def at(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 10, tzinfo=CST), tick=False)


@pytest.fixture
def delivered(petition, county):
    with at(2026, 10, 23):
        return drive(petition, county, Status.DELIVERED)  # reply delivered 2026-10-22: 复查 until 2026-11-23


def open_case(client, case):
    resp = client.post("/portal/", {"code": case.query_code, "phone_last4": "8000"})
    assert resp.status_code == 302


def decide_url(case, application):
    return f"/cases/{case.pk}/applications/{application.pk}/"


def test_a_request_inside_the_window_waits_for_the_review_organ_and_counts_from_its_filing_day(
    client, delivered, county
):
    with at(2026, 10, 26):
        open_case(client, delivered)
        page = client.get(CASE).content.decode()
        assert "2026年11月23日" in page and 'action="/portal/case/apply/"' in page
        assert client.post(APPLY, {"kind": "review", "reason": "对处理意见不服，工资仍未到账"}).status_code == 302
        # A second click finds the first request instead of filing twice.
        client.post(APPLY, {"kind": "review", "reason": "再次提交"})
        application = ReviewApplication.objects.get(case=delivered)
        assert application.state == "pending" and application.filed_on == D(2026, 10, 26)
        waiting = client.get(CASE).content.decode()
        assert "正在等待复查机关审查" in waiting and 'action="/portal/case/apply/"' not in waiting

    # The organ decides twelve days later — beyond the backdating window of staff entries — and the request
    # still counts as received on the day the petitioner filed it.
    with at(2026, 11, 7):
        staff = client.__class__()
        staff.force_login(county.county_head)
        assert f"/cases/{delivered.pk}/#applications" in staff.get("/applications/").content.decode()
        assert "对处理意见不服，工资仍未到账" in staff.get(f"/cases/{delivered.pk}/").content.decode()
        assert staff.post(decide_url(delivered, application), {"decision": "accept"}).status_code == 302
    delivered.refresh_from_db()
    application.refresh_from_db()
    assert delivered.status == Status.UNDER_REVIEW and application.state == "accepted"
    assert application.decided_by == county.county_head
    event = delivered.events.get(action="request_review")
    assert event.effective_on == D(2026, 10, 26)
    assert delivered.clocks.get(rule_code="review_request").on_time is True


def test_a_refusal_is_written_and_reaches_the_petitioner(client, delivered, county):
    with at(2026, 10, 26):
        open_case(client, delivered)
        client.post(APPLY, {"kind": "review", "reason": "要求追究施工单位负责人责任"})
        application = ReviewApplication.objects.get(case=delivered)
        staff = client.__class__()
        staff.force_login(county.county_head)
        short = staff.post(decide_url(delivered, application), {"decision": "refuse", "ground": "不行"}, follow=True)
        assert "不少于5个字" in short.content.decode()
        application.refresh_from_db()
        assert application.state == "pending" and not delivered.documents.filter(kind=K.REQUEST_REFUSAL_NOTICE)
        ground = "所提请求属于新的信访事项，不属于对原处理意见的复查请求，请另行提出信访事项"
        assert staff.post(decide_url(delivered, application), {"decision": "refuse", "ground": ground}).status_code == 302
        application.refresh_from_db()
        delivered.refresh_from_db()
        assert application.state == "refused" and delivered.status == Status.DELIVERED
        notice = delivered.documents.get(kind=K.REQUEST_REFUSAL_NOTICE)
        text = docx_text(document_content(notice))
        assert ground in text and "2026年10月26日" in text and "复查申请不予受理" in text
        assert "县人民政府" in text and "东街镇" not in text.split("\n")[-2]  # the review organ signs
        page = client.get(CASE).content.decode()
        assert f"/portal/case/documents/{notice.pk}.docx" in page and "不予受理，理由见书面告知书" in page
        # The window still runs: a corrected request can be filed.
        assert 'action="/portal/case/apply/"' in page


def test_a_late_request_is_refused_with_the_day_the_window_ended_and_nothing_is_stored(client, delivered):
    with at(2026, 11, 24):
        open_case(client, delivered)
        page = client.get(CASE).content.decode()
        assert 'action="/portal/case/apply/"' not in page
        assert "复查申请期限已于2026年11月23日届满" in page and "第三十五条" in page
        resp = client.post(APPLY, {"kind": "review", "reason": "对处理意见不服"})
        assert resp.status_code == 400
        body = resp.content.decode()
        assert "复查申请期限已于2026年11月23日届满" in body and "30日内" in body
    assert not ReviewApplication.objects.exists()


def test_bad_input_is_answered_in_chinese_and_stores_nothing(client, delivered):
    with at(2026, 10, 26):
        open_case(client, delivered)
        empty = client.post(APPLY, {"kind": "review", "reason": "   "})
        assert empty.status_code == 400 and "请写明您的请求和理由" in empty.content.decode()
        wrong = client.post(APPLY, {"kind": "appeal", "reason": "不服"})
        assert wrong.status_code == 400 and "申请类型无效" in wrong.content.decode()
        long = client.post(APPLY, {"kind": "review", "reason": "不" * 2001})
        assert long.status_code == 400 and "最多 2000 字" in long.content.decode()
        rereview = client.post(APPLY, {"kind": "rereview", "reason": "不服"})
        assert rereview.status_code == 400 and "尚未送达复查意见书" in rereview.content.decode()
    assert not ReviewApplication.objects.exists()
    with at(2026, 10, 26):
        fresh = client.__class__()
        assert fresh.post(APPLY, {"kind": "review", "reason": "不服"})["Location"] == "/portal/"
    assert not ReviewApplication.objects.exists()


def test_only_the_review_organ_decides(client, delivered, county):
    with at(2026, 10, 26):
        application = requests.application_file(case=delivered, kind="review", reason="不服处理意见")
        for user in (county.li, county.li_head, county.wang, county.zhang):
            c = client.__class__()
            c.force_login(user)
            assert "不服处理意见" not in c.get("/applications/").content.decode()
            resp = c.post(decide_url(delivered, application), {"decision": "accept"})
            assert resp.status_code == 404, user.username
        anonymous = client.__class__().post(decide_url(delivered, application), {"decision": "accept"})
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    application.refresh_from_db()
    assert application.state == "pending"


def test_the_daily_job_does_not_conclude_an_item_whose_request_waits(delivered, county):
    with at(2026, 11, 23):
        application = requests.application_file(case=delivered, kind="review", reason="不服处理意见")
    with at(2026, 11, 25):
        s.run_daily_tick()
        delivered.refresh_from_db()
        assert delivered.status == Status.DELIVERED
        requests.application_accept(application_id=application.pk, actor=county.county_head)
    delivered.refresh_from_db()
    assert delivered.status == Status.UNDER_REVIEW
    assert delivered.events.get(action="request_review").effective_on == D(2026, 11, 23)


def test_a_rereview_goes_to_the_organ_above_the_review_organ(client, petition, county):
    with at(2026, 11, 11):
        case = drive(petition, county, Status.REVIEW_DELIVERED)  # 复查意见 delivered 2026-11-10
        open_case(client, case)
        assert client.post(APPLY, {"kind": "rereview", "reason": "对复查意见仍不服"}).status_code == 302
        application = ReviewApplication.objects.get(case=case)
        county_staff = client.__class__()
        county_staff.force_login(county.county_head)
        assert county_staff.post(decide_url(case, application), {"decision": "accept"}).status_code == 404
        city = client.__class__()
        city.force_login(county.city_head)
        assert city.post(decide_url(case, application), {"decision": "accept"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.UNDER_REREVIEW and case.rereview_unit == county.city


def test_the_review_organs_head_hears_of_the_request_by_number_only(delivered, county):
    from xinfang.cases.models import Notification

    county.county.head = county.county_head
    county.county.save()
    with at(2026, 10, 26):
        requests.application_file(case=delivered, kind="review", reason="不服处理意见")
    note = Notification.objects.get(recipient=county.county_head, kind="application")
    assert delivered.number in note.message and "复查申请" in note.message
    assert delivered.title not in note.message and note.case_id == delivered.pk
