"""Quality figures of the text-intelligence helpers on the TipDM 2020 data (``../shared/data/tipdm2020``).

1. 重件 candidates (``similar.SimilarityIndex``), text only, on 附件3: for every pair (earlier, later) of messages
   by the same user, the earlier one must be among the top 5 found for the later one's 主题+详情 with
   ``before=`` the later one's time. "Same topic" is reported under three definitions:
     * strict   — the normalised 留言主题 are identical;
     * main     — identical, or character-bigram Jaccard of the 留言主题 >= 0.5 (rewordings such as
                  "A2区新天村福满新城二期施工噪音严重扰民" / "A2区福满新城二期施工噪音扰民谁能管");
     * loose    — topic bigram Jaccard >= 0.3.
   Pairs posted at the same second are left out (neither is earlier). Every miss is listed. The index is
   built two ways: all at once (``before=`` does the filtering) and in time order, querying each message
   before adding it, as registration would.
2. Hot topics (``hottopics.find_hot_topics``) on 附件3: the top 10, and where the two issues named in the task
   statement land (魅力之城 restaurant noise/fumes, A市经济学院 forced internships). Cluster purity against
   一级标签 on labelled_train.csv (nothing is trained; the same clustering is run on the labelled messages).
3. Reply quality (``replycheck.check_reply``) on the 2,816 replies of 附件4: the share lacking each element,
   with two short examples each.

    .venv/bin/python bench/intel_quality.py [--only similar|hot|reply] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from similar_bench import DATA, load_messages, load_sheet, norm, same_topic_pairs, topic_jaccard  # noqa: E402

from xinfang.intelligence.text.hottopics import TopicItem, find_hot_topics, purity  # noqa: E402
from xinfang.intelligence.text.replycheck import ELEMENTS, LABELS, check_reply  # noqa: E402
from xinfang.intelligence.text.similar import SimilarityIndex  # noqa: E402


def section(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 100 - len(title)), flush=True)


# -- 1. similar -------------------------------------------------------------------------------------------


def similar_quality(rows: list[dict]) -> dict:
    section("重件 candidates: recall@5 on 附件3, text only")
    t = time.perf_counter()
    idx = SimilarityIndex()
    idx.add_many((i, r["text"], r["time"]) for i, r in enumerate(rows))
    print(f"index of {len(idx)} messages built in {time.perf_counter() - t:.2f}s, {idx.memory_bytes() / 2**20:.1f} MiB")

    # The time-ordered simulation: query each message, then add it.
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["time"], rows[i]["留言编号"]))
    inc = SimilarityIndex()
    inc_top: dict[int, list] = {}
    for i in order:
        inc_top[i] = [c.doc_id for c in inc.query(rows[i]["text"], 5, before=rows[i]["time"])]
        inc.add(i, rows[i]["text"], date=rows[i]["time"])

    ties = 0
    by_user: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_user.setdefault(r["留言用户"], []).append(i)
    for idxs in by_user.values():
        for a in idxs:
            for b in idxs:
                if a < b and rows[a]["time"] == rows[b]["time"] and topic_jaccard(rows[a]["topic"], rows[b]["topic"]) >= 0.3:
                    ties += 1

    out = {}
    lat = []
    cache: dict[int, list] = {}

    def top5(b: int) -> list:
        if b not in cache:
            tq = time.perf_counter()
            cache[b] = [c.doc_id for c in idx.query(rows[b]["text"], 5, before=rows[b]["time"])]
            lat.append((time.perf_counter() - tq) * 1000)
        return cache[b]

    for name, jac in (("strict (identical topic)", None), ("main (identical or topic Jaccard>=0.5)", 0.5),
                      ("loose (topic Jaccard>=0.3)", 0.3)):
        pairs = same_topic_pairs(rows, jac)
        hits = [a in top5(b) for a, b in pairs]
        hits_inc = [a in inc_top[b] for a, b in pairs]
        queries = sorted({b for _, b in pairs})
        any_hit = sum(any(a in top5(b) for a, bb in pairs if bb == b) for b in queries)
        rec = sum(hits) / len(pairs) if pairs else 0.0
        print(f"{name}: {len(pairs)} pairs, {len(queries)} query messages; recall@5 per pair "
              f"{sum(hits)}/{len(pairs)} = {rec:.3f}; time-ordered build {sum(hits_inc)}/{len(pairs)} = "
              f"{sum(hits_inc) / max(1, len(pairs)):.3f}; queries with at least one earlier copy in top 5 "
              f"{any_hit}/{len(queries)}")
        misses = [(a, b) for (a, b), h in zip(pairs, hits, strict=True) if not h]
        for a, b in misses:
            rank = top5(b)
            print(f"   miss: earlier #{rows[a]['留言编号']} 「{rows[a]['topic'][:36]}」 ← later #{rows[b]['留言编号']} "
                  f"「{rows[b]['topic'][:36]}」 (top-5 ids {[rows[i]['留言编号'] for i in rank]})")
        out[name] = {"pairs": len(pairs), "hits": sum(hits), "recall_at_5": rec,
                     "recall_at_5_time_ordered": sum(hits_inc) / max(1, len(pairs)),
                     "misses": [[rows[a]["留言编号"], rows[b]["留言编号"]] for a, b in misses]}
    lat.sort()
    print(f"same-second pairs left out: {ties}; query latency on this index: median "
          f"{lat[len(lat) // 2]:.2f} ms, max {lat[-1]:.2f} ms")
    return out


# -- 2. hot topics ----------------------------------------------------------------------------------------


def hot_quality(rows: list[dict]) -> dict:
    section("Hot topics on 附件3 (top 10)")
    items = [TopicItem(id=r["留言编号"], text=r["detail"], title=r["topic"], date=r["time"],
                       likes=int(r["点赞数"] or 0), person=r["留言用户"]) for r in rows]
    by_id = {r["留言编号"]: r for r in rows}
    t = time.perf_counter()
    topics = find_hot_topics(items, top=None)
    took = time.perf_counter() - t
    print(f"{len(topics)} clusters of 2+ messages in {took:.1f}s")
    for rank, h in enumerate(topics[:10], 1):
        trend = h.trend
        print(f"#{rank} heat {h.score:.1f}: {h.count} messages from {h.people} users, {h.likes} likes, "
              f"{h.first_date} … {h.last_date}; keywords {'、'.join(h.keywords)}; places {'、'.join(h.places) or '—'}")
        print(f"     trend per {trend['period']}: last {trend['last']}, previous {trend['previous']}, slope {trend['slope']}")
        seen = []
        for i in h.item_ids:
            title = by_id[i]["topic"]
            if title not in seen:
                seen.append(title)
            if len(seen) == 3:
                break
        for title in seen:
            print(f"       · {title[:60]}")

    def rank_of(pred) -> tuple[int | None, int]:
        ids = {r["留言编号"] for r in rows if pred(r)}
        best = None
        for rank, h in enumerate(topics, 1):
            share = len(ids & set(h.item_ids))
            if share and (best is None or share > best[1]):
                best = (rank, share, h.count)
        return (best[0], best[1], best[2], len(ids)) if best else (None, 0, 0, len(ids))

    meili = rank_of(lambda r: "魅力之城" in r["topic"] and any(w in r["topic"] for w in ("油烟", "噪音", "夜宵", "烧烤", "扰民", "商铺", "门面")))
    intern = rank_of(lambda r: "学院" in r["topic"] and "实习" in r["topic"])
    print(f"魅力之城 restaurant noise/fumes: {meili[3]} messages by title; the cluster holding most of them "
          f"({meili[1]}, cluster size {meili[2]}) ranks #{meili[0]}")
    print(f"A市经济学院 forced internship: {intern[3]} messages by title; the cluster holding most of them "
          f"({intern[1]}, cluster size {intern[2]}) ranks #{intern[0]}")

    section("Cluster purity against 一级标签 on labelled_train.csv")
    with open(DATA / "labelled_train.csv", encoding="utf-8") as fh:
        lab = list(csv.DictReader(fh))
    litems = [TopicItem(id=i, text=r["留言详情"], title=r["留言主题"] or "", label=r["一级标签"]) for i, r in enumerate(lab)]
    pur = {}
    for name, kw in (("default", {}), ("coarser (threshold 0.10, merge 0.25)", {"threshold": 0.10, "merge_threshold": 0.25})):
        t = time.perf_counter()
        lt = find_hot_topics(litems, top=None, **kw)
        p, n = purity(lt)
        p10, n10 = purity([h for h in lt if h.count >= 5])
        print(f"{name}: {len(lt)} clusters cover {n}/{len(lab)} messages ({n / len(lab):.1%}); size-weighted purity "
              f"{p:.3f}; clusters of 5+: {p10:.3f} over {n10} messages ({time.perf_counter() - t:.1f}s)")
        pur[name] = {"clusters": len(lt), "covered": n, "purity": p, "purity_5plus": p10}
    base = Counter(r["一级标签"] for r in lab).most_common(1)[0][1] / len(lab)
    print(f"(one cluster of everything would score {base:.3f})")
    return {"top10": [{"keywords": h.keywords, "count": h.count, "people": h.people, "likes": h.likes,
                       "places": h.places, "first": str(h.first_date), "last": str(h.last_date), "score": h.score}
                      for h in topics[:10]],
            "meili_rank": meili[0], "intern_rank": intern[0], "purity": pur, "seconds": took}


# -- 3. replies -------------------------------------------------------------------------------------------


def reply_quality() -> dict:
    section("Reply quality on 附件4")
    rows = load_sheet("附件4.xlsx")
    t = time.perf_counter()
    checks = [check_reply(norm(r["留言主题"]) + norm(r["留言详情"]), r["答复意见"], title=norm(r["留言主题"])) for r in rows]
    took = time.perf_counter() - t
    print(f"{len(rows)} replies checked in {took:.1f}s ({took / len(rows) * 1000:.1f} ms each)")
    rng = random.Random(4)
    out = {}
    for e in ELEMENTS:
        lacking = [i for i, c in enumerate(checks) if not c.elements.get(e)]
        share = len(lacking) / len(rows)
        out[e] = share
        print(f"lacking {LABELS[e]} ({e}): {len(lacking)}/{len(rows)} = {share:.1%}")
        for i in rng.sample(lacking, min(2, len(lacking))):
            print(f"     e.g. #{rows[i]['留言编号']} 「{norm(rows[i]['留言主题'])[:24]}」 → {norm(rows[i]['答复意见'])[:90]}")
    complete = sum(all(c.elements.values()) for c in checks)
    print(f"replies with all six elements: {complete}; with the four content elements (request, facts, opinion, "
          f"answers): {sum(all(c.elements[k] for k in ('request', 'facts', 'opinion', 'answers_petition')) for c in checks)}")
    warn = Counter("答复未回应信访人提出的“…”" if w.startswith("答复未回应信访人提出的") else w
                   for c in checks for w in c.warnings)
    print("most frequent warnings: " + "; ".join(f"{w} ×{n}" for w, n in warn.most_common(8)))
    return {"lacking": out, "complete": complete, "ms_per_reply": took / len(rows) * 1000}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["similar", "hot", "reply"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    result = {}
    rows = load_messages() if args.only in (None, "similar", "hot") else []
    if args.only in (None, "similar"):
        result["similar"] = similar_quality(rows)
    if args.only in (None, "hot"):
        result["hot"] = hot_quality(rows)
    if args.only in (None, "reply"):
        result["reply"] = reply_quality()
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return result


if __name__ == "__main__":
    main()
