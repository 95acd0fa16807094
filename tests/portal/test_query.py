"""The petitioner's query: query code + last four digits of the phone → public stages, plain deadlines and
their own documents; nothing internal, nothing of another item; guessing is throttled."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.states import Status
from xinfang.documents.models import DocumentKind as K

pytestmark = pytest.mark.django_db
QUERY, CASE = "/portal/", "/portal/case/"


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 10, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield
    cache.clear()


def ask(client, case, last4="8000", code=None):
    return client.post(QUERY, {"code": code if code is not None else case.query_code, "phone_last4": last4})


def test_the_petitioner_sees_stages_deadlines_and_their_documents(client, petition, county):
    case = drive(petition, county, Status.DELIVERED)  # phone 13800138000, delivered 2026-10-22
    resp = ask(client, case, code=case.query_code.lower()[:5] + " " + case.query_code.lower()[5:])
    assert resp.status_code == 302 and resp["Location"] == CASE
    page = client.get(CASE).content.decode()
    assert case.number in page
    for stage in ("已收到您的信访事项", "已转送有权处理机关", "已受理，正在办理", "办理期限已依法延长", "处理意见书已送达"):
        assert stage in page, stage
    assert "您如不服处理意见，可以在2026年11月23日前书面申请复查。" in page
    reply = case.documents.get(kind=K.REPLY)
    assert reply.number in page and f"/portal/case/documents/{reply.pk}.docx" in page
    download = client.get(f"/portal/case/documents/{reply.pk}.docx")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    # Nothing internal: no staff names, no notes, no other petitioner data than the item's number.
    for secret in ("李承办", "李镇长", "张登记", "需补充调查", "110105", "13800138000"):
        assert secret not in page, secret


def test_a_wrong_code_and_a_wrong_phone_get_the_same_answer_and_open_nothing(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    wrong_phone = ask(client, case, last4="1234").content.decode()
    wrong_code = ask(client, case, code="ABCDEFGHJK").content.decode()
    assert "查询码或手机号后四位不正确" in wrong_phone and "查询码或手机号后四位不正确" in wrong_code
    assert client.get(CASE)["Location"] == QUERY
    resp = client.post(QUERY, {"code": case.query_code, "phone_last4": "12a4"})
    assert "请填写 4 位数字" in resp.content.decode()


def test_guessing_is_throttled_even_with_the_right_answer_after(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    for _ in range(10):
        assert ask(client, case, code="ABCDEFGHJK").status_code == 200
    blocked = ask(client, case)
    assert blocked.status_code == 429 and "尝试次数过多" in blocked.content.decode()
    assert client.get(CASE)["Location"] == QUERY


def test_documents_between_organs_and_other_items_documents_are_not_offered(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    other = drive(petition, county, Status.HANDLING)
    from xinfang.documents import services as ds

    transfer = ds.document_issue(case=case, kind=K.TRANSFER, actor=county.zhang, on=D(2026, 9, 2))
    ask(client, case)
    page = client.get(CASE).content.decode()
    assert transfer.number not in page
    assert client.get(f"/portal/case/documents/{transfer.pk}.docx").status_code == 404
    theirs = other.documents.get(kind=K.ACCEPTANCE_NOTICE)
    assert client.get(f"/portal/case/documents/{theirs.pk}.docx").status_code == 404


def test_an_accusation_shows_generic_stages_and_no_unit(client, petition, county):
    case = petition(claim_type="accusation", purpose="expose", accused_unit=county.village)
    case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    case = s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
    case = s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
    ask(client, case)
    page = client.get(CASE).content.decode()
    assert "已受理，正在办理" in page and "承办机关应在" in page
    for secret in ("东街镇", "已转送有权处理机关", "东街村"):
        assert secret not in page, secret


def test_leaving_forgets_the_item(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    ask(client, case)
    assert client.get(CASE).status_code == 200
    assert client.post("/portal/leave/").status_code == 302
    assert client.get(CASE)["Location"] == QUERY
    assert client.get("/portal/leave/").status_code == 405


def test_the_petitioner_evaluates_inside_the_window_once(client, petition, county):
    case = drive(petition, county, Status.DELIVERED)  # delivered 2026-10-22: the evaluation window runs
    ask(client, case)
    assert 'action="/portal/case/evaluate/"' in client.get(CASE).content.decode()
    bad = client.post("/portal/case/evaluate/", {"bureau": "satisfied"})
    assert bad.status_code == 400 and "请选择对办理单位的评价" in bad.content.decode()
    assert not case.evaluations.exists()
    too_long = client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "basic", "comment": "好" * 501})
    assert too_long.status_code == 400 and "意见最多 500 字" in too_long.content.decode()
    done = client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "unsatisfied", "comment": "工资仍未到账"})
    assert done.status_code == 302
    assert dict(case.evaluations.values_list("target", "value")) == {"bureau": "satisfied", "unit": "unsatisfied"}
    page = client.get(CASE).content.decode()
    assert "信访部门：满意" in page and 'action="/portal/case/evaluate/"' not in page
    again = client.post("/portal/case/evaluate/", {"bureau": "basic", "unit": "basic"})
    assert again.status_code == 400 and case.evaluations.count() == 2


def test_no_evaluation_before_delivery_and_none_without_a_query(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    assert client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "satisfied"})["Location"] == QUERY
    ask(client, case)
    assert 'action="/portal/case/evaluate/"' not in client.get(CASE).content.decode()
    refused = client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "satisfied"})
    assert refused.status_code == 400 and "不在评价期内" in refused.content.decode()
    assert not case.evaluations.exists()


def test_the_guide_states_the_periods_the_engine_computes_with(client, db):
    from xinfang.deadlines.calendar import PERIOD_UNIT_LABELS
    from xinfang.deadlines.models import DeadlineRule
    from xinfang.deadlines.services import get_rule

    page = client.get("/portal/guide/").content.decode()
    handling = get_rule("handling", dt.date(2026, 10, 23))
    unit = PERIOD_UNIT_LABELS[handling.unit]
    assert f"{handling.title}：{handling.days}{unit}（依法可延长，最多30日）" in page and handling.legal_basis in page
    review = get_rule("review_request", dt.date(2026, 10, 23))
    assert f"{review.title}：{review.days}" in page
    # A new version of a rule changes the guide with the engine.
    DeadlineRule.objects.create(code="handling", title=handling.title, effective_from=dt.date(2026, 10, 1), days=45,
                                unit=handling.unit, start_event=handling.start_event, legal_basis="地方规定（测试）")
    assert f"{handling.title}：45{unit}" in client.get("/portal/guide/").content.decode()


def test_an_unsatisfied_evaluation_asks_the_judged_unit_head_for_a_return_visit(client, petition, county):
    from xinfang.cases.models import Notification

    case = drive(petition, county, Status.DELIVERED)
    ask(client, case)
    client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "unsatisfied", "comment": "工资仍未到账"})
    visit = Notification.objects.get(kind="return_visit")
    assert visit.recipient == county.li_head and visit.case == case
    assert case.number in visit.message and "不满意" in visit.message
    assert "陈大明" not in visit.message and "工资仍未到账" not in visit.message


def test_a_satisfied_evaluation_asks_nobody(client, petition, county):
    from xinfang.cases.models import Notification

    case = drive(petition, county, Status.DELIVERED)
    ask(client, case)
    client.post("/portal/case/evaluate/", {"bureau": "satisfied", "unit": "basic"})
    assert not Notification.objects.filter(kind="return_visit").exists()
