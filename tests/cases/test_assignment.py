"""承办人 inside a unit (cases.assignment): assigning, extension requests and the head's decision, workload."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import drive
from xinfang.cases import assignment as a
from xinfang.cases import services as s
from xinfang.cases.models import Assignment, CaseEvent, ExtensionRequest, Notification
from xinfang.cases.states import Status
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture(autouse=True)
def frozen_today():
    # Inside the handling period of the items driven by tests.cases.helpers (accepted 2026-09-04, due 11-03).
    with time_machine.travel(dt.datetime(2026, 10, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


@pytest.fixture
def li2(county):
    return user_create(username="li2", password="Xinfang-2026", full_name="李二承办", unit=county.town,
                       roles=[(Role.HANDLER, county.town)])


@pytest.fixture
def handling(petition, county):
    return drive(petition, county, Status.HANDLING)


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("message", flat=True))


def test_the_head_assigns_and_the_handler_is_told(handling, county):
    row = a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    assert row.active and row.unit == county.town and row.assigned_by == county.li_head
    assert a.current_assignment(handling).handler == county.li
    event = CaseEvent.objects.filter(case=handling, action="handler_assigned").get()
    assert event.note == "承办人：李承办" and event.data["handler"] == county.li.pk
    assert any(handling.number in m and "承办人" in m for m in inbox(county.li))
    # The title can tell what an accusation alleges: messages carry the number only.
    assert not any(handling.title in m for m in inbox(county.li))


def test_a_handler_cannot_assign(handling, county, li2):
    with pytest.raises(PermissionRefused):
        a.case_assign_handler(case=handling, actor=county.li, handler=li2)
    assert not Assignment.objects.exists()


def test_the_handler_must_belong_to_the_unit_and_may_handle_there(handling, county):
    with pytest.raises(ValidationFailed):
        a.case_assign_handler(case=handling, actor=county.li_head, handler=county.housing_handler)
    # A village clerk sits below the town but holds no right to handle the town's items.
    villager = user_create(username="cun", password="Xinfang-2026", full_name="村干部", unit=county.village,
                           roles=[(Role.HANDLER, county.village)])
    with pytest.raises(ValidationFailed):
        a.case_assign_handler(case=handling, actor=county.li_head, handler=villager)
    assert county.housing_handler not in a.eligible_handlers(handling)
    assert villager not in a.eligible_handlers(handling)
    assert county.li in a.eligible_handlers(handling)
    assert not Assignment.objects.exists()


def test_another_units_head_cannot_assign(handling, county):
    with pytest.raises(PermissionRefused):
        a.case_assign_handler(case=handling, actor=county.wang, handler=county.li)


def test_reassigning_keeps_the_history(handling, county, li2):
    first = a.case_assign_handler(case=handling, actor=county.li_head, handler=county.li)
    second = a.case_assign_handler(case=handling, actor=county.li_head, handler=li2)
    first.refresh_from_db()
    assert not first.active and second.active
    assert list(Assignment.objects.filter(case=handling).order_by("pk").values_list("handler", "active")) == [
        (county.li.pk, False), (li2.pk, True)
    ]
    notes = list(CaseEvent.objects.filter(case=handling, action="handler_assigned").order_by("pk").values_list("note", flat=True))
    assert notes == ["承办人：李承办", "承办人：李二承办（原承办人：李承办）"]
    # Assigning the same person again changes nothing.
    assert a.case_assign_handler(case=handling, actor=county.li_head, handler=li2) == second
    assert Assignment.objects.filter(case=handling).count() == 2


def test_no_assignment_on_a_closed_item(handling, county):
    case = s.case_mediate(case=handling, actor=county.li, agreement="双方达成和解，工资已付清", on=D(2026, 10, 1))
    assert case.status == Status.CONCLUDED
    with pytest.raises(IllegalTransition):
        a.case_assign_handler(case=case, actor=county.li_head, handler=county.li)


def _assigned(case, county):
    a.case_assign_handler(case=case, actor=county.li_head, handler=county.li)
    return case


def test_extension_request_approved_extends_exactly_as_case_extend(handling, petition, county):
    case = _assigned(handling, county)
    req = a.extension_request(case=case, actor=county.li, days=20, reason="需要补充调查取证")
    assert req.state == ExtensionRequest.State.PENDING and req.unit == county.town
    assert any(case.number in m and "20 日" in m for m in inbox(county.li_head))

    done = a.extension_decide(request_id=req.pk, actor=county.li_head, approve=True)
    assert done.state == ExtensionRequest.State.APPROVED and done.decided_by == county.li_head

    twin = s.case_extend(case=drive(petition, county, Status.HANDLING), actor=county.li_head, days=20,
                         reason="需要补充调查取证")
    case.refresh_from_db()
    assert case.status == twin.status == Status.EXTENDED
    assert case.extension_days == 20
    assert (case.due_on, case.due_rule) == (twin.due_on, twin.due_rule)
    clocks = list(case.clocks.values_list("rule_code", "started_on", "due_on", "stopped_on", "superseded"))
    twin_clocks = list(twin.clocks.values_list("rule_code", "started_on", "due_on", "stopped_on", "superseded"))
    assert clocks == twin_clocks
    assert CaseEvent.objects.filter(case=case, action="extend").count() == 1
    assert any("已获批准" in m for m in inbox(county.li))


def test_extension_request_refused_records_the_note(handling, county):
    case = _assigned(handling, county)
    req = a.extension_request(case=case, actor=county.li, days=10, reason="材料未齐")
    with pytest.raises(ValidationFailed):
        a.extension_decide(request_id=req.pk, actor=county.li_head, approve=False, note="")
    done = a.extension_decide(request_id=req.pk, actor=county.li_head, approve=False, note="期限内可以办结")
    assert done.state == ExtensionRequest.State.REFUSED and done.decision_note == "期限内可以办结"
    case.refresh_from_db()
    assert case.status == Status.HANDLING and case.extension_days == 0
    event = CaseEvent.objects.get(case=case, action="extension_refused")
    assert event.note == "期限内可以办结"
    assert any("未获批准：期限内可以办结" in m for m in inbox(county.li))
    # Decided once: a second decision is refused.
    with pytest.raises(IllegalTransition):
        a.extension_decide(request_id=req.pk, actor=county.li_head, approve=True)
    # After a refusal the handler may ask again.
    assert a.extension_request(case=case, actor=county.li, days=5, reason="新的理由").state == "pending"


def test_only_one_pending_request(handling, county):
    case = _assigned(handling, county)
    a.extension_request(case=case, actor=county.li, days=10, reason="材料未齐")
    with pytest.raises(IllegalTransition):
        a.extension_request(case=case, actor=county.li, days=15, reason="再申请")
    assert ExtensionRequest.objects.filter(case=case).count() == 1


def test_only_the_assigned_handler_may_request(handling, county, li2):
    with pytest.raises(PermissionRefused):
        a.extension_request(case=handling, actor=county.li, days=10, reason="理由")  # nobody assigned yet
    _assigned(handling, county)
    with pytest.raises(PermissionRefused):
        a.extension_request(case=handling, actor=li2, days=10, reason="理由")


@pytest.mark.parametrize("days", [0, 31])
def test_request_days_within_the_legal_limit(handling, county, days):
    _assigned(handling, county)
    with pytest.raises(ValidationFailed):
        a.extension_request(case=handling, actor=county.li, days=days, reason="理由")


def test_no_request_outside_handling_or_after_an_extension(petition, county):
    signed = drive(petition, county, Status.SIGNED)
    _assigned(signed, county)
    with pytest.raises(IllegalTransition):
        a.extension_request(case=signed, actor=county.li, days=10, reason="理由")
    extended = drive(petition, county, Status.EXTENDED)
    _assigned(extended, county)
    with pytest.raises(IllegalTransition):
        a.extension_request(case=extended, actor=county.li, days=10, reason="理由")


def test_a_handler_cannot_decide(handling, county):
    req = a.extension_request(case=_assigned(handling, county), actor=county.li, days=10, reason="理由")
    with pytest.raises(PermissionRefused):
        a.extension_decide(request_id=req.pk, actor=county.li, approve=True)
    with pytest.raises(PermissionRefused):
        a.extension_decide(request_id=req.pk, actor=county.wang, approve=True)
    req.refresh_from_db()
    assert req.state == "pending"


def test_workload_counts(petition, county, li2):
    handling = drive(petition, county, Status.HANDLING)  # handling period: due 2026-11-03
    signed = drive(petition, county, Status.SIGNED)  # acceptance notice: due 2026-09-17, overdue on 10-10
    for case in (handling, signed):
        a.case_assign_handler(case=case, actor=county.li_head, handler=county.li)
    other = drive(petition, county, Status.HANDLING)
    a.case_assign_handler(case=other, actor=county.li_head, handler=li2)
    a.extension_request(case=other, actor=li2, days=10, reason="理由")
    # Handling: 2026-09-04 + 60 days = 11-03; on 10-10, 24 of 60 days are left (not yet the last third).
    rows = {r.handler.username: r for r in a.workload(county.li_head)}
    assert (rows["li"].open, rows["li"].overdue, rows["li"].due_soon, rows["li"].pending) == (2, 1, 0, 0)
    assert (rows["li2"].open, rows["li2"].overdue, rows["li2"].due_soon, rows["li2"].pending) == (1, 0, 0, 1)
    assert "li_head" in rows and rows["li_head"].open == 0  # the head can handle too: listed with nothing
    with time_machine.travel(dt.datetime(2026, 10, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        rows = {r.handler.username: r for r in a.workload(county.li_head)}
        assert (rows["li"].overdue, rows["li"].due_soon) == (1, 1)
        handler, items = a.workload_items(county.li_head, county.li.pk, "due_soon")
        assert handler == county.li and [c.pk for c in items] == [handling.pk]
    # Another unit's head sees none of the town's handlers; a plain handler manages nothing.
    assert all(r.handler.unit_id != county.town.pk for r in a.workload(county.wang))
    assert a.workload(county.li) == []


def test_a_direct_extension_by_the_head_answers_the_pending_request(handling, county):
    case = _assigned(handling, county)
    req = a.extension_request(case=case, actor=county.li, days=20, reason="需要补充调查取证")
    s.case_extend(case=case, actor=county.li_head, days=15, reason="涉及多个部门，需协调")
    req.refresh_from_db()
    assert req.state == "approved" and req.decided_by == county.li_head and "15" in req.decision_note
    # Nothing is left waiting for a decision that can no longer be taken.
    with pytest.raises(IllegalTransition):
        a.extension_decide(request_id=req.pk, actor=county.li_head, approve=True)
