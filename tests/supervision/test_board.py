"""The supervision board: counts per level × unit × clock type, each a link to its items; scoped by grants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.urls import reverse

from xinfang.cases import services as s
from xinfang.cases.models import ClockTally
from xinfang.supervision import ladder, selectors

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world(petition, county, at):
    at(D(2026, 11, 26))
    town_item = petition()  # at 东街镇 since 9-02: the 受理告知 clock is overdue by far more than its period
    s.case_forward(case=town_item, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    labour_item = petition(title="县人社局社保补缴", received_on=D(2026, 11, 19))
    s.case_forward(case=labour_item, actor=county.zhang, target=county.labour, on=D(2026, 11, 20))
    bureau_item = petition(title="西山乡低保评定", received_on=D(2026, 11, 25))
    return town_item, labour_item, bureau_item


def counts(board):
    return {(row.unit.name, row.rule, level): n for row in board.rows for level, n in row.counts.items()}


def test_county_board_counts_every_unit(world, county):
    board = selectors.board(county.zhao, selectors.BoardFilters())
    # A forwarded item runs two clocks at its unit: 受理告知 (15 days) and 异议期 (5 working days).
    assert counts(board) == {
        ("东街镇", "acceptance_notice", "severe"): 1,
        ("东街镇", "objection", "severe"): 1,
        ("县人社局", "acceptance_notice", "normal"): 1,
        ("县人社局", "objection", "due_soon"): 1,  # 11-23 … 11-27: 6 of 7 days gone
        ("县信访局", "bureau_routing", "normal"): 1,
    }
    assert board.totals == {"severe": 2, "due_soon": 1, "normal": 2}


def test_unit_board_shows_only_its_own_subtree(world, county):
    assert counts(selectors.board(county.wang, selectors.BoardFilters())) == {
        ("县人社局", "acceptance_notice", "normal"): 1, ("县人社局", "objection", "due_soon"): 1}
    assert counts(selectors.board(county.li, selectors.BoardFilters())) == {
        ("东街镇", "acceptance_notice", "severe"): 1, ("东街镇", "objection", "severe"): 1}


def test_filters_township_category_and_start_dates(world, county):
    by_town = selectors.board(county.zhao, selectors.BoardFilters(township=county.town2))
    assert by_town.total == 0  # every item's problem place is 东街村 under 东街镇
    by_town = selectors.board(county.zhao, selectors.BoardFilters(township=county.town))
    assert by_town.total == 5
    recent = selectors.board(county.zhao, selectors.BoardFilters(start_from=D(2026, 11, 1)))
    assert recent.total == 3
    early = selectors.board(county.zhao, selectors.BoardFilters(start_to=D(2026, 9, 30)))
    assert early.total == 2


def test_board_page_links_each_count_to_its_items(client, world, county):
    town_item = world[0]
    client.force_login(county.zhao)
    page = client.get(reverse("supervision:board")).content.decode()
    link = f"/supervision/items/?unit={county.town.pk}&amp;rule=acceptance_notice&amp;level=severe"
    assert link in page
    items = client.get(link.replace("&amp;", "&"))
    assert items.status_code == 200
    assert town_item.number in items.content.decode() and "严重超期" in items.content.decode()
    assert world[1].number not in items.content.decode()


def test_board_counts_in_one_statement(client, world, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.zhao)
    client.get(reverse("supervision:board"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("supervision:board")).status_code == 200
    # The counting is one grouped statement over the running-clock tally, whatever the number of items: the
    # clocks themselves are not read.
    assert sum('"cases_clocktally"' in q["sql"] for q in ctx.captured_queries) == 1
    assert not any('"cases_clock"' in q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= 20


def test_another_units_counts_are_404(client, world, county):
    client.force_login(county.wang)
    assert client.get(reverse("supervision:board") + f"?unit={county.town.pk}").status_code == 404
    assert client.get(reverse("supervision:items") + f"?unit={county.town.pk}").status_code == 404
    page = client.get(reverse("supervision:items") + "?level=severe").content.decode()
    assert world[0].number not in page


def test_anonymous_is_sent_to_login(client):
    for name in ("board", "items", "open_list", "awaiting", "errors"):
        resp = client.get(reverse(f"supervision:{name}"))
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), name


def test_supervisor_home_page_is_the_board(client, world, county):
    client.force_login(county.zhao)
    page = client.get("/").content.decode()
    assert 'data-testid="board"' in page
    client.force_login(county.li)
    assert 'data-testid="board"' not in client.get("/").content.decode()


def test_the_partial_index_covers_the_boards_condition():
    """Migration 0002's index holds exactly the open states the board filters on (same list, same order)."""
    import importlib

    migration = importlib.import_module("xinfang.supervision.migrations.0002_running_clock_index")
    assert migration.OPEN == selectors.OPEN


def _running_units(case):
    return {c.rule_code: c.unit_id for c in case.clocks.filter(stopped_on__isnull=True)}


def test_running_clocks_follow_the_item_through_assign_return_and_forward(petition, county, at):
    """``Clock.unit`` (what the board counts by) is the item's current unit after every move."""
    from xinfang.cases.models import Case

    at(D(2026, 9, 10))
    item = petition()
    assert _running_units(item) == {"bureau_routing": county.bureau.pk}
    # 交办 to the township: the new clocks start there; the stopped routing clock keeps the bureau.
    item = s.case_forward(case=item, actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                          assign_due_on=D(2026, 9, 30))
    assert _running_units(item) == {"objection": county.town.pk, "acceptance_notice": county.town.pk,
                                    "assigned": county.town.pk}
    assert item.clocks.get(rule_code="bureau_routing").unit_id == county.bureau.pk
    # 异议 returns the item to the bureau: its still-running clocks move with it.
    item = s.case_object(case=item, actor=county.li, reason="该事项属县住建局职责，不属本镇", on=D(2026, 9, 3))
    assert item.current_unit == county.bureau
    assert _running_units(item) == {"acceptance_notice": county.bureau.pk, "assigned": county.bureau.pk}
    counted = counts(selectors.board(county.zhao, selectors.BoardFilters()))
    assert {unit for unit, _, _ in counted} == {"县信访局"}
    # Not upheld: back to the township, clocks and all.
    item = s.case_decide_objection(case=item, actor=county.zhang, approve=False, note="属地管理，应由镇办理",
                                   on=D(2026, 9, 4))
    assert item.current_unit == county.town
    assert _running_units(item) == {"acceptance_notice": county.town.pk, "assigned": county.town.pk}
    assert counts(selectors.board(county.li, selectors.BoardFilters())) == counts(
        selectors.board(county.li, selectors.BoardFilters(township=county.town)))
    # A plain 转送, then an upheld objection: the item returns to the bureau's routing.
    other = s.case_forward(case=petition(title="县人社局社保补缴"), actor=county.zhang, target=county.labour,
                           on=D(2026, 9, 2))
    other = s.case_object(case=other, actor=county.wang, reason="该事项属县住建局职责，不属本局", on=D(2026, 9, 3))
    other = s.case_decide_objection(case=other, actor=county.zhang, approve=True, on=D(2026, 9, 4))
    assert other.current_unit == county.bureau
    assert _running_units(other) == {"bureau_routing": county.bureau.pk}
    for case in Case.objects.all():
        assert set(_running_units(case).values()) <= {case.current_unit_id}, case.number


def test_board_by_tally_equals_board_joined_to_items(world, county):
    """The count from the tally and the count of the clocks joined to the items agree for every user in scope,
    and still do after the tally's rows are folded."""
    from xinfang.cases import tally

    for user in (county.zhao, county.wang, county.li):
        by_clock = selectors.board_counts(user, selectors.BoardFilters(), D(2026, 11, 26))
        joined = (selectors.running_clocks(user, selectors.BoardFilters())
                  .annotate(level=ladder.level_expression(D(2026, 11, 26)))
                  .values_list("case__current_unit_id", "rule_code", "level")
                  .annotate(n=Count("*")).order_by())
        assert sorted(by_clock) == sorted(joined), user.username
        assert by_clock, user.username
    rows_before = ClockTally.objects.count()
    assert tally.compact() < rows_before
    assert not tally.mismatches()
    assert sorted(selectors.board_counts(county.zhao, selectors.BoardFilters(), D(2026, 11, 26))) == sorted(
        selectors.running_clocks(county.zhao, selectors.BoardFilters())
         .annotate(level=ladder.level_expression(D(2026, 11, 26)))
         .values_list("case__current_unit_id", "rule_code", "level").annotate(n=Count("*")).order_by())


def test_no_counted_clock_runs_on_a_closed_item():
    """Why the board's count by ``Clock.unit`` needs no "open items only" join: walking the transition table
    from registration, no reachable state outside OPEN_STATES keeps a clock of a counted type running."""
    from xinfang.cases import workflow
    from xinfang.cases.states import OPEN_STATES

    # Moves that may also start the 交办 clock (Move.assigned_due_on).
    assigning = {workflow.Action.ASSIGN, workflow.Action.ASSIGN_DOWN, workflow.Action.FORWARD,
                 workflow.Action.FORWARD_DOWN}

    def after(status, running, t):
        left = set(running) - set(t.stops) - set(t.supersedes)
        left |= {spec.rule for spec in t.starts}
        dst = t.dst if t.dst is not None else status
        yield dst, frozenset(left)
        if t.action in assigning:
            yield dst, frozenset(left | {"assigned"})

    table = workflow.TRANSITIONS.values()
    frontier = [st for t in table if workflow.NEW in t.src for st in after(workflow.NEW, frozenset(), t)]
    seen = set()
    while frontier:
        state = frontier.pop()
        if state in seen:
            continue
        seen.add(state)
        frontier.extend(st for t in table if state[0] in t.src for st in after(state[0], state[1], t))
    assert len({status for status, _ in seen}) > 10
    counted_on_closed = {(status, running - set(selectors.PETITIONER_RULES)) for status, running in seen
                         if status not in OPEN_STATES and running - set(selectors.PETITIONER_RULES)}
    assert counted_on_closed == set()


def test_place_filter_offers_the_townships_a_user_can_count(county):
    """A county-level user may filter by any township of the county; a township's user only by their own."""
    both = {county.town, county.town2}
    assert set(selectors.townships_in_scope(county.zhao)) == both
    assert set(selectors.townships_in_scope(county.wang)) == both
    assert selectors.townships_in_scope(county.li) == [county.town]
    assert selectors.townships_in_scope(None) == []
