"""领导接访日 on the portal and in the staff pages, and 下访 records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.cases.models import CaseEvent
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.leaders import services
from xinfang.leaders.models import DownVisit, ReceptionDay

pytestmark = pytest.mark.django_db

D = dt.date


def day(county, on, name="刘建华", **kw):
    data = dict(leader_name=name, leader_post="县委副书记", on=on, time="上午9:00—12:00", place="县信访局接待大厅",
                topics="拖欠农民工工资")
    data.update(kw)
    return services.reception_day_save(actor=county.zhang, data=services.ReceptionDayInput(**data))


def test_portal_shows_only_current_and_future_days_without_staff_data(client, county):
    day(county, D(2026, 9, 1), name="往日领导")
    day(county, D(2026, 9, 10), name="今日领导")
    day(county, D(2026, 9, 24), name="下期领导")
    resp = client.get(reverse("portal:reception_days"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "今日领导" in html and "下期领导" in html and "往日领导" not in html
    assert "县委副书记" in html and "县信访局接待大厅" in html
    # Who entered the schedule is staff data: never on the public page.
    assert "张登记" not in html and "zhang" not in html
    assert html.index("今日领导") < html.index("下期领导")


def test_portal_page_when_nothing_is_planned(client, db):
    resp = client.get(reverse("portal:reception_days"))
    assert resp.status_code == 200 and "近期暂无" in resp.content.decode()


def test_only_bureau_staff_schedule_days(county):
    with pytest.raises(PermissionRefused):
        services.reception_day_save(actor=county.li, data=services.ReceptionDayInput(
            leader_name="x", leader_post="y", on=D(2026, 9, 20), time="上午", place="z"))
    with pytest.raises(ValidationFailed):
        day(county, D(2026, 9, 20), place=" ")


def test_a_reception_day_links_the_visits_registered_that_day(county, petition):
    d = day(county, D(2026, 9, 10))
    visit = petition(channel="visit", received_on=D(2026, 9, 10), title="来访反映宅基地纠纷")
    letter = petition(channel="letter", received_on=D(2026, 9, 10))
    other_day = petition(channel="visit", received_on=D(2026, 9, 9))
    with pytest.raises(ValidationFailed):
        services.reception_day_link_items(day=d, actor=county.zhang, cases=[letter])
    with pytest.raises(ValidationFailed):
        services.reception_day_link_items(day=d, actor=county.zhang, cases=[other_day])
    added = services.reception_day_link_items(day=d, actor=county.zhang, cases=[visit])
    assert added == [visit] and list(d.items.all()) == [visit]
    assert services.reception_day_link_items(day=d, actor=county.zhang, cases=[visit]) == []
    assert CaseEvent.objects.filter(case=visit, action="reception_day").count() == 1


def test_reception_day_staff_pages(client, county, petition):
    visit = petition(channel="visit", received_on=D(2026, 9, 10), title="来访反映宅基地纠纷")
    client.force_login(county.zhang)
    resp = client.post(reverse("leaders:reception_days"), {
        "leader_name": "刘建华", "leader_post": "县委副书记", "on": "2026-09-10", "time": "上午9:00—12:00",
        "place": "县信访局接待大厅", "topics": ""})
    assert resp.status_code == 302
    d = ReceptionDay.objects.get()
    page = client.get(reverse("leaders:reception_day", args=[d.pk]))
    assert visit.number in page.content.decode()
    client.post(reverse("leaders:reception_day", args=[d.pk]), {"items": [str(visit.pk)]})
    assert list(d.items.all()) == [visit]
    for user in (county.li, county.wang):
        client.force_login(user)
        assert client.get(reverse("leaders:reception_days")).status_code == 404
        assert client.get(reverse("leaders:reception_day", args=[d.pk])).status_code == 404
        assert client.post(reverse("leaders:reception_day", args=[d.pk]), {"items": [str(visit.pk)]}).status_code == 404


def test_down_visit_record(county, town_item, labour_item):
    v = services.down_visit_record(leader=county.town_secretary, on=D(2026, 9, 8), place="东街村村委会",
                                   people_met=12, cases=[town_item], notes="听取工资拖欠问题，现场协调")
    assert list(v.items.all()) == [town_item] and v.people_met == 12
    assert CaseEvent.objects.filter(case=town_item, action="down_visit").exists()
    with pytest.raises(NotFound):
        services.down_visit_record(leader=county.town_secretary, on=D(2026, 9, 8), place="x", cases=[labour_item])
    with pytest.raises(PermissionRefused):
        services.down_visit_record(leader=county.li, on=D(2026, 9, 8), place="x")
    with pytest.raises(ValidationFailed):
        services.down_visit_record(leader=county.town_secretary, on=D(2026, 9, 11), place="x")


def test_down_visit_page(client, county, town_item, labour_item):
    client.force_login(county.town_secretary)
    url = reverse("leaders:down_visits")
    assert client.get(url).status_code == 200
    # An item the leader may not see is refused as unknown.
    resp = client.post(url, {"on": "2026-09-08", "place": "东街村", "people_met": "3", "numbers": labour_item.number})
    assert resp.status_code == 200 and "未找到您有权查看的信访件" in resp.content.decode()
    assert not DownVisit.objects.exists()
    resp = client.post(url, {"on": "2026-09-08", "place": "东街村", "people_met": "3", "numbers": town_item.number})
    assert resp.status_code == 302
    assert list(DownVisit.objects.get().items.all()) == [town_item]
    client.force_login(county.li)
    assert client.get(url).status_code == 404
