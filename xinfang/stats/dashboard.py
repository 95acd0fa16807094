"""The statistics page (``/stats/``) and what its export and the monthly 通报 share: periods, the grouped reads of
one page, and its tables and tiles as plain rows of cells (so the page, the Excel export and the bulletin show
the same numbers from the same objects)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

from django.db.models import Sum

from xinfang.cases.choices import Channel, ClaimType
from xinfang.cases.models import Category
from xinfang.orgs.models import Unit
from xinfang.stats import metrics
from xinfang.stats.dimensions import month_of, top_categories, townships_of
from xinfang.stats.models import DailyCount
from xinfang.stats.selectors import (  # noqa: F401 (re-used names)
    DRILL_METRICS,
    FACT_LABELS,
    LATE,
    Scope,
    _scoped,
    _split,
    metric_values,
    rollup_sums,
    term_sum,
    totals,
)

# --- the statistics page (/stats/): periods, grouped reads, figures, the drill-down ------------------------------
#
# The page sums the monthly roll-ups (the daily counts for days outside whole months) in a fixed handful of
# grouped statements (the period by unit; the previous period and the same period last year; 件次 by place ×
# category; twelve months by month), whatever the number of units or items. Tables are built here as plain rows of cells so that the page and its Excel
# export show the same numbers from the same objects; a count carries the drill-down's query string.

PERIOD_KINDS = {"month": "按月", "quarter": "按季度", "year": "按年", "custom": "自定义"}
TREND_RATES = ("及时受理率", "按期办结率", "参评率", "满意率")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str = "custom"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "year":
            return f"{self.start.year}年"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def previous(self) -> Period:
        """The period just before: the previous month, quarter or year; a custom span of as many days."""
        if self.kind == "month":
            return month_period(*_add_months(self.start.year, self.start.month, -1))
        if self.kind == "quarter":
            y, m = _add_months(self.start.year, self.start.month, -3)
            return quarter_period(y, (m - 1) // 3 + 1)
        if self.kind == "year":
            return year_period(self.start.year - 1)
        days = (self.end - self.start).days + 1
        return Period(self.start - dt.timedelta(days=days), self.start - dt.timedelta(days=1), "custom")

    def last_year(self) -> Period:
        """The same period a year earlier (29 February → 28 February)."""
        return Period(_year_earlier(self.start), _year_earlier(self.end), self.kind)

    def months(self, n: int = 12) -> list[dt.date]:
        """First days of the ``n`` months that end with the month of the period's last day."""
        return [dt.date(*_add_months(self.end.year, self.end.month, -i), 1) for i in range(n - 1, -1, -1)]


def period_of(start: dt.date, end: dt.date) -> Period:
    """The period [start, end] as a month, quarter or year when it is exactly one, else a custom one."""
    if start.day == 1 and end == _month_end(dt.date(end.year, end.month, 1)):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return month_period(start.year, start.month)
        if months == 3 and start.month % 3 == 1:
            return quarter_period(start.year, (start.month - 1) // 3 + 1)
        if months == 12 and start.month == 1:
            return year_period(start.year)
    return Period(start, end, "custom")


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_end(first: dt.date) -> dt.date:
    y, m = _add_months(first.year, first.month, 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    first = dt.date(year, month, 1)
    return Period(first, _month_end(first), "month")


def quarter_period(year: int, quarter: int) -> Period:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return Period(first, _month_end(dt.date(*_add_months(year, first.month, 2), 1)), "quarter")


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


# --- grouped reads ------------------------------------------------------------------------------------------------




def _flat_totals(scope: Scope, period: Period) -> Counter:
    return Counter({key: n for key, n in totals(scope, period.start, period.end).items()})


def monthly_totals(scope: Scope, first: dt.date, end: dt.date, names: set[str]) -> dict[tuple, int]:
    """{(month's first day, metric, sub): n} for the fact metrics ``names``: whole months from the monthly
    roll-up, the days of a month cut by ``first`` or ``end`` from the daily counts."""
    from django.db.models.functions import TruncMonth

    out: dict[tuple, int] = defaultdict(int)
    months, edges = _split(first, end)
    if months is not None:
        for key, total in rollup_sums(scope, *months, monthly=True, names=names).items():
            out[key] += total
    for a, b in edges:
        days = rollup_sums(scope, a, b + dt.timedelta(days=1), monthly=True, names=names, grain="day")
        if days is not None:
            for (day, *key), total in days.items():
                out[(month_of(day), *key)] += total
            continue
        rows = (  # the daily counts themselves (a place filter)
            _scoped(DailyCount.objects.filter(day__range=(a, b), metric__in=sorted(names)), scope)
            .annotate(month=TruncMonth("day")).values("month", "metric", "sub").annotate(total=Sum("n")).order_by()
        )
        for r in rows:
            month = r["month"]
            month = month.date() if isinstance(month, dt.datetime) else month
            out[(month, r["metric"], r["sub"])] += r["total"]
    return out


# --- cells, tables and tiles ----------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One value of a table: ``text`` (a label), ``count`` (links to the items behind it), ``pct`` (a rate,
    0–1 or None when there is nothing to divide by) or ``change`` (already worded). ``css`` styles the cell."""

    kind: str
    value: object = None
    query: str = ""
    css: str = ""
    title: str = ""

    @property
    def text(self) -> str:
        if self.kind == "pct":
            return pct_text(self.value)  # type: ignore[arg-type]
        if self.value is None:
            return "—"
        return str(self.value)


@dataclass
class Column:
    label: str
    group: str = ""  # a heading spanning the columns of one rate (率, 分子, 分母)
    words: bool = False  # a column of names or words (left-aligned), not of numbers


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""
    footer: list[list[Cell]] = field(default_factory=list)  # 合计 rows

    @property
    def grouped(self) -> bool:
        return any(c.group for c in self.columns)

    def header_groups(self) -> list[tuple[str, int]]:
        """(group or "", span) for a two-row heading."""
        out: list[tuple[str, int]] = []
        for c in self.columns:
            if out and c.group and out[-1][0] == c.group:
                out[-1] = (c.group, out[-1][1] + 1)
            else:
                out.append((c.group, 1))
        return out


@dataclass
class Tile:
    name: str
    value: Cell
    numerator: Cell
    denominator: Cell
    num_label: str
    den_label: str
    definition: str
    vs_previous: Cell
    vs_last_year: Cell
    is_rate: bool
    higher_is_better: bool | None
    previous: str = ""  # the earlier periods' figures, worded: 「66.7%（2/3）」 or 「12」
    last_year: str = ""


@dataclass
class StatsPage:
    period: Period
    previous: Period
    last_year: Period
    tiles: list[Tile]
    tables: dict[str, Table]
    charts: dict
    rank_min: int


def pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _change(now, before, *, is_rate: bool, higher_is_better: bool | None, before_text: str) -> Cell:
    """The change against an earlier period: percentage points for a rate, per cent for a count."""
    if now is None or before is None:
        return Cell("change", "—（无可比数据）", css="flat", title=before_text)
    if is_rate:
        delta = round((now - before) * 100, 1)
        unit = " 个百分点"
    elif before == 0:
        if now == 0:
            return Cell("change", "→ 持平", css="flat", title=before_text)
        return Cell("change", f"↑ {now}（上期为 0）", css="neutral", title=before_text)
    else:
        delta = round((now - before) / before * 100, 1)
        unit = "%"
    if delta == 0:
        return Cell("change", "→ 持平", css="flat", title=before_text)
    arrow = "↑" if delta > 0 else "↓"
    if higher_is_better is None:
        css = "neutral"
    else:
        css = "good" if (delta > 0) == higher_is_better else "bad"
    return Cell("change", f"{arrow} {abs(delta):.1f}{unit}", css=css, title=before_text)


@functools.lru_cache(maxsize=4096)
def _quoted(value: str, safe: str = "", encoding: str | None = None, errors: str | None = None) -> str:
    """``quote_plus`` remembered: a page has a thousand links made of a few dozen distinct words."""
    return quote_plus(value, safe, encoding, errors)


class _Links:
    """Query strings of the drill-down (/stats/items/): the page's period and filters, and what one number
    counts. A side of a rate is one or more fact metrics with one subgroup (``metric=a,b&sub=s``)."""

    def __init__(self, period: Period, base: dict[str, str]):
        self.period = period
        self.base = {k: v for k, v in base.items() if v not in ("", None)}

    def __call__(self, terms, *, start: dt.date | None = None, end: dt.date | None = None, **over) -> str:

        names = list(dict.fromkeys(t for t, _ in terms))
        subs = {s for _, s in terms}
        if len(subs) == 1:
            params = {"metric": ",".join(names)}
            sub = subs.pop()
            if sub is not None:
                params["sub"] = sub
        else:  # mixed subgroups: each term names its own
            params = {"metric": ",".join(t if s is None else f"{t}:{s}" for t, s in terms)}
        params["from"] = (start or self.period.start).isoformat()
        params["to"] = (end or self.period.end).isoformat()
        merged = {**self.base, **{k: str(v) for k, v in over.items() if v is not None}}
        if "unit_exact" in over:
            merged["unit"] = str(over["unit_exact"])
            merged["exact"] = "1"
            merged.pop("unit_exact", None)
        params.update({k: merged[k] for k in ("unit", "exact", "place", "category") if k in merged})
        return urlencode(params, quote_via=_quoted)


def _count(n: int, query: str) -> Cell:
    return Cell("count", n, query=query if n else "")


def _side_label(terms) -> str:
    return "＋".join(FACT_LABELS.get(t, t) for t, _ in terms)


def _unit_label(names: dict[int, tuple[str, str]], pk: int) -> str:
    name, short = names.get(pk, ("（已删除的单位）", ""))
    return short or name


def stats_page(scope: Scope, period: Period, base: dict[str, str], *, rank_min: int) -> StatsPage:
    """Every figure of the statistics page for ``scope`` and ``period``."""
    previous, last_year = period.previous(), period.last_year()
    link = _Links(period, base)
    flat: Counter = Counter()
    per_unit: dict[int, Counter] = defaultdict(Counter)
    for (m, s, u), n in totals(scope, period.start, period.end, "unit_id").items():
        flat[(m, s)] += n
        per_unit[u][(m, s)] += n
    before, year_ago = (_flat_totals(scope, p) for p in (previous, last_year))
    months = period.months()
    trend_names = {"items", "persons"} | {t for name in TREND_RATES for t, _ in
                                          BY_METRIC[name].numerator + BY_METRIC[name].denominator}
    monthly = monthly_totals(scope, months[0], _month_end(months[-1]), trend_names)
    # 件次 per (place, category). ``totals`` may already give a village's place as its township and a category as
    # its top level; mapping again changes nothing, as a township and a top-level category map to themselves.
    places: Counter = Counter()
    for (m, _s, place, category), n in totals(scope, period.start, period.end, "place_id", "category_id").items():
        if m == "items":
            places[(place, category)] += n
    units, paths = {}, {}
    for pk, name, short, path in Unit.objects.values_list("pk", "name", "short_name", "path"):
        units[pk], paths[pk] = (name, short), path
    towns = townships_of()
    tops = top_categories()
    category_names = dict(Category.objects.filter(parent__isnull=True).values_list("pk", "name"))

    tiles = _tiles(flat, before, year_ago, link, previous, last_year)
    tables: dict[str, Table] = {}
    tables["kpi"] = _kpi_table(tiles)
    tables["trend"], charts = _trend(months, monthly, link)
    tables["channel"] = _channels(flat, link)
    tables["claim"] = _claims(flat, link)
    tables["category"] = _categories(places, tops, category_names, link)
    tables["township"] = _townships(places, towns, units, link)
    tables["unit"] = _units(per_unit, units, paths, link)
    tables["overdue"] = _overdue(per_unit, units, paths, link)
    tables["rank_handle"] = _ranking("rank_handle", "按期办结率", per_unit, units, paths, link, rank_min)
    tables["rank_accept"] = _ranking("rank_accept", "及时受理率", per_unit, units, paths, link, rank_min)
    tables["heat"] = _heat(places, towns, tops, units, category_names, link)
    charts["categories"] = [{"name": r[0].value, "value": r[1].value} for r in tables["category"].rows[:12]]
    return StatsPage(period, previous, last_year, tiles, tables, charts, rank_min)


BY_METRIC = metrics.BY_NAME
VOLUMES = (("件次", (("items", None),)), ("人次", (("persons", None),)))


def _tiles(flat, before, year_ago, link, previous: Period, last_year: Period) -> list[Tile]:
    tiles = []
    for name, terms in VOLUMES:
        now, prev, ly = (term_sum(c, terms) for c in (flat, before, year_ago))
        q = link(terms)
        tiles.append(Tile(
            name=name, value=_count(now, q), numerator=_count(now, q), denominator=Cell("text", ""),
            num_label=name, den_label="", definition=metrics.VOLUME_DEFINITIONS[name],
            vs_previous=_change(now, prev, is_rate=False, higher_is_better=None,
                                before_text=f"上期（{previous.label}）{prev}"),
            vs_last_year=_change(now, ly, is_rate=False, higher_is_better=None,
                                 before_text=f"去年同期（{last_year.label}）{ly}"),
            is_rate=False, higher_is_better=None, previous=str(prev), last_year=str(ly),
        ))
    now_v, prev_v, ly_v = metric_values(flat), metric_values(before), metric_values(year_ago)
    def worded(v: dict) -> str:
        return f"{pct_text(v['value'])}（{v['numerator']}/{v['denominator']}）"

    def said(label: str, p: Period, v: dict) -> str:
        return f"{label}（{p.label}）{worded(v)}"

    for m in metrics.METRICS:
        cur, prev, ly = now_v[m.name], prev_v[m.name], ly_v[m.name]

        tiles.append(Tile(
            name=m.name, value=Cell("pct", cur["value"]),
            numerator=_count(cur["numerator"], link(m.numerator)),
            denominator=_count(cur["denominator"], link(m.denominator)),
            num_label=_side_label(m.numerator), den_label=_side_label(m.denominator), definition=m.definition,
            vs_previous=_change(cur["value"], prev["value"], is_rate=True, higher_is_better=m.higher_is_better,
                                before_text=said("上期", previous, prev)),
            vs_last_year=_change(cur["value"], ly["value"], is_rate=True, higher_is_better=m.higher_is_better,
                                 before_text=said("去年同期", last_year, ly)),
            is_rate=True, higher_is_better=m.higher_is_better, previous=worded(prev), last_year=worded(ly),
        ))
    return tiles


def _kpi_table(tiles: list[Tile]) -> Table:
    rows = []
    for t in tiles:
        rows.append([
            Cell("text", t.name), t.value, t.numerator if t.is_rate else Cell("text", ""),
            t.denominator if t.is_rate else Cell("text", ""), Cell("text", t.previous), t.vs_previous,
            Cell("text", t.last_year), t.vs_last_year, Cell("text", t.definition),
        ])
    columns = [Column(c, words=c in ("上期", "环比", "去年同期", "同比", "口径"))
               for c in ("指标", "本期", "分子", "分母", "上期", "环比", "去年同期", "同比", "口径")]
    return Table("kpi", "主要指标", columns, rows)


def _rate_cells(found, m: metrics.Metric, link, **kw) -> list[Cell]:
    num, den = term_sum(found, m.numerator), term_sum(found, m.denominator)
    return [Cell("pct", metrics.rate(num, den)), _count(num, link(m.numerator, **kw)),
            _count(den, link(m.denominator, **kw))]


def _rate_columns(name: str) -> list[Column]:
    return [Column("比例", name), Column("分子", name), Column("分母", name)]


def _trend(months: list[dt.date], monthly: dict[tuple, int], link) -> tuple[Table, dict]:
    by_month: dict[dt.date, Counter] = defaultdict(Counter)
    for (month, m, s), n in monthly.items():
        by_month[month][(m, s)] += n
    rows = []
    chart: dict = {"months": [], "items": [], "persons": [], "rates": {name: [] for name in TREND_RATES}}
    for first in months:
        found = by_month.get(first, Counter())
        span = {"start": first, "end": _month_end(first)}
        items, persons = term_sum(found, VOLUMES[0][1]), term_sum(found, VOLUMES[1][1])
        row = [Cell("text", f"{first.year}年{first.month}月"), _count(items, link(VOLUMES[0][1], **span)),
               _count(persons, link(VOLUMES[1][1], **span))]
        chart["months"].append(f"{first.year}-{first.month:02d}")
        chart["items"].append(items)
        chart["persons"].append(persons)
        for name in TREND_RATES:
            cells = _rate_cells(found, BY_METRIC[name], link, **span)
            row += cells
            value = cells[0].value
            chart["rates"][name].append(None if value is None else round(value * 100, 1))  # type: ignore[operator]
        rows.append(row)
    columns = [Column("月份"), Column("件次"), Column("人次")]
    for name in TREND_RATES:
        columns += _rate_columns(name)
    chart["rates"] = [{"name": k, "values": v} for k, v in chart["rates"].items()]
    return Table("trend", "近12个月趋势", columns, rows, note="每月按该月的统计日期汇总；比例为当月数。"), chart


def _channels(flat: Counter, link) -> Table:
    rows = []
    for code, label in Channel.choices:
        items, persons = flat.get(("items", code), 0), flat.get(("persons", code), 0)
        if items or persons:
            rows.append([Cell("text", label), _count(items, link((("items", code),))),
                         _count(persons, link((("persons", code),)))])
    total = [Cell("text", "合计"), _count(term_sum(flat, VOLUMES[0][1]), link(VOLUMES[0][1])),
             _count(term_sum(flat, VOLUMES[1][1]), link(VOLUMES[1][1]))]
    return Table("channel", "按信访形式", [Column("信访形式"), Column("件次"), Column("人次")], rows, footer=[total])


def _claims(flat: Counter, link) -> Table:
    rows = []
    for code, label in ClaimType.choices:
        n = flat.get(("items_claim", code), 0)
        if n:
            rows.append([Cell("text", label), _count(n, link((("items_claim", code),)))])
    total = [Cell("text", "合计"), _count(term_sum(flat, (("items_claim", None),)), link((("items_claim", None),)))]
    return Table("claim", "按诉求类型", [Column("诉求类型"), Column("件次")], rows, footer=[total])


def _categories(places, tops, names, link) -> Table:
    found: Counter = Counter()
    for (_place, category), n in places.items():
        found[tops.get(category, 0)] += n
    rows = [[Cell("text", names.get(top, "未分类") if top else "未分类"),
             _count(n, link(VOLUMES[0][1], category=top))]
            for top, n in sorted(found.items(), key=lambda kv: (kv[0] == 0, -kv[1], kv[0]))]
    return Table("category", "按内容分类（一级）", [Column("内容分类"), Column("件次")], rows,
                 footer=[[Cell("text", "合计"), _count(sum(found.values()), link(VOLUMES[0][1]))]])


def _townships(places, towns, units, link) -> Table:
    found: Counter = Counter()
    for (place, _category), n in places.items():
        found[towns.get(place, 0)] += n
    rows = [[Cell("text", _unit_label(units, town) if town else "县级及其他（问题属地不在乡镇）"),
             _count(n, link(VOLUMES[0][1], place=town))]
            for town, n in sorted(found.items(), key=lambda kv: (kv[0] == 0, -kv[1], kv[0]))]
    return Table("township", "按问题属地（乡镇）", [Column("乡镇（街道）"), Column("件次")], rows,
                 note="村（社区）的问题计入其所属乡镇。")


def _ordered_units(per_unit, paths) -> list[int]:
    return sorted(per_unit, key=lambda u: paths.get(u, ""))


def _units(per_unit, units, paths, link) -> Table:
    rows = []
    for u in sorted(per_unit, key=lambda u: (-term_sum(per_unit[u], VOLUMES[0][1]), paths.get(u, ""))):
        items, persons = term_sum(per_unit[u], VOLUMES[0][1]), term_sum(per_unit[u], VOLUMES[1][1])
        if items or persons:
            rows.append([Cell("text", _unit_label(units, u)), _count(items, link(VOLUMES[0][1], unit_exact=u)),
                         _count(persons, link(VOLUMES[1][1], unit_exact=u))])
    return Table("unit", "按单位", [Column("单位"), Column("件次"), Column("人次")], rows,
                 note="件次计入信访件首次转送、交办的单位（未转送的计入登记单位）。")


def _overdue(per_unit, units, paths, link) -> Table:
    rows = []
    for u in _ordered_units(per_unit, paths):
        c = per_unit[u]
        accept_due, accept_ok = c.get(("accept_due", ""), 0), c.get(("accept_on_time", ""), 0)
        handle_due, handle_ok = c.get(("handle_due", ""), 0), c.get(("handle_on_time", ""), 0)
        if not (accept_due or handle_due):
            continue
        late_a, late_h = accept_due - accept_ok, handle_due - handle_ok
        rows.append((late_a + late_h, [
            Cell("text", _unit_label(units, u)),
            _count(accept_due, link((("accept_due", ""),), unit_exact=u)),
            _count(late_a, link((("late_accept", None),), unit_exact=u)),
            _count(handle_due, link((("handle_due", ""),), unit_exact=u)),
            _count(late_h, link((("late_handle", None),), unit_exact=u)),
        ]))
    rows.sort(key=lambda r: -r[0])  # stable: the units with most late items first, else in tree order
    for cell in (r[1][2] for r in rows):
        cell.css = "late" if cell.value else ""
    for cell in (r[1][4] for r in rows):
        cell.css = "late" if cell.value else ""
    columns = [Column("单位"), Column("到期", "受理告知"), Column("未按期", "受理告知"),
               Column("到期", "办理"), Column("未按期", "办理")]
    return Table("overdue", "逾期情况（按单位）", columns, [r[1] for r in rows],
                 note="未按期＝期限届满日在本期内的件数减去按期完成的件数；期限已过仍未告知或未办结的计为未按期。")


def _ranking(key: str, name: str, per_unit, units, paths, link, rank_min: int) -> Table:
    m = BY_METRIC[name]
    ranked, unranked = [], []
    for u in _ordered_units(per_unit, paths):
        num, den = term_sum(per_unit[u], m.numerator), term_sum(per_unit[u], m.denominator)
        if den:
            (ranked if den >= rank_min else unranked).append((u, num, den, metrics.rate(num, den)))
    ranked.sort(key=lambda r: (-(r[3] if m.higher_is_better else -r[3]), -r[2], paths.get(r[0], "")))
    rows, place, last = [], 0, None
    for i, (u, num, den, value) in enumerate(ranked, start=1):
        if value != last:
            place, last = i, value  # equal rates share a place (1, 1, 3)
        rows.append([Cell("text", _unit_label(units, u)), Cell("text", str(place)), Cell("pct", value),
                     _count(num, link(m.numerator, unit_exact=u)), _count(den, link(m.denominator, unit_exact=u))])
    for u, num, den, value in unranked:
        rows.append([Cell("text", _unit_label(units, u)), Cell("text", "不排名", css="muted"), Cell("pct", value),
                     _count(num, link(m.numerator, unit_exact=u)), _count(den, link(m.denominator, unit_exact=u))])
    den_label = _side_label(m.denominator)
    note = (f"排名规则：本期{den_label}件数不少于 {rank_min} 件的单位参加排名（件数太少时比例起伏大，不宜比较），"
            f"按{name}从高到低排列，比例相同的名次相同、{den_label}件数多的列前；不足 {rank_min} 件的单位列在表末，"
            "不排名次。")
    columns = [Column("单位"), Column("名次", words=True), Column(name), Column(_side_label(m.numerator)), Column(den_label)]
    return Table(key, f"单位排名：{name}", columns, rows, note=note)


def _heat(places, towns, tops, units, category_names, link) -> Table:
    grid: dict[int, Counter] = defaultdict(Counter)
    by_category: Counter = Counter()
    for (place, category), n in places.items():
        town, top = towns.get(place, 0), tops.get(category, 0)
        grid[town][top] += n
        by_category[top] += n
    cats = [c for c, _ in sorted(by_category.items(), key=lambda kv: (kv[0] == 0, -kv[1], kv[0]))]
    peak = max((n for row in grid.values() for n in row.values()), default=0)
    rows = []
    for town in sorted(grid, key=lambda t: (t == 0, -sum(grid[t].values()), t)):
        row = [Cell("text", _unit_label(units, town) if town else "县级及其他")]
        for cat in cats:
            n = grid[town].get(cat, 0)
            level = 0 if not n else max(1, min(5, -(-5 * n // peak)))
            cell = _count(n, link(VOLUMES[0][1], place=town, category=cat))
            cell.css = f"heat heat-{level}"
            row.append(cell)
        rows.append(row)
    columns = [Column("乡镇 \\ 分类")] + [Column(category_names.get(c, "未分类") if c else "未分类") for c in cats]
    return Table("heat", "乡镇 × 内容分类（件次）", columns, rows, note="颜色越深，件次越多（与本表最大值相比）。")

