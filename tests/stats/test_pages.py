"""The statistics page (/stats/), its drill-down and its Excel export, over items driven through the real services
and counted by the fill. Every expected figure is worked out here from the items' histories."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from xinfang.cases import services as s
from xinfang.cases.services import PetitionerInput
from xinfang.orgs.models import UnitKind
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import unit_create, user_create
from xinfang.stats import fill

pytestmark = pytest.mark.django_db
D = dt.date
SEPTEMBER = {"period": "month", "month": "2026-09"}
AS_OF = D(2026, 11, 30)
SEP_2, SEP_4 = D(2026, 9, 2), D(2026, 9, 4)


def forwarded(petition, county, target, title, on=SEP_2, **kw):
    case = petition(title=title, **kw)
    return s.case_forward(case=case, actor=county.zhang, target=target, on=on)


def accept(case, actor, on=SEP_4):
    case = s.case_sign(case=case, actor=actor, on=D(2026, 9, 3))
    return s.case_accept(case=case, actor=actor, on=on)


@pytest.fixture
def world(petition, county):
    """September 2026, received 9-1: 东街镇 accepts one item on time and leaves one undecided (late once its
    受理告知 period has run out in September); 县人社局 accepts one on time; a group visit of 6 stays at the bureau;
    a 检举控告 against the bureau goes at once to the 纪委监委."""
    w = type("World", (), {})()
    w.town_ok = accept(forwarded(petition, county, county.town, "东街村道路硬化工程拖欠工资"), county.li)
    w.town_late = forwarded(petition, county, county.town, "东街村自来水管道破损无人维修")
    w.labour = accept(forwarded(petition, county, county.labour, "县人社局社保补缴申请无人受理"), county.wang)
    w.visit = petition(
        title="西山乡农村低保评定不公", channel="visit", people_count=6, problem_place=county.town2,
        petitioners=[PetitionerInput(name="甲某", is_representative=True), PetitionerInput(name="乙某")],
    )
    w.accusation = petition(
        title="检举某单位工作人员违规发放补贴", claim_type="accusation", purpose="expose",
        accused_unit=county.bureau, accused_person="某科长",
        petitioners=[PetitionerInput(name="钱守义", id_number="110105196502020010", phone="13700137000")],
    )
    fill.fill(AS_OF)
    return w


def get(client, user, path="/stats/", **params):
    client.force_login(user)
    return client.get(path, params)


# --- reading the page's HTML ------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The tiles (name → value, numerator, denominator texts), the tables (data-testid → rows of cell texts) and
    every drill-down link (href, text) of a statistics page."""

    def __init__(self, html: str):
        super().__init__()
        self.tiles: dict[str, dict[str, str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[tuple[str, str]] = []
        self._tile = self._table = self._part = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._text: list[str] = []
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" and "data-metric" in a:
            self._tile = a["data-metric"]
            self.tiles[self._tile] = {}
        if self._tile and a.get("data-testid") in ("value", "numerator", "denominator"):
            self._part, self._text = a["data-testid"], []
        if tag == "table" and a.get("data-testid", "").startswith("table-"):
            self._table = a["data-testid"][6:]
            self.tables[self._table] = []
        if tag == "thead":
            self._in_head = True
        if self._table and not self._in_head and tag == "tr":
            self._row = []
        if self._row is not None and tag in ("td", "th"):
            self._cell = []
        if tag == "a" and "/stats/items/" in a.get("href", ""):
            self._href, self._text_link = a["href"], []

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        if self._part and tag in ("div", "a", "span"):
            self.tiles[self._tile][self._part] = "".join(self._text).strip()
            self._part = None
        if tag == "article":
            self._tile = None
        if self._cell is not None and tag in ("td", "th"):
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if self._row is not None and tag == "tr":
            self.tables[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text_link).strip()))
            self._href = None

    def handle_data(self, data):
        if self._part:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._href is not None:
            self._text_link.append(data)


def page_of(response) -> Page:
    assert response.status_code == 200, response.content.decode()[:2000]
    return Page(response.content.decode())


# --- the figures ------------------------------------------------------------------------------------------------


def test_county_supervisor_sees_the_whole_county(client, county, world):
    p = page_of(get(client, county.zhao, **SEPTEMBER))
    assert p.tiles["件次"]["value"] == "5"
    assert p.tiles["人次"]["value"] == str(1 + 1 + 1 + 6 + 1)
    # 受理告知 due in September: 东街镇 two (one on time, one undecided), 县人社局 one on time.
    timely = p.tiles["及时受理率"]
    assert (timely["value"], timely["numerator"], timely["denominator"]) == ("66.7%", "2", "3")
    assert p.tiles["集体上访率"]["value"] == "100.0%"  # the one visit is a group visit
    channels = {row[0]: row[1:] for row in p.tables["channel"]}
    assert channels == {"来信": ["4", "4"], "来访": ["1", "6"], "合计": ["5", "10"]}
    claims = {row[0]: row[1] for row in p.tables["claim"]}
    assert claims == {"检举控告": "1", "申诉求决": "4", "合计": "5"}
    towns = {row[0]: row[1] for row in p.tables["township"]}
    assert towns == {"东街镇": "4", "西山乡": "1"}  # 东街村 counts at its township
    units = {row[0]: row[1] for row in p.tables["unit"]}
    assert units == {"东街镇": "2", "县人社局": "1", "县信访局": "1", "县纪委监委": "1"}
    late = {row[0]: row[1:] for row in p.tables["overdue"]}
    assert late["东街镇"] == ["2", "1", "0", "0"] and late["县人社局"] == ["1", "0", "0", "0"]
    # The trend's September row equals the tiles.
    september = next(row for row in p.tables["trend"] if row[0] == "2026年9月")
    assert september[1:3] == ["5", "10"] and september[3:6] == ["66.7%", "2", "3"]


def test_the_definition_and_the_changes_stand_beside_each_number(client, county, world):
    html = get(client, county.zhao, **SEPTEMBER).content.decode()
    assert "在期限内作出受理或不予受理告知的比例" in html  # 及时受理率's definition text
    assert "环比 —（无可比数据）" in html  # August had no 受理告知 due
    assert "环比 ↑ 5（上期为 0）" in html  # 件次: none in August


def test_a_change_is_coloured_by_which_way_is_better(client, county, petition, world):
    # October: one 东街镇 item accepted late (0 %) against September's 66.7 %: 及时受理率 fell, which is bad.
    case = forwarded(petition, county, county.town, "十月件", on=D(2026, 10, 9), received_on=D(2026, 10, 8))
    due = case.clocks.get(rule_code="acceptance_notice").due_on
    s.case_sign(case=case, actor=county.li, on=due)
    s.case_accept(case=case, actor=county.li, on=due + dt.timedelta(days=1))
    fill.fill(AS_OF)
    html = get(client, county.zhao, period="month", month=due.strftime("%Y-%m")).content.decode()
    tile = html.split('data-metric="及时受理率"', 1)[1].split("</article>", 1)[0]
    assert '<span class="chg bad"' in tile and "↓ 66.7 个百分点" in tile


def test_a_township_user_sees_only_the_townships_numbers(client, county, world):
    p = page_of(get(client, county.li, **SEPTEMBER))
    assert p.tiles["件次"]["value"] == "2"
    assert (p.tiles["及时受理率"]["numerator"], p.tiles["及时受理率"]["denominator"]) == ("1", "2")
    assert {row[0] for row in p.tables["unit"]} == {"东街镇"}
    assert "县人社局" not in p.tables and all("县人社局" not in row[0] for t in p.tables.values() for row in t)


def test_a_user_of_another_unit_gets_only_their_scope(client, county, world):
    p = page_of(get(client, county.wang, **SEPTEMBER))
    assert p.tiles["件次"]["value"] == "1"
    assert (p.tiles["及时受理率"]["numerator"], p.tiles["及时受理率"]["denominator"]) == ("1", "1")
    assert {row[0] for row in p.tables["unit"]} == {"县人社局"}
    # Another unit is not a choice: a Chinese error, not its figures.
    resp = get(client, county.wang, unit=county.town.pk, **SEPTEMBER)
    assert resp.status_code == 400
    assert "所选单位不在您可查看的范围内" in resp.content.decode()
    assert 'data-testid="tiles"' not in resp.content.decode()


def test_unit_and_place_filters_narrow_the_figures(client, county, world):
    p = page_of(get(client, county.zhao, unit=county.town.pk, **SEPTEMBER))
    assert p.tiles["件次"]["value"] == "2"
    p = page_of(get(client, county.zhao, place=county.town2.pk, **SEPTEMBER))
    assert p.tiles["件次"]["value"] == "1" and p.tiles["人次"]["value"] == "6"


def test_ranking_needs_the_minimum_number_of_items(client, county, world, settings):
    p = page_of(get(client, county.zhao, **SEPTEMBER))
    ranks = {row[0]: row[1] for row in p.tables["rank_accept"]}
    assert ranks == {"东街镇": "不排名", "县人社局": "不排名"}  # 2 and 1 items: fewer than 5
    html = get(client, county.zhao, **SEPTEMBER).content.decode()
    assert "不少于 5 件的单位参加排名" in html
    settings.XINFANG_STATS_RANK_MIN = 1
    p = page_of(get(client, county.zhao, **SEPTEMBER))
    assert [row[:3] for row in p.tables["rank_accept"]] == [["县人社局", "1", "100.0%"], ["东街镇", "2", "50.0%"]]


def test_the_township_by_category_table(client, county, world):
    from xinfang.cases.models import Category

    s.case_classify(case=world.town_ok, actor=county.li, category=Category.objects.get(code="C04"))
    fill.fill(AS_OF)
    p = page_of(get(client, county.zhao, **SEPTEMBER))
    heat = {row[0]: row[1:] for row in p.tables["heat"]}
    assert heat["东街镇"] == ["1", "3"] and heat["西山乡"] == ["0", "1"]  # 劳动和社会保障, 未分类 (always last)
    assert {row[0]: row[1] for row in p.tables["category"]} == {"未分类": "4", "劳动和社会保障": "1", "合计": "5"}


# --- the drill-down -------------------------------------------------------------------------------------------


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return set(re.findall(r'<tr data-case="(\d+)">', response.content.decode()))


def test_every_number_lists_exactly_its_items(client, county, world):
    """Follow every link of the county page: each lists as many items as its number (人次 excepted: one item
    counts each of its people)."""
    client.force_login(county.zhao)
    p = page_of(client.get("/stats/", SEPTEMBER))
    followed = 0
    for href, text in p.links:
        params = parse_qs(urlsplit(href).query)
        if "persons" in params["metric"][0]:
            continue
        got = listed(client.get(href.replace("&amp;", "&")))
        assert len(got) == int(text), (href, text, got)
        followed += 1
    assert followed > 25


def test_items_outside_every_township_have_their_own_row_and_list(client, county, petition, world):
    county_level = forwarded(petition, county, county.housing, "县城主干道施工扰民", problem_place=county.county)
    fill.fill(AS_OF)
    client.force_login(county.zhao)
    p = page_of(client.get("/stats/", SEPTEMBER))
    assert {row[0]: row[1] for row in p.tables["township"]}["县级及其他（问题属地不在乡镇）"] == "1"
    href = next(h for h, t in p.links if "place=0" in h and "category=" not in h)
    assert listed(client.get(href)) == {str(county_level.pk)}


def test_drill_down_of_a_rate_lists_numerator_and_denominator(client, county, world):
    client.force_login(county.zhao)
    p = page_of(client.get("/stats/", SEPTEMBER))
    tile = next(h for h, t in p.links if "metric=accept_on_time" in h)
    assert listed(client.get(tile)) == {str(world.town_ok.pk), str(world.labour.pk)}
    due = next(h for h, t in p.links if "metric=accept_due" in h)
    assert listed(client.get(due)) == {str(world.town_ok.pk), str(world.town_late.pk), str(world.labour.pk)}
    late = next(h for h, t in p.links if "metric=late_accept" in h)
    assert listed(client.get(late)) == {str(world.town_late.pk)}


def test_drill_down_never_lists_an_item_the_user_may_not_see(client, county, world):
    base = {"metric": "items", "from": "2026-09-01", "to": "2026-09-30"}
    assert listed(get(client, county.wang, "/stats/items/", **base)) == {str(world.labour.pk)}
    # 东街镇's items concern 东街村; 王 may count the place, but sees only his unit's item there.
    resp = get(client, county.wang, "/stats/items/", place=county.town.pk, **base)
    assert listed(resp) == {str(world.labour.pk)}
    body = resp.content.decode()
    assert world.town_ok.number not in body and world.town_late.number not in body
    # Naming 东街镇 as the unit is refused with a Chinese error, and nothing of its items shows.
    resp = get(client, county.wang, "/stats/items/", unit=county.town.pk, exact="1", **base)
    assert resp.status_code == 400 and "所选单位不在您可查看的范围内" in resp.content.decode()
    assert world.town_ok.number not in resp.content.decode()
    assert listed(get(client, county.li, "/stats/items/", **base)) == {str(world.town_ok.pk), str(world.town_late.pk)}


def test_drill_down_shows_no_petitioner_names(client, county, world):
    resp = get(client, county.zhao, "/stats/items/", metric="items_claim", sub="accusation", **{
        "from": "2026-09-01", "to": "2026-09-30"})
    assert listed(resp) == {str(world.accusation.pk)}
    body = resp.content.decode()
    assert world.accusation.number in body
    for secret in ("钱守义", "110105196502020010", "13700137000", "陈大明", "甲某"):
        assert secret not in body


def test_drill_down_is_cut_at_500_with_a_note(client, county, world, monkeypatch):
    from xinfang.stats import selectors

    real = selectors.drill_items
    monkeypatch.setattr(selectors, "drill_items", lambda *a, **kw: real(*a, **{**kw, "limit": 2}))
    resp = get(client, county.zhao, "/stats/items/", metric="items", **{"from": "2026-09-01", "to": "2026-09-30"})
    assert len(listed(resp)) == 2
    assert 'data-testid="truncated"' in resp.content.decode()


@pytest.mark.parametrize(("params", "message"), [
    ({"metric": "no_such_metric", "from": "2026-09-01", "to": "2026-09-30"}, "没有「no_such_metric」这个指标"),
    ({"metric": "items", "from": "2026-09-01"}, "请填写结束日期"),
    ({"metric": "items", "from": "2026-09-31", "to": "2026-09-30"}, "请输入有效的日期"),
    ({"metric": "items", "from": "2026-10-01", "to": "2026-09-30"}, "开始日期不能晚于结束日期"),
    ({"metric": "items", "from": "2026-09-01", "to": "2026-09-30", "category": "x"}, "内容分类应为编号"),
    ({"metric": "items", "from": "2026-09-01", "to": "2026-09-30", "exact": "1"}, "需要同时指定单位"),
])
def test_drill_down_bad_input_is_a_chinese_error(client, county, world, params, message):
    resp = get(client, county.zhao, "/stats/items/", **params)
    assert resp.status_code == 400
    assert message in resp.content.decode()


# --- input, access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "message"), [
    ({"period": "custom", "from": "2026-10-01", "to": "2026-09-01"}, "开始日期不能晚于结束日期"),
    ({"period": "custom", "from": "2026-09-01"}, "自定义时段请同时填写开始日期和结束日期"),
    ({"period": "custom", "from": "不是日期", "to": "2026-09-01"}, "请输入有效的日期"),
    ({"period": "custom", "from": "2000-01-01", "to": "2026-09-01"}, "自定义时段不能超过5年"),
    ({"period": "month", "month": "2026-13"}, "月份格式应为"),
    ({"period": "year", "year": "abcd"}, "年份请填写四位数字"),
    ({"period": "year", "year": "1999"}, "年份不能早于2000年"),
    ({"period": "quarter", "year": "2026", "quarter": "5"}, "季度只能是第一至第四季度"),
    ({"period": "weekly"}, "统计时段只能选择"),
    ({"unit": "abc"}, "所选单位不在您可查看的范围内"),
    ({"place": "99999"}, "所选乡镇不在您可统计的范围内"),
])
def test_bad_period_input_is_a_chinese_error_not_a_500(client, county, world, params, message):
    for path in ("/stats/", "/stats/export/"):
        resp = get(client, county.zhao, path, **params)
        assert resp.status_code == 400, (path, resp.status_code)
        assert message in resp.content.decode()


def test_default_period_is_the_current_month(client, county, world):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 9, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        p = page_of(get(client, county.zhao))
        assert p.tiles["件次"]["value"] == "5"
        resp = get(client, county.zhao, period="quarter")
        assert "2026年第3季度" in resp.content.decode()


def test_quarter_year_and_custom_periods(client, county, world):
    for params in ({"period": "quarter", "year": "2026", "quarter": "3"}, {"period": "year", "year": "2026"},
                   {"period": "custom", "from": "2026-09-01", "to": "2026-09-01"}):
        assert page_of(get(client, county.zhao, **params)).tiles["件次"]["value"] == "5"
    p = page_of(get(client, county.zhao, period="custom", **{"from": "2026-09-02", "to": "2026-12-31"}))
    assert p.tiles["件次"]["value"] == "0"


@pytest.mark.parametrize("path", ["/stats/", "/stats/items/?metric=items&from=2026-09-01&to=2026-09-30",
                                  "/stats/export/"])
def test_anonymous_is_sent_to_login(client, db, path):
    resp = client.get(path)
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")


def test_a_user_without_item_access_gets_404_and_no_link(client, county, world):
    auditor = user_create(username="audit", password="Xinfang-2026", full_name="审计员", unit=county.county,
                          roles=[(Role.AUDITOR, county.county)])
    client.force_login(auditor)
    for path in ("/stats/", "/stats/items/?metric=items&from=2026-09-01&to=2026-09-30", "/stats/export/"):
        assert client.get(path).status_code == 404
    client.force_login(county.zhao)
    assert 'href="/stats/"' in client.get("/").content.decode()


def test_the_page_works_without_javascript_and_has_no_inline_script(client, county, world):
    html = get(client, county.zhao, **SEPTEMBER).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, _body in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs  # json_script data only
    assert 'id="stats-chart-data"' in html and "/static/stats/vendor/echarts.min.js" in html
    assert " style=" not in html


# --- export -----------------------------------------------------------------------------------------------------


def sheet_rows(ws) -> list[list[str]]:
    rows = []
    for row in ws.iter_rows(values_only=False):
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, int | float) and c.number_format == "0.0%":  # 100 % reads back as the integer 1
                cells.append(f"{v * 100:.1f}%")
            else:
                cells.append("" if v is None else str(v))
        rows.append(cells)
    return rows


def test_export_equals_the_page(client, county, world):
    client.force_login(county.zhao)
    p = page_of(client.get("/stats/", SEPTEMBER))
    resp = client.get("/stats/export/", {"table": "all", **SEPTEMBER})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    titles = {"channel": "按信访形式", "claim": "按诉求类型", "township": "按问题属地（乡镇）", "unit": "按单位",
              "overdue": "逾期情况（按单位）", "rank_accept": "单位排名：及时受理率", "trend": "近12个月趋势",
              "heat": "乡镇 × 内容分类（件次）", "category": "按内容分类（一级）"}
    for key, title in titles.items():
        rows = sheet_rows(wb[title])
        body = [r for r in rows[1:] if any(r)][: len(p.tables[key])]
        assert body == p.tables[key], key
    kpi = {r[0]: r for r in sheet_rows(wb["主要指标"])[1:]}
    for name, tile in p.tiles.items():
        assert kpi[name][1] == tile["value"], name
        if "numerator" in tile:
            assert (kpi[name][2], kpi[name][3]) == (tile["numerator"], tile["denominator"]), name
    assert "2026年9月" in " ".join(r[1] for r in sheet_rows(wb["说明"]) if len(r) > 1)


def test_export_of_one_table_and_formula_like_names(client, county, world):
    from xinfang.orgs.models import Unit

    Unit.objects.filter(pk=county.labour.pk).update(name="=HYPERLINK(\"http://x\")", short_name="")
    resp = get(client, county.zhao, "/stats/export/", table="unit", **SEPTEMBER)
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["按单位", "说明"]
    cell = next(c for row in wb["按单位"].iter_rows() for c in row if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.quotePrefix  # text, and stays text when edited
    bad = get(client, county.zhao, "/stats/export/", table="nope", **SEPTEMBER)
    assert bad.status_code == 400 and "没有这个表格" in bad.content.decode()


# --- query count ------------------------------------------------------------------------------------------------


def queries_for(client, user, path="/stats/", params=SEPTEMBER) -> int:
    client.force_login(user)
    client.get(path, params)  # warm the session and the grant caches of the first request
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path, params)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_units_or_items(client, county, petition, world):
    before = queries_for(client, county.zhao)
    export_before = queries_for(client, county.zhao, "/stats/export/", {"table": "all", **SEPTEMBER})
    # Five more townships with a village each, and three items apiece, routed there and accepted.
    for i in range(5):
        town = unit_create(name=f"新镇{i}", code=f"XZ{i}", kind=UnitKind.TOWNSHIP, parent=county.county)
        village = unit_create(name=f"新村{i}", code=f"XC{i}", kind=UnitKind.VILLAGE, parent=town)
        handler = user_create(username=f"h{i}", password="Xinfang-2026", full_name=f"承办{i}", unit=town,
                              roles=[(Role.HANDLER, town)])
        for j in range(3):
            case = forwarded(petition, county, town, f"新镇{i}事项{j}", problem_place=village,
                             channel="visit" if j else "call")
            if j:
                accept(case, handler)
    fill.fill(AS_OF)
    after = queries_for(client, county.zhao)
    assert after == before, (before, after)
    assert page_of(get(client, county.zhao, **SEPTEMBER)).tiles["件次"]["value"] == "20"
    assert queries_for(client, county.zhao, "/stats/export/", {"table": "all", **SEPTEMBER}) == export_before
    assert after <= 30  # a handful of grouped reads plus the session, grants and navigation


def test_the_page_links_the_reports_of_its_period_to_their_readers(client, county, world, at):
    at(D(2026, 12, 2))
    resp = get(client, county.zhao, period="month", month="2026-09")
    links = re.findall(r'<a class="btn secondary" href="([^"]+)" data-testid="report-link">([^<]+)</a>',
                       resp.content.decode())
    assert [label for _, label in links] == ["月度通报（2026年9月）（Word）", "年度报告（2026年）（Word）"]
    for url, _ in links:
        download = client.get(url.replace("&amp;", "&"))
        assert download.status_code == 200 and download["Content-Type"].endswith("wordprocessingml.document")
    # A month not over yet: the bulletin offered is the last one that is.
    resp = get(client, county.zhao, period="month", month="2026-12")
    assert "月度通报（2026年11月）" in resp.content.decode()
    # A township's handler reads the figures of his town but no report (the reports answer him 404).
    resp = get(client, county.li, period="month", month="2026-09")
    assert resp.status_code == 200 and 'data-testid="report-link"' not in resp.content.decode()
