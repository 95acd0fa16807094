"""Hot topics: repeated issues come out on top with sensible keywords, places and trends; odd input is harmless."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("numpy", reason="numpy is needed by xinfang.intelligence.text")
pytest.importorskip("jieba", reason="jieba is needed by xinfang.intelligence.text.hottopics")

from xinfang.intelligence.text.hottopics import HotTopic, TopicItem, extract_places, find_hot_topics, purity  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tipdm2020"
needs_data = pytest.mark.skipif(not (DATA / "附件3.xlsx").exists(), reason=f"TipDM data not found at {DATA}")

NOW = dt.date(2026, 11, 26)

PLANT = [
    ("A2区丽发新城附近建搅拌站噪音扰民", "丽发新城小区旁边新建的搅拌站日夜施工，噪音和粉尘严重影响居民休息，请环保部门查处。"),
    ("丽发新城小区附近搅拌站粉尘噪音严重", "我们是A2区丽发新城的业主，小区附近的搅拌站整夜生产，粉尘大、噪音大，孩子无法睡觉。"),
    ("投诉丽发新城旁违建搅拌站", "丽发新城小区边上的搅拌站没有环评手续，车辆进出扬尘，噪音扰民，请求取缔搅拌站。"),
    ("A市丽发新城搅拌站扰民何时解决", "丽发新城附近的搅拌站已经投诉多次，噪音粉尘依旧，希望尽快搬迁搅拌站。"),
    ("请求搬走丽发新城小区附近的搅拌站", "搅拌站离丽发新城小区不到两百米，粉尘和噪音污染严重，居民苦不堪言。"),
    ("丽发新城居民反映搅拌站夜间施工", "A2区丽发新城附近搅拌站夜间施工到凌晨，噪音扰民，请相关部门管一管。"),
]
INTERN = [
    ("A市经济学院强制学生外出实习", "A市经济学院要求全体学生到外地工厂实习，不去就不发毕业证，实习工资很低。"),
    ("A市经济学院组织学生外出打工合理吗", "经济学院以实习为名安排学生去电子厂流水线打工，每天工作十二小时，学生不愿意也必须去。"),
    ("经济学院强迫学生去工厂实习", "我是A市经济学院的学生，学校强制我们去外省工厂顶岗实习，扣押学生证，请教育部门调查。"),
    ("A市经济学院实习安排不合理", "A市经济学院安排的实习与专业无关，学生被迫在工厂流水线上工作，学院还收取实习管理费。"),
]
NOISE_TOPICS = [
    "A7县星沙凉塘路旧城改造何时动工", "A市人才新政购房补贴没有发放", "西地省58车贷案件进展缓慢",
    "A6区金海中学寒假要求补课收费", "A4区洪山公园何时开工建设", "K市809路公交车班次太少",
    "B市某驾校退学后不退学费", "A3区西湖街道茶场村拆迁补偿不合理", "A9市禧和路垃圾分拣中心选址",
    "A5区某小区电梯经常故障", "A1区某路段路灯不亮", "A8县农村自来水水质差", "C市某医院看病排队太久",
    "D市公积金贷款办理太慢", "E县某村道路硬化申请", "F市出租车拒载现象严重", "G县农民工工资被拖欠",
    "H市小学入学政策咨询", "I区夜市烧烤摊占道经营", "J县养老保险补缴咨询",
]


def synthetic_items() -> list[TopicItem]:
    rng = random.Random(5)
    items = []
    for i, (title, text) in enumerate(PLANT):
        items.append(TopicItem(id=f"p{i}", title=title, text=text, date=NOW - dt.timedelta(days=3 * i),
                               likes=5 + i, person=f"plant-{i}", label="环境保护"))
    for i, (title, text) in enumerate(INTERN):
        items.append(TopicItem(id=f"i{i}", title=title, text=text, date=NOW - dt.timedelta(days=10 + 5 * i),
                               likes=1, person=f"intern-{i}", label="教育文体"))
    for i, title in enumerate(NOISE_TOPICS):
        items.append(TopicItem(id=f"n{i}", title=title, text=title + "，请有关部门尽快处理。" + str(rng.randrange(10**6)),
                               date=NOW - dt.timedelta(days=rng.randrange(90)), person=f"noise-{i}", label="城乡建设"))
    rng.shuffle(items)
    return items


def test_repeated_issues_come_first_with_keywords_and_places():
    topics = find_hot_topics(synthetic_items(), top=5, now=NOW)
    assert len(topics) >= 2
    first, second = topics[0], topics[1]
    assert isinstance(first, HotTopic)
    assert set(first.item_ids) == {f"p{i}" for i in range(6)}
    assert set(second.item_ids) == {f"i{i}" for i in range(4)}
    assert "搅拌站" in first.keywords and any("丽发" in k for k in first.keywords)
    assert "实习" in second.keywords
    assert "丽发新城" in first.places and "A2区" in first.places
    assert "A市经济学院" in second.places or "经济学院" in "".join(second.places)
    assert first.count == 6 and first.people == 6 and first.likes == sum(5 + i for i in range(6))
    assert first.score > second.score > 0
    assert first.first_date == NOW - dt.timedelta(days=15) and first.last_date == NOW
    assert first.labels == {"环境保护": 6}
    assert first.item_ids[0] == "p5"  # the most liked first


def test_trend_counts_periods_and_direction():
    topics = find_hot_topics(synthetic_items(), top=1, now=NOW)
    trend = topics[0].trend
    assert trend["period"] == "week"  # a 90-day window is shown per week
    assert sum(trend["counts"].values()) == 6
    assert trend["last"] >= 1
    assert isinstance(trend["slope"], float)


def test_one_person_repeating_is_not_a_crowd():
    items = synthetic_items()
    items += [TopicItem(id=f"r{i}", title="A1区某小区楼顶违章搭建铁皮房", text="A1区某小区楼顶有人违章搭建铁皮房，请城管拆除违建。",
                        date=NOW - dt.timedelta(days=i), person="same-person") for i in range(8)]
    topics = find_hot_topics(items, top=10, now=NOW)
    repeat = next(t for t in topics if any(str(i).startswith("r") for i in t.item_ids))
    assert repeat.count == 8 and repeat.people == 1
    assert topics[0].item_ids[0].startswith("p")  # six people outrank one person posting eight times


def test_purity_against_labels():
    topics = find_hot_topics(synthetic_items(), top=None, now=NOW)
    value, counted = purity(topics)
    assert counted >= 10 and value == 1.0
    assert purity([]) == (0.0, 0)


def test_extract_places():
    assert extract_places("投诉A5区劳动东路魅力之城小区油烟扰民") == ["A5区", "劳动东路", "魅力之城"]
    assert extract_places("A市涉外经济学院强制学生实习") == ["A市", "涉外经济学院"]
    assert extract_places("关于广铁集团职工定向商品房伊景园滨河苑项目的问题")[-1] == "伊景园滨河苑"
    assert extract_places("搅拌站几百米外就是小学") == []
    assert extract_places("") == [] and extract_places(None) == []


@pytest.mark.parametrize(
    "items",
    [
        [],
        [TopicItem(id=1, text="")],
        [TopicItem(id=1, text=""), TopicItem(id=2, text="")],
        [TopicItem(id=1, text="字"), TopicItem(id=2, text="字")],
        [TopicItem(id=i, text="噪音扰民" * 25_000, title="", date=None) for i in range(3)],
        [TopicItem(id=1, text=None, title=None, date="yesterday", likes=None), "not an item", None],
    ],
)
def test_odd_input_never_raises(items):
    t = time.perf_counter()
    out = find_hot_topics(items, top=5, now=NOW)
    assert isinstance(out, list)
    assert time.perf_counter() - t < 10


def test_identical_items_form_one_topic():
    items = [TopicItem(id=i, text="A3区某路段下水道堵塞污水横流", date=NOW) for i in range(5)]
    topics = find_hot_topics(items, now=NOW)
    assert len(topics) == 1 and topics[0].count == 5


@needs_data
def test_real_sample_two_big_issues_on_top():
    from openpyxl import load_workbook

    wb = load_workbook(DATA / "附件3.xlsx", read_only=True)
    rows = wb.active.iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    msgs = [dict(zip(header, r, strict=False)) for r in rows]
    wb.close()

    def when(v):
        return v if isinstance(v, dt.datetime) else dt.datetime.strptime(str(v).strip(), "%Y/%m/%d %H:%M:%S")

    def norm(s):
        return re.sub(r"\s+", "", str(s or ""))

    issue = [m for m in msgs if "搅拌站" in norm(m["留言主题"]) and "丽发" in norm(m["留言主题"])]
    cars = [m for m in msgs if "伊景园" in norm(m["留言主题"]) and "车位" in norm(m["留言主题"])]
    others = [m for m in msgs if m not in issue and m not in cars]
    sample = issue + cars + random.Random(2).sample(others, 400)
    items = [TopicItem(id=m["留言编号"], text=norm(m["留言详情"]), title=norm(m["留言主题"]), date=when(m["留言时间"]),
                       likes=int(m["点赞数"] or 0), person=m["留言用户"]) for m in sample]
    topics = find_hot_topics(items, top=3)
    top_ids = [set(t.item_ids) for t in topics[:2]]
    issue_ids, car_ids = {m["留言编号"] for m in issue}, {m["留言编号"] for m in cars}
    assert any(len(s & issue_ids) >= 0.65 * len(issue_ids) for s in top_ids)
    assert any(len(s & car_ids) >= 0.65 * len(car_ids) for s in top_ids)
    words = [w for t in topics[:2] for w in t.keywords]
    assert "搅拌站" in words and "捆绑" in words


# -- 人次 and titles ----------------------------------------------------------------------------------------


def _noise() -> list[TopicItem]:
    return [TopicItem(id=f"n{i}", title=title, text=title + "，请有关部门尽快处理。", date=NOW - dt.timedelta(days=i),
                      person=f"noise-{i}") for i, title in enumerate(NOISE_TOPICS)]


def _plant_topic(topics: list[HotTopic]) -> HotTopic:
    return next(t for t in topics if any(str(i).startswith("p") for i in t.item_ids))


def test_person_times_count_every_visitor_of_a_group_visit():
    # One group visit of six and two letters about the same plant: 3 件次, 6 + 1 + 1 = 8 人次.
    people = {"p0": 6, "p1": 1, "p2": 1}
    items = _noise() + [
        TopicItem(id=f"p{i}", title=title, text=text, date=NOW - dt.timedelta(days=i), person=f"plant-{i}",
                  people=people[f"p{i}"])
        for i, (title, text) in enumerate(PLANT[:3])
    ]
    topic = _plant_topic(find_hot_topics(items, top=None, now=NOW))
    assert set(topic.item_ids) == set(people)
    assert topic.count == 3
    assert topic.person_times == 6 + 1 + 1
    assert topic.people == 6 + 1 + 1  # eight different people came
    # The same letters as single visits: the group makes the issue hotter, not just its 人次 larger.
    alone = [dataclasses.replace(it, people=1) for it in items]
    single = _plant_topic(find_hot_topics(alone, top=None, now=NOW))
    assert single.person_times == 3 and topic.score > single.score


def test_a_group_coming_back_counts_again_in_person_times_but_not_as_new_people():
    items = _noise() + [
        TopicItem(id="p0", title=PLANT[0][0], text=PLANT[0][1], date=NOW - dt.timedelta(days=9), person="g", people=6),
        TopicItem(id="p1", title=PLANT[1][0], text=PLANT[1][1], date=NOW, person="g", people=6),
        TopicItem(id="p2", title=PLANT[2][0], text=PLANT[2][1], date=NOW, person="other"),
    ]
    topic = _plant_topic(find_hot_topics(items, top=None, now=NOW))
    assert topic.count == 3
    assert topic.person_times == 6 + 6 + 1  # 人次: every visit of every person
    assert topic.people == 6 + 1  # heat: the same six people came twice


@pytest.mark.parametrize("people", [0, -3, None, "六"])
def test_unreadable_people_counts_one(people):
    items = [TopicItem(id=i, text="A3区某路段下水道堵塞污水横流", date=NOW, people=people) for i in range(3)]
    (topic,) = find_hot_topics(items, now=NOW)
    assert topic.count == 3 and topic.person_times == 3


# Every message names the plant; all but one add a second, unrelated complaint. The one that says only what
# they all say is the most typical of the issue, so it names it.
COMMON = "丽发新城小区旁边的搅拌站日夜施工噪音扰民居民无法休息，请求查处。"
EXTRAS = [
    "另外小区门口停车位收费太贵。",
    "还有附近菜市场污水横流没人管。",
    "顺便问一下孩子入学积分怎么算。",
    "楼下烧烤摊油烟也很大。",
    "物业费年年上涨服务却很差。",
]


def _plant_with_one_typical(with_titles: bool) -> list[TopicItem]:
    # The typical item has the largest id, so a tie broken by id would not pick it.
    items = [TopicItem(id="p9", title="丽发新城搅拌站噪音扰民" if with_titles else "", text=COMMON, date=NOW - dt.timedelta(days=3))]
    for i, extra in enumerate(EXTRAS):
        title = f"丽发新城搅拌站噪音扰民，{extra[:6]}" if with_titles else ""
        items.append(TopicItem(id=f"p{i}", title=title, text=COMMON + extra, date=NOW - dt.timedelta(days=i)))
    return items + _noise()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_title_is_the_title_of_the_most_central_item(seed):
    items = _plant_with_one_typical(with_titles=True)
    random.Random(seed).shuffle(items)  # the answer does not depend on the order of the input
    topic = _plant_topic(find_hot_topics(items, top=None, now=NOW))
    assert set(topic.item_ids) == {"p9"} | {f"p{i}" for i in range(len(EXTRAS))}
    assert topic.central_id == "p9"
    assert topic.title == "丽发新城搅拌站噪音扰民"
    assert "搅拌站" in topic.keywords  # the keywords stay, as the secondary line


def test_title_falls_back_to_the_start_of_the_central_items_text():
    topic = _plant_topic(find_hot_topics(_plant_with_one_typical(with_titles=False), top=None, now=NOW))
    assert topic.central_id == "p9"
    assert len(COMMON) > 30
    assert topic.title == COMMON[:30] + "…"
