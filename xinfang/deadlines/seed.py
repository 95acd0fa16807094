"""Default data of the deadlines app: the national rule table and the calendar from ``chinese_calendar``.

The data migration and ``xinfang calendar seed`` both call the writers below, passing the model classes
(historical ones in the migration), so the two can never drift apart. No Django import here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xinfang.deadlines.calendar import DayKind, PeriodUnit

SOURCE_PACKAGE = "chinese_calendar"
SOURCE_IMPORT = "import"
SOURCE_ADMIN = "admin"
SOURCE_CHOICES = [
    (SOURCE_PACKAGE, "chinese_calendar 包"),
    (SOURCE_IMPORT, "文件导入"),
    (SOURCE_ADMIN, "后台录入"),
]

# The package's own Chinese names are abbreviated (清明, 端午, 中秋); documents use the full names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

# Codes are part of the public interface (decisions §3); the title is what users read next to the code.
RULE_TITLES = {
    "bureau_routing": "信访部门登记转送交办期限",
    "acceptance_notice": "受理告知期限",
    "objection": "异议退回期限",
    "handling": "办理期限",
    "handling_extended": "延长后的办理期限",
    "review_request": "申请复查期限",
    "review": "复查期限",
    "rereview_request": "申请复核期限",
    "rereview": "复核期限",
    "simple_acceptance": "简易办理受理期限",
    "simple_handling": "简易办理办理期限",
    "simple_transit": "简易办理中间层级流转期限",
    "evaluation": "满意度评价期限",
}
RULE_CODES: tuple[str, ...] = tuple(RULE_TITLES)

EXTENSION = "延长期限天数"
HEARING = "听证所用天数"

T22 = "《信访工作条例》（2022年）"
T05 = "国务院《信访条例》（2005年，国务院令第431号）"
SIMPLE_2016 = "国家信访局《信访事项简易办理办法（试行）》（国信发〔2016〕8号）"
SIMPLE_2022 = "国家信访局《信访事项简易办理办法》（国信办发〔2022〕17号）"

C, W = PeriodUnit.CALENDAR, PeriodUnit.WORKING
V2005 = dt.date(2005, 5, 1)
V2016_SIMPLE = dt.date(2016, 7, 1)
V2015_EVAL = dt.date(2015, 1, 1)
V2022 = dt.date(2022, 5, 1)
V2022_SIMPLE = dt.date(2022, 7, 17)


@dataclass(frozen=True)
class RuleSeed:
    code: str
    effective_from: dt.date
    days: int
    unit: PeriodUnit
    start_event: str
    legal_basis: str
    description: str = ""
    max_extra_days: int | None = 0
    extra_days_meaning: str = ""

    def as_fields(self) -> dict[str, Any]:
        return {
            "title": RULE_TITLES[self.code],
            "days": self.days,
            "unit": str(self.unit),
            "start_event": self.start_event,
            "legal_basis": self.legal_basis,
            "description": self.description,
            "max_extra_days": self.max_extra_days,
            "extra_days_meaning": self.extra_days_meaning,
        }


RULES: tuple[RuleSeed, ...] = (
    # —— 2022 《信访工作条例》, in force 2022-05-01 ——
    RuleSeed("bureau_routing", V2022, 15, C, "信访部门收到信访事项之日", f"{T22}第二十二条",
             "信访部门对收到的信访事项登记，并区分情况在 15 日内转送、交办或告知。"),
    RuleSeed("acceptance_notice", V2022, 15, C, "有权处理机关收到信访事项之日（直接收到或收到转送、交办件）",
             f"{T22}第二十三条", "有权处理的机关、单位在 15 日内书面告知信访人接收情况和处理途径。"),
    RuleSeed("objection", V2022, 5, W, "收到转送、交办的信访事项之日", f"{T22}第二十三条第三款",
             "认为不属于本机关、单位职权范围的，在 5 个工作日内向转送、交办机关提出异议并说明理由。"),
    RuleSeed("handling", V2022, 60, C, "受理之日", f"{T22}第三十四条",
             "自受理之日起 60 日内办结；情况复杂的，经本机关、单位负责人批准可适当延长，延长期限不得超过 30 日。",
             30, EXTENSION),
    RuleSeed("handling_extended", V2022, 60, C, "受理之日", f"{T22}第三十四条",
             "延期后的办理期限：自受理之日起 60 日加批准延长的天数（不超过 30 日）重新计算。", 30, EXTENSION),
    RuleSeed("review_request", V2022, 30, C, "信访人收到书面答复（处理意见书）之日", f"{T22}第三十五条",
             "信访人对处理意见不服的，可自收到书面答复之日起 30 日内请求复查。"),
    RuleSeed("review", V2022, 30, C, "复查机关收到复查请求之日", f"{T22}第三十五条",
             "复查机关自收到复查请求之日起 30 日内提出复查意见，并予以书面答复。"),
    RuleSeed("rereview_request", V2022, 30, C, "信访人收到书面复查意见之日", f"{T22}第三十六条",
             "信访人对复查意见不服的，可自收到书面答复之日起 30 日内请求复核。"),
    RuleSeed("rereview", V2022, 30, C, "复核机关收到复核请求之日", f"{T22}第三十六条",
             "复核机关自收到复核请求之日起 30 日内提出复核意见；举行听证的，听证所需时间不计算在内。",
             None, HEARING),
    RuleSeed("simple_acceptance", V2022_SIMPLE, 3, W, "收到信访事项之日", SIMPLE_2022,
             "简易办理：3 个工作日内决定是否受理（期限与 2016 年办法一致，2022 年文本待核实）。"),
    RuleSeed("simple_handling", V2022_SIMPLE, 10, W, "受理之日", SIMPLE_2022,
             "简易办理：自受理之日起 10 个工作日内出具处理意见（2022 年文本待核实）。"),
    RuleSeed("simple_transit", V2022_SIMPLE, 1, W, "中间层级收到信访事项之日", SIMPLE_2022,
             "简易办理：中间各层级在 1 个工作日内转送（2022 年文本待核实）。"),
    RuleSeed("evaluation", V2022, 30, C, "信访人收到书面答复之日",
             f"{T22}第二十一条；国家信访局《信访事项办理群众满意度评价工作办法（试行）》（国信发〔2022〕11号）",
             "满意度评价期限；国家未统一规定天数，默认 30 日，可按本地规定修改。"),
    # —— 2005 国务院《信访条例》, in force 2005-05-01; governs items received before 2022-05-01 ——
    RuleSeed("bureau_routing", V2005, 15, C, "信访工作机构收到信访事项之日", f"{T05}第二十一条",
             "县级以上人民政府信访工作机构自收到信访事项之日起 15 日内分别按规定处理（告知、转送、交办）。"),
    RuleSeed("acceptance_notice", V2005, 15, C, "有权处理的行政机关收到信访事项之日",
             f"{T05}第二十一条、第二十二条", "有权处理的行政机关自收到之日起 15 日内决定是否受理并书面告知信访人。"),
    RuleSeed("handling", V2005, 60, C, "受理之日", f"{T05}第三十三条",
             "自受理之日起 60 日内办结；情况复杂的，经本行政机关负责人批准可适当延长，延长期限不得超过 30 日。",
             30, EXTENSION),
    RuleSeed("handling_extended", V2005, 60, C, "受理之日", f"{T05}第三十三条",
             "延期后的办理期限：自受理之日起 60 日加批准延长的天数（不超过 30 日）。", 30, EXTENSION),
    # The 2005 regulation had no objection step. Local practice keeps the 2022 five working days for a
    # forwarded item received before 2022-05-01 (docs/legal-decisions.md), so such items can still be routed.
    RuleSeed("objection", V2005, 5, W, "收到转送、交办的信访事项之日",
             f"{T05}未规定异议期限；本地做法沿用{T22}第二十三条第三款",
             "2005 年条例没有异议退回程序；2022-05-01 前收到的信访事项，异议期限按本地做法同为 5 个工作日。"),
    RuleSeed("review_request", V2005, 30, C, "信访人收到书面答复之日", f"{T05}第三十四条",
             "信访人对处理意见不服的，可自收到书面答复之日起 30 日内请求复查。"),
    RuleSeed("review", V2005, 30, C, "复查机关收到复查请求之日", f"{T05}第三十四条",
             "复查机关自收到复查请求之日起 30 日内提出复查意见。"),
    RuleSeed("rereview_request", V2005, 30, C, "信访人收到书面复查意见之日", f"{T05}第三十五条",
             "信访人对复查意见不服的，可自收到书面答复之日起 30 日内请求复核。"),
    RuleSeed("rereview", V2005, 30, C, "复核机关收到复核请求之日", f"{T05}第三十五条",
             "复核机关自收到复核请求之日起 30 日内提出复核意见；听证所需时间不计算在内。", None, HEARING),
    # —— between the 2005 and 2022 texts: the 2016 simple procedure and the 2014 evaluation measure ——
    RuleSeed("simple_acceptance", V2016_SIMPLE, 3, W, "收到信访事项之日", SIMPLE_2016,
             "简易办理：3 个工作日内决定是否受理（生效日期按 2016 年 7 月计，请以文件为准）。"),
    RuleSeed("simple_handling", V2016_SIMPLE, 10, W, "受理之日", SIMPLE_2016,
             "简易办理：自受理之日起 10 个工作日内出具处理意见。"),
    RuleSeed("simple_transit", V2016_SIMPLE, 1, W, "中间层级收到信访事项之日", SIMPLE_2016,
             "简易办理：中间各层级在 1 个工作日内转送。"),
    RuleSeed("evaluation", V2015_EVAL, 30, C, "信访人收到书面答复之日",
             "国家信访局《信访事项办理群众满意度评价工作办法》（国信发〔2014〕16号，2015年1月1日起施行）",
             "满意度评价期限；国家未统一规定天数，默认 30 日，可按本地规定修改。"),
)


def package_years() -> range:
    """Years for which the installed ``chinese_calendar`` has data (2004–2026 for version 1.11.0)."""
    from chinese_calendar.constants import holidays

    return range(min(holidays).year, max(holidays).year + 1)


def package_days(years: Iterable[int]) -> list[tuple[dt.date, DayKind, str]]:
    """Every holiday (weekend days inside holiday periods included) and make-up working day of ``years``."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    wanted = set(years)

    def name(value: str) -> str:
        return HOLIDAY_NAMES.get(value) or Holiday(value).chinese

    rows = [(d, DayKind.HOLIDAY, name(v)) for d, v in holidays.items() if d.year in wanted]
    rows += [(d, DayKind.WORKDAY, name(v)) for d, v in workdays.items() if d.year in wanted]
    rows.sort()
    return rows


def write_package_calendar(
    year_model: Any, day_model: Any, years: Sequence[int], *, force: bool = False
) -> tuple[list[int], list[int]]:
    """Store the package calendar for ``years``; returns (years written, years left alone).

    A year that already has a CalendarYear row is left alone unless ``force``: an administrator's
    corrections or an imported schedule must survive a re-seed. Call inside a transaction.
    """
    existing = set(year_model.objects.filter(year__in=list(years)).values_list("year", flat=True))
    targets = [y for y in years if force or y not in existing]
    skipped = [y for y in years if y not in targets]
    if targets:
        day_model.objects.filter(date__year__in=targets).delete()
        day_model.objects.bulk_create(
            [day_model(date=d, kind=str(k), name=n, source=SOURCE_PACKAGE) for d, k, n in package_days(targets)],
            batch_size=500,
        )
        for y in targets:
            year_model.objects.update_or_create(
                year=y, defaults={"source": SOURCE_PACKAGE, "note": "由 chinese_calendar 包初始化"}
            )
    return targets, skipped


def write_rules(rule_model: Any) -> int:
    """Create the rule rows that are missing; existing rows (possibly edited for the province) are kept."""
    existing = set(rule_model.objects.values_list("code", "effective_from"))
    new = [
        rule_model(code=r.code, effective_from=r.effective_from, **r.as_fields())
        for r in RULES
        if (r.code, r.effective_from) not in existing
    ]
    rule_model.objects.bulk_create(new)
    return len(new)
