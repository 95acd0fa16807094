"""集体访接谈: the leaders a group-visit alert went to (or the registrars who saw the visit) record whether the
group was received in person; nobody else can, and a missed reception needs its reason."""

from __future__ import annotations

import pytest

from xinfang.cases import services as s

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_visit(petition, county):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    case = petition(channel="visit", petitioners=people, people_count=23, responsible_unit=county.town)
    return s.case_forward(case=case, actor=county.zhang, target=county.town, on=case.received_on)


def url(case):
    return f"/cases/{case.pk}/reception/"


def test_the_alerted_secretary_records_the_reception_and_it_shows_on_the_item(client, county, group_visit):
    client.force_login(county.town_secretary)
    page = client.get(f"/cases/{group_visit.pk}/").content.decode()
    assert 'data-testid="no-reception"' in page and f'action="{url(group_visit)}"' in page
    resp = client.post(url(group_visit), {"received": "1", "leader": "东街镇党委书记王某", "on": "2026-09-01"})
    assert resp.status_code == 302
    event = group_visit.events.get(action="group_reception")
    assert event.data == {"received": True, "leader": "东街镇党委书记王某"} and event.actor == county.town_secretary
    page = client.get(f"/cases/{group_visit.pk}/").content.decode()
    assert "东街镇党委书记王某：已当面接谈" in page and "记录集体访接谈情况" in page


def test_a_missed_reception_needs_a_reason_and_bad_input_records_nothing(client, county, group_visit):
    client.force_login(county.zhang)  # the registrar of the visit may record for the leaders
    client.post(url(group_visit), {"received": "0", "leader": "李镇长", "on": "2026-09-01"})
    client.post(url(group_visit), {"received": "1", "leader": "", "on": "2026-09-01"})
    client.post(url(group_visit), {"received": "1", "leader": "李镇长", "on": "2099-01-01"})
    client.post(url(group_visit), {"received": "1", "leader": "李镇长", "on": "2026-08-01"})
    assert not group_visit.events.filter(action="group_reception").exists()
    page = client.get(f"/cases/{group_visit.pk}/", follow=True).content.decode()
    assert "未当面接谈的，请说明原因" in page or "接谈日期" in page
    ok = client.post(url(group_visit), {"received": "0", "leader": "李镇长", "on": "2026-09-01", "note": "外出开会，由副镇长接谈"})
    assert ok.status_code == 302
    assert group_visit.events.get(action="group_reception").data["received"] is False


def test_others_cannot_record(client, county, group_visit, petition):
    for user in (county.li, county.wang):  # li sees the item but was not alerted; wang cannot see it
        client.force_login(user)
        assert client.post(url(group_visit), {"received": "1", "leader": "某", "on": "2026-09-01"}).status_code == 404
    single = s.case_forward(case=petition(), actor=county.zhang, target=county.town, on=group_visit.received_on)
    client.force_login(county.zhang)
    assert client.post(url(single), {"received": "1", "leader": "某", "on": "2026-09-01"}).status_code == 404
    assert 'id="reception"' not in client.get(f"/cases/{single.pk}/").content.decode()
    client.logout()
    assert client.post(url(group_visit), {"received": "1", "leader": "某"}).status_code == 302
    assert not group_visit.events.filter(action="group_reception").exists()
