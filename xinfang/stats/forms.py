"""The filter bars of the statistics page and of its drill-down: they parse and validate the query string; the
selectors compute. A bad value gives a Chinese error on the page, never a server error."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet

from xinfang.core import clock
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.stats import dashboard, selectors

FIRST_YEAR, LAST_YEAR = 2000, 2100
# A custom period longer than this is almost always a typing slip (and would make the page read years of counts).
MAX_CUSTOM_DAYS = 5 * 366
INDENT = "\u3000"  # full-width space: indents lower units in a plain <select>
DATE_ERROR = "请输入有效的日期，例如 2026-09-30"
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")

TABLE_CHOICES = [
    ("all", "全部表格"), ("kpi", "主要指标"), ("trend", "近12个月趋势"), ("channel", "按信访形式"),
    ("claim", "按诉求类型"), ("category", "按内容分类"), ("township", "按问题属地"), ("unit", "按单位"),
    ("overdue", "逾期情况"), ("rank_handle", "按期办结率排名"), ("rank_accept", "及时受理率排名"),
    ("heat", "乡镇×内容分类"),
]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return INDENT * max(obj.depth - 1, 0) + (obj.short_name or obj.name)


def _date_field(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"],
        error_messages={"invalid": DATE_ERROR, "required": f"请填写{label}"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def units_in_scope(user) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=policies.unit_ids_with(user, Perm.VIEW)).order_by("path")


def townships_for(user):
    """The townships the user can count (the same list the supervision board offers)."""
    from xinfang.supervision.selectors import townships_in_scope

    return Unit.objects.filter(pk__in=[u.pk for u in townships_in_scope(user)]).order_by("path")


class _ScopeFields(forms.Form):
    """The unit and place filters, limited to what this user may count: another unit is 「不是可选项」, the same
    answer as for a unit that does not exist."""

    unit = UnitChoiceField(
        label="单位", required=False, queryset=Unit.objects.none(), empty_label="全部（本人可查看的单位）",
        error_messages={"invalid_choice": "所选单位不在您可查看的范围内，请从列表中选择"},
    )
    place = UnitChoiceField(
        label="问题属地（乡镇）", required=False, queryset=Unit.objects.none(), empty_label="全部",
        error_messages={"invalid_choice": "所选乡镇不在您可统计的范围内，请从列表中选择"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = units_in_scope(user)
        self.fields["place"].queryset = townships_for(user)


@dataclass
class Filters:
    period: dashboard.Period
    unit: Unit | None
    place: Unit | None

    def base(self) -> dict[str, str]:
        """The filters every drill-down link and export keeps."""
        return {"unit": str(self.unit.pk) if self.unit else "", "place": str(self.place.pk) if self.place else ""}

    def query(self) -> str:
        """The query string that selects this period and these filters again (export links, the way back)."""
        p = self.period
        params: dict[str, object] = {"period": p.kind}
        if p.kind == "month":
            params["month"] = f"{p.start:%Y-%m}"
        elif p.kind == "quarter":
            params.update(year=p.start.year, quarter=(p.start.month - 1) // 3 + 1)
        elif p.kind == "year":
            params["year"] = p.start.year
        else:
            params.update({"from": p.start.isoformat(), "to": p.end.isoformat()})
        params.update({k: v for k, v in self.base().items() if v})
        return urlencode(params)


class StatsFilterForm(_ScopeFields):
    period = forms.ChoiceField(
        label="统计时段", required=False, choices=list(dashboard.PERIOD_KINDS.items()),
        error_messages={"invalid_choice": "统计时段只能选择按月、按季度、按年或自定义"},
    )
    month = forms.CharField(label="月份", required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-09"}))
    year = forms.IntegerField(
        label="年份", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR,
        error_messages={"invalid": "年份请填写四位数字，例如 2026",
                        "min_value": f"年份不能早于{FIRST_YEAR}年", "max_value": f"年份不能晚于{LAST_YEAR}年"},
    )
    quarter = forms.TypedChoiceField(
        label="季度", required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")],
        error_messages={"invalid_choice": "季度只能是第一至第四季度"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        # "from" and "to" are Python keywords: added by name so the query string reads ?from=…&to=….
        self.fields["from"] = _date_field("开始日期")
        self.fields["to"] = _date_field("结束日期")
        self.order_fields(["period", "month", "year", "quarter", "from", "to", "unit", "place"])

    def clean_month(self):
        raw = self.cleaned_data.get("month") or ""
        if not raw:
            return None
        match = _MONTH.match(raw)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("月份格式应为 年-月，例如 2026-09")
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise forms.ValidationError(f"月份的年份应在{FIRST_YEAR}至{LAST_YEAR}年之间")
        return (year, int(match.group(2)))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = clock.today()
        kind = data.get("period") or "month"
        if kind == "month":
            year, month = data.get("month") or (today.year, today.month)
            data["resolved"] = dashboard.month_period(year, month)
        elif kind == "quarter":
            year = data.get("year") or today.year
            quarter = data.get("quarter") or ((today.month - 1) // 3 + 1 if year == today.year else 1)
            data["resolved"] = dashboard.quarter_period(year, quarter)
        elif kind == "year":
            data["resolved"] = dashboard.year_period(data.get("year") or today.year)
        else:
            start, end = data.get("from"), data.get("to")
            if start is None or end is None:
                raise forms.ValidationError("自定义时段请同时填写开始日期和结束日期")
            data["resolved"] = _custom(start, end)
        return data

    def filters(self) -> Filters:
        d = self.cleaned_data
        return Filters(period=d["resolved"], unit=d.get("unit"), place=d.get("place"))


def _custom(start: dt.date, end: dt.date) -> dashboard.Period:
    if start > end:
        raise forms.ValidationError("开始日期不能晚于结束日期")
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise forms.ValidationError("自定义时段不能超过5年，请缩短时段")
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:
        raise forms.ValidationError(f"日期应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    return dashboard.Period(start, end, "custom")


class ExportForm(StatsFilterForm):
    table = forms.ChoiceField(label="表格", required=False, choices=TABLE_CHOICES,
                              error_messages={"invalid_choice": "没有这个表格"})


class DrillForm(_ScopeFields):
    """/stats/items/: which number (fact metrics and subgroup), the period, and where (unit or exactly one unit,
    township or 「县级及其他」, top-level category)."""

    metric = forms.CharField(label="指标", max_length=200, error_messages={"required": "缺少指标（metric）"})
    sub = forms.CharField(label="分组", required=False, max_length=24)
    exact = forms.BooleanField(label="仅本单位（不含下级）", required=False)
    category = forms.IntegerField(label="内容分类", required=False, min_value=0,
                                  error_messages={"invalid": "内容分类应为编号", "min_value": "内容分类应为编号"})

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["from"] = _date_field("开始日期", required=True)
        self.fields["to"] = _date_field("结束日期", required=True)
        # 「0」 is the 「县级及其他」 row: places outside every township.
        self.fields["place"].error_messages["invalid_choice"] = "所选乡镇不在您可统计的范围内"

    def full_clean(self):
        # place=0 is not a unit: take it out before the model field looks it up, and remember it.
        data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
        self.outside_townships = data.get("place") == "0"
        if self.outside_townships:
            data["place"] = ""
            self.data = data
        super().full_clean()

    def clean_metric(self):
        try:
            return selectors.parse_terms(self.cleaned_data["metric"], None)
        except ValueError as exc:
            raise forms.ValidationError(f"没有「{exc}」这个指标") from None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        terms = [(name, sub if sub is not None else (data.get("sub") if "sub" in self.data else None))
                 for name, sub in data["metric"]]
        data["terms"] = terms
        data["period"] = _custom(data["from"], data["to"])
        if data.get("exact") and data.get("unit") is None:
            raise forms.ValidationError("「仅本单位」需要同时指定单位")
        return data
