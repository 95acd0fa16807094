"""CSV import of a year's schedule: every line checked first, then all written or nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from xinfang.core.errors import ValidationFailed
from xinfang.deadlines import seed, services
from xinfang.deadlines.calendar import CalendarMissingError, DayKind
from xinfang.deadlines.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")
D = dt.date

# A plausible 2027 schedule fragment (not official): 元旦 Fri 1-1..Sun 1-3, 国庆 10-1..10-7, make-up Sat 10-9.
CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,休,元旦
2027-01-03,节假日,元旦
2027-10-01,holiday,国庆节
2027-10-02,holiday,国庆节
2027-10-03,holiday,国庆节
2027-10-04,holiday,国庆节
2027-10-05,holiday,国庆节
2027-10-06,holiday,国庆节
2027-10-07,holiday,国庆节
2027-10-09,班,国庆节
2027-09-26,调休上班
"""


def test_import_then_confirm_makes_the_year_usable(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    with pytest.raises(CalendarMissingError):
        services.compute_deadline("bureau_routing", D(2026, 12, 20))

    summary = services.import_calendar_csv(path)

    assert summary.years == (2027,)
    assert (summary.rows, summary.holidays, summary.workdays) == (12, 10, 2)
    assert "2027" in summary.message()
    year = CalendarYear.objects.get(year=2027)
    assert year.source == seed.SOURCE_IMPORT and "2027.csv" in year.note
    assert CalendarDay.objects.get(date=D(2027, 10, 9)).kind == DayKind.WORKDAY
    assert CalendarDay.objects.get(date=D(2027, 9, 26)).name == ""
    # Imported is not loaded: only a confirmed year is used (decisions §2).
    assert not year.confirmed and "预览并确认" in summary.message()
    with pytest.raises(CalendarMissingError):
        services.compute_deadline("bureau_routing", D(2026, 12, 20))
    services.confirm_year(2027, actor=None)
    # 2026-12-20 + 15 = 2027-01-04 (Mon), now computable
    assert services.compute_deadline("bureau_routing", D(2026, 12, 20)).due == D(2027, 1, 4)
    # 2026-12-17 + 15 = 2027-01-01 (imported holiday) → 01-04
    deadline = services.compute_deadline("bureau_routing", D(2026, 12, 17))
    assert deadline.due == D(2027, 1, 4)
    assert deadline.computation.holidays_skipped == (D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3))
    # the imported make-up Saturday counts: 10-8 (Fri), 10-9 (Sat, 调休), 10-11, 10-12, 10-13
    deadline = services.compute_deadline("objection", D(2027, 9, 30))
    assert deadline.due == D(2027, 10, 13)
    assert deadline.computation.makeup_days_counted == (D(2027, 10, 9),)


def test_import_accepts_a_file_object_without_header_and_with_bom():
    data = "\ufeff2027-05-01,holiday,劳动节\n\n# comment line\n2027-05-08,workday\n".encode()
    summary = services.import_calendar_csv(io.BytesIO(data))
    assert summary.years == (2027,) and summary.rows == 2


def test_bad_line_means_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-10-01,holiday\n",
                    encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        services.import_calendar_csv(path)
    assert "第 3 行" in err.value.message
    assert "2027-02-30" in err.value.message and "YYYY-MM-DD" in err.value.message
    assert "未导入任何数据" in err.value.message
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("2027-01-01,holiday\n2027-01-02,放假\n", ["第 2 行", "类型“放假”无法识别"]),
        ("2027-01-02,holiday\n2027-01-02,workday\n", ["第 2 行", "与第 1 行重复且类型矛盾"]),
        ("2027-01-04,workday\n", ["第 1 行", "星期一", "调休上班日应为周六或周日"]),
        ("2027-01-01\n", ["第 1 行", "两到三列"]),
        ("2027-01-01,holiday,元旦,多余\n", ["第 1 行", "实际有 4 列"]),
        ("2027/01/01,holiday\n", ["第 1 行", "YYYY-MM-DD"]),
        ("2201-01-01,holiday\n", ["第 1 行", "超出范围"]),
        ("date,kind\n", ["没有任何日期"]),
    ],
)
def test_validation_messages_name_the_line(content, expected):
    before = CalendarDay.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.import_calendar_csv(io.StringIO(content))
    for part in expected:
        assert part in err.value.message
    assert CalendarDay.objects.count() == before


def test_all_errors_are_reported_at_once():
    content = "2027-01-01,x\n2027-01-02,y\n2027-01-03,holiday\n2027-13-01,holiday\n"
    with pytest.raises(ValidationFailed) as err:
        services.import_calendar_csv(io.StringIO(content))
    assert "3 处错误" in err.value.message
    for line in ("第 1 行", "第 2 行", "第 4 行"):
        assert line in err.value.message


def test_same_date_twice_with_same_kind_is_fine():
    summary = services.import_calendar_csv(io.StringIO("2027-01-01,holiday\n2027-01-01,休,元旦\n"))
    assert summary.rows == 1
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).name == "元旦"


def test_import_replaces_the_years_it_mentions():
    # A corrected 2026 schedule: 10-10 is no longer a make-up day.
    rows = [f"{d.date.isoformat()},{d.kind},{d.name}" for d in CalendarDay.objects.filter(date__year=2026)
            if d.date != D(2026, 10, 10)]
    summary = services.import_calendar_csv(io.StringIO("\n".join(rows)))
    assert summary.replaced == 39 and summary.rows == 38
    assert not CalendarDay.objects.filter(date=D(2026, 10, 10)).exists()
    assert CalendarYear.objects.get(year=2026).source == seed.SOURCE_IMPORT
    assert CalendarDay.objects.filter(date__year=2025).count() > 0  # other years untouched
    assert services.compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)


def test_merge_only_touches_listed_dates():
    summary = services.import_calendar_csv(io.StringIO("2026-10-10,holiday,测试\n"), replace=False)
    assert summary.replaced == 0
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).kind == DayKind.HOLIDAY
    assert services.compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(ValidationFailed, match="无法读取文件"):
        services.import_calendar_csv(tmp_path / "missing.csv")
    path = tmp_path / "gbk.csv"
    path.write_bytes("2027-01-01,holiday,元旦\n".encode("gbk"))
    with pytest.raises(ValidationFailed, match="UTF-8"):
        services.import_calendar_csv(path)
