"""阅批: a leader's instruction becomes the unit's task, its head is told, it stays open until answered."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.cases.models import CaseEvent, Notification
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.leaders import selectors, services

pytestmark = pytest.mark.django_db

D = dt.date


def issue(county, case, **kw):
    args = dict(case=case, leader=county.county_head, text="请东街镇一周内约谈施工方，督促结清工资并书面报告。",
                due_on=D(2026, 9, 17), on=D(2026, 9, 10))
    args.update(kw)
    return services.instruction_issue(**args)


def test_instruction_lifecycle(county, town_item, frozen_today):
    i = issue(county, town_item)
    assert i.unit == county.town and i.is_open
    # The township head hears of it in the staff inbox, through the outbox.
    note = Notification.objects.get(recipient=county.li_head, case=town_item)
    assert "批示" in note.message and "2026-09-17" in note.message
    # It is the unit's task, on the board of anyone who may see the item.
    assert [r.instruction for r in selectors.open_instructions(county.li)] == [i]
    assert [r.instruction for r in selectors.open_instructions_for_board(county.zhao)] == [i]
    assert selectors.open_instructions(county.wang) == []
    assert selectors.open_instructions_for_board(county.wang) == []
    row = selectors.open_instructions_for_board(county.zhao)[0]
    assert not row.overdue

    # Overdue is derived: the day after the due date, still unanswered.
    frozen_today.move_to(dt.datetime(2026, 9, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert selectors.open_instructions_for_board(county.zhao)[0].overdue

    with pytest.raises(NotFound):
        services.instruction_answer(instruction=i, actor=county.wang, answer="不是本单位")
    with pytest.raises(ValidationFailed):
        services.instruction_answer(instruction=i, actor=county.li, answer=" ")
    services.instruction_answer(instruction=i, actor=county.li, answer="已约谈施工方，工资9月30日前结清。")
    i.refresh_from_db()
    assert not i.is_open and i.answered_by == county.li
    assert selectors.open_instructions_for_board(county.zhao) == []
    with pytest.raises(ValidationFailed):
        services.instruction_answer(instruction=i, actor=county.li, answer="再次报告")
    events = list(CaseEvent.objects.filter(case=town_item, action__startswith="instruction").values_list("action", "data"))
    assert [a for a, _ in events] == ["instruction_issue", "instruction_answer"]
    assert events[1][1]["on_time"] is False
    assert Notification.objects.filter(recipient=county.county_head, case=town_item).exists()


def test_only_a_leader_of_the_unit_may_instruct(county, town_item, labour_item):
    with pytest.raises(PermissionRefused):
        issue(county, town_item, leader=county.li)
    with pytest.raises(NotFound):
        issue(county, town_item, leader=county.wang)
    with pytest.raises(ValidationFailed):
        issue(county, town_item, due_on=D(2026, 9, 1))
    # 东街镇's party secretary leads the township, not 县人社局.
    with pytest.raises(NotFound):
        issue(county, labour_item, leader=county.town_secretary)
