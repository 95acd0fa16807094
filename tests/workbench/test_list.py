"""案件列表 and its Excel 台账: visibility, every filter, search, sort, paging, masking and bad input."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from tests.cases.helpers import D
from xinfang.cases import services as s
from xinfang.cases.export import COLUMNS
from xinfang.cases.models import Case, Category, PersonalDataAccess, Petitioner
from xinfang.cases.search import CaseCriteria, Count, TextMatch, count_capped, search_cases
from xinfang.cases.states import Status

pytestmark = pytest.mark.django_db

LIST = reverse("workbench:case_list")
EXPORT = reverse("workbench:case_export")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def cat(name):
    return Category.objects.get(name=name)


@pytest.fixture
def items(petition, county):
    """Five items registered at the 县信访局 (so 张 and 赵 see all of them), two of them forwarded on."""
    P = s.PetitionerInput
    i = SimpleNamespace()
    # Forwarded to 东街镇: 李's only item. Received 9-1, letter, 工资福利 (under 劳动和社会保障).
    i.wage = petition(category=cat("工资福利"))
    i.wage = s.case_forward(case=i.wage, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    # Forwarded to 县人社局: 王's only item. Received 10-10, online, 社会保险.
    i.pension = petition(
        channel="online",
        received_on=D(2026, 10, 10),
        title="养老保险待遇核定有误",
        content="本人退休后养老金核定基数偏低，与缴费记录不符，请求重新核定。",
        petitioners=[P(name="刘秀英", phone="13900139000")],
        category=cat("社会保险"),
        problem_place=None,
    )
    i.pension = s.case_forward(case=i.pension, actor=county.zhang, target=county.labour, on=D(2026, 10, 11))
    # Group visit waiting at the bureau, received 11-20 (not yet overdue), first-level class 城乡建设.
    i.road = petition(
        channel="visit",
        received_on=D(2026, 11, 20),
        title="西山乡石桥村道路损坏无人修",
        content="村里主干道路面塌陷已有三个月，雨天无法通行，请求尽快维修。",
        petitioners=[P(name="王建国", phone="13600136000", is_representative=True)],
        people_count=6,
        category=cat("城乡建设"),
        problem_place=county.town2,
    )
    # Repeat of the wage item by the same petitioner, received 11-22, by phone.
    i.repeat = petition(
        channel="call",
        received_on=D(2026, 11, 22),
        title="再次反映拖欠工资问题",
        content="上次反映的拖欠工资至今仍未解决，再次请求督促支付。",
        earlier_items=[i.wage],
    )
    # An accusation against the 县住建局, waiting at the bureau since 9-5 (overdue for routing).
    i.accusation = petition(
        claim_type="accusation",
        purpose="expose",
        received_on=D(2026, 9, 5),
        title="举报县住建局工作人员索要好处费",
        content="县住建局某科长在办理施工许可时索要好处费两万元，有转账记录为证。",
        petitioners=[P(name="赵举报", id_number="110105194912310038", phone="13700137000")],
        accused_unit=county.housing,
        accused_person="某科长",
    )
    i.all = {i.wage.number, i.pension.number, i.road.number, i.repeat.number, i.accusation.number}
    return i


def numbers(resp) -> set[str]:
    """Item numbers linked from the table of a list page."""
    assert resp.status_code == 200
    return {row.case.number for row in resp.context["rows"]}


def listed(client, **params) -> set[str]:
    return numbers(client.get(LIST, params))


def sheet(resp):
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    return wb.active


def exported(client, **params) -> set[str]:
    ws = sheet(client.get(EXPORT, params))
    return {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}


def grant_county_view(user, county):
    """A 县住建局 user who also holds a county-wide supervisor grant (as in test_access.TestAccusation)."""
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import grant_role

    grant_role(user=user, role=Role.SUPERVISOR, unit=county.county)


# --- access ----------------------------------------------------------------------------------------------------


def test_anonymous_redirected_to_login(client, items):
    for url in (LIST, EXPORT):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(reverse("workbench:login"))


def test_each_user_sees_exactly_their_items(client, county, items):
    client.force_login(county.zhang)
    assert listed(client) == items.all
    client.force_login(county.li)
    assert listed(client) == {items.wage.number}
    client.force_login(county.wang)
    assert listed(client) == {items.pension.number}
    client.force_login(county.zhao)
    assert listed(client) == items.all


def test_other_unit_never_finds_township_items(client, county, items):
    client.force_login(county.wang)
    for q in (items.wage.number, "陈大明", "陈大", "13800138000", "11010519491231002X",
              "硬化工程", "拖欠", "工资"):
        assert listed(client, q=q) == set(), q
        assert exported(client, q=q) == set(), q
    assert exported(client) == {items.pension.number}
    assert listed(client, q="XFJ-2026") == {items.pension.number}  # a number prefix finds only his own
    # and the counts say so too
    html = client.get(LIST, {"q": "陈大明"}).content.decode()
    assert "共 0 件" in html and "陈大明" not in html.split('aria-label="筛选信访件"')[1].split("</form>")[1]


def test_list_page_layout(client, county, items):
    client.force_login(county.zhang)
    html = client.get(LIST).content.decode()
    assert 'class="active">案件列表' in html
    assert "共 5 件" in html
    for label in ("编号", "收到日期", "标题", "信访人", "内容分类", "当前单位", "状态", "截止日"):
        assert f'data-label="{label}"' in html
    assert reverse("workbench:case_detail", args=[items.wage.pk]) in html
    assert 'for="id_q"' in html and 'for="id_received_from"' in html  # every field has a label
    assert '<span class="badge blue">集体访</span>' in html and '<span class="badge">重件</span>' in html
    assert "陈大明" in html and "王建国 等6人" in html
    assert 'href="/cases/export.xlsx' in html


def test_overdue_items_have_red_badge(client, county, items):
    client.force_login(county.zhang)
    resp = client.get(LIST, {"q": items.accusation.number})
    (row,) = resp.context["rows"]
    assert row.overdue and "超期" in resp.content.decode() and 'class="badge red"' in resp.content.decode()


# --- filters -----------------------------------------------------------------------------------------------


def test_every_filter_narrows(client, county, items):
    client.force_login(county.zhao)
    i = items
    assert listed(client, status=Status.PENDING_SIGN) == {i.wage.number, i.pension.number}
    assert listed(client, status=Status.ROUTING) == {i.road.number, i.repeat.number, i.accusation.number}
    assert listed(client, status="open") == i.all
    assert listed(client, status="done") == set()
    assert listed(client, unit=county.town.pk) == {i.wage.number}
    assert listed(client, unit=county.labour.pk) == {i.pension.number}
    assert listed(client, unit=county.bureau.pk) == {i.road.number, i.repeat.number, i.accusation.number}
    # a first-level class includes its lower classes
    assert listed(client, category=cat("劳动和社会保障").pk) == {i.wage.number, i.pension.number}
    assert listed(client, category=cat("工资福利").pk) == {i.wage.number}
    assert listed(client, category=cat("城乡建设").pk) == {i.road.number}
    assert listed(client, channel="visit") == {i.road.number}
    assert listed(client, channel="online") == {i.pension.number}
    assert listed(client, received_from="2026-10-01") == {i.pension.number, i.road.number, i.repeat.number}
    assert listed(client, received_to="2026-09-30") == {i.wage.number, i.accusation.number}
    assert listed(client, received_from="2026-10-10", received_to="2026-11-20") == {i.pension.number, i.road.number}
    assert listed(client, repeat="on") == {i.repeat.number}
    assert listed(client, group="on") == {i.road.number}
    assert listed(client, channel="letter", received_to="2026-09-01") == {i.wage.number}


def test_overdue_filter_means_open_and_past_due(client, county, items):
    client.force_login(county.zhao)
    today = dt.date(2026, 11, 26)
    expected = {c.number for c in Case.objects.all() if c.due_on and c.due_on < today and c.status in
                {Status.ROUTING, Status.PENDING_SIGN}}
    assert items.accusation.number in expected and items.road.number not in expected
    assert listed(client, overdue="on") == expected
    # closing an item takes it off the overdue list even though its last deadline has passed
    s.case_file(case=items.accusation, actor=county.zhang, reason="已当场答复", on=D(2026, 11, 26))
    assert listed(client, overdue="on") == expected - {items.accusation.number}


# --- search ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("wage.number", {"wage"}),  # exact number
        ("XFJ-2026", {"wage", "pension", "road", "repeat", "accusation"}),  # number prefix
        ("xfj-2026-", {"wage", "pension", "road", "repeat", "accusation"}),  # case-insensitive
        ("陈大明", {"wage", "repeat"}),  # name, exact
        ("陈大", {"wage", "repeat"}),  # name prefix
        ("刘秀英", {"pension"}),
        ("13900139000", {"pension"}),  # phone
        ("139 0013 9000", set()),  # three words, none of which matches
        ("11010519491231002x", {"wage", "repeat"}),  # identity number, lower-case x
        ("养老", {"pension"}),  # 2-character word
        ("硬化工程", {"wage"}),  # 4-character word
        ("工资", {"wage", "repeat"}),  # title of one, content of both
        ("拖欠 再次", {"repeat"}),  # words are ANDed
        ("养", {"pension"}),  # one character
        ("务工程", set()),  # every bigram occurs in the wage item, but not next to each other
        ("不存在的词", set()),
        ("好处费", {"accusation"}),
    ],
)
def test_search_box(client, county, items, q, expected):
    client.force_login(county.zhang)
    if q == "wage.number":
        q = items.wage.number
    assert listed(client, q=q) == {getattr(items, k).number for k in expected}


def test_search_combines_with_filters_and_keeps_them(client, county, items):
    client.force_login(county.zhang)
    assert listed(client, q="工资", channel="call") == {items.repeat.number}
    html = client.get(LIST, {"q": "工资", "channel": "call"}).content.decode()
    assert 'value="工资"' in html and '<option value="call" selected>' in html


# --- 检举控告 ------------------------------------------------------------------------------------------------


def test_accused_unit_sees_no_identity_in_list_search_or_export(client, county, items):
    user = county.housing_handler
    grant_county_view(user, county)
    client.force_login(user)
    resp = client.get(LIST)
    assert numbers(resp) == items.all  # the grant shows every item ...
    html = resp.content.decode()
    assert "赵举报" not in html and "（依法保密）" in html  # ... but not who accused them
    assert "陈大明" in html  # other items keep their names
    # searching the accuser's name, phone or identity number finds nothing
    for q in ("赵举报", "赵举", "13700137000", "110105194912310038"):
        assert listed(client, q=q) == set(), q
    # the title is shown in the row, so its words find the item; the content is hidden, so its words do not
    assert listed(client, q="好处费") == {items.accusation.number}
    assert listed(client, q="转账记录") == set()
    ws = sheet(client.get(EXPORT))
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    name_col, phone_col = [h for h, _ in COLUMNS].index("主要信访人"), [h for h, _ in COLUMNS].index("联系电话")
    assert rows[items.accusation.number][name_col] == "（依法保密）"
    assert rows[items.accusation.number][phone_col] == "（依法保密）"
    assert rows[items.wage.number][name_col] == "陈大明"
    assert "赵举报" not in str(list(rows.values())) and "13700137000" not in str(list(rows.values()))
    # the export is logged once, counting only the rows that showed a name (all but the accusation)
    export_log = PersonalDataAccess.objects.get(user=user, purpose="导出台账")
    assert export_log.case is None and export_log.count == len(items.all) - 1
    # a search for a person logs each item it listed, never the masked one
    searched = PersonalDataAccess.objects.filter(user=user, case__isnull=False).values_list("case_id", flat=True)
    assert items.accusation.pk not in set(searched)


def test_others_still_find_the_accuser(client, county, items):
    client.force_login(county.zhao)
    assert listed(client, q="赵举报") == {items.accusation.number}
    assert listed(client, q="转账记录") == {items.accusation.number}
    # a search by name discloses who petitioned: the item it listed is logged
    assert PersonalDataAccess.objects.filter(user=county.zhao, case=items.accusation).exists()
    assert "赵举报" in client.get(LIST).content.decode()


# --- sort and pages ------------------------------------------------------------------------------------------


def test_sort_by_each_column_and_direction(client, county, items):
    client.force_login(county.zhang)

    def order(sort):
        return [r.case.number for r in client.get(LIST, {"sort": sort}).context["rows"]]

    cases = list(Case.objects.all())
    assert order("number") == sorted(c.number for c in cases)
    assert order("-number") == sorted((c.number for c in cases), reverse=True)
    assert order("received")[0] == items.wage.number and order("-received")[0] == items.repeat.number
    dues = order("due")
    with_due = sorted((c for c in cases if c.due_on), key=lambda c: (c.due_on, c.pk))
    assert dues[: len(with_due)] == [c.number for c in with_due]
    # default: newest registration first (keys are handed out at registration)
    assert order("") == [c.number for c in sorted(cases, key=lambda c: c.pk, reverse=True)]


def test_sort_links_keep_filters_and_toggle(client, county, items):
    client.force_login(county.zhang)
    html = client.get(LIST, {"status": "routing", "sort": "number"}).content.decode()
    assert 'href="?status=routing&amp;sort=-number"' in html  # clicking again reverses
    assert 'href="?status=routing&amp;sort=-received"' in html
    assert 'aria-sort="ascending"' in html


def test_pagination_keeps_filters(client, county, petition):
    for n in range(53):
        petition(title=f"第{n}号测试信访件拖欠工资", received_on=D(2026, 9, 1) + dt.timedelta(days=n % 20))
    petition(title="不相关的事项", content="路灯不亮")
    client.force_login(county.zhang)
    first = client.get(LIST, {"q": "拖欠工资", "channel": "letter"})
    html = first.content.decode()
    assert len(first.context["rows"]) == 50 and "共 53 件" in html
    assert 'href="?q=%E6%8B%96%E6%AC%A0%E5%B7%A5%E8%B5%84&amp;channel=letter&amp;page=2"' in html
    second = client.get(LIST, {"q": "拖欠工资", "channel": "letter", "page": 2})
    assert len(second.context["rows"]) == 3
    assert numbers(first).isdisjoint(numbers(second))
    assert 'rel="prev"' in second.content.decode() and "page=1" in second.content.decode()
    # sort survives paging
    third = client.get(LIST, {"q": "拖欠工资", "sort": "number", "page": 2})
    all_numbers = sorted(c.number for c in Case.objects.filter(title__contains="拖欠工资"))
    assert [r.case.number for r in third.context["rows"]] == all_numbers[50:]
    # a page past the end is an empty page, not an error
    resp = client.get(LIST, {"q": "拖欠工资", "page": 9})
    assert resp.status_code == 200 and "这一页没有信访件" in resp.content.decode()


def test_counts_are_capped(client, county, items, monkeypatch):
    from xinfang.cases import search
    from xinfang.workbench.views import cases as views

    qs = search_cases(county.zhang, CaseCriteria())
    assert count_capped(qs, limit=3) == Count(3, more=True)
    assert count_capped(qs, limit=5) == Count(5, more=False)
    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(county.zhang)
    html = client.get(LIST).content.decode()
    assert "2+ 件" in html and 'rel="next"' in html


def test_list_queries_do_not_grow_with_rows(client, county, petition):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.zhang)

    def statements():
        client.get(LIST)  # warm the session and grant caches of this client
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(LIST)
        return len(resp.context["rows"]), len(ctx.captured_queries)

    petition()
    one = statements()
    for _ in range(30):
        petition()
    many = statements()
    assert (one[0], many[0]) == (1, 31)
    assert many[1] == one[1]  # rows, their units and class, and their main petitioners: no query per row


# --- export ----------------------------------------------------------------------------------------------------


def test_export_is_exactly_the_filtered_rows(client, county, items):
    client.force_login(county.zhang)
    ws = sheet(client.get(EXPORT, {"status": "routing", "sort": "number"}))
    header = [c.value for c in ws[1]]
    assert header == [h for h, _ in COLUMNS]
    assert {"编号", "收到日期", "主要信访人", "联系电话", "状态", "截止日", "是否超期"} <= set(header)
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b
    assert ws.auto_filter.ref == "A1:S4"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == sorted([items.road.number, items.repeat.number, items.accusation.number])
    by_number = {r[0]: r for r in rows}
    received = by_number[items.road.number][header.index("收到日期")]
    assert isinstance(received, dt.date) and received.date() == dt.date(2026, 11, 20)
    assert ws.cell(row=2, column=2).number_format == "yyyy-mm-dd"
    assert isinstance(by_number[items.road.number][header.index("截止日")], dt.datetime)
    assert by_number[items.road.number][header.index("集体访")] == "是"
    assert by_number[items.road.number][header.index("人数")] == 6
    assert by_number[items.accusation.number][header.index("是否超期")] == "是"
    assert by_number[items.road.number][header.index("是否超期")] == "否"
    assert by_number[items.road.number][header.index("状态")] == "待分流"
    assert by_number[items.repeat.number][header.index("联系电话")] == "13800138000"
    # the export is logged once, with its criteria and the number of rows that show a petitioner
    log = PersonalDataAccess.objects.get(user=county.zhang, purpose="导出台账")
    assert log.case is None and log.count == 3 and "status=routing" in log.detail
    assert "filename*=utf-8''" in client.get(EXPORT)["Content-Disposition"]


def test_export_follows_search_and_visibility(client, county, items):
    client.force_login(county.li)
    assert exported(client) == {items.wage.number}
    client.force_login(county.zhang)
    assert exported(client, q="工资") == {items.wage.number, items.repeat.number}
    assert exported(client, category=cat("劳动和社会保障").pk) == {items.wage.number, items.pension.number}


def test_export_refuses_more_than_the_limit(client, county, items, monkeypatch):
    from xinfang.cases import export

    monkeypatch.setattr(export, "EXPORT_LIMIT", 2)
    client.force_login(county.zhang)
    resp = client.get(EXPORT, {"status": "open"}, follow=True)
    assert resp.status_code == 200 and "无法一次导出" in resp.content.decode()
    assert not PersonalDataAccess.objects.filter(purpose="导出台账").exists()


# --- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"received_from": "2026-13-45"}, "请输入有效的日期"),
        ({"received_to": "明天"}, "请输入有效的日期"),
        ({"received_from": "2026-11-01", "received_to": "2026-10-01"}, "早于起始日期"),
        ({"unit": "abc"}, "所选单位不存在"),
        ({"unit": "999999"}, "所选单位不存在"),
        ({"category": "-1"}, "所选内容分类不存在"),
        ({"status": "bogus"}, "没有「bogus」这个状态"),
        ({"channel": "pigeon"}, "没有「pigeon」这种信访形式"),
        ({"sort": "password"}, "排序方式「password」无效"),
        ({"q": "长" * 101}, "关键词不能超过 100 个字"),
    ],
)
def test_bad_parameters_show_a_chinese_error(client, county, items, params, message):
    client.force_login(county.zhang)
    resp = client.get(LIST, params)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert message in html and "请修改以下内容" in html
    # the valid part of the query still works: the list is shown
    assert numbers(resp) == items.all
    # the export does not guess: back to the list with the error
    resp = client.get(EXPORT, params, follow=True)
    assert resp.status_code == 200 and message in resp.content.decode() and "未导出" in resp.content.decode()


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "1.5"])
def test_bad_page_numbers_do_not_fail(client, county, items, page):
    client.force_login(county.zhang)
    assert client.get(LIST, {"page": page}).status_code == 200


def test_odd_search_text_does_not_fail(client, county, items):
    client.force_login(county.zhang)
    for q in ("'", "\\", "%", "_", "a&b|!c", "工资:*", "''工资''", "(工资)", "\u3000工资\u3000", "x" * 100):
        assert client.get(LIST, {"q": q}).status_code == 200, q
    assert listed(client, q="\u3000工资\u3000") == {items.wage.number, items.repeat.number}


# --- PostgreSQL indexes ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_content_search_and_name_prefix_use_their_indexes(county, items):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("二元组全文索引只在 PostgreSQL 上建立")
    with connection.cursor() as cur:
        # On five rows a sequential scan is cheaper; forbid it to see which index the planner can use.
        cur.execute("SET LOCAL enable_seqscan = off")
        # the search writes the very expression of the index, so PostgreSQL can use it
        assert "xinfang_bigrams" in str(search_cases(county.zhang, CaseCriteria(q="硬化工程")).query)
        assert "case_search_doc" in Case.objects.filter(TextMatch("硬化工程")).explain()
        # the name lookup that search_cases runs first
        assert "petitioner_name_prefix" in Petitioner.objects.filter(name__startswith="陈大").explain()
        cur.execute("SELECT tsvector_to_array(xinfang_bigrams(%s))", ["拖欠 工资AB"])
        assert set(cur.fetchone()[0]) == {"拖欠", "工资", "资a", "ab"}  # lower-cased, no pair across a space


@pytest.mark.postgres
def test_common_words_walk_the_items_and_rare_words_use_the_index(county, items):
    from django.db import connection

    from xinfang.cases import search

    if connection.vendor != "postgresql":
        pytest.skip("只有 PostgreSQL 按词的常见程度选择查找方式")
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_case")
    search._stats_cache.clear()
    try:
        assert search.text_share("工资") >= 0.3  # in two of the five items
        assert search.text_share("不存在的词") == 0
        common = search_cases(county.zhang, CaseCriteria(q="工资"))
        rare = search_cases(county.zhang, CaseCriteria(q="不存在的词"))
        assert "xinfang_bigrams" not in str(common.query)
        assert "xinfang_bigrams" in str(rare.query)
        assert {c.number for c in common} == {items.wage.number, items.repeat.number}
        assert not rare.exists()
    finally:
        search._stats_cache.clear()


@pytest.mark.postgres
def test_a_slow_count_is_abandoned_and_the_timeout_restored(county, items):
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    if connection.vendor != "postgresql":
        pytest.skip("计数限时只在 PostgreSQL 上生效")
    slow = Case.objects.filter(RawSQL("(SELECT pg_sleep(0.3)) IS NOT NULL", [], output_field=BooleanField()))
    assert count_capped(slow, budget_ms=50, at_least=7) == Count(7, more=True)
    assert count_capped(Case.objects.all(), budget_ms=5000) == Count(5, more=False)
    with connection.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        assert cur.fetchone()[0] == "0"
    assert Case.objects.count() == 5  # the connection is still usable


@pytest.mark.parametrize("sort", ["", "number", "-number", "received", "-received", "due", "-due"])
def test_small_and_large_result_paths_give_the_same_pages(county, items, petition, monkeypatch, sort):
    from xinfang.cases import search

    for n in range(7):
        petition(title=f"补充件{n}", received_on=D(2026, 9, 1) + dt.timedelta(days=n))
    criteria = CaseCriteria(sort=sort.lstrip("-") or "registered", descending=sort.startswith("-") or not sort)

    def pages():
        return [[c.number for c in search.case_page(county.zhang, criteria, page=p, size=5).cases] for p in (1, 2, 3)]

    in_python = pages()  # few matches: keys sorted here
    monkeypatch.setattr(search, "SMALL_RESULT", 0)
    assert pages() == in_python  # many matches: sorted by the database
    assert sum(len(p) for p in in_python) == 12


@pytest.mark.postgres
def test_a_common_word_walks_the_items_and_falls_back_to_the_index(county, items, monkeypatch):
    from django.db import connection

    from xinfang.cases import search

    if connection.vendor != "postgresql":
        pytest.skip("只有 PostgreSQL 按词的常见程度选择查找方式")
    monkeypatch.setattr(search, "is_common_word", lambda word, db="default": True)
    page = search.case_page(county.zhang, CaseCriteria(q="工资"), page=1, size=50)
    assert {c.number for c in page.cases} == {items.wage.number, items.repeat.number}
    assert page.count == Count(2, more=False)  # not counted, but everything is on this page

    def too_slow(db, ms, read):
        raise search.BudgetExceeded()

    monkeypatch.setattr(search, "within_budget", too_slow)
    page = search.case_page(county.zhang, CaseCriteria(q="工资"), page=1, size=50)
    assert {c.number for c in page.cases} == {items.wage.number, items.repeat.number}


@pytest.mark.postgres
@pytest.mark.parametrize("descending", [True, False])
def test_a_narrow_view_searches_its_own_items_through_the_index_and_by_walking(
    county, petition, monkeypatch, descending
):
    """A township user's word search: the index with the user's units, and the walk over their own items."""
    from django.db import connection

    from xinfang.cases import search

    if connection.vendor != "postgresql":
        pytest.skip("只有 PostgreSQL 为窄范围用户按单位查索引")
    own, others = [], []
    for n in range(6):
        c = petition(title=f"东街村修路拖欠工资{n}", content="修路工程拖欠工资。")
        own.append(s.case_forward(case=c, actor=county.zhang, target=county.town, on=D(2026, 9, 2)))
    for n in range(3):
        c = petition(title=f"西山乡修路拖欠工资{n}", content="修路工程拖欠工资。")
        others.append(s.case_forward(case=c, actor=county.zhang, target=county.town2, on=D(2026, 9, 2)))
    own.append(s.case_forward(case=petition(title="东街村路灯不亮"), actor=county.zhang, target=county.town,
                              on=D(2026, 9, 2)))
    # the item's access units follow its routing
    assert own[0].access_units == f"{county.bureau.pk} {county.town.pk}"

    monkeypatch.setattr(search, "has_narrow_view", lambda user, db="default": True)
    criteria = CaseCriteria(q="拖欠工资", descending=descending)
    qs = search.search_cases(county.li, criteria)
    assert "#u" in str(qs.query)  # the user's units are part of the index condition
    expected = sorted((c.number for c in own[:6]), reverse=descending)

    def pages(size):
        return [c.number for p in (1, 2, 3) for c in search.case_page(county.li, criteria, page=p, size=size).cases]

    assert pages(3) == expected  # counted through the index: few matches, sorted here
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 1)  # "many matches": walk the user's own items
    monkeypatch.setattr(search, "WALK_CHUNK", 2)
    assert pages(3) == expected
    page = search.case_page(county.li, criteria, page=2, size=4)
    assert [c.number for c in page.cases] == expected[4:] and not page.has_next
    # nobody sees more through this path: other townships' items never appear, a stranger finds nothing
    assert search.case_page(county.wang, criteria, page=1, size=50).cases == []
