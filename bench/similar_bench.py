"""Scale benchmark of the 重件 similarity index (``xinfang.intelligence.text.similar``).

Builds an index of N messages (default 1,000,000) synthesised from the 4,326 real messages of 附件3 by
perturbation (character substitutions and deletions, sentence shuffles, place and number swaps), then reports:

* bulk build time and rate (``add_many``);
* incremental insert rate (single ``add`` calls on the full index, flushes and merges included);
* memory: ``memory_bytes()`` of the index and the process RSS / peak RSS;
* query latency p50/p95/max over ``--queries`` fresh perturbations of real messages (target p95 <= 20 ms),
  plus how often a sibling of the query (another perturbation of the same real message) is in the top 5;
* recall@5 of the real same-user same-topic pairs of 附件3 with the 1M synthetic messages in the index
  (the synthetic ones are dated after the real data, so ``before=`` hides them from the answer but not from the
  work: this checks that the query's cost controls still keep the terms that matter at that scale).

Synthetic data is for scale only; quality figures come from ``bench/intel_quality.py``.

    .venv/bin/python bench/similar_bench.py --n 100000
    nohup .venv/bin/python bench/similar_bench.py --n 1000000 > /tmp/similar-bench.log 2>&1 &
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xinfang.intelligence.text.similar import SimilarityIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tipdm2020"
WS = re.compile(r"\s+")


def norm(s: object) -> str:
    return WS.sub("", str(s or ""))


def parse_time(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    s = str(value).strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise ValueError(f"unparsed time {s!r}")


def load_sheet(name: str) -> list[dict]:
    from openpyxl import load_workbook

    wb = load_workbook(DATA / name, read_only=True)
    rows = wb.active.iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    out = [dict(zip(header, r, strict=False)) for r in rows]
    wb.close()
    return out


def load_messages() -> list[dict]:
    """附件3 as dicts with normalised ``topic``, ``detail``, ``text`` and a parsed ``time``."""
    rows = load_sheet("附件3.xlsx")
    for r in rows:
        r["topic"] = norm(r["留言主题"])
        r["detail"] = norm(r["留言详情"])
        r["text"] = r["topic"] + r["detail"]
        r["time"] = parse_time(r["留言时间"])
    return rows


def bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def topic_jaccard(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def same_topic_pairs(rows: list[dict], jaccard: float | None) -> list[tuple[int, int]]:
    """(earlier, later) row indices by the same user, strictly earlier in time, whose normalised topics are
    identical (``jaccard=None``) or have a character-bigram Jaccard >= ``jaccard``."""
    by_user = defaultdict(list)
    for i, r in enumerate(rows):
        by_user[r["留言用户"]].append(i)
    pairs = []
    for idxs in by_user.values():
        for b in idxs:
            for a in idxs:
                if rows[a]["time"] >= rows[b]["time"]:
                    continue
                ta, tb = rows[a]["topic"], rows[b]["topic"]
                if ta == tb or (jaccard is not None and topic_jaccard(ta, tb) >= jaccard):
                    pairs.append((a, b))
    return sorted(pairs)


PLACE = re.compile(r"([A-N])(\d{0,2})(市|区|县)")
NUMBER = re.compile(r"\d+")
SENT = re.compile(r"(?<=[。！？；!?;])")


class Perturber:
    def __init__(self, texts: list[str], seed: int = 7):
        self.rng = random.Random(seed)
        pool = [c for t in texts for c in t if "\u4e00" <= c <= "\u9fff"]
        self.pool = "".join(self.rng.sample(pool, min(len(pool), 200_000)))

    def __call__(self, text: str) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            parts = [p for p in SENT.split(text) if p]
            if len(parts) > 2:
                head, rest = parts[0], parts[1:]
                rng.shuffle(rest)
                text = head + "".join(rest)
        if rng.random() < 0.5:
            text = PLACE.sub(lambda m: rng.choice("ABCDEFGHIJKLMN") + str(rng.randint(1, 12)) + m.group(3), text)
        if rng.random() < 0.5:
            text = NUMBER.sub(lambda m: str(rng.randint(1, 9999)), text)
        chars = list(text)
        n = len(chars)
        if n > 4:
            for _ in range(max(1, n // 30)):  # about 3 % substitutions
                chars[rng.randrange(n)] = rng.choice(self.pool)
            for _ in range(max(1, n // 50)):  # about 2 % deletions
                chars[rng.randrange(n)] = ""
        return "".join(chars)


def source_of(doc_id: int | str) -> int:
    """Row of 附件3 a document comes from: real ones are the row index, synthetic ones end in ':row'."""
    return doc_id if isinstance(doc_id, int) else int(doc_id.rsplit(":", 1)[1])


def measure_generation(synth, sample: int, total: int) -> float:
    """Seconds that perturbing ``total`` messages takes, extrapolated from ``sample`` of them, so that the
    build time reported is the index's own."""
    t = time.perf_counter()
    for _ in synth(sample, "warm"):
        pass
    return (time.perf_counter() - t) * total / max(sample, 1)


def rss_mb() -> tuple[float, float]:
    cur = peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cur, peak


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic messages in the index")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--inserts", type=int, default=20000, help="single add() calls timed after the build")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budgets", type=lambda v: [int(x) for x in v.split(",")], default=[50_000, 30_000],
                    help="max_postings values to measure queries with, comma-separated")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    rows = load_messages()
    texts = [r["text"] for r in rows]
    perturb = Perturber(texts, args.seed)
    rng = random.Random(args.seed + 1)
    print(f"loaded {len(rows)} real messages in {time.perf_counter() - t0:.1f}s", flush=True)

    # Synthetic messages are dated after the real data (2020-02 .. 2026-10) so that `before=` on a real
    # message never returns them.
    synth_start = dt.datetime(2020, 2, 1)
    span_s = int((dt.datetime(2026, 10, 31) - synth_start).total_seconds())

    def synth(count: int, prefix: str):
        for i in range(count):
            src = rng.randrange(len(texts))
            yield (f"{prefix}{i}:{src}", perturb(texts[src]), synth_start + dt.timedelta(seconds=rng.randrange(span_s)))

    idx = SimilarityIndex()
    gen_s = measure_generation(synth, min(args.n, 20_000), args.n)
    t0 = time.perf_counter()
    idx.add_many((i, r["text"], r["time"]) for i, r in enumerate(rows))

    def stream():
        # One add_many call over a generator: the index cuts its own large batches. Perturbation time is
        # measured separately and subtracted from the build time.
        for i, doc in enumerate(synth(args.n, "s"), 1):
            if i % 100_000 == 0:
                print(f"  fed {i:>9,} synthetic  {time.perf_counter() - t0:7.1f}s  rss {rss_mb()[0]:,.0f} MB  "
                      f"segments {len(idx._segments)}", flush=True)
            yield doc

    idx.add_many(stream())
    build_s = time.perf_counter() - t0 - gen_s
    gc.collect()
    mem_after_build = idx.memory_bytes()
    rss_build = rss_mb()
    print(f"build: {len(idx):,} docs in {build_s:.1f}s ({len(idx) / build_s:,.0f} docs/s), "
          f"perturbation {gen_s:.1f}s; index {mem_after_build / 2**20:,.0f} MiB; RSS {rss_build[0]:,.0f} MiB "
          f"(peak {rss_build[1]:,.0f} MiB)", flush=True)

    # Incremental inserts one at a time: registration adds each new item as it is saved.
    new_docs = list(synth(args.inserts, "n"))
    lat_add = []
    t0 = time.perf_counter()
    for doc_id, text, date in new_docs:
        ta = time.perf_counter()
        idx.add(doc_id, text, date=date)
        lat_add.append((time.perf_counter() - ta) * 1000)
    insert_s = time.perf_counter() - t0
    print(f"incremental: {args.inserts:,} add() in {insert_s:.1f}s = {args.inserts / insert_s:,.0f}/s; "
          f"p50 {pct(lat_add, 50):.3f} ms p99 {pct(lat_add, 99):.2f} ms max {max(lat_add):.1f} ms "
          f"(max includes segment merges)", flush=True)

    # Queries: fresh perturbations of random real messages, no date filter (the whole index competes). Wall
    # time and this process's CPU time are both recorded: the machine is shared, and CPU time shows what the
    # query itself costs when other work takes the cores. Each term budget (max_postings) is measured on the
    # same index and the same queries.
    qsrc = [rng.randrange(len(texts)) for _ in range(args.queries)]
    qtexts = [perturb(texts[s]) for s in qsrc]
    query_runs = {}
    real = {}
    for budget in args.budgets:
        idx.max_postings = budget
        for _ in range(20):  # warm-up
            idx.query(qtexts[0], 5)
        lat, cpu, sib = [], [], 0
        load0 = os.getloadavg()[0]
        for src, q in zip(qsrc, qtexts, strict=True):
            tq, cq = time.perf_counter(), time.process_time()
            cands = idx.query(q, 5)
            cpu.append((time.process_time() - cq) * 1000)
            lat.append((time.perf_counter() - tq) * 1000)
            sib += any(source_of(c.doc_id) == src or texts[source_of(c.doc_id)] == texts[src] for c in cands)
        load1 = os.getloadavg()[0]
        run = {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99), "max": max(lat),
               "cpu_p50": pct(cpu, 50), "cpu_p95": pct(cpu, 95), "sibling_in_top5": sib / args.queries,
               "loadavg": [load0, load1]}
        query_runs[budget] = run
        print(f"query, max_postings={budget:,} ({args.queries} fresh perturbations, k=5): wall p50 {run['p50']:.2f} ms  "
              f"p95 {run['p95']:.2f} ms  p99 {run['p99']:.2f} ms  max {run['max']:.2f} ms; CPU p50 {run['cpu_p50']:.2f} ms "
              f"p95 {run['cpu_p95']:.2f} ms; load average {load0:.1f}->{load1:.1f}; top-5 holds a copy of the same "
              f"message: {run['sibling_in_top5']:.3f}", flush=True)

        # Real pairs at full scale, with before= (date filter on the hot path as at registration).
        real[budget] = {}
        for label, jac in (("identical topic", None), ("topic Jaccard>=0.5", 0.5)):
            pairs = same_topic_pairs(rows, jac)
            got, lat_b = {}, []
            for b in sorted({b for _, b in pairs}):
                tq = time.perf_counter()
                got[b] = [c.doc_id for c in idx.query(rows[b]["text"], 5, before=rows[b]["time"])]
                lat_b.append((time.perf_counter() - tq) * 1000)
            hits = sum(a in got[b] for a, b in pairs)
            real[budget][label] = {"pairs": len(pairs), "hits": hits, "recall_at_5": hits / len(pairs),
                                   "p95_ms": pct(lat_b, 95)}
            print(f"    real pairs at scale, {label}: recall@5 {hits}/{len(pairs)} = {hits / len(pairs):.3f} "
                  f"(wall p95 {pct(lat_b, 95):.2f} ms)", flush=True)
    rss_end = rss_mb()
    out = {
        "n_docs": len(idx), "synthetic": args.n, "build_s": build_s, "build_docs_per_s": len(idx) / build_s,
        "perturbation_s": gen_s, "insert_per_s": args.inserts / insert_s,
        "insert_ms_p50": pct(lat_add, 50), "insert_ms_p99": pct(lat_add, 99), "insert_ms_max": max(lat_add),
        "index_mib": idx.memory_bytes() / 2**20, "rss_mib": rss_end[0], "rss_peak_mib": rss_end[1],
        "queries": args.queries, "query_runs": query_runs, "real_pairs": real, "segments": len(idx._segments),
    }
    print(f"memory: index {out['index_mib']:,.0f} MiB, RSS {rss_end[0]:,.0f} MiB, peak RSS {rss_end[1]:,.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return out


if __name__ == "__main__":
    main()
