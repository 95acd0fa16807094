"""Server time of the item list (案件列表), its search and the item page on a large PostgreSQL database.

Run from the project root:

    .venv/bin/python bench/list_bench.py --items 50000            # quick
    nohup .venv/bin/python bench/list_bench.py --items 1000000 > /tmp/list-bench.log 2>&1 &
    .venv/bin/python bench/list_bench.py --reuse                  # measure again without reloading

Loading: database ``xinfang_listbench`` is dropped and recreated on ``--pg-server``, migrated, and the demo
county (36 units, one login per duty) is created through ``xinfang.orgs.services``. The items are then
BULK-LOADED with COPY, bypassing the services (registering a million items through them takes hours):
``Case``, ``Petitioner``, ``CaseAccess``, ``Clock`` and ``CaseEvent`` rows with the demo's topics, names,
identity and phone numbers, states that depend on the age of the item, and routing to the competent unit.
Plain indexes are dropped during the load and rebuilt afterwards from their own definitions, and foreign
key triggers are off while copying (``session_replication_role = replica``); then ``VACUUM ANALYZE``.

Measuring: Django's test ``Client`` in this process, against that database, as three users (the bureau's
registrar, a township handler, the county supervisor). Each page type gets ``--warmup`` requests, then
``--requests`` timed ones (wall time of ``client.get``: middleware, session, view, SQL and template). Every
SQL statement is timed too; the slowest statement of each page type is shown with EXPLAIN ANALYZE when it
took longer than ``--explain-ms``.

A what-if switch measures a deployment setting, clearly labelled in the output: ``--jit-off`` (connection
option ``-c jit=off``: ``XINFANG_DATABASE_URL=postgres://…/xinfang?options=-c%20jit%3Doff``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "xinfang_listbench"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TODAY = dt.date(2026, 11, 26)
FIRST_RECEIVED = dt.date(2018, 1, 2)
TZ = ZoneInfo("Asia/Shanghai")
BIG_TABLES = ["cases_case", "cases_petitioner", "cases_caseaccess", "cases_clock", "cases_caseevent"]
TARGET_P95_MS = 150.0

# Words searched for; the load prints how many items contain each.
# Words searched for: common ones (several per cent of all items), rarer ones (place and company names) and
# words no item contains. The load prints how many items contain each.
WORDS_2 = ["工资", "拆迁", "低保", "养老", "补偿", "物业", "执行", "学校", "诈骗", "宏达", "杏花", "渡口", "噪音",
           "漏水"]
WORDS_4 = ["土地征收", "养老保险", "物业公司", "违规发放", "判决生效", "集体资金", "侦办进展", "柳树湾村",
           "恒通建设", "翡翠城小", "拖欠工资", "噪音扰民", "维修基金", "补偿标准"]

EXTRA_SENTENCES = [
    "此前已向村委会反映过三次，没有任何答复。",
    "家中老人常年卧病在床，生活十分困难，恳请领导重视。",
    "我们已经拨打过12345热线，工作人员说会转办，但至今没有下文。",
    "附上相关照片和票据复印件，请核查。",
    "希望有关部门能够实地查看，给群众一个明确的说法。",
    "如果问题得不到解决，我们只能继续向上反映。",
    "周边很多住户都有同样的情况，大家意见很大。",
    "本人联系电话已留，随时可以配合调查。",
    "去年也曾反映过类似问题，当时答复说会整改，但没有落实。",
    "恳请尽快派人处理，以免造成更大损失。",
    "相关负责人态度冷淡，推诿扯皮。",
    "请求依法依规处理，并书面答复处理结果。",
]


# ============================================================================ set-up


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--pg-server", default=DEFAULT_PG_SERVER)
    p.add_argument("--db-name", default=DB_NAME)
    p.add_argument("--reuse", action="store_true", help="measure the existing database; do not reload")
    p.add_argument("--requests", type=int, default=200, help="timed requests per page type and user")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--explain-ms", type=float, default=50.0)
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--batch", type=int, default=50_000)
    p.add_argument("--jit-off", action="store_true",
                   help="connect with options=-c jit=off (a deployment setting: XINFANG_DATABASE_URL=…?options=…)")
    return p.parse_args()


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(db_url: str) -> None:
    os.environ["XINFANG_DATABASE_URL"] = db_url
    os.environ["XINFANG_DEBUG"] = "false"  # DEBUG would keep every SQL statement in memory
    os.environ.setdefault("XINFANG_SECRET_KEY", "bench-only-secret-key-not-for-deployment")
    os.environ["XINFANG_ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["XINFANG_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.test.utils import override_settings

    # The deployed storage needs `collectstatic` and its manifest; static files are not what is measured.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ============================================================================ loading


class Loader:
    """Generates items in batches and COPYs them; ids are assigned here, so rows can reference each other."""

    def __init__(self, county, rng: random.Random, conn) -> None:
        from xinfang.cases.models import Case, CaseAccess, CaseEvent, Category, Clock, Petitioner
        from xinfang.demo import content

        self.c = county
        self.rng = rng
        self.conn = conn
        self.content = content
        self.topics = [*content.GENERAL, *content.LEGAL, *content.ACCUSATIONS, *content.CONSULTS]
        # the demo's own weights, roughly: most petitions are general ones
        self.topic_weights = [10] * len(content.GENERAL) + [4] * len(content.LEGAL) + [3] * len(
            content.ACCUSATIONS
        ) + [3] * len(content.CONSULTS)
        cats = {(c.parent.name if c.parent else None, c.name): c.pk for c in Category.objects.select_related("parent")}
        self.category_of = {}
        for t in self.topics:
            top = t.category[0]
            key = (top, t.category[1]) if len(t.category) > 1 else (None, top)
            self.category_of[t.key] = cats.get(key) or cats[(None, top)]
        self.models = {"case": Case, "pet": Petitioner, "access": CaseAccess, "clock": Clock, "event": CaseEvent}
        self.columns = {k: [f for f in m._meta.concrete_fields] for k, m in self.models.items()}
        self.next_id = defaultdict(int)
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        by_code = {u.code: u for u in county.units}
        self.by_code = by_code
        self.villages = [v for t in county.townships for v in county.villages[t.pk]]
        self.rural_villages = [v for v in self.villages if not v.name.endswith("社区")]
        self.registrar = county.registrars[0]
        self.bureau = county.bureau
        self.review_unit = county.county
        self.rereview_unit = county.city
        self.word_hits = defaultdict(int)

    # --- one item ------------------------------------------------------------------------------------------

    def item(self, rows: dict[str, list]) -> None:
        rng, c = self.rng, self.c
        topic = rng.choices(self.topics, self.topic_weights)[0]
        village = rng.choice(self.rural_villages if topic.rural else self.villages)
        town = c.township_of(village)
        place = village.name if rng.random() < 0.7 else town.name
        dept = ""
        filled = self.content.fill(topic, rng, township=town.name, village=village.name, place=place, dept=dept)
        text = filled.content
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            text += rng.choice(EXTRA_SENTENCES)

        received = self.received_dates.pop()
        age = (TODAY - received).days

        target = self._target(topic, town)
        direct = target is not None and rng.random() < 0.08 and target.kind in ("department", "township")
        registering = target if direct else self.bureau
        registrar = (c.handlers.get(registering.pk) or c.heads.get(registering.pk)) if direct else self.registrar
        status, current, extra = self._state(topic, age, target, registering)

        case_id = self._id("case")
        year = received.year
        self.numbers[(registering.code, year)] += 1
        number = f"{registering.code}-{year}-{self.numbers[(registering.code, year)]:06d}"
        registered_at = dt.datetime.combine(
            min(received + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2))), TODAY),
            dt.time(rng.randrange(8, 18), rng.randrange(60), rng.randrange(60)),
            tzinfo=TZ,
        )
        if registered_at > dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ):
            registered_at = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ) - dt.timedelta(minutes=rng.randrange(600))
        group = topic.group_ok and rng.random() < 0.12
        people = rng.randrange(5, 40) if group else (rng.choice((1, 1, 1, 1, 2, 3)))
        accused = self._accused(topic, village, town) if topic.claim == "accusation" else None
        earlier = rng.random() < 0.06
        due_on, due_rule, due_started = extra.pop("due", (None, "", None))

        case = {
            "id": case_id,
            "number": number,
            "query_code": self._query_code(case_id),
            "channel": rng.choices(["letter", "visit", "call", "online", "fax"], [25, 20, 15, 38, 2])[0],
            "received_on": received,
            "registered_at": registered_at,
            "registered_by_id": registrar.pk,
            "registering_unit_id": registering.pk,
            "title": filled.title[:200],
            "content": text,
            "claim_type": topic.claim,
            "purpose": topic.purpose,
            "category_id": self.category_of[topic.key],
            "problem_place_id": village.pk if place == village.name else town.pk,
            "problem_address": "",
            "responsible_unit_id": target.pk if target is not None and status not in ("routing",) else None,
            "current_unit_id": current.pk,
            "first_handling_unit_id": target.pk if target is not None else None,
            "accused_unit_id": accused.pk if accused else None,
            "accused_person": filled.values.get("other", "") if accused else "",
            "is_confidential": accused is not None and rng.random() < 0.5,
            "people_count": people,
            "is_group": people >= 5,
            "is_skip_level": rng.random() < 0.03,
            "is_repeat": earlier,
            "status": status,
            "due_on": due_on,
            "due_rule": due_rule,
            "due_started_on": due_started,
            "updated_at": registered_at,
            **extra,
        }
        rows["case"].append(case)

        for i in range(min(people, 1 if not group else rng.randrange(2, 6))):
            rows["pet"].append(
                {
                    "id": self._id("pet"),
                    "case_id": case_id,
                    "name": self.content.person_name(rng),
                    "id_number": self.content.id_number(rng, TODAY) if rng.random() < 0.85 else "",
                    "phone": self.content.mobile(rng),
                    "address": f"{town.name}{village.name}",
                    "is_main": i == 0,
                    "is_representative": group,
                }
            )

        seen_by = {registering, current}
        if target is not None and status != "routing":
            seen_by.add(target)
        if status in ("under_review", "review_delivered", "under_rereview", "hearing"):
            seen_by.add(self.review_unit)
        if status in ("under_rereview", "hearing"):
            seen_by.add(self.rereview_unit)
        for unit in sorted(seen_by, key=lambda u: u.pk):
            rows["access"].append({"id": self._id("access"), "case_id": case_id, "unit_id": unit.pk})
        # The copy of the access rows the workflow keeps on the item (Case.access_units).
        case["access_units"] = " ".join(str(u.pk) for u in sorted(seen_by, key=lambda u: u.pk))

        first_rule = "bureau_routing" if registering == self.bureau else "acceptance_notice"
        first_due = received + dt.timedelta(days=21)
        rows["clock"].append(
            {
                "id": self._id("clock"),
                "case_id": case_id,
                "rule_code": first_rule,
                "started_on": received,
                "due_on": first_due,
                "stopped_on": None if status == "routing" else min(received + dt.timedelta(days=rng.randrange(1, 12)), TODAY),
                "on_time": None if status == "routing" else True,
            }
        )
        if due_on is not None and due_rule != first_rule:
            rows["clock"].append(
                {"id": self._id("clock"), "case_id": case_id, "rule_code": due_rule, "started_on": due_started,
                 "due_on": due_on}
            )
        rows["event"].append(self._event(case_id, "register", "", "routing", received, registrar, registering,
                                         registered_at))
        if status != "routing":
            routed = min(received + dt.timedelta(days=rng.randrange(1, 10)), TODAY)
            rows["event"].append(self._event(case_id, "forward", "routing", status, routed, registrar, registering,
                                             registered_at + dt.timedelta(days=(routed - received).days)))
        for w in WORDS_2 + WORDS_4:
            if w in case["title"] or w in text:
                self.word_hits[w] += 1

    def _event(self, case_id, action, src, dst, on, actor, unit, at):
        return {"id": self._id("event"), "case_id": case_id, "action": action, "actor_id": actor.pk,
                "actor_unit_id": unit.pk, "from_status": src, "to_status": dst, "effective_on": on,
                "data": "{}", "note": "", "created_at": min(at, dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ))}

    def _target(self, topic, town):
        if topic.kind == "consult" or not topic.target:
            return None
        if topic.target == "township" or (topic.alt_target == "township" and self.rng.random() < 0.35):
            return town
        return self.by_code[topic.target]

    def _accused(self, topic, village, town):
        if topic.accused == "village":
            return village
        if topic.accused == "township":
            return town
        return self.rng.choice(list(self.c.departments.values()))

    def _state(self, topic, age: int, target, registering):
        """(status, current unit, extra fields incl. "due"=(due_on, rule, started)) by the item's age."""
        rng = self.rng
        if target is None:  # consultations: answered and filed, or waiting to be routed
            if age <= 10 and rng.random() < 0.5:
                return "routing", registering, {"due": (self._due(age, 0, 15), "bureau_routing", self._ago(age))}
            return "filed", registering, {}
        if target.kind in ("legal",) or topic.kind == "legal":
            if age <= 10 and rng.random() < 0.4:
                return "routing", registering, {"due": (self._due(age, 0, 15), "bureau_routing", self._ago(age))}
            return "legal_routed", target, {"routed_on": self._ago(age - 3)}
        if target.kind == "discipline":
            if age <= 10 and rng.random() < 0.4:
                return "routing", registering, {"due": (self._due(age, 0, 15), "bureau_routing", self._ago(age))}
            return "discipline_routed", target, {"routed_on": self._ago(age - 3)}
        if age <= 15:
            choices = {"routing": 40, "pending_sign": 30, "signed": 10, "handling": 18, "simple_handling": 2}
        elif age <= 90:
            choices = {"routing": 1, "pending_sign": 2, "handling": 40, "extended": 6, "replied": 5,
                       "delivered": 18, "simple_handling": 2, "not_accepted": 8, "redirected": 5, "concluded": 10,
                       "objection": 1}
        elif age <= 365:
            choices = {"handling": 2, "extended": 1, "delivered": 3, "under_review": 3, "review_delivered": 2,
                       "under_rereview": 1, "hearing": 0.2, "concluded": 45, "archived": 25, "not_accepted": 9,
                       "redirected": 6}
        else:
            choices = {"concluded": 12, "archived": 72, "not_accepted": 9, "redirected": 5, "handling": 0.05}
        status = rng.choices(list(choices), list(choices.values()))[0]
        extra: dict = {"routed_on": self._ago(age - 2) if status != "routing" else None,
                       "route_kind": "forward" if status != "routing" else ""}
        current = target
        if status == "routing":
            current = registering
            extra["due"] = (self._due(age, 0, 15), "bureau_routing", self._ago(age))
        elif status in ("pending_sign", "objection"):
            extra["due"] = (self._due(age, 2, 5), "acceptance_notice", self._ago(age - 2))
        elif status == "signed":
            extra["due"] = (self._due(age, 3, 15), "acceptance_notice", self._ago(age - 3))
        elif status in ("handling", "simple_handling", "extended", "replied"):
            extra["accepted_on"] = self._ago(age - 5)
            days = {"handling": 60, "simple_handling": 10, "extended": 90, "replied": 60}[status]
            rule = {"handling": "handling", "simple_handling": "simple_handling", "extended": "handling_extended",
                    "replied": "handling"}[status]
            extra["due"] = (self._due(age, 5, days), rule, self._ago(age - 5))
            if status == "extended":
                extra["extension_days"] = 30
        elif status == "delivered":
            extra["accepted_on"] = self._ago(age - 5)
            delivered = self._ago(max(age - 50, 0))
            extra["reply_delivered_on"] = delivered
            extra["due"] = (delivered + dt.timedelta(days=30), "review_request", delivered)
        elif status in ("under_review", "review_delivered"):
            current = self.review_unit
            extra["review_unit_id"] = self.review_unit.pk
            started = self._ago(max(age - 100, 0))
            extra["due"] = (started + dt.timedelta(days=30), "review" if status == "under_review" else
                            "rereview_request", started)
        elif status in ("under_rereview", "hearing"):
            current = self.rereview_unit
            extra["rereview_unit_id"] = self.rereview_unit.pk
            started = self._ago(max(age - 150, 0))
            extra["due"] = (started + dt.timedelta(days=30), "rereview", started)
        elif status in ("concluded", "archived"):
            extra["accepted_on"] = self._ago(age - 5)
            extra["concluded_on"] = self._ago(max(age - 90, 0))
            extra["conclusion_reason"] = "review_lapsed"
        return status, current, extra

    @staticmethod
    def _ago(days: int) -> dt.date:
        return TODAY - dt.timedelta(days=max(days, 0))

    def _due(self, age: int, start_offset: int, period: int) -> dt.date:
        return TODAY - dt.timedelta(days=max(age - start_offset, 0)) + dt.timedelta(days=period)

    def _id(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind]

    @staticmethod
    def _query_code(n: int) -> str:
        alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        value = (n * 2654435761 + 12345) % (32**10)  # a bijection on 0..32**10-1: unique codes
        out = []
        for _ in range(10):
            value, r = divmod(value, 32)
            out.append(alphabet[r])
        return "".join(out)

    # --- batches ----------------------------------------------------------------------------------------------

    def load(self, n: int, batch: int) -> None:
        # Received dates: more items in recent years (the county's petition volume grows). Items are stored in
        # the order they were registered, as in production, so the table's physical order follows time.
        span = (TODAY - FIRST_RECEIVED).days
        self.received_dates = sorted(
            (TODAY - dt.timedelta(days=int(span * (self.rng.random() ** 1.6))) for _ in range(n)), reverse=True
        )
        done = 0
        t0 = time.perf_counter()
        while done < n:
            rows: dict[str, list] = {k: [] for k in self.models}
            for _ in range(min(batch, n - done)):
                self.item(rows)
            done += len(rows["case"])
            with self.conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")
                for kind in ("case", "pet", "access", "clock", "event"):
                    self._copy(cur, kind, rows[kind])
            self.conn.commit()
            rate = done / (time.perf_counter() - t0)
            log(f"  bulk-loaded {done:,}/{n:,} items ({rate:,.0f} items/s)")

    def _copy(self, cur, kind: str, rows: list[dict]) -> None:
        fields = self.columns[kind]
        table = self.models[kind]._meta.db_table
        names = ", ".join(f'"{f.column}"' for f in fields)
        defaults = {f.attname: (f.get_default() if f.has_default() or not f.null else None) for f in fields}
        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])


def drop_plain_indexes(conn) -> list[str]:
    """Drop indexes that back no constraint on the big tables; return their definitions."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [BIG_TABLES],
        )
        found = cur.fetchall()
        for name, _ in found:
            cur.execute(f'DROP INDEX "{name}"')
    conn.commit()
    return [d for _, d in found]


def rebuild(conn, definitions: list[str]) -> None:
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")
        # the expensive GIN expression index last, so the progress log shows it separately
        for sql in sorted(definitions, key=lambda d: "gin" in d.lower()):
            t0 = time.perf_counter()
            cur.execute(sql)
            conn.commit()
            log(f"  {time.perf_counter() - t0:7.1f} s  {sql[:110]}")
        for table in BIG_TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}"
            )
    conn.commit()


def load_database(args) -> None:
    import psycopg
    from django.core.management import call_command

    from xinfang.demo.county import build_county

    log(f"created database {args.db_name} on {args.pg_server}")
    log("migrating")
    call_command("migrate", verbosity=0)
    county = build_county("Bench-2026-password")
    log(f"demo county: {len(county.units)} units, {len(county.logins)} logins")
    with psycopg.connect(f"{args.pg_server}/{args.db_name}") as conn:
        definitions = drop_plain_indexes(conn)
        log(f"dropped {len(definitions)} plain indexes for the load; BULK-LOADING {args.items:,} items with COPY "
            "(services bypassed)")
        loader = Loader(county, random.Random(args.seed), conn)
        t0 = time.perf_counter()
        loader.load(args.items, args.batch)
        log(f"bulk load took {time.perf_counter() - t0:.0f} s; rebuilding indexes")
        rebuild(conn, definitions)
        conn.autocommit = True
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        log(f"VACUUM ANALYZE took {time.perf_counter() - t0:.0f} s")
        for table in BIG_TABLES:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            size = conn.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))").fetchone()[0]
            log(f"  {table:18} {n:>10,} rows  {size}")
        hits = ", ".join(f"{w} {loader.word_hits[w]:,}" for w in WORDS_2 + WORDS_4)
        log(f"items containing each search word: {hits}")


# ============================================================================ measuring


class SqlTimer:
    """``connection.execute_wrapper``: counts statements and keeps the slowest one per page type."""

    def __init__(self) -> None:
        self.page = ""
        self.count = 0
        self.slowest: dict[str, tuple[float, str, object]] = {}

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            self.count += 1
            if self.page and ms > self.slowest.get(self.page, (0.0, "", None))[0]:
                self.slowest[self.page] = (ms, sql, params)


def sample_visible(user, n: int, rng: random.Random) -> list[int]:
    """``n`` random items this user may open: access rows of the units under the user's grants."""
    from xinfang.cases.models import Case, CaseAccess
    from xinfang.orgs import policies
    from xinfang.orgs.models import Unit
    from xinfang.orgs.permissions import Perm

    units = list(Unit.objects.filter(policies.units_q(user, Perm.VIEW)).values_list("pk", flat=True))
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found = set()
    for _ in range(n * 3):
        unit = rng.choice(units)
        pk = (CaseAccess.objects.filter(unit_id=unit, case_id__gte=rng.randrange(1, top + 1))
              .order_by("case_id").values_list("case_id", flat=True).first())
        if pk is not None:
            found.add(pk)
        if len(found) >= n:
            break
    return sorted(found)


def measure(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from xinfang.cases.models import Petitioner
    from xinfang.cases.states import Status
    from xinfang.orgs.models import Unit, User

    rng = random.Random(args.seed + 1)
    registrar = User.objects.get(username="xfj_dengji")
    handler = User.objects.get(username="hkz_chengban")
    supervisor = User.objects.get(username="qhx_ducha")
    units = list(Unit.objects.filter(kind__in=["department", "township"]).values_list("pk", flat=True))
    list_url = reverse("workbench:case_list")
    statuses = [Status.HANDLING, Status.PENDING_SIGN, Status.CONCLUDED, Status.ARCHIVED, Status.DELIVERED]

    def filtered(own_unit):
        start = dt.date(rng.choice((2024, 2025, 2026)), rng.randrange(1, 7), 1)
        end = start + dt.timedelta(days=rng.choice((90, 180)))
        return {"status": rng.choice(statuses), "unit": own_unit or rng.choice(units),
                "received_from": start.isoformat(), "received_to": end.isoformat()}

    users = [("registrar (bureau)", registrar, None), ("township handler (河口镇)", handler, handler.unit_id),
             ("supervisor (county)", supervisor, None)]
    timer = SqlTimer()
    results: dict[tuple[str, str], list[float]] = {}
    statements: dict[tuple[str, str], list[int]] = {}
    with connection.execute_wrapper(timer):
        for label, user, own_unit in users:
            timer.page = ""
            client = Client()
            client.force_login(user)
            visible = sample_visible(user, 300, rng)
            names = list(Petitioner.objects.filter(case_id__in=visible[:60], is_main=True)
                         .values_list("name", flat=True))
            log(f"{label}: sampled {len(visible)} visible items and {len(names)} petitioner names")
            pages = {
                "list first page": lambda: (list_url, {}),
                "filtered (state+unit+dates)": lambda own_unit=own_unit: (list_url, filtered(own_unit)),
                "search 2-char word": lambda: (list_url, {"q": rng.choice(WORDS_2)}),
                "search 4-char word": lambda: (list_url, {"q": rng.choice(WORDS_4)}),
                "search petitioner name": lambda names=names: (list_url, {"q": rng.choice(names)}),
                "overdue filter": lambda: (list_url, {"overdue": "on"}),
                "item page (detail)": lambda visible=visible: (
                    reverse("workbench:case_detail", args=[rng.choice(visible)]), {}),
            }
            for page, make in pages.items():
                timer.page = ""
                for _ in range(args.warmup):
                    url, params = make()
                    resp = client.get(url, params)
                    assert resp.status_code == 200, (url, params, resp.status_code)
                timer.page = page
                times, counts = [], []
                for _ in range(args.requests):
                    url, params = make()
                    before = timer.count
                    t0 = time.perf_counter()
                    resp = client.get(url, params)
                    times.append((time.perf_counter() - t0) * 1000)
                    counts.append(timer.count - before)
                    assert resp.status_code == 200, (url, params, resp.status_code)
                results[(label, page)] = times
                statements[(label, page)] = counts
                log(f"  {label:26} {page:30} p50 {pct(times, 50):6.1f}  p95 {pct(times, 95):6.1f}  "
                    f"max {max(times):7.1f} ms  ({statistics.mean(counts):.1f} SQL statements)")
    return {"results": results, "slowest": timer.slowest, "statements": statements}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(args, data: dict) -> None:
    from django.db import connection

    results = data["results"]
    out = io.StringIO()
    pages = list(dict.fromkeys(page for _, page in results))
    print("\n=== server time per request (ms), Django test Client in-process, "
          f"{args.requests} requests per user and page after {args.warmup} warm-up ===", file=out)
    print(f"{'page type':30} {'user':26} {'p50':>7} {'p95':>7} {'max':>8} {'SQL/req':>8}", file=out)
    for page in pages:
        everyone = []
        for (label, p), times in results.items():
            if p != page:
                continue
            everyone += times
            sql = statistics.mean(data["statements"][(label, p)])
            print(f"{page:30} {label:26} {pct(times, 50):7.1f} {pct(times, 95):7.1f} {max(times):8.1f} {sql:8.1f}",
                  file=out)
        flag = "ok" if pct(everyone, 95) <= TARGET_P95_MS else f"OVER {TARGET_P95_MS:.0f} ms TARGET"
        print(f"{page:30} {'ALL USERS':26} {pct(everyone, 50):7.1f} {pct(everyone, 95):7.1f} "
              f"{max(everyone):8.1f}   {flag}", file=out)
    print(out.getvalue(), flush=True)

    print("=== slowest SQL statement per page type ===", flush=True)
    for page, (ms, sql, params) in data["slowest"].items():
        print(f"\n--- {page}: {ms:.1f} ms", flush=True)
        if ms < args.explain_ms:
            print(f"    (under {args.explain_ms:.0f} ms: no EXPLAIN) {sql[:300]}", flush=True)
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(sql[:2000], "\nparams:", params, flush=True)
            print("\n".join(r[0] for r in cur.fetchall()), flush=True)


def main() -> None:
    args = parse_args()
    db_url = f"{args.pg_server}/{args.db_name}"
    if not args.reuse:
        recreate_database(args.pg_server, args.db_name)
    setup_django(db_url + ("?options=-c%20jit%3Doff" if args.jit_off else ""))
    from django.db import connection

    log(f"PostgreSQL {connection.cursor().connection.info.server_version}; database {args.db_name}")
    if not args.reuse:
        load_database(args)
    else:
        from xinfang.cases.models import Case

        log(f"reusing {args.db_name}: {Case.objects.count():,} items (bulk-loaded earlier)")
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        log(f"jit = {cur.fetchone()[0]}")
    data = measure(args)
    report(args, data)


if __name__ == "__main__":
    main()
