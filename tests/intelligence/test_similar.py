"""The 重件 similarity index: finds earlier near-duplicates, respects ``before=``, is incremental, saves without
pickle, and never raises on odd input."""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

np = pytest.importorskip("numpy", reason="numpy is needed by xinfang.intelligence.text")

from xinfang.intelligence.text.similar import Candidate, SimilarityIndex, normalize_text  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tipdm2020"
needs_data = pytest.mark.skipif(not (DATA / "附件3.xlsx").exists(), reason=f"TipDM data not found at {DATA}")

DUP_EARLY = "A2区丽发新城小区附近新建搅拌站，噪音和粉尘严重扰民，夜间施工到凌晨两点，请环保部门查处。"
DUP_LATE = "再次反映：A2区丽发新城小区附近的搅拌站噪音粉尘扰民，夜里施工到凌晨，请尽快查处！"
FILLER = [
    "A7县星沙凉塘路旧城改造什么时候动工，居民等了五年",
    "A市人才新政购房补贴两个月没有发放",
    "西地省财政经济学院食堂窗口太少学生吃不上饭",
    "A3区西湖街道茶场村五组拆迁安置补偿标准不合理",
    "A6区金海中学寒假要求学生补课并收取费用",
    "A4区洪山公园规划了十几年何时开工建设",
    "A市58车贷案件立案半年没有通报进展",
    "A5区劳动东路魅力之城小区临街门面油烟扰民",
    "K市公交809路早班车间隔太长上班族等不到车",
    "B市绿地城际空间站虚假宣传欺骗业主",
]


def day(n: int) -> dt.datetime:
    return dt.datetime(2019, 1, 1) + dt.timedelta(days=n)


@pytest.fixture
def small_index() -> SimilarityIndex:
    idx = SimilarityIndex()
    idx.add("early", DUP_EARLY, date=day(10))
    for i, t in enumerate(FILLER):
        idx.add(f"f{i}", t, date=day(i))
    return idx


def test_earlier_near_duplicate_ranks_first(small_index):
    found = small_index.query(DUP_LATE, k=5, before=day(30))
    assert found and found[0].doc_id == "early"
    assert isinstance(found[0], Candidate) and found[0].method == "bigram-tfidf"
    assert 0 < found[0].score <= 1
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_before_excludes_later_and_undated(small_index):
    assert "early" not in [c.doc_id for c in small_index.query(DUP_LATE, k=5, before=day(10))]  # strictly before
    assert small_index.query(DUP_LATE, k=5, before=day(11))[0].doc_id == "early"
    assert small_index.query(DUP_LATE, k=5, before=dt.date(2019, 1, 12))[0].doc_id == "early"
    assert small_index.query(DUP_LATE, k=5, before="2019-01-12")[0].doc_id == "early"
    small_index.add("undated", DUP_EARLY)
    assert "undated" in [c.doc_id for c in small_index.query(DUP_LATE, k=5)]
    assert "undated" not in [c.doc_id for c in small_index.query(DUP_LATE, k=5, before=day(30))]


def test_exclude_and_k(small_index):
    assert small_index.query(DUP_EARLY, k=1)[0].doc_id == "early"
    assert small_index.query(DUP_EARLY, k=1, exclude="early")[0].doc_id != "early"
    assert len(small_index.query("A市 小区 扰民 噪音 补贴 学生", k=3)) <= 3
    assert small_index.query(DUP_EARLY, k=0) == []


def test_incremental_add_remove_replace(small_index):
    n = len(small_index)
    assert small_index.remove("early") is True
    assert small_index.remove("early") is False
    assert len(small_index) == n - 1
    assert "early" not in [c.doc_id for c in small_index.query(DUP_LATE, k=5)]
    small_index.add("early", "完全不同的内容：A9市禧和路垃圾分拣中心选址不合理", date=day(1))
    small_index.add("early", DUP_EARLY, date=day(2))  # the same id again replaces the document
    assert len(small_index) == n
    found = small_index.query(DUP_LATE, k=5)
    assert [c.doc_id for c in found].count("early") == 1 and found[0].doc_id == "early"


def test_many_adds_flush_and_merge_like_bulk():
    rng = random.Random(3)
    texts = [f"{rng.choice(FILLER)}，第{i}号补充说明{rng.randrange(10**6)}" for i in range(700)]
    one_by_one = SimilarityIndex(buffer_docs=8, merge_factor=4)
    for i, t in enumerate(texts):
        one_by_one.add(i, t, date=day(i % 300))
    bulk = SimilarityIndex()
    bulk.add_many((i, t, day(i % 300)) for i, t in enumerate(texts))
    assert len(one_by_one._segments) < 700 // 8  # merged, not one segment per flush
    assert len(one_by_one) == len(bulk) == 700
    for i in (0, 99, 350, 699):
        a = one_by_one.query(texts[i], k=3)
        b = bulk.query(texts[i], k=3)
        assert a[0].doc_id == b[0].doc_id == i
        # Norms of recently flushed segments use the idf of their flush time until they are merged.
        assert a[0].score == pytest.approx(b[0].score, abs=0.02)
    for i in range(0, 700, 2):
        one_by_one.remove(i)
    one_by_one.add_many((f"x{i}", texts[i], None) for i in range(40))  # triggers merges that purge removed slots
    assert all(c.doc_id != 0 for c in one_by_one.query(texts[0], k=5))
    assert one_by_one.query(texts[0], k=1)[0].doc_id == "x0"


def test_save_load_round_trip_without_pickle(small_index, tmp_path):
    small_index.remove("f3")
    small_index.add(42, "整数编号的文档：A1区马王堆驾校不发工资", date=day(3))
    path = tmp_path / "index.npz"
    small_index.save(path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
    assert "meta.npy" in names
    with np.load(path, allow_pickle=False) as z:  # loading must work with pickle disabled
        assert all(z[name].dtype != object for name in z.files)
    loaded = SimilarityIndex.load(path)
    assert len(loaded) == len(small_index)
    assert "f3" not in loaded and 42 in loaded
    for q in (DUP_LATE, "A1区马王堆驾校拖欠工资", FILLER[5]):
        assert loaded.query(q, k=3, before=day(40)) == small_index.query(q, k=3, before=day(40))
    loaded.add("new", DUP_LATE, date=day(50))
    assert loaded.query(DUP_LATE, k=1)[0].doc_id == "new"


@pytest.mark.parametrize("text", ["", " \n\t ", "字", "a", None, 12345, "，。！？", "字" * 100_000, "\U00020000\U00020001"])
def test_odd_input_never_raises(small_index, text):
    t = time.perf_counter()
    result = small_index.query(text, k=5)
    assert isinstance(result, list)
    small_index.add(f"odd-{text!r:.20}", text)
    assert time.perf_counter() - t < 2
    assert SimilarityIndex().query(text) == []


def test_huge_query_is_fast(small_index):
    huge = (DUP_LATE * 3000)[:100_000]
    t = time.perf_counter()
    found = small_index.query(huge, k=5)
    assert time.perf_counter() - t < 1
    assert found[0].doc_id == "early"


def test_normalize_text():
    assert normalize_text("  Ａ市　ＡＢＣ，好的\n\t 123 ") == "a市abc,好的123"
    assert normalize_text(None) == ""


# -- real data ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messages():
    from openpyxl import load_workbook

    wb = load_workbook(DATA / "附件3.xlsx", read_only=True)
    rows = wb.active.iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    out = []
    for r in rows:
        d = dict(zip(header, r, strict=False))
        when = d["留言时间"]
        if not isinstance(when, dt.datetime):
            when = dt.datetime.strptime(str(when).strip(), "%Y/%m/%d %H:%M:%S")
        topic = re.sub(r"\s+", "", str(d["留言主题"] or ""))
        out.append({"user": d["留言用户"], "topic": topic, "text": topic + re.sub(r"\s+", "", str(d["留言详情"] or "")),
                    "time": when})
    wb.close()
    return out


@needs_data
def test_real_repeats_found_in_top5(messages):
    # Every later message whose user posted the same topic earlier, plus 600 unrelated distractors.
    by_user = defaultdict(list)
    for i, m in enumerate(messages):
        by_user[m["user"]].append(i)
    pairs = [(a, b) for idxs in by_user.values() for a in idxs for b in idxs
             if messages[a]["topic"] == messages[b]["topic"] and messages[a]["time"] < messages[b]["time"]]
    assert len(pairs) >= 60
    involved = {i for p in pairs for i in p}
    rng = random.Random(11)
    sample = sorted(involved | set(rng.sample(range(len(messages)), 600)))
    idx = SimilarityIndex()
    idx.add_many((i, messages[i]["text"], messages[i]["time"]) for i in sample)
    hits = sum(a in [c.doc_id for c in idx.query(messages[b]["text"], 5, before=messages[b]["time"])] for a, b in pairs)
    assert hits / len(pairs) >= 0.98
    for _, b in pairs:  # only earlier messages come back
        for c in idx.query(messages[b]["text"], 5, before=messages[b]["time"]):
            assert messages[c.doc_id]["time"] < messages[b]["time"]
