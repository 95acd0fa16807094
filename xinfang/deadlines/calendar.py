"""Working-day calendar and deadline arithmetic (decisions §2).

Pure Python on purpose: no Django import here, directly or indirectly, so the legal day-counting can be tested
exhaustively without a database and reused by benchmarks and scripts.

Contract of ``compute_due`` (decisions §2):
- the start day is not counted (民法典第二百零一条, by analogy);
- calendar-day periods: due = start + N days; if that day is not a working day, the next working day
  (民法典第二百零三条, by analogy);
- working-day periods: due = the N-th working day after the start day;
- any day the computation has to look at that lies in a year without calendar data raises
  ``CalendarMissingError``; the calendar never falls back to a weekday-only guess.

Provisional mode: a calendar may carry *estimated* years (``WorkCalendar.estimated``, built by the caller
from ``estimate.estimated_days_off``). A computation that touches one of them succeeds, and its result names
those years (``DueComputation.provisional_years``) so that the date is stored and shown as 暂定. Whether a
caller may use such a calendar is the caller's decision: the CLI never does, the workflow does.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from xinfang.core.errors import ValidationFailed, XinfangError

__all__ = [
    "DAY_KIND_LABELS",
    "PERIOD_UNIT_LABELS",
    "CalendarMissingError",
    "DayKind",
    "DueComputation",
    "PeriodUnit",
    "WorkCalendar",
    "compute_due",
    "describe_day",
    "provisional_label",
    "weekday_name",
]


class DayKind(StrEnum):
    # A day off: statutory holiday, including weekend days inside a holiday period (so they can be named).
    HOLIDAY = "holiday"
    # A 调休 make-up working day that falls on a weekend.
    WORKDAY = "workday"


class PeriodUnit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


DAY_KIND_LABELS: Mapping[DayKind, str] = MappingProxyType(
    {DayKind.HOLIDAY: "休息日（节假日）", DayKind.WORKDAY: "调休上班日"}
)
PERIOD_UNIT_LABELS: Mapping[PeriodUnit, str] = MappingProxyType(
    {PeriodUnit.CALENDAR: "自然日", PeriodUnit.WORKING: "工作日"}
)

_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Beyond this many counted days an explanation only gives the count and range, not every date.
_LIST_COUNTED_DAYS_UP_TO = 31


def weekday_name(d: dt.date) -> str:
    return _WEEKDAYS[d.weekday()]


def provisional_label(year: int) -> str:
    """How a provisional due date is marked wherever it appears (decisions §2): the one definition."""
    return f"暂定（{year}年放假安排尚未录入）"


class CalendarMissingError(XinfangError):
    """A computation reached a year for which no holiday calendar has been loaded."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year} 年的节假日日历尚未导入（或尚未确认），无法计算期限。请管理员在后台录入该年节假日与调休安排"
            f"并在预览页确认，或运行 xinfang calendar import 文件.csv 导入后运行 xinfang calendar confirm {year} 确认。",
            code="calendar_missing",
        )
        self.year = year


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar: per-date overrides of the Monday–Friday rule, and the years that have data.

    ``days`` maps a date to ``(kind, name)``; it is snapshotted at construction, so later changes to the
    mapping passed in are not seen. A year counts as known only if it is in ``years`` — an empty year (no
    holidays at all) is still different from a year nobody has entered.

    ``estimated`` is the subset of ``years`` whose days are an estimate, not the official schedule; a
    computation touching them is provisional.
    """

    days: Mapping[dt.date, tuple[DayKind, str]]
    years: frozenset[int]
    estimated: frozenset[int] = frozenset()
    # Precomputed lookup tables (ordinals) so compute_due does a few bisects instead of walking day by day;
    # it runs for every case transition and in bulk re-computations.
    _off_set: frozenset[int] = field(init=False, repr=False, compare=False)
    _off_ords: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _off_dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _makeup_set: frozenset[int] = field(init=False, repr=False, compare=False)
    _makeup_ords: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _makeup_dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _run_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _run_ends: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days = MappingProxyType({d: (DayKind(k), n or "") for d, (k, n) in self.days.items()})
        years = frozenset(int(y) for y in self.years)
        off: list[int] = []
        makeup: list[int] = []
        for year in sorted(years):
            first = dt.date(year, 1, 1).toordinal()
            last = dt.date(year, 12, 31).toordinal()
            for ordinal in range(first, last + 1):
                d = dt.date.fromordinal(ordinal)
                entry = days.get(d)
                weekend = d.weekday() >= 5
                if entry is None:
                    if weekend:
                        off.append(ordinal)
                elif entry[0] is DayKind.HOLIDAY:
                    off.append(ordinal)
                elif weekend:
                    makeup.append(ordinal)
        # Contiguous runs of known years, so "is every day in [a, b] covered?" is one bisect.
        starts: list[int] = []
        ends: list[int] = []
        for year in sorted(years):
            first = dt.date(year, 1, 1).toordinal()
            last = dt.date(year, 12, 31).toordinal()
            if ends and ends[-1] + 1 == first:
                ends[-1] = last
            else:
                starts.append(first)
                ends.append(last)
        setattr_ = object.__setattr__
        setattr_(self, "days", days)
        setattr_(self, "years", years)
        setattr_(self, "estimated", frozenset(int(y) for y in self.estimated) & years)
        setattr_(self, "_off_set", frozenset(off))
        setattr_(self, "_off_ords", tuple(off))
        setattr_(self, "_off_dates", tuple(dt.date.fromordinal(o) for o in off))
        setattr_(self, "_makeup_set", frozenset(makeup))
        setattr_(self, "_makeup_ords", tuple(makeup))
        setattr_(self, "_makeup_dates", tuple(dt.date.fromordinal(o) for o in makeup))
        setattr_(self, "_run_starts", tuple(starts))
        setattr_(self, "_run_ends", tuple(ends))

    def require_known(self, first: int, last: int) -> None:
        """Raise CalendarMissingError for the first day in the ordinal range [first, last] without data."""
        i = bisect_right(self._run_starts, first) - 1
        if i >= 0 and last <= self._run_ends[i]:
            return
        missing = first if i < 0 or first > self._run_ends[i] else self._run_ends[i] + 1
        raise CalendarMissingError(dt.date.fromordinal(missing).year)

    def estimated_years_between(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """The estimated years that the days ``first``..``last`` (inclusive) reach, in order."""
        if not self.estimated:
            return ()
        return tuple(y for y in sorted(self.estimated) if first.year <= y <= last.year)

    def is_working_day(self, d: dt.date) -> bool:
        if d.year not in self.years:
            raise CalendarMissingError(d.year)
        entry = self.days.get(d)
        if entry is not None:
            return entry[0] is DayKind.WORKDAY
        return d.weekday() < 5

    def is_makeup_day(self, d: dt.date) -> bool:
        """A 调休 weekend day that is worked."""
        return d.toordinal() in self._makeup_set

    def kind_of(self, d: dt.date) -> DayKind | None:
        entry = self.days.get(d)
        return entry[0] if entry is not None else None

    def name_of(self, d: dt.date) -> str | None:
        """The holiday name (e.g. 国庆节) recorded for ``d``, or None if the day has no entry or no name."""
        entry = self.days.get(d)
        return (entry[1] or None) if entry is not None else None


def describe_day(cal: WorkCalendar, d: dt.date) -> str:
    """「星期六，调休上班日」, 「星期一，国庆节」, 「星期日，周末」 or just 「星期三」: for explanations."""
    weekday = weekday_name(d)
    kind = cal.kind_of(d)
    if kind is DayKind.WORKDAY and d.weekday() >= 5:
        return f"{weekday}，调休上班日"
    if kind is DayKind.HOLIDAY:
        return f"{weekday}，{cal.name_of(d) or '节假日'}"
    if kind is None and d.weekday() >= 5:
        return f"{weekday}，周末"
    return weekday


def _fmt(d: dt.date) -> str:
    return d.isoformat()


@dataclass(frozen=True, slots=True)
class DueComputation:
    """The result of one deadline computation, with everything needed to explain it."""

    start: dt.date
    days: int
    unit: PeriodUnit
    due: dt.date
    raw_end: dt.date | None  # calendar periods: start + N before rolling; None for working-day periods
    rolled: bool
    holidays_skipped: tuple[dt.date, ...]
    makeup_days_counted: tuple[dt.date, ...]
    # Years whose official schedule was not loaded and were counted with the estimate (decisions §2).
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    def explain_lines(self, cal: WorkCalendar) -> list[str]:
        """A step-by-step explanation in Chinese, one sentence per line."""
        if self.unit is PeriodUnit.CALENDAR:
            lines = self._explain_calendar(cal)
        else:
            lines = self._explain_working(cal)
        for d in self.makeup_days_counted:
            name = cal.name_of(d)
            reason = f"（{name}调休）" if name else ""
            lines.append(f"{_fmt(d)}（{weekday_name(d)}）为调休上班日{reason}，按工作日计算。")
        lines.append(f"期限届满日为 {_fmt(self.due)}，当日（北京时间）内完成即为按期。")
        if self.provisional_years:
            years = "、".join(f"{y}年" for y in self.provisional_years)
            lines.append(
                f"{provisional_label(self.provisional_years[-1])}：{years}放假安排尚未录入，本期限按《全国年节及纪念日放假办法》"
                f"估算的法定节假日（含补休，不含调休上班日）计算；录入并确认该年安排后将自动重算。"
            )
        return lines

    def _explain_calendar(self, cal: WorkCalendar) -> list[str]:
        assert self.raw_end is not None
        raw = self.raw_end
        if self.days == 0:
            head = f"起算日 {_fmt(self.start)} 不计入；期限为 0 日，届满日即 {_fmt(raw)}（{describe_day(cal, raw)}）"
        else:
            head = (
                f"起算日 {_fmt(self.start)} 不计入；自次日起算 {self.days} 日，"
                f"届满日 {_fmt(raw)}（{describe_day(cal, raw)}）"
            )
        if not self.rolled:
            return [f"{head}，为工作日，期限即为 {_fmt(self.due)}。"]
        lines = [f"{head}，不是工作日，顺延至下一个工作日。"]
        lines.extend(f"顺延跳过 {_fmt(d)}（{describe_day(cal, d)}）。" for d in self.holidays_skipped)
        lines.append(f"顺延至 {_fmt(self.due)}（{describe_day(cal, self.due)}），期限为 {_fmt(self.due)}。")
        return lines

    def _explain_working(self, cal: WorkCalendar) -> list[str]:
        skipped = set(self.holidays_skipped)
        if self.days == 0:
            lines = [f"起算日 {_fmt(self.start)} 不计入；期限为 0 个工作日，取起算日当日或其后第一个工作日。"]
            lines.extend(f"跳过休息日 {_fmt(d)}（{describe_day(cal, d)}）。" for d in self.holidays_skipped)
            lines.append(f"期限为 {_fmt(self.due)}（{describe_day(cal, self.due)}）。")
            return lines
        lines = [f"起算日 {_fmt(self.start)} 不计入；自次日起计算 {self.days} 个工作日。"]
        counted = [
            self.start + dt.timedelta(days=i)
            for i in range(1, (self.due - self.start).days + 1)
            if self.start + dt.timedelta(days=i) not in skipped
        ]
        if len(counted) <= _LIST_COUNTED_DAYS_UP_TO:
            lines.append(f"计入的工作日（共 {len(counted)} 个）：{'、'.join(_fmt(d) for d in counted)}。")
        else:
            lines.append(f"计入的工作日共 {len(counted)} 个，自 {_fmt(counted[0])} 至 {_fmt(counted[-1])}。")
        lines.extend(f"跳过休息日 {_fmt(d)}（{describe_day(cal, d)}）。" for d in self.holidays_skipped)
        lines.append(
            f"第 {self.days} 个工作日为 {_fmt(self.due)}（{describe_day(cal, self.due)}），期限即为 {_fmt(self.due)}。"
        )
        return lines


def compute_due(cal: WorkCalendar, start: dt.date, days: int, unit: PeriodUnit) -> DueComputation:
    """Due date of a period of ``days`` (calendar or working) days that starts on ``start`` (decisions §2)."""
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        # A datetime would silently use the server's idea of "today"; callers must pass the local date.
        raise ValidationFailed("起算日必须是日期（年-月-日），不能是带时刻的时间。", field="start")
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationFailed(f"期限天数必须是整数，收到的是 {days!r}。", field="days")
    if days < 0:
        raise ValidationFailed(f"期限天数不能为负数（收到 {days}）。", field="days")
    s = start.toordinal()
    off_ords = cal._off_ords
    if unit == PeriodUnit.CALENDAR:
        raw = s + days
        cal.require_known(raw, raw)
        due = raw
        off_set = cal._off_set
        while due in off_set:
            due += 1
            # The roll-forward may walk into the next year (e.g. from 12-31 into 元旦).
            cal.require_known(due, due)
        if due == raw:
            skipped: tuple[dt.date, ...] = ()
        else:
            skipped = cal._off_dates[bisect_left(off_ords, raw) : bisect_left(off_ords, due)]
        makeup = (dt.date.fromordinal(due),) if due in cal._makeup_set else ()
        due_date = dt.date.fromordinal(due)
        return DueComputation(
            start=start,
            days=days,
            unit=PeriodUnit.CALENDAR,
            due=due_date,
            raw_end=dt.date.fromordinal(raw),
            rolled=due != raw,
            holidays_skipped=skipped,
            makeup_days_counted=makeup,
            provisional_years=cal.estimated_years_between(dt.date.fromordinal(raw), due_date),
        )
    if unit != PeriodUnit.WORKING:
        raise ValidationFailed(f"未知的期限单位 {unit!r}，应为 calendar（自然日）或 working（工作日）。", field="unit")

    if days == 0:
        # No day to count: the start day itself if it is a working day, else the next one.
        due = s
        cal.require_known(due, due)
        while due in cal._off_set:
            due += 1
            cal.require_known(due, due)
        first_skipped = bisect_left(off_ords, s)
    else:
        # Smallest x with exactly `days` working days in (s, x]. Each step adds the remaining deficit,
        # which can never overshoot because at most one working day is gained per calendar day.
        first_skipped = bisect_right(off_ords, s)
        due = s + days
        while True:
            working = due - s - (bisect_right(off_ords, due) - first_skipped)
            if working == days:
                break
            due += days - working
        # Days in unknown years are absent from the tables (so counted as working above); if any lies in
        # (s, due], the real day-by-day count reaches it before finishing, so it must fail there.
        cal.require_known(s + 1, due)
    skipped = cal._off_dates[first_skipped : bisect_left(off_ords, due)]
    makeup_ords = cal._makeup_ords
    lo = bisect_left(makeup_ords, s) if days == 0 else bisect_right(makeup_ords, s)
    makeup = cal._makeup_dates[lo : bisect_right(makeup_ords, due)]
    return DueComputation(
        start=start,
        days=days,
        unit=PeriodUnit.WORKING,
        due=dt.date.fromordinal(due),
        raw_end=None,
        rolled=False,
        holidays_skipped=skipped,
        makeup_days_counted=makeup,
        provisional_years=cal.estimated_years_between(
            dt.date.fromordinal(s if days == 0 else s + 1), dt.date.fromordinal(due)
        ),
    )
