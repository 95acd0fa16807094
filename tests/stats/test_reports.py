"""The monthly 通报 and the annual report: hand-built items recorded day by day (today frozen on each act's day, so
that only the one act recorded late is a 补录), then the documents read back with python-docx and every figure
checked against what the histories below make it."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from xinfang.cases import services as s
from xinfang.cases.workflow import EVENT_LABELS, backdate_reason
from xinfang.deadlines.services import compute_deadline
from xinfang.stats import fill, reports, reports_annual, reports_monthly
from xinfang.supervision import jobs

# Acts are recorded on their own day (time frozen there), so the backdating rules apply as in production.
pytestmark = [pytest.mark.django_db, pytest.mark.date_rules]
D = dt.date
SEP = (D(2026, 9, 1), D(2026, 9, 30))
REPORT_DAY = D(2026, 10, 12)


@pytest.fixture
def history(county, petition, at):
    """August: one letter, accepted in time (its clock falls due in August). September: a letter the town
    accepts in time; a visit of 3 people the town never answers; a call the housing bureau signs for on 9-3 but
    records on 9-5 (补录) and accepts on 9-5. The report is made on 10-12, after the error scan."""
    h = SimpleNamespace()

    def register(day, **kw):
        at(day)
        return petition(received_on=day, **kw)

    def act(day, fn, **kw):
        at(day)
        return fn(on=day, **kw)

    aug = register(D(2026, 8, 3), title="八月来信")
    aug = act(D(2026, 8, 4), s.case_forward, case=aug, actor=county.zhang, target=county.town)
    aug = act(D(2026, 8, 5), s.case_sign, case=aug, actor=county.li)
    act(D(2026, 8, 5), s.case_accept, case=aug, actor=county.li)

    h.a = register(D(2026, 9, 1), title="东街村道路硬化工程拖欠工人工资")
    h.b = register(D(2026, 9, 1), channel="visit", people_count=3, title="东街村宅基地纠纷")
    h.c = register(D(2026, 9, 1), channel="call", title="县城小区物业收费")
    for case, target in ((h.a, county.town), (h.b, county.town), (h.c, county.housing)):
        act(D(2026, 9, 2), s.case_forward, case=case, actor=county.zhang, target=target)
    h.a.refresh_from_db()
    a = act(D(2026, 9, 3), s.case_sign, case=h.a, actor=county.li)
    act(D(2026, 9, 4), s.case_accept, case=a, actor=county.li)
    # The housing bureau signed on 9-3 and entered it on 9-5 with a reason: a late entry (补录).
    at(D(2026, 9, 5))
    with backdate_reason("承办人9月3日外出调查，返回后补录"):
        c = s.case_sign(case=h.c, actor=county.housing_handler, on=D(2026, 9, 3))
    act(D(2026, 9, 5), s.case_accept, case=c, actor=county.housing_handler)

    h.accept_due = compute_deadline("acceptance_notice", D(2026, 9, 2)).due
    assert SEP[0] <= h.accept_due < D(2026, 9, 29)  # the clocks of the story fall due in September
    assert compute_deadline("acceptance_notice", D(2026, 8, 4)).due < SEP[0]
    at(REPORT_DAY)
    jobs.scan_errors(REPORT_DAY)  # the town never answered b: 逾期未告知受理
    fill.fill(REPORT_DAY)
    for case in (h.a, h.b, h.c):
        case.refresh_from_db()
    return h


def read(content: bytes) -> SimpleNamespace:
    doc = Document(io.BytesIO(content))
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]
    return SimpleNamespace(text="\n".join(p.text for p in doc.paragraphs), paragraphs=[p.text for p in doc.paragraphs],
                           tables=tables)


def table(doc: SimpleNamespace, *header: str) -> list[list[str]]:
    """The table whose header row starts with ``header``."""
    found = [t for t in doc.tables if t[0][: len(header)] == list(header)]
    assert len(found) == 1, (header, [t[0] for t in doc.tables])
    return found[0]


def section(doc: SimpleNamespace, heading: str, until: str) -> str:
    text = doc.text
    return text[text.index(heading): text.index(until)]


def bulletin(**kw) -> SimpleNamespace:
    return read(reports_monthly.bulletin(month_start=SEP[0], month_end=SEP[1], **kw))


def test_bulletin_figures(history, county, settings):
    settings.XINFANG_STATS_RANK_MIN = 2
    doc = bulletin(number=7)
    assert doc.paragraphs[1] == "县信访工作情况通报"
    assert "（2026年9月）" in doc.paragraphs
    assert "信访〔2026〕7号" in doc.paragraphs  # the fallback 机关代字 of 县信访局
    # 一: 3 items and 5 persons against August's 1 and 1.
    assert "本月全县共收到信访件3件次、5人次。与上月（1件次、1人次）相比，件次增加2件次（增长200.0%），人次增加4人次（增长400.0%）。" in doc.text
    channels = table(doc, "信访形式", "本月件次")
    assert channels[1:] == [
        ["来信", "1", "1", "0", "1", "1", "0"],
        ["来访", "1", "0", "+1", "3", "0", "+3"],
        ["来电", "1", "0", "+1", "1", "0", "+1"],
        ["合计", "3", "1", "+2", "5", "1", "+4"],
    ]
    figures = {row[0]: row[1:] for row in table(doc, "指标", "本月", "分子/分母", "上月")[1:]}
    from xinfang.stats.metrics import METRICS

    assert list(figures) == [m.name for m in METRICS]  # every metric, in the definitions' order
    # Acceptance clocks due in September: a (town, in time), b (town, never decided), c (housing, in time).
    assert figures["及时受理率"] == ["66.7%", "2/3", "100.0%"]
    assert figures["按期办结率"] == ["—", "0/0", "—"]  # the handling clocks run to November
    assert figures["重复信访率"] == ["0.0%", "0/3", "0.0%"]
    assert figures["集体上访率（人次）"] == ["0.0%", "0/3", "—"]
    # 二: the town has 2 acceptance clocks (ranked at a minimum of 2), the housing bureau 1 (not ranked).
    ranking = table(doc, "名次", "单位", "及时受理率")
    assert ranking[1:] == [["1", "东街镇", "50.0%", "1", "2"]]
    assert "受理告知到期不足2件、未排名的单位：县住建局（1/1）。" in doc.text
    assert "本月没有办理到期的信访事项。" in doc.text
    # 三: the town's missed clock, and the error register's entry for it.
    overdue = table(doc, "单位", "受理告知到期", "未按期告知", "办理到期", "未按期办结")
    assert overdue[1:] == [["东街镇", "2", "1", "0", "0"], ["合计", "2", "1", "0", "0"]]
    errors = table(doc, "责任单位", "差错类型")
    assert ["东街镇", "逾期未告知受理", "第二十四条、第四十四条", "1"] in errors[1:]
    assert "本月差错登记1条。" in doc.text
    # 四: three items make no hot topic.
    assert reports_monthly.NO_HOT_TOPICS in section(doc, "四、群众反映的热点问题", "五、补录情况")
    # 六 and the annex.
    assert "六、下一步工作要求" in doc.text and "附件：统计指标口径说明" in doc.text
    assert "及时受理率：受理告知期限届满日在本期内的信访件中" in doc.text


def test_late_entries_list_the_backdated_act_only(history, county):
    doc = bulletin()
    late = table(doc, "信访件编号", "办理事项", "单位", "办理日期", "录入日期")
    assert late[1:] == [[history.c.number, EVENT_LABELS["sign"], "县住建局", "2026-09-03", "2026-09-05"]]
    assert "有1项在办理日之后才录入系统（补录），涉及1个单位：县住建局1项。" in doc.text
    # The acts recorded on their day, registrations (dated by receipt) included, are not late entries.
    assert history.a.number not in section(doc, "五、补录情况", "六、下一步工作要求")


def test_late_entries_never_name_an_accusation_to_its_accused_side(history, county, petition, at):
    """An accusation against the bureau goes to the county's discipline commission at registration; the
    commission accepts it on 9-8 and records that on 9-10 (补录). The county head reads the act in the list; 赵督查,
    whose unit is the accused bureau, reads neither the item's number nor a count that includes it."""
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    officer = user_create(username="jw", password="Xinfang-2026", full_name="纪委承办", unit=county.discipline,
                          roles=[(Role.UNIT_HEAD, county.discipline)])
    at(D(2026, 9, 7))
    accusation = petition(received_on=D(2026, 9, 7), title="检举信访局某科长违规收受礼品", claim_type="accusation",
                          purpose="expose", accused_unit=county.bureau, accused_person="某科长")
    accusation.refresh_from_db()
    assert accusation.current_unit_id == county.discipline.pk
    at(D(2026, 9, 10))
    with backdate_reason("承办人9月8日受理，外出核查后补录"):
        s.case_accept(case=accusation, actor=officer, on=D(2026, 9, 8))
    at(REPORT_DAY)
    fill.fill(REPORT_DAY)

    def late_numbers(user):
        doc = bulletin(user=user)
        return [row[0] for row in table(doc, "信访件编号", "办理事项", "单位", "办理日期", "录入日期")[1:]], doc.text

    listed, text = late_numbers(county.county_head)
    # The acceptance and its notice, both recorded two days late.
    assert listed == [history.c.number, accusation.number, accusation.number]
    assert "有3项在办理日之后才录入系统（补录），涉及2个单位" in text
    listed, text = late_numbers(county.zhao)
    assert listed == [history.c.number]
    assert accusation.number not in text
    assert "有1项在办理日之后才录入系统（补录）" in text


def test_withdrawn_errors_are_not_listed(history, county):
    from xinfang.supervision.models import ErrorEntry

    ErrorEntry.objects.filter(case=history.b).update(contest=ErrorEntry.Contest.WITHDRAWN)
    doc = bulletin()
    assert "本月差错登记0条，另有1条经异议核实已撤销，不计入。" in doc.text
    assert not [t for t in doc.tables if t[0][0] == "责任单位"]


def test_hot_topics_from_intelligence_and_the_fallback(history, monkeypatch):
    import xinfang.intelligence.services as intel

    calls = []

    def topics(cases, *, top, today):
        calls.append((sorted(cases.values_list("pk", flat=True)), top, today))
        return [SimpleNamespace(title="东街村道路硬化工程拖欠工人工资", count=2, person_times=4),
                SimpleNamespace(title="零散问题", count=1, person_times=1)]

    monkeypatch.setattr(reports_monthly, "HOT_MIN_ITEMS", 3)
    monkeypatch.setattr(intel, "hot_topics_from", topics)
    doc = bulletin()
    # The month's items counted in its 件次, asked for the top 5 as of the month's last day; a lone item is no topic.
    assert calls == [(sorted([history.a.pk, history.b.pk, history.c.pk]), 5, SEP[1])]
    assert table(doc, "序号", "问题", "件次", "人次")[1:] == [["1", "东街村道路硬化工程拖欠工人工资", "2", "4"]]

    def broken(*args, **kw):
        raise RuntimeError("模型损坏")

    monkeypatch.setattr(intel, "hot_topics_from", broken)
    assert reports_monthly.NO_HOT_TOPICS in bulletin().text


def test_annual_report(history, county):
    doc = read(reports_annual.report(year_start=D(2026, 1, 1), year_end=D(2026, 12, 31)))
    assert doc.paragraphs[1:3] == ["县信访局", "关于2026年度信访工作情况的报告"]
    assert "根据《信访工作条例》第四十一条的规定" in doc.text
    for heading in ("一、受理、办理信访事项的数据统计", "二、信访事项涉及的领域", "三、被投诉较多的机关、单位",
                    "四、转送、交办、督办情况", "五、提出的改进建议及其被采纳情况"):
        assert heading in doc.paragraphs
    assert "全年全县共收到信访件4件次、6人次。" in doc.text
    figures = {row[0]: row[1:] for row in table(doc, "指标", "全年", "分子/分母")[1:]}
    assert figures["及时受理率"] == ["75.0%", "3/4"]  # August's clock and September's three
    # The town received the August letter and two September items; the housing bureau one. Only the August
    # letter's handling clock has passed its due date (early October) on the report day, unanswered: late. The
    # September clocks still run and are not yet due, so they count nowhere yet.
    assert table(doc, "序号", "单位", "件次", "按期办结率")[1:] == [
        ["1", "东街镇", "3", "0.0%（0/1）"], ["2", "县住建局", "1", "—"],
    ]
    routing = {row[0]: row[1] for row in table(doc, "项目", "件次")[1:]}
    assert routing["转送"] == "4" and routing["一般督办"] == "0" and routing["督办已办结"] == "0"
    # b's acceptance (September) and the August letter's reply, due early in October and still not given.
    assert "全年差错登记2条（不含经异议撤销的）：逾期未告知受理1条、逾期未办结答复1条。" in doc.text
    # No record of the bureau's suggestions exists: an empty table with its headers for the bureau to fill in.
    suggestions = table(doc, "序号", "建议事项", "提出对象", "提出日期", "采纳情况")
    assert len(suggestions) > 1 and all(row[1:] == ["", "", "", ""] for row in suggestions[1:])
    months = table(doc, "月份", "件次", "人次", "及时受理率", "按期办结率")
    assert months[8] == ["8月", "1", "1", "100.0%（1/1）", "—"] and months[9][:3] == ["9月", "3", "5"]


# --- the command --------------------------------------------------------------------------------------------


def test_command_writes_the_reports(history, tmp_path):
    out = tmp_path / "通报.docx"
    call_command("stats", "report", "--month", "2026-09", "--out", str(out), "--unit", "DJZ", stdout=io.StringIO())
    doc = read(out.read_bytes())
    assert "本月东街镇共收到信访件2件次、4人次。" in doc.text  # a and b were routed to the town
    year = tmp_path / "年报.docx"
    call_command("stats", "report", "--year", "2026", "--out", str(year), stdout=io.StringIO())
    assert "关于2026年度信访工作情况的报告" in read(year.read_bytes()).paragraphs


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-13"], "月份“2026-13”格式不正确，请使用 YYYY-MM 格式"),
    (["--month", "2026/09"], "月份“2026/09”格式不正确"),
    (["--month", "2027-01"], "2027年1月尚未开始"),
    (["--year", "26"], "年份“26”格式不正确"),
    (["--month", "2026-09", "--year", "2026"], "二者选一"),
    ([], "二者选一"),
])
def test_command_rejects_bad_input_in_chinese(county, at, tmp_path, args, message):
    at(REPORT_DAY)
    with pytest.raises(CommandError) as err:
        call_command("stats", "report", *args, "--out", str(tmp_path / "r.docx"))
    assert message in str(err.value)
    assert not (tmp_path / "r.docx").exists()


def test_command_checks_the_output_and_the_unit(county, at, tmp_path):
    at(REPORT_DAY)
    for args, message in (
        (["--out", str(tmp_path / "r.pdf")], "应以 .docx 结尾"),
        (["--out", str(tmp_path / "无此目录" / "r.docx")], "不存在"),
        (["--out", str(tmp_path / "r.docx"), "--unit", "NOPE"], "没有代码为 NOPE 的单位"),
        (["--out", str(tmp_path / "r.docx"), "--number", "三"], "应为正整数"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("stats", "report", "--month", "2026-09", *args)


# --- the views ------------------------------------------------------------------------------------------------


def test_the_county_supervisor_downloads_both_reports(history, county, client):
    client.force_login(county.zhao)
    response = client.get(reverse("stats:report_monthly"), {"month": "2026-09"})
    assert response.status_code == 200
    assert response["Content-Type"] == reports.DOCX
    name = "信访工作情况通报（2026年9月）.docx"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
    assert "本月全县共收到信访件3件次、5人次。" in read(response.content).text
    response = client.get(reverse("stats:report_annual"), {"year": "2026"})
    assert response.status_code == 200
    assert quote("2026年度信访工作情况报告.docx") in response["Content-Disposition"]


def test_figures_stay_within_the_readers_scope(history, county, client):
    # 张 registers at the bureau: his grant covers the bureau, not the units the items were routed to.
    client.force_login(county.zhang)
    response = client.get(reverse("stats:report_monthly"), {"month": "2026-09"})
    assert response.status_code == 200
    doc = read(response.content)
    assert "本月县信访局共收到信访件0件次、0人次。" in doc.text
    assert history.c.number not in doc.text  # the housing bureau's late entry is not the bureau's


@pytest.mark.parametrize("who", ["li", "wang", "housing_handler", "li_head"])
def test_other_units_get_404(history, county, client, who):
    client.force_login(getattr(county, who))
    for name, query in (("stats:report_monthly", {"month": "2026-09"}), ("stats:report_annual", {"year": "2026"})):
        assert client.get(reverse(name), query).status_code == 404


def test_anonymous_is_sent_to_login(county, client):
    response = client.get(reverse("stats:report_monthly"), {"month": "2026-09"})
    assert response.status_code == 302 and reverse("workbench:login") in response["Location"]


def test_bad_month_in_the_view(county, client, at):
    at(REPORT_DAY)
    client.force_login(county.zhao)
    response = client.get(reverse("stats:report_monthly"), {"month": "九月"})
    assert response.status_code == 400
    assert "请使用 YYYY-MM 格式" in response.content.decode()
    assert client.get(reverse("stats:report_annual"), {"year": "2099"}).status_code == 400
