"""Grouped 5-fold cross-validation of the category classifier on the TipDM 2020 labelled messages.

    .venv/bin/python bench/classify_bench.py [--data ../shared/data/tipdm2020/labelled_train.csv]
        [--folds 5] [--split grouped|plain] [--seed 0] [--params '{"alpha": 0.3}'] [--unlabelled FILE ...]
        [--no-full-fit]

By default near-duplicate messages are grouped (character 3-gram Jaccard >= 0.7, or character 2–3-gram TF-IDF
cosine >= 0.9) and a group never spans training and validation: the stricter measure. ``--split plain`` uses
plain stratified folds, where near-copies may fall on both sides, as in a random split of the data.
Each fold also scores the reference model (character 1–2-gram TF-IDF + LinearSVC) on the same folds, so
the two can be compared fold by fold. Prints macro-F1 and accuracy per fold and their mean, training seconds
per fold and for the whole file, and single-message prediction latency (p50/p95 over the validation
messages). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# One core for BLAS: the machine's cores are shared and the figures should not depend on the load.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xinfang.intelligence.text import cli  # noqa: E402
from xinfang.intelligence.text.classify import CategoryClassifier, _per_class_f1, connected_groups  # noqa: E402
from xinfang.intelligence.text.normalize import compose  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tipdm2020" / "labelled_train.csv"


def near_duplicate_groups(texts: list[str], jaccard: float = 0.7, cosine: float = 0.9) -> np.ndarray:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    shingles = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, lowercase=False).fit_transform(texts)
    shingles = shingles.astype(np.float32).tocsr()
    size = np.asarray(shingles.sum(1)).ravel()
    inter = (shingles @ shingles.T).tocoo()
    upper = inter.row < inter.col
    r, c, v = inter.row[upper], inter.col[upper], inter.data[upper]
    jac = v / np.maximum(size[r] + size[c] - v, 1)
    rows, cols = [r[jac >= jaccard]], [c[jac >= jaccard]]
    del inter
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), lowercase=False).fit_transform(texts)
    sim = (tfidf @ tfidf.T).tocoo()
    keep = (sim.row < sim.col) & (sim.data >= cosine)
    rows.append(sim.row[keep])
    cols.append(sim.col[keep])
    return connected_groups(len(texts), np.concatenate(rows), np.concatenate(cols))


def reference_f1(texts, y_all: np.ndarray, tr: np.ndarray, te: np.ndarray, classes: list[str]) -> float:
    """Macro-F1 of character 1–2-gram TF-IDF + LinearSVC, the usual reference model, on the same fold."""
    import re

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    flat = [re.sub(r"\s+", "", t + d) for t, d in texts]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    svc = LinearSVC().fit(vec.fit_transform([flat[i] for i in tr]), y_all[tr])
    pred = svc.predict(vec.transform([flat[i] for i in te]))
    order = np.array(classes)
    return float(np.mean(_per_class_f1(np.searchsorted(order, y_all[te]), np.searchsorted(order, pred), len(classes))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--split", choices=["grouped", "plain"], default="grouped")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--params", default="", help="JSON overriding classifier hyper-parameters")
    ap.add_argument("--unlabelled", nargs="*", default=[])
    ap.add_argument("--no-full-fit", action="store_true", help="skip timing a fit on the whole file")
    args = ap.parse_args()

    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    params = json.loads(args.params) if args.params else None
    texts, labels = cli.read_labelled(args.data)
    unlabelled = [t for p in args.unlabelled for t in cli.read_unlabelled(p)]
    y_all = np.array(labels)
    started = time.perf_counter()
    groups = near_duplicate_groups([compose(t, d) for t, d in texts])
    print(f"{len(texts)} messages, {len(set(groups.tolist()))} near-duplicate groups ({time.perf_counter() - started:.0f} s)")

    if args.split == "grouped":
        folds = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=args.seed).split(np.zeros(len(texts)), y_all, groups)
    else:
        folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed).split(np.zeros(len(texts)), y_all)
    f1s, accs, fit_secs, lat, ref_f1s = [], [], [], [], []
    for k, (tr, te) in enumerate(folds):
        model = CategoryClassifier(params)
        t0 = time.perf_counter()
        model.fit([texts[i] for i in tr], y_all[tr].tolist(), unlabelled=unlabelled or None)
        fit_secs.append(time.perf_counter() - t0)
        pred = []
        for i in te:
            t1 = time.perf_counter()
            pred.append(model.predict(texts[i]).label)
            lat.append((time.perf_counter() - t1) * 1000)
        classes = model.classes
        yi = np.searchsorted(np.array(classes), y_all[te])
        pi = np.searchsorted(np.array(classes), np.array(pred))
        f1 = float(np.mean(_per_class_f1(yi, pi, len(classes))))
        acc = float(np.mean(yi == pi))
        f1s.append(f1)
        accs.append(acc)
        ref_f1s.append(reference_f1(texts, y_all, tr, te, classes))
        print(
            f"fold {k}: macro-F1 {f1:.4f}  accuracy {acc:.4f}  reference {ref_f1s[-1]:.4f}  train {fit_secs[-1]:.1f} s  (n={len(te)})",
            flush=True,
        )

    full_fit = None
    if not args.no_full_fit:
        t0 = time.perf_counter()
        CategoryClassifier(params).fit([t for t in texts], labels, unlabelled=unlabelled or None)
        full_fit = round(time.perf_counter() - t0, 1)
    result = {
        "macro_f1_mean": round(statistics.mean(f1s), 4),
        "macro_f1_std": round(statistics.pstdev(f1s), 4),
        "accuracy_mean": round(statistics.mean(accs), 4),
        "folds": [round(f, 4) for f in f1s],
        "split": args.split,
        "reference_macro_f1_mean": round(statistics.mean(ref_f1s), 4),
        "reference_folds": [round(f, 4) for f in ref_f1s],
        "train_seconds_fold_mean": round(statistics.mean(fit_secs), 1),
        "train_seconds_full": full_fit,
        "predict_ms_p50": round(float(np.percentile(lat, 50)), 2),
        "predict_ms_p95": round(float(np.percentile(lat, 95)), 2),
        "predict_ms_max": round(float(np.max(lat)), 2),
        "params": params or "default",
    }
    print(
        f"mean: macro-F1 {result['macro_f1_mean']:.4f} ± {result['macro_f1_std']:.4f}  accuracy {result['accuracy_mean']:.4f}  "
        f"reference {result['reference_macro_f1_mean']:.4f}  "
        f"train/fold {result['train_seconds_fold_mean']} s  full {full_fit} s  predict p50 {result['predict_ms_p50']} ms  p95 {result['predict_ms_p95']} ms"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
