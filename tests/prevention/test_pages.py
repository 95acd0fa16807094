"""The ledger pages: scoping (404 for another township, GET and POST), login required, and the nav link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.prevention.models import DisputeEntry, Resolution

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_anonymous_visitors_are_sent_to_login(client, county, entry):
    e = entry()
    for url in (
        reverse("prevention:ledger"),
        reverse("prevention:entry", args=[e.pk]),
        reverse("prevention:summary"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("prevention:followup_new", args=[e.pk]), {"on": "2026-09-02", "note": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not e.followups.exists()


def test_village_reporter_sees_only_their_village(login, county, villager, entry):
    mine = entry(actor=villager, parties="东街村邻里宅基地纠纷双方")
    town = entry(place=county.town, parties="东街镇集市摊位纠纷双方")
    c = login(villager)
    body = c.get(reverse("prevention:ledger")).content.decode()
    assert "东街村邻里宅基地纠纷双方" in body and "东街镇集市摊位纠纷双方" not in body
    assert c.get(reverse("prevention:entry", args=[mine.pk])).status_code == 200
    assert c.get(reverse("prevention:entry", args=[town.pk])).status_code == 404


def test_another_townships_user_gets_404_on_the_page_and_on_posts(login, county, xishan, entry):
    e = entry()
    c = login(xishan)
    assert "东街村三组村民" not in c.get(reverse("prevention:ledger")).content.decode()
    for name in ("entry", "entry_edit", "entry_petition"):
        assert c.get(reverse(f"prevention:{name}", args=[e.pk])).status_code == 404
    for name, data in (
        ("followup_new", {"on": "2026-09-02", "note": "越权"}),
        ("entry_edit", {"parties": "改"}),
        (
            "entry_petition",
            {
                "petitioner_names": "陈大明",
                "title": "x",
                "channel": "visit",
                "claim_type": "appeal",
                "purpose": "request",
            },
        ),
    ):
        assert c.post(reverse(f"prevention:{name}", args=[e.pk]), data).status_code == 404
    e.refresh_from_db()
    assert e.parties == "东街村三组村民与某建筑公司" and not e.followups.exists() and e.case_id is None
    # Nor does his export contain it.
    export = c.get(reverse("prevention:export"))
    assert export.status_code == 200 and "东街村三组村民".encode() not in export.content


def test_township_reporter_adds_follows_up_and_converts_through_the_pages(login, county):
    c = login(county.li)
    response = c.post(
        reverse("prevention:entry_new"),
        {
            "reported_on": "2026-09-01",
            "source": "screening",
            "place": county.village.pk,
            "dispute_type": "land_taking",
            "risk_level": "major",
            "parties": "东街村五组村民与县住建局",
            "summary": "征地补偿标准争议，涉及40户。",
            "responsible_unit": county.housing.pk,
            "responsible_leader": "李镇长",
            "measures": "",
            "resolution": "resolving",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    e = DisputeEntry.objects.get()
    assert (
        c.post(
            reverse("prevention:followup_new", args=[e.pk]), {"on": "2026-09-02", "note": "召开协调会"}
        ).status_code
        == 302
    )
    response = c.post(
        reverse("prevention:entry_petition", args=[e.pk]),
        {
            "petitioner_names": "陈大明",
            "title": "征地补偿标准争议",
            "channel": "visit",
            "claim_type": "appeal",
            "purpose": "request",
        },
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.resolution == Resolution.PETITION and e.case is not None
    detail = c.get(reverse("prevention:entry", args=[e.pk])).content.decode()
    assert e.case.number in detail and "召开协调会" in detail
    # 县住建局, the responsible unit, sees the entry; it cannot edit it.
    z = login(county.housing_handler)
    assert z.get(reverse("prevention:entry", args=[e.pk])).status_code == 200
    assert (
        z.post(reverse("prevention:followup_new", args=[e.pk]), {"on": "2026-09-02", "note": "x"}).status_code
        == 403
    )


def test_a_viewer_without_reporting_rights_cannot_open_the_new_entry_form(login, county):
    assert login(county.zhao).get(reverse("prevention:entry_new")).status_code == 403


def test_nav_link_only_for_users_who_may_see_the_ledger(login, county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    assert "排查台账" in login(county.li).get(reverse("workbench:home")).content.decode()
    admin = user_create(
        username="adm",
        password="Xinfang-2026",
        full_name="管理员",
        unit=county.bureau,
        roles=[(Role.ADMINISTRATOR, county.county)],
    )
    c = login(admin)
    assert c.get(reverse("prevention:ledger")).status_code == 403
