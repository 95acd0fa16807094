"""When a year's official schedule is confirmed, every provisional clock reaching it is recomputed (decisions §2).

Connected to ``deadlines.signals.year_confirmed`` (cases/apps.py), so it runs inside the confirming transaction:
the year becomes official, the clocks move and each item's history records the change, or none of it happens.
Stopped clocks are left alone: whether a stage ended on time is recorded when it ends and later calendar edits
do not rewrite it.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.db import transaction

from xinfang.cases import workflow
from xinfang.cases.models import Clock

__all__ = ["on_year_confirmed", "recompute_provisional_clocks"]


def recompute_provisional_clocks(year: int, actor: Any = None) -> int:
    """Recompute the running provisional clocks whose period reaches ``year``; returns the number of items.

    Each item gets one ``calendar_recompute`` event listing every clock's old and new due date; the item's
    due-date mirror (``Case.due_*``) follows. A clock that still reaches another unconfirmed year stays
    provisional.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    touched = (
        Clock.objects.filter(
            provisional=True, stopped_on__isnull=True, superseded=False, started_on__lte=last, due_on__gte=first
        )
        .order_by("case_id", "pk")
        .values_list("case_id", flat=True)
    )
    case_ids = [case_id for case_id, _ in groupby(touched)]
    with transaction.atomic():
        for case_id in case_ids:
            workflow.recompute_provisional(case_id, year, actor)
    return len(case_ids)


def on_year_confirmed(sender: Any, *, year: int, actor: Any = None, **_kwargs: Any) -> int:
    return recompute_provisional_clocks(year, actor)
