"""Pure tests of the day-counting engine (decisions §2), on the calendar of the chinese_calendar package.

No database: the WorkCalendar is built straight from the package data, the same rows the seed writes.
Expected dates were checked against ``chinese_calendar.is_workday`` (see the oracle tests at the end).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import subprocess
import sys
import time

import chinese_calendar
import pytest

from xinfang.core.errors import ValidationFailed, XinfangError
from xinfang.deadlines.calendar import (
    CalendarMissingError,
    DayKind,
    PeriodUnit,
    WorkCalendar,
    compute_due,
    describe_day,
)
from xinfang.deadlines.seed import package_days

D = dt.date
C = PeriodUnit.CALENDAR
W = PeriodUnit.WORKING
YEARS = range(2004, 2027)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(days={d: (k, n) for d, k, n in package_days(YEARS)}, years=frozenset(YEARS))


@functools.cache
def oracle_is_working(d: dt.date) -> bool:
    # The package's own answer, independent of our tables; cached because it scans its data on every call.
    return chinese_calendar.is_workday(d)


# ------------------------------------------------------------------ the calendar data itself

@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        # 2025 春节: 1-28..2-4 off, make-up Sun 1-26 and Sat 2-8
        (D(2025, 1, 26), True, "春节"),
        (D(2025, 1, 27), True, None),
        (D(2025, 1, 28), False, "春节"),
        (D(2025, 2, 4), False, "春节"),
        (D(2025, 2, 5), True, None),
        (D(2025, 2, 8), True, "春节"),
        # 2025 劳动节: 5-1..5-5 off, make-up Sun 4-27
        (D(2025, 4, 27), True, "劳动节"),
        (D(2025, 5, 5), False, "劳动节"),
        # 2025 国庆/中秋: 10-1..10-8 off (10-6 is 中秋节), make-up Sun 9-28 and Sat 10-11
        (D(2025, 9, 28), True, "国庆节"),
        (D(2025, 10, 6), False, "中秋节"),
        (D(2025, 10, 8), False, "国庆节"),
        (D(2025, 10, 11), True, "国庆节"),
        (D(2025, 10, 12), False, None),
        # 2026 元旦: 1-1..1-3 off, make-up Sun 1-4
        (D(2026, 1, 3), False, "元旦"),
        (D(2026, 1, 4), True, "元旦"),
        # 2026 春节: 2-15..2-23 off, make-up Sat 2-14 and Sat 2-28
        (D(2026, 2, 14), True, "春节"),
        (D(2026, 2, 15), False, "春节"),
        (D(2026, 2, 23), False, "春节"),
        (D(2026, 2, 28), True, "春节"),
        # 2026 劳动节: 5-1..5-5 off, make-up Sat 5-9
        (D(2026, 5, 5), False, "劳动节"),
        (D(2026, 5, 9), True, "劳动节"),
        # 2026 中秋 9-25..9-27, 国庆 10-1..10-7, make-up Sun 9-20 and Sat 10-10
        (D(2026, 9, 20), True, "国庆节"),
        (D(2026, 9, 25), False, "中秋节"),
        (D(2026, 10, 1), False, "国庆节"),
        (D(2026, 10, 7), False, "国庆节"),
        (D(2026, 10, 8), True, None),
        (D(2026, 10, 10), True, "国庆节"),
        (D(2026, 10, 11), False, None),
        # ordinary days
        (D(2026, 3, 4), True, None),
        (D(2026, 3, 7), False, None),
    ],
)
def test_working_days_and_names(cal, day, working, name):
    assert cal.is_working_day(day) is working
    assert oracle_is_working(day) is working
    assert cal.name_of(day) == name


def test_make_up_days_are_recorded_as_workday_kind(cal):
    assert cal.kind_of(D(2026, 10, 10)) is DayKind.WORKDAY
    assert cal.kind_of(D(2026, 10, 3)) is DayKind.HOLIDAY
    assert cal.kind_of(D(2026, 10, 12)) is None
    assert describe_day(cal, D(2026, 10, 10)) == "星期六，调休上班日"
    assert describe_day(cal, D(2026, 10, 5)) == "星期一，国庆节"
    assert describe_day(cal, D(2026, 10, 11)) == "星期日，周末"
    assert describe_day(cal, D(2026, 10, 12)) == "星期一"


@pytest.mark.parametrize("day", [D(2027, 1, 1), D(2003, 12, 31), D(1999, 6, 1)])
def test_is_working_day_refuses_unknown_years(cal, day):
    with pytest.raises(CalendarMissingError) as err:
        cal.is_working_day(day)
    assert err.value.year == day.year
    assert f"{day.year} 年的节假日日历尚未导入" in str(err.value)
    assert "xinfang calendar import" in str(err.value)
    assert isinstance(err.value, XinfangError)


# ------------------------------------------------------------------ calendar-day periods

CALENDAR_CASES = [
    # (start, days, due, rolled, skipped days)
    # decisions §2 worked examples
    (D(2026, 9, 25), 15, D(2026, 10, 10), False, []),  # lands on a 调休 Saturday: stays
    (D(2026, 9, 20), 15, D(2026, 10, 8), True, [D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)]),
    # 2025 春节
    (D(2025, 1, 13), 15, D(2025, 2, 5), True, [D(2025, 1, 28) + dt.timedelta(i) for i in range(8)]),
    (D(2025, 1, 11), 15, D(2025, 1, 26), False, []),  # make-up Sunday
    (D(2025, 1, 24), 15, D(2025, 2, 8), False, []),  # make-up Saturday
    (D(2025, 1, 29), 15, D(2025, 2, 13), False, []),  # starts on a holiday: start day simply not counted
    # 2025 劳动节
    (D(2025, 4, 16), 15, D(2025, 5, 6), True, [D(2025, 5, d) for d in range(1, 6)]),
    (D(2025, 4, 12), 15, D(2025, 4, 27), False, []),
    # 2025 国庆 + 中秋
    (D(2025, 9, 13), 15, D(2025, 9, 28), False, []),
    (D(2025, 9, 16), 15, D(2025, 10, 9), True, [D(2025, 10, d) for d in range(1, 9)]),
    (D(2025, 9, 26), 15, D(2025, 10, 11), False, []),
    (D(2025, 9, 27), 15, D(2025, 10, 13), True, [D(2025, 10, 12)]),
    (D(2025, 10, 3), 30, D(2025, 11, 3), True, [D(2025, 11, 2)]),
    # 2026 春节
    (D(2026, 2, 1), 15, D(2026, 2, 24), True, [D(2026, 2, d) for d in range(16, 24)]),
    (D(2026, 1, 30), 15, D(2026, 2, 14), False, []),
    (D(2026, 2, 13), 15, D(2026, 2, 28), False, []),
    (D(2026, 2, 17), 15, D(2026, 3, 4), False, []),
    # 2026 劳动节
    (D(2026, 4, 16), 15, D(2026, 5, 6), True, [D(2026, 5, d) for d in range(1, 6)]),
    (D(2026, 4, 24), 15, D(2026, 5, 9), False, []),
    # 2026 端午 6-19..6-21 and 中秋 9-25..9-27
    (D(2026, 6, 4), 15, D(2026, 6, 22), True, [D(2026, 6, 19), D(2026, 6, 20), D(2026, 6, 21)]),
    (D(2026, 9, 10), 15, D(2026, 9, 28), True, [D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27)]),
    # ordinary weekend roll
    (D(2026, 3, 6), 15, D(2026, 3, 23), True, [D(2026, 3, 21), D(2026, 3, 22)]),
    # 60 days (handling) and 60 + 30 (extended handling) ending in 国庆
    (D(2026, 8, 6), 60, D(2026, 10, 8), True, [D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)]),
    (D(2026, 7, 7), 90, D(2026, 10, 8), True, [D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)]),
    (D(2026, 7, 12), 90, D(2026, 10, 10), False, []),
    # across a year end into a known year
    (D(2024, 12, 17), 15, D(2025, 1, 2), True, [D(2025, 1, 1)]),
    (D(2025, 12, 20), 15, D(2026, 1, 4), False, []),  # make-up Sunday after 元旦
    (D(2025, 12, 17), 15, D(2026, 1, 4), True, [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)]),
    (D(2026, 12, 16), 15, D(2026, 12, 31), False, []),
    (D(2026, 12, 11), 15, D(2026, 12, 28), True, [D(2026, 12, 26), D(2026, 12, 27)]),
    # 0 days: the start day itself, rolled if needed
    (D(2026, 9, 30), 0, D(2026, 9, 30), False, []),
    (D(2026, 10, 3), 0, D(2026, 10, 8), True, [D(2026, 10, d) for d in range(3, 8)]),
    (D(2026, 10, 10), 0, D(2026, 10, 10), False, []),
    # 1 day
    (D(2026, 9, 30), 1, D(2026, 10, 8), True, [D(2026, 10, d) for d in range(1, 8)]),
]


@pytest.mark.parametrize(("start", "days", "due", "rolled", "skipped"), CALENDAR_CASES)
def test_calendar_periods(cal, start, days, due, rolled, skipped):
    result = compute_due(cal, start, days, C)
    assert result.due == due
    assert result.raw_end == start + dt.timedelta(days=days)
    assert result.rolled is rolled
    assert list(result.holidays_skipped) == skipped
    assert result.unit is C and result.start == start and result.days == days
    assert oracle_is_working(due)


@pytest.mark.parametrize(
    ("start", "days", "makeup"),
    [
        (D(2026, 9, 25), 15, [D(2026, 10, 10)]),
        (D(2025, 12, 17), 15, [D(2026, 1, 4)]),  # rolled onto a make-up day
        (D(2026, 9, 20), 15, []),
        (D(2026, 3, 4), 15, []),
    ],
)
def test_calendar_make_up_day_landed_on(cal, start, days, makeup):
    assert list(compute_due(cal, start, days, C).makeup_days_counted) == makeup


# ------------------------------------------------------------------ working-day periods

WORKING_CASES = [
    # (start, days, due, skipped days, make-up days counted)
    # decisions §2 worked example: 9-29, 9-30, 10-8, 10-9, 10-10
    (D(2026, 9, 28), 5, D(2026, 10, 10), [D(2026, 10, d) for d in range(1, 8)], [D(2026, 10, 10)]),
    # 2025 国庆: Sun 9-28 make-up counts, 10-1..10-8 skipped
    (D(2025, 9, 26), 5, D(2025, 10, 10), [D(2025, 9, 27)] + [D(2025, 10, d) for d in range(1, 9)], [D(2025, 9, 28)]),
    (D(2025, 9, 30), 5, D(2025, 10, 14), [D(2025, 10, d) for d in range(1, 9)] + [D(2025, 10, 12)],
     [D(2025, 10, 11)]),
    # 2025 春节
    (D(2025, 1, 24), 3, D(2025, 2, 5), [D(2025, 1, 25)] + [D(2025, 1, 28) + dt.timedelta(i) for i in range(8)],
     [D(2025, 1, 26)]),
    # 2025 劳动节
    (D(2025, 4, 25), 3, D(2025, 4, 29), [D(2025, 4, 26)], [D(2025, 4, 27)]),
    (D(2025, 4, 30), 1, D(2025, 5, 6), [D(2025, 5, d) for d in range(1, 6)], []),
    # 2026 春节: 10 working days with both make-up Saturdays counted
    (D(2026, 2, 10), 10, D(2026, 3, 2), [D(2026, 2, d) for d in range(15, 24)] + [D(2026, 3, 1)],
     [D(2026, 2, 14), D(2026, 2, 28)]),
    # 2026 劳动节
    (D(2026, 4, 28), 5, D(2026, 5, 8), [D(2026, 5, d) for d in range(1, 6)], []),
    (D(2026, 4, 30), 5, D(2026, 5, 11), [D(2026, 5, d) for d in range(1, 6)] + [D(2026, 5, 10)], [D(2026, 5, 9)]),
    # simple_transit: 1 working day
    (D(2026, 9, 30), 1, D(2026, 10, 8), [D(2026, 10, d) for d in range(1, 8)], []),
    (D(2026, 10, 9), 1, D(2026, 10, 10), [], [D(2026, 10, 10)]),
    (D(2026, 10, 10), 1, D(2026, 10, 12), [D(2026, 10, 11)], []),
    (D(2026, 10, 3), 1, D(2026, 10, 8), [D(2026, 10, d) for d in range(4, 8)], []),  # starts on a holiday
    # ordinary week
    (D(2026, 3, 6), 3, D(2026, 3, 11), [D(2026, 3, 7), D(2026, 3, 8)], []),
    # across 2025 → 2026: 元旦 off, Sun 1-4 make-up
    (D(2025, 12, 30), 3, D(2026, 1, 5), [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2026, 1, 4)]),
    (D(2026, 12, 24), 5, D(2026, 12, 31), [D(2026, 12, 26), D(2026, 12, 27)], []),
    # 0 working days: the start day itself or the next working day
    (D(2026, 10, 3), 0, D(2026, 10, 8), [D(2026, 10, d) for d in range(3, 8)], []),
    (D(2026, 10, 10), 0, D(2026, 10, 10), [], [D(2026, 10, 10)]),
    (D(2026, 3, 4), 0, D(2026, 3, 4), [], []),
]


@pytest.mark.parametrize(("start", "days", "due", "skipped", "makeup"), WORKING_CASES)
def test_working_periods(cal, start, days, due, skipped, makeup):
    result = compute_due(cal, start, days, W)
    assert result.due == due
    assert result.raw_end is None and result.rolled is False
    assert list(result.holidays_skipped) == skipped
    assert list(result.makeup_days_counted) == makeup


def test_ten_working_days_across_national_day(cal):
    # simple_handling from Fri 2026-09-18: 9-20 (Sun, make-up) counts; 9-25..9-27 and 10-1..10-7 do not:
    # 9-20, 9-21, 9-22, 9-23, 9-24, 9-28, 9-29, 9-30, 10-8, 10-9.
    result = compute_due(cal, D(2026, 9, 18), 10, W)
    assert result.due == D(2026, 10, 9)
    assert D(2026, 9, 20) in result.makeup_days_counted


# ------------------------------------------------------------------ missing years and bad input

@pytest.mark.parametrize(
    ("start", "days", "unit"),
    [
        (D(2026, 12, 20), 15, C),  # 2027-01-04
        (D(2026, 12, 17), 15, C),  # 2027-01-01
        (D(2026, 11, 20), 60, C),
        (D(2026, 12, 24), 6, W),
        (D(2026, 12, 25), 10, W),
        (D(2026, 12, 31), 1, W),
        (D(2027, 3, 1), 15, C),
        (D(2027, 3, 1), 0, W),
    ],
)
def test_periods_reaching_2027_fail_naming_the_year(cal, start, days, unit):
    with pytest.raises(CalendarMissingError) as err:
        compute_due(cal, start, days, unit)
    assert err.value.year == 2027
    assert "2027 年的节假日日历尚未导入" in err.value.message


def test_roll_forward_into_a_missing_year_fails():
    # 12-31 made a holiday: the calendar end is known, but the next working day would be in 2027.
    cal = WorkCalendar(days={D(2026, 12, 31): (DayKind.HOLIDAY, "测试")}, years=frozenset({2026}))
    with pytest.raises(CalendarMissingError) as err:
        compute_due(cal, D(2026, 12, 16), 15, C)
    assert err.value.year == 2027


def test_gap_year_inside_known_years_fails():
    # 2025 and 2027 known, 2026 not: crossing 2026 must fail even though later data exists.
    cal = WorkCalendar(days={}, years=frozenset({2025, 2027}))
    with pytest.raises(CalendarMissingError) as err:
        compute_due(cal, D(2025, 12, 29), 5, W)
    assert err.value.year == 2026
    with pytest.raises(CalendarMissingError) as err:
        compute_due(cal, D(2025, 12, 20), 15, C)
    assert err.value.year == 2026
    assert compute_due(cal, D(2025, 12, 1), 5, W).due == D(2025, 12, 8)
    assert compute_due(cal, D(2026, 12, 31), 4, W).due == D(2027, 1, 6)  # start day itself is not looked at


def test_start_year_without_data_is_fine_when_not_touched(cal):
    # 2003 has no data, but only 2004 days are looked at: 2004-01-04 is a Sunday, so the due date rolls.
    assert compute_due(cal, D(2003, 12, 25), 10, C).due == D(2004, 1, 5)


@pytest.mark.parametrize("days", [-1, -15])
@pytest.mark.parametrize("unit", [C, W])
def test_negative_days_are_refused(cal, days, unit):
    with pytest.raises(ValidationFailed) as err:
        compute_due(cal, D(2026, 3, 4), days, unit)
    assert "不能为负数" in err.value.message


@pytest.mark.parametrize("days", [1.5, "15", True, None])
def test_non_integer_days_are_refused(cal, days):
    with pytest.raises(ValidationFailed, match="整数"):
        compute_due(cal, D(2026, 3, 4), days, C)


def test_datetime_start_is_refused(cal):
    with pytest.raises(ValidationFailed, match="日期"):
        compute_due(cal, dt.datetime(2026, 3, 4, 10, 0), 15, C)


def test_unknown_unit_is_refused(cal):
    with pytest.raises(ValidationFailed, match="单位"):
        compute_due(cal, D(2026, 3, 4), 15, "weeks")


def test_string_units_are_accepted(cal):
    assert compute_due(cal, D(2026, 9, 28), 5, "working").due == D(2026, 10, 10)
    assert compute_due(cal, D(2026, 9, 20), 15, "calendar").due == D(2026, 10, 8)


def test_calendar_snapshot_is_not_affected_by_later_changes():
    days = {D(2026, 3, 4): (DayKind.HOLIDAY, "测试")}
    cal = WorkCalendar(days=days, years=frozenset({2026}))
    days[D(2026, 3, 5)] = (DayKind.HOLIDAY, "测试")
    assert cal.is_working_day(D(2026, 3, 5))
    assert not cal.is_working_day(D(2026, 3, 4))


# ------------------------------------------------------------------ explanations

def test_explanation_of_worked_example_stays_on_make_up_day(cal):
    lines = compute_due(cal, D(2026, 9, 25), 15, C).explain_lines(cal)
    assert lines[0] == (
        "起算日 2026-09-25 不计入；自次日起算 15 日，届满日 2026-10-10（星期六，调休上班日），"
        "为工作日，期限即为 2026-10-10。"
    )
    assert "2026-10-10（星期六）为调休上班日（国庆节调休），按工作日计算。" in lines


def test_explanation_of_roll_forward_names_each_holiday(cal):
    lines = compute_due(cal, D(2026, 9, 20), 15, C).explain_lines(cal)
    text = "\n".join(lines)
    assert "届满日 2026-10-05（星期一，国庆节），不是工作日" in lines[0]
    for day in ("2026-10-05（星期一，国庆节）", "2026-10-06（星期二，国庆节）", "2026-10-07（星期三，国庆节）"):
        assert f"顺延跳过 {day}" in text
    assert "顺延至 2026-10-08（星期四）" in text


def test_explanation_of_working_period_lists_counted_and_skipped_days(cal):
    lines = compute_due(cal, D(2026, 9, 28), 5, W).explain_lines(cal)
    text = "\n".join(lines)
    assert "自次日起计算 5 个工作日" in lines[0]
    assert "2026-09-29、2026-09-30、2026-10-08、2026-10-09、2026-10-10" in text
    assert "跳过休息日 2026-10-01（星期四，国庆节）" in text
    assert "跳过休息日 2026-10-03（星期六，国庆节）" in text
    assert "第 5 个工作日为 2026-10-10（星期六，调休上班日）" in text
    assert "调休上班日（国庆节调休）" in text


def test_explanation_of_long_working_period_is_summarised(cal):
    lines = compute_due(cal, D(2026, 3, 2), 40, W).explain_lines(cal)
    assert any(line.startswith("计入的工作日共 40 个") for line in lines)


def test_explanation_of_zero_days(cal):
    text = "\n".join(compute_due(cal, D(2026, 10, 3), 0, C).explain_lines(cal))
    assert "期限为 0 日" in text and "2026-10-08" in text
    text = "\n".join(compute_due(cal, D(2026, 10, 3), 0, W).explain_lines(cal))
    assert "0 个工作日" in text and "2026-10-08" in text


# ------------------------------------------------------------------ properties against an independent oracle

def _oracle_calendar_due(start: dt.date, n: int) -> dt.date:
    day = start + dt.timedelta(days=n)
    while not oracle_is_working(day):
        day += dt.timedelta(days=1)
    return day


def _oracle_working_due(start: dt.date, n: int) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += oracle_is_working(day)
    return day


def test_properties_on_random_starts(cal):
    rng = random.Random(20260925)
    first = D(2025, 1, 1).toordinal()
    last = D(2026, 9, 1).toordinal()  # late enough that 60 working days still end in 2026
    for _ in range(1500):
        start = D.fromordinal(rng.randint(first, last))
        n = rng.randint(1, 60)

        result = compute_due(cal, start, n, C)
        due = result.due
        assert due >= start + dt.timedelta(days=n)
        assert cal.is_working_day(due) and oracle_is_working(due)
        day = start + dt.timedelta(days=n)
        while day < due:
            assert not oracle_is_working(day), (start, n, day)
            day += dt.timedelta(days=1)
        assert len(result.holidays_skipped) == (due - (start + dt.timedelta(days=n))).days

        result = compute_due(cal, start, n, W)
        due = result.due
        assert oracle_is_working(due)
        span = [start + dt.timedelta(days=i) for i in range(1, (due - start).days + 1)]
        assert sum(oracle_is_working(d) for d in span) == n
        assert set(result.holidays_skipped) == {d for d in span if not oracle_is_working(d)}
        assert set(result.makeup_days_counted) == {
            d for d in span if d.weekday() >= 5 and oracle_is_working(d)
        }


@pytest.mark.parametrize("n", [1, 3, 5, 10, 15, 30, 60, 90])
def test_every_start_in_2025_and_2026_matches_oracle(cal, n):
    day = D(2025, 1, 1)
    while day <= D(2026, 8, 31):
        assert compute_due(cal, day, n, C).due == _oracle_calendar_due(day, n), (day, n)
        if n <= 60:
            assert compute_due(cal, day, n, W).due == _oracle_working_due(day, n), (day, n)
        day += dt.timedelta(days=1)


def test_whole_package_range_matches_oracle(cal):
    rng = random.Random(2004)
    for _ in range(3000):
        start = D.fromordinal(rng.randint(D(2004, 1, 1).toordinal(), D(2026, 8, 1).toordinal()))
        n = rng.randint(0, 40)
        assert compute_due(cal, start, n, C).due == _oracle_calendar_due(start, n)
        if n:
            assert compute_due(cal, start, n, W).due == _oracle_working_due(start, n)


# ------------------------------------------------------------------ purity and speed

def test_calendar_module_imports_no_django():
    code = "import sys, xinfang.deadlines.calendar, xinfang.deadlines.seed; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compute_due_is_fast(cal):
    starts = [D(2025, 1, 1) + dt.timedelta(days=i) for i in range(600)]
    began = time.perf_counter()
    for _ in range(10):
        for s in starts:
            compute_due(cal, s, 15, C)
            compute_due(cal, s, 10, W)
    elapsed = time.perf_counter() - began
    # 12,000 computations; a generous bound that still catches a day-by-day rewrite with heavy allocation.
    assert elapsed < 3.0, elapsed
