"""The supervision board: counts per level × unit × clock type, each a link to its items; scoped by grants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.cases import services as s
from xinfang.supervision import selectors

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
    # The counting is one grouped statement in the database, whatever the number of items.
    assert sum('"cases_clock"' in q["sql"] for q in ctx.captured_queries) == 1
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
