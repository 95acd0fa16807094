"""Hot topics (民情分析): group recent petitions into issues and rank the issues by how hot they are.

Pipeline, chosen to be explainable to a petition office and to run in about a second on a month's items:

1. Terms: jieba words (two characters or more, minus function words and petition boilerplate) plus the place
   names found by regex (``A市``, ``A2区``, ``xx小区``, ``xx学院`` …). Places count double: two messages about
   the same estate or school are far more likely to be the same issue than two that share generic words.
   The optional title counts double for the same reason (it names the issue; the details wander).
2. Sublinear TF-IDF, L2-normalised; the cosine k-nearest-neighbour graph is computed sparsely through an
   inverted index, so the cost grows with the overlap between items, not with N².
3. Average-link agglomerative clustering on that graph (missing edges count as similarity 0), stopped at
   ``threshold``. Average link does not chain unrelated items together the way single link (DBSCAN's
   connected components) does, which matters on noisy complaint text.
4. Heat = distinct petitioners (recency-weighted; one person posting 20 times is a repeat petition, not a
   hot topic; a group of six visiting together is six people) × (1 + ½·ln(1 + likes)). Each issue gets
   件次 (items) and 人次 (every person of every item: a group visit counts all its visitors, a repeat counts
   again), keywords (class-based TF-IDF), places, a trend and the items behind it.
5. Title: the text of the issue's most central item, the one whose TF-IDF vector has the highest cosine
   similarity to the mean of the issue's vectors — its title, or the start of its text when it has none.
   A real petition reads better than a keyword list and cannot string words into a claim nobody made.

Advisory: ``find_hot_topics`` never raises; on failure it logs and returns ``[]``.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from xinfang.intelligence.text.normalize import get_tokenizer
from xinfang.intelligence.text.similar import bigram_terms

__all__ = ["HotTopic", "TopicItem", "extract_places", "find_hot_topics", "purity"]

log = logging.getLogger(__name__)

MAX_ITEMS = 20000  # the newest ones are kept: the graph and the merges stay within a few seconds
MAX_TEXT = 1000  # characters of each text that are compared; the issue is named early in a petition
HEADLINE = 80  # characters of text used as a headline when an item has no title
TITLE_CHARS = 30  # characters of text that title an issue when its central item has no title
TITLE_WEIGHT = 2.0  # a title names the issue; the details wander
PLACE_WEIGHT = 2.0  # the same estate or school is strong evidence of the same issue
ATTACH_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class TopicItem:
    """One petition: ``text`` (details), optional ``title`` (counts double), ``place`` (a unit or place name
    from the form), ``likes``, ``label`` (category, for purity), ``person`` (any stable key for the
    petitioner, e.g. a hashed ID number or the first item of a chain of linked repeats; used only to count
    people) and ``people`` (how many people brought this item: a group visit's number of visitors; at
    least 1)."""

    id: Hashable
    text: str
    date: _dt.date | _dt.datetime | None = None
    place: str | None = None
    likes: int = 0
    label: str | None = None
    title: str = ""
    person: Hashable | None = None
    people: int = 1


@dataclass(slots=True)
class HotTopic:
    """One issue. ``count`` is 件次 (items); ``person_times`` is 人次 (the sum of the items' ``people``: a group
    visit of six counts six, a repeat counts again); ``people`` counts distinct petitioners for the heat (items
    without ``person`` count as their own petitioner; each petitioner counts the largest ``people`` among
    their items). ``title`` is the title of the most central item (``central_id``), or the first
    ``TITLE_CHARS`` characters of its text. ``trend`` is ``{"period": "week"|"month", "counts": {period: n}
    from the first period with an item to ``now``, "slope": items per period (least squares), "last": n,
    "previous": n}``; ``item_ids`` are ordered by likes; ``labels`` counts the items' labels where given."""

    keywords: list[str]
    count: int
    people: int
    score: float
    trend: dict
    places: list[str]
    item_ids: list[Hashable]
    likes: int = 0
    first_date: _dt.date | None = None
    last_date: _dt.date | None = None
    labels: dict[str, int] = field(default_factory=dict)
    person_times: int = 0
    title: str = ""
    central_id: Hashable | None = None


# -- places ------------------------------------------------------------------------------------------------

_ADMIN = re.compile(r"[A-Z]\d{0,2}[市县区]")
# Named places end in one of these words; the name is the run of characters just before the suffix.
_SUFFIX = re.compile(
    r"小区|花园|家园|新城|新村|公寓|社区|大厦|广场|商城|中学|小学|大学|学院|学校|幼儿园|医院|街道|公园|市场|"
    r"物流园|工业园|园区|大道|路|街|镇|乡|村|苑|城"
)
# A name never runs across these: function words, pronouns, measure words and the ends of admin units.
_NOT_NAME = set("的了在是和与及对把被给向从到为将我你他她它这那就都也还请要让们些么吗呢吧啊几百千米内旁边近远很太最"
                "更已没不无非未所而或若但因由说称想看于该此其每各个省市县区房有去来上下等、，。！？；：,.!?;:（）()《》“”\"' ")
_LEAD = re.compile(r"^(?:关于|投诉|反映|举报|请问|建议|希望|要求|请求|位于|地处|对于|咨询|强烈|紧急|恳请|再次)+")
MAX_NAME = 6


def extract_places(text: str) -> list[str]:
    """Place names mentioned in a text (``A市``, ``A2区``, ``丽发新城``, ``涉外经济学院`` …), in order of first
    mention, without repeats. The name before a suffix stops at punctuation, function words, an admin unit
    or the end of the previous place name, so "投诉A5区劳动东路魅力之城小区" gives 劳动东路 and 魅力之城."""
    s = re.sub(r"\s+", "", text or "")[:MAX_TEXT]
    found: list[str] = [m.group(0) for m in _ADMIN.finditer(s)]
    boundary = 0
    for m in _SUFFIX.finditer(s):
        start = m.start()
        j = start
        while j > boundary and start - j < MAX_NAME and s[j - 1] not in _NOT_NAME:
            j -= 1
        name = _LEAD.sub("", s[j:start])
        boundary = m.end()
        if len(name) >= 2:
            found.append(name + m.group(0))
    return list(dict.fromkeys(found))


# -- terms -------------------------------------------------------------------------------------------------

_STOP = set(
    """
    我们 你们 他们 她们 它们 自己 大家 这个 那个 这些 那些 这样 那样 这里 那里 哪里 什么 怎么 怎样 如何 为什么 为何
    是否 是不是 有没有 能否 可否 可以 不能 不会 不是 没有 已经 还是 就是 但是 而且 并且 或者 因为 所以 如果 虽然 然后
    但是 只是 只有 一直 一些 一个 一下 一样 一次 一天 多次 几次 很多 许多 非常 特别 十分 比较 严重 真的 目前 现在 当时
    今天 昨天 今年 去年 明年 每天 每年 时候 时间 之后 之前 以后 以前 以来 期间 最近 近日 日前 年月 月份 问题 情况 事情
    反映 希望 要求 请求 请问 咨询 建议 投诉 举报 领导 尊敬 您好 你好 谢谢 感谢 恳请 麻烦 相关 有关 部门 政府 单位 工作
    处理 解决 进行 给予 得到 导致 造成 出现 存在 发生 需要 应该 必须 能够 可能 知道 认为 觉得 看到 表示 称 说 进行
    市民 百姓 老百姓 群众 居民 业主 我家 本人 家里 网友 关注 重视 尽快 及时 回复 答复 落实 调查 核实 依法 规定 相应
    以及 对于 关于 由于 通过 按照 根据 作为 其中 其他 其它 另外 同时 还有 此外 甚至 于是 不过 然而 仍然 依然 一定 肯定
    很大 很多 不少 太多 严重 影响 生活 正常 情况 方面 地方 问题 这种 那种 各种 之一 为了 上述 如下 以下 以上 所有 任何
    """.split()
)
_KEEP_TOKEN = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")

def _words(headline: str) -> set[str]:
    """Content words of a headline (jieba), used for the keywords shown to people."""
    s = _ADMIN.sub(" ", re.sub(r"\s+", "", headline or "")[:HEADLINE])
    return {w for w in get_tokenizer().lcut(s, HMM=True) if len(w) >= 2 and w not in _STOP and _KEEP_TOKEN.match(w)}


def _vector_terms(title: str, text: str, places: list[str], place_ids: dict[str, int]):
    """Bigram keys with term counts: title bigrams count double, each place is one extra term counted twice."""
    kt, ct = bigram_terms(title) if title else (np.empty(0, np.int64), np.empty(0, np.uint8))
    kx, cx = bigram_terms((text or "")[:MAX_TEXT])
    pk = np.array([-1 - place_ids.setdefault(p, len(place_ids)) for p in places], np.int64)
    keys = np.concatenate((kt, kx, pk))
    cnt = np.concatenate((TITLE_WEIGHT * ct, cx.astype(np.float64), np.full(pk.size, PLACE_WEIGHT)))
    if keys.size == 0:
        return keys, cnt
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv, weights=cnt)


# -- dates -------------------------------------------------------------------------------------------------


def _as_date(value: object) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return None


# -- clustering --------------------------------------------------------------------------------------------


def _tfidf(docs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Per item: term ids and L2-normalised sublinear TF-IDF weights; and the document frequency per term."""
    lens = [k.size for k, _ in docs]
    allk = np.concatenate([k for k, _ in docs]) if docs else np.empty(0, np.int64)
    _, inv = np.unique(allk, return_inverse=True)
    nterms = int(inv.max()) + 1 if inv.size else 0
    df = np.bincount(inv, minlength=nterms).astype(np.float64)
    idf = np.log((len(docs) + 1) / (df + 1)) + 1.0
    rows_t, rows_w, pos = [], [], 0
    for (_, c), ln in zip(docs, lens, strict=True):
        t = inv[pos : pos + ln]
        pos += ln
        w = (1.0 + np.log(c)) * idf[t]
        nrm = np.linalg.norm(w)
        rows_t.append(t)
        rows_w.append(w / nrm if nrm > 0 else w)
    return rows_t, rows_w, df


def _knn_graph(rows_t, rows_w, df, *, k: int, min_sim: float, max_df: float) -> dict[int, dict[int, float]]:
    n = len(rows_t)
    nterms = df.size
    # Inverted index (CSC) restricted to terms that can link items without linking everything.
    # On a handful of items every shared term is informative; on thousands the commonest ones link everything.
    usable = (df >= 2) & (df <= max(max_df * n, min(n, 50)))
    lens = np.array([t.size for t in rows_t], np.int64)
    all_t = np.concatenate(rows_t) if n else np.empty(0, np.int64)
    all_w = np.concatenate(rows_w) if n else np.empty(0, np.float64)
    all_d = np.repeat(np.arange(n), lens)
    m = usable[all_t]
    all_t, all_w, all_d = all_t[m], all_w[m], all_d[m]
    order = np.argsort(all_t, kind="stable")
    post_d, post_w = all_d[order], all_w[order]
    ptr = np.zeros(nterms + 1, np.int64)
    np.cumsum(np.bincount(all_t, minlength=nterms), out=ptr[1:])
    graph: dict[int, dict[int, float]] = defaultdict(dict)
    acc = np.zeros(n, np.float64)
    for i in range(n):
        t, w = rows_t[i], rows_w[i]
        keep = usable[t]
        t, w = t[keep], w[keep]
        if t.size == 0:
            continue
        st, en = ptr[t], ptr[t + 1]
        ln = en - st
        pos = np.repeat(st - np.concatenate(([0], np.cumsum(ln)[:-1])), ln) + np.arange(int(ln.sum()))
        docs = post_d[pos]
        contrib = post_w[pos] * np.repeat(w, ln)
        # Scratch accumulator touched only where this item has neighbours: O(postings), not O(n), per item.
        np.add.at(acc, docs, contrib)
        near = np.unique(docs)
        sims = acc[near]
        acc[near] = 0.0
        keep = (sims >= min_sim) & (near != i)
        near, sims = near[keep], sims[keep]
        if near.size > k:
            top = np.argpartition(-sims, k - 1)[:k]
            near, sims = near[top], sims[top]
        for j, s in zip(near.tolist(), sims.tolist(), strict=True):
            graph[i][j] = s
            graph[j][i] = s  # symmetric: an edge kept by either end
    return graph


def _average_link(n: int, graph: dict[int, dict[int, float]], threshold: float) -> list[list[int]]:
    """Agglomerative clustering with average linkage over a sparse similarity graph."""
    size = [1] * n
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    link: dict[int, dict[int, float]] = {i: dict(nb) for i, nb in graph.items()}  # sums of similarities
    version = [0] * n
    heap = []
    for i, nb in link.items():
        for j, s in nb.items():
            if i < j and s >= threshold:
                heapq.heappush(heap, (-s, i, j, 0, 0))
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if -neg < threshold:
            break
        if a not in members or b not in members or version[a] != va or version[b] != vb:
            continue
        if size[a] < size[b]:
            a, b = b, a
        # merge b into a
        members[a].extend(members.pop(b))
        size[a] += size[b]
        version[a] += 1
        lb = link.pop(b, {})
        la = link.setdefault(a, {})
        la.pop(b, None)
        for c, s in lb.items():
            if c == a:
                continue
            la[c] = la.get(c, 0.0) + s
            lc = link[c]
            lc.pop(b, None)
            lc[a] = la[c]
        for c, s in la.items():
            avg = s / (size[a] * size[c])
            if avg >= threshold:
                x, y = (a, c) if a < c else (c, a)
                heapq.heappush(heap, (-avg, x, y, version[x], version[y]))
    return list(members.values())


def _central(cluster: list[int], rows_t: list[np.ndarray], rows_w: list[np.ndarray], items) -> int:
    """The member whose TF-IDF vector has the highest cosine similarity to the cluster's mean vector.

    Rows are unit vectors (or empty), so the cosine is the dot product with the mean divided by the mean's
    length; the sum is used instead of the mean (same direction). Computed sparsely over the cluster's own
    terms. Ties go to the item with the smallest id, so that the title does not change between two loads of
    the same page."""
    lens = np.array([rows_t[i].size for i in cluster], np.int64)
    if not lens.sum():
        return min(cluster, key=lambda i: str(items[i].id))
    terms = np.concatenate([rows_t[i] for i in cluster])
    weights = np.concatenate([rows_w[i] for i in cluster])
    _, inv = np.unique(terms, return_inverse=True)
    total = np.bincount(inv, weights=weights)
    member = np.repeat(np.arange(len(cluster)), lens)
    dots = np.bincount(member, weights=total[inv] * weights, minlength=len(cluster))
    cos = dots / max(float(np.linalg.norm(total)), 1e-12)
    # Rounded so that floating-point noise between equal items does not decide; the id does.
    best = min(range(len(cluster)), key=lambda j: (-round(float(cos[j]), 9), str(items[cluster[j]].id)))
    return cluster[best]


def _title_of(item: TopicItem) -> str:
    title = re.sub(r"\s+", " ", item.title or "").strip()
    if title:
        return title
    text = re.sub(r"\s+", " ", item.text or "").strip()
    return text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "")


def _people(item: TopicItem) -> int:
    """The item's number of people, at least 1 (an unreadable value counts as one person, like a letter)."""
    try:
        return max(1, int(item.people))
    except (TypeError, ValueError):
        return 1


# -- trend and ranking -------------------------------------------------------------------------------------


def _period_key(d: _dt.date, weekly: bool) -> str:
    if weekly:
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}"
    return f"{d.year}-{d.month:02d}"


def _trend(dates: list[_dt.date], span: tuple[_dt.date, _dt.date] | None) -> dict:
    if not dates or span is None:
        return {"period": None, "counts": {}, "slope": 0.0, "last": 0, "previous": 0}
    weekly = (span[1] - span[0]).days <= 120
    counts = Counter(_period_key(d, weekly) for d in dates)
    # Every period of the window, so that a quiet month shows as 0 rather than disappearing.
    keys, d = [], span[0]
    step = _dt.timedelta(days=7 if weekly else 28)
    while d <= span[1] + step:
        k = _period_key(d, weekly)
        if not keys or keys[-1] != k:
            keys.append(k)
        d += step
    keys = [k for k in keys if k <= _period_key(span[1], weekly)]
    series = [counts.get(k, 0) for k in keys]
    slope = float(np.polyfit(np.arange(len(series)), series, 1)[0]) if len(series) >= 2 else 0.0
    first_used = next((i for i, v in enumerate(series) if v), 0)
    return {
        "period": "week" if weekly else "month",
        "counts": {k: v for k, v in zip(keys[first_used:], series[first_used:], strict=True)},
        "slope": round(slope, 3),
        "last": series[-1] if series else 0,
        "previous": series[-2] if len(series) >= 2 else 0,
    }


def _keywords(cluster: list[int], words: list[set[str]], df_words: Counter, n: int, top: int) -> list[str]:
    """Class-based TF-IDF over headline words: share of the cluster's items using a word × its rarity."""
    inside = Counter()
    for i in cluster:
        inside.update(words[i])
    need = max(2, 0.2 * len(cluster)) if len(cluster) > 1 else 1
    scored = sorted(
        ((c / len(cluster) * math.log((n + 1) / (df_words[t] + 1)), t) for t, c in inside.items() if c >= need),
        reverse=True,
    )
    out: list[str] = []
    for _, word in scored:
        # Skip a word already covered by a longer keyword (e.g. 魅力 under 魅力之城).
        if any(word in o or o in word for o in out):
            continue
        out.append(word)
        if len(out) >= top:
            break
    return out


_HASH_DIM = 1024


def _hashed(rows_t: list[np.ndarray], rows_w: list[np.ndarray], nterms: int) -> np.ndarray:
    """Dense feature-hashed copies of the item vectors (signed hashing keeps dot products unbiased)."""
    rng = np.random.default_rng(20200101)
    bucket = rng.integers(0, _HASH_DIM, nterms)
    sign = rng.choice(np.array([-1.0, 1.0]), nterms)
    out = np.zeros((len(rows_t), _HASH_DIM), np.float32)
    for i, (t, w) in enumerate(zip(rows_t, rows_w, strict=True)):
        out[i] = np.bincount(bucket[t], weights=w * sign[t], minlength=_HASH_DIM)
    return out


def _attach_singletons(clusters: list[list[int]], emb: np.ndarray, threshold: float) -> list[list[int]]:
    """Give each lone item to the cluster whose headline centroid it is closest to, if close enough: an older
    message with a long, differently worded text ("A市经济学院体育学院变相强制实习", 2017) belongs with the
    later ones about the same school even when its details kept it apart in the first stage."""
    groups = [c for c in clusters if len(c) >= 2]
    lone = [c[0] for c in clusters if len(c) == 1]
    if not groups or not lone:
        return clusters
    cent = np.stack([emb[c].sum(axis=0) for c in groups])
    cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-9)
    vecs = emb[lone]
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    out = [list(c) for c in groups]
    rest = []
    for start in range(0, len(lone), 2048):  # bounded scratch memory
        sims = vecs[start : start + 2048] @ cent.T
        best = sims.argmax(axis=1)
        for j, b in enumerate(best.tolist()):
            if sims[j, b] >= threshold:
                out[b].append(lone[start + j])
            else:
                rest.append([lone[start + j]])
    return out + rest


def _merge_close(clusters: list[list[int]], emb: np.ndarray, threshold: float) -> list[list[int]]:
    """Join clusters whose centroids point the same way (cosine >= ``threshold``).

    Average link on a sparse k-NN graph splits an issue into parts when its messages are each worded
    differently (eight groups of complaints about one estate's restaurants). Centroids average the wording
    out. Only clusters of 2+ items are considered (at most 1,000). The Gram matrix of the clusters' summed
    vectors is computed once; merging two clusters adds their rows, so nothing is recomputed."""
    big = sorted((c for c in clusters if len(c) >= 2), key=len, reverse=True)[:1000]
    if len(big) < 2:
        return clusters
    in_big = {id(c) for c in big}
    rest = [c for c in clusters if id(c) not in in_big]
    sums = np.stack([emb[c].sum(axis=0) for c in big]).astype(np.float64)
    gram = sums @ sums.T
    m = len(big)
    alive = np.ones(m, bool)
    while True:
        nrm = np.sqrt(np.maximum(np.diag(gram), 1e-12))
        cos = gram / np.outer(nrm, nrm)
        cos[~alive, :] = -1.0
        cos[:, ~alive] = -1.0
        np.fill_diagonal(cos, -1.0)
        a, b = np.unravel_index(int(np.argmax(cos)), cos.shape)
        if cos[a, b] < threshold:
            break
        gram[a, :] += gram[b, :]
        gram[:, a] += gram[:, b]  # the diagonal now holds |a|² + |b|² + 2 a·b
        alive[b] = False
        big[a] = big[a] + big[b]
    return [c for c, ok in zip(big, alive, strict=True) if ok] + rest


def find_hot_topics(
    items: Sequence[TopicItem],
    *,
    top: int = 10,
    now: _dt.date | _dt.datetime | None = None,
    threshold: float = 0.2,
    merge_threshold: float = 0.3,
    k: int = 20,
    min_size: int = 2,
    half_life_days: float | None = None,
) -> list[HotTopic]:
    """The ``top`` hottest issues among ``items``, hottest first.

    ``now`` is the reference date for recency (default: the newest item's date). ``half_life_days`` is how
    fast interest decays (default: half of the window spanned by the items, at least a week), so that the
    function ranks a month's items and three years' items alike. Never raises."""
    try:
        return _find(list(items), top, now, threshold, merge_threshold, k, min_size, half_life_days)
    except Exception:  # advisory: the monthly report shows «暂无建议» instead of failing
        log.exception("hot topics failed")
        return []


def _find(items, top, now, threshold, merge_threshold, k, min_size, half_life_days) -> list[HotTopic]:
    items = [it for it in items if isinstance(it, TopicItem)]
    if len(items) > MAX_ITEMS:
        items = sorted(items, key=lambda it: _as_date(it.date) or _dt.date.min)[-MAX_ITEMS:]
    if len(items) < min_size:
        return []
    n = len(items)
    places = [extract_places((it.title or "") + (it.text or "")[:MAX_TEXT]) for it in items]
    place_ids: dict[str, int] = {}
    docs = []
    for it, pl in zip(items, places, strict=True):
        extra = [str(it.place)] if it.place else []
        docs.append(_vector_terms(it.title or "", it.text or "", pl + extra, place_ids))
    rows_t, rows_w, df = _tfidf(docs)
    graph = _knn_graph(rows_t, rows_w, df, k=k, min_sim=threshold / 2, max_df=0.1)
    clusters = _average_link(n, graph, threshold)
    # The second stage compares headlines and places only: the details of two complaints about the same
    # issue differ far more than their titles do.
    heads = [
        _vector_terms("", it.title or (it.text or "")[:HEADLINE], pl + ([str(it.place)] if it.place else []), place_ids)
        for it, pl in zip(items, places, strict=True)
    ]
    ht, hw, hdf = _tfidf(heads)
    emb = _hashed(ht, hw, hdf.size)
    clusters = _merge_close(clusters, emb, merge_threshold)
    # A lone item must be closer to a cluster than two clusters must be to each other: one headline is a
    # noisier signal than a cluster's centroid, and a loose attachment drags in side issues of the same place.
    clusters = _attach_singletons(clusters, emb, merge_threshold + ATTACH_MARGIN)
    clusters = [c for c in clusters if len(c) >= min_size]
    if not clusters:
        return []

    dates = [_as_date(it.date) for it in items]
    known = [d for d in dates if d is not None]
    ref = _as_date(now) or (max(known) if known else None)
    span = (min(known), ref) if known else None
    if half_life_days is None:
        half_life_days = max(7.0, (span[1] - span[0]).days / 2) if span else 30.0
    words = [_words(it.title or (it.text or "")[:HEADLINE]) for it in items]
    df_words = Counter(w for ws in words for w in ws)

    out: list[HotTopic] = []
    for c in clusters:
        recency: dict[Hashable, float] = {}
        crowd: dict[Hashable, int] = {}
        for i in c:
            d = dates[i]
            age = max(0, (ref - d).days) if (d is not None and ref is not None) else 0
            r = 0.5 ** (age / half_life_days)
            who = items[i].person if items[i].person is not None else ("item", items[i].id)
            recency[who] = max(recency.get(who, 0.0), r)
            # The same petitioner coming back (alone or with the same group) adds no one new.
            crowd[who] = max(crowd.get(who, 1), _people(items[i]))
        likes = sum(max(0, int(items[i].likes or 0)) for i in c)
        heat = sum(recency[w] * crowd[w] for w in recency) * (1.0 + 0.5 * math.log1p(likes))
        central = _central(c, rows_t, rows_w, items)
        cdates = sorted(dates[i] for i in c if dates[i] is not None)
        pc = Counter(p for i in c for p in set(places[i]) | ({items[i].place} if items[i].place else set()))
        # Places named by at least two items (or the top one): the specific ones first, A市 last.
        top_places = [p for p, m in pc.most_common() if m >= max(2, 0.2 * len(c)) or m == pc.most_common(1)[0][1]]
        top_places.sort(key=lambda p: (bool(_ADMIN.fullmatch(p)), -pc[p]))
        order = sorted(c, key=lambda i: (-(items[i].likes or 0), str(items[i].id)))
        labels = Counter(items[i].label for i in c if items[i].label)
        out.append(
            HotTopic(
                keywords=_keywords(c, words, df_words, n, 6),
                count=len(c),
                people=sum(crowd.values()),
                score=round(heat, 3),
                trend=_trend(cdates, span),
                places=top_places[:5],
                item_ids=[items[i].id for i in order],
                likes=likes,
                first_date=cdates[0] if cdates else None,
                last_date=cdates[-1] if cdates else None,
                labels=dict(labels.most_common()),
                person_times=sum(_people(items[i]) for i in c),
                title=_title_of(items[central]),
                central_id=items[central].id,
            )
        )
    out.sort(key=lambda h: (-h.score, -h.count))
    return out[: max(0, int(top))] if top is not None else out


def purity(topics: Sequence[HotTopic]) -> tuple[float, int]:
    """Size-weighted purity of clusters against the items' labels: (purity, labelled items counted)."""
    hit = total = 0
    for t in topics:
        if t.labels:
            hit += max(t.labels.values())
            total += sum(t.labels.values())
    return (hit / total if total else 0.0), total
