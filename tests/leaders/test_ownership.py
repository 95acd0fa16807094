"""包案 from taking to the 息诉罢访 check: every step in the items' history; who may take, edit and conclude."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from xinfang.cases import services as s
from xinfang.cases.models import CaseEvent
from xinfang.cases.workflow import EVENT_LABELS
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.leaders import selectors, services
from xinfang.leaders.models import CaseOwnership

pytestmark = pytest.mark.django_db

D = dt.date


def take(county, case, leader=None, **kw):
    args = dict(
        leader=leader or county.town_secretary, cases=[case], title="", plan="约谈施工方，核实工资表，限期结清",
        deadline=D(2026, 10, 10), team_units=[county.town], team_members=[county.li], on=D(2026, 9, 10),
    )
    args.update(kw)
    return services.ownership_take(**args)


def at(traveller, day: dt.date) -> None:
    traveller.move_to(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))


def actions(case):
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


def test_the_lifecycle_take_milestones_conclude(county, town_item):
    o = take(county, town_item, leader_post="镇党委书记")
    assert o.state == CaseOwnership.State.OPEN and o.title == town_item.title
    assert list(o.items.all()) == [town_item]
    assert selectors.next_action(o).label == "确认化解结果"

    m1 = services.milestone_add(ownership=o, actor=county.town_secretary, due_on=D(2026, 9, 15), text="约谈施工方")
    services.milestone_add(ownership=o, actor=county.li, due_on=D(2026, 9, 25), text="监督发放工资")
    assert selectors.next_action(o).label == "约谈施工方"
    done = services.milestone_complete(milestone=m1, actor=county.li, on=D(2026, 9, 14))
    assert done.done_on == D(2026, 9, 14)
    # A second click records nothing more.
    services.milestone_complete(milestone=m1, actor=county.li, on=D(2026, 9, 15))
    assert selectors.next_action(o).label == "监督发放工资"
    services.note_add(ownership=o, actor=county.li, held_on=D(2026, 9, 9), text="施工方承诺月底前结清", attendees="镇政府、施工方")

    with pytest.raises(PermissionRefused):
        services.ownership_conclude(ownership=o, actor=county.li, outcome="已结清")
    o = services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="工资3万元已全部结清", on=D(2026, 9, 30))
    assert o.state == CaseOwnership.State.CONCLUDED and o.concluded_on == D(2026, 9, 30)
    with pytest.raises(ValidationFailed):
        services.milestone_add(ownership=o, actor=county.town_secretary, due_on=D(2026, 10, 1), text="再跟进")

    assert actions(town_item)[-6:] == [
        "ownership_take", "ownership_milestone", "ownership_milestone", "ownership_milestone_done",
        "ownership_note", "ownership_conclude",
    ]
    assert all(a in EVENT_LABELS for a in actions(town_item))


def test_settled_after_the_window_with_no_new_petition(county, town_item, settings):
    settings.XINFANG_SETTLED_DAYS = 90
    o = take(county, town_item)
    services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="已结清", on=D(2026, 9, 30))
    # Day 90 is still inside the window: nothing is decided yet.
    assert services.settled_check(today=D(2026, 12, 29)).settled == []
    result = services.settled_check(today=D(2026, 12, 30))
    assert [x.pk for x in result.settled] == [o.pk]
    o.refresh_from_db()
    assert o.state == CaseOwnership.State.SETTLED and o.settled_checked_on == D(2026, 12, 30)
    assert actions(town_item)[-1] == "ownership_settled"
    # Idempotent: the next day's run finds nothing to do.
    assert services.settled_check(today=D(2026, 12, 31)).settled == []


def test_a_repeat_item_inside_the_window_means_not_settled(county, town_item, petition, settings, frozen_today):
    settings.XINFANG_SETTLED_DAYS = 90
    o = take(county, town_item)
    services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="已结清", on=D(2026, 9, 30))
    at(frozen_today, D(2026, 11, 21))
    petition(title="再次反映：工资仍未结清", received_on=D(2026, 11, 20), earlier_items=[town_item])
    # Decided at once, without waiting for the window to end.
    result = services.settled_check(today=D(2026, 11, 21))
    assert [x.pk for x in result.unsettled] == [o.pk]
    o.refresh_from_db()
    assert o.state == CaseOwnership.State.UNSETTLED and "2026-11-20" in o.settled_note
    assert actions(town_item)[-1] == "ownership_unsettled"


def test_a_repeat_item_after_the_window_does_not_count(county, town_item, petition, settings, frozen_today):
    settings.XINFANG_SETTLED_DAYS = 30
    o = take(county, town_item)
    services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="已结清", on=D(2026, 9, 30))
    at(frozen_today, D(2026, 11, 25))
    petition(title="再次反映", received_on=D(2026, 11, 20), earlier_items=[town_item])
    result = services.settled_check(today=D(2026, 11, 25))
    assert [x.pk for x in result.settled] == [o.pk]


def test_an_unrelated_item_does_not_count(county, town_item, petition, frozen_today):
    o = take(county, town_item)
    services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="已结清", on=D(2026, 9, 30))
    at(frozen_today, D(2026, 12, 30))
    petition(title="另一件事", received_on=D(2026, 10, 20))
    assert [x.pk for x in services.settled_check(today=D(2026, 12, 30)).settled] == [o.pk]


def test_the_daily_command_runs_the_check(county, town_item, frozen_today):
    o = take(county, town_item)
    services.ownership_conclude(ownership=o, actor=county.town_secretary, outcome="已结清", on=D(2026, 9, 10))
    frozen_today.move_to(dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    call_command("leaders_daily")
    o.refresh_from_db()
    assert o.state == CaseOwnership.State.SETTLED


def test_a_unit_head_may_take_and_a_county_leader_too(county, town_item):
    assert take(county, town_item, leader=county.li_head).leader == county.li_head


def test_a_non_leader_cannot_take(county, town_item):
    with pytest.raises(PermissionRefused):
        take(county, town_item, leader=county.li)
    with pytest.raises(PermissionRefused):
        take(county, town_item, leader=county.zhao)  # the supervisor sees the item but leads nothing
    assert not CaseOwnership.objects.exists()


def test_another_units_leader_gets_not_found(county, town_item):
    with pytest.raises(NotFound):
        take(county, town_item, leader=county.wang)


def test_one_matter_one_leader(county, town_item):
    take(county, town_item)
    with pytest.raises(ValidationFailed):
        take(county, town_item, leader=county.county_head)


def test_a_group_of_related_items(county, town_item, petition):
    later = petition(title="再次反映工资问题", received_on=D(2026, 9, 5), earlier_items=[town_item])
    s.case_forward(case=later, actor=county.zhang, target=county.town, on=D(2026, 9, 6))
    o = take(county, town_item, cases=[town_item, later])
    assert set(o.items.all()) == {town_item, later}
    assert "ownership_take" in actions(later)


def test_only_the_team_keeps_the_record(county, town_item):
    o = take(county, town_item)
    with pytest.raises(PermissionRefused):
        services.note_add(ownership=o, actor=county.li_head, held_on=D(2026, 9, 9), text="x")
    with pytest.raises(ValidationFailed):
        services.ownership_take(leader=county.county_head, cases=[town_item], title="", plan="", deadline=D(2026, 10, 1))


def test_backlog_lists_old_open_items_with_the_leader(county, town_item, petition, frozen_today):
    recent = petition(title="新近来信", received_on=D(2026, 9, 8))
    s.case_forward(case=recent, actor=county.zhang, target=county.town, on=D(2026, 9, 9))
    o = take(county, town_item)
    frozen_today.move_to(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    rows = selectors.backlog(county.li)
    assert [r.case for r in rows] == [town_item]
    assert rows[0].ownership == o and rows[0].age_days == 95
    assert selectors.backlog(county.wang) == []


def test_an_accusation_against_the_leaders_own_unit_is_not_theirs(county, petition):
    """A county leader who works at the 信访局 sees an accusation against the 信访局 (masked), but may not lead it,
    instruct on it, or read the 包案 panel of it ([T22-30])."""
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    bureau_leader = user_create(username="bureau_leader", password="Xinfang-2026", full_name="局长",
                                unit=county.bureau, roles=[(Role.LEADER, county.county)])
    accusation = petition(title="检举某单位工作人员违规发放补贴", claim_type="accusation", purpose="expose",
                          accused_unit=county.bureau, accused_person="某科长")
    accusation.refresh_from_db()
    from xinfang.cases.selectors import access_case

    assert access_case(bureau_leader, accusation.pk) == accusation  # seen, with the accuser masked
    with pytest.raises(NotFound):
        take(county, accusation, leader=bureau_leader)
    with pytest.raises(NotFound):
        services.instruction_issue(case=accusation, leader=bureau_leader, text="x", due_on=D(2026, 9, 30))
    assert selectors.item_panel(bureau_leader, accusation) == {}
    # The county head, outside the accused unit, may lead it.
    assert take(county, accusation, leader=county.county_head).leader == county.county_head
