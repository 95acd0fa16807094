"""检举控告 secrecy and the disclosure door through the real pages: the item page's related items, registration
at the accused unit, side doors (reply check, search, suggestions), the access log page and the administrator.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.cases import helpers
from tests.cases.helpers import D
from xinfang.cases import services as s
from xinfang.cases.models import Case, PersonalDataAccess
from xinfang.cases.states import Status
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import grant_role, user_create

pytestmark = pytest.mark.django_db

ID_CHEN = "11010519491231002X"
LOG = "/audit/access-log/"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def detail(case):
    return reverse("workbench:case_detail", args=[case.pk])


def accusation(petition, county, **overrides):
    return helpers.accusation(petition, county, **{"received_on": D(2026, 11, 20), **overrides})


@pytest.fixture
def auditor(county):
    return user_create(username="shenji", password="Xinfang-2026", full_name="审计员", unit=county.bureau,
                       roles=[(Role.AUDITOR, county.county)])


@pytest.fixture
def administrator(county):
    return user_create(username="admin", password="Xinfang-2026", full_name="系统管理员", unit=county.bureau,
                       roles=[(Role.ADMINISTRATOR, county.city)], is_staff=True, is_superuser=True)


# --- the tester's repro ---------------------------------------------------------------------------------------


def test_accused_township_never_sees_the_later_accusation_on_the_earlier_item(client, petition, county):
    appeal = petition()
    s.case_forward(case=appeal, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    # The same petitioner later accuses the township; the registrar links it to the appeal's number.
    client.force_login(county.zhang)
    later = accusation(petition, county, earlier_items=[appeal])
    assert f"后续：<a href=\"{detail(later)}\">{later.number}</a>" in client.get(detail(appeal)).content.decode()

    for user in (county.li, county.li_head, county.town_secretary):
        client.force_login(user)
        html = client.get(detail(appeal)).content.decode()
        assert "陈大明" in html  # the appeal itself is theirs
        assert later.number not in html and "低保" not in html and "后续" not in html, user.username
        assert client.get(detail(later)).status_code == 404


# --- registration at the accused unit ---------------------------------------------------------------------


def test_registering_an_accusation_against_ones_own_unit_hands_it_on(client, county):
    from tests.workbench.test_register_page import form_data

    client.force_login(county.li)
    data = form_data(county, claim_type="accusation", purpose="expose", accused_unit=str(county.town.pk),
                     accused_person="某副镇长", title="举报东街镇副镇长")
    resp = client.post("/cases/new/", data)
    assert resp.status_code == 302 and resp["Location"] == "/cases/new/"
    case = Case.objects.get()
    assert case.registering_unit == county.town and case.current_unit == county.discipline
    shown = [str(m) for m in get_messages(resp.wsgi_request)]
    assert any("已依法移交「县纪委监委」" in m for m in shown)
    assert client.get(detail(case)).status_code == 404


def test_registration_page_requires_the_accused_unit_or_unknown(client, county):
    from tests.workbench.test_register_page import form_data

    client.force_login(county.zhang)
    data = form_data(county, claim_type="accusation", purpose="expose", title="举报某干部")
    resp = client.post("/cases/new/", data)
    assert resp.status_code == 200 and "被反映单位不明" in resp.content.decode()
    assert not Case.objects.exists()
    data["accused_unit_unknown"] = "on"
    assert client.post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.accused_unit is None and case.accused_unit_unknown
    html = client.get(detail(case)).content.decode()
    assert "不明" in html and "确定被反映单位" in html
    # the item page's form sets it, through the service
    url = reverse("workbench:case_set_accused_unit", args=[case.pk])
    client.force_login(county.wang)
    assert client.post(url, {"accused_unit": county.town.pk}).status_code == 404
    client.force_login(county.zhang)
    assert client.post(url, {"accused_unit": "x"}).status_code == 302
    assert Case.objects.get().accused_unit_unknown
    assert client.post(url, {"accused_unit": county.town.pk, "accused_person": "某村干部"}).status_code == 302
    case = Case.objects.get()
    assert case.accused_unit == county.town and not case.accused_unit_unknown


# --- side doors for a user on the accused side who can open the item -------------------------------------


@pytest.fixture
def masked(petition, county, calendar_2027):
    """An accusation against 东街村, handled at 东街镇 by a village official who also handles for the town."""
    earlier = petition(title="东街镇低保评定不公", content="东街镇把低保名额给了干部亲属，请求重新评定低保名额。",
                       received_on=D(2026, 10, 8))
    s.case_forward(case=earlier, actor=county.zhang, target=county.town, on=D(2026, 10, 9))
    case = accusation(petition, county, accused_unit=county.village, title="举报东街村干部",
                      content="东街村村干部张某把低保名额给了亲属，请求调查低保名额分配。")
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 21))
    s.case_sign(case=case, actor=county.li, on=D(2026, 11, 22))
    s.case_accept(case=case, actor=county.li, on=D(2026, 11, 23))
    official = user_create(username="cun", password="Xinfang-2026", full_name="东街村干部", unit=county.village,
                           roles=[(Role.HANDLER, county.town)])
    return Case.objects.get(pk=case.pk), official, earlier


def test_reply_check_refuses_the_accused_side(client, county, masked):
    case, official, _ = masked
    url = reverse("workbench:reply_check", args=[case.pk])
    draft = {"request_summary": "有关问题", "facts": "已收悉", "opinion": "已研究", "legal_basis": "有关规定"}
    client.force_login(official)
    resp = client.post(url, draft)
    assert resp.status_code == 403
    assert "陈大明" not in resp.content.decode() and "低保" not in resp.content.decode()
    client.force_login(county.li)
    assert client.post(url, draft).json()["checked"] is True


def test_suggestions_and_search_never_use_the_hidden_text(client, county, masked):
    case, official, earlier = masked
    client.force_login(county.li)
    repeats = client.get(reverse("workbench:case_suggestions", args=[case.pk])).json()["repeats"]
    assert earlier.pk in [r["id"] for r in repeats]  # the hidden text does rank items for others ...
    client.force_login(official)
    data = client.get(reverse("workbench:case_suggestions", args=[case.pk])).json()
    assert data["repeats"] == [] and data["units"] == [] and data["category"] is None  # ... never for the accused
    # the list shows the item masked, and neither the accuser's name nor a content word finds it
    listed = client.get("/cases/").content.decode()
    assert case.number in listed and "陈大明" not in listed.split(case.number)[1].split("</tr>")[0]
    for q in ("陈大明", ID_CHEN, "13800138000", "亲属"):
        rows = client.get("/cases/", {"q": q}).context["rows"]
        assert case.pk not in [r.case.pk for r in rows], q
    client.force_login(county.li)
    assert case.pk in [r.case.pk for r in client.get("/cases/", {"q": "亲属"}).context["rows"]]


# --- the access log page -------------------------------------------------------------------------------------


def test_access_log_page_only_for_auditors(client, petition, county, auditor, administrator):
    case = petition()
    client.force_login(county.zhang)
    client.get(detail(case))
    client.get("/cases/export.xlsx")
    assert client.get(LOG).status_code == 404
    for user in (county.wang, county.zhao, administrator):
        client.force_login(user)
        assert client.get(LOG).status_code == 404, user.username
    client.logout()
    assert client.get(LOG).status_code == 302

    client.force_login(auditor)
    resp = client.get(LOG)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert case.number in html and "查看案件详情" in html and "导出台账" in html and "张登记" in html
    assert "陈大明" not in html and ID_CHEN not in html  # the log holds no personal data itself
    rows = resp.context["page"].object_list
    assert {r.purpose for r in rows} >= {"查看案件详情", "导出台账"}
    # filters: by user and by date; a bad date is a message, not an error page
    assert not client.get(LOG, {"user": "wang"}).context["page"].object_list
    assert client.get(LOG, {"user": "zhang", "date_from": "2026-11-26", "date_to": "2026-11-26"}).context["page"].object_list
    assert not client.get(LOG, {"date_from": "2026-11-27"}).context["page"].object_list
    bad = client.get(LOG, {"date_from": "昨天"})
    assert bad.status_code == 200 and "开始日期格式" in bad.content.decode()
    bad = client.get(LOG, {"date_from": "2026-11-27", "date_to": "2026-11-01"})
    assert "结束日期不能早于开始日期" in bad.content.decode()
    # the auditor opens no item
    assert client.get(detail(case)).status_code == 404


def test_the_log_keeps_search_words_masked(client, petition, county, auditor):
    # A search by phone, name or ID number is logged, but the log must not become a copy of what it guards.
    petition()
    client.force_login(county.zhang)
    for q in ("13800138000", "陈大明", ID_CHEN):
        assert client.get("/cases/", {"q": q}).status_code == 200
    assert client.get("/cases/export.xlsx", {"q": "陈大明"}).status_code == 200
    details = list(PersonalDataAccess.objects.values_list("detail", flat=True))
    assert "q=138******00" in details and "q=陈**" in details
    client.force_login(auditor)
    html = client.get(LOG).content.decode()
    assert "13800138000" not in html and "陈大明" not in html and ID_CHEN not in html
    assert "138******00" in html


def test_access_log_is_paginated(client, petition, county, auditor):
    case = petition()
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=county.zhang, case=case, purpose="查看案件详情", created_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
        for _ in range(60)
    )
    client.force_login(auditor)
    first = client.get(LOG)
    assert len(first.context["page"].object_list) == 50 and first.context["page"].has_next()
    assert len(client.get(LOG, {"page": 2}).context["page"].object_list) == 10


# --- the administrator manages settings, not petitions ----------------------------------------------------


def test_administrator_sees_no_petition(client, petition, county, administrator):
    case = petition()
    client.force_login(administrator)
    home = client.get("/")
    assert home.status_code == 200 and home.context["queue"] is None
    assert "不办理信访件" in home.content.decode()
    assert client.get(detail(case)).status_code == 404
    listed = client.get("/cases/")
    assert listed.status_code == 200 and not listed.context["rows"]
    # the admin site keeps units, users and the calendar, and shows no item
    assert client.get(reverse("admin:orgs_unit_changelist")).status_code == 200
    assert client.get(reverse("admin:orgs_user_changelist")).status_code == 200
    assert client.get(reverse("admin:deadlines_calendarday_changelist")).status_code == 200
    assert client.get("/admin/cases/case/").status_code == 404
    assert client.get("/admin/cases/petitioner/").status_code == 404
    clocks = client.get(reverse("admin:cases_clock_changelist")).content.decode()
    assert case.number in clocks and case.title not in clocks
    assert not PersonalDataAccess.objects.filter(user=administrator).exists()


def test_a_second_role_gives_back_what_the_administrator_needs(client, petition, county, administrator):
    case = petition()
    grant_role(user=administrator, role=Role.SUPERVISOR, unit=county.county)
    client.force_login(administrator)
    assert client.get(detail(case)).status_code == 200
    assert case.status == Status.ROUTING
