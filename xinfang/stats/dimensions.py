"""How the statistics group places and categories: a village counts at its township, a category at its top
level. Read once per fill or page (the trees are small)."""

from __future__ import annotations

import datetime as dt

from xinfang.cases.models import Category
from xinfang.orgs.models import Unit, UnitKind

# The volumes, the only metrics broken down by category (``MonthCategoryCount``).
VOLUME_METRICS = ("items", "persons")


def townships_of() -> dict[int, int]:
    """place id → its township's id (a township itself; a village's parent)."""
    units = {pk: (kind, parent) for pk, kind, parent in Unit.objects.values_list("pk", "kind", "parent_id")}
    out = {}
    for pk, (kind, parent) in units.items():
        if kind == UnitKind.TOWNSHIP:
            out[pk] = pk
        elif kind == UnitKind.VILLAGE and parent in units:
            out[pk] = parent
    return out


def top_categories() -> dict[int, int]:
    """category id → its top-level category's id."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    out = {}
    for pk in parents:
        top = pk
        while parents.get(top):
            top = parents[top]
        out[pk] = top
    return out


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)
