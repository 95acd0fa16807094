"""The running-clock tally the board counts from (``cases.tally``): kept by the state machine, folded by the
daily job, recounted after a bulk load. (Every test of the suite that touches the database also checks the
tally against the clocks when it ends: tests/conftest.py.)"""

from __future__ import annotations

import datetime as dt

from xinfang.cases import services as s
from xinfang.cases import tally
from xinfang.cases.models import Clock, ClockTally
from xinfang.cases.states import Status
from xinfang.supervision import ladder, selectors

from ..cases.helpers import drive

D = dt.date


def _levels(user, today):
    return {(unit, rule): level for unit, rule, level, _ in selectors.board_counts(user, selectors.BoardFilters(), today)}


def test_a_hearing_holds_the_rereview_clock_at_its_level(petition, county):
    item = drive(petition, county, Status.HEARING)
    rereview = item.clocks.get(rule_code="rereview", stopped_on__isnull=True)
    assert rereview.paused and item.hearing_started_on == D(2026, 11, 16)
    row = ClockTally.objects.get(rule_code="rereview", paused_on__isnull=False)
    assert row.paused_on == D(2026, 11, 16) and row.unit_id == county.city.pk and row.n == 1
    # Two months on, a running clock of that period would be overdue; the paused one is judged on the
    # hearing's first day, as the item page judges it.
    later = D(2027, 1, 20)
    expected = ladder.clock_level(rereview, later, item.hearing_started_on)
    assert expected != ladder.level_of(rereview.started_on, rereview.due_on, later)
    assert _levels(county.city_head, later)[(county.city.pk, "rereview")] == expected.value
    item = s.case_end_hearing(case=item, actor=county.city_head, on=D(2026, 11, 18))
    assert not tally.mismatches()
    running = {k[4] for k, n in _summed().items() if k[1] == "rereview" and n}
    assert running == {None}


def _summed():
    from collections import Counter

    total = Counter()
    for row in ClockTally.objects.all():
        total[(row.unit_id, row.rule_code, row.started_on, row.due_on, row.paused_on)] += row.n
    return total


def test_folding_keeps_every_count_and_later_moves_add_to_it(petition, county):
    items = [petition(title=f"拖欠工资{i}") for i in range(3)]
    for item in items:
        s.case_forward(case=item, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    s.case_sign(case=items[0], actor=county.li, on=D(2026, 9, 3))
    before = _summed()
    rows = ClockTally.objects.count()
    left = tally.compact()
    assert left < rows and left == sum(1 for n in before.values() if n)
    assert +_summed() == +before and not tally.mismatches()
    # The folded rows and new deltas add up.
    s.case_accept(case=items[0], actor=county.li, on=D(2026, 9, 4))
    s.case_sign(case=items[1], actor=county.li, on=D(2026, 9, 3))
    assert not tally.mismatches()
    assert ClockTally.objects.count() > left
    assert tally.compact() == sum(1 for n in _summed().values() if n)
    assert not tally.mismatches()


def test_rebuild_recounts_what_a_bulk_load_wrote(petition, county):
    item = petition()
    s.case_forward(case=item, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    # A bulk load (bench, import) writes clocks without the state machine: the tally is then wrong ...
    Clock.objects.create(case=item, rule_code="assigned", started_on=D(2026, 9, 2), due_on=D(2026, 9, 30),
                         unit=county.town)
    assert tally.mismatches() == {(county.town.pk, "assigned", D(2026, 9, 2), D(2026, 9, 30), None): (0, 1)}
    # ... until it is recounted.
    tally.rebuild()
    assert not tally.mismatches()
    assert _levels(county.zhao, D(2026, 9, 3))[(county.town.pk, "assigned")] == "normal"
