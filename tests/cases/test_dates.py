"""Action dates: never after today, never before the previous step, backdated only within the window and
with a reason; the date of receipt within sane bounds; the daily job never runs for a day that has not come."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent, Clock
from xinfang.cases.selectors import timeline_rows
from xinfang.cases.states import Status
from xinfang.cases.workflow import backdate_reason, importing_history
from xinfang.core.errors import ValidationFailed

pytestmark = [pytest.mark.django_db, pytest.mark.date_rules]

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def today_is_december_first():
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING), tick=False):
        yield


def at(petition, county, status):
    """An item whose history (September–November) was recorded on the day."""
    with importing_history():
        return drive(petition, county, status)


def events(case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# --- the future ----------------------------------------------------------------------------------------


def test_an_act_dated_after_today_is_refused(petition, county):
    case = at(petition, county, Status.ROUTING)
    before = events(case)
    with pytest.raises(ValidationFailed, match="9999-12-31 晚于今天"):
        s.case_file(case=case, actor=county.zhang, reason="咨询类，已当场答复", on=D(9999, 12, 31))
    # Forwarding to the year 9999 used to overflow the deadline arithmetic (a 500 on the page).
    with pytest.raises(ValidationFailed, match="晚于今天"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(9999, 12, 31))
    with pytest.raises(ValidationFailed, match="2026-12-02 晚于今天"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 12, 2))
    case.refresh_from_db()
    assert case.status == Status.ROUTING and events(case) == before


def test_the_daily_job_refuses_a_day_that_has_not_come(petition, county):
    out = StringIO()
    with pytest.raises(CommandError, match="2026-12-02 晚于今天"):
        call_command("tick", "--date", "2026-12-02", stdout=out)
    call_command("tick", "--date", "2026-12-01", stdout=out)
    assert "自动终结：0 件" in out.getvalue()


# --- the order of steps --------------------------------------------------------------------------------


def test_an_act_dated_before_the_previous_step_is_refused(petition, county):
    case = petition(received_on=D(2026, 11, 27))
    with backdate_reason("当日系统故障，次日补录"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 29))
        with pytest.raises(ValidationFailed, match="早于本件上一步办理日期 2026-11-29"):
            s.case_sign(case=case, actor=county.li, on=D(2026, 11, 28))
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN


def test_an_act_dated_before_receipt_is_refused(petition, county):
    case = petition(received_on=D(2026, 11, 28))
    with backdate_reason("补录"), pytest.raises(ValidationFailed, match="早于本件收到日期 2026-11-28"):
        s.case_file(case=case, actor=county.zhang, reason="咨询类，已当场答复", on=D(2026, 11, 27))


# --- backdating ----------------------------------------------------------------------------------------


def test_a_late_extension_cannot_revive_a_lapsed_deadline(petition, county):
    # Accepted 09-04: the 60 days ran out on 11-03. An extension "approved 11-02" but recorded on 12-01 would
    # have turned 「超期」 into days left.
    case = at(petition, county, Status.HANDLING)
    handling = Clock.objects.get(case=case, rule_code="handling")
    assert handling.due_on < D(2026, 11, 24)
    with backdate_reason("批准件漏录"), pytest.raises(ValidationFailed, match="距今已超过7天，不能补录"):
        s.case_extend(case=case, actor=county.li_head, days=30, reason="需补充调查", on=D(2026, 11, 2))
    case.refresh_from_db()
    assert case.status == Status.HANDLING and case.extension_days == 0 and case.due_on == handling.due_on


def test_backdating_within_the_window_needs_a_reason_and_is_shown(petition, county):
    case = petition(received_on=D(2026, 11, 27))
    with pytest.raises(ValidationFailed, match="属于补录，请填写补录理由") as refused:
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 28))
    assert refused.value.field == "backdate_reason"
    with pytest.raises(ValidationFailed, match="补录理由"), backdate_reason("   "):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 28))
    with backdate_reason("纸质转送单已于当日寄出，系统录入延后"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 28))
    event = CaseEvent.objects.get(case=case, action="forward")
    assert event.effective_on == D(2026, 11, 28)
    assert event.data["backdate_reason"] == "纸质转送单已于当日寄出，系统录入延后"
    row = [r for r in timeline_rows(case) if r.label == "转送"][0]
    assert row.when == D(2026, 11, 28)
    assert row.backdated == "（12月1日补录，理由：纸质转送单已于当日寄出，系统录入延后）"
    # the registration's own date of receipt is a fact, not a late entry
    assert [r.backdated for r in timeline_rows(case) if r.label.startswith("登记")] == [""]


def test_an_act_of_today_needs_no_reason(petition, county):
    case = petition(received_on=D(2026, 11, 27))
    s.case_forward(case=case, actor=county.zhang, target=county.town)
    event = CaseEvent.objects.get(case=case, action="forward")
    assert event.effective_on == D(2026, 12, 1) and "backdate_reason" not in event.data
    assert [r.backdated for r in timeline_rows(case) if r.label == "转送"] == [""]


def test_the_window_is_a_setting(petition, county, settings):
    settings.XINFANG_BACKDATE_DAYS = 2
    case = petition(received_on=D(2026, 11, 25))
    with backdate_reason("补录"), pytest.raises(ValidationFailed, match="距今已超过2天"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 28))
    with backdate_reason("补录"):
        s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 29))


def test_the_daily_job_may_catch_up_on_missed_days(petition, county):
    # Delivered 10-22: the 复查 window closed 11-23. The job did not run for a week; run for 11-24 it needs no
    # reason and no window (it is the system), and the item concludes on that day.
    case = at(petition, county, Status.DELIVERED)
    assert s.run_daily_tick(today=D(2026, 11, 24)).concluded == 1
    case.refresh_from_db()
    assert case.status == Status.CONCLUDED and case.concluded_on == D(2026, 11, 24)


# --- the date of receipt -------------------------------------------------------------------------------


def test_received_on_is_bounded_by_today_and_2005(petition, county):
    with pytest.raises(ValidationFailed, match="晚于今天"):
        petition(received_on=D(2026, 12, 2))
    with pytest.raises(ValidationFailed, match="早于 2005-05-01"):
        petition(received_on=D(2005, 4, 30))
    with pytest.raises(ValidationFailed, match="早于 2005-05-01"):
        petition(received_on=D(205, 6, 1))
    assert not Case.objects.exists()
    # Receipt is a fact: an item may be registered long after it arrived, with no reason asked.
    assert petition(received_on=D(2026, 10, 1)).status == Status.ROUTING


# --- through the pages ---------------------------------------------------------------------------------


def test_action_page_caps_the_date_and_asks_for_a_reason(client, petition, county):
    case = petition(received_on=D(2026, 11, 20))
    client.force_login(county.zhang)
    url = reverse("workbench:case_action", args=[case.pk, "forward"])
    html = client.get(url).content.decode()
    assert 'max="2026-12-01"' in html and 'name="backdate_reason"' in html

    future = client.post(url, {"target": county.town.pk, "on": "9999-12-31", "confirm": "on"})
    assert future.status_code == 200 and "9999-12-31 晚于今天" in future.content.decode()

    late = client.post(url, {"target": county.town.pk, "on": "2026-11-28", "confirm": "on"})
    assert late.status_code == 200
    assert "请填写补录理由" in late.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.ROUTING

    old = client.post(url, {"target": county.town.pk, "on": "2026-11-23", "backdate_reason": "漏录", "confirm": "on"})
    assert old.status_code == 200 and "距今已超过7天" in old.content.decode()

    ok = client.post(
        url, {"target": county.town.pk, "on": "2026-11-28", "backdate_reason": "当日断网", "confirm": "on"}
    )
    assert ok.status_code == 302
    detail = client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    assert "（12月1日补录，理由：当日断网）" in detail
    assert "2026年11月20日" in detail and "登记时间 2026-12-01 10:00" in detail


def test_extension_dated_in_the_year_9999_is_a_form_error(client, petition, county):
    case = at(petition, county, Status.HANDLING)
    client.force_login(county.li_head)
    url = reverse("workbench:case_action", args=[case.pk, "extend"])
    resp = client.post(url, {"days": "30", "reason": "需补充调查", "on": "9999-12-31", "confirm": "on"})
    assert resp.status_code == 200 and "晚于今天" in resp.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.HANDLING


# --- the evaluation track runs beside the main one -----------------------------------------------------------


def test_an_evaluation_does_not_fix_the_order_of_the_main_track(petition, county):
    # Delivered 10-22; the petitioner evaluates on 11-20, and a 复查 request received 11-18 is recorded after it.
    case = at(petition, county, Status.DELIVERED)
    with importing_history():
        s.case_evaluate(case=case, bureau="satisfied", unit="unsatisfied", on=D(2026, 11, 20))
        result = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 18),
                                       reason="不服处理意见", review_unit=county.county)
    assert result.accepted
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    # The evaluation itself still follows the delivery.
    other = at(petition, county, Status.DELIVERED)
    with importing_history(), pytest.raises(ValidationFailed, match="早于本件上一步办理日期"):
        s.case_evaluate(case=other, bureau="satisfied", unit="satisfied", on=D(2026, 10, 21))
