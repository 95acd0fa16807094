"""Concurrency on PostgreSQL: two app servers acting on one item at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.states import Status
from xinfang.core.errors import XinfangError

# transactional_db (requested first by each test): the threads must see committed rows.
pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL（行锁与 SKIP LOCKED）")


def run_together(*funcs):
    barrier = threading.Barrier(len(funcs))
    results: list = [None] * len(funcs)

    def runner(i, f):
        try:
            barrier.wait()
            results[i] = ("ok", f())
        except XinfangError as exc:
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_simultaneous_moves_exactly_one_wins(transactional_db, petition, county):
    for _ in range(5):  # repeat: the race must be decided the same way whoever gets the lock first
        case = drive(petition, county, Status.PENDING_SIGN)
        results = run_together(
            lambda c=case: s.case_sign(case=c, actor=county.li, on=D(2026, 9, 3)),
            lambda c=case: s.case_object(case=c, actor=county.li, reason="该事项属县住建局职责，不属本镇", on=D(2026, 9, 3)),
        )
        outcomes = sorted(r[0] for r in results)
        assert outcomes == ["error", "ok"], results
        loser = next(r[1] for r in results if r[0] == "error")
        assert "当前状态为「" in str(loser) and "请刷新后重试" in str(loser)
        fresh = Case.objects.get(pk=case.pk)
        events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
        assert [e.action for e in events][:2] == ["register", "forward"]
        assert len(events) == 3 and events[2].to_status == fresh.status
        assert events[2].from_status == Status.PENDING_SIGN


def test_two_ticks_at_once_never_process_an_item_twice(transactional_db, petition, county):
    items = [drive(petition, county, Status.DELIVERED) for _ in range(12)]
    results = run_together(
        lambda: s.run_daily_tick(today=D(2026, 11, 24), batch=3),
        lambda: s.run_daily_tick(today=D(2026, 11, 24), batch=3),
    )
    assert all(r[0] == "ok" for r in results), results
    total = sum(r[1].concluded for r in results)
    assert total == len(items)
    for item in items:
        assert CaseEvent.objects.filter(case=item, action="lapse").count() == 1
        assert CaseEvent.objects.filter(case=item, action="evaluation_overdue").count() == 1
