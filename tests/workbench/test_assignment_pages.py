"""The 承办人 panel on the item page, its POSTs, and the workload pages: each persona through the real views."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.cases.helpers import drive
from xinfang.cases import assignment as a
from xinfang.cases.models import Assignment, Case, ExtensionRequest
from xinfang.cases.states import Status
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 10, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


@pytest.fixture
def handling(petition, county):
    return drive(petition, county, Status.HANDLING)


def detail(case):
    return reverse("workbench:case_detail", args=[case.pk])


def assign_url(case):
    return reverse("workbench:case_assign", args=[case.pk])


def request_url(case):
    return reverse("workbench:extension_request", args=[case.pk])


def decide_url(case, pk):
    return reverse("workbench:extension_decide", args=[case.pk, pk])


def items_url(user, kind):
    return f"{reverse('workbench:workload_items')}?handler={user.pk}&kind={kind}"


def test_anonymous_is_sent_to_login(client, handling, county):
    req_id = 1
    for url in (reverse("workbench:workload"), items_url(county.li, "open")):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    for url in (assign_url(handling), request_url(handling), decide_url(handling, req_id)):
        resp = client.post(url, {"handler": county.li.pk, "days": 10, "reason": "x", "decision": "approve"})
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    assert not Assignment.objects.exists()


def test_another_units_user_gets_404_everywhere(client, handling, county):
    a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    req = a.extension_request(case=handling, actor=county.li, days=10, reason="材料未齐")
    client.force_login(county.wang)
    assert client.post(assign_url(handling), {"handler": county.li.pk}).status_code == 404
    assert client.post(request_url(handling), {"days": 10, "reason": "理由"}).status_code == 404
    assert client.post(decide_url(handling, req.pk), {"decision": "approve"}).status_code == 404
    assert client.get(items_url(county.li, "open")).status_code == 404
    html = client.get(reverse("workbench:workload")).content.decode()  # his own unit's page: nobody of the town
    assert "李承办" not in html and handling.number not in html
    req.refresh_from_db()
    assert req.state == "pending" and Case.objects.get(pk=handling.pk).status == Status.HANDLING


def test_a_handler_has_no_workload_page_and_cannot_assign(client, handling, county):
    client.force_login(county.li)
    assert client.get(reverse("workbench:workload")).status_code == 404
    assert client.get(items_url(county.li, "open")).status_code == 404
    html = client.get(detail(handling)).content.decode()
    assert 'data-testid="assign-form"' not in html
    client.post(assign_url(handling), {"handler": county.li.pk})
    assert not Assignment.objects.exists()


def test_head_assigns_handler_requests_head_approves(client, handling, county):
    client.force_login(county.li_head)
    html = client.get(detail(handling)).content.decode()
    assert 'data-testid="assign-form"' in html and "本单位尚未指定承办人" in html
    resp = client.post(assign_url(handling), {"handler": county.li.pk})
    assert resp.status_code == 302 and resp["Location"].endswith("#assignment")
    assert a.current_assignment(handling).handler == county.li

    client.force_login(county.li)
    html = client.get(detail(handling)).content.decode()
    assert 'data-testid="current-handler"' in html and 'data-testid="extension-request-form"' in html
    client.post(request_url(handling), {"days": 45, "reason": "超过上限"})  # refused by the form
    assert not ExtensionRequest.objects.exists()
    client.post(request_url(handling), {"days": 20, "reason": "需要补充调查"})
    req = ExtensionRequest.objects.get()
    html = client.get(detail(handling)).content.decode()
    assert 'data-testid="pending-extension"' in html and "extension-request-form" not in html
    client.post(decide_url(handling, req.pk), {"decision": "approve"})  # the handler cannot decide
    req.refresh_from_db()
    assert req.state == "pending"

    client.force_login(county.li_head)
    html = client.get(detail(handling)).content.decode()
    assert "批准延期" in html
    assert client.post(decide_url(handling, req.pk + 1000), {"decision": "approve"}).status_code == 404
    client.post(decide_url(handling, req.pk), {"decision": "approve"})
    req.refresh_from_db()
    case = Case.objects.get(pk=handling.pk)
    assert req.state == "approved" and case.status == Status.EXTENDED and case.extension_days == 20


def test_refusal_needs_a_note(client, handling, county):
    a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    req = a.extension_request(case=handling, actor=county.li, days=10, reason="材料未齐")
    client.force_login(county.li_head)
    client.post(decide_url(handling, req.pk), {"decision": "refuse", "note": ""})
    req.refresh_from_db()
    assert req.state == "pending"
    client.post(decide_url(handling, req.pk), {"decision": "refuse", "note": "期限内可以办结"})
    req.refresh_from_db()
    assert req.state == "refused" and req.decision_note == "期限内可以办结"


def test_only_offered_handlers_can_be_posted(client, handling, county):
    client.force_login(county.li_head)
    for pk in (county.housing_handler.pk, county.wang.pk, "abc", ""):
        client.post(assign_url(handling), {"handler": pk})
    assert not Assignment.objects.exists()


def test_workload_page_counts_and_links(client, petition, county):
    li2 = user_create(username="li2", password="Xinfang-2026", full_name="李二承办", unit=county.town,
                      roles=[(Role.HANDLER, county.town)])
    handling = drive(petition, county, Status.HANDLING)
    signed = drive(petition, county, Status.SIGNED)  # acceptance notice due 2026-09-17: overdue
    a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    a.case_assign_handler(case=signed, actor=county.li_head, handler=county.li)
    a.extension_request(case=handling, actor=county.li, days=10, reason="材料未齐")
    client.force_login(county.li_head)
    html = client.get(reverse("workbench:workload")).content.decode()
    assert "李承办" in html and "李二承办" in html
    assert items_url(county.li, "open").replace("&", "&amp;") in html
    assert items_url(county.li, "overdue").replace("&", "&amp;") in html
    assert items_url(county.li, "pending").replace("&", "&amp;") in html
    assert items_url(li2, "open").replace("&", "&amp;") not in html  # nothing to list: no link

    page = client.get(items_url(county.li, "overdue")).content.decode()
    assert signed.number in page and handling.number not in page
    page = client.get(items_url(county.li, "open")).content.decode()
    assert signed.number in page and handling.number in page
    page = client.get(items_url(county.li, "pending")).content.decode()
    assert handling.number in page and signed.number not in page
    assert client.get(items_url(county.li, "nonsense")).status_code == 404
    assert client.get(items_url(county.wang, "open")).status_code == 404  # not a handler of the town


def test_the_work_queue_names_the_handler(client, handling, county):
    client.force_login(county.li_head)
    assert 'data-testid="queue-handler"' not in client.get(reverse("workbench:home")).content.decode()
    a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    html = client.get(reverse("workbench:home")).content.decode()
    assert "承办人 李承办" in html
