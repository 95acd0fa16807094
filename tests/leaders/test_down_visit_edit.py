"""Correcting a 下访 record: only the leader who recorded it may, bad input changes nothing, and every item whose
account changes gets the correction in its history. "Today" is 2026-09-10 (conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.cases import services as s
from xinfang.cases.models import CaseEvent
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.leaders import services
from xinfang.leaders.models import DownVisit

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def visit(county, town_item):
    return services.down_visit_record(leader=county.town_secretary, on=D(2026, 9, 8), place="东街村村委会",
                                      people_met=12, cases=[town_item], notes="听取工资拖欠问题")


@pytest.fixture
def second_town_item(petition, county):
    case = petition(title="东街村灌溉渠年久失修")
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    case.refresh_from_db()
    return case


def url(v):
    return reverse("leaders:down_visit_edit", args=[v.pk])


def form(case_numbers="", **kw):
    data = {"on": "2026-09-07", "place": "东街村文化广场", "people_met": "20", "numbers": case_numbers,
            "notes": "现场协调施工方，约定月底结清"}
    data.update(kw)
    return data


def snapshot():
    visits = list(DownVisit.objects.order_by("pk").values_list(
        "pk", "on", "place", "people_met", "notes", "updated_at", "updated_by"))
    links = sorted(DownVisit.items.through.objects.values_list("downvisit_id", "case_id"))
    return visits, links, CaseEvent.objects.count()


def test_the_leader_corrects_the_record_and_the_items_history_follows(client, county, visit, town_item):
    client.force_login(county.town_secretary)
    page = client.get(url(visit)).content.decode()
    assert 'value="东街村村委会"' in page and town_item.number in page
    assert url(visit) in client.get(reverse("leaders:down_visits")).content.decode()
    resp = client.post(url(visit), form(town_item.number))
    assert resp.status_code == 302 and resp["Location"] == reverse("leaders:down_visits")
    visit.refresh_from_db()
    assert (visit.on, visit.place, visit.people_met, visit.notes) == (
        D(2026, 9, 7), "东街村文化广场", 20, "现场协调施工方，约定月底结清")
    assert visit.updated_by == county.town_secretary and visit.updated_at is not None
    assert list(visit.items.all()) == [town_item]
    # The item already carried the 下访 at 东街村村委会: its history now says where it really was.
    fix = CaseEvent.objects.get(case=town_item, action="down_visit_corrected")
    assert "东街村文化广场" in fix.note and "东街村村委会" in fix.note and fix.actor == county.town_secretary
    assert CaseEvent.objects.filter(case=town_item, action="down_visit").count() == 1


def test_only_notes_changed_records_nothing_on_the_items(county, visit, town_item):
    services.down_visit_update(visit=visit, actor=county.town_secretary, on=D(2026, 9, 8), place="东街村村委会",
                               people_met=15, cases=[town_item], notes="补充：施工方已承诺")
    assert DownVisit.objects.get().people_met == 15
    assert not CaseEvent.objects.filter(action="down_visit_corrected").exists()


def test_items_added_and_removed(client, county, visit, town_item, second_town_item):
    client.force_login(county.town_secretary)
    resp = client.post(url(visit), form(second_town_item.number, on="2026-09-08", place="东街村村委会"))
    assert resp.status_code == 302
    assert list(DownVisit.objects.get().items.all()) == [second_town_item]
    removed = CaseEvent.objects.get(case=town_item, action="down_visit_corrected")
    assert removed.data == {"down_visit": visit.pk, "removed": True} and "移除" in removed.note
    added = CaseEvent.objects.get(case=second_town_item, action="down_visit")
    assert added.effective_on == D(2026, 9, 8) and added.data == {"down_visit": visit.pk}


def test_an_item_the_leader_cannot_see_is_neither_shown_nor_removed(client, county, visit, town_item, labour_item):
    # A link to an item out of the leader's reach (as after the item left their units) stays as it is.
    visit.items.add(labour_item)
    client.force_login(county.town_secretary)
    assert labour_item.number not in client.get(url(visit)).content.decode()
    resp = client.post(url(visit), form("", on="2026-09-08", place="东街村村委会"))
    assert resp.status_code == 302
    assert set(DownVisit.objects.get().items.all()) == {labour_item}
    assert not CaseEvent.objects.filter(case=labour_item).filter(action__startswith="down_visit").exists()


@pytest.mark.parametrize("change, message", [
    ({"on": "2026-09-11"}, "下访日期不能晚于今天"),
    ({"place": " "}, "请填写地点"),
    ({"people_met": "-1"}, "接待人次不能为负数"),
    ({"on": ""}, "请填写日期"),
])
def test_bad_input_gives_a_chinese_error_and_changes_nothing(client, county, visit, town_item, change, message):
    before = snapshot()
    client.force_login(county.town_secretary)
    resp = client.post(url(visit), form(town_item.number, **change))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "请修改以下内容后再提交" in html and message in html
    assert snapshot() == before


def test_an_unknown_or_unseen_number_changes_nothing(client, county, visit, town_item, labour_item):
    before = snapshot()
    client.force_login(county.town_secretary)
    for numbers in (labour_item.number, f"{town_item.number}，XF-NO-SUCH"):
        resp = client.post(url(visit), form(numbers))
        assert resp.status_code == 200 and "未找到您有权查看的信访件" in resp.content.decode()
    assert snapshot() == before


def test_the_service_refuses_bad_input_and_other_people(county, visit, town_item):
    before = snapshot()
    good = dict(on=D(2026, 9, 8), place="东街村", people_met=3, cases=[town_item], notes="")
    for change, field in [({"place": ""}, "place"), ({"on": D(2026, 9, 11)}, "on"), ({"people_met": -2}, "people_met")]:
        with pytest.raises(ValidationFailed) as err:
            services.down_visit_update(visit=visit, actor=county.town_secretary, **{**good, **change})
        assert err.value.field == field
    # 李镇长 leads the same township but did not record this 下访; 李 is not a leader at all.
    for other in (county.li_head, county.li, county.county_head):
        with pytest.raises(PermissionRefused):
            services.down_visit_update(visit=visit, actor=other, **good)
    assert snapshot() == before


def test_anyone_but_the_recording_leader_gets_404_and_nothing_changes(client, county, visit, town_item):
    before = snapshot()
    for user in (county.li_head, county.li, county.wang, county.zhang, county.county_head):
        client.force_login(user)
        assert client.get(url(visit)).status_code == 404, user
        assert client.post(url(visit), form(town_item.number)).status_code == 404, user
    assert snapshot() == before
    client.logout()
    resp = client.post(url(visit), form(town_item.number))
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    client.force_login(county.town_secretary)
    assert client.get(reverse("leaders:down_visit_edit", args=[visit.pk + 100])).status_code == 404
    assert snapshot() == before
