"""Near-duplicate candidates for 重件 detection: a character-bigram TF-IDF index with top-k cosine scoring.

Why this method: on 附件3 the same petitioner's repeated messages often share the topic line but not the
details (a second, rewritten complaint), so estimators of the *whole-text* Jaccard (MinHash LSH) miss some of
them, while an idf-weighted cosine over character bigrams ranks them first (``bench/intel_quality.py``).

* A bigram is keyed by its two code points, ``(a << 21) | b``: exact, no hashing collisions. Bigrams made only
  of punctuation are dropped; texts are cut at ``MAX_CHARS``.
* Postings live in immutable segments sorted by key (CSR arrays: unique keys, offsets, slots, term counts).
  ``add`` puts a document into a small buffer that is flushed into a segment; segments of one size class are
  merged like an LSM tree, up to ``max_segment_docs``, so that no merge needs gigabytes of scratch memory.
  ``add_many`` writes large segments directly.
* Document frequencies of the large segments are kept in one merged, sorted array, so that looking up a
  query's terms costs one binary search per term rather than one per term and segment.
* A query keeps its rarest bigrams (at most ``max_terms``, and only until their postings add up to
  ``max_postings``): frequent bigrams carry little idf weight and have the longest posting lists. It adds the
  partial cosines into a per-slot scratch array (cost proportional to the postings read, not to the index
  size) and returns the best k. The score is a lower bound of the full cosine, which is all a ranking needs.
* Document norms use the idf known when the document was added; they are recomputed when its buffer is
  flushed and when its segment is merged, so they follow the corpus as it grows.
* ``save``/``load`` write one ``.npz`` (numpy arrays plus a JSON header), loadable with pickle disabled.

Everything here is advisory: ``query`` never raises and returns ``[]`` if anything goes wrong.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import threading
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Candidate", "SimilarityIndex", "normalize_text"]

log = logging.getLogger(__name__)

METHOD = "bigram-tfidf"
# Texts longer than this are cut: the gist of a petition is at its start, and the cap bounds both memory per
# document and the cost of a query made from a pasted 100k-character attachment.
MAX_CHARS = 3000
_FORMAT_VERSION = 1
# (1 + ln tf) for every storable term count; counts are capped at 255 to fit uint8.
_LOGTF = (1.0 + np.log(np.maximum(np.arange(256, dtype=np.float64), 1.0))).astype(np.float32)
_LOGTF[0] = 0.0


@dataclass(frozen=True, slots=True)
class Candidate:
    doc_id: Hashable
    score: float
    method: str = METHOD


def normalize_text(text: object) -> str:
    """Drop all whitespace, fold full-width ASCII to half-width and lower-case; cap the length."""
    cp = _codepoints(text)
    return cp.astype(np.uint32).tobytes().decode("utf-32-le") if cp.size else ""


# Whitespace that `re.sub(r"\s+", "", s)` removes (all of it lies below U+3001); the last entry stands for
# every higher code point.
_SPACE = np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)
_SPACE[0x3001] = False
# Characters whose bigrams carry content: CJK ideographs, ASCII letters and digits. Bigrams made only of
# punctuation say nothing. Code points above the BMP fold to the last entry (treated as content).
_WORD = np.zeros(0x10001, dtype=bool)
_WORD[0x4E00:0xA000] = True
_WORD[0x3400:0x4DC0] = True
_WORD[ord("0") : ord("9") + 1] = True
_WORD[ord("a") : ord("z") + 1] = True
_WORD[0x10000] = True


def _codepoints(text: object) -> np.ndarray:
    """Normalised code points: the numpy equivalent of NFKC for the cases that occur in petitions
    (full-width letters, digits and punctuation), 10x cheaper than ``unicodedata.normalize`` on Chinese."""
    if text is None:
        return np.empty(0, np.int64)
    s = text if isinstance(text, str) else str(text)
    s = s[: MAX_CHARS * 3]
    if not s:
        return np.empty(0, np.int64)
    cp = np.frombuffer(s.encode("utf-32-le", "replace"), dtype=np.uint32).astype(np.int64)
    fw = (cp >= 0xFF01) & (cp <= 0xFF5E)
    cp[fw] -= 0xFEE0
    up = (cp >= 0x41) & (cp <= 0x5A)
    cp[up] += 0x20
    cp = cp[~_SPACE[np.minimum(cp, 0x3001)]]
    return cp[:MAX_CHARS]


_EMPTY_KEYS = np.empty(0, np.int64)
_EMPTY_TFS = np.empty(0, np.uint8)


def bigram_terms(text: object) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique bigram keys of a text and their counts (uint8, capped)."""
    cp = _codepoints(text)
    if cp.size == 0:
        return _EMPTY_KEYS, _EMPTY_TFS
    if cp.size == 1:
        keys = (cp << 21) | 0x1FFFFF
    else:
        word = _WORD[np.minimum(cp, 0x10000)]
        keys = ((cp[:-1] << 21) | cp[1:])[word[:-1] | word[1:]]
        if keys.size == 0:
            return _EMPTY_KEYS, _EMPTY_TFS
        keys.sort()
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, keys.size))
    return keys[starts], np.minimum(counts, 255).astype(np.uint8)


def _to_seconds(value: object) -> float:
    """Seconds on a proleptic day count (naive wall time; aware datetimes are taken in UTC), NaN if unknown.

    Only the order matters (``before=``), so naive and aware values may be mixed as long as a deployment is
    consistent, which Django's USE_TZ guarantees."""
    if value is None:
        return math.nan
    try:
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value.strip())
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(_dt.UTC)
            return value.toordinal() * 86400.0 + value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        if isinstance(value, _dt.date):
            return value.toordinal() * 86400.0
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    except (OverflowError, ValueError, TypeError):
        return math.nan
    return math.nan


class _Segment:
    """Immutable postings of a batch of documents, sorted by bigram key."""

    __slots__ = ("keys", "offsets", "slots", "tfs", "ndocs")

    def __init__(self, keys: np.ndarray, offsets: np.ndarray, slots: np.ndarray, tfs: np.ndarray, ndocs: int):
        self.keys = keys
        self.offsets = offsets
        self.slots = slots
        self.tfs = tfs
        self.ndocs = ndocs

    @classmethod
    def build(cls, keys: np.ndarray, slots: np.ndarray, tfs: np.ndarray, ndocs: int) -> _Segment:
        # A stable sort keeps slots ascending inside each posting list, so merged runs stay cheap to sort.
        order = np.argsort(keys, kind="stable")
        keys, slots, tfs = keys[order], slots[order], tfs[order]
        if keys.size:
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        else:
            starts = np.empty(0, np.int64)
        offsets = np.append(starts, keys.size).astype(np.int64)
        return cls(keys[starts].copy(), offsets, slots.astype(np.int32), tfs.astype(np.uint8), ndocs)

    def expanded_keys(self) -> np.ndarray:
        return np.repeat(self.keys, np.diff(self.offsets))

    def lookup(self, qkeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end offsets of the posting list of each query key (equal where the key is absent).

        One binary search per key (keys are unique within a segment); on multi-million-key segments these
        searches are a large part of a query's cost."""
        n = self.keys.size
        if n == 0:
            z = np.zeros(qkeys.size, np.int64)
            return z, z
        idx = np.searchsorted(self.keys, qkeys)
        found = self.keys[np.minimum(idx, n - 1)] == qkeys
        starts = self.offsets[idx]
        return starts, np.where(found, self.offsets[np.minimum(idx + 1, n)], starts)

    def nbytes(self) -> int:
        return self.keys.nbytes + self.offsets.nbytes + self.slots.nbytes + self.tfs.nbytes


def _gather(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenated ranges [starts[i], ends[i]) without a Python loop."""
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, np.int64)
    nz = lens > 0
    starts, lens = starts[nz], lens[nz]
    shift = starts - np.concatenate(([0], np.cumsum(lens)[:-1]))
    return np.repeat(shift, lens) + np.arange(total, dtype=np.int64)


class SimilarityIndex:
    """Incremental top-k similar-text index. Public methods take an internal lock, so one index can be
    shared by the threads of a worker process."""

    def __init__(
        self,
        *,
        buffer_docs: int = 32,
        merge_factor: int = 8,
        max_segment_docs: int = 131072,
        max_terms: int = 256,
        max_postings: int = 30_000,
        max_df_ratio: float = 0.2,
        dict_min_docs: int = 16384,
    ):
        self.buffer_docs = buffer_docs
        self.merge_factor = merge_factor
        self.max_segment_docs = max_segment_docs
        self.max_terms = max_terms
        self.max_postings = max_postings
        self.max_df_ratio = max_df_ratio
        self.dict_min_docs = dict_min_docs
        # Document frequencies of all large segments in one sorted array: one binary search per term instead
        # of one per term and segment (searches in multi-million-key arrays are what an add or a query
        # mostly waits on). Rebuilt lazily when the set of large segments changes, which is rare.
        self._dict_for: tuple[int, ...] = ()
        self._dict_keys = np.empty(0, np.int64)
        self._dict_df = np.empty(0, np.int32)
        self._defer_renorm = False
        self._segments: list[_Segment] = []
        self._buf_keys: list[np.ndarray] = []
        self._buf_slots: list[np.ndarray] = []
        self._buf_tfs: list[np.ndarray] = []
        self._buf_ndocs = 0
        self._buf_cache: tuple | None = None
        self._slot_of: dict[Hashable, int] = {}
        self._ids: list[Hashable | None] = []
        cap = 1024
        self._dates = np.full(cap, np.nan)
        self._norms = np.ones(cap, np.float32)
        self._alive = np.zeros(cap, bool)
        self._acc = np.zeros(cap, np.float32)  # query scratch, all zeros between queries; float32 like contrib
        self._nalive = 0
        self._lock = threading.RLock()

    # -- sizes -------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._nalive

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays plus an estimate for the id map (about 100 bytes per entry)."""
        n = sum(s.nbytes() for s in self._segments)
        n += sum(a.nbytes for a in self._buf_keys) + sum(a.nbytes for a in self._buf_slots)
        n += sum(a.nbytes for a in self._buf_tfs)
        n += self._dates.nbytes + self._norms.nbytes + self._alive.nbytes + self._acc.nbytes
        n += self._dict_keys.nbytes + self._dict_df.nbytes
        n += 100 * len(self._slot_of) + 8 * len(self._ids)
        return n

    # -- writing ---------------------------------------------------------------------------------------

    def _grow(self, need: int) -> None:
        cap = self._dates.size
        if need <= cap:
            return
        new = max(need, cap * 2)
        self._dates = np.concatenate((self._dates, np.full(new - cap, np.nan)))
        self._norms = np.concatenate((self._norms, np.ones(new - cap, np.float32)))
        self._alive = np.concatenate((self._alive, np.zeros(new - cap, bool)))
        self._acc = np.zeros(new, np.float32)

    def _new_slot(self, doc_id: Hashable, date: object) -> int:
        if doc_id in self._slot_of:
            self._remove(doc_id)
        slot = len(self._ids)
        self._grow(slot + 1)
        self._ids.append(doc_id)
        self._slot_of[doc_id] = slot
        self._dates[slot] = _to_seconds(date)
        self._alive[slot] = True
        self._nalive += 1
        return slot

    def add(self, doc_id: Hashable, text: object, *, date: object = None) -> None:
        """Index one document; an existing ``doc_id`` is replaced."""
        keys, tfs = bigram_terms(text)
        with self._lock:
            self._add(doc_id, keys, tfs, date)

    def _add(self, doc_id: Hashable, keys: np.ndarray, tfs: np.ndarray, date: object) -> None:
        slot = self._new_slot(doc_id, date)
        # Provisional norm without the buffer's own postings (re-sorting the buffer on every add would cost
        # more than the add); it is recomputed exactly when the buffer is flushed.
        df = self._df(keys, buffer=False) + 1
        idf = self._idf(df, self._nalive)
        self._norms[slot] = max(float(np.sqrt(np.sum((_LOGTF[tfs] * idf) ** 2))), 1e-6)
        self._buf_keys.append(keys)
        self._buf_slots.append(np.full(keys.size, slot, np.int32))
        self._buf_tfs.append(tfs)
        self._buf_ndocs += 1
        if self._buf_ndocs >= self.buffer_docs:
            self._flush()

    def add_many(self, docs: Iterable[tuple[Hashable, object, object]], *, batch: int = 262144) -> None:
        """Bulk load ``(doc_id, text, date)`` triples; much faster than ``add`` one by one."""
        with self._lock:
            self._add_many(docs, batch)

    def _add_many(self, docs: Iterable[tuple[Hashable, object, object]], batch: int) -> None:
        self._flush()
        keys_l, slots_l, tfs_l = [], [], []
        n = 0
        before = {id(seg) for seg in self._segments}
        self._defer_renorm = True  # one pass at the end instead of one per batch against a growing index
        try:
            for doc_id, text, date in docs:
                keys, tfs = bigram_terms(text)
                slot = self._new_slot(doc_id, date)
                keys_l.append(keys)
                slots_l.append(np.full(keys.size, slot, np.int32))
                tfs_l.append(tfs)
                n += 1
                if n >= batch:
                    self._push_segment(keys_l, slots_l, tfs_l, n)
                    keys_l, slots_l, tfs_l, n = [], [], [], 0
            if n:
                self._push_segment(keys_l, slots_l, tfs_l, n)
        finally:
            self._defer_renorm = False
            for seg in self._segments:
                if id(seg) not in before:  # new batches and whatever merges made of them
                    self._renorm(seg)

    def remove(self, doc_id: Hashable) -> bool:
        """Forget a document; its postings are dropped at the next merge of its segment."""
        with self._lock:
            return self._remove(doc_id)

    def _remove(self, doc_id: Hashable) -> bool:
        slot = self._slot_of.pop(doc_id, None)
        if slot is None:
            return False
        self._alive[slot] = False
        self._ids[slot] = None
        self._nalive -= 1
        return True

    def _flush(self) -> None:
        if not self._buf_ndocs:
            return
        parts = (self._buf_keys, self._buf_slots, self._buf_tfs, self._buf_ndocs)
        # Emptied first, so that the renorm of the new segment does not count these postings twice.
        self._buf_keys, self._buf_slots, self._buf_tfs, self._buf_ndocs = [], [], [], 0
        self._buf_cache = None
        self._push_segment(*parts)

    def _push_segment(self, keys_l, slots_l, tfs_l, ndocs: int) -> None:
        seg = _Segment.build(
            np.concatenate(keys_l) if keys_l else np.empty(0, np.int64),
            np.concatenate(slots_l) if slots_l else np.empty(0, np.int32),
            np.concatenate(tfs_l) if tfs_l else np.empty(0, np.uint8),
            ndocs,
        )
        self._segments.append(seg)
        self._renorm(seg)
        self._maybe_merge()

    def _maybe_merge(self) -> None:
        # Merge the newest run of segments while `merge_factor` of them fall in the same size class.
        while True:
            segs = self._segments
            if len(segs) < self.merge_factor:
                return
            tail = segs[-self.merge_factor :]
            size = tail[-1].ndocs
            if any(s.ndocs > size * (self.merge_factor - 1) or s.ndocs < size for s in tail[:-1]):
                return
            if sum(s.ndocs for s in tail) > self.max_segment_docs:
                return
            merged = self._merge(tail)
            self._segments = segs[: -self.merge_factor] + [merged]

    def _merge(self, segs: list[_Segment]) -> _Segment:
        keys = np.concatenate([s.expanded_keys() for s in segs])
        slots = np.concatenate([s.slots for s in segs])
        tfs = np.concatenate([s.tfs for s in segs])
        live = self._alive[slots]
        if not live.all():
            keys, slots, tfs = keys[live], slots[live], tfs[live]
        seg = _Segment.build(keys, slots, tfs, int(np.unique(slots).size))
        self._renorm(seg)
        return seg

    def _renorm(self, seg: _Segment) -> None:
        """Recompute the norms of a segment's documents with the current idf."""
        if seg.slots.size == 0 or self._defer_renorm:
            return
        idf = self._idf(self._df(seg.keys), max(self._nalive, 1))
        w = np.repeat(idf, np.diff(seg.offsets)) * _LOGTF[seg.tfs]
        sq = np.bincount(seg.slots, weights=w * w)
        touched = np.unique(seg.slots)
        self._norms[touched] = np.maximum(np.sqrt(sq[touched]), 1e-6).astype(np.float32)

    # -- reading ---------------------------------------------------------------------------------------

    @staticmethod
    def _idf(df: np.ndarray, n: int) -> np.ndarray:
        return (np.log((n + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)

    def _small_segments(self) -> list[_Segment]:
        return [seg for seg in self._segments if seg.ndocs < self.dict_min_docs]

    def _ensure_dict(self) -> None:
        big = [seg for seg in self._segments if seg.ndocs >= self.dict_min_docs]
        ident = tuple(id(seg) for seg in big)
        if ident == self._dict_for:
            return
        if big:
            keys = np.concatenate([seg.keys for seg in big])
            cnt = np.concatenate([np.diff(seg.offsets) for seg in big])
            ukeys, inv = np.unique(keys, return_inverse=True)
            self._dict_keys = ukeys
            self._dict_df = np.bincount(inv, weights=cnt).astype(np.int32)
        else:
            self._dict_keys = np.empty(0, np.int64)
            self._dict_df = np.empty(0, np.int32)
        self._dict_for = ident

    def _df(self, qkeys: np.ndarray, *, buffer: bool = True) -> np.ndarray:
        """Document frequency of each key (deleted documents still count until their segment is merged)."""
        df = np.zeros(qkeys.size, np.int64)
        if qkeys.size == 0:
            return df
        self._ensure_dict()
        if self._dict_keys.size:
            i = np.minimum(np.searchsorted(self._dict_keys, qkeys), self._dict_keys.size - 1)
            df += np.where(self._dict_keys[i] == qkeys, self._dict_df[i], 0)
        for seg in self._small_segments():
            st, en = seg.lookup(qkeys)
            df += en - st
        if buffer and self._buf_ndocs:
            bk = self._buffer_arrays()[0]
            df += np.searchsorted(bk, qkeys, side="right") - np.searchsorted(bk, qkeys, side="left")
        return df

    def _buffer_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unflushed postings sorted by key, cached until the next add."""
        cache = self._buf_cache
        if cache is None or cache[0] != self._buf_ndocs:
            keys = np.concatenate(self._buf_keys)
            order = np.argsort(keys, kind="stable")
            cache = (self._buf_ndocs, keys[order], np.concatenate(self._buf_slots)[order],
                     np.concatenate(self._buf_tfs)[order])
            self._buf_cache = cache
        return cache[1], cache[2], cache[3]

    def query(self, text: object, k: int = 5, *, before: object = None, exclude: object = None) -> list[Candidate]:
        """The ``k`` most similar indexed documents, best first; only those dated strictly before ``before``
        when it is given (documents without a date are then left out). Never raises."""
        with self._lock:
            try:
                return self._query(text, k, before, exclude)
            except Exception:  # advisory: a failure means «暂无建议», never an error page
                log.exception("similarity query failed")
                self._acc[:] = 0.0  # the scratch array may hold a half-finished accumulation
                return []

    def _query(self, text: object, k: int, before: object, exclude: object) -> list[Candidate]:
        k = int(k)
        if k <= 0 or self._nalive == 0:
            return []
        qkeys, qtfs = bigram_terms(text)
        if qkeys.size == 0:
            return []
        n = self._nalive
        df = self._df(qkeys)
        idf = self._idf(df, n)
        qw = _LOGTF[qtfs] * idf
        qnorm = float(np.sqrt(np.sum(qw * qw)))
        # Rarest terms first; very common ones are skipped (tiny idf, long postings), but never all of them.
        present = np.flatnonzero(df > 0)
        if present.size == 0:
            return []
        order = present[np.argsort(df[present], kind="stable")]
        cap = max(self.max_df_ratio * n, 50)
        sel = order[df[order] <= cap][: self.max_terms]
        # Cost control: take the rarest terms until their postings add up to `max_postings` (at least 8
        # terms). On a county's corpus this keeps every informative term; on millions of documents it keeps
        # the distinctive ones, which are the ones a near-duplicate shares.
        within = np.cumsum(df[sel]) <= self.max_postings
        sel = sel[: max(int(within.sum()), 8)]
        if sel.size == 0:
            sel = order[: min(8, order.size)]
        factor = (qw[sel] * idf[sel]) / qnorm

        slots_parts, contrib_parts = [], []
        qsel = qkeys[sel]
        for seg in self._segments:
            st, en = seg.lookup(qsel)
            lens = en - st
            if not lens.any():
                continue
            pos = _gather(st, en)
            slots_parts.append(seg.slots[pos])
            contrib_parts.append(np.repeat(factor, lens) * _LOGTF[seg.tfs[pos]])
        if self._buf_ndocs:
            bk, bs, bt = self._buffer_arrays()
            st = np.searchsorted(bk, qsel, side="left")
            en = np.searchsorted(bk, qsel, side="right")
            if (en > st).any():
                pos = _gather(st, en)
                slots_parts.append(bs[pos])
                contrib_parts.append(np.repeat(factor, en - st) * _LOGTF[bt[pos]])
        if not slots_parts:
            return []
        slots = np.concatenate(slots_parts)
        contrib = np.concatenate(contrib_parts).astype(np.float32, copy=False)  # ufunc.at is slow on mixed types
        # Accumulate in a persistent per-slot array and read the totals back per posting: the cost is
        # proportional to the postings touched, not to the index size (a fresh dense array of a million
        # slots, or sorting the postings, costs several times more).
        acc = self._acc
        np.add.at(acc, slots, contrib)
        total = acc[slots]
        acc[slots] = 0.0
        keep = self._alive[slots]
        if before is not None:
            limit = _to_seconds(before)
            if math.isnan(limit):
                return []
            keep &= self._dates[slots] < limit  # NaN dates compare False: undated documents drop out
        if exclude is not None and exclude in self._slot_of:
            keep &= slots != self._slot_of[exclude]
        slots, total = slots[keep], total[keep]
        if slots.size == 0:
            return []
        score = total / self._norms[slots]
        # Every posting of a document carries that document's score, and a document has at most one
        # posting per selected term, so the best k documents are among the best k * len(sel) postings.
        m = k * sel.size
        if score.size > m:
            part = np.argpartition(-score, m - 1)[:m]
            slots, score = slots[part], score[part]
        uniq, first = np.unique(slots, return_index=True)
        best = score[first]
        top = np.lexsort((uniq, -best))[:k]
        return [Candidate(self._ids[int(uniq[i])], round(min(float(best[i]), 1.0), 4), METHOD) for i in top]

    # -- persistence (no pickle: numpy arrays plus JSON) ------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the index to one ``.npz`` file; ids must be JSON values (str or int)."""
        with self._lock:
            self._save(path)

    def _save(self, path: str | Path) -> None:
        self._flush()
        segs = self._segments
        meta = {
            "version": _FORMAT_VERSION,
            "params": {
                "buffer_docs": self.buffer_docs,
                "merge_factor": self.merge_factor,
                "max_segment_docs": self.max_segment_docs,
                "max_terms": self.max_terms,
                "max_postings": self.max_postings,
                "max_df_ratio": self.max_df_ratio,
                "dict_min_docs": self.dict_min_docs,
            },
            "ids": self._ids,
            "seg_ndocs": [s.ndocs for s in segs],
            "seg_nkeys": [int(s.keys.size) for s in segs],
            "seg_npost": [int(s.slots.size) for s in segs],
        }
        blob = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        n = len(self._ids)

        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)

        with open(path, "wb") as fh:
            np.savez(
                fh,
                meta=blob,
                keys=cat([s.keys for s in segs], np.int64),
                offsets=cat([s.offsets for s in segs], np.int64),
                slots=cat([s.slots for s in segs], np.int32),
                tfs=cat([s.tfs for s in segs], np.uint8),
                dates=self._dates[:n],
                norms=self._norms[:n],
                alive=self._alive[:n],
            )

    @classmethod
    def load(cls, path: str | Path) -> SimilarityIndex:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            if meta.get("version") != _FORMAT_VERSION:
                raise ValueError(f"unsupported index format {meta.get('version')!r}")
            idx = cls(**meta["params"])
            keys, offsets, slots, tfs = z["keys"], z["offsets"], z["slots"], z["tfs"]
            kpos = opos = ppos = 0
            for nd, nk, npost in zip(meta["seg_ndocs"], meta["seg_nkeys"], meta["seg_npost"], strict=True):
                seg = _Segment(
                    keys[kpos : kpos + nk].copy(),
                    offsets[opos : opos + nk + 1].copy(),
                    slots[ppos : ppos + npost].copy(),
                    tfs[ppos : ppos + npost].copy(),
                    nd,
                )
                idx._segments.append(seg)
                kpos, opos, ppos = kpos + nk, opos + nk + 1, ppos + npost
            n = len(meta["ids"])
            idx._grow(n)
            idx._dates[:n] = z["dates"]
            idx._norms[:n] = z["norms"]
            idx._alive[:n] = z["alive"]
        idx._ids = [i if alive else None for i, alive in zip(meta["ids"], idx._alive[:n].tolist(), strict=True)]
        idx._slot_of = {i: s for s, i in enumerate(idx._ids) if i is not None}
        idx._nalive = len(idx._slot_of)
        return idx
