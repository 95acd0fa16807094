"""The leaders' pages through the real views: what a leader sees and does, and the boundary of every page and
POST (another unit's user gets 404, a non-leader cannot take a 包案, anonymous visitors go to the login page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.leaders import services
from xinfang.leaders.models import CaseOwnership, Instruction, Milestone

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def ownership(county, town_item):
    o = services.ownership_take(leader=county.town_secretary, cases=[town_item], title="", plan="约谈施工方",
                                deadline=D(2026, 10, 10), team_members=[county.li], on=D(2026, 9, 10))
    services.milestone_add(ownership=o, actor=county.town_secretary, due_on=D(2026, 9, 15), text="约谈施工方")
    return o


@pytest.fixture
def instruction(county, town_item):
    return services.instruction_issue(case=town_item, leader=county.county_head, text="请书面报告",
                                       due_on=D(2026, 9, 20), on=D(2026, 9, 10))


def urls(case, o, m, i):
    """(method, url, data) of every page and POST of the app that concerns an item, a 包案 or a 批示."""
    return [
        ("get", reverse("leaders:take", args=[case.pk]), None),
        ("post", reverse("leaders:take", args=[case.pk]), {"title": "x", "plan": "y", "deadline": "2026-10-01"}),
        ("post", reverse("leaders:instruct", args=[case.pk]), {"text": "x", "due_on": "2026-10-01"}),
        ("post", reverse("leaders:answer", args=[i.pk]), {"answer": "x"}),
        ("get", reverse("leaders:ownership", args=[o.pk]), None),
        ("post", reverse("leaders:milestone_add", args=[o.pk]), {"m-due_on": "2026-09-20", "m-text": "x"}),
        ("post", reverse("leaders:milestone_done", args=[o.pk, m.pk]), {}),
        ("post", reverse("leaders:note_add", args=[o.pk]), {"n-held_on": "2026-09-09", "n-text": "x"}),
        ("post", reverse("leaders:conclude", args=[o.pk]), {"c-outcome": "x"}),
    ]


def snapshot():
    return (
        list(CaseOwnership.objects.values_list("pk", "state")),
        list(Milestone.objects.values_list("pk", "done_on")),
        list(Instruction.objects.values_list("pk", "answered_at")),
        CaseOwnership.objects.get().notes.count(),
    )


def test_another_units_user_gets_404_everywhere_and_changes_nothing(client, county, town_item, ownership, instruction):
    m = ownership.milestones.get()
    before = snapshot()
    client.force_login(county.wang)
    for method, url, data in urls(town_item, ownership, m, instruction):
        resp = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert resp.status_code == 404, (method, url, resp.status_code)
    assert snapshot() == before


def test_anonymous_goes_to_the_login_page(client, county, town_item, ownership, instruction):
    m = ownership.milestones.get()
    pages = urls(town_item, ownership, m, instruction) + [
        ("get", reverse("leaders:home"), None), ("get", reverse("leaders:backlog"), None),
        ("get", reverse("leaders:reception_days"), None), ("get", reverse("leaders:down_visits"), None),
    ]
    for method, url, data in pages:
        resp = getattr(client, method)(url, data or {})
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), url


def test_a_non_leader_cannot_take(client, county, town_item):
    client.force_login(county.li)
    url = reverse("leaders:take", args=[town_item.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x", "plan": "y", "deadline": "2026-10-01"}).status_code == 404
    assert client.post(reverse("leaders:instruct", args=[town_item.pk]),
                       {"text": "x", "due_on": "2026-10-01"}).status_code == 404
    assert not CaseOwnership.objects.exists() and not Instruction.objects.exists()
    page = client.get(reverse("workbench:case_detail", args=[town_item.pk])).content.decode()
    assert url not in page


def test_a_leader_takes_through_the_page(client, county, town_item):
    client.force_login(county.town_secretary)
    detail = client.get(reverse("workbench:case_detail", args=[town_item.pk])).content.decode()
    take_url = reverse("leaders:take", args=[town_item.pk])
    assert take_url in detail and 'data-testid="leaders-panel"' in detail
    assert client.get(take_url).status_code == 200
    resp = client.post(take_url, {"title": "工资拖欠", "plan": "约谈施工方", "deadline": "2026-10-10",
                                  "team_units": [str(county.town.pk)], "team_members": [str(county.li.pk)]})
    o = CaseOwnership.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("leaders:ownership", args=[o.pk])
    assert list(o.team_members.all()) == [county.li]
    # Already taken: the page is no longer offered.
    assert client.get(take_url).status_code == 404
    resp = client.post(reverse("leaders:milestone_add", args=[o.pk]), {"m-due_on": "2026-09-20", "m-text": "核实工资表"})
    assert resp.status_code == 302
    home = client.get(reverse("leaders:home")).content.decode()
    assert "工资拖欠" in home and "核实工资表" in home
    page = client.get(reverse("leaders:ownership", args=[o.pk])).content.decode()
    assert "核实工资表" in page and "确认化解结果" in page
    detail = client.get(reverse("workbench:case_detail", args=[town_item.pk])).content.decode()
    assert "领导包案" in detail and "核实工资表" in detail


def test_team_member_and_item_reader_see_the_ownership(client, county, ownership, town_item):
    client.force_login(county.li)  # team member: may record progress, not conclude
    page = client.get(reverse("leaders:ownership", args=[ownership.pk])).content.decode()
    assert 'id="milestone-form"' in page and reverse("leaders:conclude", args=[ownership.pk]) not in page
    client.post(reverse("leaders:conclude", args=[ownership.pk]), {"c-outcome": "x"})
    ownership.refresh_from_db()
    assert ownership.is_open
    client.force_login(county.zhao)  # the supervisor sees the item, so the 包案, but keeps no record
    page = client.get(reverse("leaders:ownership", args=[ownership.pk])).content.decode()
    assert 'id="milestone-form"' not in page
    client.post(reverse("leaders:milestone_add", args=[ownership.pk]), {"m-due_on": "2026-09-20", "m-text": "x"})
    assert ownership.milestones.count() == 1


def test_instruction_through_the_item_page(client, county, town_item):
    client.force_login(county.county_head)
    resp = client.post(reverse("leaders:instruct", args=[town_item.pk]), {"text": "请书面报告", "due_on": "2026-09-20"})
    assert resp.status_code == 302
    i = Instruction.objects.get()
    client.force_login(county.li)
    detail = client.get(reverse("workbench:case_detail", args=[town_item.pk])).content.decode()
    assert reverse("leaders:answer", args=[i.pk]) in detail
    assert "请书面报告" in client.get(reverse("leaders:home")).content.decode()
    client.post(reverse("leaders:answer", args=[i.pk]), {"answer": "已落实"})
    i.refresh_from_db()
    assert i.answer == "已落实"


def test_backlog_page(client, county, town_item):
    client.force_login(county.li)
    assert client.get(reverse("leaders:backlog")).status_code == 200
