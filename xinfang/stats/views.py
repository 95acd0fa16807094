"""统计分析: the statistics page (/stats/), the items behind one of its numbers (/stats/items/) and its Excel
export (/stats/export/). Thin: validate the filter bar, call the selectors, render.

Sign-in is required by the middleware (``LoginRequiredMiddleware``). A user without a grant to view items gets
404, as for any page that is not theirs; every figure is summed within the units of the user's grants
(``selectors.scope_for``), and the drill-down lists items only through ``cases_visible_to``.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from xinfang.cases.choices import Channel, ClaimType
from xinfang.cases.models import Category
from xinfang.cases.states import Status
from xinfang.core import clock
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.stats import dashboard, exports, selectors
from xinfang.stats.forms import DrillForm, ExportForm, Filters, StatsFilterForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = dict(Status.choices)
SUB_LABELS = {**dict(Channel.choices), **dict(ClaimType.choices), "unit": "对办理单位", "bureau": "对信访部门"}


def _viewer(request) -> None:
    if not policies.unit_ids_with(request.user, Perm.VIEW):
        raise Http404("您的账号没有查看信访件的权限，无法查看统计")


def _figures(request, f: Filters) -> dashboard.StatsPage:
    scope = selectors.scope_for(request.user, f.unit, f.place)
    return dashboard.stats_page(scope, f.period, f.base(), rank_min=settings.XINFANG_STATS_RANK_MIN)


def _query(request) -> dict:
    """The filter bar's input; with none, the current month written out, so the bar shows what is counted."""
    return request.GET if request.GET else {"period": "month", "month": f"{clock.today():%Y-%m}"}


def _invalid(request, form):
    """The page with the filter bar's errors and no figures: a period the user did not ask for is not shown."""
    return render(request, "stats/page.html", {"nav": "stats", "form": form, "stats": None}, status=400)


@require_safe
def page(request):
    _viewer(request)
    form = StatsFilterForm(request.user, _query(request))
    if not form.is_valid():
        return _invalid(request, form)
    f = form.filters()
    data = _figures(request, f)
    t = data.tables
    return render(request, "stats/page.html", {
        "nav": "stats", "form": form, "stats": data, "filters": f, "query": f.query(),
        "items_url": reverse("stats:items"), "export_url": reverse("stats:export"),
        "state": selectors.fill_state(),
        "reports": _report_links(request.user, data.period),
        "tables_a": [t["channel"], t["claim"]],
        "tables_c": [t["unit"], t["overdue"]], "tables_d": [t["rank_handle"], t["rank_accept"]],
    })


def _report_links(user, period) -> list[tuple[str, str]]:
    """(label, url) of the reports for the page's period, for those who may read them: the bulletin of the
    period's last month (of the last ended month if that one is not over yet) and the report of its year."""
    from urllib.parse import urlencode

    from xinfang.stats import reports

    if not reports.may_read(user):
        return []
    month = min(period.end.replace(day=1), reports.last_full_month())
    return [
        (f"月度通报（{month.year}年{month.month}月）", f"{reverse('stats:report_monthly')}?"
                                                    f"{urlencode({'month': month.strftime('%Y-%m')})}"),
        (f"年度报告（{period.end.year}年）", f"{reverse('stats:report_annual')}?{urlencode({'year': period.end.year})}"),
    ]


@require_safe
def export(request):
    _viewer(request)
    form = ExportForm(request.user, _query(request))
    if not form.is_valid():
        return _invalid(request, form)
    f = form.filters()
    data = _figures(request, f)
    key = form.cleaned_data.get("table") or "all"
    tables = list(data.tables.values()) if key == "all" else [data.tables[key]]
    meta = [
        ("统计时段", f"{data.period.label}（{data.period.start:%Y-%m-%d} 至 {data.period.end:%Y-%m-%d}）"),
        ("上期", f"{data.previous.label}（{data.previous.start:%Y-%m-%d} 至 {data.previous.end:%Y-%m-%d}）"),
        ("去年同期", f"{data.last_year.label}（{data.last_year.start:%Y-%m-%d} 至 {data.last_year.end:%Y-%m-%d}）"),
        ("单位", f.unit.name if f.unit else "全部（本人可查看的单位）"),
        ("问题属地", f.place.name if f.place else "全部"),
        ("导出时间", f"{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}"),
    ]
    state = selectors.fill_state()
    if state is not None and state.as_of:
        meta.append(("数据截至", f"{state.as_of:%Y-%m-%d}"))
    content = exports.workbook(tables, meta=meta)
    name = "全部" if key == "all" else data.tables[key].title
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"信访统计-{name}-{data.period.start:%Y%m%d}-{data.period.end:%Y%m%d}.xlsx"
    )
    return response


@require_safe
def items(request):
    _viewer(request)
    form = DrillForm(request.user, request.GET)
    if not form.is_valid():
        return render(request, "stats/items.html", {"nav": "stats", "form": form, "rows": None}, status=400)
    d = form.cleaned_data
    unit, place, period = d.get("unit"), d.get("place"), d["period"]
    scope = selectors.scope_for(request.user, unit, place)
    if d.get("exact"):
        scope = dataclasses.replace(scope, unit_ids=(unit.pk,))  # the unit was checked to lie in the user's scope
    category_ids = None
    if d.get("category") is not None:
        tops = selectors.top_categories()
        category_ids = [c for c, top in tops.items() if top == d["category"]] if d["category"] else [0]
    outside = list(selectors.townships_of()) if form.outside_townships else None
    rows, truncated = selectors.drill_items(request.user, scope, period.start, period.end, d["terms"],
                                            category_ids=category_ids, outside_places=outside)
    return render(request, "stats/items.html", {
        "nav": "stats", "form": form, "rows": [_row(c) for c in rows], "truncated": truncated,
        "limit": 500, "heading": _heading(d, form.outside_townships), "period": period,
        "back": reverse("stats:page") + "?" + Filters(dashboard.period_of(period.start, period.end),
                                                      None if d.get("exact") else unit, place).query(),
    })


def _row(case) -> dict:
    # The same columns as 案件列表 shows for any item the user may open; no petitioner's name on this page.
    title = case.title if len(case.title) <= 40 else case.title[:39] + "…"
    unit = case.current_unit
    return {
        "pk": case.pk, "number": case.number, "title": title, "received": case.received_on.isoformat(),
        "unit": (unit.short_name or unit.name) if unit else "—", "status": STATUS_LABELS.get(case.status, case.status),
        "is_group": case.is_group, "is_repeat": case.is_repeat, "is_skip_level": case.is_skip_level,
    }


def _heading(d: dict, outside: bool) -> list[tuple[str, str]]:
    """What the list is: (label, value) pairs for the page's heading."""
    names = []
    for name, sub in d["terms"]:
        label = selectors.FACT_LABELS.get(name, name)
        if sub:
            label += f"（{SUB_LABELS.get(sub, sub)}）"
        names.append(label)
    out = [("指标", "＋".join(names)), ("时段", f"{d['from']:%Y-%m-%d} 至 {d['to']:%Y-%m-%d}")]
    if d.get("unit") is not None:
        out.append(("单位", d["unit"].name + ("（仅本单位）" if d.get("exact") else "（含下级单位）")))
    if outside:
        out.append(("问题属地", "县级及其他（不在乡镇）"))
    elif d.get("place") is not None:
        out.append(("问题属地", d["place"].name))
    if d.get("category") is not None:
        name = Category.objects.filter(pk=d["category"]).values_list("name", flat=True).first()
        out.append(("内容分类", name or "未分类"))
    return out
