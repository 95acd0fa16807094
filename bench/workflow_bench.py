"""Throughput benchmark of registration and of the normal handling path, on SQLite and PostgreSQL.

Run from the project root:

    .venv/bin/python bench/workflow_bench.py --db both --items 100000 [--workers 2]
    .venv/bin/python bench/workflow_bench.py --db postgres --profile [--profile-items 2000]

Every figure comes from the real write path: ``xinfang.cases.services`` (and through it
``workflow.transition`` and the deadline engine). Nothing is bulk-inserted. See bench/README.md.

The parent process never configures Django: database creation happens here with psycopg, and every step that
touches Django runs in a new process (forked workers, spawned helpers) that points ``XINFANG_DATABASE_URL`` at
the benchmark database before ``django.setup()``. That way ``--db both`` can run SQLite and PostgreSQL in one
invocation without the two configurations ever meeting, and each worker owns its own connection.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import multiprocessing as mp
import os
import pstats
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Spawned children import this file as a script, so the project root must be importable from them too.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
PG_DB_NAME = "xinfang_bench"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"

# Received dates stay inside this window and every later step is at most 77 days after receipt, so every
# date is <= LATEST_ACTION and every clock (at most 30 calendar days after delivery, rolled forward over a
# holiday) ends inside 2026: the seeded calendar stops at 2026 and 2027 raises CalendarMissingError by design.
FIRST_RECEIVED = dt.date(2026, 1, 5)
LAST_RECEIVED = dt.date(2026, 8, 31)
LATEST_ACTION = dt.date(2026, 11, 26)
TRANSITIONS_PER_ITEM_PHASE2 = 5  # forward, sign, accept, reply, deliver
BENCH_PASSWORD = "Xinfang-Bench-2026"


# ============================================================================ Django bootstrap (children)


def _bootstrap(db_url: str, debug: bool) -> None:
    """Point this (fresh) process at the benchmark database and set Django up."""
    os.environ["XINFANG_DATABASE_URL"] = db_url
    os.environ["XINFANG_DEBUG"] = "true" if debug else "false"
    os.environ.setdefault("XINFANG_SECRET_KEY", "bench-only-secret-key-not-for-deployment")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


class EngineTimer:
    """Wraps ``compute_deadline`` with a perf_counter accumulator.

    ``workflow._start_clock`` imports the function from ``xinfang.deadlines.services`` at call time, so
    replacing the module attribute is enough to see every call the workflow makes.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def install(self) -> None:
        from xinfang.deadlines import services as deadline_services

        original = deadline_services.compute_deadline

        def timed_compute_deadline(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        deadline_services.compute_deadline = timed_compute_deadline


class DbTimer:
    """An execute_wrapper timing every statement, and separately the statements that allocate case numbers.

    A counter-row UPDATE takes a row lock held until commit, so its time under concurrency is mostly lock
    wait; a PostgreSQL ``nextval`` takes no such lock. Comparing the two shows what the numbering costs.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0
        self.sequence_seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.statements += 1
            if "casenumbersequence" in sql or "nextval(" in sql:
                self.sequence_seconds += elapsed


# ============================================================================ the county


UNIT_TREE = [
    # (attribute, name, code, kind, parent attribute)
    ("city", "市人民政府", "SZF", "city", None),
    ("county", "县委县政府", "XZF", "county", "city"),
    ("bureau", "县信访局", "XFJ", "bureau", "county"),
    ("housing", "县住建局", "ZJJ", "department", "county"),
    ("labour", "县人社局", "RSJ", "department", "county"),
    ("resources", "县自然资源局", "ZRJ", "department", "county"),
    ("police", "县公安局", "GAJ", "legal", "county"),
    ("discipline", "县纪委监委", "JWJ", "discipline", "county"),
    ("town", "东街镇", "DJZ", "township", "county"),
    ("village", "东街村", "DJC", "village", "town"),
    ("town2", "西山乡", "XSX", "township", "county"),
    ("village2", "石门村", "SMC", "village", "town2"),
]

# Units that receive forwarded items in phase 2, each with a handler (sign/accept/handle).
HANDLING_UNITS = ["town", "town2", "housing", "labour", "resources"]

USERS = [
    # (username, full name, home unit, [(role, unit)])
    ("zhang", "张登记", "bureau", [("registrar", "bureau")]),
    ("bureau_head", "信访局长", "bureau", [("unit_head", "bureau")]),
    ("li", "李承办", "town", [("handler", "town")]),
    ("li_head", "李镇长", "town", [("unit_head", "town")]),
    ("town_sec", "东街镇党委书记", "town", [("leader", "town")]),
    ("xs", "西山承办", "town2", [("handler", "town2")]),
    ("xs_sec", "西山乡党委书记", "town2", [("leader", "town2")]),
    ("zj", "住建承办", "housing", [("handler", "housing")]),
    ("rs", "人社承办", "labour", [("handler", "labour")]),
    ("zr", "自然资源承办", "resources", [("handler", "resources")]),
    ("county_head", "县领导", "county", [("unit_head", "county")]),
]
HANDLER_OF = {"town": "li", "town2": "xs", "housing": "zj", "labour": "rs", "resources": "zr"}


def _setup_county(db_url: str, debug: bool) -> dict[str, Any]:
    """Migrate the fresh database and create the county through the orgs services (child process)."""
    _bootstrap(db_url, debug)
    from django.core.management import call_command
    from django.test.utils import override_settings

    from xinfang.orgs.services import unit_create, user_create

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter() - started

    units: dict[str, Any] = {}
    for attr, name, code, kind, parent in UNIT_TREE:
        units[attr] = unit_create(name=name, code=code, kind=kind, parent=units[parent] if parent else None)
    # The production hasher costs about a second per user; that is set-up time, not what is measured.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        users = {
            username: user_create(
                username=username,
                password=BENCH_PASSWORD,
                full_name=full_name,
                unit=units[home],
                roles=[(role, units[scope]) for role, scope in grants],
            )
            for username, full_name, home, grants in USERS
        }
    # Heads and party secretaries receive the group-visit alerts, as in the test county.
    for unit_attr, head, secretary in (("bureau", "bureau_head", None), ("town", "li_head", "town_sec"),
                                       ("town2", None, "xs_sec")):
        unit = units[unit_attr]
        unit.head = users[head] if head else None
        unit.party_secretary = users[secretary] if secretary else None
        unit.save()
    return {"migrate_seconds": round(migrated, 2), "units": len(units), "users": len(users)}


class County:
    """The county as loaded inside a worker process (units by attribute, users by username)."""

    def __init__(self) -> None:
        from xinfang.cases.models import Category
        from xinfang.orgs.models import Unit, User

        by_code = {u.code: u for u in Unit.objects.all()}
        self.units = {attr: by_code[code] for attr, _, code, _, _ in UNIT_TREE}
        self.users = {u.username: u for u in User.objects.select_related("unit")}
        # Leaf categories only: a registrar classifies to the most specific level available.
        categories = list(Category.objects.filter(is_active=True))
        parents = {c.parent_id for c in categories if c.parent_id}
        self.categories = [c for c in categories if c.pk not in parents]

    def unit(self, attr: str) -> Any:
        return self.units[attr]

    def user(self, username: str) -> Any:
        return self.users[username]


# ============================================================================ realistic input data


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅德福金凤春海燕"
REGION_CODES = ["330781", "330782", "330783", "330784", "330702", "330703", "330723", "330726", "330727"]
STREETS = ["人民路", "解放街", "东街", "西山路", "石门路", "工业大道", "滨江路", "文化路"]
MATTERS = [
    ("拖欠工资", "{place}{project}工程拖欠工人工资",
     "本人在{place}{project}工程务工，工程结束{months}个月仍未结清工资共计{amount}元，多次讨要无果，请求督促支付。",
     "支付拖欠工资{amount}元"),
    ("征地补偿", "{place}土地征收补偿款未足额发放",
     "{place}第{group}村民小组土地于去年被征收，补偿款至今仍有{amount}元未发放到户，请求依法足额发放。",
     "足额发放征地补偿款{amount}元"),
    ("房屋质量", "{place}安置房漏水开裂问题",
     "{place}安置小区{building}幢房屋交付后外墙开裂、屋顶漏水，物业和开发商互相推诿，请求督促维修。",
     "督促开发商维修房屋"),
    ("社保待遇", "养老保险待遇核定有误",
     "本人于{year}年退休，养老保险缴费年限少计{months}个月，导致待遇偏低，请求重新核定养老金。",
     "重新核定养老保险待遇"),
    ("环境污染", "{place}{project}夜间施工噪声扰民",
     "{place}{project}工地连续{months}周夜间施工至凌晨，噪声严重影响周边居民休息，请求依法查处。",
     "依法查处夜间施工扰民"),
    ("道路建设", "{place}道路破损多年未修",
     "{place}至县城道路破损严重，坑洼积水，雨天无法通行已有{months}个月，请求尽快修复。",
     "修复破损道路"),
    ("干部作风", "反映{place}工作人员办事推诿",
     "本人到{place}办理低保申请，工作人员以材料不全为由推诿{months}次，未一次性告知所需材料，请求调查处理。",
     "调查处理相关工作人员"),
    ("建议", "关于{place}增设公交站点的建议",
     "{place}居民日常出行不便，最近的公交站点步行需{months}十分钟，建议在{street}增设公交站点。",
     "增设公交站点"),
]
# Petitions run to a few hundred characters: the text indexes (bigram GIN on PostgreSQL) cost per character.
DETAILS = [
    "本人曾于今年{month}月到{place}当面反映，工作人员答复会尽快研究，但至今没有任何结果。",
    "为此事本人先后拨打12345热线{times}次，每次都说已转相关部门办理，问题始终没有解决。",
    "该问题涉及{people}户群众的切身利益，大家意见很大，多次聚集讨论，担心事态扩大。",
    "相关单位负责人曾口头承诺在{month}月底前解决，但到期后以各种理由推脱，不再接听电话。",
    "本人家庭困难，老人常年卧病，孩子还在上学，全家收入主要依靠打工，拖欠款项对生活影响很大。",
    "现附上合同复印件、欠条、照片等材料共{times}份，恳请领导重视，派人实地调查核实。",
    "我们并非无理取闹，只希望按照国家政策依法依规解决，如有需要本人愿意配合调查。",
    "此前已向{place}递交过书面材料，对方称不属于其职责范围，让我们另找部门，来回推诿。",
    "周边群众对此反映强烈，多次向村委会和镇政府反映，均未得到明确答复和处理意见。",
    "恳请上级部门督促有关单位尽快依法处理，给群众一个明确的说法，保障我们的合法权益。",
]
PROJECTS = ["道路硬化", "安置小区", "污水管网", "学校扩建", "标准厂房", "河道整治", "农贸市场改造"]
PLACES = ["东街村", "东街镇", "西山乡", "石门村", "城南社区", "县开发区"]


def _random_id_number(rng: random.Random) -> str:
    from xinfang.cases.validators import id_check_digit

    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 64))
    first17 = f"{rng.choice(REGION_CODES)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_digit(first17)


def _random_phone(rng: random.Random) -> str:
    if rng.random() < 0.9:
        return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
    return f"0579-8{rng.randrange(0, 10**6):06d}{rng.randrange(0, 10)}"


def _random_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _received_on(rng: random.Random) -> dt.date:
    span = (LAST_RECEIVED - FIRST_RECEIVED).days
    return FIRST_RECEIVED + dt.timedelta(days=rng.randint(0, span))


def make_registration(rng: random.Random, county: County, earlier: list[Any]) -> Any:
    """One realistic RegistrationInput: mixed channels, claim types, group visits, accusations, repeats."""
    from xinfang.cases.services import PetitionerInput, RegistrationInput

    _, title_tpl, content_tpl, _ = rng.choice(MATTERS)
    content_tpl += "".join(rng.sample(DETAILS, rng.randint(2, 8)))
    words = {
        "place": rng.choice(PLACES),
        "project": rng.choice(PROJECTS),
        "months": rng.randint(2, 9),
        "amount": rng.randrange(3000, 300000, 100),
        "group": rng.randint(1, 12),
        "building": rng.randint(1, 30),
        "year": rng.randint(2015, 2025),
        "street": rng.choice(STREETS),
        "month": rng.randint(1, 8),
        "times": rng.randint(2, 9),
        "people": rng.randint(3, 120),
    }
    channel = rng.choices(["letter", "visit", "online", "call", "fax"], weights=[30, 25, 35, 8, 2])[0]
    claim_type = rng.choices(["appeal", "suggestion", "accusation"], weights=[70, 15, 15])[0]
    purpose = {
        "appeal": rng.choice(["request", "request", "complaint"]),
        "suggestion": rng.choice(["advice", "consult"]),
        "accusation": "expose",
    }[claim_type]

    roll = rng.random()
    if roll < 0.03:  # group visit or joint letter: 5-40 people, up to five named representatives
        people_count = rng.randint(5, 40)
        named = rng.randint(1, 5)
    elif roll < 0.10:
        people_count = rng.randint(2, 4)
        named = people_count
    else:
        people_count, named = 1, 1
    petitioners = [
        PetitionerInput(
            name=_random_name(rng),
            id_number=_random_id_number(rng) if rng.random() < 0.85 else "",
            phone=_random_phone(rng) if rng.random() < 0.95 else "",
            address=f"{rng.choice(PLACES)}{rng.choice(STREETS)}{rng.randint(1, 200)}号",
            is_representative=people_count >= 5,
        )
        for _ in range(named)
    ]

    accused_unit, accused_person = None, ""
    if claim_type == "accusation":
        accused_unit = county.unit(rng.choice(["village", "village2", "police"]))
        accused_person = _random_name(rng) if rng.random() < 0.6 else ""
    problem_place = county.unit(rng.choice(["village", "village2", "town", "town2", "county"]))
    return RegistrationInput(
        channel=channel,
        received_on=_received_on(rng),
        title=title_tpl.format(**words),
        content=content_tpl.format(**words),
        claim_type=claim_type,
        purpose=purpose,
        petitioners=petitioners,
        people_count=people_count,
        category=rng.choice(county.categories) if rng.random() < 0.9 else None,
        problem_place=problem_place,
        problem_address=f"{problem_place.name}{rng.choice(STREETS)}",
        accused_unit=accused_unit,
        accused_person=accused_person,
        is_confidential=claim_type == "accusation" and rng.random() < 0.5,
        is_skip_level=rng.random() < 0.03,
        earlier_items=[rng.choice(earlier)] if earlier and rng.random() < 0.02 else [],
    )


# ============================================================================ phase workers


@dataclass
class WorkerResult:
    worker: int
    items: int = 0
    transitions: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    started: float = 0.0  # time.monotonic(): CLOCK_MONOTONIC is system-wide, so comparable across processes
    finished: float = 0.0
    engine_seconds: float = 0.0
    engine_calls: int = 0
    db_seconds: float = 0.0
    statements: int = 0
    sequence_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this worker process
    server_cpu_seconds: float = 0.0  # its PostgreSQL backend process (0 for SQLite: in-process)
    machine_busy_start: float = 0.0  # busy CPU seconds of the whole machine (/proc/stat) at start and end
    machine_busy_end: float = 0.0
    pks: list[int] = field(default_factory=list)
    failure: str = ""


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle since boot (0 where /proc is missing)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / _CLOCK_TICKS


def _process_cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime


class CpuMeter:
    """CPU spent by this worker, by its PostgreSQL backend and by the whole machine over the timed loop.

    Wall-clock throughput on a shared machine depends on what else runs; CPU per item does not (much), and
    the machine total shows how much of the CPUs other processes took during the phase.
    """

    def __init__(self, connection: Any) -> None:
        self.backend_pid: int | None = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
            # Only a server on this machine can be measured; the pid must really be a postgres process here.
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                    self.backend_pid = pid
            except OSError:
                pass

    def start(self, result: WorkerResult) -> None:
        self._own = time.process_time()
        self._server = _process_cpu_seconds(self.backend_pid)
        result.machine_busy_start = _machine_busy_seconds()

    def stop(self, result: WorkerResult) -> None:
        result.machine_busy_end = _machine_busy_seconds()
        result.cpu_seconds = time.process_time() - self._own
        result.server_cpu_seconds = _process_cpu_seconds(self.backend_pid) - self._server


def _note_error(result: WorkerResult, exc: Exception) -> None:
    result.errors += 1
    if len(result.error_samples) < 5:
        result.error_samples.append(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")


def _warm_up() -> None:
    """Load the calendar and rule caches before the clock starts; they are per-process, built once."""
    from xinfang.deadlines.services import compute_deadline

    compute_deadline("handling", dt.date(2026, 3, 2))
    compute_deadline("objection", dt.date(2026, 3, 2))


def _progress(label: str, worker: int, done: int, total: int, started: float) -> None:
    step = max(total // 10, 1)
    if done % step == 0 or done == total:
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"    [{label} w{worker}] {done}/{total} ({rate:,.0f} items/s)", flush=True)


def _finish(result: WorkerResult, meter: CpuMeter, engine: EngineTimer, db: DbTimer) -> None:
    """Close a worker's measurement: end time, CPU, and what the engine and SQL timers collected."""
    result.finished = time.monotonic()
    meter.stop(result)
    result.engine_seconds, result.engine_calls = engine.seconds, engine.calls
    result.db_seconds, result.statements, result.sequence_seconds = db.seconds, db.statements, db.sequence_seconds


def _register_worker(db_url: str, debug: bool, worker: int, count: int, seed: int, barrier: Any, queue: Any) -> None:
    result = WorkerResult(worker=worker)
    try:
        _bootstrap(db_url, debug)
        from django.db import connection

        from xinfang.cases.services import case_register
        from xinfang.orgs.policies import clear_cache

        county = County()
        actor, bureau = county.user("zhang"), county.unit("bureau")
        rng = random.Random(seed)
        _warm_up()
        engine, db, meter = EngineTimer(), DbTimer(), CpuMeter(connection)
        engine.install()
        recent: list[Any] = []
        barrier.wait()
        meter.start(result)
        result.started = time.monotonic()
        with connection.execute_wrapper(db):
            for i in range(1, count + 1):
                data = make_registration(rng, county, recent)
                # Grants are cached per request on the user object; each registration is one request.
                clear_cache(actor)
                try:
                    case = case_register(actor=actor, unit=bureau, data=data)
                except Exception as exc:  # counted and reported, the run goes on
                    _note_error(result, exc)
                    continue
                result.pks.append(case.pk)
                result.items += 1
                result.transitions += 1
                recent.append(case)
                if len(recent) > 200:
                    recent.pop(0)
                _progress("register", worker, i, count, result.started)
        _finish(result, meter, engine, db)
    except Exception:  # the parent prints it; a silent dead worker would hang the barrier
        result.failure = traceback.format_exc()
        barrier.abort()
    queue.put(result)


def _opinion(rng: random.Random, unit: Any, serial: int) -> tuple[Any, list[Any]]:
    from xinfang.cases.services import OpinionInput, RequestOutcome

    requests = rng.randint(1, 3)
    doc = OpinionInput(
        request_summary="请求依法解决所反映的问题",
        facts="经调查核实，信访人反映的情况基本属实，相关单位已说明情况",
        opinion="责令相关单位于30日内依法处理并书面告知信访人",
        legal_basis="《信访工作条例》第三十二条",
    )
    items = [
        RequestOutcome(
            request=f"第{k}项诉求",
            outcome=rng.choices(["support", "explain", "reject"], weights=[50, 35, 15])[0],
            explanation="已向信访人当面说明",
        )
        for k in range(1, requests + 1)
    ]
    return doc, items


def _advance_one(case: Any, county: County, rng: random.Random) -> Any:
    """forward → sign → accept → reply → deliver, with dates after the receipt date (see LATEST_ACTION)."""
    from xinfang.cases import services as s
    from xinfang.orgs.policies import clear_cache

    day = dt.timedelta(days=1)
    forward_on = case.received_on + rng.randint(0, 6) * day
    sign_on = forward_on + rng.randint(0, 3) * day
    accept_on = sign_on + rng.randint(0, 7) * day
    reply_on = accept_on + rng.randint(5, 55) * day
    deliver_on = reply_on + rng.randint(0, 6) * day
    assert deliver_on <= LATEST_ACTION, deliver_on

    target_attr = rng.choice(HANDLING_UNITS)
    target = county.unit(target_attr)
    registrar, handler = county.user("zhang"), county.user(HANDLER_OF[target_attr])
    # Each step is its own request in the product, so the per-request grant cache starts empty each time.
    clear_cache(registrar)
    case = s.case_forward(case=case, actor=registrar, target=target, on=forward_on)
    clear_cache(handler)
    case = s.case_sign(case=case, actor=handler, on=sign_on)
    clear_cache(handler)
    case = s.case_accept(case=case, actor=handler, on=accept_on)
    doc, items = _opinion(rng, target, case.pk)
    clear_cache(handler)
    case = s.case_reply(case=case, actor=handler, doc=doc, items=items, on=reply_on)
    clear_cache(handler)
    return s.case_deliver(method="post", case=case, actor=handler, delivered_on=deliver_on)


def _advance_worker(db_url: str, debug: bool, worker: int, pks: list[int], seed: int, barrier: Any, queue: Any) -> None:
    result = WorkerResult(worker=worker)
    try:
        _bootstrap(db_url, debug)
        from django.db import connection

        from xinfang.cases.models import Case

        county = County()
        _warm_up()
        engine, db, meter = EngineTimer(), DbTimer(), CpuMeter(connection)
        engine.install()
        total = len(pks)
        barrier.wait()
        meter.start(result)
        result.started = time.monotonic()
        done = 0
        with connection.execute_wrapper(db):
            # The list pages load items in pages too; one query per 500 items is negligible either way.
            for offset in range(0, total, 500):
                batch = Case.objects.select_related("current_unit", "accused_unit").in_bulk(pks[offset : offset + 500])
                for pk in pks[offset : offset + 500]:
                    done += 1
                    try:
                        _advance_one(batch[pk], county, random.Random(seed * 1_000_003 + pk))
                    except Exception as exc:  # counted and reported, the run goes on
                        _note_error(result, exc)
                        continue
                    result.items += 1
                    result.transitions += TRANSITIONS_PER_ITEM_PHASE2
                    _progress("advance", worker, done, total, result.started)
        _finish(result, meter, engine, db)
    except Exception:  # the parent prints it; a silent dead worker would hang the barrier
        result.failure = traceback.format_exc()
        barrier.abort()
    queue.put(result)


def _database_census(db_url: str, debug: bool) -> dict[str, Any]:
    """Row counts and statuses after the run: the sanity check that every item really moved."""
    _bootstrap(db_url, debug)
    from django.db.models import Count

    from xinfang.cases.models import Case, CaseEvent, Clock, Notification, Opinion, Petitioner

    return {
        "cases": Case.objects.count(),
        "by_status": dict(Case.objects.values_list("status").annotate(n=Count("pk")).order_by("status")),
        "events": CaseEvent.objects.count(),
        "clocks": Clock.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "opinions": Opinion.objects.count(),
        "notifications": Notification.objects.count(),
        "late_deliveries": Clock.objects.filter(rule_code="handling", on_time=False).count(),
    }


# ============================================================================ parent: orchestration


@dataclass
class PhaseFigures:
    database: str
    phase: str
    workers: int
    items: int
    transitions: int
    errors: int
    seconds: float
    items_per_s: float
    transitions_per_s: float
    engine_seconds: float
    engine_calls: int
    engine_share: float  # engine time / summed worker busy time
    db_share: float  # time inside cursor.execute (round trips, lock waits) / summed worker busy time
    statements_per_item: float
    sequence_lock_seconds: float
    cpu_ms_per_item: float = 0.0  # worker processes
    server_cpu_ms_per_item: float = 0.0  # their PostgreSQL backends
    cpu_ceiling_items_per_s: float = 0.0  # cores / CPU per item: the most this code can do here if CPU-bound
    other_load: float = 0.0  # share of all cores used by other processes during the phase
    error_samples: list[str] = field(default_factory=list)
    # Other benchmark or test processes seen on the machine during the phase: they share the CPUs, so the
    # figures of such a phase understate the throughput.
    foreign_processes: list[str] = field(default_factory=list)
    code: str = ""  # commit and uncommitted files when the phase's processes started (they import it then)


class ForeignProcessWatch:
    """Polls /proc for benchmark or test runs that are not ours while a phase runs (Linux only)."""

    PATTERNS = ("workflow_bench", "pytest", "manage.py test")

    def __init__(self, interval: float = 2.0) -> None:
        import threading

        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> ForeignProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while True:
            self._scan()
            if self._stop.wait(interval):
                return

    def _scan(self) -> None:
        proc = Path("/proc")
        if not proc.is_dir():
            return
        parents: dict[int, int] = {}
        commands: dict[int, str] = {}
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            # Only Python programs count: a grep or tail whose arguments mention a pattern does not load the CPU.
            if "python" in Path(argv[0]).name or Path(argv[0]).name.startswith("pytest"):
                commands[int(entry.name)] = " ".join(argv).strip()
        me = os.getpid()
        for pid, command in commands.items():
            if not any(p in command for p in self.PATTERNS) or pid in self.seen:
                continue
            ancestor, hops = pid, 0
            while ancestor not in (0, 1, me) and hops < 50:
                ancestor, hops = parents.get(ancestor, 0), hops + 1
            if ancestor != me:
                self.seen[pid] = command[:160]


def _spawn() -> Any:
    return mp.get_context("spawn")


def _worker_context() -> Any:
    # The parent never sets Django up or keeps a connection open, so forking is safe and saves each worker
    # the interpreter start; the workers then also show the benchmark's own command line in ps.
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _call_in_child(func: Any, *args: Any) -> Any:
    """Run ``func`` in a brand-new process, so it configures Django for exactly one database."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_spawn()) as pool:
        return pool.submit(func, *args).result()


def _run_phase(label: str, database: str, target: Any, jobs: list[tuple[Any, ...]], db_url: str, debug: bool) -> tuple[
    PhaseFigures, list[WorkerResult]
]:
    code = code_version()
    ctx = _worker_context()
    barrier = ctx.Barrier(len(jobs))
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(db_url, debug, worker, *job, barrier, queue), name=f"{label}-{worker}")
        for worker, job in enumerate(jobs)
    ]
    for p in procs:
        p.start()
    # The watch thread starts after the fork: a process forked while another thread runs may inherit a lock
    # held by that thread.
    with ForeignProcessWatch() as watch:
        results = _collect(procs, queue, label, database)
    failures = [r.failure for r in results if r.failure]
    if failures:
        raise RuntimeError(f"{label} on {database}: worker failed:\n" + "\n".join(failures))
    results.sort(key=lambda r: r.worker)
    seconds = max(r.finished for r in results) - min(r.started for r in results)
    busy = sum(r.finished - r.started for r in results) or 1e-9
    items = sum(r.items for r in results)
    transitions = sum(r.transitions for r in results)
    first, last = min(results, key=lambda r: r.started), max(results, key=lambda r: r.finished)
    ours = sum(r.cpu_seconds + r.server_cpu_seconds for r in results)
    machine = last.machine_busy_end - first.machine_busy_start
    cores = os.cpu_count() or 1
    cpu_per_item = ours / max(items, 1)
    figures = PhaseFigures(
        database=database,
        phase=label,
        workers=len(jobs),
        items=items,
        transitions=transitions,
        errors=sum(r.errors for r in results),
        seconds=round(seconds, 2),
        items_per_s=round(items / seconds, 1),
        transitions_per_s=round(transitions / seconds, 1),
        engine_seconds=round(sum(r.engine_seconds for r in results), 3),
        engine_calls=sum(r.engine_calls for r in results),
        engine_share=round(sum(r.engine_seconds for r in results) / busy, 4),
        db_share=round(sum(r.db_seconds for r in results) / busy, 4),
        statements_per_item=round(sum(r.statements for r in results) / max(items, 1), 2),
        sequence_lock_seconds=round(sum(r.sequence_seconds for r in results), 2),
        error_samples=[e for r in results for e in r.error_samples][:5],
        cpu_ms_per_item=round(1000 * sum(r.cpu_seconds for r in results) / max(items, 1), 2),
        server_cpu_ms_per_item=round(1000 * sum(r.server_cpu_seconds for r in results) / max(items, 1), 2),
        # A worker waits while its server works, so each does at most 1 / (CPU per item); cores cap the total.
        cpu_ceiling_items_per_s=round(min(cores, len(jobs)) / cpu_per_item, 1) if cpu_per_item else 0.0,
        other_load=round(max(machine - ours, 0.0) / (cores * seconds), 3) if machine > 0 else 0.0,
        foreign_processes=[f"{pid}: {cmd}" for pid, cmd in sorted(watch.seen.items())],
        code=code,
    )
    return figures, results


def _collect(procs: list[Any], queue: Any, label: str, database: str) -> list[WorkerResult]:
    """Every worker's result; fails at once if a worker dies without reporting (killed, out of memory)."""
    import queue as queue_module

    results: list[WorkerResult] = []
    # Drain before join: a child blocks on exit until its (possibly large) result has been read.
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=5))
        except queue_module.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                codes = ", ".join(f"{p.name} exit code {p.exitcode}" for p in dead)
                raise RuntimeError(f"{label} on {database}: worker died without a result ({codes})") from None
    for p in procs:
        p.join()
    return results


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _chunks(values: list[int], parts: int) -> list[list[int]]:
    sizes = _split(len(values), parts)
    out, start = [], 0
    for size in sizes:
        out.append(values[start : start + size])
        start += size
    return out


# ---------------------------------------------------------------------------- fresh databases


def _fresh_sqlite(keep_dir: list[Path]) -> str:
    directory = Path(tempfile.mkdtemp(prefix="xinfang-bench-"))
    keep_dir.append(directory)
    return f"sqlite:///{directory / 'bench.sqlite3'}"


def _fresh_postgres(server: str, name: str = PG_DB_NAME) -> str | None:
    """Drop and create the benchmark database; None (after a loud message) when the server is unreachable."""
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"--pg-db {name!r}: use lower-case letters, digits and underscores")
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            # FORCE ends other sessions on it: a second benchmark run must use its own --pg-db.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        banner = "!" * 78
        print(f"\n{banner}\n!! PostgreSQL at {server} is unreachable — SKIPPING the PostgreSQL run.\n"
              f"!! {str(exc).strip()}\n{banner}\n", flush=True)
        return None
    return f"{server}/{name}"


def _describe_server(db_url: str) -> str:
    if db_url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


# ---------------------------------------------------------------------------- one database, both phases


def run_database(
    database: str, db_url: str, items: int, workers: int, advance_items: int | None, args: argparse.Namespace
) -> dict[str, Any]:
    print(f"\n=== {database}: {items:,} items, {workers} worker process(es) — {_describe_server(db_url)}", flush=True)
    setup = _call_in_child(_setup_county, db_url, args.debug)
    print(f"    migrated in {setup['migrate_seconds']} s; county: {setup['units']} units, {setup['users']} users",
          flush=True)

    jobs1 = [(count, args.seed + worker) for worker, count in enumerate(_split(items, workers))]
    phase1, results1 = _run_phase("register", database, _register_worker, jobs1, db_url, args.debug)
    _print_phase(phase1)

    pks = sorted(pk for r in results1 for pk in r.pks)
    if advance_items is not None and advance_items < len(pks):
        # The earliest-registered items, so the subset keeps the spread of received dates of the whole run.
        print(f"    advancing only the first {advance_items:,} of {len(pks):,} registered items", flush=True)
        pks = pks[:advance_items]
    jobs2 = [(chunk, args.seed) for chunk in _chunks(pks, workers)]
    phase2, _ = _run_phase("advance", database, _advance_worker, jobs2, db_url, args.debug)
    _print_phase(phase2)
    if phase2.code != phase1.code:
        print(f"    !! the application code changed between the phases: {phase1.code} → {phase2.code}", flush=True)

    census = _call_in_child(_database_census, db_url, args.debug)
    print(f"    census: {census}", flush=True)
    if census["by_status"].get("delivered", 0) != phase2.items or census["cases"] != phase1.items:
        print("    !! census does not match the counts reported by the workers", flush=True)
    return {"database": database, "server": _describe_server(db_url), "setup": setup,
            "phases": [asdict(phase1), asdict(phase2)], "census": census}


def _print_phase(f: PhaseFigures) -> None:
    print(
        f"    {f.phase}: {f.items:,} items in {f.seconds:.1f} s = {f.items_per_s:,.1f} items/s, "
        f"{f.transitions_per_s:,.1f} transitions/s; deadline engine {f.engine_seconds:.2f} s over "
        f"{f.engine_calls:,} calls = {f.engine_share:.2%} of worker time; in SQL {f.db_share:.0%}; "
        f"{f.statements_per_item:.1f} statements/item; errors {f.errors}",
        flush=True,
    )
    print(
        f"    CPU per item: {f.cpu_ms_per_item:.2f} ms Python + {f.server_cpu_ms_per_item:.2f} ms database server → "
        f"at most {f.cpu_ceiling_items_per_s:,.0f} items/s with {f.workers} worker(s) on {os.cpu_count()} cores if "
        f"CPU-bound; other processes "
        f"used {f.other_load:.0%} of the cores meanwhile",
        flush=True,
    )
    for sample in f.error_samples:
        print(f"      error: {sample}", flush=True)
    if f.foreign_processes:
        print(f"    !! {len(f.foreign_processes)} other benchmark/test process(es) ran during this phase and shared "
              "the CPUs; these figures are low:", flush=True)
        for line in f.foreign_processes[:6]:
            print(f"       {line}", flush=True)


def print_table(runs: list[dict[str, Any]]) -> None:
    header = ("database", "phase", "workers", "items", "seconds", "items/s", "transitions/s", "engine s",
              "engine share", "SQL share", "numbering s", "stmts/item", "CPU ms/item", "CPU ceiling/s",
              "other load", "errors")
    rows = [header]
    for run in runs:
        for p in run["phases"]:
            rows.append((
                run["database"], p["phase"], str(p["workers"]), f"{p['items']:,}", f"{p['seconds']:.1f}",
                f"{p['items_per_s']:,.1f}", f"{p['transitions_per_s']:,.1f}", f"{p['engine_seconds']:.2f}",
                f"{p['engine_share']:.2%}", f"{p['db_share']:.0%}", f"{p['sequence_lock_seconds']:.1f}",
                f"{p['statements_per_item']:.1f}",
                f"{p['cpu_ms_per_item']:.2f}+{p['server_cpu_ms_per_item']:.2f}",
                f"{p['cpu_ceiling_items_per_s']:,.0f}", f"{p['other_load']:.0%}", str(p["errors"]),
            ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    line = "-+-".join("-" * w for w in widths)
    print("\n" + line)
    for n, row in enumerate(rows):
        print(" | ".join(cell.rjust(w) if n and i > 1 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths,
                                                                                                          strict=True))))
        if n == 0:
            print(line)
    print(line)
    print("engine share, SQL share: time inside compute_deadline / cursor.execute, summed over workers, divided by "
          "the workers' summed busy time.\nnumbering s: time in the statements that allocate case numbers (counter "
          "row UPDATE: mostly row-lock wait under concurrency; or PostgreSQL nextval), summed over workers.\n"
          "CPU ms/item: worker + database server process; CPU ceiling/s: min(workers, cores) / CPU per item, the "
          "throughput if nothing but CPU limited it.\nother load: share of all cores used by other processes during the phase "
          "(above ~10% the wall-clock figures are low).")


# ============================================================================ --profile


_TABLE_RE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?', re.IGNORECASE)


def _statement_kind(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK"}:
        return verb
    match = _TABLE_RE.search(sql)
    # Statements without a table (SELECT nextval(...), CREATE SEQUENCE ...) are shown by their opening words.
    return f"{verb} {match.group(1)}" if match else " ".join(sql.split()[:2])[:40]


class QueryRecorder:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = _statement_kind(sql)
            self.kinds[kind] += 1
            self.seconds[kind] += time.perf_counter() - started
            self.count += 1


def _profile_worker(db_url: str, debug: bool, items: int, census_items: int, seed: int) -> dict[str, Any]:
    """Query census of registration and of each phase-2 step, then cProfile of ``items`` registrations."""
    _bootstrap(db_url, debug)
    from django.db import connection

    from xinfang.cases import services as s
    from xinfang.orgs.policies import clear_cache

    county = County()
    actor, bureau = county.user("zhang"), county.unit("bureau")
    rng = random.Random(seed)
    _warm_up()

    # 1. Statements per registration, by kind (BEGIN/COMMIT are not statements Django sends through cursors).
    recorder = QueryRecorder()
    census_cases = []
    with connection.execute_wrapper(recorder):
        for _ in range(census_items):
            clear_cache(actor)
            census_cases.append(s.case_register(actor=actor, unit=bureau, data=make_registration(rng, county, [])))
    register_census = {
        "statements_per_registration": recorder.count / census_items,
        "by_kind": {k: round(v / census_items, 2) for k, v in recorder.kinds.most_common()},
        "sql_ms_by_kind": {k: round(1000 * v / census_items, 3) for k, v in recorder.seconds.most_common()},
    }

    # 2. Statements per phase-2 step (one recorder per step; the steps of _advance_one, inlined).
    step_counts: dict[str, Counter[str]] = {}
    for case in census_cases:
        item_rng = random.Random(seed + case.pk)
        target_attr = item_rng.choice(HANDLING_UNITS)
        target, handler, registrar = county.unit(target_attr), county.user(HANDLER_OF[target_attr]), county.user("zhang")
        on = case.received_on + dt.timedelta(days=2)
        doc, items_ = _opinion(item_rng, target, case.pk)
        steps = [
            ("forward", lambda c, t=target, a=registrar, d=on: s.case_forward(case=c, actor=a, target=t, on=d)),
            ("sign", lambda c, a=handler, d=on: s.case_sign(case=c, actor=a, on=d)),
            ("accept", lambda c, a=handler, d=on: s.case_accept(case=c, actor=a, on=d)),
            ("reply", lambda c, a=handler, d=on, o=doc, i=items_: s.case_reply(case=c, actor=a, doc=o, items=i,
                                                                              on=d + dt.timedelta(days=20))),
            ("deliver", lambda c, a=handler, d=on: s.case_deliver(method="post", case=c, actor=a,
                                                                 delivered_on=d + dt.timedelta(days=22))),
        ]
        for name, step in steps:
            rec = QueryRecorder()
            clear_cache(registrar)
            clear_cache(handler)
            with connection.execute_wrapper(rec):
                case = step(case)
            step_counts.setdefault(name, Counter()).update(rec.kinds)
    advance_census = {
        name: {"statements": round(sum(c.values()) / census_items, 2),
               "by_kind": {k: round(v / census_items, 2) for k, v in c.most_common()}}
        for name, c in step_counts.items()
    }

    # 3. cProfile of registrations only.
    batch = [make_registration(rng, county, []) for _ in range(items)]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for data in batch:
        clear_cache(actor)
        s.case_register(actor=actor, unit=bureau, data=data)
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(25)
    cumulative = out.getvalue()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(15)
    tottime = out.getvalue()
    # Where the time of the two entry points goes, one level down: the breakdown the suggestions rest on.
    out = io.StringIO()
    callees = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    callees.print_callees(r"services.py:\d+\((case_register|_next_number)\)")
    callees.print_callees(r"workflow.py:\d+\(transition\)")
    return {
        "register_census": register_census,
        "advance_census": advance_census,
        "profile_items": items,
        "profile_seconds": round(elapsed, 2),
        "profile_items_per_s": round(items / elapsed, 1),
        "top_cumulative": cumulative,
        "top_tottime": tottime,
        "callees": out.getvalue(),
    }


def run_profile(database: str, db_url: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n=== profile on {database} — {_describe_server(db_url)}", flush=True)
    _call_in_child(_setup_county, db_url, args.debug)
    report = _call_in_child(_profile_worker, db_url, args.debug, args.profile_items, args.census_items, args.seed)
    rc = report["register_census"]
    print(f"\n-- SQL statements per registration (mean over {args.census_items}; BEGIN/COMMIT not included): "
          f"{rc['statements_per_registration']:.2f}")
    for kind, n in rc["by_kind"].items():
        print(f"   {n:6.2f}  {kind:<40} {rc['sql_ms_by_kind'][kind]:8.3f} ms")
    print("\n-- SQL statements per phase-2 step:")
    for name, c in report["advance_census"].items():
        print(f"   {name:<8} {c['statements']:5.2f}  " + ", ".join(f"{k}×{v:g}" for k, v in c["by_kind"].items()))
    print(f"\n-- cProfile: {report['profile_items']} registrations in {report['profile_seconds']} s under the profiler "
          f"({report['profile_items_per_s']} items/s, profiler overhead included)")
    print(report["top_cumulative"])
    print("-- by own time (tottime):")
    print(report["top_tottime"])
    print("-- callees of case_register, _next_number and transition (cumulative):")
    print(report["callees"])
    return {"database": database, "server": _describe_server(db_url), "profile": report}


# ============================================================================ main


def code_version() -> str:
    """The commit measured, and whether the application code differed from it: figures are per code state."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "xinfang", "config"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"{head} + uncommitted changes in {', '.join(changed)}" if changed else head


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Xinfang registration and workflow throughput benchmark.")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--items", type=int, default=100_000, help="items per database (default 100000)")
    parser.add_argument("--sqlite-items", type=int, default=None,
                        help="items for SQLite only (default: --items); SQLite is a single writer and slower")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for PostgreSQL (default 2)")
    parser.add_argument("--advance-items", type=int, default=None,
                        help="move only this many items along the path in phase 2 (default: all registered)")
    parser.add_argument("--sqlite-advance-items", type=int, default=None,
                        help="phase-2 items for SQLite only (default: --advance-items)")
    parser.add_argument("--sqlite-workers", type=int, default=1,
                        help="worker processes for SQLite (default 1: SQLite serialises writers anyway)")
    parser.add_argument("--pg-server", default=DEFAULT_PG_SERVER,
                        help="server URL without database name")
    parser.add_argument("--pg-db", default=PG_DB_NAME,
                        help=f"database dropped and recreated for the run (default {PG_DB_NAME}); give concurrent "
                        "runs different names")
    parser.add_argument("--no-debug", dest="debug", action="store_false",
                        help="run with XINFANG_DEBUG=false (as deployed: no per-query debug log)")
    parser.add_argument("--profile", action="store_true", help="profile registration instead of the full run")
    parser.add_argument("--profile-items", type=int, default=2000)
    parser.add_argument("--census-items", type=int, default=50, help="items whose SQL statements are counted")
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite temp file (path is printed)")
    parser.add_argument("--no-json", dest="json", action="store_false", help="do not write bench/results/*.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    temp_dirs: list[Path] = []
    runs: list[dict[str, Any]] = []
    started = time.strftime("%Y%m%d-%H%M%S")
    version = code_version()
    print(f"xinfang workflow bench — {os.cpu_count()} CPUs, python {sys.version.split()[0]}, "
          f"XINFANG_DEBUG={'true' if args.debug else 'false'}, TZ={os.environ.get('TZ', '(unset)')}\n"
          f"code: {version}", flush=True)
    try:
        for database in databases:
            db_url = _fresh_sqlite(temp_dirs) if database == "sqlite" else _fresh_postgres(args.pg_server, args.pg_db)
            if db_url is None:
                continue
            if args.profile:
                runs.append(run_profile(database, db_url, args))
                continue
            if database == "sqlite":
                items, workers = args.sqlite_items or args.items, args.sqlite_workers
                advance = args.sqlite_advance_items or args.advance_items
            else:
                items, workers, advance = args.items, args.workers, args.advance_items
            runs.append(run_database(database, db_url, items, workers, advance, args))
    finally:
        for directory in temp_dirs:
            if args.keep_db:
                print(f"kept SQLite database in {directory}")
            else:
                shutil.rmtree(directory, ignore_errors=True)

    if not args.profile and runs:
        print_table(runs)
    if args.json and runs:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        kind = "profile" if args.profile else "run"
        path = RESULTS_DIR / f"workflow-{kind}-{started}.json"
        meta = {"argv": sys.argv[1:], "cpus": os.cpu_count(), "debug": args.debug, "started": started,
                "code": version}
        path.write_text(json.dumps({"meta": meta, "runs": runs}, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nresults written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
