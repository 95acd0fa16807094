"""Keeping the statistics current: the incremental fill, a refill of a period, and the check against the events.

An item's facts are recomputed from its whole history whenever anything in it may have changed, and replace the
facts stored for it (``ItemFact``); the difference goes into the daily counts (``DailyCount``) in the same
transaction. Recomputing is idempotent, so fills may repeat, overlap a refill, or run on two servers (they queue
on the ``FillState`` row).

Which items the incremental fill recomputes:
- items with an event newer than the item's own stored mark (``ItemMark``): the fill re-reads the last
  ``LOOKBACK`` event ids below its global mark too, because an event whose transaction committed after the
  previous fill may carry a smaller id than events that fill saw;
- the earlier items that a newly registered or newly marked repeat points to (their 息诉罢访 and 就地化解 change);
- items whose 息诉罢访 window ended on a day the previous fill had not reached yet (time alone changes them).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.expressions import RawSQL

from xinfang.cases.models import Case, CaseEvent, Clock
from xinfang.core import clock
from xinfang.orgs.models import Unit
from xinfang.stats import dimensions, facts, rollups
from xinfang.stats.models import DailyCount, FillState, ItemFact, ItemMark

BATCH = 2000
LOOKBACK = 5000
Key = tuple[dt.date, str, str, int, int, int]  # day, metric, sub, unit, place, category


def settle_days() -> int:
    return int(settings.XINFANG_SETTLED_DAYS)


# --- reading histories ---------------------------------------------------------------------------------------


def among(ids: list[int]):
    """The right side of an ``__in`` over many ids: one array parameter on PostgreSQL (a statement with
    thousands of placeholders costs more to prepare than to run), the list itself elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return ids


def histories(case_ids: Iterable[int]) -> Iterator[tuple[facts.History, int, int, int]]:
    """(history, place id, category id, newest event id) of each item, read in three statements."""
    ids = sorted(set(case_ids))
    rows = Case.objects.filter(pk__in=among(ids)).values_list(
        "pk", "received_on", "channel", "people_count", "is_group", "is_skip_level", "claim_type",
        "registering_unit_id", "problem_place_id", "category_id",
    )
    found: dict[int, tuple[facts.History, int, int]] = {}
    for pk, received, channel, people, group, skip, claim, registering, place, category in rows:
        h = facts.History(case_id=pk, received_on=received, channel=channel, people_count=people, is_group=group,
                          is_skip_level=skip, claim_type=claim, registering_unit_id=registering)
        found[pk] = (h, place or 0, category or 0)
    for case_id, pk, action, on, unit, actor_unit, data in _event_rows(ids):
        found[case_id][0].events.append(facts.Event(pk, action, on, unit, actor_unit, data or {}))
    links = Case.earlier_items.through.objects.filter(to_case_id__in=among(ids)).values_list(
        "to_case_id", "from_case__received_on"
    )
    for earlier, received in links:
        found[earlier][0].repeats_received.append(received)
    for h, place, category in found.values():
        yield h, place, category, (h.events[-1].id if h.events else 0)


def _event_rows(ids: list[int]) -> Iterable[tuple]:
    """(item, id, action, date, unit, actor's unit, data) of the items' events in order."""
    rows = _rows(CaseEvent, ("case_id", "id", "action", "effective_on", "unit_id", "actor_unit_id", "data"), ids,
                 order="case_id, id")
    if connection.vendor != "postgresql":
        return rows
    # jsonb comes as text on Django's connection (the loader it registers).
    return [(*row[:6], orjson.loads(row[6]) if isinstance(row[6], str) else row[6]) for row in rows]


def _rows(model, columns: tuple[str, ...], case_ids: list[int], order: str = "") -> list[tuple]:
    """The columns of the model's rows for these items. On PostgreSQL straight from a cursor with the ids as one
    array: the ORM's per-row work and a statement of thousands of placeholders were a third of a day's fill."""
    if connection.vendor != "postgresql":
        qs = model.objects.filter(case_id__in=case_ids).values_list(*columns)
        return list(qs.order_by(*order.replace(" ", "").split(",")) if order else qs)
    with _bound_cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE case_id = ANY(%b)"  # noqa: S608
                       + (f" ORDER BY {order}" if order else ""), [case_ids])
        return cursor.fetchall()


def computed(case_ids: Iterable[int], as_of: dt.date) -> dict[int, tuple[Counter, int]]:
    """{case id: (Counter of full keys, newest event id)} from the events, nothing stored."""
    kinds = dict(Unit.objects.values_list("pk", "kind"))
    days = settle_days()
    out = {}
    for h, place, category, upto in histories(case_ids):
        got = facts.item_facts(h, as_of, settle_days=days, unit_kinds=kinds)
        out[h.case_id] = (Counter({(d, m, s, u, place, category): n for (d, m, s, u), n in got.items()}), upto)
    return out


# --- writing ------------------------------------------------------------------------------------------------


Progress = Callable[[int, int], None]  # (items done, items in all), after each batch


def recompute(case_ids: Iterable[int], as_of: dt.date, *, counts: bool = True, progress: Progress | None = None) -> int:
    """Bring the stored facts of these items in line with their histories and move the counts by the difference
    (``counts=False``: the first fill, facts only, for ``rebuild_counts`` to sum afterwards). Only the facts that
    changed are deleted or written: an item accepted today keeps its other facts' rows. Call inside a
    transaction; returns the number of items."""
    ids = sorted(set(case_ids))
    with _without_cyclic_gc():
        return _recompute(ids, as_of, counts, progress)


@contextmanager
def _without_cyclic_gc():
    """A recomputation allocates millions of small acyclic objects (tuples, counters) that reference counting
    frees; meanwhile the cyclic collector would walk the whole heap again and again (a sixth of a day's fill, more
    in a process with a large heap)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _recompute(ids: list[int], as_of: dt.date, counts: bool, progress: Progress | None) -> int:
    change: Counter = Counter()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        fresh = computed(chunk, as_of)
        stored: dict[int, dict[Key, tuple[int, int]]] = defaultdict(dict)
        if counts:
            for pk, case_id, *key, n in _rows(ItemFact, ("id", "case_id", *_FACT_COLUMNS[1:]), chunk):
                stored[case_id][tuple(key)] = (pk, n)  # type: ignore[index]
        gone: list[int] = []
        new_rows: list[tuple] = []
        for case_id in chunk:
            got = fresh[case_id][0] if case_id in fresh else Counter()
            old = stored.get(case_id, {})
            for key, (pk, n) in old.items():
                if got.get(key) != n:
                    gone.append(pk)
                    change[key] -= n
            for key, n in got.items():
                if old.get(key, (0, None))[1] != n:
                    new_rows.append((case_id, *key, n))
                    change[key] += n
        if gone:
            ItemFact.objects.filter(pk__in=among(gone)).delete()
        _copy("stats_itemfact", _FACT_COLUMNS, new_rows)
        _mark([(case_id, upto) for case_id, (_got, upto) in fresh.items()], first=not counts)
        if len(fresh) < len(chunk):  # items deleted since (the demo's reset)
            ItemMark.objects.filter(case_id__in=[c for c in chunk if c not in fresh]).delete()
        if progress is not None:
            progress(start + len(chunk), len(ids))
    if counts and ids:  # the counts move once, by the whole difference, in key order (near keys share pages)
        _add_counts({k: n for k, n in change.items() if n}, dimensions.townships_of(), dimensions.top_categories())
    return len(ids)


_MONTH = {"postgresql": "CAST(date_trunc('month', d.day) AS date)", "sqlite": "date(d.day, 'start of month')"}


def rebuild_counts() -> None:
    """Sum every count again from the stored facts, in SQL (the first fill of a large database: millions of facts
    are summed by the database in a minute instead of key by key). Call inside a transaction."""
    townships, tops = dimensions.townships_of(), dimensions.top_categories()
    month = _MONTH.get(connection.vendor, _MONTH["sqlite"])
    with connection.cursor() as cursor:
        for table in ("stats_dailycount", *(r.table for r in rollups.ROLLUPS)):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant table names)
        cursor.execute(
            "INSERT INTO stats_dailycount (day, metric, sub, unit_id, place_id, category_id, n) "
            "SELECT day, metric, sub, unit_id, place_id, category_id, SUM(n) FROM stats_itemfact "
            "GROUP BY day, metric, sub, unit_id, place_id, category_id HAVING SUM(n) <> 0"
        )
        cursor.execute("CREATE TEMP TABLE stats_place_map (place integer PRIMARY KEY, township integer)")
        cursor.execute("CREATE TEMP TABLE stats_category_map (category integer PRIMARY KEY, top integer)")
        for table, pairs in (("stats_place_map", townships), ("stats_category_map", tops)):
            items = list(pairs.items())
            for start in range(0, len(items), 500):
                part = items[start:start + 500]
                cursor.execute(f"INSERT INTO {table} VALUES {', '.join(['(%s, %s)'] * len(part))}",  # noqa: S608
                               [v for pair in part for v in pair])
        for rollup in rollups.ROLLUPS:
            cursor.execute(rollup.rebuild_sql(month))
        cursor.execute("DROP TABLE stats_place_map")
        cursor.execute("DROP TABLE stats_category_map")


_FACT_COLUMNS = ("case_id", "day", "metric", "sub", "unit_id", "place_id", "category_id", "n")


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """PostgreSQL takes the rows with COPY (a million items' facts in minutes, not hours); others in batches."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), 500):
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                               rows[start:start + 500])


def _mark(rows: list[tuple[int, int]], *, first: bool) -> None:
    """Record how far each item's facts go (the first fill inserts, later fills replace)."""
    if first:
        _copy("stats_itemmark", ("case_id", "upto"), rows)
        return
    if connection.vendor == "postgresql":
        with _bound_cursor() as cursor:
            cursor.execute("INSERT INTO stats_itemmark (case_id, upto) SELECT * FROM unnest(%b::bigint[], %b::bigint[]) "
                           "ON CONFLICT (case_id) DO UPDATE SET upto = excluded.upto",
                           [[c for c, _ in rows], [u for _, u in rows]])
        return
    ItemMark.objects.bulk_create([ItemMark(case_id=c, upto=u) for c, u in rows], batch_size=1000,
                                 update_conflicts=True, unique_fields=["case_id"], update_fields=["upto"])


def _bound_cursor():
    """A PostgreSQL cursor that sends parameters apart from the statement, in binary: Django's client-side
    binding spells every element of an array out as SQL text, which costs more than the statement itself."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _add_counts(change: dict[Key, int], townships: dict[int, int], tops: dict[int, int]) -> None:
    """Move the daily counts and their monthly roll-ups by the facts' difference."""
    daily = ("stats_dailycount", ("day", "metric", "sub", "unit_id", "place_id", "category_id"))
    _upsert(*daily, sorted((k, n) for k, n in change.items() if n))  # the unique index's order: day first
    for r, counts in rollups.rolled_up(change, townships, tops).items():
        # In the unique index's order: neighbouring keys share its pages.
        _upsert(r.table, r.columns, sorted(((k, n) for k, n in counts.items() if n), key=lambda kn: r.order(kn[0])))


_TYPES = {"day": "date", "month": "date", "metric": "varchar", "sub": "varchar"}  # the others: integer


def _upsert(table: str, columns: tuple[str, ...], items: list[tuple[tuple, int]]) -> None:
    """Add each difference to its count; delete the counts it brought to zero. On PostgreSQL one statement with
    a column array per parameter, elsewhere 500 keys per statement."""
    if not items:
        return
    conflict = f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET n = {table}.n + excluded.n RETURNING id, n"
    emptied: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [list(col) for col in zip(*(key for key, _ in items), strict=True)] + [[n for _, n in items]]
            types = [_TYPES.get(c, "integer") for c in (*columns, "n")]
            with _bound_cursor() as bound:
                bound.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}, n) "  # noqa: S608 (constant names)
                    f"SELECT * FROM unnest({', '.join(f'%b::{t}[]' for t in types)}) {conflict}", arrays,
                )
                emptied = [pk for pk, n in bound.fetchall() if n == 0]
        else:
            row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
            for start in range(0, len(items), 500):
                part = items[start:start + 500]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}, n) VALUES {', '.join([row] * len(part))} "  # noqa: S608
                    f"{conflict}", [v for key, n in part for v in (*key, n)],
                )
                emptied.extend(pk for pk, n in cursor.fetchall() if n == 0)
    # Only the counts this change brought to zero (a scan for n = 0 would read the whole table each time).
    for start in range(0, len(emptied), 1000):
        part = emptied[start:start + 1000]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part)  # noqa: S608


# --- the three commands -----------------------------------------------------------------------------------------


@dataclass
class FillResult:
    items: int
    last_event_id: int
    as_of: dt.date


def fill(as_of: dt.date | None = None, progress: Progress | None = None) -> FillResult:
    """The incremental fill (``xinfang stats fill``, and part of the daily job)."""
    as_of = as_of or clock.today()
    with transaction.atomic():
        state, _ = FillState.objects.select_for_update().get_or_create(pk=1)
        newest = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        if state.as_of is None:
            # The first fill: every item's facts, then every count summed once in SQL.
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM stats_itemfact")
                cursor.execute("DELETE FROM stats_itemmark")
            n = recompute(Case.objects.values_list("pk", flat=True), as_of, counts=False, progress=progress)
            rebuild_counts()
            _analyze()
            state.last_event_id, state.as_of, state.filled_at = newest, as_of, clock.now()
            state.save()
            return FillResult(items=n, last_event_id=newest, as_of=as_of)
        else:
            touched = _changed_since(state.last_event_id)
            touched |= set(Case.earlier_items.through.objects.filter(from_case_id__in=touched)
                           .values_list("to_case_id", flat=True))
            touched |= _windows_ending(state.as_of, as_of)
        n = recompute(touched, as_of, progress=progress)
        state.last_event_id, state.as_of, state.filled_at = newest, as_of, clock.now()
        state.save()
    return FillResult(items=n, last_event_id=newest, as_of=as_of)


def _analyze() -> None:
    """Fresh planner statistics after the tables were filled at once: with none, PostgreSQL takes the item
    facts for a small table and scans all of them to find one batch's rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("stats_itemfact", "stats_itemmark", "stats_dailycount", *(r.table for r in rollups.ROLLUPS)):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 (constant names)


def _changed_since(mark: int) -> set[int]:
    """Items with an event newer than their stored facts, among the events from ``mark - LOOKBACK`` on."""
    newest = dict(
        CaseEvent.objects.filter(pk__gt=max(0, mark - LOOKBACK)).values("case_id").annotate(m=Max("pk"))
        .values_list("case_id", "m")
    )
    if not newest:
        return set()
    counted = dict(ItemMark.objects.filter(case_id__in=among(list(newest))).values_list("case_id", "upto"))
    return {case_id for case_id, m in newest.items() if counted.get(case_id, 0) < m}


def _windows_ending(before: dt.date, now: dt.date) -> set[int]:
    """Items whose figures change with the day alone between ``before`` and ``now``: a 息诉罢访 window ending, or
    an undecided clock passing its due date."""
    if before == now:
        return set()
    low, high = sorted((before, now))
    days = dt.timedelta(days=settle_days())
    # The stored 「concluded」 fact is on the day of the item's conclusion (the events table has no index by date;
    # an item whose facts are not current has a newer event and is recomputed anyway).
    concluded = set(ItemFact.objects.filter(metric="concluded", day__range=(low - days, high - days))
                    .values_list("case_id", flat=True))
    # An undecided clock counts as late from the day after its due date. The clocks table only says which items
    # to look at; what counts is worked out from their events.
    overdue = set(Clock.objects.filter(stopped_on__isnull=True, rule_code__in=facts.ACCEPT_RULES | facts.HANDLE_RULES,
                                       due_on__gte=low - dt.timedelta(days=1), due_on__lt=high)
                  .values_list("case_id", flat=True))
    return concluded | overdue


def refill(start: dt.date, end: dt.date, as_of: dt.date | None = None, progress: Progress | None = None) -> int:
    """Recompute every item with a fact or an event dated in [start, end] (``xinfang stats fill --from --to``)."""
    as_of = as_of or clock.today()
    with transaction.atomic():
        FillState.objects.select_for_update().get_or_create(pk=1)
        ids = set(ItemFact.objects.filter(day__range=(start, end)).values_list("case_id", flat=True).distinct())
        ids |= set(CaseEvent.objects.filter(effective_on__range=(start, end)).values_list("case_id", flat=True))
        ids |= set(Case.objects.filter(received_on__range=(start, end)).values_list("pk", flat=True))
        return recompute(ids, as_of, progress=progress)


def verify(start: dt.date | None = None, end: dt.date | None = None) -> tuple[list[str], int]:
    """Recompute every figure from the events and compare: (mismatch descriptions, figures checked).

    Checks the stored facts of every item against its history (as of the last fill's day) and every daily count
    against the sum of the stored facts, within [start, end] when given."""
    state = FillState.objects.filter(pk=1).first()
    as_of = state.as_of if state and state.as_of else clock.today()

    def in_range(day: dt.date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    expected: Counter = Counter()
    if start is None and end is None:
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    else:  # only the items that can have a figure in the range (as ``refill`` chooses them)
        low, high = start or dt.date.min, end or dt.date.max
        found = set(ItemFact.objects.filter(day__range=(low, high)).values_list("case_id", flat=True))
        found |= set(CaseEvent.objects.filter(effective_on__range=(low, high)).values_list("case_id", flat=True))
        found |= set(Case.objects.filter(received_on__range=(low, high)).values_list("pk", flat=True))
        ids = sorted(found)
    for i in range(0, len(ids), BATCH):
        for got, _upto in computed(ids[i:i + BATCH], as_of).values():
            expected.update({k: n for k, n in got.items() if in_range(k[0])})
    dated = {} if start is None and end is None else {"day__range": (start or dt.date.min, end or dt.date.max)}
    stored: Counter = Counter()
    for row in ItemFact.objects.filter(**dated).values_list("day", "metric", "sub", "unit_id", "place_id",
                                                              "category_id", "n"):
        stored[row[:6]] += row[6]
    daily: Counter = Counter()
    for row in DailyCount.objects.filter(**dated).values_list("day", "metric", "sub", "unit_id", "place_id",
                                                               "category_id", "n"):
        daily[row[:6]] += row[6]
    problems = _rollup_problems(daily) if start is None and end is None else []
    for key in sorted(set(expected) | set(stored) | set(daily), key=str):
        e, s, d = expected.get(key, 0), stored.get(key, 0), daily.get(key, 0)
        if not (e == s == d):
            problems.append(f"{key[0]} {key[1]} {key[2] or '-'} 单位{key[3]} 属地{key[4]} 分类{key[5]}: "
                            f"事件重算 {e}，明细 {s}，日汇总 {d}")
    return problems, len(set(expected) | set(daily))


def _rollup_problems(daily: Counter) -> list[str]:
    """The monthly roll-ups against the daily counts (checked over the whole range only: a month is whole)."""
    problems = []
    for rollup, expected in rollups.rolled_up(daily, dimensions.townships_of(), dimensions.top_categories()).items():
        stored = Counter({row[:-1]: row[-1] for row in rollup.model.objects.values_list(*rollup.columns, "n")})
        for key in set(expected) | set(stored):
            if expected.get(key, 0) != stored.get(key, 0):
                problems.append(f"{rollup.model._meta.verbose_name} {key}: 按日汇总 {expected.get(key, 0)}，"
                                f"汇总表 {stored.get(key, 0)}")
    return problems


def daily_fill(today: dt.date | None = None) -> str:
    """The daily job's part (registered with ``core.daily``)."""
    result = fill(today)
    return f"统计已更新：重算 {result.items} 件，事件截至 #{result.last_event_id}"
