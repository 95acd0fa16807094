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
from xinfang.cases.models import Case, Clock
from xinfang.deadlines.services import compute_deadline

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
            _recompute_case(case_id, year, actor, first, last)
    return len(case_ids)


def _recompute_case(case_id: int, year: int, actor: Any, first: dt.date, last: dt.date) -> None:
    # Same lock as transition(): a concurrent move of the item waits, then sees the new dates.
    case = Case.objects.select_for_update().get(pk=case_id)
    running = {c.rule_code: c for c in case.clocks.filter(stopped_on__isnull=True)}
    changes = []
    for c in running.values():
        if not (c.provisional and not c.superseded and c.started_on <= last and c.due_on >= first):
            continue
        deadline = compute_deadline(
            c.rule_code, c.started_on, extra_days=c.extra_days, rule_date=case.received_on, allow_provisional=True
        )
        changes.append(
            {
                "rule": c.rule_code,
                "from": c.due_on.isoformat(),
                "to": deadline.due.isoformat(),
                **({"provisional": True} if deadline.provisional else {}),
            }
        )
        c.due_on, c.provisional = deadline.due, deadline.provisional
        c.save(update_fields=["due_on", "provisional"])
    if not changes:
        return
    workflow._refresh_due(case, running)
    case.save(update_fields=["due_on", "due_rule", "due_started_on", "due_provisional", "updated_at"])
    workflow.record(case, "calendar_recompute", actor=actor, data={"year": year, "recomputed": changes})


def on_year_confirmed(sender: Any, *, year: int, actor: Any = None, **_kwargs: Any) -> int:
    return recompute_provisional_clocks(year, actor)
