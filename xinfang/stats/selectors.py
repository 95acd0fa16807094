"""Reads of the statistics: every figure is a sum of daily counts (never a scan of the items), within the units
of the user's grants; a drill-down lists the items behind one figure through ``cases_visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from xinfang.cases.choices import Channel, ClaimType
from xinfang.cases.models import Case, Category
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.stats import dimensions, metrics, rollups
from xinfang.stats.dimensions import top_categories, townships_of
from xinfang.stats.models import DailyCount, ItemFact, MonthUnitCount


@dataclass(frozen=True)
class Scope:
    """Which counts a figure sums: the units (None: every unit), and optionally the problem places.

    ``outside``: for a scope of most units (a county supervisor's: every unit but the city above), the units
    outside it that have monthly counts; the monthly roll-ups are then read without a unit, minus those units
    (the roll-ups without a unit are far smaller). None: read with the unit filter."""

    unit_ids: tuple[int, ...] | None
    place_ids: tuple[int, ...] | None = None
    outside: tuple[int, ...] | None = None


def scope_for(user, unit: Unit | None = None, place: Unit | None = None) -> Scope:
    """The user's units (``Perm.VIEW``), narrowed to ``unit``'s subtree and ``place``'s subtree when given.
    ``user=None`` is the command line: the whole database."""
    ids = None if user is None else set(policies.unit_ids_with(user, Perm.VIEW))
    if unit is not None:
        below = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        ids = below if ids is None else ids & below
    places = None
    if place is not None:
        places = tuple(sorted(Unit.objects.filter(path__startswith=place.path).values_list("pk", flat=True)))
    return Scope(None if ids is None else tuple(sorted(ids)), places, _outside(ids))


def _outside(ids: set[int] | None) -> tuple[int, ...] | None:
    """The units with monthly counts outside a scope that holds most units (0: none recorded), else None."""
    if ids is None:
        return None
    outside = (set(Unit.objects.values_list("pk", flat=True)) | {0}) - ids
    if len(outside) >= len(ids):
        return None
    return tuple(sorted(set(MonthUnitCount.objects.filter(unit_id__in=outside).values_list("unit_id", flat=True)
                            .distinct())))


def counts(scope: Scope, start: dt.date, end: dt.date) -> QuerySet[DailyCount]:
    """The daily counts of the period (what ``totals`` reads for the days outside whole months)."""
    qs = DailyCount.objects.filter(day__range=(start, end))
    if scope.unit_ids is not None:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    if scope.place_ids is not None:
        qs = qs.filter(place_id__in=scope.place_ids)
    return qs


def totals(scope: Scope, start: dt.date, end: dt.date, *by: str) -> dict[tuple, int]:
    """{(metric, sub, *by values): n} for the period; ``by`` from ``unit_id``, ``place_id`` (grouped by township)
    and ``category_id`` (grouped by top-level category; 件次 and 人次 only, with an empty subgroup).

    Whole months are read from the monthly roll-ups, the days around them from the daily roll-ups (the daily
    counts themselves when none can answer), so a period costs a few thousand rows however many items it holds."""
    out: Counter = Counter()
    months, edges = _split(start, end)
    if months is not None:
        out.update(rollup_sums(scope, *months, by))
    maps = None
    for a, b in edges:
        days = rollup_sums(scope, a, b + dt.timedelta(days=1), by, grain="day")
        if days is not None:
            out.update(days)
            continue
        maps = maps or (townships_of(), top_categories())  # the daily counts themselves (a place filter)
        townships, tops = maps
        for (metric, sub, *values), n in _daily_totals(scope, a, b, by).items():
            if "category_id" in by:
                if metric not in VOLUME_METRICS:
                    continue
                sub = ""
            mapped = [townships.get(value, 0) if name == "place_id" else
                      tops.get(value, 0) if name == "category_id" else value
                      for name, value in zip(by, values, strict=True)]
            out[(metric, sub, *mapped)] += n
    return dict(out)


VOLUME_METRICS = dimensions.VOLUME_METRICS


def _split(start: dt.date, end: dt.date):
    """((first month, month after the last) of the whole months inside [start, end], or None; the edge ranges)."""
    first = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = end + dt.timedelta(days=1)
    stop = after if after.day == 1 else after.replace(day=1)
    if first >= stop:
        return None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - dt.timedelta(days=1)))
    if stop <= end:
        edges.append((stop, end))
    return (first, stop), edges


_DIMENSION = {"unit_id": "unit", "place_id": "township", "category_id": "category"}


def rollup_sums(scope: Scope, first: dt.date, stop: dt.date, by: tuple[str, ...] = (), *, monthly: bool = False,
                names: set[str] | None = None, grain: str = "month") -> dict[tuple, int] | None:
    """{(month or day if ``monthly``, metric, sub, *by values): n} over the months (``grain="day"``: the days)
    [first, stop) in the scope, from the smallest roll-up that can answer (the volumes by category have an empty
    subgroup); ``names``: only these metrics. None when no daily roll-up can answer.

    A scope of most units (a county supervisor's: every unit but the city above) is read as everything minus the
    few units outside it: the roll-ups without a unit are far smaller than those with one."""
    args = (first, stop, by, monthly, names, grain)
    outside = scope.outside
    if outside is None:
        return _sums(scope, *args)
    whole = _sums(Scope(None, scope.place_ids), *args)
    less = _sums(Scope(outside, scope.place_ids), *args) if outside else {}
    if whole is None or less is None:
        return None
    found = Counter(whole)
    found.subtract(less)
    return {k: n for k, n in found.items() if n}


def _sums(scope: Scope, first: dt.date, stop: dt.date, by: tuple[str, ...], monthly: bool,
          names: set[str] | None, grain: str) -> dict[tuple, int] | None:
    needs = {_DIMENSION[b] for b in by}
    if scope.unit_ids is not None:
        needs.add("unit")
    if scope.place_ids is not None:
        needs.add("township")
    rollup = rollups.for_read(needs, grain)
    if rollup is None:
        return None
    qs = rollup.model.objects.filter(**{f"{grain}__gte": first, f"{grain}__lt": stop})
    if names is not None:
        qs = qs.filter(metric__in=sorted(names))
    if scope.unit_ids is not None:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    if scope.place_ids is not None:
        qs = qs.filter(township_id__in=scope.place_ids)
    has_sub = "sub" in rollup.dims
    fields = [*([grain] if monthly else []), "metric", *(["sub"] if has_sub else []),
              *(rollups.COLUMNS[_DIMENSION[b]] for b in by)]
    out = {}
    for *key, total in qs.values_list(*fields).annotate(total=Sum("n")).order_by():
        if not has_sub:  # the volumes by category: no subgroup
            key.insert(2 if monthly else 1, "")
        out[tuple(key)] = total
    return out


def _daily_totals(scope: Scope, start: dt.date, end: dt.date, by: tuple[str, ...]) -> dict[tuple, int]:
    rows = counts(scope, start, end).values("metric", "sub", *by).annotate(total=Sum("n")).order_by()
    return {(r["metric"], r["sub"], *(r[b] for b in by)): r["total"] for r in rows}


def term_sum(found: dict[tuple, int], terms, *rest) -> int:
    return sum(n for (m, s, *others), n in found.items()
               if tuple(others) == rest and any(m == t and (sub is None or s == sub) for t, sub in terms))


def metric_values(found: dict[tuple, int], *rest) -> dict[str, dict]:
    out = {}
    for m in metrics.METRICS:
        num, den = term_sum(found, m.numerator, *rest), term_sum(found, m.denominator, *rest)
        out[m.name] = {"numerator": num, "denominator": den, "value": metrics.rate(num, den)}
    return out


def summary(scope: Scope, start: dt.date, end: dt.date) -> dict:
    """The figures of ``xinfang stats show``: every metric, and the volumes with their breakdowns."""
    found = totals(scope, start, end)
    by_place = totals(scope, start, end, "place_id")
    by_category = totals(scope, start, end, "category_id")
    by_unit = totals(scope, start, end, "unit_id")
    channels = dict(Channel.choices)
    claims = dict(ClaimType.choices)
    names, towns = unit_names(), townships_of()
    volumes = {
        "件次": term_sum(found, (("items", None),)),
        "人次": term_sum(found, (("persons", None),)),
        "by_channel": {channels.get(s, s): n for (m, s), n in sorted(found.items()) if m == "items"},
        "人次_by_channel": {channels.get(s, s): n for (m, s), n in sorted(found.items()) if m == "persons"},
        "by_claim_type": {claims.get(s, s): n for (m, s), n in sorted(found.items()) if m == "items_claim"},
        "by_township": _named(by_place, towns, names),
        "by_category": _named(by_category, top_categories(), dict(Category.objects.values_list("pk", "name"))),
        "by_unit": _named(by_unit, {u: u for u in names}, names),
        "每万人_by_township": per_10k_residents(by_place, towns, names),
    }
    return {"metrics": metric_values(found), "volumes": volumes}


def per_10k_residents(by_place: dict[tuple, int], townships: dict[int, int], names: dict[int, str]) -> dict[str, dict]:
    """件次 per 10,000 residents of each township whose population is recorded (``Unit.population``)."""
    people = dict(Unit.objects.filter(population__gt=0).values_list("pk", "population"))
    items: dict[int, int] = defaultdict(int)
    for (metric, _sub, place), n in by_place.items():
        if metric == "items" and townships.get(place):
            items[townships[place]] += n
    return {names[t]: {"件次": items.get(t, 0), "常住人口": people[t], "每万人": round(items.get(t, 0) * 10000 / people[t], 2)}
            for t in sorted(set(townships.values())) if t in people}


def _named(found: dict[tuple, int], group: dict[int, int], names: dict[int, str]) -> dict[str, int]:
    """件次 per group (place → township, category → top level …), by the group's name."""
    out: dict[str, int] = defaultdict(int)
    for (metric, _sub, key), n in found.items():
        if metric == "items":
            target = group.get(key)
            out[names.get(target, "未填写") if target else "未填写"] += n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def unit_names() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "name"))


def drill_down(user, scope: Scope, start: dt.date, end: dt.date, metric: str, sub: str | None = None,
               limit: int = 500) -> QuerySet[Case]:
    """The items behind one fact metric of the period, among those the user may see."""
    from xinfang.cases.selectors import cases_visible_to

    facts = ItemFact.objects.filter(metric=metric, day__range=(start, end))
    if sub is not None:
        facts = facts.filter(sub=sub)
    if scope.unit_ids is not None:
        facts = facts.filter(unit_id__in=scope.unit_ids)
    if scope.place_ids is not None:
        facts = facts.filter(place_id__in=scope.place_ids)
    return cases_visible_to(user).filter(pk__in=facts.values("case_id")).order_by("-received_on", "-pk")[:limit]


# Fact metrics with a Chinese name for the drill-down heading and the tiles' numerator/denominator labels.
FACT_LABELS = {
    "items": "件次", "persons": "人次", "items_claim": "件次", "first_items": "初信初访件",
    "repeat_items": "重件", "accept_due": "受理告知到期", "accept_on_time": "按期告知",
    "handle_due": "办理到期", "handle_on_time": "按期办结", "first_handle_due": "初信初访办理到期",
    "first_handle_on_time": "初信初访按期办结", "evaluated": "已评价", "satisfied": "满意（含基本满意）",
    "evaluation_overdue": "超期未评价", "settle_due": "观察期届满", "settled": "息诉罢访",
    "skip_level_visits": "越级访", "skip_level_visit_persons": "越级访人次", "group_visits": "集体访",
    "group_visit_persons": "集体访人次", "concluded": "办结", "local_resolved": "就地化解",
    "owned": "领导包案", "owned_resolved": "包案已化解",
    "late_accept": "未按期告知受理", "late_handle": "未按期办结",
}


# 「late」 = a clock that counted as due without counting as on time: due facts without an on-time fact of the
# same item, day and unit (one item has one such clock per day and unit).
LATE = {"late_accept": ("accept_due", "accept_on_time"), "late_handle": ("handle_due", "handle_on_time")}


DRILL_METRICS = frozenset(FACT_LABELS)


def _scoped(qs: QuerySet, scope: Scope) -> QuerySet:
    if scope.unit_ids is not None:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    if scope.place_ids is not None:
        qs = qs.filter(place_id__in=scope.place_ids)
    return qs


# --- the drill-down ---------------------------------------------------------------------------------------------


def parse_terms(metric: str, sub: str | None) -> list[tuple[str, str | None]]:
    """``a,b`` (with ``sub``) or ``a:s1,b:s2`` → [(fact metric, subgroup or None)]; ValueError for an unknown one."""
    terms = []
    for token in (metric or "").split(","):
        name, _, own = token.strip().partition(":")
        if name not in DRILL_METRICS:
            raise ValueError(name)
        terms.append((name, own if _ else sub))
    if not terms:
        raise ValueError(metric)
    return terms


def drill_items(user, scope: Scope, start: dt.date, end: dt.date, terms: list[tuple[str, str | None]], *,
                category_ids: list[int] | None = None, outside_places: list[int] | None = None,
                limit: int = 500) -> tuple[list[Case], bool]:
    """The items behind one number of the page (at most ``limit``; the flag says the list was cut), among those the
    user may see: the facts of the terms in the period and scope, narrowed to categories (``category_ids``) or
    to places outside the given ones (``outside_places``: the 「县级及其他」 row)."""
    from django.db.models import Exists, OuterRef, Q

    from xinfang.cases.selectors import cases_visible_to

    def narrowed(qs):
        qs = _scoped(qs.filter(day__range=(start, end)), scope)
        if category_ids is not None:
            qs = qs.filter(category_id__in=category_ids)
        if outside_places is not None:
            qs = qs.exclude(place_id__in=outside_places)
        return qs

    wanted = Q(pk__in=[])
    for name, sub in terms:
        if name in LATE:
            due, on_time = LATE[name]
            kept = ItemFact.objects.filter(case_id=OuterRef("case_id"), metric=on_time, day=OuterRef("day"),
                                           unit_id=OuterRef("unit_id"))
            facts = narrowed(ItemFact.objects.filter(metric=due)).filter(~Exists(kept))
        else:
            facts = narrowed(ItemFact.objects.filter(metric=name))
            if sub is not None:
                facts = facts.filter(sub=sub)
        wanted |= Q(pk__in=facts.values("case_id"))
    found = list(cases_visible_to(user).filter(wanted).select_related("current_unit")
                 .order_by("-received_on", "-pk")[: limit + 1])
    return found[:limit], len(found) > limit


def fill_state():
    """How far the counts go (the page says so: they are brought up to date by the daily job)."""
    from xinfang.stats.models import FillState

    return FillState.objects.filter(pk=1).first()
