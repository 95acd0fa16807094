"""First-level category suggestions for petition messages.

Model (chosen by grouped 5-fold cross-validation on the TipDM 2020 messages, see
``bench/classify_bench.py``): TF-IDF features (sublinear tf, per-block L2 norm) from character unigrams,
character bigrams and jieba words of 留言主题 + 留言详情, plus character 1–2-grams of 留言主题 alone; then one
ridge regressor per class (one-vs-rest, balanced sample weights) on features rescaled by that class's
naive-Bayes log-count ratio, interpolated towards plain TF-IDF (an "NB-SVM"-style model with a squared
loss). The rescaling lets rare but telling terms ("公积金", "学籍") count for more without a larger model.

Confidences are calibrated by *temperature scaling*: a softmax over the seven class scores divided by one
temperature, fitted by minimising the log-loss of out-of-fold scores from an internal k-fold run during
training. The same run supplies the cross-validation figures stored in the model file.

The suggestion blends that with a *neighbour vote*: the labels of the most similar training messages (cosine of
the same feature vectors), weighted by similarity cubed. The linear model sees each term on its own; the vote
sees whole letters, so a message that closely resembles earlier ones of one category follows them. The blend
gained +0.002 to +0.009 macro-F1 on every fold of grouped cross-validation (mean 0.9110 -> 0.9163); more
tuning of the linear model, semi-supervised variants and neural models trained from scratch did not. Nor did
(same folds) per-class nearest-neighbour scores instead of or beside the vote (0.9122-0.9167), a sentence-chunk
model averaged over the letter's chunks (0.880 alone, at most +0.0001 in the blend), or an extra block for the
letter's opening 120 characters (worse on three folds of four).

Prediction uses numpy and scipy's sparse matrices (no scikit-learn, no Django); training needs scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np

from xinfang.intelligence.text import modelfile
from xinfang.intelligence.text.normalize import compose, iter_terms, normalize_text

__all__ = [
    "DEFAULT_PARAMS",
    "FORMAT",
    "FORMAT_VERSION",
    "CategoryClassifier",
    "Message",
    "NotTrainedError",
    "Suggestion",
]

FORMAT = "xinfang-text-classifier"
FORMAT_VERSION = 1

# A message is either its text (留言详情 only) or a (留言主题, 留言详情) pair.
Message = str | tuple[str, str]

DEFAULT_PARAMS: dict[str, Any] = {
    # Longer letters are cut; this bounds prediction time and lost nothing in cross-validation.
    "max_chars": 1000,
    "blocks": [
        {"name": "c1", "field": "full", "kind": "char", "orders": [1], "weight": 0.5},
        {"name": "c2", "field": "full", "kind": "char", "orders": [2], "weight": 1.0},
        # Words from the first 500 characters only: same CV score, half the segmentation time.
        {"name": "w1", "field": "full", "kind": "word", "orders": [1], "weight": 1.0, "max_chars": 500},
        {"name": "t12", "field": "topic", "kind": "char", "orders": [1, 2], "weight": 0.5},
    ],
    "min_df": 2,
    "jieba_hmm": False,
    "alpha": 0.2,
    "nb_beta": 0.25,
    "nb_smoothing": 1.0,
    "calibration_folds": 3,
    # Per-class score offsets chosen on the out-of-fold scores to maximise macro-F1 (the measure petition
    # offices are judged by), so that small classes such as 交通运输 are not under-predicted. Their effect
    # is within the noise of grouped 5-fold CV: +0.003 on one fold assignment, -0.001 on another.
    "class_offsets": True,
    # The neighbour vote: its share of the blended probability, how many neighbours vote, and the power of
    # the similarity that weights each vote. Chosen by grouped CV (k 10-40 and share 0.4-0.5 all within 0.003).
    "neighbours": {"k": 20, "weight": 0.4, "power": 3},
    "seed": 0,
}

# Used when the training data is too small for the out-of-fold run; ridge scores lie roughly in [-1, 1]
# and this spreads them into probabilities of about the size the large data set gives.
_FALLBACK_TEMPERATURE = 0.15


class NotTrainedError(RuntimeError):
    """predict() on a classifier that was neither fitted nor loaded."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float
    ranked: list[tuple[str, float]]
    model_version: str = ""


def _split(item: Message) -> tuple[str, str]:
    if isinstance(item, str):
        return "", normalize_text(item)
    topic, detail = item
    return normalize_text(topic), normalize_text(detail)


class _Block:
    """One feature block: where its text comes from, how it is cut into terms, its vocabulary and idf."""

    def __init__(self, spec: dict[str, Any], hmm: bool):
        self.spec = spec
        self.name = spec["name"]
        self.field = spec["field"]
        self.kind = spec["kind"]
        self.orders = list(spec["orders"])
        self.weight = float(spec["weight"])
        self.hmm = hmm
        self.vocab: dict[str, int] = {}
        self.terms: np.ndarray = np.array([], dtype="<U1")
        self.idf: np.ndarray = np.zeros(0, dtype=np.float32)

    def source(self, topic: str, full: str, max_chars: int) -> str:
        text = topic if self.field == "topic" else full
        # A block may read less than the whole text: word segmentation is the slowest step of prediction.
        limit = int(self.spec.get("max_chars", 0)) or max_chars
        return text[:limit] if limit else text

    def counts(self, text: str) -> Counter[str]:
        c: Counter[str] = Counter()
        for n in self.orders:
            c.update(iter_terms(text, self.kind, n, hmm=self.hmm))
        return c

    def set_vocab(self, terms: list[str], idf: np.ndarray) -> None:
        self.terms = np.array(terms, dtype=str) if terms else np.array([], dtype="<U1")
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.idf = idf.astype(np.float32)

    def vector(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sublinear tf × idf, L2-normalised, times the block weight; returns (column, value) pairs."""
        vocab = self.vocab
        idx = [vocab[t] for t in counts if t in vocab]
        if not idx:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        tf = np.fromiter((counts[t] for t in counts if t in vocab), dtype=np.float32, count=len(idx))
        cols = np.asarray(idx, dtype=np.int64)
        val = (1.0 + np.log(tf)) * self.idf[cols]
        norm = float(np.sqrt(np.dot(val, val)))
        if norm > 0:
            val *= self.weight / norm
        return cols, val


class CategoryClassifier:
    """Suggests a label (first-level category, or claim type when trained on those) with a confidence."""

    def __init__(self, params: dict[str, Any] | None = None):
        self.params: dict[str, Any] = json.loads(json.dumps(DEFAULT_PARAMS))
        if params:
            self.params.update(json.loads(json.dumps(params)))
        self._init_blocks()
        self.classes: list[str] = []
        self.coef: np.ndarray | None = None  # (classes, features)
        self.scale: np.ndarray | None = None  # (classes, features) naive-Bayes rescaling per class
        self.intercept: np.ndarray | None = None
        # Training vectors, transposed (features x messages, CSR) so a message's terms pick their postings,
        # and the label index of each training message; None when the vote is off or absent from the file.
        self.memory = None
        self.memory_labels: np.ndarray | None = None
        self.temperature = _FALLBACK_TEMPERATURE
        self.header: dict[str, Any] = {}
        self.version = ""

    def _init_blocks(self) -> None:
        hmm = bool(self.params.get("jieba_hmm", False))
        self.blocks = [_Block(spec, hmm) for spec in self.params["blocks"]]

    # --- features ----------------------------------------------------------------------------------

    def _block_counts(self, item: Message) -> list[Counter[str]]:
        topic, detail = _split(item)
        max_chars = int(self.params["max_chars"])
        full = compose(topic, detail, max_chars)
        return [b.counts(b.source(topic, full, max_chars)) for b in self.blocks]

    def _offsets(self) -> list[int]:
        out, at = [], 0
        for b in self.blocks:
            out.append(at)
            at += len(b.terms)
        out.append(at)
        return out

    def _vector(self, counts: list[Counter[str]], offsets: list[int]) -> tuple[np.ndarray, np.ndarray]:
        cols, vals = [], []
        for b, c, off in zip(self.blocks, counts, offsets, strict=False):
            i, v = b.vector(c)
            cols.append(i + off)
            vals.append(v)
        col = np.concatenate(cols)
        val = np.concatenate(vals)
        norm = float(np.sqrt(np.dot(val, val)))
        if norm > 0:
            val /= norm
        return col, val

    def _matrix(self, counts: list[list[Counter[str]]]):
        from scipy import sparse

        offsets = self._offsets()
        indptr = [0]
        cols, vals = [], []
        for c in counts:
            i, v = self._vector(c, offsets)
            cols.append(i)
            vals.append(v)
            indptr.append(indptr[-1] + len(i))
        return sparse.csr_matrix(
            (np.concatenate(vals) if vals else np.zeros(0, np.float32), np.concatenate(cols) if cols else np.zeros(0, np.int64), np.asarray(indptr)),
            shape=(len(counts), offsets[-1]),
            dtype=np.float64,
        )

    # --- training ----------------------------------------------------------------------------------

    def fit(self, texts: Sequence[Message], labels: Sequence[str], unlabelled: Iterable[Message] | None = None) -> CategoryClassifier:
        """Trains on ``texts`` / ``labels``.

        ``unlabelled`` messages (deduplicated against the training texts here) only widen the vocabulary:
        a term seen once in training and again in unlabelled text passes ``min_df``. Self-training with
        pseudo-labels, soft-label ridge, IDF over all texts and LSA features from unlabelled text were
        tried and did not improve grouped cross-validation, so they are not part of the model.
        """
        started = time.perf_counter()
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        labels = [str(y).strip() for y in labels]
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValueError("training needs at least two different labels")
        self._init_blocks()
        counts = [self._block_counts(t) for t in texts]

        seen = {compose(*_split(t)) for t in texts}
        extra: list[list[Counter[str]]] = []
        for u in unlabelled or ():
            key = compose(*_split(u))
            if key and key not in seen:
                seen.add(key)
                extra.append(self._block_counts(u))

        n = len(texts)
        min_df = int(self.params["min_df"])
        for bi, block in enumerate(self.blocks):
            df_train: Counter[str] = Counter()
            for c in counts:
                df_train.update(c[bi].keys())
            df_all = Counter(df_train)
            for c in extra:
                df_all.update(c[bi].keys())
            # Terms never seen in labelled text can get no weight; keeping them would only grow the file.
            terms = sorted(t for t, k in df_all.items() if k >= min_df and t in df_train)
            df = np.array([df_train[t] for t in terms], dtype=np.float64)
            idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
            block.set_vocab(terms, idf)

        X = self._matrix(counts)
        y = np.searchsorted(np.array(classes), np.array(labels))
        self.classes = classes
        oof, oof_votes, folds_used = self._out_of_fold(X, y, texts)
        self.coef, self.scale, self.intercept = self._fit_nb_ridge(X, y, len(classes))
        if self._vote_weight() > 0:
            # Rounded to the half precision the model file keeps, so a loaded model predicts the same.
            self.memory = X.T.tocsr().astype(np.float32)
            self.memory.data = self.memory.data.astype(np.float16).astype(np.float32)
            self.memory_labels = y.astype(np.int32)
        else:
            self.memory, self.memory_labels = None, None

        cv: dict[str, Any] = {"folds": folds_used}
        offsets = np.zeros(len(classes))
        if oof is not None:
            if self.params.get("class_offsets", True):
                offsets = _fit_class_offsets(oof, y, len(classes))
                self.intercept = self.intercept + offsets
            self.temperature = _fit_temperature(oof + offsets, y)
            pred = self._blend(_softmax((oof + offsets) / self.temperature), oof_votes).argmax(1)
            f1 = _per_class_f1(y, pred, len(classes))
            cv.update(
                macro_f1=round(float(np.mean(f1)), 4),
                accuracy=round(float(np.mean(pred == y)), 4),
                per_class={c: round(float(v), 4) for c, v in zip(classes, f1, strict=True)},
                note="stratified k-fold over exact-text groups on the training data; near-duplicates may inflate it",
            )
        else:
            self.temperature = _FALLBACK_TEMPERATURE
        self.header = {
            "params": self.params,
            "classes": classes,
            "temperature": self.temperature,
            "calibration": "temperature-scaled softmax over per-class ridge scores (fitted on out-of-fold scores), "
            "blended with the neighbour vote",
            "class_offsets": {c: round(float(v), 4) for c, v in zip(classes, offsets, strict=True)},
            "n_features": int(X.shape[1]),
            "training": {
                "n": n,
                "n_unlabelled": len(extra),
                "label_counts": dict(sorted(Counter(labels).items())),
                "fingerprint": _fingerprint(texts, labels),
                "seconds": round(time.perf_counter() - started, 2),
            },
            "cv": cv,
            "libraries": _library_versions(),
        }
        self.version = ""
        return self

    def _fit_nb_ridge(self, X, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from sklearn.linear_model import Ridge
        from sklearn.preprocessing import normalize

        beta = float(self.params["nb_beta"])
        smooth = float(self.params["nb_smoothing"])
        alpha = float(self.params["alpha"])
        binary = X.copy()
        binary.data[:] = 1.0
        coef = np.zeros((k, X.shape[1]), dtype=np.float32)
        scale = np.ones((k, X.shape[1]), dtype=np.float32)
        intercept = np.zeros(k, dtype=np.float64)
        n = X.shape[0]
        for c in range(k):
            pos = y == c
            npos = int(pos.sum())
            if npos == 0 or npos == n:
                intercept[c] = 1.0 if npos == n else -1.0
                continue
            p = np.asarray(binary[pos].sum(0)).ravel() + smooth
            q = np.asarray(binary[~pos].sum(0)).ravel() + smooth
            r = np.abs(np.log((p / p.sum()) / (q / q.sum())))
            s = (1.0 - beta) + beta * r / max(float(r.mean()), 1e-12)
            Xs = normalize(X.multiply(s[None, :]).tocsr())
            target = np.where(pos, 1.0, -1.0)
            weight = np.where(pos, n / (2.0 * npos), n / (2.0 * (n - npos)))
            model = Ridge(alpha=alpha, solver="sparse_cg", tol=1e-4).fit(Xs, target, sample_weight=weight)
            coef[c] = model.coef_
            scale[c] = s
            intercept[c] = float(model.intercept_)
        return coef, scale, intercept

    def _out_of_fold(self, X, y: np.ndarray, texts: Sequence[Message]) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        """Out-of-fold class scores and neighbour votes, for calibration and the stored CV figures (None if the
        data is too small).

        The vocabulary and idf come from all training rows, which makes these figures slightly optimistic;
        that matters little for fitting one temperature."""
        from sklearn.model_selection import StratifiedGroupKFold

        k = int(self.params.get("calibration_folds", 5))
        smallest = int(np.bincount(y).min())
        k = min(k, smallest)
        if k < 2:
            return None, None, 0
        # Near-copies (the same letter posted twice, lightly edited) must stay on one side of a split, or the
        # scores look better than they are and the class offsets fitted on them are too timid.
        groups = _near_duplicate_groups(X)
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=int(self.params.get("seed", 0)))
        oof = np.zeros((len(y), len(self.classes)), dtype=np.float64)
        votes = np.zeros_like(oof) if self._vote_weight() > 0 else None
        for tr, te in splitter.split(np.zeros(len(y)), y, groups):
            if len(np.unique(y[tr])) < 2:
                return None, None, 0
            coef, scale, intercept = self._fit_nb_ridge(X[tr], y[tr], len(self.classes))
            oof[te] = _batch_scores(X[te], coef, scale, intercept)
            if votes is not None:
                votes[te] = self._votes((X[te] @ X[tr].T).toarray(), y[tr])
        return oof, votes, k

    # --- the neighbour vote ------------------------------------------------------------------------

    def _vote_weight(self) -> float:
        return float((self.params.get("neighbours") or {}).get("weight", 0.0))

    def _votes(self, sims: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Per-class vote shares from a (messages x training messages) similarity matrix; a row with no
        similar message at all gets zeros, and then only the linear model speaks."""
        spec = self.params.get("neighbours") or {}
        k = min(int(spec.get("k", 20)), sims.shape[1])
        out = np.zeros((sims.shape[0], len(self.classes)), dtype=np.float64)
        if k <= 0:
            return out
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        w = np.clip(np.take_along_axis(sims, top, axis=1), 0.0, None) ** float(spec.get("power", 3))
        rows = np.repeat(np.arange(sims.shape[0]), k)
        np.add.at(out, (rows, labels[top].ravel()), w.ravel())
        total = out.sum(1, keepdims=True)
        np.divide(out, total, out=out, where=total > 0)
        return out

    def _blend(self, proba: np.ndarray, votes: np.ndarray | None) -> np.ndarray:
        w = self._vote_weight()
        if votes is None or w <= 0:
            return proba
        has_vote = votes.sum(-1, keepdims=True) > 0
        return np.where(has_vote, (1.0 - w) * proba + w * votes, proba)

    # --- prediction --------------------------------------------------------------------------------

    def _check(self) -> None:
        if self.coef is None:
            raise NotTrainedError("分类模型尚未训练或加载")

    def scores(self, item: Message) -> np.ndarray:
        """Raw per-class scores (ridge outputs) for one message."""
        self._check()
        return self._scores(*self._vector(self._block_counts(item), self._offsets()))

    def _scores(self, col: np.ndarray, val: np.ndarray) -> np.ndarray:
        if len(col) == 0:
            return self.intercept.copy()
        s = self.scale[:, col] * val
        num = (s * self.coef[:, col]).sum(1, dtype=np.float64)
        den = np.sqrt((s.astype(np.float64) ** 2).sum(1))
        den[den == 0] = 1.0
        return num / den + self.intercept

    def predict_proba(self, item: Message) -> np.ndarray:
        self._check()
        col, val = self._vector(self._block_counts(item), self._offsets())
        proba = _softmax(self._scores(col, val) / self.temperature)
        if self.memory is None or len(col) == 0:
            return proba
        sims = np.asarray(self.memory[col].T @ val.astype(np.float32), dtype=np.float64)[None, :]
        return self._blend(proba[None, :], self._votes(sims, self.memory_labels))[0]

    def predict(self, item: Message) -> Suggestion:
        p = self.predict_proba(item)
        order = np.argsort(-p, kind="stable")
        ranked = [(self.classes[i], round(float(p[i]), 4)) for i in order]
        return Suggestion(label=ranked[0][0], confidence=ranked[0][1], ranked=ranked, model_version=self.version)

    def predict_many(self, items: Iterable[Message]) -> list[Suggestion]:
        return [self.predict(t) for t in items]

    # --- persistence -------------------------------------------------------------------------------

    def save(self, path: str | PathLike) -> str:
        """Writes the model file and returns its version string."""
        self._check()
        arrays: dict[str, np.ndarray] = {
            "classes": np.array(self.classes, dtype=str),
            "coef": self.coef.astype(np.float32),
            "scale": self.scale.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
        }
        for b in self.blocks:
            arrays[f"vocab__{b.name}"] = b.terms
            arrays[f"idf__{b.name}"] = b.idf.astype(np.float32)
        if self.memory is not None:
            # Half precision: similarities need three digits, and it halves the file.
            arrays["memory_indptr"] = self.memory.indptr.astype(np.int64)
            arrays["memory_indices"] = self.memory.indices.astype(np.int32)
            arrays["memory_data"] = self.memory.data.astype(np.float16)
            arrays["memory_labels"] = self.memory_labels.astype(np.int32)
        header = dict(self.header)
        header["temperature"] = self.temperature
        full = modelfile.write_model(path, fmt=FORMAT, format_version=FORMAT_VERSION, header=header, arrays=arrays)
        self.header = full
        self.version = full["version"]
        return self.version

    @classmethod
    def load(cls, path: str | PathLike) -> CategoryClassifier:
        header, arrays = modelfile.read_model(path, fmt=FORMAT, supported_versions=(FORMAT_VERSION,))
        try:
            model = cls(header["params"])
            model.classes = [str(c) for c in arrays["classes"].tolist()]
            model.coef = arrays["coef"].astype(np.float32)
            model.scale = arrays["scale"].astype(np.float32)
            model.intercept = arrays["intercept"].astype(np.float64)
            model.temperature = float(header["temperature"])
            for b in model.blocks:
                terms = [str(t) for t in arrays[f"vocab__{b.name}"].tolist()]
                b.set_vocab(terms, arrays[f"idf__{b.name}"])
            if "memory_labels" in arrays:
                model._load_memory(arrays)
        except (KeyError, TypeError, ValueError) as exc:
            raise modelfile.ModelFormatError(f"模型文件 {path} 内容不完整：缺少或无法识别 {exc}") from exc
        k, v = model.coef.shape
        if (
            model.scale.shape != (k, v)
            or model.intercept.shape != (k,)
            or len(model.classes) != k
            or sum(len(b.terms) for b in model.blocks) != v
            or not math.isfinite(model.temperature)
            or model.temperature <= 0
            or (model.memory is not None and model.memory.shape[0] != v)
        ):
            raise modelfile.ModelFormatError(f"模型文件 {path} 的数组形状不一致，无法使用")
        model.header = header
        model.version = str(header["version"])
        if any(b.kind == "word" for b in model.blocks):
            # Build jieba's dictionary now, so the first suggestion after loading is not the slow one.
            from xinfang.intelligence.text.normalize import words

            words("预热")
        return model


    def _load_memory(self, arrays: dict[str, np.ndarray]) -> None:
        from scipy import sparse

        labels = arrays["memory_labels"].astype(np.int64)
        indptr = arrays["memory_indptr"].astype(np.int64)
        indices = arrays["memory_indices"].astype(np.int64)
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError("memory_labels")
        self.memory = sparse.csr_matrix(
            (arrays["memory_data"].astype(np.float32), indices, indptr), shape=(len(indptr) - 1, len(labels))
        )
        # Raises ValueError for an indptr that does not match the other arrays or an index out of range.
        self.memory.check_format(full_check=True)
        self.memory_labels = labels


# --- helpers ----------------------------------------------------------------------------------------


def _batch_scores(X, coef: np.ndarray, scale: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Scores for a CSR matrix, the same arithmetic as CategoryClassifier.scores."""
    out = np.zeros((X.shape[0], coef.shape[0]), dtype=np.float64)
    for c in range(coef.shape[0]):
        Xs = X.multiply(scale[c][None, :]).tocsr()
        num = Xs @ coef[c].astype(np.float64)
        den = np.sqrt(np.asarray(Xs.multiply(Xs).sum(1)).ravel())
        den[den == 0] = 1.0
        out[:, c] = num / den + intercept[c]
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = scores / math.exp(log_t)
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    res = minimize_scalar(nll, bounds=(math.log(1e-3), math.log(10.0)), method="bounded")
    return float(math.exp(res.x))


def _near_duplicate_groups(X, threshold: float = 0.9, chunk: int = 512) -> np.ndarray:
    """Group ids joining rows of ``X`` (L2-normalised) whose cosine similarity reaches ``threshold``."""
    rows, cols = [], []
    Xt = X.T.tocsc()
    for start in range(0, X.shape[0], chunk):
        r, c = np.nonzero((X[start : start + chunk] @ Xt).toarray() >= threshold)
        rows.append(r + start)
        cols.append(c)
    return connected_groups(X.shape[0], np.concatenate(rows), np.concatenate(cols))


def connected_groups(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Group ids of ``n`` items linked by the pairs (rows[i], cols[i]): connected components."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    links = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    return connected_components(links, directed=False)[1]


def _fit_class_offsets(scores: np.ndarray, y: np.ndarray, k: int, *, rounds: int = 3) -> np.ndarray:
    """Offsets added to each class's score that maximise macro-F1 of ``scores + offsets`` (coordinate ascent
    over a fixed grid, classes in order: deterministic). Zero where nothing improves."""
    grid = np.linspace(-0.3, 0.3, 25)
    offsets = np.zeros(k)
    best = float(np.mean(_per_class_f1(y, (scores + offsets).argmax(1), k)))
    for _ in range(rounds):
        improved = False
        for c in range(k):
            for d in grid:
                trial = offsets.copy()
                trial[c] = d
                f = float(np.mean(_per_class_f1(y, (scores + trial).argmax(1), k)))
                if f > best + 1e-9:
                    best, offsets, improved = f, trial, True
        if not improved:
            break
    return offsets


def _per_class_f1(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    f1 = np.zeros(k)
    for c in range(k):
        tp = int(np.sum((pred == c) & (y == c)))
        fp = int(np.sum((pred == c) & (y != c)))
        fn = int(np.sum((pred != c) & (y == c)))
        f1[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return f1


def _fingerprint(texts: Sequence[Message], labels: Sequence[str]) -> str:
    """Order-independent hash of the (text, label) pairs: the same training data gives the same value."""
    rows = sorted(f"{compose(*_split(t))}\t{y}" for t, y in zip(texts, labels, strict=True))
    h = hashlib.sha256()
    for r in rows:
        h.update(r.encode("utf-8"))
        h.update(b"\n")
    return f"sha256:{h.hexdigest()}"


def _library_versions() -> dict[str, str]:
    out = {"numpy": np.__version__}
    for name in ("sklearn", "scipy", "jieba"):
        try:
            mod = __import__(name)
            out[name] = str(getattr(mod, "__version__", "?"))
        except ImportError:
            pass
    return out
