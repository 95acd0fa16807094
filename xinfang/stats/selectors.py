"""Reads of the statistics: every figure is a sum of daily counts (never a scan of the items), within the units
of the user's grants; a drill-down lists the items behind one figure through ``cases_visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from xinfang.cases.choices import Channel, ClaimType
from xinfang.cases.models import Case, Category
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.stats import metrics
from xinfang.stats.dimensions import top_categories, townships_of
from xinfang.stats.models import DailyCount, ItemFact, MonthCategoryCount, MonthCount


@dataclass(frozen=True)
class Scope:
    """Which counts a figure sums: the units (None: every unit), and optionally the problem places."""

    unit_ids: tuple[int, ...] | None
    place_ids: tuple[int, ...] | None = None


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
    return Scope(None if ids is None else tuple(sorted(ids)), places)


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

    Whole months are read from the monthly roll-ups, the days around them from the daily counts, so a month,
    quarter or year costs a few thousand rows however many items it holds."""
    from collections import Counter

    out: Counter = Counter()
    months, edges = _split(start, end)
    if months is not None:
        out.update(_rollup_totals(scope, *months, by))
    if edges:
        townships, tops = townships_of(), top_categories()
        for a, b in edges:
            for (metric, sub, *values), n in _daily_totals(scope, a, b, by).items():
                mapped = []
                for name, value in zip(by, values, strict=True):
                    mapped.append(townships.get(value, 0) if name == "place_id" else
                                  tops.get(value, 0) if name == "category_id" else value)
                if "category_id" in by:
                    if metric not in VOLUME_METRICS:
                        continue
                    sub = ""
                out[(metric, sub, *mapped)] += n
    return dict(out)


VOLUME_METRICS = ("items", "persons")


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


def _rollup_totals(scope: Scope, first: dt.date, stop: dt.date, by: tuple[str, ...]) -> dict[tuple, int]:
    columns = {"unit_id": "unit_id", "place_id": "township_id", "category_id": "category_id"}
    model = MonthCategoryCount if "category_id" in by else MonthCount
    qs = model.objects.filter(month__gte=first, month__lt=stop)
    if scope.unit_ids is not None:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    if scope.place_ids is not None:
        qs = qs.filter(township_id__in=scope.place_ids)
    fields = [columns[b] for b in by]
    if model is MonthCategoryCount:
        rows = qs.values("metric", *fields).annotate(total=Sum("n")).order_by()
        return {(r["metric"], "", *(r[f] for f in fields)): r["total"] for r in rows}
    rows = qs.values("metric", "sub", *fields).annotate(total=Sum("n")).order_by()
    return {(r["metric"], r["sub"], *(r[f] for f in fields)): r["total"] for r in rows}


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
    volumes = {
        "件次": term_sum(found, (("items", None),)),
        "人次": term_sum(found, (("persons", None),)),
        "by_channel": {channels.get(s, s): n for (m, s), n in sorted(found.items()) if m == "items"},
        "人次_by_channel": {channels.get(s, s): n for (m, s), n in sorted(found.items()) if m == "persons"},
        "by_claim_type": {claims.get(s, s): n for (m, s), n in sorted(found.items()) if m == "items_claim"},
        "by_township": _named(by_place, townships_of(), unit_names()),
        "by_category": _named(by_category, top_categories(), dict(Category.objects.values_list("pk", "name"))),
        "by_unit": _named(by_unit, {u: u for u in unit_names()}, unit_names()),
    }
    return {"metrics": metric_values(found), "volumes": volumes}


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
