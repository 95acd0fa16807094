"""Provisional (暂定) deadlines at the year end (decisions §2): the estimate for a year without a confirmed
schedule, what the CLI and the workflow each get, confirmation, and freshness across processes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from xinfang.deadlines import services
from xinfang.deadlines.calendar import CalendarMissingError, PeriodUnit, WorkCalendar, compute_due
from xinfang.deadlines.estimate import estimated_days_off
from xinfang.deadlines.models import CalendarDay, CalendarStamp, CalendarYear
from xinfang.deadlines.services import compute_deadline

D = dt.date
pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def on_2026_12_01():
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=SHANGHAI), tick=False):
        yield


def load_2027(rows: str = "2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n2027-01-30,班,春节\n") -> None:
    import io

    services.import_calendar_csv(io.StringIO(rows))


# ------------------------------------------------------------------ the estimate


def test_estimate_has_statutory_holidays_and_their_make_up_days_off_but_no_make_up_working_days():
    days = estimated_days_off(2027)
    assert days[D(2027, 1, 1)] == "元旦"
    assert days[D(2027, 10, 1)] == "国庆节"
    # 劳动节 2027-05-01/02 fall on a weekend: python-holidays' 补休 (observed) days are included.
    assert D(2027, 5, 3) in days and D(2027, 5, 4) in days
    assert all(d.year == 2027 for d in days)


def test_estimate_leaves_out_days_off_that_only_exist_with_a_make_up_working_weekend():
    # For 2026 python-holidays knows the official schedule: 10-07 is off only because Sat 10-10 is worked.
    days = estimated_days_off(2026)
    assert D(2026, 10, 1) in days
    assert D(2026, 10, 7) not in days


def test_pure_calendar_marks_only_computations_that_touch_an_estimated_year():
    cal = WorkCalendar(
        days={D(2027, 1, 1): ("holiday", "元旦")}, years=frozenset({2026, 2027}), estimated=frozenset({2027})
    )
    inside = compute_due(cal, D(2026, 12, 1), 15, PeriodUnit.CALENDAR)
    assert inside.due == D(2026, 12, 16) and not inside.provisional
    across = compute_due(cal, D(2026, 12, 17), 15, PeriodUnit.CALENDAR)
    assert across.due == D(2027, 1, 4) and across.provisional_years == (2027,)
    working = compute_due(cal, D(2026, 12, 28), 5, PeriodUnit.WORKING)
    assert working.due == D(2027, 1, 5) and working.provisional
    assert any("暂定（2027年放假安排尚未录入）" in line for line in across.explain_lines(cal))


# ------------------------------------------------------------------ CLI vs workflow


def test_exact_computation_still_refuses_a_year_without_confirmed_schedule():
    with pytest.raises(CalendarMissingError) as err:
        compute_deadline("handling", D(2026, 12, 1))
    assert err.value.year == 2027
    assert "xinfang calendar confirm 2027" in str(err.value)


def test_cli_fails_clearly_for_2027():
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("deadline", "handling", "2026-12-01", stdout=out, stderr=err)
    assert exc.value.code == 2 and out.getvalue() == ""
    assert "2027 年的节假日日历尚未导入" in err.getvalue() and "xinfang calendar import" in err.getvalue()


def test_workflow_mode_gives_a_provisional_date_with_estimated_holidays():
    # 60 days after 2026-12-01 is Sat 2027-01-30 → Mon 2027-02-01 (no make-up working weekend assumed).
    deadline = compute_deadline("handling", D(2026, 12, 1), allow_provisional=True)
    assert deadline.due == D(2027, 2, 1)
    assert deadline.provisional and deadline.provisional_years == (2027,)
    assert any("暂定（2027年放假安排尚未录入）" in line for line in deadline.explain_lines())
    # 15 days after 2026-12-17 is 2027-01-01, 元旦 in the estimate → Mon 01-04.
    routing = compute_deadline("bureau_routing", D(2026, 12, 17), allow_provisional=True)
    assert routing.due == D(2027, 1, 4) and routing.provisional
    assert "元旦" in "".join(routing.explain_lines())


def test_a_period_inside_confirmed_years_is_not_provisional():
    deadline = compute_deadline("bureau_routing", D(2026, 12, 1), allow_provisional=True)
    assert deadline.due == D(2026, 12, 16) and not deadline.provisional


# ------------------------------------------------------------------ loading a year


def test_imported_but_unconfirmed_year_is_still_estimated_not_official():
    load_2027()
    assert not CalendarYear.objects.get(year=2027).confirmed
    deadline = compute_deadline("handling", D(2026, 12, 1), allow_provisional=True)
    assert deadline.provisional and deadline.due == D(2027, 2, 1)  # the estimate, not the entered 调休 day
    with pytest.raises(CalendarMissingError):
        compute_deadline("handling", D(2026, 12, 1))


def test_adding_the_year_row_alone_does_not_load_the_year():
    # Before: an administrator adding a CalendarYear row (no days) made the year official.
    CalendarYear.objects.create(year=2027, source="admin")
    with pytest.raises(CalendarMissingError):
        compute_deadline("handling", D(2026, 12, 1))
    assert services.next_year_pending() == 2027


def test_confirmed_year_is_official():
    load_2027()
    summary = services.confirm_year(2027, actor=None)
    assert "2027 年放假安排已确认" in summary.message()
    deadline = compute_deadline("handling", D(2026, 12, 1))
    assert deadline.due == D(2027, 1, 30) and not deadline.provisional  # Sat 01-30 is a 调休 working day
    row = CalendarYear.objects.get(year=2027)
    assert row.confirmed and row.confirmed_at is not None


def test_confirm_refuses_missing_empty_or_already_confirmed_years():
    with pytest.raises(Exception, match="2027 年还没有录入放假安排"):
        services.confirm_year(2027, actor=None)
    CalendarYear.objects.create(year=2027, source="admin")
    with pytest.raises(Exception, match="还没有录入任何节假日"):
        services.confirm_year(2027, actor=None)
    with pytest.raises(Exception, match="已于 .* 确认"):
        services.confirm_year(2026, actor=None)


def test_preview_lists_every_day_with_weekday_and_counts():
    load_2027()
    preview = services.year_preview(2027)
    assert not preview.confirmed
    assert [(r.date, r.weekday) for r in preview.holidays][:1] == [(D(2027, 1, 1), "星期五")]
    assert len(preview.holidays) == 3 and len(preview.workdays) == 1
    assert preview.workdays[0].weekday == "星期六"
    assert preview.working_days_per_month[1] == 21 - 1 + 1  # 21 weekdays, 01-01 off, Sat 01-30 worked


def test_package_seed_confirms_the_published_years():
    CalendarYear.objects.filter(year=2025).delete()
    CalendarDay.objects.filter(date__year=2025).delete()
    services.seed_calendar_from_package([2025])
    assert CalendarYear.objects.get(year=2025).confirmed


def test_migration_confirmed_the_seeded_years():
    assert set(CalendarYear.objects.filter(confirmed_at__isnull=False).values_list("year", flat=True)) == set(
        range(2004, 2027)
    )


# ------------------------------------------------------------------ freshness across processes


def test_confirmation_by_another_process_is_used_by_the_next_computation():
    load_2027()
    assert compute_deadline("handling", D(2026, 12, 1), allow_provisional=True).provisional
    # Another server process confirms the year: a direct update plus its new stamp, no signal here.
    from django.utils import timezone

    CalendarYear.objects.filter(year=2027).update(confirmed_at=timezone.now())
    CalendarStamp.objects.filter(pk=1).update(token="confirmed-elsewhere")
    deadline = compute_deadline("handling", D(2026, 12, 1), allow_provisional=True)
    assert deadline.due == D(2027, 1, 30) and not deadline.provisional


def test_every_calendar_edit_writes_a_new_stamp():
    before = services.current_stamp()
    CalendarDay.objects.filter(date=D(2026, 10, 10)).get().save()
    assert services.current_stamp() != before


# ------------------------------------------------------------------ the warning period


@pytest.mark.parametrize(
    ("moment", "pending"),
    [
        (dt.datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI), None),
        # 1 October in Asia/Shanghai, still 30 September in UTC
        (dt.datetime(2026, 10, 1, 0, 5, tzinfo=SHANGHAI), 2027),
        (dt.datetime(2026, 12, 31, 12, tzinfo=SHANGHAI), 2027),
        # across the year boundary the warning goes on while the year has no confirmed schedule
        (dt.datetime(2027, 1, 4, 9, tzinfo=SHANGHAI), 2027),
    ],
)
def test_next_year_pending(moment, pending):
    with time_machine.travel(moment, tick=False):
        assert services.next_year_pending() == pending
