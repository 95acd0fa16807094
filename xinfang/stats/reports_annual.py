"""The annual report of the 信访部门 (《信访工作条例》第四十一条): the year's figures for receiving and handling
items, the fields they concern and the organs most complained about, forwarding, assigning and 督办, and the
improvement suggestions made with whether they were adopted.

The system records no 建议 of the bureau to other organs nor their adoption, so that part is a table with its
headers for the bureau to fill in by hand, said so in the text; every other figure is computed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q

from xinfang.cases.choices import Channel
from xinfang.cases.models import CaseEvent
from xinfang.cases.workflow import ACTION_LABELS
from xinfang.core import clock
from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.stats import dashboard, selectors
from xinfang.stats.reports import (
    Audience,
    Column,
    Writer,
    as_of_sentence,
    audience,
    definitions_annex,
    document_number,
    metric_rows,
    percent,
    rate_cell,
    short,
    unit_labels,
)
from xinfang.supervision.models import ErrorEntry, Reminder, Supervision, Urge

TOP_FIELDS = 10
TOP_UNITS = 10
SUGGESTION_ROWS = 6  # empty rows of the table the bureau fills in
# Forwarding and assigning as the register records them, in the order the report lists them.
MONTH_RATES = ("accept_on_time", "accept_due", "handle_on_time", "handle_due")
ROUTING = ("forward", "assign", "forward_down", "assign_down", "route_legal", "route_discipline")


@dataclass
class MonthRow:
    month: int
    items: int
    persons: int
    accept: tuple[int, int]
    handle: tuple[int, int]


@dataclass
class Annual:
    start: dt.date
    end: dt.date
    summary: dict
    months: list[MonthRow]
    fields: list[tuple[str, int]]
    units: list[tuple[str, int, tuple[int, int]]]  # name, 件次, 按期办结 (on time, due)
    routing: list[tuple[str, int]]
    supervision: dict[str, int]
    errors: list[tuple[str, int]]
    suggestions: int  # items of claim type 建议意见


def gather(a: Audience, start: dt.date, end: dt.date) -> Annual:
    summary = selectors.summary(a.scope, start, end)
    names = unit_labels()
    return Annual(
        start, end, summary, _months(a, start, end), _fields(summary), _units(a, start, end, names),
        _routing(a, start, end), _supervision(a, start, end), _errors(a, start, end),
        summary["volumes"]["by_claim_type"].get("建议意见", 0),
    )


def _months(a: Audience, start: dt.date, end: dt.date) -> list[MonthRow]:
    """件次, 人次 and the two rates of each month of the year, up to the current month."""
    found = dashboard.monthly_totals(a.scope, start, end, {"items", "persons", *MONTH_RATES})
    by_month: dict[int, Counter] = {}
    for (first, metric, _sub), n in found.items():
        by_month.setdefault(first.month, Counter())[metric] += n
    today = clock.today()
    rows = []
    for month in range(1, (end.month if today > end else today.month) + 1):
        c = by_month.get(month, Counter())
        rows.append(MonthRow(month, c["items"], c["persons"], (c["accept_on_time"], c["accept_due"]),
                             (c["handle_on_time"], c["handle_due"])))
    return rows


def _fields(summary: dict) -> list[tuple[str, int]]:
    by_category = summary["volumes"]["by_category"]
    ranked = list(by_category.items())
    top = ranked[:TOP_FIELDS]
    rest = sum(n for _, n in ranked[TOP_FIELDS:])
    return top + ([("其他", rest)] if rest else [])


def _units(a: Audience, start: dt.date, end: dt.date, names: dict[int, str]) -> list[tuple[str, int, tuple[int, int]]]:
    """The organs with the most items (counted at the unit each item was first routed to). Items the 信访部门
    kept itself (存档、不予受理) complain about no organ and are left out."""
    found = selectors.totals(a.scope, start, end, "unit_id")
    bureaus = set(Unit.objects.filter(kind=UnitKind.BUREAU).values_list("pk", flat=True))
    items: Counter = Counter()
    for (metric, _sub, unit_id), n in found.items():
        if metric == "items" and unit_id not in bureaus:
            items[unit_id] += n
    rows = []
    for unit_id, n in sorted(items.items(), key=lambda kv: (-kv[1], short(names, kv[0])))[:TOP_UNITS]:
        handle = selectors.metric_values(found, unit_id)["按期办结率"]
        rows.append((short(names, unit_id), n, (handle["numerator"], handle["denominator"])))
    return rows


def _routing(a: Audience, start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    qs = CaseEvent.objects.filter(action__in=ROUTING, effective_on__range=(start, end))
    if a.unit_ids is not None:
        qs = qs.filter(actor_unit_id__in=a.unit_ids)
    counts = dict(qs.values_list("action").annotate(n=Count("id")).order_by())
    return [(ACTION_LABELS.get(action, action), counts.get(action, 0)) for action in ROUTING]


def _supervision(a: Audience, start: dt.date, end: dt.date) -> dict[str, int]:
    sups = Supervision.objects.filter(issued_on__range=(start, end))
    urges = Urge.objects.filter(urged_on__range=(start, end))
    reminders = Reminder.objects.filter(sent_on__range=(start, end))
    if a.unit_ids is not None:
        sups = sups.filter(Q(unit_id__in=a.unit_ids) | Q(issuing_unit_id__in=a.unit_ids))
        urges = urges.filter(Q(supervision__unit_id__in=a.unit_ids) | Q(supervision__issuing_unit_id__in=a.unit_ids))
        reminders = reminders.filter(unit_id__in=a.unit_ids)
    levels = dict(sups.values_list("level").annotate(n=Count("id")).order_by())
    out = {"督办": sum(levels.values())}
    for value, label in Supervision.Level.choices:
        out[label] = levels.get(value, 0)
    out["督办已办结"] = sups.filter(state=Supervision.State.CLOSED).count()
    out["催办"] = urges.count()
    out["提醒函"] = reminders.count()
    return out


def _errors(a: Audience, start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    qs = ErrorEntry.objects.filter(occurred_on__range=(start, end)).exclude(contest=ErrorEntry.Contest.WITHDRAWN)
    if a.unit_ids is not None:
        qs = qs.filter(unit_id__in=a.unit_ids)
    counts = dict(qs.values_list("kind").annotate(n=Count("id")).order_by())
    return [(label, counts[value]) for value, label in ErrorEntry.Kind.choices if counts.get(value)]


# --- the document -------------------------------------------------------------------------------------------


def report(*, year_start: dt.date, year_end: dt.date, user: User | None = None, unit: Unit | None = None,
           number: int | None = None) -> bytes:
    a = audience(user, unit)
    return render(a, gather(a, year_start, year_end), number=number)


def _addressee() -> str:
    county = Unit.objects.filter(kind=UnitKind.COUNTY).order_by("depth", "path").first()
    return f"{county.name}：" if county else "县委、县政府："


def render(a: Audience, y: Annual, *, number: int | None = None, issued_on: dt.date | None = None) -> bytes:
    issued_on = issued_on or clock.today()
    year = y.start.year
    w = Writer()
    w.blank()
    # Two lines: the organ, then the subject, so that no line of the title runs past 28 characters of 2号.
    w.title(a.issuer.name, f"关于{year}年度信访工作情况的报告")
    w.centred(document_number(a.issuer, number, issued_on))
    w.blank()
    w.left(_addressee())
    scope_note = "" if a.area == "全县" else f"（统计范围为{a.area}）"
    w.para(f"根据《信访工作条例》第四十一条的规定，现将{year}年度{a.area}信访工作情况{scope_note}报告如下。"
           f"{as_of_sentence(a, y.end)}")
    _figures(w, a, y)
    _fields_section(w, y)
    _units_section(w, y)
    _routing_section(w, y)
    _suggestions_section(w, a, y)
    w.blank()
    w.para("附件：统计指标口径说明")
    w.signature(a.issuer.name, issued_on)
    definitions_annex(w, "统计指标口径说明")
    return w.save()


def _figures(w: Writer, a: Audience, y: Annual) -> None:
    v = y.summary["volumes"]
    w.heading("一、受理、办理信访事项的数据统计")
    w.subheading("（一）信访总量")
    channels = "、".join(f"{c}{v['by_channel'][c]}件次" for _, c in Channel.choices if c in v["by_channel"]) or "无"
    claims = "、".join(f"{c}{n}件次" for c, n in v["by_claim_type"].items()) or "无"
    w.para(f"全年{a.area}共收到信访件{v['件次']}件次、{v['人次']}人次。按信访形式分：{channels}；按诉求类型分：{claims}。")
    ordered = [label for _, label in Channel.choices if label in v["by_channel"]]
    rows = [[c, v["by_channel"][c], v["人次_by_channel"].get(c, 0), percent(v["by_channel"][c] / v["件次"])]
            for c in ordered]
    rows.append(["合计", v["件次"], v["人次"], "100.0%" if v["件次"] else "—"])
    w.table([Column("信访形式", 44), Column("件次", 36), Column("人次", 36), Column("占件次比例", 40)], rows, bold_last=True)
    w.subheading("（二）受理办理情况")
    w.para("全年各项工作指标如下（口径见附件）：")
    w.table([Column("指标", 56), Column("全年", 40), Column("分子/分母", 60)], metric_rows(y.summary["metrics"]))
    w.subheading("（三）各月情况")
    w.table([Column("月份", 22), Column("件次", 24), Column("人次", 24), Column("及时受理率", 43), Column("按期办结率", 43)],
            [[f"{r.month}月", r.items, r.persons, rate_cell(*r.accept), rate_cell(*r.handle)] for r in y.months],
            size=10.5)


def _fields_section(w: Writer, y: Annual) -> None:
    w.heading("二、信访事项涉及的领域")
    total = y.summary["volumes"]["件次"]
    if not y.fields:
        w.para("本年度没有收到信访件。")
        return
    top = "、".join(name for name, _ in y.fields[:3] if name not in ("其他", "未填写"))
    w.para(f"按内容分类（一级类别）统计，信访事项主要涉及{top or '各领域'}等领域：")
    w.table([Column("序号", 16), Column("领域", 70, "left"), Column("件次", 32), Column("占比", 38)],
            [[i, name, n, percent(n / total if total else None)] for i, (name, n) in enumerate(y.fields, 1)])


def _units_section(w: Writer, y: Annual) -> None:
    w.heading("三、被投诉较多的机关、单位")
    if not y.units:
        w.para("本年度没有转送、交办到有关机关、单位的信访件。")
        return
    w.para(f"按信访件首次转送、交办到的有权处理机关统计（信访部门直接办结的不计），收到信访件较多的{len(y.units)}个单位如下：")
    w.table([Column("序号", 16), Column("单位", 62, "left"), Column("件次", 28), Column("按期办结率", 50)],
            [[i, name, n, rate_cell(*handle)] for i, (name, n, handle) in enumerate(y.units, 1)])


def _routing_section(w: Writer, y: Annual) -> None:
    w.heading("四、转送、交办、督办情况")
    routed = sum(n for _, n in y.routing)
    s = y.supervision
    w.para(f"全年转送、交办信访事项{routed}件次；发出督办{s['督办']}件，已办结{s['督办已办结']}件；"
           f"逾期未回复催办{s['催办']}次；发送提醒函{s['提醒函']}份。")
    rows = [[label, n] for label, n in y.routing]
    rows += [[label, s[label]] for _, label in Supervision.Level.choices]
    rows += [["督办已办结", s["督办已办结"]], ["催办", s["催办"]], ["提醒函", s["提醒函"]]]
    w.table([Column("项目", 110, "left"), Column("件次", 46)], rows)
    if y.errors:
        listed = "、".join(f"{label}{n}条" for label, n in y.errors)
        w.para(f"全年差错登记{sum(n for _, n in y.errors)}条（不含经异议撤销的）：{listed}。")
    else:
        w.para("全年没有差错登记。")


def _suggestions_section(w: Writer, a: Audience, y: Annual) -> None:
    w.heading("五、提出的改进建议及其被采纳情况")
    w.para(f"全年收到群众提出建议意见类信访件{y.suggestions}件次。")
    w.para("本系统尚未记录信访部门向有关机关、单位提出的改进工作、完善政策建议及其采纳情况，"
           f"请{a.issuer.name}据实填写下表后报送：")
    w.table([Column("序号", 14), Column("建议事项", 56), Column("提出对象", 32), Column("提出日期", 24),
             Column("采纳情况", 30)], [[str(i), "", "", "", ""] for i in range(1, SUGGESTION_ROWS + 1)],
            row_height_mm=12)
