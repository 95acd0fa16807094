"""The running-clock tally (``ClockTally``) that the supervision board counts from.

Only ``workflow`` changes clocks, so only ``workflow`` calls ``record``: it takes the keys of the item's
running clocks before the move and after it and inserts the difference as +1/−1 rows. ``compact`` (daily job)
folds the rows into one per key; ``rebuild`` recounts from the clocks (migration, bulk loads);
``mismatches`` compares the tally with the clocks (tests, ``xinfang supervise --check``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction

from xinfang.cases.choices import PETITIONER_CLOCKS

Key = tuple[int, str, dt.date, dt.date, "dt.date | None"]

# The running clocks of the units' duties, counted by tally key (the petitioner's windows are parameters).
_RUNNING_SQL = """
    SELECT k.unit_id, k.rule_code, k.started_on, k.due_on,
           CASE WHEN k.paused THEN c.hearing_started_on END AS paused_on, COUNT(*) AS n
    FROM cases_clock AS k JOIN cases_case AS c ON c.id = k.case_id
    WHERE k.stopped_on IS NULL AND NOT k.superseded AND k.unit_id IS NOT NULL
      AND k.rule_code NOT IN (%s, %s, %s)
    GROUP BY k.unit_id, k.rule_code, k.started_on, k.due_on, CASE WHEN k.paused THEN c.hearing_started_on END
"""
_FOLD_POSTGRES = """
    WITH gone AS (DELETE FROM cases_clocktally RETURNING unit_id, rule_code, started_on, due_on, paused_on, n)
    INSERT INTO cases_clocktally (unit_id, rule_code, started_on, due_on, paused_on, n)
    SELECT unit_id, rule_code, started_on, due_on, paused_on, SUM(n) FROM gone
    GROUP BY unit_id, rule_code, started_on, due_on, paused_on HAVING SUM(n) <> 0
"""
_FOLD_PORTABLE = [
    "CREATE TEMP TABLE tally_fold AS SELECT unit_id, rule_code, started_on, due_on, paused_on, SUM(n) AS n "
    "FROM cases_clocktally GROUP BY unit_id, rule_code, started_on, due_on, paused_on HAVING SUM(n) <> 0",
    "DELETE FROM cases_clocktally",
    "INSERT INTO cases_clocktally (unit_id, rule_code, started_on, due_on, paused_on, n) "
    "SELECT unit_id, rule_code, started_on, due_on, paused_on, n FROM tally_fold",
    "DROP TABLE tally_fold",
]
assert len(PETITIONER_CLOCKS) == 3, "_RUNNING_SQL has one placeholder per petitioner window"


def keys(clocks: Iterable, unit_id: int | None, hearing_on: dt.date | None) -> Counter:
    """The tally keys of an item's running clocks, judged as at ``unit_id`` with hearing day ``hearing_on``.

    The petitioner's own windows are no unit's duty and are not counted (the board leaves them off)."""
    found: Counter = Counter()
    if unit_id is None:
        return found
    for c in clocks:
        if c.stopped_on is not None or c.superseded or c.rule_code in PETITIONER_CLOCKS:
            continue
        found[(unit_id, c.rule_code, c.started_on, c.due_on, hearing_on if c.paused else None)] += 1
    return found


def record(before: Counter, after: Counter) -> None:
    """Insert the difference between two key counts (inside the caller's transaction)."""
    from xinfang.cases.models import ClockTally

    change = Counter(after)
    change.subtract(before)
    rows = [
        ClockTally(unit_id=k[0], rule_code=k[1], started_on=k[2], due_on=k[3], paused_on=k[4], n=n)
        for k, n in change.items() if n
    ]
    if rows:
        ClockTally.objects.bulk_create(rows)


def compact() -> int:
    """Fold the delta rows into one row per key (keys summing to zero disappear); returns the rows left.

    On PostgreSQL one statement deletes and re-inserts what its snapshot sees, so a move committing meanwhile
    keeps its rows and nothing is counted twice or lost; SQLite has a single writer."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [_FOLD_POSTGRES] if connection.vendor == "postgresql" else _FOLD_PORTABLE:
            cursor.execute(statement)
        cursor.execute("SELECT COUNT(*) FROM cases_clocktally")
        return cursor.fetchone()[0]


def rebuild(schema_editor=None) -> None:
    """Recount the tally from the clocks (after a bulk load that bypassed ``workflow``, and in the migration)."""
    conn = schema_editor.connection if schema_editor is not None else connection
    with conn.cursor() as cursor:
        cursor.execute("DELETE FROM cases_clocktally")
        # Built from this module's constants only; the rule codes are parameters.
        insert = "INSERT INTO cases_clocktally (unit_id, rule_code, started_on, due_on, paused_on, n) " + _RUNNING_SQL
        cursor.execute(insert, PETITIONER_CLOCKS)  # noqa: S608


def mismatches() -> dict[Key, tuple[int, int]]:
    """Keys whose tally differs from a count of the running clocks: {key: (tally, clocks)}."""
    from django.db.models import Sum

    from xinfang.cases.models import ClockTally

    tallied = Counter()
    for *key, n in (ClockTally.objects.values_list("unit_id", "rule_code", "started_on", "due_on", "paused_on")
                    .annotate(total=Sum("n")).order_by()):
        tallied[tuple(key)] += n
    with connection.cursor() as cursor:
        cursor.execute(_RUNNING_SQL, PETITIONER_CLOCKS)
        counted = Counter({tuple(_as_dates(row[:5])): row[5] for row in cursor.fetchall()})
    return {k: (tallied.get(k, 0), counted.get(k, 0))
            for k in set(tallied) | set(counted) if tallied.get(k, 0) != counted.get(k, 0)}


def _as_dates(row) -> tuple:
    """SQLite returns raw SQL dates as text."""
    unit_id, rule, start, due, paused_on = row
    return (unit_id, rule, _date(start), _date(due), _date(paused_on))


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
