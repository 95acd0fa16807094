"""Statistics at a million items: the full fill, the statistics figures for one year, a drill-down, and the
incremental fill after one day of changes, on PostgreSQL.

    .venv/bin/python bench/stats_bench.py                          # 50,000 items
    .venv/bin/python bench/stats_bench.py --items 1000000          # about 10,000,000 events
    .venv/bin/python bench/stats_bench.py --items 1000000 --reuse  # measure again without reloading

Database ``--db-name`` (default ``xinfang_stats_bench``) on ``--pg-server`` is dropped, recreated and migrated. A
county of 1 bureau, 40 departments and 20 townships with 10 villages each is created through ``orgs.services``;
one item is registered and moved through the real services as a template for the columns nobody varies. The
items and their histories are then generated inside PostgreSQL (``INSERT … SELECT`` over a plan table drawn with
a fixed seed): 3 years of receipts; letters, visits, online and calls; 3 % group visits of 5–30 people, 4 %
skip-level visits, 10 % repeats; routed on day 1–20 after receipt (late after 15), accepted 1–20 days after
routing, 5 % extended, replied within 20–80 days, delivered, evaluated (60 %, 8 % of them 不满意) or marked
overdue, concluded after the review window; the newest items stop part-way. Each event carries the clock log
the state machine writes (rule, start, due date, on time) and the item's unit, which is all the statistics read.

Measured (server time in this process):
- the first full fill (every item's facts from its events);
- the figures of one year for the county supervisor (``selectors.summary`` and ``GET /stats/?period=year``), p50/p95 over ``--requests`` runs; target p95 ≤ 300 ms;
- a drill-down list (the items behind 按期办结 of one month), target ≤ 150 ms;
- one day of changes (new registrations and moves of open items, generated the same way), then the incremental
  fill, target ≤ 5 s: the median of ``--day-rounds`` rounds of the same day, each undone (the worst is printed
  too); then ``verify`` over that day;
- the page for one year narrowed to one township, and for a custom period that cuts two months.
Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

END = dt.date(2026, 11, 30)
START = dt.date(2023, 12, 1)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--items", type=int, default=50_000)
    p.add_argument("--pg-server", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db-name", default="xinfang_stats_bench")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--day-items", type=int, default=900, help="registrations in the simulated day of changes")
    p.add_argument("--day-rounds", type=int, default=3, help="rounds of the day of changes (median and worst)")
    p.add_argument("--profile", action="store_true", help="print where the incremental fill spends its time")
    return p.parse_args()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def build_county():
    from xinfang.orgs.models import UnitKind
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import unit_create, user_create

    county = unit_create(name="县委县政府", code="XZF", kind=UnitKind.COUNTY)
    bureau = unit_create(name="县信访局", code="XFJ", kind=UnitKind.BUREAU, parent=county)
    for i in range(40):
        unit_create(name=f"县直部门{i + 1}", code=f"BM{i}", kind=UnitKind.DEPARTMENT, parent=county)
    for i in range(20):
        town = unit_create(name=f"第{i + 1}镇", code=f"Z{i}", kind=UnitKind.TOWNSHIP, parent=county)
        for j in range(10):
            unit_create(name=f"第{i + 1}镇{j + 1}村", code=f"Z{i}C{j}", kind=UnitKind.VILLAGE, parent=town)
    user_create(username="zhao", password="Xinfang-2026", full_name="赵督查", unit=bureau,
                roles=[(Role.SUPERVISOR, county)])
    user_create(username="zhang", password="Xinfang-2026", full_name="张登记", unit=bureau,
                roles=[(Role.REGISTRAR, bureau)])
    return bureau


def template_item(bureau) -> int:
    """One real item, registered through the service: the source of every column the generator leaves alone."""
    from xinfang.cases.services import PetitionerInput, RegistrationInput, case_register
    from xinfang.cases.workflow import importing_history
    from xinfang.orgs.models import User

    with importing_history():
        case = case_register(actor=User.objects.get(username="zhang"), unit=bureau, data=RegistrationInput(
            channel="letter", received_on=START, title="模板", content="模板", claim_type="appeal", purpose="request",
            petitioners=[PetitionerInput(name="模板")],
        ))
    return case.pk


PLAN_SQL = """
CREATE UNLOGGED TABLE bench_plan AS
SELECT g AS n,
       %(first_id)s + g AS id,
       (%(start)s::date + (((g - 1)::bigint * %(days)s) / %(items)s)::int) AS received_on,
       (ARRAY['letter','visit','online','online','visit','letter','call','letter','visit','online'])[1 + floor(random() * 10)::int] AS channel,
       random() AS r_group, random() AS r_skip, random() AS r_repeat, random() AS r_eval, random() AS r_ext,
       1 + floor(random() * 20)::int AS route_days,
       1 + floor(random() * 20)::int AS accept_days,
       20 + floor(random() * 60)::int AS reply_days,
       floor(random() * 20)::int AS town,
       floor(random() * 10)::int AS village,
       floor(random() * 40)::int AS dept,
       random() < 0.5 AS at_town,
       floor(random() * 1000000)::int AS r_cat
FROM generate_series(1, %(items)s) AS g
"""


def load(args, template: int) -> None:
    from django.db import connection

    from xinfang.cases.models import Category
    from xinfang.orgs.models import Unit

    units = {u.code: u.pk for u in Unit.objects.all()}
    towns = [units[f"Z{i}"] for i in range(20)]
    villages = [[units[f"Z{i}C{j}"] for j in range(10)] for i in range(20)]
    depts = [units[f"BM{i}"] for i in range(40)]
    cats = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True)) or [None]
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.20261202)")
        cur.execute("SELECT max(id) FROM cases_case")
        first_id = cur.fetchone()[0]
        cur.execute(PLAN_SQL, {"first_id": first_id, "start": START, "days": (END - START).days, "items": args.items})
        cur.execute("ALTER TABLE bench_plan ADD PRIMARY KEY (n)")
        # Derived columns: the handling unit, the place, the category, the dates of each step.
        cur.execute(f"""
            ALTER TABLE bench_plan ADD COLUMN unit int, ADD COLUMN place int, ADD COLUMN category int,
                ADD COLUMN people int, ADD COLUMN is_group bool, ADD COLUMN skip bool, ADD COLUMN repeat bool,
                ADD COLUMN routed date, ADD COLUMN accepted date, ADD COLUMN delivered date, ADD COLUMN extended bool;
            UPDATE bench_plan SET
                unit = CASE WHEN at_town THEN (ARRAY{towns})[town + 1] ELSE (ARRAY{depts})[dept + 1] END,
                place = (ARRAY{villages})[town + 1][village + 1],
                category = (ARRAY{cats})[1 + r_cat % {len(cats)}],
                is_group = channel = 'visit' AND r_group < 0.1,
                people = CASE WHEN channel = 'visit' AND r_group < 0.1 THEN 5 + (r_cat % 26) ELSE 1 END,
                skip = channel = 'visit' AND r_skip < 0.13,
                repeat = r_repeat < 0.1,
                extended = r_ext < 0.05,
                routed = received_on + route_days,
                accepted = received_on + route_days + accept_days,
                delivered = received_on + route_days + accept_days + reply_days;
        """)
        log("plan drawn")
        _insert_items(cur, template, END)
        log(f"{args.items:,} items inserted")
        _events(cur, "WHERE TRUE", {"end": END})
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_case','id'), (SELECT max(id) FROM cases_case))")
        cur.execute("SELECT count(*) FROM cases_caseevent")
        log(f"events: {cur.fetchone()[0]:,}")
    conn = connection.connection
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def _insert_items(cur, template: int, end: dt.date) -> None:
    """The items of ``bench_plan``: planned columns, every other column copied from the template item."""
    from xinfang.cases.models import Case

    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    varying = {
        "number": "'B-' || lpad(p.id::text, 8, '0')", "query_code": "'Q' || lpad(p.id::text, 10, '0')",
        "channel": "p.channel", "received_on": "p.received_on", "people_count": "p.people",
        "is_group": "p.is_group", "is_skip_level": "p.skip", "is_repeat": "p.repeat",
        "category_id": "p.category", "problem_place_id": "p.place",
        "current_unit_id": "CASE WHEN p.routed <= %(end)s::date THEN p.unit ELSE t.registering_unit_id END",
        "status": "CASE WHEN p.delivered + 31 <= %(end)s::date THEN 'concluded' WHEN p.delivered <= %(end)s::date "
                  "THEN 'delivered' WHEN p.accepted <= %(end)s::date THEN 'handling' WHEN p.routed <= %(end)s::date "
                  "THEN 'pending_sign' ELSE 'routing' END",
        "registered_at": "(p.received_on + TIME '10:00') AT TIME ZONE 'Asia/Shanghai'",
        "updated_at": "(p.received_on + TIME '10:00') AT TIME ZONE 'Asia/Shanghai'",
        "access_units": "t.registering_unit_id::text || ' ' || p.unit::text",
    }
    select = ", ".join(varying.get(c, f"t.{c}") for c in columns)
    cur.execute(f"INSERT INTO cases_case (id, {', '.join(columns)}) SELECT p.id, {select} "
                f"FROM bench_plan p, (SELECT * FROM cases_case WHERE id = %(template)s) t",
                {"template": template, "end": end})


def _clock(rule: str, start: str, due: str) -> str:
    return f"jsonb_build_object('rule', '{rule}', 'from', to_char({start}, 'YYYY-MM-DD'), 'due_on', to_char({due}, 'YYYY-MM-DD'))"


def _stop(rule: str, due: str, on: str) -> str:
    return f"jsonb_build_object('rule', '{rule}', 'due_on', to_char({due}, 'YYYY-MM-DD'), 'on_time', {on} <= {due})"


def _events(cur, where: str, params: dict) -> None:
    """Insert the events of the planned items (``where`` narrows the plan rows) up to the end day."""
    bureau = "(SELECT id FROM orgs_unit WHERE code = 'XFJ')"
    user = "(SELECT id FROM orgs_user WHERE username = 'zhang')"
    steps = [
        # (action, date, unit after, data, condition)
        ("register", "p.received_on", bureau,
         "jsonb_build_object('channel', p.channel, 'people_count', p.people, 'clocks', jsonb_build_object('stopped', "
         f"'[]'::jsonb, 'started', jsonb_build_array({_clock('bureau_routing', 'p.received_on', 'p.received_on + 15')})))"
         " || CASE WHEN p.repeat THEN jsonb_build_object('earlier_items', jsonb_build_array('B-1')) ELSE '{}' END",
         "TRUE"),
        ("forward", "p.routed", "p.unit",
         f"jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array({_stop('bureau_routing', 'p.received_on + 15', 'p.routed')}), "
         f"'started', jsonb_build_array({_clock('objection', 'p.routed', 'p.routed + 7')}, {_clock('acceptance_notice', 'p.routed', 'p.routed + 15')})))",
         "p.routed <= %(end)s::date"),
        ("sign", "p.routed + 1", "p.unit",
         f"jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array({_stop('objection', 'p.routed + 7', 'p.routed + 1')}), 'started', '[]'::jsonb))",
         "p.routed + 1 <= %(end)s::date AND p.accepted > p.routed + 1"),
        ("accept", "p.accepted", "p.unit",
         f"jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array({_stop('acceptance_notice', 'p.routed + 15', 'p.accepted')}), "
         f"'started', jsonb_build_array({_clock('handling', 'p.accepted', 'p.accepted + 60')})))",
         "p.accepted <= %(end)s::date"),
        ("extend", "p.accepted + 40", "p.unit",
         "jsonb_build_object('days', 30, 'clocks', jsonb_build_object('stopped', jsonb_build_array(jsonb_build_object('rule', 'handling', "
         f"'due_on', to_char(p.accepted + 60, 'YYYY-MM-DD'), 'on_time', NULL)), 'started', jsonb_build_array({_clock('handling_extended', 'p.accepted', 'p.accepted + 90')})))",
         "p.extended AND p.accepted + 40 <= %(end)s::date AND p.accepted + 40 < p.delivered"),
        ("reply", "p.delivered", "p.unit", "'{}'::jsonb", "p.delivered <= %(end)s::date"),
        ("deliver", "p.delivered", "p.unit",
         f"jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array(jsonb_build_object('rule', "
         f"CASE WHEN p.extended AND p.accepted + 40 < p.delivered THEN 'handling_extended' ELSE 'handling' END, 'due_on', "
         f"to_char(CASE WHEN p.extended AND p.accepted + 40 < p.delivered THEN p.accepted + 90 ELSE p.accepted + 60 END, 'YYYY-MM-DD'), "
         f"'on_time', p.delivered <= CASE WHEN p.extended AND p.accepted + 40 < p.delivered THEN p.accepted + 90 ELSE p.accepted + 60 END)), "
         f"'started', jsonb_build_array({_clock('review_request', 'p.delivered', 'p.delivered + 30')}, {_clock('evaluation', 'p.delivered', 'p.delivered + 30')})))",
         "p.delivered <= %(end)s::date"),
        ("evaluate", "p.delivered + 5", "p.unit",
         "jsonb_build_object('bureau', 'satisfied', 'unit', CASE WHEN p.r_eval < 0.05 THEN 'unsatisfied' WHEN p.r_eval < 0.3 "
         "THEN 'basic' ELSE 'satisfied' END)",
         "p.r_eval < 0.6 AND p.delivered + 5 <= %(end)s::date"),
        ("evaluation_overdue", "p.delivered + 31", "p.unit", "'{}'::jsonb", "p.r_eval >= 0.6 AND p.delivered + 31 <= %(end)s::date"),
        ("lapse", "p.delivered + 31", "p.unit",
         f"jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array({_stop('review_request', 'p.delivered + 30', 'p.delivered + 31')}), 'started', '[]'::jsonb))",
         "p.delivered + 31 <= %(end)s::date"),
        ("archive", "p.delivered + 40", "p.unit", "'{}'::jsonb", "p.delivered + 40 <= %(end)s::date"),
    ]
    for action, on, unit, data, condition in steps:
        # 2 % of the acts are recorded a few days after their stated date (补录).
        cur.execute(
            f"INSERT INTO cases_caseevent (case_id, action, actor_id, actor_unit_id, from_status, to_status, unit_id, "
            f"effective_on, data, note, created_at) "
            f"SELECT p.id, '{action}', {user}, p.unit, '', '', {unit}, {on}, {data}, '', "
            f"(({on}) + CASE WHEN mod(p.r_cat, 50) = 0 THEN 3 ELSE 0 END + TIME '16:00') AT TIME ZONE 'Asia/Shanghai' "
            f"FROM bench_plan p {where} AND {condition} ORDER BY p.id",
            params,
        )
        log(f"  {action}: {cur.rowcount:,}")


def timed(fn, runs: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1)}


def measure(args) -> dict:
    from django.db import connection
    from django.test import Client

    from xinfang.orgs.models import User
    from xinfang.stats import fill, selectors

    out: dict = {"items": 0}
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        out["items"] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_caseevent")
        out["events"] = cur.fetchone()[0]
    from xinfang.stats.models import FillState

    if not FillState.objects.filter(as_of__isnull=False).exists():  # a new load, or a reuse never filled
        t0 = time.perf_counter()
        result = fill.fill(END, progress=lambda done, total: done % 100_000 < fill.BATCH and log(
            f"  full fill: {done:,} / {total:,} items"))
        out["full_fill_s"] = round(time.perf_counter() - t0, 1)
        log(f"full fill: {result.items:,} items in {out['full_fill_s']} s")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM stats_itemfact")
        out["item_facts"] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM stats_dailycount")
        out["daily_counts"] = cur.fetchone()[0]
        from xinfang.stats.rollups import ROLLUPS

        out["rollup_rows"] = {}
        for rollup in ROLLUPS:
            cur.execute(f"SELECT count(*) FROM {rollup.table}")  # noqa: S608 (a model's table)
            out["rollup_rows"][rollup.table] = cur.fetchone()[0]
    log(f"facts {out['item_facts']:,}, daily counts {out['daily_counts']:,}, roll-ups {out['rollup_rows']}")
    zhao = User.objects.get(username="zhao")
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    scope = selectors.scope_for(zhao)
    out["summary_year"] = timed(lambda: selectors.summary(scope, *year), args.requests)
    log(f"summary of 2025 (selectors): {out['summary_year']}")
    client = Client()
    client.force_login(zhao)
    first = client.get("/stats/?period=year&year=2025", secure=True)
    if first.status_code == 200:
        out["page_year"] = timed(lambda: client.get("/stats/?period=year&year=2025", secure=True), args.requests)
        out["page_year"]["bytes"] = len(first.content)
        log(f"statistics page for 2025: {out['page_year']}")
        from xinfang.orgs.models import Unit

        town = Unit.objects.get(code="Z0").pk
        url = f"/stats/?period=year&year=2025&place={town}"
        out["page_year_one_township"] = timed(lambda: client.get(url, secure=True), args.requests)
        log(f"statistics page for 2025, one township: {out['page_year_one_township']}")
        # A custom period: two whole months from the roll-ups, the days around them from the daily counts.
        url = "/stats/?period=custom&from=2025-06-15&to=2025-09-14"
        out["page_custom_3_months"] = timed(lambda: client.get(url, secure=True), args.requests)
        log(f"statistics page for 2025-06-15 … 2025-09-14: {out['page_custom_3_months']}")
    else:
        log(f"statistics page not measured (status {first.status_code})")
    month = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    out["drill_down"] = timed(lambda: list(selectors.drill_down(zhao, scope, *month, "handle_on_time")), args.requests)
    log(f"drill-down 按期办结 2025-06: {out['drill_down']}")
    # The same day of changes, filled in several rounds (each undone): one sample of a few seconds on shared cores
    # varies by a second or more.
    rounds = [day_of_changes(args, check=i == 0) for i in range(args.day_rounds)]
    times = sorted(r["fill_s"] for r in rounds)
    out["day_of_changes"] = {**rounds[0], "fill_s": statistics.median(times), "fill_s_max": times[-1],
                             "fill_s_rounds": [r["fill_s"] for r in rounds]}
    return out


def day_of_changes(args, check: bool = True) -> dict:
    """One day (the day after END) of new registrations and of moves of open items, then the incremental fill."""
    from django.db import transaction

    # Everything of the day is undone afterwards, so that every --reuse run measures the same day on the same base.
    try:
        with transaction.atomic():
            from django.db import connection

            from xinfang.stats import fill

            day = END + dt.timedelta(days=1)
            with connection.cursor() as cur:
                cur.execute("SELECT max(id) FROM cases_case")
                top = cur.fetchone()[0]
                # New items of the day: a copy of the plan's newest rows, received on ``day``.
                cur.execute("DROP TABLE IF EXISTS bench_day")
                cur.execute(
                    "CREATE UNLOGGED TABLE bench_day AS SELECT (%(top)s + row_number() OVER ())::bigint AS id, n, "
                    "%(day)s::date AS received_on, channel, r_group, r_skip, r_repeat, r_eval, r_ext, 1 AS route_days, "
                    "accept_days, reply_days, town, village, dept, at_town, r_cat, unit, place, category, people, is_group, skip, "
                    "repeat, %(day)s::date + 1 AS routed, %(day)s::date + 30 AS accepted, %(day)s::date + 90 AS delivered, extended "
                    "FROM bench_plan ORDER BY n DESC LIMIT %(n)s", {"top": top, "day": day, "n": args.day_items})
                cur.execute("SELECT min(id) FROM cases_case")
                template = cur.fetchone()[0]
                cur.execute("ALTER TABLE bench_plan RENAME TO bench_plan_all")
                cur.execute("ALTER TABLE bench_day RENAME TO bench_plan")
                _insert_items(cur, template, day)
                _events(cur, "WHERE TRUE", {"end": day})
                registered = args.day_items
                cur.execute("ALTER TABLE bench_plan RENAME TO bench_day")
                cur.execute("ALTER TABLE bench_plan_all RENAME TO bench_plan")
                # Moves of open items on that day: acceptance of items routed recently, deliveries of accepted ones.
                cur.execute("""
                    INSERT INTO cases_caseevent (case_id, action, actor_id, actor_unit_id, from_status, to_status, unit_id,
                        effective_on, data, note, created_at)
                    SELECT p.id, 'accept', NULL, p.unit, '', '', p.unit, %(day)s::date,
                           jsonb_build_object('clocks', jsonb_build_object('stopped', jsonb_build_array(jsonb_build_object(
                               'rule', 'acceptance_notice', 'due_on', to_char(p.routed + 15, 'YYYY-MM-DD'),
                               'on_time', %(day)s::date <= p.routed + 15)), 'started', '[]'::jsonb)), '', now()
                    FROM bench_plan p WHERE p.routed <= %(end)s::date AND p.accepted > %(end)s::date
                """, {"day": day, "end": END})
                moved = cur.rowcount
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            t0 = time.perf_counter()
            result = fill.fill(day)
            seconds = time.perf_counter() - t0
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            log(f"day of changes: {registered} registrations, {moved} acceptances; incremental fill {result.items:,} items "
                f"in {seconds:.2f} s")
            out = {"registrations": registered, "moves": moved, "items_recomputed": result.items,
                   "fill_s": round(seconds, 2)}
            if check:
                t0 = time.perf_counter()
                problems, checked = fill.verify(day - dt.timedelta(days=40), day + dt.timedelta(days=200))
                log(f"verify around that day: {len(problems)} mismatches of {checked:,} in "
                    f"{time.perf_counter() - t0:.0f} s")
                out["verify_mismatches"] = len(problems)
            raise _Undo
    except _Undo:
        log("the day of changes rolled back")
    return out


class _Undo(Exception):
    """Raised to roll the day of changes back."""


def main() -> None:
    args = parse_args()
    from bench.supervision_board import setup

    setup(args)
    from django.core.management import call_command

    log("migrating")
    call_command("migrate", verbosity=0)  # with --reuse: the migrations added since the load
    if not args.reuse:
        bureau = build_county()
        template = template_item(bureau)
        t0 = time.perf_counter()
        load(args, template)
        log(f"loaded in {time.perf_counter() - t0:.0f} s")
    figures = measure(args)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
