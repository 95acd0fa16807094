"""The supervision ladder (督办梯度) of a running clock: 正常 → 临期 → 超期 → 严重超期.

- 临期: two thirds of the period have passed (today − start ≥ ⅔ × period).
- 超期: today is after the due date (the due date itself is on time, decisions §2).
- 严重超期: overdue by more than the period itself (today − due > period).

The period is ``due_on − started_on`` in calendar days, also for working-day rules: the stored due date already
carries the holidays, so a 5-working-day objection period over National Day counts as the 12 calendar days it
really gives the unit. A paused clock (复核 hearing) keeps the level it had when the hearing started: its time
does not run, so it must not climb the ladder. A provisional (暂定) clock is laddered like any other.

``level_of`` is the rule; ``level_expression`` (over clocks) and ``tally_level_expression`` (over the board's
tally of running clocks) are the same rule in SQL, so the board counts in the database. They must change together (tests/supervision/test_ladder.py compares them on every level and rule).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, Func, Q, Value, When
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual


class Level(models.TextChoices):
    NORMAL = "normal", "正常"
    DUE_SOON = "due_soon", "临期"
    OVERDUE = "overdue", "超期"
    SEVERE = "severe", "严重超期"


# Board order and the colour of each level on the board (CSS classes of workbench/app.css).
LEVELS = [Level.NORMAL, Level.DUE_SOON, Level.OVERDUE, Level.SEVERE]
# 严重超期 is red too (plain red on the item page); the supervision pages darken it (``severe``, see
# supervision/_styles.html).
LEVEL_CSS = {Level.NORMAL: "green", Level.DUE_SOON: "yellow", Level.OVERDUE: "red", Level.SEVERE: "red severe"}

# A running clock: not stopped and not replaced by a recomputation (the same test as cases.selectors).
RUNNING = Q(stopped_on__isnull=True, superseded=False)


def level_of(started_on: dt.date, due_on: dt.date, today: dt.date) -> Level:
    period = (due_on - started_on).days
    if (today - due_on).days > period:
        return Level.SEVERE
    if today > due_on:
        return Level.OVERDUE
    if 3 * (today - started_on).days >= 2 * period:
        return Level.DUE_SOON
    return Level.NORMAL


def reference_day(*, paused: bool, hearing_started_on: dt.date | None, today: dt.date) -> dt.date:
    """The day a clock is judged on: today, or the hearing's first day while the clock is paused."""
    if paused and hearing_started_on is not None:
        return min(hearing_started_on, today)
    return today


def clock_level(clock, today: dt.date, hearing_started_on: dt.date | None = None) -> Level:
    """The level of one ``cases.Clock``; pass the item's ``hearing_started_on`` for a paused clock."""
    ref = reference_day(paused=clock.paused, hearing_started_on=hearing_started_on, today=today)
    return level_of(clock.started_on, clock.due_on, ref)


class DayNumber(Func):
    """A date as a whole day number, so that date differences are integers on both databases.

    PostgreSQL subtracts dates to an integer; SQLite keeps dates as text and counts with julianday(). Only
    differences and comparisons of these numbers are used, so the two epochs need not agree.
    """

    output_field = models.IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)", **extra_context)


def level_expression(today: dt.date, prefix: str = "") -> SqlCase:
    """``level_of`` in SQL over ``cases.Clock`` (``prefix`` reaches the clock from another model)."""
    start = DayNumber(F(f"{prefix}started_on"))
    due = DayNumber(F(f"{prefix}due_on"))
    today_value = Value(today, output_field=models.DateField())
    now = DayNumber(today_value)
    hearing = F(f"{prefix}case__hearing_started_on")
    ref = SqlCase(
        When(
            Q(**{f"{prefix}paused": True, f"{prefix}case__hearing_started_on__isnull": False,
                 f"{prefix}case__hearing_started_on__lt": today}),
            then=DayNumber(hearing),
        ),
        default=now,
        output_field=models.IntegerField(),
    )
    return _ladder(ref, start, due)


def tally_level_expression(today: dt.date) -> SqlCase:
    """``level_of`` in SQL over ``cases.ClockTally`` rows: a key with a hearing day (a paused clock) is judged on
    that day if it has come, as ``reference_day`` does."""
    today_value = Value(today, output_field=models.DateField())
    ref = SqlCase(
        When(paused_on__lt=today_value, then=DayNumber(F("paused_on"))),
        default=DayNumber(today_value),
        output_field=models.IntegerField(),
    )
    return _ladder(ref, DayNumber(F("started_on")), DayNumber(F("due_on")))


def _ladder(ref, start, due) -> SqlCase:
    """``level_of`` over day numbers: the reference day, the clock's start and its due date."""
    return SqlCase(
        When(GreaterThan(ref - due, due - start), then=Value(Level.SEVERE.value)),
        When(GreaterThan(ref, due), then=Value(Level.OVERDUE.value)),
        When(GreaterThanOrEqual(3 * (ref - start), 2 * (due - start)), then=Value(Level.DUE_SOON.value)),
        default=Value(Level.NORMAL.value),
        output_field=models.CharField(),
    )


def level_label(level: str) -> str:
    return str(Level(level).label)
