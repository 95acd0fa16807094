"""The roll-ups of the daily counts (per month, and per day over fewer dimensions), described once so that the incremental fill, the first fill's SQL,
``verify`` and the reads agree on what each table holds.

Each roll-up keeps (month, metric, some of: subgroup, unit, township, top-level category). The fewer the
dimensions, the fewer the rows: a county's year is about a dozen thousand rows per unit and subgroup, but a
quarter of a million once the township is kept too. A read takes the smallest roll-up that holds every dimension
it filters or groups by (``for_read``); the tables with a category hold the volumes only, without subgroup.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models

from xinfang.stats.dimensions import VOLUME_METRICS, month_of
from xinfang.stats.models import (
    DayTownshipCategoryCount,
    DayUnitCount,
    MonthCategoryCount,
    MonthCount,
    MonthTownshipCategoryCount,
    MonthUnitCount,
)

DailyKey = tuple[dt.date, str, str, int, int, int]  # day, metric, sub, unit, place, category

COLUMNS = {"sub": "sub", "unit": "unit_id", "township": "township_id", "category": "category_id"}
# The first fill computes each dimension in SQL from a daily count ``d`` and the place and category maps.
_SQL = {"sub": "d.sub", "unit": "d.unit_id", "township": "COALESCE(p.township, 0)", "category": "COALESCE(c.top, 0)"}


@dataclass(frozen=True)
class Rollup:
    model: type[models.Model]
    dims: tuple[str, ...]
    grain: str = "month"  # or "day"

    @property
    def volumes_only(self) -> bool:
        return "category" in self.dims

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.grain, "metric", *(COLUMNS[d] for d in self.dims))

    def order(self, key: tuple) -> tuple:
        """The order of the unique index (the monthly ones begin with the metric, the daily ones with the day)."""
        return (key[1], key) if self.grain == "month" else key

    def rebuild_sql(self, month: str) -> str:
        """``INSERT … SELECT`` of the whole table from the daily counts (with the temporary maps of the fill)."""
        select = ", ".join(_SQL[d] for d in self.dims)
        month = month if self.grain == "month" else "d.day"
        where = f"WHERE d.metric IN ({', '.join(repr(m) for m in VOLUME_METRICS)}) " if self.volumes_only else ""
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}, n) "  # noqa: S608 (constant names)
            f"SELECT {month}, d.metric, {select}, SUM(d.n) FROM stats_dailycount d "
            "LEFT JOIN stats_place_map p ON p.place = d.place_id LEFT JOIN stats_category_map c ON c.category = d.category_id "
            f"{where}GROUP BY {month}, d.metric, {select} HAVING SUM(d.n) <> 0"
        )


# Smallest first: ``for_read`` takes the first that holds what a read needs. The daily ones serve the days of a
# custom period outside whole months; a read they cannot answer sums the daily counts themselves.
ROLLUPS = (
    Rollup(MonthUnitCount, ("sub", "unit")),
    Rollup(MonthTownshipCategoryCount, ("township", "category")),
    Rollup(MonthCount, ("sub", "unit", "township")),
    Rollup(MonthCategoryCount, ("unit", "township", "category")),
    Rollup(DayUnitCount, ("sub", "unit"), "day"),
    Rollup(DayTownshipCategoryCount, ("township", "category"), "day"),
)


def for_read(needs: set[str], grain: str = "month") -> Rollup | None:
    """The smallest roll-up of the grain with every dimension in ``needs`` (None: no daily one has them); without
    ``category`` the subgroup is needed too (the metrics tell evaluations and channels apart by it)."""
    wanted = set(needs) if "category" in needs else {*needs, "sub"}
    for rollup in ROLLUPS:
        if rollup.grain == grain and wanted <= set(rollup.dims):
            return rollup
    if grain == "month":
        raise ValueError(f"no roll-up holds {sorted(wanted)}")
    return None


def rolled_up(daily: Mapping[DailyKey, int], townships: Mapping[int, int],
              tops: Mapping[int, int]) -> dict[Rollup, Counter]:
    """Daily keys (or differences) mapped to the keys of every roll-up."""
    out: dict[Rollup, Counter] = {r: Counter() for r in ROLLUPS}
    plans = [(out[r], r.volumes_only, r.dims, r.grain == "month") for r in ROLLUPS]
    for (day, metric, sub, unit, place, category), n in daily.items():
        values = {"sub": sub, "unit": unit, "township": townships.get(place, 0), "category": tops.get(category, 0)}
        month, volume = month_of(day), metric in VOLUME_METRICS
        for counter, volumes_only, dims, monthly in plans:
            if volume or not volumes_only:
                counter[(month if monthly else day, metric, *(values[d] for d in dims))] += n
    return out
