"""Changing and cancelling a 领导接访日: the change is saved and published, bad input and a day that is already a
record change nothing, a cancelled day leaves the portal, and only the 信访部门 reaches these pages (404 for
everyone else, as on the other reception-day pages). "Today" is 2026-09-10 (conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.leaders import services
from xinfang.leaders.models import ReceptionDay

pytestmark = pytest.mark.django_db

D = dt.date
NEXT_WEEK = D(2026, 9, 20)
FIELDS = ("leader_name", "leader_post", "on", "time", "place", "topics", "updated_at", "updated_by",
          "cancelled_at", "cancelled_by", "cancel_reason")


def day(county, on=NEXT_WEEK, name="刘建华", **kw):
    data = dict(leader_name=name, leader_post="县委副书记", on=on, time="上午9:00—12:00", place="县信访局接待大厅",
                topics="拖欠农民工工资")
    data.update(kw)
    return services.reception_day_save(actor=county.zhang, data=services.ReceptionDayInput(**data))


def form(**kw):
    data = {"leader_name": "王志强", "leader_post": "副县长", "on": "2026-09-25", "time": "下午2:30—5:30",
            "place": "县政府便民服务中心二楼", "topics": "征地拆迁补偿"}
    data.update(kw)
    return data


def snapshot():
    return list(ReceptionDay.objects.order_by("pk").values_list("pk", *FIELDS))


def edit_url(d):
    return reverse("leaders:reception_day_edit", args=[d.pk])


def cancel_url(d):
    return reverse("leaders:reception_day_cancel", args=[d.pk])


def portal(client) -> str:
    return client.get(reverse("portal:reception_days")).content.decode()


def test_staff_change_a_day_and_the_portal_shows_the_new_schedule(client, county):
    d = day(county)
    client.force_login(county.zhang)
    page = client.get(edit_url(d)).content.decode()
    # The form starts from the day as published.
    assert 'value="刘建华"' in page and 'value="2026-09-20"' in page and 'value="县信访局接待大厅"' in page
    resp = client.post(edit_url(d), form())
    assert resp.status_code == 302 and resp["Location"] == reverse("leaders:reception_day", args=[d.pk])
    d.refresh_from_db()
    assert (d.leader_name, d.leader_post, d.on, d.time, d.place, d.topics) == (
        "王志强", "副县长", D(2026, 9, 25), "下午2:30—5:30", "县政府便民服务中心二楼", "征地拆迁补偿")
    assert d.updated_by == county.zhang and d.updated_at is not None
    assert d.created_by == county.zhang and ReceptionDay.objects.count() == 1
    html = portal(client)
    assert "王志强" in html and "县政府便民服务中心二楼" in html
    assert "刘建华" not in html and "县信访局接待大厅" not in html


def test_a_day_may_be_changed_on_the_day_itself_before_visits_are_linked(county):
    d = day(county, on=D(2026, 9, 10))
    saved = services.reception_day_save(actor=county.zhang, day=d, data=services.ReceptionDayInput(
        leader_name="刘建华", leader_post="县委副书记", on=D(2026, 9, 10), time="下午", place="东街镇政府"))
    assert ReceptionDay.objects.get(pk=d.pk).place == "东街镇政府" and saved.time == "下午"


@pytest.mark.parametrize("change, message", [
    ({"place": "  "}, "请填写地点"),  # the form refuses a blank place before the service sees it
    ({"leader_name": ""}, "请填写接访领导"),
    ({"on": "2026-09-05"}, "接访日期不能早于今天"),
    ({"on": "2026-13-01"}, "日期格式应为"),
])
def test_bad_input_gives_a_chinese_error_and_changes_nothing(client, county, change, message):
    d = day(county)
    before = snapshot()
    client.force_login(county.zhang)
    resp = client.post(edit_url(d), form(**change))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "请修改以下内容后再提交" in html and message in html
    assert snapshot() == before


def test_the_service_refuses_blank_fields_and_a_past_date(county):
    d = day(county)
    before = snapshot()
    bad = dict(leader_name="刘建华", leader_post="县委副书记", on=D(2026, 9, 20), time="上午", place="大厅")
    for change, field, text in [({"place": " "}, "place", "请填写地点"), ({"time": ""}, "time", "请填写时间"),
                                ({"on": D(2026, 9, 9)}, "on", "接访日期不能早于今天"), ({"on": None}, "on", "请填写日期")]:
        with pytest.raises(ValidationFailed) as err:
            services.reception_day_save(actor=county.zhang, day=d, data=services.ReceptionDayInput(**{**bad, **change}))
        assert err.value.field == field and str(err.value) == text
    with pytest.raises(PermissionRefused):
        services.reception_day_save(actor=county.li, day=d, data=services.ReceptionDayInput(**bad))
    with pytest.raises(PermissionRefused):
        services.reception_day_cancel(day=d, actor=county.zhao, reason="领导临时有公务")
    assert snapshot() == before


def test_a_day_that_has_passed_is_a_record_and_its_schedule_is_not_changed(client, county):
    past = day(county, on=D(2026, 9, 8))
    before = snapshot()
    with pytest.raises(ValidationFailed, match="已经过去"):
        services.reception_day_save(actor=county.zhang, day=past, data=services.ReceptionDayInput(
            leader_name="x", leader_post="y", on=D(2026, 9, 20), time="上午", place="z"))
    with pytest.raises(ValidationFailed, match="已经过去"):
        services.reception_day_cancel(day=past, actor=county.zhang, reason="补录有误")
    client.force_login(county.zhang)
    page = client.get(edit_url(past)).content.decode()
    assert "2026-09-08 的接访日已经过去，不能再修改安排" in page and 'id="day-edit-form"' not in page
    for url, data in [(edit_url(past), form()), (cancel_url(past), {"c-reason": "补录有误"})]:
        resp = client.post(url, data)
        assert resp.status_code == 200 and "已经过去" in resp.content.decode()
    assert snapshot() == before
    # The list and the day's page offer no change for it.
    assert edit_url(past) not in client.get(reverse("leaders:reception_days")).content.decode()
    assert edit_url(past) not in client.get(reverse("leaders:reception_day", args=[past.pk])).content.decode()


def test_a_day_with_linked_visits_is_not_rescheduled_or_cancelled(county, petition):
    d = day(county, on=D(2026, 9, 10))
    visit = petition(channel="visit", received_on=D(2026, 9, 10), title="来访反映宅基地纠纷")
    services.reception_day_link_items(day=d, actor=county.zhang, cases=[visit])
    before = snapshot()
    with pytest.raises(ValidationFailed, match="已登记来访件"):
        services.reception_day_save(actor=county.zhang, day=d, data=services.ReceptionDayInput(
            leader_name="刘建华", leader_post="县委副书记", on=D(2026, 9, 11), time="上午", place="大厅"))
    with pytest.raises(ValidationFailed, match="已登记来访件"):
        services.reception_day_cancel(day=d, actor=county.zhang, reason="改期")
    assert snapshot() == before


def test_cancel_keeps_the_row_with_its_reason_and_takes_the_day_off_the_portal(client, county, petition):
    d = day(county, name="刘建华")
    other = day(county, on=D(2026, 9, 24), name="王志强")
    assert "刘建华" in portal(client)
    client.force_login(county.zhang)
    # A cancel needs its reason.
    resp = client.post(cancel_url(d), {"c-reason": " "})
    assert resp.status_code == 200 and "请填写取消原因" in resp.content.decode()
    d.refresh_from_db()
    assert not d.is_cancelled

    resp = client.post(cancel_url(d), {"c-reason": "领导临时有重要公务"})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.is_cancelled and d.cancel_reason == "领导临时有重要公务" and d.cancelled_by == county.zhang
    assert ReceptionDay.objects.count() == 2
    html = portal(client)
    assert "刘建华" not in html and "王志强" in html and html.count("data-reception-day") == 1
    staff = client.get(reverse("leaders:reception_days")).content.decode()
    assert "已取消" in staff and "领导临时有重要公务" in staff and edit_url(d) not in staff and edit_url(other) in staff

    # A cancelled day is not changed, cancelled again, or given visits.
    before = snapshot()
    resp = client.post(edit_url(d), form())
    assert resp.status_code == 200 and "该接访日已于 2026-09-10 取消，不能再修改" in resp.content.decode()
    with pytest.raises(ValidationFailed):
        services.reception_day_cancel(day=d, actor=county.zhang, reason="再次取消")
    assert snapshot() == before
    on_day = day(county, on=D(2026, 9, 10), name="李当日")
    visit = petition(channel="visit", received_on=D(2026, 9, 10))
    services.reception_day_cancel(day=on_day, actor=county.zhang, reason="改期")
    with pytest.raises(ValidationFailed, match="已取消"):
        services.reception_day_link_items(day=on_day, actor=county.zhang, cases=[visit])
    assert not on_day.items.exists()


def test_without_the_permission_every_change_page_is_404_and_nothing_changes(client, county):
    d = day(county)
    before = snapshot()
    # 李 handles at the township, 王 is another unit's head, 赵 works at the bureau but does not route items,
    # the township secretary is a leader: none of them schedules days.
    for user in (county.li, county.wang, county.zhao, county.town_secretary):
        client.force_login(user)
        assert client.get(edit_url(d)).status_code == 404, user
        assert client.post(edit_url(d), form()).status_code == 404, user
        assert client.post(cancel_url(d), {"c-reason": "x"}).status_code == 404, user
    assert snapshot() == before
    assert "刘建华" in portal(client)
    client.logout()
    for method, url in [("get", edit_url(d)), ("post", edit_url(d)), ("post", cancel_url(d))]:
        resp = getattr(client, method)(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), url
    client.force_login(county.zhang)
    assert client.get(cancel_url(d)).status_code == 405
    assert client.get(reverse("leaders:reception_day_edit", args=[d.pk + 100])).status_code == 404


def test_the_same_leader_cannot_be_published_twice_for_the_same_time(county):
    first = day(county)
    with pytest.raises(ValidationFailed, match="已安排接访"):
        day(county)
    other = day(county, time="下午2:30—5:30")  # the afternoon of the same day is another appointment
    with pytest.raises(ValidationFailed, match="已安排接访"):
        services.reception_day_save(actor=county.zhang, day=other, data=services.ReceptionDayInput(
            leader_name="刘建华", leader_post="县委副书记", on=NEXT_WEEK, time="上午9:00—12:00", place="县信访局接待大厅",
            topics=""))
    services.reception_day_cancel(day=first, actor=county.zhang, reason="领导临时有公务")
    assert day(county).pk != first.pk  # once cancelled, the slot may be published again
