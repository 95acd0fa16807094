"""The daily job: lapsed request windows conclude items, evaluations expire, and it is idempotent."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tests.cases.helpers import D, drive, opinion
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.states import Status
from xinfang.core.errors import IllegalTransition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_lapsed_review_window_concludes_once(petition, county):
    case = drive(petition, county, Status.DELIVERED)  # window due 2026-11-23
    assert s.run_daily_tick(today=D(2026, 11, 23)).concluded == 0  # the due day itself is still open
    result = s.run_daily_tick(today=D(2026, 11, 24))
    assert result.concluded == 1
    case.refresh_from_db()
    assert case.status == Status.CONCLUDED and case.conclusion_reason == "review_lapsed"
    assert case.concluded_on == D(2026, 11, 24)
    lapse = CaseEvent.objects.get(case=case, action="lapse")
    assert lapse.actor is None and "复查申请期限届满" in lapse.note
    # evaluation window (same 30 days) lapsed as well
    assert result.evaluation_overdue == 1 and case.evaluation_status == "overdue"
    # second run changes nothing
    again = s.run_daily_tick(today=D(2026, 11, 24))
    assert (again.concluded, again.evaluation_overdue) == (0, 0)
    assert CaseEvent.objects.filter(case=case).count() == CaseEvent.objects.filter(case=case).count()
    assert CaseEvent.objects.filter(case=case, action="lapse").count() == 1


def test_lapsed_rereview_window_concludes(petition, county):
    case = drive(petition, county, Status.REVIEW_DELIVERED)  # delivered 11-10 → window due 12-10
    # The job acts only on days that have come (an act is never dated after today).
    with time_machine.travel(dt.datetime(2026, 12, 11, 2, 0, tzinfo=dt.UTC), tick=False):
        assert s.run_daily_tick(today=D(2026, 12, 10)).concluded == 0
        assert s.run_daily_tick(today=D(2026, 12, 11)).concluded == 1
    case.refresh_from_db()
    assert case.conclusion_reason == "rereview_lapsed"


def test_evaluation_before_deadline_is_kept(petition, county):
    case = drive(petition, county, Status.DELIVERED)
    s.case_evaluate(case=case, bureau="satisfied", unit="basic", on=D(2026, 11, 20))
    with pytest.raises(IllegalTransition):
        s.case_evaluate(case=case, bureau="satisfied", unit="basic", on=D(2026, 11, 21))
    result = s.run_daily_tick(today=D(2026, 11, 24))
    assert result.evaluation_overdue == 0
    case.refresh_from_db()
    assert case.evaluation_status == "done"
    assert sorted(case.evaluations.values_list("target", "value")) == [("bureau", "satisfied"), ("unit", "basic")]


def test_open_items_untouched(petition, county):
    handling = drive(petition, county, Status.HANDLING)
    s.run_daily_tick(today=D(2026, 12, 30))
    assert Case.objects.get(pk=handling.pk).status == Status.HANDLING


def test_tick_command_prints_counts_and_validates_date(petition, county):
    drive(petition, county, Status.DELIVERED)
    out = StringIO()
    call_command("tick", "--date", "2026-11-24", stdout=out)
    assert "自动终结：1 件" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("tick", "--date", "2026-13-01", stdout=StringIO())


def test_redo_after_review_then_reply_again(petition, county, calendar_2027):
    case = drive(petition, county, Status.UNDER_REVIEW)
    case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                delivered_on=D(2026, 11, 5))
    assert case.status == Status.HANDLING and case.accepted_on == D(2026, 11, 5)
    assert case.clocks.filter(rule_code="handling", stopped_on__isnull=True).get().due_on == D(2027, 1, 4)


def test_overdue_evaluation_event_dated_by_the_job_day(petition, county):
    case = drive(petition, county, Status.DELIVERED)
    s.run_daily_tick(today=D(2026, 11, 24))
    event = CaseEvent.objects.get(case=case, action="evaluation_overdue")
    assert event.effective_on == D(2026, 11, 24)


def test_late_evaluation_refused_even_before_the_job_ran(petition, county):
    case = drive(petition, county, Status.DELIVERED)  # evaluation window due 11-23
    with pytest.raises(IllegalTransition, match="不在评价期内"):
        s.case_evaluate(case=case, bureau="satisfied", unit="satisfied", on=D(2026, 11, 24))
    case = s.case_evaluate(case=case, bureau="unsatisfied", unit="basic", on=D(2026, 11, 23))
    assert case.evaluation_status == "done"
    assert case.clocks.get(rule_code="evaluation").on_time is True


def test_evaluation_opens_only_after_first_reply(petition, county, calendar_2027):
    from tests.cases.helpers import items

    case = drive(petition, county, Status.DELIVERED)
    s.case_evaluate(case=case, bureau="satisfied", unit="unsatisfied", on=D(2026, 10, 25))
    case = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 10, 30), reason="不服").case
    case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                delivered_on=D(2026, 11, 5))
    case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=D(2026, 11, 20))
    case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=D(2026, 11, 21))
    assert case.evaluation_status == "done"
    assert case.clocks.filter(rule_code="evaluation").count() == 1
    with pytest.raises(IllegalTransition):
        s.case_evaluate(case=case, bureau="satisfied", unit="satisfied", on=D(2026, 11, 22))
    assert case.evaluations.count() == 2


def test_report_major_takes_a_date(petition, county):
    case = petition()
    s.case_report_major(case=case, actor=county.zhang, note="重大紧急", on=D(2026, 9, 2))
    assert case.events.last().effective_on == D(2026, 9, 2)
