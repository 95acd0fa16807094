"""The versioned, pickle-free model file.

A model is one ``.npz`` archive of plain numeric and fixed-width unicode arrays, read with
``allow_pickle=False`` so that loading a file from an untrusted place can never execute code. Its header is
a JSON document stored as a byte array under ``__header__``:

* ``format`` / ``format_version`` — what kind of file this is; anything else is rejected;
* ``version`` — ``<UTC timestamp>-<first 12 hex digits of the content hash>``; every stored suggestion
  records it;
* ``content_sha256`` — hash over every array (name, dtype, shape, bytes); a file whose arrays were changed
  after saving is rejected;
* whatever the writer adds (hyper-parameters, training-data fingerprint, cross-validation figures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["HEADER_KEY", "ModelFormatError", "content_hash", "read_model", "write_model"]

HEADER_KEY = "__header__"


class ModelFormatError(ValueError):
    """The file is not a model this code can read (unknown format or version, damaged or altered)."""


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode("utf-8"))
        h.update(a.dtype.str.encode("ascii"))
        h.update(repr(a.shape).encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


def write_model(path: str | os.PathLike, *, fmt: str, format_version: int, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Writes the archive atomically (a half-written file never replaces a good one) and returns the
    completed header."""
    for name, a in arrays.items():
        if name == HEADER_KEY:
            raise ValueError(f"array name {HEADER_KEY!r} is reserved")
        if a.dtype.hasobject:
            # Object arrays would need pickle to load; refuse them at the source.
            raise ValueError(f"array {name!r} has dtype object; only plain arrays can be stored")
    digest = content_hash(arrays)
    created = dt.datetime.now(dt.UTC)
    full = dict(header)
    full.update(
        format=fmt,
        format_version=format_version,
        created=created.isoformat(timespec="seconds"),
        content_sha256=digest,
        version=f"{created:%Y%m%dT%H%M%SZ}-{digest[:12]}",
    )
    blob = np.frombuffer(json.dumps(full, ensure_ascii=False, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # A file object keeps numpy from appending ".npz" to a path that lacks it.
            np.savez_compressed(fh, **{HEADER_KEY: blob}, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return full


def read_model(path: str | os.PathLike, *, fmt: str, supported_versions: tuple[int, ...]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Reads and checks a model file; raises ``ModelFormatError`` with a message a person can act on."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFormatError(f"无法读取模型文件 {path}：{exc.strerror or exc}") from exc
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if HEADER_KEY not in npz.files:
                raise ModelFormatError(f"模型文件 {path} 缺少文件头，不是本系统保存的分类模型")
            arrays = {name: npz[name] for name in npz.files}
    except ModelFormatError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        # ValueError includes numpy's refusal of pickled (object) arrays.
        raise ModelFormatError(f"模型文件 {path} 已损坏或不是 .npz 模型文件（{exc}）") from exc
    try:
        header = json.loads(arrays.pop(HEADER_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"模型文件 {path} 的文件头无法解析") from exc
    if not isinstance(header, dict) or header.get("format") != fmt:
        got = header.get("format") if isinstance(header, dict) else None
        raise ModelFormatError(f"模型文件 {path} 的格式为 {got!r}，本系统只能读取 {fmt!r}；请用 xinfang intel train 重新训练")
    if header.get("format_version") not in supported_versions:
        raise ModelFormatError(
            f"模型文件 {path} 的格式版本 {header.get('format_version')!r} 不受支持（支持 {list(supported_versions)}）；"
            "请用当前版本重新训练"
        )
    if header.get("content_sha256") != content_hash(arrays):
        raise ModelFormatError(f"模型文件 {path} 的内容与其校验值不符（文件被改动或损坏）；请重新训练或恢复原文件")
    return header, arrays
