"""The deadlines API the rest of the project calls: due dates by rule code, and calendar maintenance.

Callers pass local (Asia/Shanghai) dates, e.g. from ``xinfang.core.clock.local_date``; a due date is inclusive.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from xinfang.core import clock
from xinfang.core.errors import ValidationFailed
from xinfang.deadlines import seed
from xinfang.deadlines.calendar import (
    DAY_KIND_LABELS,
    PERIOD_UNIT_LABELS,
    CalendarMissingError,
    DayKind,
    DueComputation,
    PeriodUnit,
    WorkCalendar,
    compute_due,
    weekday_name,
)
from xinfang.deadlines.estimate import estimated_days_off
from xinfang.deadlines.models import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDay,
    CalendarStamp,
    CalendarYear,
    DeadlineRule,
)
from xinfang.deadlines.signals import year_confirmed

__all__ = [
    "CalendarDayRow",
    "ConfirmSummary",
    "Deadline",
    "ImportSummary",
    "YearPreview",
    "RuleSpec",
    "SeedSummary",
    "UnknownRuleError",
    "calendar_for_year",
    "compute_deadline",
    "check_confirmable",
    "confirm_year",
    "get_rule",
    "import_calendar_csv",
    "invalidate_calendar_cache",
    "invalidate_rule_cache",
    "load_calendar",
    "next_year_pending",
    "parse_date",
    "rule_codes",
    "seed_calendar_from_package",
    "seed_package_years",
    "seed_default_rules",
    "working_days_by_month",
    "year_preview",
]

# How many years past the last loaded one (and past the current year) the provisional calendar estimates; the
# longest clock (复核 with a hearing) never reaches that far.
ESTIMATE_YEARS_AHEAD = 3


class _Cache:
    """A value built from the database, kept in this process while the database's CalendarStamp is unchanged.

    Every edit of the calendar or the rules, in any process, writes a new stamp (``bump_stamp``); reading
    the stamp is one primary-key query, so each computation sees the data as last committed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Any = None
        self._key: Any = None

    def get(self, key: Any, build: Any) -> Any:
        value, cached_key = self._value, self._key
        if value is not None and cached_key == key:
            return value
        value = build()
        with self._lock:
            self._value, self._key = value, key
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._value, self._key = None, None


_calendar_cache = _Cache()
_provisional_cache = _Cache()
_rule_cache = _Cache()


def current_stamp() -> str:
    """The database's calendar-and-rules version; read it *before* building, so a concurrent edit can only
    make the next read rebuild again, never leave stale data under a new stamp."""
    return CalendarStamp.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def bump_stamp() -> None:
    """Tell every process that the calendar or the rules changed (in the current transaction)."""
    token = uuid.uuid4().hex
    if not CalendarStamp.objects.filter(pk=1).update(token=token):
        CalendarStamp.objects.update_or_create(pk=1, defaults={"token": token})


def invalidate_calendar_cache(**_signal_kwargs: Any) -> None:
    """The calendar changed: new stamp for every process, and this process's copies dropped."""
    bump_stamp()
    _calendar_cache.invalidate()
    _provisional_cache.invalidate()


def invalidate_rule_cache(**_signal_kwargs: Any) -> None:
    bump_stamp()
    _rule_cache.invalidate()


# ---------------------------------------------------------------- calendar


def _confirmed_years() -> frozenset[int]:
    return frozenset(CalendarYear.objects.filter(confirmed_at__isnull=False).values_list("year", flat=True))


def _build_calendar() -> WorkCalendar:
    years = _confirmed_years()
    # Days entered for a year that is not yet confirmed are not the official calendar yet.
    days = {
        d: (DayKind(k), n)
        for d, k, n in CalendarDay.objects.values_list("date", "kind", "name")
        if d.year in years
    }
    return WorkCalendar(days=days, years=years)


def _build_provisional_calendar(official: WorkCalendar, this_year: int) -> WorkCalendar:
    known = official.years
    first = min(known) if known else this_year - 1
    last = max(max(known, default=this_year), this_year) + ESTIMATE_YEARS_AHEAD
    estimated = frozenset(range(first, last + 1)) - known
    days = dict(official.days)
    for year in estimated:
        days.update({d: (DayKind.HOLIDAY, name) for d, name in estimated_days_off(year).items()})
    return WorkCalendar(days=days, years=known | estimated, estimated=estimated)


def load_calendar(*, provisional: bool = False, stamp: str | None = None) -> WorkCalendar:
    """The official calendar (confirmed years only), as last committed to the database.

    With ``provisional``, years without a confirmed schedule (from the first loaded year to a few years past
    the last one) are added with the estimated holidays of decisions §2 and listed in ``estimated``.
    """
    stamp = current_stamp() if stamp is None else stamp
    official = _calendar_cache.get(stamp, _build_calendar)
    if not provisional:
        return official
    this_year = clock.today().year
    return _provisional_cache.get((stamp, this_year), lambda: _build_provisional_calendar(official, this_year))


def next_year_pending(today: dt.date | None = None) -> int | None:
    """The year whose missing schedule staff must be warned about (decisions §2), or None.

    From 1 October: the coming year, until it is confirmed. The warning does not stop on 1 January: a year
    already begun without a confirmed schedule is named too.
    """
    today = today or clock.today()
    confirmed = load_calendar().years
    if today.year not in confirmed:
        return today.year
    if today.month >= 10 and today.year + 1 not in confirmed:
        return today.year + 1
    return None


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleSpec:
    """A read-only copy of one DeadlineRule version."""

    code: str
    title: str
    effective_from: dt.date
    days: int
    unit: PeriodUnit
    start_event: str
    legal_basis: str
    description: str
    max_extra_days: int | None
    extra_days_meaning: str

    @property
    def label(self) -> str:
        return f"{self.code}（{self.title}）" if self.title else self.code

    @property
    def unit_label(self) -> str:
        return PERIOD_UNIT_LABELS[self.unit]


class UnknownRuleError(ValidationFailed):
    def __init__(self, code: str, valid: Iterable[str]) -> None:
        super().__init__(
            f"未知的期限规则代码“{code}”。可用的规则代码：{'、'.join(valid)}。", field="code", code="unknown_rule"
        )
        self.rule_code = code


def _build_rules() -> dict[str, tuple[tuple[dt.date, ...], tuple[RuleSpec, ...]]]:
    by_code: dict[str, list[RuleSpec]] = {}
    for row in DeadlineRule.objects.order_by("code", "effective_from"):
        by_code.setdefault(row.code, []).append(
            RuleSpec(
                code=row.code,
                title=row.title or seed.RULE_TITLES.get(row.code, ""),
                effective_from=row.effective_from,
                days=row.days,
                unit=PeriodUnit(row.unit),
                start_event=row.start_event,
                legal_basis=row.legal_basis,
                description=row.description,
                max_extra_days=row.max_extra_days,
                extra_days_meaning=row.extra_days_meaning,
            )
        )
    # The dates are kept beside the versions so that picking one is a single bisect per call.
    return {
        code: (tuple(v.effective_from for v in versions), tuple(versions)) for code, versions in by_code.items()
    }


def _rules(stamp: str | None = None) -> dict[str, tuple[tuple[dt.date, ...], tuple[RuleSpec, ...]]]:
    return _rule_cache.get(current_stamp() if stamp is None else stamp, _build_rules)


def rule_codes() -> list[str]:
    """Codes that have at least one version, national codes first in the order of decisions §3."""
    known = _rules()
    return [c for c in seed.RULE_CODES if c in known] + sorted(c for c in known if c not in seed.RULE_CODES)


def get_rule(code: str, on: dt.date, *, stamp: str | None = None) -> RuleSpec:
    """The version of rule ``code`` in force on ``on`` (latest effective_from not after it)."""
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise ValidationFailed("规则适用日期必须是日期（年-月-日），不能是带时刻的时间。", field="rule_date")
    entry = _rules(stamp).get(code)
    if entry is None:
        raise UnknownRuleError(code, rule_codes())
    dates, versions = entry
    i = bisect_right(dates, on) - 1
    if i < 0:
        first = versions[0]
        raise ValidationFailed(
            f"规则 {first.label}在 {on.isoformat()} 尚未施行：最早的版本自 {first.effective_from.isoformat()} 起适用。",
            field="rule_date",
            code="rule_not_in_force",
        )
    return versions[i]


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    rule: RuleSpec
    computation: DueComputation
    extra_days: int
    calendar: WorkCalendar = field(repr=False, compare=False)

    @property
    def due(self) -> dt.date:
        return self.computation.due

    @property
    def total_days(self) -> int:
        return self.computation.days

    @property
    def provisional(self) -> bool:
        """Counted partly with estimated holidays: store and show the date as 暂定 (decisions §2)."""
        return self.computation.provisional

    @property
    def provisional_years(self) -> tuple[int, ...]:
        return self.computation.provisional_years

    def explain_lines(self) -> list[str]:
        rule = self.rule
        if self.extra_days:
            extra = rule.extra_days_meaning.removesuffix("天数").replace("所用", "") or "增加"
            period = f"{rule.days} 日 + {extra} {self.extra_days} 日 = {self.total_days} 日"
        else:
            period = f"{rule.days} 日"
        head = f"规则 {rule.label}：{period}，{rule.unit_label}，依据{rule.legal_basis}"
        version = f"适用版本自 {rule.effective_from.isoformat()} 起施行；起算事件：{rule.start_event}。"
        return [head, version, *self.computation.explain_lines(self.calendar)]


def compute_deadline(
    code: str,
    start: dt.date,
    *,
    extra_days: int = 0,
    rule_date: dt.date | None = None,
    allow_provisional: bool = False,
) -> Deadline:
    """Due date of rule ``code`` for a period starting on ``start``.

    ``extra_days`` is the approved extension (handling) or the hearing days (rereview); it is checked
    against the rule's limit. ``rule_date`` (default ``start``) is the item's receipt date, which picks the
    rule version: items received before 2022-05-01 keep the 2005 periods.

    A period reaching a year whose schedule is not confirmed raises ``CalendarMissingError`` (the CLI and
    any exact answer), unless ``allow_provisional``: then it is counted with the estimated holidays and the
    result says so (``Deadline.provisional``). The workflow asks for that, so no legal duty is blocked.
    """
    stamp = current_stamp()
    rule = get_rule(code, rule_date or start, stamp=stamp)
    if isinstance(extra_days, bool) or not isinstance(extra_days, int):
        raise ValidationFailed(f"增加的天数必须是整数，收到的是 {extra_days!r}。", field="extra_days")
    meaning = rule.extra_days_meaning or "增加的天数"
    if extra_days < 0:
        raise ValidationFailed(f"{meaning}不能为负数（收到 {extra_days}）。", field="extra_days")
    if rule.max_extra_days is not None and extra_days > rule.max_extra_days:
        if rule.max_extra_days == 0:
            message = f"规则 {rule.label}不能增加天数（收到 {extra_days} 日）。"
        else:
            message = f"{meaning.removesuffix('天数')}最多 {rule.max_extra_days} 日（收到 {extra_days} 日）。"
        raise ValidationFailed(message, field="extra_days", code="too_many_extra_days")
    cal = load_calendar(provisional=allow_provisional, stamp=stamp)
    computation = compute_due(cal, start, rule.days + extra_days, rule.unit)
    return Deadline(rule=rule, computation=computation, extra_days=extra_days, calendar=cal)


# ---------------------------------------------------------------- calendar maintenance

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "休息日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "调休上班日": DayKind.WORKDAY,
}


def parse_date(text: str, *, what: str = "日期") -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly (fromisoformat alone would also take 20261001)."""
    value = text.strip()
    if _DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationFailed(f"{what}“{text}”格式不正确，请使用 YYYY-MM-DD 格式，例如 2026-09-25。", code="bad_date")


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    holidays: int
    workdays: int
    years: tuple[int, ...]
    replaced: int  # rows of those years removed first (0 when merging)
    unconfirmed: tuple[int, ...] = ()  # years of the file still waiting for an administrator's confirmation

    def message(self) -> str:
        years = "、".join(str(y) for y in self.years)
        text = f"已导入 {self.rows} 条记录（休息日 {self.holidays} 条，调休上班日 {self.workdays} 条），涉及 {years} 年"
        if not self.unconfirmed:
            return text + "。"
        pending = "、".join(str(y) for y in self.unconfirmed)
        return (
            f"{text}；{pending} 年尚未确认，确认前涉及该年的期限均为暂定。请在后台「日历年份」中预览并确认，"
            f"或核对后运行 xinfang calendar confirm {self.unconfirmed[0]}。"
        )


def _read_text(path_or_file: str | PathLike[str] | IO[str] | IO[bytes]) -> tuple[str, str]:
    if isinstance(path_or_file, str | PathLike):
        path = Path(path_or_file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValidationFailed(f"无法读取文件 {path}：{exc.strerror or exc}。", code="unreadable") from exc
        name = f"文件 {path.name}"
    else:
        raw = path_or_file.read()
        given = getattr(path_or_file, "name", None)
        name = f"文件 {Path(str(given)).name}" if given else "上传的文件"
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("文件不是 UTF-8 编码，请另存为 UTF-8 格式的 CSV 后再导入。", code="encoding") from exc
    return raw.removeprefix("\ufeff"), str(name)


def import_calendar_csv(
    path_or_file: str | PathLike[str] | IO[str] | IO[bytes], *, replace: bool = True
) -> ImportSummary:
    """Import holidays and make-up days from a CSV ``date,kind[,name]`` file, all or nothing.

    ``kind`` is holiday/workday or 休/班/节假日/调休上班. The header line is optional. With ``replace``
    (the default) the file is the complete schedule of every year it mentions: that year's existing rows are
    removed first, so a holiday moved by the State Council does not linger. Each year mentioned gets a
    CalendarYear row; a year not confirmed before stays unconfirmed (decisions §2: a year counts as loaded only
    after an administrator's confirmation), a confirmed year's correction takes effect at once.
    """
    text, name = _read_text(path_or_file)
    errors: list[str] = []
    parsed: dict[dt.date, tuple[DayKind, str, int]] = {}
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not parsed and not errors and cells[0].lower() in {"date", "日期"}:
            continue
        if len(cells) not in (2, 3):
            errors.append(f"第 {line_no} 行：应为“日期,类型[,名称]”两到三列，实际有 {len(cells)} 列。")
            continue
        try:
            day = parse_date(cells[0])
        except ValidationFailed:
            errors.append(f"第 {line_no} 行：日期“{cells[0]}”无效，请使用 YYYY-MM-DD 格式，例如 2027-01-01。")
            continue
        kind = _KIND_ALIASES.get(cells[1].lower())
        if kind is None:
            errors.append(f"第 {line_no} 行：类型“{cells[1]}”无法识别，请填写 holiday（休）或 workday（班）。")
            continue
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            errors.append(f"第 {line_no} 行：年份 {day.year} 超出范围（{MIN_YEAR}–{MAX_YEAR}）。")
            continue
        if kind is DayKind.WORKDAY and day.weekday() < 5:
            errors.append(
                f"第 {line_no} 行：{day.isoformat()} 是{weekday_name(day)}，本来就是工作日，"
                f"调休上班日应为周六或周日，请检查日期。"
            )
            continue
        day_name = cells[2] if len(cells) == 3 else ""
        if len(day_name) > 50:
            errors.append(f"第 {line_no} 行：名称过长（最多 50 个字）。")
            continue
        previous = parsed.get(day)
        if previous is not None:
            if previous[0] is not kind:
                errors.append(
                    f"第 {line_no} 行：{day.isoformat()} 与第 {previous[2]} 行重复且类型矛盾"
                    f"（{DAY_KIND_LABELS[previous[0]]} / {DAY_KIND_LABELS[kind]}），请删除其中一行。"
                )
            elif day_name and not previous[1]:
                parsed[day] = (kind, day_name, previous[2])
            continue
        parsed[day] = (kind, day_name, line_no)
    if errors:
        shown = errors[:20]
        more = f"\n……另有 {len(errors) - 20} 处错误未列出。" if len(errors) > 20 else ""
        raise ValidationFailed(
            f"{name} 有 {len(errors)} 处错误，未导入任何数据：\n" + "\n".join(shown) + more, code="bad_csv"
        )
    if not parsed:
        raise ValidationFailed(f"{name} 中没有任何日期，未导入。每行格式为“日期,类型[,名称]”。", code="empty_csv")

    years = tuple(sorted({d.year for d in parsed}))
    with transaction.atomic():
        replaced = 0
        if replace:
            replaced, _ = CalendarDay.objects.filter(date__year__in=years).delete()
            new = [CalendarDay(date=d, kind=k, name=n, source=seed.SOURCE_IMPORT) for d, (k, n, _) in parsed.items()]
            CalendarDay.objects.bulk_create(new, batch_size=500)
        else:
            for d, (k, n, _) in parsed.items():
                CalendarDay.objects.update_or_create(
                    date=d, defaults={"kind": k.value, "name": n, "source": seed.SOURCE_IMPORT}
                )
        for year in years:
            CalendarYear.objects.update_or_create(
                year=year, defaults={"source": seed.SOURCE_IMPORT, "note": f"从{name}导入"[:200]}
            )
        invalidate_calendar_cache()
        unconfirmed = tuple(
            CalendarYear.objects.filter(year__in=years, confirmed_at__isnull=True).order_by("year").values_list(
                "year", flat=True
            )
        )
    holidays = sum(1 for k, _, _ in parsed.values() if k is DayKind.HOLIDAY)
    return ImportSummary(
        rows=len(parsed),
        holidays=holidays,
        workdays=len(parsed) - holidays,
        years=years,
        replaced=replaced,
        unconfirmed=unconfirmed,
    )


@dataclass(frozen=True)
class SeedSummary:
    written: tuple[int, ...]
    skipped: tuple[int, ...]

    def message(self) -> str:
        parts = []
        if self.written:
            parts.append(f"已从 chinese_calendar 包写入 {_year_span(self.written)} 年的节假日与调休安排")
        if self.skipped:
            parts.append(f"{_year_span(self.skipped)} 年已有日历数据，未改动（如需覆盖请加 --force）")
        return "；".join(parts) + "。" if parts else "没有需要写入的年份。"


def _year_span(years: tuple[int, ...]) -> str:
    if len(years) > 2 and years[-1] - years[0] == len(years) - 1:
        return f"{years[0]}–{years[-1]}"
    return "、".join(str(y) for y in years)


def seed_package_years() -> range:
    """Years the installed ``chinese_calendar`` package covers."""
    return seed.package_years()


def seed_calendar_from_package(years: Iterable[int] | None = None, *, force: bool = False) -> SeedSummary:
    """Load the ``chinese_calendar`` package data for ``years`` (default: every year it has).

    Idempotent: years that already have data are left alone unless ``force``. The package carries the
    State Council's published schedules, so the years written are confirmed (by nobody in particular).
    """
    available = seed.package_years()
    wanted = sorted(set(years)) if years is not None else list(available)
    outside = [y for y in wanted if y not in available]
    if outside:
        raise ValidationFailed(
            f"chinese_calendar 包只有 {available[0]}–{available[-1]} 年的数据，"
            f"没有 {'、'.join(map(str, outside))} 年；请用 xinfang calendar import 文件.csv 导入这些年份。",
            code="outside_package",
        )
    with transaction.atomic():
        written, skipped = seed.write_package_calendar(CalendarYear, CalendarDay, wanted, force=force)
        CalendarYear.objects.filter(year__in=written).update(confirmed_at=clock.now(), confirmed_by=None)
        invalidate_calendar_cache()
    return SeedSummary(written=tuple(written), skipped=tuple(skipped))


def seed_default_rules() -> int:
    """Create the national rule versions that are missing; returns how many were created."""
    with transaction.atomic():
        created = seed.write_rules(DeadlineRule)
        invalidate_rule_cache()
    return created


# ---------------------------------------------------------------- display


@dataclass(frozen=True)
class CalendarDayRow:
    date: dt.date
    kind: DayKind
    kind_label: str
    name: str
    weekday: str
    source: str


def _require_year(year: int) -> CalendarYear:
    row = CalendarYear.objects.filter(year=year).first()
    if row is None:
        raise CalendarMissingError(year)
    return row


def _entered_calendar(year: int) -> WorkCalendar:
    """The year as entered, confirmed or not: what a preview shows and a confirmation would make official."""
    days = {d.date: (DayKind(d.kind), d.name) for d in CalendarDay.objects.filter(date__year=year)}
    return WorkCalendar(days=days, years=frozenset({year}))

def calendar_for_year(year: int) -> list[CalendarDayRow]:
    """The year's holidays and make-up days in date order; CalendarMissingError if the year is not loaded."""
    _require_year(year)
    return [
        CalendarDayRow(
            date=d.date,
            kind=DayKind(d.kind),
            kind_label=DAY_KIND_LABELS[DayKind(d.kind)],
            name=d.name,
            weekday=weekday_name(d.date),
            source=d.get_source_display(),
        )
        for d in CalendarDay.objects.filter(date__year=year).order_by("date")
    ]


def working_days_by_month(year: int) -> dict[int, int]:
    """Number of working days in each month of ``year`` (1–12), as entered (confirmed or not)."""
    _require_year(year)
    cal = _entered_calendar(year)
    counts = dict.fromkeys(range(1, 13), 0)
    day = dt.date(year, 1, 1)
    while day.year == year:
        if cal.is_working_day(day):
            counts[day.month] += 1
        day += dt.timedelta(days=1)
    return counts


# ---------------------------------------------------------------- confirming a year


@dataclass(frozen=True)
class YearPreview:
    """Everything an administrator checks before confirming a year (decisions §2)."""

    year: int
    confirmed: bool
    confirmed_at: dt.datetime | None
    confirmed_by: str
    holidays: list[CalendarDayRow]
    workdays: list[CalendarDayRow]
    working_days_per_month: dict[int, int]

    @property
    def working_days(self) -> int:
        return sum(self.working_days_per_month.values())

    @property
    def is_empty(self) -> bool:
        return not self.holidays and not self.workdays


def year_preview(year: int) -> YearPreview:
    """Every holiday and every 调休 working day of ``year`` with weekday names and counts."""
    row = _require_year(year)
    rows = calendar_for_year(year)
    user = row.confirmed_by
    return YearPreview(
        year=year,
        confirmed=row.confirmed,
        confirmed_at=row.confirmed_at,
        confirmed_by=(getattr(user, "full_name", "") or getattr(user, "username", "")) if user else "",
        holidays=[r for r in rows if r.kind is DayKind.HOLIDAY],
        workdays=[r for r in rows if r.kind is DayKind.WORKDAY],
        working_days_per_month=working_days_by_month(year),
    )


@dataclass(frozen=True)
class ConfirmSummary:
    year: int
    recomputed: int  # items whose provisional clocks were recomputed

    def message(self) -> str:
        text = f"{self.year} 年放假安排已确认，今后涉及该年的期限按此安排计算"
        if self.recomputed:
            return f"{text}；已重新计算 {self.recomputed} 件信访件的暂定期限，并记入各件的办理过程。"
        return f"{text}；没有需要重新计算的暂定期限。"


def check_confirmable(year: int, *, lock: bool = False) -> CalendarYear:
    """The year's row if it can be confirmed now; else ValidationFailed saying what to do first."""
    rows = CalendarYear.objects.select_for_update() if lock else CalendarYear.objects
    row = rows.filter(year=year).first()
    if row is None:
        raise ValidationFailed(
            f"{year} 年还没有录入放假安排，无法确认。请先在后台录入该年的节假日和调休上班日，"
            f"或运行 xinfang calendar import 文件.csv 导入。",
            code="calendar_missing",
        )
    if row.confirmed:
        raise ValidationFailed(
            f"{year} 年放假安排已于 {timezone.localtime(row.confirmed_at):%Y-%m-%d %H:%M} 确认，无需再次确认。",
            code="already_confirmed",
        )
    if not CalendarDay.objects.filter(date__year=year, kind=DayKind.HOLIDAY).exists():
        raise ValidationFailed(
            f"{year} 年还没有录入任何节假日，不能确认为完整的放假安排。"
            f"请先录入国务院办公厅公布的该年全部节假日和调休上班日。",
            code="calendar_empty",
        )
    return row


def confirm_year(year: int, *, actor: Any) -> ConfirmSummary:
    """Confirm that ``year``'s entered schedule is complete: from now on it is the official calendar.

    In one transaction: the year is marked confirmed, every process's calendar is invalidated, and
    ``year_confirmed`` is sent so that the cases app recomputes every provisional clock touching the year
    (its receivers run inside this transaction: if one fails, the year stays unconfirmed).
    """
    with transaction.atomic():
        row = check_confirmable(year, lock=True)
        row.confirmed_at = clock.now()
        row.confirmed_by = actor
        row.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
        invalidate_calendar_cache()
        responses = year_confirmed.send(sender=CalendarYear, year=year, actor=actor)
    recomputed = sum(r for _, r in responses if isinstance(r, int))
    return ConfirmSummary(year=year, recomputed=recomputed)
