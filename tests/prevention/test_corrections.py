"""Corrections: a meeting, its open decisions and a ledger follow-up are changed in place, each change recorded
(who, when, what it replaced) in ``Revision``; bad input and the wrong user change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create
from xinfang.prevention import selectors, services
from xinfang.prevention.models import FollowUp, JointMeeting, MeetingDecision, Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def no_view(county):
    """An account with no case.view anywhere: it may see no prevention record at all."""
    return user_create(
        username="adm",
        password="Xinfang-2026",
        full_name="管理员",
        unit=county.bureau,
        roles=[(Role.ADMINISTRATOR, county.county)],
    )


@pytest.fixture
def meeting(county, entry):
    """A county meeting (县领导 convenes) with one decision for 东街镇 and one for 县住建局."""

    def make(actor=None, unit=None, **overrides):
        data = dict(
            unit=unit or county.county,
            held_on=dt.date(2026, 10, 15),
            topic="10月矛盾纠纷联席研判",
            notes="研判欠薪纠纷",
            units_present=[county.town],
            entries=[entry()],
            decisions=[
                services.DecisionInput(
                    text="督促施工方11月底前结清工资", owner_unit=county.town, due_on=dt.date(2026, 11, 30)
                ),
                services.DecisionInput(
                    text="核查工程款拨付情况", owner_unit=county.housing, due_on=dt.date(2026, 11, 20)
                ),
            ],
        )
        data.update(overrides)
        return services.meeting_record(actor=actor or county.county_head, data=services.MeetingInput(**data))

    return make


def snapshot(meeting: JointMeeting) -> tuple:
    m = JointMeeting.objects.get(pk=meeting.pk)
    return (
        m.held_on,
        m.topic,
        m.notes,
        m.updated_at,
        sorted(m.units_present.values_list("pk", flat=True)),
        sorted(m.cases.values_list("pk", flat=True)),
        sorted(m.entries.values_list("pk", flat=True)),
        sorted(MeetingDecision.objects.filter(meeting=m).values_list("pk", "text", "owner_unit", "due_on")),
        Revision.objects.count(),
    )


def edit_post(meeting: JointMeeting, **overrides) -> dict:
    data = {
        "held_on": meeting.held_on.isoformat(),
        "topic": meeting.topic,
        "notes": meeting.notes,
        "units_present": [u.pk for u in meeting.units_present.all()],
        "entries": [e.pk for e in meeting.entries.all()],
        "case_numbers": "\n".join(c.number for c in meeting.cases.all()),
    }
    data.update(overrides)
    return data


# --- 联席研判 -------------------------------------------------------------------------------------------------


def test_the_convener_edits_a_meeting_and_the_change_is_recorded(login, county, meeting, entry, petition):
    m = meeting()
    first_entry = m.entries.get()
    second = entry(parties="东街村四组与养殖场", dispute_type="pollution")
    case = petition()
    c = login(county.county_head)
    page = c.get(reverse("prevention:meeting_edit", args=[m.pk]))
    assert page.status_code == 200 and "10月矛盾纠纷联席研判" in page.content.decode()
    response = c.post(
        reverse("prevention:meeting_edit", args=[m.pk]),
        edit_post(
            m,
            held_on="2026-10-16",
            topic="10月联席研判（补充欠薪议题）",
            notes="研判欠薪纠纷及养殖场污染",
            units_present=[county.town.pk, county.housing.pk],
            entries=[first_entry.pk, second.pk],
            case_numbers=case.number,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    m.refresh_from_db()
    assert (m.held_on, m.topic, m.notes) == (
        dt.date(2026, 10, 16),
        "10月联席研判（补充欠薪议题）",
        "研判欠薪纠纷及养殖场污染",
    )
    assert set(m.units_present.all()) == {county.town, county.housing}
    assert set(m.entries.all()) == {first_entry, second} and list(m.cases.all()) == [case]
    assert m.updated_by == county.county_head and m.updated_at is not None
    rev = Revision.objects.get()
    assert rev.kind == Revision.Kind.MEETING and rev.meeting == m and rev.actor == county.county_head
    changes = {c["field"]: c for c in rev.changes}
    assert changes["topic"]["before"] == "10月矛盾纠纷联席研判"
    assert changes["held_on"]["before"] == "2026-10-15" and changes["held_on"]["after"] == "2026-10-16"
    assert changes["units_present"]["before"] == "东街镇" and "县住建局" in changes["units_present"]["after"]
    assert changes["entries"]["before_ids"] == [first_entry.pk]
    assert changes["cases"]["before_ids"] == [] and changes["cases"]["after_ids"] == [case.pk]
    detail = c.get(reverse("prevention:meeting", args=[m.pk])).content.decode()
    assert "修改记录（1）" in detail and "10月矛盾纠纷联席研判" in detail  # the old topic, in the history
    assert "县领导于" in detail  # who last changed it


def test_invalid_meeting_edits_say_why_in_chinese_and_change_nothing(login, county, meeting):
    m = meeting()
    before = snapshot(m)
    c = login(county.county_head)
    url = reverse("prevention:meeting_edit", args=[m.pk])
    for overrides, message in (
        ({"held_on": "2099-01-01"}, "会议日期不能晚于今天"),
        ({"held_on": "2026-11-25"}, "会议日期不能晚于议定事项的完成时限（2026-11-20）"),
        ({"topic": ""}, "这个字段是必须的"),
        ({"case_numbers": "XF-NO-SUCH"}, "未找到信访件：XF-NO-SUCH"),
        ({}, "联席研判没有改动，无需保存"),
    ):
        response = c.post(url, edit_post(m, **overrides))
        assert response.status_code == 200 and message in response.content.decode(), overrides
    assert snapshot(m) == before
    with pytest.raises(ValidationFailed, match="请填写议题"):
        services.meeting_update(
            actor=county.county_head, meeting=m, data=services.MeetingEdit(held_on=m.held_on, topic="  ")
        )
    assert snapshot(m) == before


def test_links_the_editor_cannot_see_are_kept(county, meeting, petition):
    """张 (bureau) convenes; the entry discussed is 东街镇's, outside his view: his edit must not drop it."""
    case = petition()
    m = meeting(actor=county.zhang, unit=county.bureau, cases=[case])
    hidden_entry = m.entries.get()
    assert selectors.meeting_links(county.zhang, m) == ([case], [])
    services.meeting_update(
        actor=county.zhang,
        meeting=m,
        data=services.MeetingEdit(
            held_on=m.held_on,
            topic=m.topic,
            notes=m.notes,
            units_present=list(m.units_present.all()),
            cases=[],
            entries=[],
        ),
    )
    m.refresh_from_db()
    assert list(m.cases.all()) == [] and list(m.entries.all()) == [hidden_entry]
    (change,) = Revision.objects.get().changes
    assert change["field"] == "cases" and change["before_ids"] == [case.pk] and change["after_ids"] == []


def test_the_convener_edits_an_open_decision_and_the_change_is_recorded(login, county, meeting):
    m = meeting()
    d = m.decisions.get(owner_unit=county.town)
    c = login(county.county_head)
    assert c.get(reverse("prevention:decision_edit", args=[m.pk, d.pk])).status_code == 200
    response = c.post(
        reverse("prevention:decision_edit", args=[m.pk, d.pk]),
        {"text": "由县住建局督促施工方结清工资", "owner_unit": county.housing.pk, "due_on": "2026-12-15"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    d.refresh_from_db()
    assert (d.text, d.owner_unit, d.due_on) == (
        "由县住建局督促施工方结清工资",
        county.housing,
        dt.date(2026, 12, 15),
    )
    assert d.updated_by == county.county_head and d.updated_at is not None and d.done_on is None
    rev = Revision.objects.get()
    assert rev.kind == Revision.Kind.DECISION and rev.decision == d and rev.meeting == m
    assert {c["field"]: (c["before"], c["after"]) for c in rev.changes} == {
        "text": ("督促施工方11月底前结清工资", "由县住建局督促施工方结清工资"),
        "owner_unit": ("东街镇", "县住建局"),
        "due_on": ("2026-11-30", "2026-12-15"),
    }
    # The task moved with it.
    assert d not in selectors.open_decisions_for(county.li)
    assert d in selectors.open_decisions_for(county.housing_handler)
    page = c.get(reverse("prevention:meeting", args=[m.pk])).content.decode()
    assert "督促施工方11月底前结清工资" in page  # the previous text stays readable


def test_invalid_decision_edits_say_why_and_change_nothing(login, county, meeting):
    m = meeting()
    d = m.decisions.get(owner_unit=county.town)
    before = snapshot(m)
    c = login(county.county_head)
    url = reverse("prevention:decision_edit", args=[m.pk, d.pk])
    for data, message in (
        (
            {"text": "x", "owner_unit": county.town.pk, "due_on": "2026-10-01"},
            "完成时限不能早于会议日期（2026-10-15）",
        ),
        ({"text": "", "owner_unit": county.town.pk, "due_on": "2026-11-30"}, "这个字段是必须的"),
        (
            {"text": d.text, "owner_unit": county.town.pk, "due_on": "2026-11-30"},
            "议定事项没有改动，无需保存",
        ),
    ):
        response = c.post(url, data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert snapshot(m) == before
    with pytest.raises(ValidationFailed, match="请选择责任单位；请填写完成时限"):
        services.decision_update(
            actor=county.county_head,
            decision=d,
            data=services.DecisionInput(text="x", owner_unit=None, due_on=None),
        )
    assert snapshot(m) == before


def test_a_done_decision_cannot_be_edited(login, county, meeting):
    m = meeting()
    d = m.decisions.get(owner_unit=county.town)
    services.decision_complete(actor=county.li, decision=d, note="工资已结清")
    d.refresh_from_db()
    before = snapshot(m)
    with pytest.raises(ValidationFailed, match="该议定事项已办结，不能修改"):
        services.decision_update(
            actor=county.county_head,
            decision=d,
            data=services.DecisionInput(text="改", owner_unit=county.town, due_on=dt.date(2026, 12, 31)),
        )
    c = login(county.county_head)
    url = reverse("prevention:decision_edit", args=[m.pk, d.pk])
    assert c.get(url).status_code == 302
    response = c.post(url, {"text": "改", "owner_unit": county.town.pk, "due_on": "2026-12-31"}, follow=True)
    assert "该议定事项已办结，不能修改" in response.content.decode()
    assert snapshot(m) == before
    # The page offers editing only for the open one.
    page = c.get(reverse("prevention:meeting", args=[m.pk])).content.decode()
    other = m.decisions.get(owner_unit=county.housing)
    assert reverse("prevention:decision_edit", args=[m.pk, other.pk]) in page and url not in page


def test_meeting_edit_pages_permission_boundary(login, client, county, meeting, no_view):
    m = meeting()
    d = m.decisions.get(owner_unit=county.town)
    other = meeting(topic="另一次研判")
    foreign = other.decisions.first()
    before = snapshot(m)
    edit = reverse("prevention:meeting_edit", args=[m.pk])
    decision = reverse("prevention:decision_edit", args=[m.pk, d.pk])
    meeting_data = edit_post(m, topic="越权修改")
    decision_data = {"text": "越权修改", "owner_unit": county.labour.pk, "due_on": "2026-12-31"}
    # Not logged in: to the login page.
    for url in (edit, decision):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    # 王 (县人社局) does not see the meeting, the administrator sees no prevention record: 404, as for none.
    for user in (county.wang, no_view):
        c = login(user)
        assert c.get(edit).status_code == 404 and c.post(edit, meeting_data).status_code == 404
        assert c.get(decision).status_code == 404 and c.post(decision, decision_data).status_code == 404
    # 李 sees it (东街镇 owns a task) and 赵 (督查) sees the county's, but neither convened it: 403, like the
    # ledger's edit pages for those who see an entry but may not change it.
    for user in (county.li, county.zhao):
        c = login(user)
        assert c.get(reverse("prevention:meeting", args=[m.pk])).status_code == 200
        assert c.get(edit).status_code == 403 and c.post(edit, meeting_data).status_code == 403
        assert c.get(decision).status_code == 403 and c.post(decision, decision_data).status_code == 403
        assert "越权修改" not in c.get(reverse("prevention:meeting", args=[m.pk])).content.decode()
    # A decision of another meeting, through this meeting's address: 404.
    c = login(county.county_head)
    assert (
        c.post(reverse("prevention:decision_edit", args=[m.pk, foreign.pk]), decision_data).status_code == 404
    )
    assert snapshot(m) == before
    foreign.refresh_from_db()
    assert foreign.text != "越权修改"
    # The services refuse the same users.
    with pytest.raises(PermissionRefused):
        services.meeting_update(
            actor=county.li, meeting=m, data=services.MeetingEdit(held_on=m.held_on, topic="改")
        )
    with pytest.raises(PermissionRefused):
        services.decision_update(
            actor=county.li,
            decision=d,
            data=services.DecisionInput(text="改", owner_unit=county.town, due_on=dt.date(2027, 1, 31)),
        )
    assert snapshot(m) == before


# --- follow-ups -----------------------------------------------------------------------------------------------


def test_the_author_corrects_a_follow_up_and_the_previous_text_is_kept(login, county, villager, entry):
    e = entry(actor=villager)
    f = services.followup_add(actor=villager, entry=e, on=dt.date(2026, 9, 3), note="回访村民，工资已到帐")
    updated_before = type(e).objects.get(pk=e.pk).updated_at
    c = login(villager)
    url = reverse("prevention:followup_edit", args=[e.pk, f.pk])
    assert "工资已到帐" in c.get(url).content.decode()
    response = c.post(url, {"on": "2026-09-04", "note": "回访村民，工资已到账"})
    assert response.status_code == 302, response.content.decode()[:3000]
    f.refresh_from_db()
    assert (f.on, f.note) == (dt.date(2026, 9, 4), "回访村民，工资已到账")
    assert f.edited_by == villager and f.edited_at is not None
    assert f.author == villager and f.created_at < f.edited_at  # the original authorship stays
    rev = Revision.objects.get()
    assert (rev.kind, rev.entry, rev.followup, rev.actor) == (Revision.Kind.FOLLOWUP, e, f, villager)
    assert {c["field"]: (c["before"], c["after"]) for c in rev.changes} == {
        "on": ("2026-09-03", "2026-09-04"),
        "note": ("回访村民，工资已到帐", "回访村民，工资已到账"),
    }
    assert type(e).objects.get(pk=e.pk).updated_at > updated_before
    page = c.get(reverse("prevention:entry", args=[e.pk])).content.decode()
    assert 'data-testid="followup-edited"' in page and "工资已到帐" in page and "工资已到账" in page


def test_a_reporter_of_the_area_may_correct_anothers_follow_up_and_an_author_their_own(
    login, county, villager, entry
):
    e = entry(actor=villager, responsible_unit=county.housing)
    f = services.followup_add(actor=villager, entry=e, on=dt.date(2026, 9, 3), note="村委会调解")
    # 李 (东街镇) holds the permission followup_add requires on the village: he may correct it.
    services.followup_correct(actor=county.li, entry=e, followup=f, on=f.on, note="村委会、镇司法所联合调解")
    f.refresh_from_db()
    assert f.note == "村委会、镇司法所联合调解" and f.edited_by == county.li
    # 县住建局 sees the entry (responsible unit) but may not add follow-ups; a note it wrote earlier (say, before
    # the rules changed) is still its own to correct.
    own = FollowUp.objects.create(
        entry=e,
        on=dt.date(2026, 9, 5),
        note="住建局约谈施工方",
        author=county.housing_handler,
        created_at=f.created_at,
    )
    assert not selectors.may_edit_entry(county.housing_handler, e)
    c = login(county.housing_handler)
    assert (
        c.post(
            reverse("prevention:followup_edit", args=[e.pk, own.pk]),
            {"on": "2026-09-05", "note": "住建局约谈施工方负责人"},
        ).status_code
        == 302
    )
    own.refresh_from_db()
    assert own.note == "住建局约谈施工方负责人"
    # …but not the village's.
    assert c.get(reverse("prevention:followup_edit", args=[e.pk, f.pk])).status_code == 403
    with pytest.raises(PermissionRefused):
        services.followup_correct(actor=county.housing_handler, entry=e, followup=f, on=f.on, note="改")
    f.refresh_from_db()
    assert f.note == "村委会、镇司法所联合调解"
    assert Revision.objects.filter(followup=f).count() == 1


def test_invalid_follow_up_corrections_say_why_and_change_nothing(login, county, entry):
    e = entry()
    f = services.followup_add(actor=county.li, entry=e, on=dt.date(2026, 9, 3), note="召开协调会")
    c = login(county.li)
    url = reverse("prevention:followup_edit", args=[e.pk, f.pk])
    for data, message in (
        ({"on": "2026-08-01", "note": "召开协调会"}, "跟进日期不能早于排查日期（2026-09-01）"),
        ({"on": "2099-01-01", "note": "召开协调会"}, "跟进日期不能晚于今天"),
        ({"on": "2026-09-03", "note": ""}, "这个字段是必须的"),
        ({"on": "2026-09-03", "note": "召开协调会"}, "跟进记录没有改动，无需更正"),
    ):
        response = c.post(url, data)
        assert response.status_code == 200 and message in response.content.decode(), data
    with pytest.raises(ValidationFailed, match="请填写跟进情况"):
        services.followup_correct(actor=county.li, entry=e, followup=f, on=f.on, note="   ")
    f.refresh_from_db()
    assert (f.on, f.note, f.edited_at, f.edited_by) == (dt.date(2026, 9, 3), "召开协调会", None, None)
    assert not Revision.objects.exists()


def test_follow_up_correction_permission_boundary(login, client, county, xishan, entry, no_view):
    e = entry(responsible_unit=county.housing)
    f = services.followup_add(actor=county.li, entry=e, on=dt.date(2026, 9, 3), note="召开协调会")
    other = entry(parties="东街村邻里纠纷双方")
    foreign = services.followup_add(actor=county.li, entry=other, on=dt.date(2026, 9, 3), note="另一条")
    url = reverse("prevention:followup_edit", args=[e.pk, f.pk])
    data = {"on": "2026-09-03", "note": "越权更正"}
    response = client.post(url, data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Another township and an account without case.view: 404 on the page and on the post.
    for user in (xishan, no_view):
        c = login(user)
        assert c.get(url).status_code == 404 and c.post(url, data).status_code == 404
    # 县住建局 and 赵 see the entry but did not write the note and may not add follow-ups: 403.
    for user in (county.housing_handler, county.zhao):
        c = login(user)
        assert c.get(reverse("prevention:entry", args=[e.pk])).status_code == 200
        assert c.get(url).status_code == 403 and c.post(url, data).status_code == 403
        assert url not in c.get(reverse("prevention:entry", args=[e.pk])).content.decode()
    # Another entry's follow-up through this entry's address: 404.
    c = login(county.li)
    assert c.post(reverse("prevention:followup_edit", args=[e.pk, foreign.pk]), data).status_code == 404
    assert url in c.get(reverse("prevention:entry", args=[e.pk])).content.decode()
    f.refresh_from_db()
    foreign.refresh_from_db()
    assert f.note == "召开协调会" and foreign.note == "另一条" and f.edited_at is None
    assert not Revision.objects.exists()
