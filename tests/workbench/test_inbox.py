"""The staff inbox: the group-visit alert reaches the township secretary's pages; each user sees, counts and
marks only their own messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.cases import services as s
from xinfang.cases.models import Notification

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"
READ = "/inbox/read/"


@pytest.fixture
def group_visit(petition, county):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    return petition(channel="visit", petitioners=people, people_count=23, responsible_unit=county.town)


def test_urls_are_the_documented_ones():
    assert reverse("workbench:inbox") == INBOX and reverse("workbench:inbox_mark_read") == READ


def test_the_group_visit_alert_is_on_the_secretarys_bell_and_inbox(client, county, group_visit):
    client.force_login(county.town_secretary)
    home = client.get(reverse("workbench:home")).content.decode()
    assert 'data-testid="inbox-unread">1<' in home
    page = client.get(INBOX).content.decode()
    assert f"集体访提醒：{group_visit.number}" in page and "23人来访" in page
    assert reverse("workbench:case_detail", args=[group_visit.pk]) in page
    assert 'class="unread"' in page


def test_marking_one_read_and_then_all(client, county, group_visit, petition):
    second = petition(channel="visit", people_count=6, petitioners=[
        s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)], responsible_unit=county.town)
    mine = list(Notification.objects.filter(recipient=county.town_secretary).order_by("pk"))
    assert len(mine) == 2
    client.force_login(county.town_secretary)
    assert client.post(READ, {"id": str(mine[0].pk)}).status_code == 302
    assert [n.read_at is not None for n in Notification.objects.filter(recipient=county.town_secretary).order_by("pk")] == [
        True, False]
    assert 'data-testid="inbox-unread">1<' in client.get(INBOX).content.decode()
    resp = client.post(READ, follow=True)
    assert "已将 1 条通知标为已读" in resp.content.decode()
    assert not Notification.objects.filter(recipient=county.town_secretary, read_at__isnull=True).exists()
    assert 'data-testid="inbox-unread"' not in resp.content.decode()
    assert second.number in resp.content.decode()


def test_nobody_sees_counts_or_marks_another_users_messages(client, county, group_visit):
    theirs = Notification.objects.filter(recipient=county.town_secretary).get()
    client.force_login(county.zhang)  # the registrar: no message of their own
    page = client.get(INBOX).content.decode()
    assert "暂无通知" in page and group_visit.number not in page
    assert 'data-testid="inbox-unread"' not in client.get(reverse("workbench:home")).content.decode()
    # Another user's message id is answered like one that does not exist, and stays unread.
    assert client.post(READ, {"id": str(theirs.pk)}).status_code == 404
    assert client.post(READ, {"id": "999999"}).status_code == 404
    assert client.post(READ, {"id": "１２x"}).status_code == 404
    client.post(READ)  # "all": only the user's own
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_inbox_takes_no_writes_by_get_and_no_reads_by_post(client, county, group_visit):
    client.force_login(county.town_secretary)
    assert client.get(READ).status_code == 405
    assert client.post(INBOX).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_a_group_accusation_alert_names_the_item_but_not_what_is_alleged(client, county, petition):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    case = petition(channel="visit", petitioners=people, people_count=9, responsible_unit=county.town,
                    claim_type="accusation", purpose="expose", accused_unit=county.village)
    assert Notification.objects.filter(case=case).exists()
    for note in Notification.objects.filter(case=case):
        client.force_login(note.recipient)
        page = client.get(INBOX).content.decode()
        assert case.number in page and case.title not in page
