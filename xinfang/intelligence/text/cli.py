"""Entry points behind ``xinfang intel train`` / ``xinfang intel evaluate`` (pure Python, no Django).

Data files are CSV (UTF-8, or GB18030 as Excel writes it) or XLSX with a header row holding 留言主题 (may be
absent or empty), 留言详情 and 一级标签. Problems in a file are reported in Chinese with the file name, the
line (row) number and what to change, through ``DataFileError``.

``python -m xinfang.intelligence.text.cli train --data FILE --out MODEL`` works without Django too; the
last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from xinfang.intelligence.text.normalize import normalize_text

__all__ = [
    "DETAIL_COLUMN",
    "LABEL_COLUMN",
    "TOPIC_COLUMN",
    "DataFileError",
    "evaluate",
    "main",
    "read_labelled",
    "read_unlabelled",
    "train",
]

TOPIC_COLUMN = "留言主题"
DETAIL_COLUMN = "留言详情"
LABEL_COLUMN = "一级标签"
_MAX_REPORTED = 10


class DataFileError(ValueError):
    """A data file cannot be used; the message says where and what to fix (in Chinese)."""


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row, header first. Line numbers are what a person sees in a text
    editor (CSV) or in the spreadsheet's row margin (XLSX)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        raise DataFileError(f"文件 {path.name} 的类型 {suffix or '（无扩展名）'} 不受支持；请提供 .csv 或 .xlsx 文件")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataFileError(f"文件 {path.name} 既不是 UTF-8 也不是 GB18030 编码；请用 UTF-8 编码另存为 CSV")
    reader = csv.reader(text.splitlines(keepends=True))
    start = 1
    try:
        for cells in reader:
            # A quoted cell may span lines; report the line where the record starts.
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(f"文件 {path.name} 第 {start} 行附近的 CSV 格式有误（{exc}）；请检查引号是否成对") from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataFileError(f"文件 {path.name} 无法作为 XLSX 打开（{exc}）；请确认它是 Excel 2007 及以后的 .xlsx 文件") from exc
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else str(v) for v in row]
    finally:
        book.close()


def _read(path: str | Path, *, need_label: bool) -> tuple[list[tuple[str, str]], list[str]]:
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"找不到数据文件 {path}")
    rows = _rows(path)
    first = next(rows, None)
    if first is None:
        raise DataFileError(f"文件 {path.name} 是空的；第 1 行应为列名：{TOPIC_COLUMN}、{DETAIL_COLUMN}、{LABEL_COLUMN}")
    header = [normalize_text(c).lstrip("\ufeff") for c in first[1]]
    required = [DETAIL_COLUMN] + ([LABEL_COLUMN] if need_label else [])
    missing = [c for c in required if c not in header]
    if missing:
        shown = "、".join(h for h in header if h) or "（无）"
        raise DataFileError(
            f"文件 {path.name} 缺少必需的列「{'」「'.join(missing)}」（第 1 行现有列：{shown}）；"
            f"请在第 1 行写明列名 {TOPIC_COLUMN}（可留空）、{DETAIL_COLUMN}" + (f"、{LABEL_COLUMN}" if need_label else "")
        )
    i_topic = header.index(TOPIC_COLUMN) if TOPIC_COLUMN in header else None
    i_detail = header.index(DETAIL_COLUMN)
    i_label = header.index(LABEL_COLUMN) if need_label else None

    def cell(cells: list[str], i: int | None) -> str:
        return cells[i] if i is not None and i < len(cells) else ""

    texts: list[tuple[str, str]] = []
    labels: list[str] = []
    problems: list[str] = []
    for number, cells in rows:
        if not any(str(c).strip() for c in cells):
            continue  # blank rows (common at the end of spreadsheets) carry nothing
        topic = normalize_text(cell(cells, i_topic))
        detail = normalize_text(cell(cells, i_detail))
        label = cell(cells, i_label).strip()
        if not detail and not topic:
            problems.append(f"第 {number} 行：「{DETAIL_COLUMN}」为空；请填写留言内容，或删除此行")
        elif need_label and not label:
            problems.append(f"第 {number} 行：「{LABEL_COLUMN}」为空；请填写该留言的一级分类，或删除此行")
        else:
            texts.append((topic, detail))
            labels.append(label)
    if problems:
        more = f"（另有 {len(problems) - _MAX_REPORTED} 处同类问题未列出）" if len(problems) > _MAX_REPORTED else ""
        raise DataFileError(f"文件 {path.name} 有 {len(problems)} 处问题：\n" + "\n".join(problems[:_MAX_REPORTED]) + more)
    if not texts:
        raise DataFileError(f"文件 {path.name} 除列名外没有数据行")
    return texts, labels


def read_labelled(path: str | Path) -> tuple[list[tuple[str, str]], list[str]]:
    """((留言主题, 留言详情) pairs, 一级标签 list) from a CSV or XLSX file; raises DataFileError."""
    return _read(path, need_label=True)


def read_unlabelled(path: str | Path) -> list[tuple[str, str]]:
    """(留言主题, 留言详情) pairs from a CSV or XLSX file; any label column is ignored."""
    return _read(path, need_label=False)[0]


def train(data_path: str | Path, out_path: str | Path, *, unlabelled_paths: Sequence[str | Path] | None = None) -> dict[str, Any]:
    """Trains a classifier from a labelled file, writes the model file and returns a summary."""
    from xinfang.intelligence.text.classify import CategoryClassifier

    started = time.perf_counter()
    texts, labels = read_labelled(data_path)
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise DataFileError(f"文件 {Path(data_path).name} 只有一种标签（{distinct[0]}）；训练至少需要两种不同的一级标签")
    unlabelled = [t for p in unlabelled_paths or () for t in read_unlabelled(p)]
    model = CategoryClassifier().fit(texts, labels, unlabelled=unlabelled or None)
    version = model.save(out_path)
    training = model.header.get("training", {})
    return {
        "model_version": version,
        "out": str(out_path),
        "n": len(texts),
        "n_unlabelled": training.get("n_unlabelled", 0),
        "labels": training.get("label_counts", {}),
        "cv": model.header.get("cv", {}),
        "seconds": round(time.perf_counter() - started, 2),
    }


def evaluate(model_path: str | Path, data_path: str | Path) -> dict[str, Any]:
    """Scores a model file on a labelled file: macro-F1 (the TipDM metric), accuracy, F1 per label."""
    from xinfang.intelligence.text.classify import CategoryClassifier

    started = time.perf_counter()
    model = CategoryClassifier.load(model_path)
    texts, gold = read_labelled(data_path)
    pred = [s.label for s in model.predict_many(texts)]
    # Labels unknown to the model still count (with F1 0), as in the official metric.
    labels = sorted(set(gold) | set(pred))
    per_class: dict[str, float] = {}
    for c in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        per_class[c] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    n = len(gold)
    return {
        "macro_f1": round(sum(per_class.values()) / len(per_class), 4),
        "accuracy": round(sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / n, 4),
        "per_class": per_class,
        "n": n,
        "model_version": model.version,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m xinfang.intelligence.text.cli", description="内容分类模型：训练与评估")
    sub = ap.add_subparsers(dest="action", required=True)
    tr = sub.add_parser("train", help="训练内容分类模型")
    tr.add_argument("--data", required=True)
    tr.add_argument("--out", required=True)
    tr.add_argument("--unlabelled", nargs="*", default=[])
    ev = sub.add_parser("evaluate", help="在带标签的数据上评估模型")
    ev.add_argument("--model", required=True)
    ev.add_argument("--data", required=True)
    args = ap.parse_args(argv)
    try:
        if args.action == "train":
            result = train(args.data, args.out, unlabelled_paths=args.unlabelled or None)
        else:
            result = evaluate(args.model, args.data)
    except (ValueError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
