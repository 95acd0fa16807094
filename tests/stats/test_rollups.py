"""The monthly roll-ups: each read takes the smallest table that can answer it, and every narrowed or grouped read
gives the sums of the item facts behind it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from xinfang.cases import services as s
from xinfang.stats import fill, rollups, selectors
from xinfang.stats.dimensions import top_categories, townships_of
from xinfang.stats.models import (
    DayTownshipCategoryCount,
    DayUnitCount,
    ItemFact,
    MonthCategoryCount,
    MonthCount,
    MonthTownshipCategoryCount,
    MonthUnitCount,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_each_read_takes_the_smallest_rollup_that_holds_its_dimensions():
    assert rollups.for_read(set()).model is MonthUnitCount
    assert rollups.for_read({"unit"}).model is MonthUnitCount
    assert rollups.for_read({"township"}).model is MonthCount
    assert rollups.for_read({"unit", "township"}).model is MonthCount
    assert rollups.for_read({"category"}).model is MonthTownshipCategoryCount
    assert rollups.for_read({"category", "township"}).model is MonthTownshipCategoryCount
    assert rollups.for_read({"category", "unit"}).model is MonthCategoryCount
    # The days outside whole months: per unit, or per township and category; nothing else (the daily counts).
    assert rollups.for_read(set(), "day").model is DayUnitCount
    assert rollups.for_read({"unit"}, "day").model is DayUnitCount
    assert rollups.for_read({"category", "township"}, "day").model is DayTownshipCategoryCount
    assert rollups.for_read({"township"}, "day") is None
    assert rollups.for_read({"category", "unit"}, "day") is None


def _from_facts(start, end, *, units=None, places=None, by=()):
    """The same figures summed straight from the item facts (place → township, category → top level)."""
    towns, tops = townships_of(), top_categories()
    out: Counter = Counter()
    for f in ItemFact.objects.filter(day__range=(start, end)):
        if units is not None and f.unit_id not in units:
            continue
        if places is not None and towns.get(f.place_id, 0) not in places:
            continue
        if "category_id" in by and f.metric not in ("items", "persons"):
            continue
        values = {"unit_id": f.unit_id, "place_id": towns.get(f.place_id, 0), "category_id": tops.get(f.category_id, 0)}
        sub = "" if "category_id" in by else f.sub
        out[(f.metric, sub, *(values[b] for b in by))] += f.n
    return dict(out)


def _items(petition, county):
    first = petition(title="东街村的件", received_on=D(2026, 9, 2))
    s.case_forward(case=first, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    second = petition(title="西山乡的件", received_on=D(2026, 9, 3), problem_place=county.town2, channel="visit",
                      people_count=6, petitioners=[s.PetitionerInput(name="甲", is_representative=True),
                                                   s.PetitionerInput(name="乙")])
    s.case_forward(case=second, actor=county.zhang, target=county.housing, on=D(2026, 9, 4))
    petition(title="十月的件", received_on=D(2026, 10, 8))
    fill.fill(D(2026, 11, 30))


def test_narrowed_and_grouped_reads_equal_the_item_facts(petition, county):
    _items(petition, county)
    start, end = D(2026, 9, 1), D(2026, 10, 31)
    every = {county.town.pk, county.town2.pk, 0}
    # Whole months (the monthly roll-ups), and a period that cuts them (the daily roll-ups and counts).
    for period in ((start, end), (D(2026, 9, 3), D(2026, 10, 20))):
        for units in (None, (county.town.pk,), (county.housing.pk, county.bureau.pk)):
            for places in (None, (county.town2.pk,)):
                scope = selectors.Scope(units, places)
                for by in ((), ("unit_id",), ("place_id",), ("category_id",), ("place_id", "category_id")):
                    got = {k: n for k, n in selectors.totals(scope, *period, *by).items() if n}
                    assert got == _from_facts(*period, units=units, places=places, by=by), (period, units, places, by)
    # The figures are not empty: the test would pass vacuously otherwise.
    county_wide = selectors.totals(selectors.Scope(None), start, end, "place_id")
    assert county_wide[("persons", "visit", county.town2.pk)] == 6
    assert {k[2] for k in county_wide} <= every


def test_a_scope_of_most_units_is_read_as_everything_minus_the_rest(petition, county):
    from xinfang.orgs.models import Unit

    _items(petition, county)
    ids = set(Unit.objects.values_list("pk", flat=True)) - {county.housing.pk}
    scope = selectors.Scope(tuple(sorted(ids)), None, selectors._outside(ids))
    assert scope.outside == (county.housing.pk,)  # the one unit outside with counts
    start, end = D(2026, 9, 1), D(2026, 10, 31)
    for period in ((start, end), (D(2026, 9, 3), D(2026, 10, 20))):
        for by in ((), ("unit_id",), ("place_id",), ("category_id",), ("place_id", "category_id")):
            got = {k: n for k, n in selectors.totals(scope, *period, *by).items() if n}
            assert got == _from_facts(*period, units=ids, by=by), (period, by)
    assert selectors.totals(scope, start, end)[("persons", "letter")] == 2
    assert ("persons", "visit") not in selectors.totals(scope, start, end)  # the visit went to housing
    # The county supervisor's scope leaves out only the city above, which has no counts: nothing to subtract.
    assert selectors.scope_for(county.zhao).outside == ()
