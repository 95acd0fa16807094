"""The group-visit alert (decisions §4) goes through the outbox and reaches the unit head and the township
secretary at once; if the inbox cannot take it then, the sender delivers it later, once."""

from __future__ import annotations

import pytest

from xinfang.cases import services as s
from xinfang.cases.models import Notification
from xinfang.notifications import sender
from xinfang.notifications.models import Outbox

pytestmark = pytest.mark.django_db


def register_group_visit(petition, county, **overrides):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    return petition(channel="visit", petitioners=people, people_count=23, responsible_unit=county.town, **overrides)


def test_the_alert_is_an_outbox_message_delivered_with_the_registration(petition, county):
    case = register_group_visit(petition, county)
    rows = Outbox.objects.filter(case_id=case.pk, channel="inapp")
    assert {r.recipient.username for r in rows} == {"li_head", "town_sec"}
    assert {(r.kind, r.state, r.attempts) for r in rows} == {("group_visit", "sent", 1)}
    notes = Notification.objects.filter(case=case)
    assert {(n.recipient_id, n.outbox_id) for n in notes} == {(r.recipient_id, r.pk) for r in rows}
    assert all(n.message == f"集体访提醒：{case.number}「{case.title}」，23人来访，请按规定当面接谈。" for n in notes)
    assert sender.send_due().sent == 0  # nothing left for the sender, nothing delivered twice
    assert notes.count() == 2


def test_if_the_inbox_fails_at_registration_the_sender_delivers_the_alert(petition, county, flaky_backend, client):
    from xinfang.cases.messages import deliver_to_inbox

    def broken(message):
        raise RuntimeError("inbox unavailable")

    flaky_backend("inapp", broken, same_database=True)
    case = register_group_visit(petition, county)  # the registration itself is not held up
    assert set(Outbox.objects.filter(case_id=case.pk, channel="inapp").values_list("state", flat=True)) == {"pending"}
    assert not Notification.objects.exists()

    flaky_backend("inapp", deliver_to_inbox, same_database=True)
    assert sender.send_due().sent == 2
    assert set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True)) == {
        "li_head", "town_sec"}
    client.force_login(county.town_secretary)
    assert f"集体访提醒：{case.number}" in client.get("/inbox/").content.decode()


def test_an_accusations_alert_spares_the_accused_side_in_the_outbox_too(petition, county):
    case = register_group_visit(petition, county, claim_type="accusation", purpose="expose", accused_unit=county.village)
    rows = list(Outbox.objects.filter(case_id=case.pk, channel="inapp"))
    assert rows and all(case.title not in r.body and case.number in r.body for r in rows)
    # 东街村 is accused; 东街镇's head and secretary stand above it, not within it, and are told.
    assert {r.recipient.username for r in rows} == {"li_head", "town_sec"}
