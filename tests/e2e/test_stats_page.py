"""The statistics page in the browser: the county supervisor opens 统计分析 on a county with a few items over three
months; the charts are drawn (ECharts canvases, no Content-Security-Policy violation), a number opens the list of
its items, and the page is kept as test-output/screenshots/stats_page.png."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.e2e.conftest import SHOTS, login
from xinfang.cases import services as s
from xinfang.cases.services import PetitionerInput
from xinfang.stats import fill

pytestmark = pytest.mark.browser
D = dt.date


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        yield


def _items(county, petition):
    """Items received in September, October and November at 东街镇, 西山乡 and 县人社局, some accepted on time."""
    from xinfang.cases.models import Category

    made = []
    plan = [  # (received, unit, its handler, title, channel, people, accepted, category code)
        (D(2026, 9, 7), county.town, county.li, "东街村道路硬化工程拖欠工资", "letter", 1, True, "C04"),
        (D(2026, 9, 15), county.labour, county.wang, "社保补缴申请无人受理", "call", 1, True, "C04"),
        (D(2026, 10, 9), county.town, county.li, "东街村自来水管道破损", "visit", 6, True, "C03"),
        (D(2026, 10, 20), county.town, None, "东街村宅基地纠纷", "letter", 1, False, "C02"),
        (D(2026, 11, 3), county.labour, county.wang, "工伤认定久拖不决", "visit", 1, True, "C04"),
        (D(2026, 11, 4), county.town, county.li, "东街村垃圾清运不及时", "online", 1, True, "C03"),
        (D(2026, 11, 5), county.town2, None, "西山乡低保评定不公", "letter", 1, False, "C07"),
    ]
    for received, target, handler, title, channel, people, accept, code in plan:
        petitioners = [PetitionerInput(name="陈大明", is_representative=people > 1)]
        if people > 1:
            petitioners.append(PetitionerInput(name="王小红"))
        case = petition(title=title, channel=channel, people_count=people, received_on=received,
                        petitioners=petitioners, category=Category.objects.get(code=code),
                        problem_place=county.village if target == county.town else county.town2)
        case = s.case_forward(case=case, actor=county.zhang, target=target, on=received + dt.timedelta(days=1))
        if accept:
            case = s.case_sign(case=case, actor=handler, on=received + dt.timedelta(days=2))
            case = s.case_accept(case=case, actor=handler, on=received + dt.timedelta(days=3))
        made.append(case)
    return made


def test_stats_page_draws_its_charts(transactional_db, live_server, page, county, petition, frozen):
    made = _items(county, petition)
    fill.fill(D(2026, 11, 26))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    login(page, live_server, "zhao")
    page.click("nav >> text=统计分析")
    page.wait_for_selector('[data-testid="tiles"]')
    page.select_option("#id_period", "quarter")
    page.fill("#id_year", "2026")
    page.select_option("#id_quarter", "4")
    page.click("button:has-text('统计')")
    page.wait_for_selector('[data-testid="tiles"]')
    assert "2026年第4季度" in page.inner_text('[data-testid="period"]')
    assert page.inner_text('article[data-metric="件次"] [data-testid="value"]') == "5"  # October and November

    for chart in ("chart-volume", "chart-rates", "chart-category"):
        page.wait_for_selector(f"#{chart} canvas")
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, chart
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stats_page.png"), full_page=True)

    # A number opens the list of its items.
    page.click('article[data-metric="件次"] [data-testid="value"] a')
    page.wait_for_selector('[data-testid="items"]')
    listed = page.inner_text('[data-testid="items"]')
    assert all(c.number in listed for c in made if c.received_on >= D(2026, 10, 1))
    assert all(c.number not in listed for c in made if c.received_on < D(2026, 10, 1))
    assert "陈大明" not in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "stats_page_items.png"), full_page=True)


def test_stats_page_without_javascript(transactional_db, live_server, browser, county, petition, frozen):
    """Scripts off: no chart, and every number is still in the tables."""
    _items(county, petition)
    fill.fill(D(2026, 11, 26))
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False)
    pg = ctx.new_page()
    try:
        login(pg, live_server, "zhao")
        pg.goto(f"{live_server.url}/stats/?period=year&year=2026")
        assert pg.inner_text('article[data-metric="件次"] [data-testid="value"]') == "7"
        assert not pg.locator("#chart-volume").is_visible()
        assert pg.locator('[data-testid="table-trend"]').count() == 1
        assert "东街镇" in pg.inner_text('[data-testid="table-unit"]')
    finally:
        ctx.close()
