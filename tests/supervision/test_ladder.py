"""The ladder: every level on every clock type, in Python and in SQL alike, including a clock over National Day."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.cases.choices import CLOCK_LABELS
from xinfang.cases.models import Clock
from xinfang.deadlines.services import compute_deadline
from xinfang.supervision import ladder
from xinfang.supervision.ladder import Level, level_of

pytestmark = pytest.mark.django_db
D = dt.date


def test_levels_of_a_15_day_period():
    start, due = D(2026, 9, 1), D(2026, 9, 16)
    assert level_of(start, due, D(2026, 9, 1)) == Level.NORMAL
    assert level_of(start, due, D(2026, 9, 10)) == Level.NORMAL  # 9 of 15 days: less than two thirds
    assert level_of(start, due, D(2026, 9, 11)) == Level.DUE_SOON  # 10 of 15 days: two thirds
    assert level_of(start, due, D(2026, 9, 16)) == Level.DUE_SOON  # the due date itself is on time
    assert level_of(start, due, D(2026, 9, 17)) == Level.OVERDUE
    assert level_of(start, due, D(2026, 10, 1)) == Level.OVERDUE  # overdue by exactly the period
    assert level_of(start, due, D(2026, 10, 2)) == Level.SEVERE  # overdue by more than the period


def test_working_day_clock_over_national_day_2026():
    """异议期 5 working days from Mon 2026-09-28: 9-29, 9-30, 10-8, 10-9, 10-10 (调休) → 12 calendar days."""
    due = compute_deadline("objection", D(2026, 9, 28)).due
    assert due == D(2026, 10, 10)
    start = D(2026, 9, 28)
    assert level_of(start, due, D(2026, 10, 5)) == Level.NORMAL  # 7 of 12 days, holidays included
    assert level_of(start, due, D(2026, 10, 6)) == Level.DUE_SOON  # 8 of 12 days
    assert level_of(start, due, D(2026, 10, 10)) == Level.DUE_SOON
    assert level_of(start, due, D(2026, 10, 11)) == Level.OVERDUE
    assert level_of(start, due, D(2026, 10, 22)) == Level.OVERDUE
    assert level_of(start, due, D(2026, 10, 23)) == Level.SEVERE


def test_routing_clock_that_ends_after_the_holiday():
    # Received Sun 2026-09-20: 15 days → 10-05 is a holiday → Thu 10-08 (18 calendar days).
    due = compute_deadline("bureau_routing", D(2026, 9, 20)).due
    assert due == D(2026, 10, 8)
    assert level_of(D(2026, 9, 20), due, D(2026, 10, 1)) == Level.NORMAL
    assert level_of(D(2026, 9, 20), due, D(2026, 10, 2)) == Level.DUE_SOON  # 12 of 18 days
    assert level_of(D(2026, 9, 20), due, D(2026, 10, 26)) == Level.OVERDUE
    assert level_of(D(2026, 9, 20), due, D(2026, 10, 27)) == Level.SEVERE


RULES = [r for r in CLOCK_LABELS if r != "assigned"]


def key_days(start: dt.date, due: dt.date) -> list[dt.date]:
    """One day on each level of a clock: its start, two thirds in, the day after due, beyond twice the period."""
    period = (due - start).days
    return [start, start + dt.timedelta(days=-(-2 * period // 3)), due + dt.timedelta(days=1),
            due + dt.timedelta(days=period + 1)]


def test_sql_classification_equals_python_on_every_rule_and_level(petition):
    """Each rule's real period from the deadline engine, started on 2026-09-15 (so most cross National Day)."""
    case = petition()
    start = D(2026, 9, 15)
    clocks = []
    for rule in [*RULES, "assigned"]:
        due = D(2026, 9, 30) if rule == "assigned" else compute_deadline(rule, start, allow_provisional=True).due
        clocks.append(Clock.objects.create(case=case, rule_code=rule, started_on=start, due_on=due))
    seen = set()
    todays = sorted({day for c in clocks for day in key_days(c.started_on, c.due_on)})
    for today in todays:
        in_sql = dict(Clock.objects.filter(pk__in=[c.pk for c in clocks])
                      .annotate(level=ladder.level_expression(today)).values_list("pk", "level"))
        for c in clocks:
            expected = level_of(c.started_on, c.due_on, today)
            assert in_sql[c.pk] == expected, (c.rule_code, today)
            seen.add((c.rule_code, expected))
    for rule in [*RULES, "assigned"]:
        assert {lv for r, lv in seen if r == rule} == set(Level), rule


def test_paused_clock_keeps_its_level_and_provisional_clock_is_laddered(petition):
    case = petition()
    case.hearing_started_on = D(2026, 10, 22)
    case.save(update_fields=["hearing_started_on"])
    paused = Clock.objects.create(case=case, rule_code="rereview", started_on=D(2026, 10, 1), due_on=D(2026, 10, 31),
                                  paused=True)
    provisional = Clock.objects.create(case=case, rule_code="handling", started_on=D(2026, 11, 20),
                                       due_on=D(2027, 1, 19), provisional=True)
    today = D(2026, 11, 20)  # the hearing has run for a month: the paused clock stays where it was
    assert ladder.clock_level(paused, today, case.hearing_started_on) == Level.DUE_SOON
    assert ladder.clock_level(provisional, D(2027, 1, 20), None) == Level.OVERDUE
    in_sql = dict(Clock.objects.filter(pk__in=[paused.pk, provisional.pk])
                  .annotate(level=ladder.level_expression(today)).values_list("pk", "level"))
    assert in_sql == {paused.pk: Level.DUE_SOON, provisional.pk: Level.NORMAL}
