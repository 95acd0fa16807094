"""The monthly 信访工作情况通报 (.docx): volumes against last month and every metric; units ranked by 按期办结率
and 及时受理率; clocks missed and the error register; the month's hot topics; acts recorded after their date
(补录); the next month's requirements.

``gather`` reads every figure (tests check it and the document both); ``render`` lays them out; ``bulletin``
does both. Figures are sums of the daily counts within the reader's scope (``reports.audience``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F
from django.db.models.functions import TruncDate

from xinfang.cases.choices import Channel, ClaimType
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.workflow import EVENT_LABELS
from xinfang.core import clock
from xinfang.orgs.models import Unit, User
from xinfang.stats import dashboard, selectors
from xinfang.stats.models import ItemFact
from xinfang.stats.reports import (
    SMALL_TABLE_SIZE,
    SUBHEADING_FONT,
    Audience,
    Column,
    Writer,
    as_of_sentence,
    audience,
    change_phrase,
    definitions_annex,
    document_number,
    metric_rows,
    month_before,
    place_name,
    rank_minimum,
    short,
    signed,
    unit_labels,
)
from xinfang.supervision.models import ErrorEntry

log = logging.getLogger("xinfang.stats")

HOT_TOPICS = 5
# Below this many items a month has no 「热点」 worth the name: two letters on one road are not a trend.
HOT_MIN_ITEMS = 10
# The 补录 list names at most this many acts (the most belated first); the count above it covers them all.
LATE_LIST_LIMIT = 30
REGULATION = "《信访工作条例》"
UNRANKED = "不排名"  # the first cell of a row the page lists below its ranking
NO_HOT_TOPICS = "本月信访件较少，未形成集中的热点问题。"


@dataclass
class ErrorGroup:
    unit: str
    kind: str
    article: str
    count: int


@dataclass
class Topic:
    title: str
    items: int
    persons: int


@dataclass
class LateAct:
    case_number: str
    act: str
    unit: str
    stated: dt.date
    recorded: dt.date


@dataclass
class Monthly:
    start: dt.date
    end: dt.date
    current: dict
    previous: dict
    page: dashboard.StatsPage  # the statistics page of the month: its rankings and overdue table are printed
    errors: list[ErrorGroup]
    errors_withdrawn: int
    errors_contested: int
    topics: list[Topic]
    late_total: int
    late: list[LateAct]
    late_by_unit: list[tuple[str, int]] = field(default_factory=list)

    @property
    def errors_total(self) -> int:
        return sum(g.count for g in self.errors)

    def ranking(self, key: str, name: str) -> tuple[list[RankRow], list[RankRow]]:
        """(ranked units, units below the minimum) of the page's ranking ``key`` by the rate ``name``."""
        table = self.page.tables[key]
        at = _columns(table)
        unit, place, rate = at["单位"], at["名次"], at[name]
        num, den = [i for i in range(len(table.columns)) if i not in (unit, place, rate)]
        rows = [RankRow(r[place].text, r[unit].text, r[rate].text, r[num].value, r[den].value) for r in table.rows]
        return [r for r in rows if r.place != UNRANKED], [r for r in rows if r.place == UNRANKED]

    @property
    def overdue(self) -> list[OverdueRow]:
        """The page's overdue table, the units that missed a clock only."""
        table = self.page.tables["overdue"]
        at = _columns(table)
        rows = [OverdueRow(r[at["单位"]].text, r[at["受理告知到期"]].value, r[at["受理告知未按期"]].value,
                           r[at["办理到期"]].value, r[at["办理未按期"]].value) for r in table.rows]
        return [r for r in rows if r.accept_late or r.handle_late]


def _columns(table: dashboard.Table) -> dict[str, int]:
    """Column positions by label (a grouped column as group + label: 受理告知未按期), so that the page may order
    its columns as it likes."""
    return {f"{c.group}{c.label}": i for i, c in enumerate(table.columns)}


@dataclass
class RankRow:
    place: str
    unit: str
    rate: str
    on_time: int
    due: int


@dataclass
class OverdueRow:
    unit: str
    accept_due: int
    accept_late: int
    handle_due: int
    handle_late: int


# --- figures --------------------------------------------------------------------------------------------------


def gather(a: Audience, start: dt.date, end: dt.date) -> Monthly:
    names = unit_labels()
    current = selectors.summary(a.scope, start, end)
    previous = selectors.summary(a.scope, *month_before(start))
    # The rankings and the overdue table are the statistics page's own, so the printed bulletin and the page
    # rank the same units in the same order under the same minimum.
    page = dashboard.stats_page(a.scope, dashboard.month_period(start.year, start.month), {},
                                rank_min=rank_minimum())
    errors, withdrawn, contested = _errors(a, start, end, names)
    late_total, late, late_by_unit = _late_acts(a, start, end, names)
    return Monthly(start, end, current, previous, page, errors, withdrawn, contested, _topics(a, start, end),
                   late_total, late, late_by_unit)


def _errors(a: Audience, start: dt.date, end: dt.date, names: dict[int, str]) -> tuple[list[ErrorGroup], int, int]:
    """The month's error-register entries by unit and kind. An entry withdrawn on the unit's objection is no
    breach and is only counted; one still contested is listed (it stands until the bureau decides)."""
    qs = ErrorEntry.objects.filter(occurred_on__range=(start, end))
    if a.unit_ids is not None:
        qs = qs.filter(unit_id__in=a.unit_ids)
    withdrawn = qs.filter(contest=ErrorEntry.Contest.WITHDRAWN).count()
    kept = qs.exclude(contest=ErrorEntry.Contest.WITHDRAWN)
    contested = kept.filter(contest=ErrorEntry.Contest.CONTESTED).count()
    kinds = dict(ErrorEntry.Kind.choices)
    grouped: Counter = Counter()
    for row in kept.values("unit_id", "kind", "article").annotate(n=Count("id")).order_by():
        # The articles cited, without the sentence that follows them; the column names the 条例 once.
        article = row["article"].split("：")[0].removeprefix(REGULATION)
        grouped[(row["unit_id"], row["kind"], article)] += row["n"]
    groups = [ErrorGroup(short(names, u), kinds.get(k, k), art, n) for (u, k, art), n in grouped.items()]
    groups.sort(key=lambda g: (g.unit, g.kind))
    return groups, withdrawn, contested


def _topics(a: Audience, start: dt.date, end: dt.date) -> list[Topic]:
    """The month's hottest issues among the items counted in its 件次, as 民情分析 finds them.

    Advisory: if the analysis fails or the month is too thin, the report says so instead of failing. Accusations
    stay out of every shared analysis, and a reader sees only what they may list."""
    facts = ItemFact.objects.filter(metric="items", day__range=(start, end))
    if a.unit_ids is not None:
        facts = facts.filter(unit_id__in=a.unit_ids)
    items = Case.objects.filter(pk__in=facts.values("case_id")).exclude(claim_type=ClaimType.ACCUSATION)
    if a.user is not None:
        from xinfang.cases import secrecy

        items = secrecy.listable(a.user, items)
    try:
        if items.count() < HOT_MIN_ITEMS:
            return []
        from xinfang.intelligence.services import hot_topics_from

        found = hot_topics_from(items, top=HOT_TOPICS, today=end)
        return [Topic(t.title, t.count, t.person_times) for t in found if t.count >= 2][:HOT_TOPICS]
    except Exception:  # the bulletin must still go out; the log tells the administrator why it has no topics
        log.exception("monthly report: hot topics failed")
        return []


def _late_acts(a: Audience, start: dt.date, end: dt.date, names: dict[int, str]):
    """Acts of the month recorded on a later day than the one they state (补录), by the recording unit.

    A registration states the date the item was received, not of an act, and the daily job's own acts name no
    person: neither is a late entry."""
    zone = ZoneInfo(settings.TIME_ZONE)
    qs = (
        CaseEvent.objects.filter(effective_on__range=(start, end), actor__isnull=False)
        .exclude(from_status="")
        .annotate(recorded=TruncDate("created_at", tzinfo=zone))
        .filter(recorded__gt=F("effective_on"))
    )
    if a.unit_ids is not None:
        qs = qs.filter(actor_unit_id__in=a.unit_ids)
    if a.user is not None:
        # Item numbers only of items the reader may list (never an accusation to its accused side).
        from xinfang.cases import secrecy
        from xinfang.cases.models import Case

        qs = qs.filter(case__in=secrecy.listable(a.user, Case.objects.all()).values("pk"))
    rows = list(qs.values_list("case__number", "action", "actor_unit_id", "effective_on", "recorded"))
    by_unit = Counter(short(names, r[2] or 0) for r in rows)
    # Most belated first: those are the ones a supervisor asks about.
    rows.sort(key=lambda r: (-(r[4] - r[3]).days, r[3], r[0]))
    acts = [LateAct(number, EVENT_LABELS.get(action, action), short(names, unit or 0), on, recorded)
            for number, action, unit, on, recorded in rows[:LATE_LIST_LIMIT]]
    acts.sort(key=lambda x: (x.stated, x.case_number))
    return len(rows), acts, sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0]))


# --- the document -------------------------------------------------------------------------------------------


def bulletin(*, month_start: dt.date, month_end: dt.date, user: User | None = None, unit: Unit | None = None,
             number: int | None = None) -> bytes:
    a = audience(user, unit)
    return render(a, gather(a, month_start, month_end), number=number)


def render(a: Audience, m: Monthly, *, number: int | None = None, issued_on: dt.date | None = None) -> bytes:
    issued_on = issued_on or clock.today()
    w = Writer()
    w.blank()
    w.title(f"{place_name(a.issuer)}信访工作情况通报")
    w.centred(f"（{m.start.year}年{m.start.month}月）", font=SUBHEADING_FONT)
    w.centred(document_number(a.issuer, number, issued_on))
    w.blank()
    w.left("各乡镇（街道）、县直各单位：")
    scope_note = "" if a.area == "全县" else f"（统计范围为{a.area}及其下级单位）"
    w.para(f"现将{period_label(m.start)}{a.area}信访工作情况{scope_note}通报如下。{as_of_sentence(a, m.end)}")
    _overall(w, a, m)
    _units(w, m)
    _overdue_and_errors(w, m)
    _hot_topics(w, m)
    _late(w, m)
    _requirements(w)
    w.blank()
    w.para("附件：统计指标口径说明")
    w.signature(a.issuer.name, issued_on)
    definitions_annex(w, "统计指标口径说明")
    return w.save()


def _overall(w: Writer, a: Audience, m: Monthly) -> None:
    w.heading("一、总体情况")
    now, before = m.current["volumes"], m.previous["volumes"]
    w.para(
        f"本月{a.area}共收到信访件{now['件次']}件次、{now['人次']}人次。与上月（{before['件次']}件次、{before['人次']}人次）"
        f"相比，件次{change_phrase(now['件次'], before['件次'], '件次')}，人次{change_phrase(now['人次'], before['人次'], '人次')}。"
    )
    labels = [label for _, label in Channel.choices]
    shown = [c for c in labels if now["by_channel"].get(c) or before["by_channel"].get(c)]
    rows = []
    for channel in shown:
        n, p = now["by_channel"].get(channel, 0), now["人次_by_channel"].get(channel, 0)
        bn, bp = before["by_channel"].get(channel, 0), before["人次_by_channel"].get(channel, 0)
        rows.append([channel, n, bn, signed(n - bn), p, bp, signed(p - bp)])
    rows.append(["合计", now["件次"], before["件次"], signed(now["件次"] - before["件次"]), now["人次"], before["人次"],
                 signed(now["人次"] - before["人次"])])
    w.subheading("（一）信访总量及渠道分布")
    w.table([Column("信访形式", 24), *(Column(h, 22) for h in ("本月件次", "上月件次", "件次增减", "本月人次",
                                                               "上月人次", "人次增减"))], rows, bold_last=True)
    w.subheading("（二）主要工作指标")
    w.para("各项指标按本月期限届满（或发生）的事项计算，分子/分母为计入的件数，口径见附件。")
    w.table([Column("指标", 48), Column("本月", 30), Column("分子/分母", 44), Column("上月", 34)],
            metric_rows(m.current["metrics"], m.previous["metrics"]))


def _units(w: Writer, m: Monthly) -> None:
    w.heading("二、各单位办理情况")
    minimum = rank_minimum()
    w.para(f"按期办结率、及时受理率按本月期限届满的事项计算。本月期限届满的事项不少于{minimum}件的单位参加排名，"
           "比例相同的名次相同；不足的单位不排名次（件数太少时比例起伏大，不宜比较）。")
    for number, key, name, due_label in (("（一）", "rank_handle", "按期办结率", "办理到期"),
                                         ("（二）", "rank_accept", "及时受理率", "受理告知到期")):
        w.subheading(f"{number}{name}")
        ranked, unranked = m.ranking(key, name)
        if not ranked and not unranked:
            w.para(f"本月没有{due_label}的信访事项。")
            continue
        if ranked:
            w.table([Column("名次", 16), Column("单位", 50, "left"), Column(name, 30), Column("按期件数", 26),
                     Column(f"{due_label}件数", 34)], [[r.place, r.unit, r.rate, r.on_time, r.due] for r in ranked])
        else:
            w.para(f"本月没有{due_label}事项达到{minimum}件的单位。")
        if unranked:
            listed = "、".join(f"{r.unit}（{r.on_time}/{r.due}）" for r in unranked)
            w.para(f"{due_label}不足{minimum}件、未排名的单位：{listed}。")


def _overdue_and_errors(w: Writer, m: Monthly) -> None:
    w.heading("三、超期和差错")
    w.subheading("（一）超期情况")
    rows = m.overdue
    if not rows:
        w.para("本月期限届满的信访事项均按期告知受理、按期办结。")
    else:
        accept = sum(r.accept_late for r in rows)
        handle = sum(r.handle_late for r in rows)
        w.para(f"期限在本月届满的信访事项中，未按期告知受理{accept}件、未按期办结{handle}件"
               f"（含截至统计日仍未告知、未办结的），涉及{len(rows)}个单位：")
        body = [[r.unit, r.accept_due, r.accept_late, r.handle_due, r.handle_late] for r in rows]
        body.append(["合计", sum(r.accept_due for r in rows), accept, sum(r.handle_due for r in rows), handle])
        w.table([Column("单位", 46, "left"), Column("受理告知到期", 30), Column("未按期告知", 27),
                 Column("办理到期", 26), Column("未按期办结", 27)], body, bold_last=True)
    w.subheading("（二）差错登记")
    extra = []
    if m.errors_contested:
        extra.append(f"其中{m.errors_contested}条单位已提出异议、尚待裁定")
    if m.errors_withdrawn:
        extra.append(f"另有{m.errors_withdrawn}条经异议核实已撤销，不计入")
    tail = ("，" + "；".join(extra)) if extra else ""
    if not m.errors:
        w.para(f"本月差错登记0条{tail}。")
        return
    w.para(f"本月差错登记{m.errors_total}条{tail}。按单位和差错类型统计如下：")
    w.table([Column("责任单位", 40, "left"), Column("差错类型", 50, "left"),
             Column(f"依据（{REGULATION}）", 50, "left"), Column("条数", 16)],
            [[g.unit, g.kind, g.article, g.count] for g in m.errors])


def _hot_topics(w: Writer, m: Monthly) -> None:
    w.heading("四、群众反映的热点问题")
    if not m.topics:
        w.para(NO_HOT_TOPICS)
        return
    w.para(f"经对本月信访件的内容聚类分析，群众反映较集中的{len(m.topics)}个问题如下：")
    w.table([Column("序号", 16), Column("问题", 100, "left"), Column("件次", 20), Column("人次", 20)],
            [[i, t.title, t.items, t.persons] for i, t in enumerate(m.topics, 1)])


def _late(w: Writer, m: Monthly) -> None:
    w.heading("五、补录情况")
    if not m.late_total:
        w.para("本月办理的事项均在办理当日录入系统，没有补录。")
        return
    by_unit = "、".join(f"{name}{n}项" for name, n in m.late_by_unit)
    w.para(f"本月办理的事项中，有{m.late_total}项在办理日之后才录入系统（补录），涉及{len(m.late_by_unit)}个单位："
           f"{by_unit}。补录使信访人和督查人员不能及时看到办理进展，请有关单位当日办理、当日录入。")
    if m.late_total > len(m.late):
        w.para(f"下表列出其中相隔天数最多的{len(m.late)}项：")
    w.table([Column("信访件编号", 36), Column("办理事项", 48, "left"), Column("单位", 30, "left"),
             Column("办理日期", 21), Column("录入日期", 21)],
            [[x.case_number, x.act, x.unit, x.stated.isoformat(), x.recorded.isoformat()] for x in m.late],
            size=SMALL_TABLE_SIZE)


REQUIREMENTS = (
    "（一）压实首办责任。各单位要对照本通报，逐件核查超期事项，本月底前办结并书面答复信访人；对差错登记有异议的，"
    "在规定期限内提出并说明理由。",
    "（二）严格按期受理办理。收到转送、交办事项后，15日内告知是否受理，60日内办结；情况复杂需要延期的，"
    "须经本单位负责人批准并书面告知信访人。",
    "（三）及时如实录入。办理事项应当在办理当日录入系统，确需补录的须写明理由，确保办理过程可查询、可跟踪、可督办、可评价。",
    "（四）关注热点问题。对群众反映集中的问题，属地和主管部门要主动排查、提前化解，防止矛盾上行。",
)


def _requirements(w: Writer) -> None:
    w.heading("六、下一步工作要求")
    for text in REQUIREMENTS:
        w.para(text)


def period_label(start: dt.date) -> str:
    return f"{start.year}年{start.month}月"

