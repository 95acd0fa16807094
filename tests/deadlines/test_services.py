"""The deadlines API on the database: seed data, rule versions, extra days, cache invalidation."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.core.errors import ValidationFailed
from xinfang.deadlines import seed, services
from xinfang.deadlines.calendar import CalendarMissingError, DayKind, PeriodUnit
from xinfang.deadlines.models import CalendarDay, CalendarStamp, CalendarYear, DeadlineRule
from xinfang.deadlines.services import UnknownRuleError, compute_deadline, get_rule

pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")
D = dt.date


# ------------------------------------------------------------------ seed data from the migration

def test_migration_seeds_calendar_years_2004_to_2026():
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert CalendarYear.objects.get(year=2026).source == seed.SOURCE_PACKAGE


def test_migration_seeds_2026_days_with_chinese_names():
    national = CalendarDay.objects.get(date=D(2026, 10, 1))
    assert (national.kind, national.name) == (DayKind.HOLIDAY, "国庆节")
    makeup = CalendarDay.objects.get(date=D(2026, 10, 10))
    assert (makeup.kind, makeup.name) == (DayKind.WORKDAY, "国庆节")
    # weekend days inside a holiday period are stored too, so explanations can name them
    assert CalendarDay.objects.get(date=D(2026, 2, 21)).name == "春节"
    assert CalendarDay.objects.get(date=D(2026, 4, 5)).name == "清明节"
    assert CalendarDay.objects.filter(date__year=2026, kind=DayKind.WORKDAY).count() == 6
    assert CalendarDay.objects.filter(date__year=2026, kind=DayKind.HOLIDAY).count() == 33
    assert CalendarDay.objects.count() < 1000


def test_migration_seeds_every_rule_code_of_decisions_3():
    codes = set(DeadlineRule.objects.values_list("code", flat=True))
    assert codes == {
        "bureau_routing", "acceptance_notice", "objection", "handling", "handling_extended", "review_request",
        "review", "rereview_request", "rereview", "simple_acceptance", "simple_handling", "simple_transit",
        "evaluation",
    }
    assert DeadlineRule.objects.count() == len(seed.RULES)


@pytest.mark.parametrize(
    ("code", "days", "unit", "max_extra", "basis"),
    [
        ("bureau_routing", 15, PeriodUnit.CALENDAR, 0, "第二十二条"),
        ("acceptance_notice", 15, PeriodUnit.CALENDAR, 0, "第二十三条"),
        ("objection", 5, PeriodUnit.WORKING, 0, "第二十三条"),
        ("handling", 60, PeriodUnit.CALENDAR, 30, "第三十四条"),
        ("handling_extended", 60, PeriodUnit.CALENDAR, 30, "第三十四条"),
        ("review_request", 30, PeriodUnit.CALENDAR, 0, "第三十五条"),
        ("review", 30, PeriodUnit.CALENDAR, 0, "第三十五条"),
        ("rereview_request", 30, PeriodUnit.CALENDAR, 0, "第三十六条"),
        ("rereview", 30, PeriodUnit.CALENDAR, None, "第三十六条"),
        ("simple_acceptance", 3, PeriodUnit.WORKING, 0, "简易办理"),
        ("simple_handling", 10, PeriodUnit.WORKING, 0, "简易办理"),
        ("simple_transit", 1, PeriodUnit.WORKING, 0, "简易办理"),
        ("evaluation", 30, PeriodUnit.CALENDAR, 0, "满意度评价"),
    ],
)
def test_current_rules(code, days, unit, max_extra, basis):
    rule = get_rule(code, D(2026, 9, 1))
    assert (rule.days, rule.unit, rule.max_extra_days) == (days, unit, max_extra)
    assert basis in rule.legal_basis
    assert rule.start_event and rule.title


# ------------------------------------------------------------------ rule versions

@pytest.mark.parametrize(
    ("code", "on", "effective_from", "basis"),
    [
        ("handling", D(2022, 4, 30), D(2005, 5, 1), "国务院《信访条例》"),
        ("handling", D(2022, 5, 1), D(2022, 5, 1), "《信访工作条例》"),
        ("bureau_routing", D(2010, 1, 1), D(2005, 5, 1), "第二十一条"),
        ("rereview", D(2021, 12, 31), D(2005, 5, 1), "第三十五条"),
        ("simple_handling", D(2022, 6, 1), D(2016, 7, 1), "国信发〔2016〕8号"),
        ("simple_handling", D(2022, 7, 17), D(2022, 7, 17), "国信办发〔2022〕17号"),
        ("evaluation", D(2021, 1, 1), D(2015, 1, 1), "国信发〔2014〕16号"),
        # The 2005 regulation had no objection step; local practice keeps 5 working days (legal-decisions).
        ("objection", D(2022, 4, 30), D(2005, 5, 1), "本地做法"),
    ],
)
def test_version_in_force_is_latest_not_after_the_date(code, on, effective_from, basis):
    rule = get_rule(code, on)
    assert rule.effective_from == effective_from
    assert basis in rule.legal_basis


@pytest.mark.parametrize(
    ("code", "on"),
    [("objection", D(2005, 4, 30)), ("bureau_routing", D(2005, 4, 30)), ("simple_transit", D(2016, 6, 30))],
)
def test_no_version_in_force_is_a_chinese_error(code, on):
    with pytest.raises(ValidationFailed) as err:
        get_rule(code, on)
    assert "尚未施行" in err.value.message and on.isoformat() in err.value.message


def test_unknown_rule_lists_valid_codes():
    with pytest.raises(UnknownRuleError) as err:
        get_rule("routing", D(2026, 1, 5))
    assert "routing" in err.value.message
    assert "bureau_routing、acceptance_notice、objection" in err.value.message
    assert isinstance(err.value, ValidationFailed)


def test_rule_date_picks_the_version_and_start_the_counting():
    # Received before 2022-05-01, accepted after: the 2005 handling rule applies, counted from acceptance.
    deadline = compute_deadline("handling", D(2022, 5, 10), rule_date=D(2022, 4, 20))
    assert deadline.rule.effective_from == D(2005, 5, 1)
    assert deadline.due == D(2022, 7, 11)  # 2022-07-09 is a Saturday
    assert compute_deadline("handling", D(2022, 5, 10)).rule.effective_from == D(2022, 5, 1)


def test_provincial_override_as_a_new_version_changes_the_period():
    # e.g. a province routes within 5 working days from 2026: a new row, not a code change.
    DeadlineRule.objects.create(
        code="bureau_routing", title="信访部门登记转送交办期限（本省）", effective_from=D(2026, 1, 1), days=5,
        unit=PeriodUnit.WORKING, start_event="信访部门收到信访事项之日", legal_basis="本省信访条例第二十条",
    )
    assert compute_deadline("bureau_routing", D(2026, 9, 28)).due == D(2026, 10, 10)
    assert compute_deadline("bureau_routing", D(2026, 9, 20)).rule.effective_from == D(2026, 1, 1)
    assert compute_deadline("bureau_routing", D(2025, 9, 16)).due == D(2025, 10, 9)  # 2022 version, 15 days


# ------------------------------------------------------------------ compute_deadline

@pytest.mark.parametrize(
    ("code", "start", "due"),
    [
        ("bureau_routing", D(2026, 9, 25), D(2026, 10, 10)),
        ("bureau_routing", D(2026, 9, 20), D(2026, 10, 8)),
        ("objection", D(2026, 9, 28), D(2026, 10, 10)),
        ("acceptance_notice", D(2026, 2, 1), D(2026, 2, 24)),
        ("handling", D(2026, 8, 6), D(2026, 10, 8)),
        ("simple_handling", D(2026, 2, 10), D(2026, 3, 2)),
        ("simple_transit", D(2026, 10, 9), D(2026, 10, 10)),
        ("review_request", D(2026, 9, 5), D(2026, 10, 8)),
    ],
)
def test_compute_deadline(code, start, due):
    assert compute_deadline(code, start).due == due


def test_extension_is_added_then_rolled():
    deadline = compute_deadline("handling_extended", D(2026, 7, 7), extra_days=30)
    assert deadline.due == D(2026, 10, 8)
    assert deadline.total_days == 90 and deadline.extra_days == 30
    lines = deadline.explain_lines()
    assert lines[0] == (
        "规则 handling_extended（延长后的办理期限）：60 日 + 延长期限 30 日 = 90 日，自然日，"
        "依据《信访工作条例》（2022年）第三十四条"
    )
    assert any("顺延跳过 2026-10-05（星期一，国庆节）" in line for line in lines)


def test_rereview_hearing_days_are_unlimited():
    deadline = compute_deadline("rereview", D(2026, 3, 2), extra_days=45)
    assert deadline.due == D(2026, 5, 18)  # 2026-05-16 is a Saturday
    assert "30 日 + 听证 45 日 = 75 日" in deadline.explain_lines()[0]


@pytest.mark.parametrize(
    ("code", "extra", "message"),
    [
        ("handling", 31, "延长期限最多 30 日"),
        ("handling_extended", 90, "延长期限最多 30 日"),
        ("handling", -1, "不能为负数"),
        ("bureau_routing", 1, "不能增加天数"),
        ("rereview", -2, "听证所用天数不能为负数"),
    ],
)
def test_bad_extra_days_are_refused(code, extra, message):
    with pytest.raises(ValidationFailed) as err:
        compute_deadline(code, D(2026, 3, 2), extra_days=extra)
    assert message in err.value.message


def test_year_without_calendar_fails_naming_it():
    with pytest.raises(CalendarMissingError) as err:
        compute_deadline("handling", D(2026, 12, 1))
    assert err.value.year == 2027


def test_explain_lines_include_rule_and_counting():
    lines = compute_deadline("objection", D(2026, 9, 28)).explain_lines()
    assert lines[0].startswith("规则 objection（异议退回期限）：5 日，工作日，依据《信访工作条例》")
    assert "起算事件：收到转送、交办的信访事项之日" in lines[1]
    assert any("2026-09-29、2026-09-30、2026-10-08、2026-10-09、2026-10-10" in line for line in lines)


# ------------------------------------------------------------------ caches

def test_editing_a_day_through_the_model_invalidates_the_calendar():
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 10)
    day = CalendarDay.objects.get(date=D(2026, 10, 10))
    day.kind = DayKind.HOLIDAY
    day.save()
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)
    day.delete()  # back to an ordinary Saturday: still off
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)
    CalendarDay.objects.create(date=D(2026, 10, 12), kind=DayKind.HOLIDAY, name="测试")
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 13)


def test_deleting_a_year_makes_it_unknown():
    compute_deadline("bureau_routing", D(2026, 3, 2))
    CalendarYear.objects.filter(year=2026).delete()
    with pytest.raises(CalendarMissingError) as err:
        compute_deadline("bureau_routing", D(2026, 3, 2))
    assert err.value.year == 2026


def test_editing_a_rule_invalidates_the_rule_cache():
    assert compute_deadline("handling", D(2026, 3, 2)).rule.days == 60
    rule = DeadlineRule.objects.get(code="handling", effective_from=D(2022, 5, 1))
    rule.days = 30
    rule.save()
    assert compute_deadline("handling", D(2026, 3, 2)).rule.days == 30


def test_an_edit_by_another_process_is_used_at_once():
    # Another server process edited the table and wrote a new stamp; no signal reaches this process.
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 10)
    CalendarDay.objects.filter(date=D(2026, 10, 10)).update(kind=DayKind.HOLIDAY)
    # Without a new stamp this process keeps its copy (the edit did not go through the services)...
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 10)
    CalendarStamp.objects.filter(pk=1).update(token="written-by-another-process")
    # ...and the very next computation after the stamp changed uses the new data: no waiting period.
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)


def test_a_rule_edited_by_another_process_is_used_at_once():
    assert compute_deadline("handling", D(2026, 3, 2)).rule.days == 60
    DeadlineRule.objects.filter(code="handling", effective_from=D(2022, 5, 1)).update(days=30)
    CalendarStamp.objects.filter(pk=1).update(token="rules-edited-elsewhere")
    assert compute_deadline("handling", D(2026, 3, 2)).rule.days == 30


def test_calendar_is_loaded_once_while_fresh(django_assert_num_queries):
    services.load_calendar()
    services.get_rule("handling", D(2026, 1, 5))
    # One primary-key read of the stamp per computation; the calendar and rules are not reloaded.
    with django_assert_num_queries(50):
        for _ in range(50):
            compute_deadline("handling", D(2026, 3, 2))


# ------------------------------------------------------------------ seeding and display

def test_seed_is_idempotent_and_keeps_admin_changes():
    CalendarDay.objects.filter(date=D(2026, 10, 10)).update(name="后台改过")
    before = CalendarDay.objects.count()
    summary = services.seed_calendar_from_package()
    assert summary.written == () and 2026 in summary.skipped
    assert services.seed_default_rules() == 0
    assert CalendarDay.objects.count() == before
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).name == "后台改过"


def test_seed_force_restores_package_data():
    CalendarDay.objects.filter(date__year=2026).delete()
    summary = services.seed_calendar_from_package([2026], force=True)
    assert summary.written == (2026,)
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert compute_deadline("bureau_routing", D(2026, 9, 20)).due == D(2026, 10, 8)


def test_seed_refuses_years_the_package_does_not_have():
    with pytest.raises(ValidationFailed, match="2027"):
        services.seed_calendar_from_package([2027])


def test_seed_rules_recreates_missing_rows_only():
    DeadlineRule.objects.filter(code="objection", effective_from=D(2022, 5, 1)).delete()
    DeadlineRule.objects.filter(code="handling", effective_from=D(2022, 5, 1)).update(days=45)
    assert services.seed_default_rules() == 1
    assert get_rule("objection", D(2026, 1, 5)).days == 5
    assert get_rule("handling", D(2026, 1, 5)).days == 45


def test_calendar_for_year_and_working_days():
    rows = services.calendar_for_year(2026)
    assert [r.date for r in rows if r.kind is DayKind.WORKDAY] == [
        D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)
    ]
    assert rows[0].weekday == "星期四" and rows[0].name == "元旦"
    per_month = services.working_days_by_month(2026)
    assert per_month[10] == 18  # 31 days − 7 国庆 − 7 weekend days + Sat 10-10
    assert sum(per_month.values()) == 248
    with pytest.raises(CalendarMissingError):
        services.calendar_for_year(2027)


def test_parse_date():
    assert services.parse_date("2026-09-25") == D(2026, 9, 25)
    for bad in ("2026-9-25", "20260925", "2026-02-30", "", "明天"):
        with pytest.raises(ValidationFailed, match="YYYY-MM-DD"):
            services.parse_date(bad)
