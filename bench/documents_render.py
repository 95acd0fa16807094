"""Render one document of every kind from the demo to .docx, PDF and PNG, to look at them as a county would.

    .venv/bin/python bench/documents_render.py [--out DIR] [--items N] [--data DIR]

It builds a fresh demo county (``xinfang demo``, SQLite in a temporary data directory unless ``--data`` names
one that already holds a demo), exports every issued document with ``xinfang documents export``, picks one
file of each kind — the latest version, a delivered one when there is one, so the remedy's computed last day
shows — and converts it with LibreOffice (PDF) and pdftoppm (one PNG per page). It prints, per kind, the
document number, the pages and where the PNG is; and the time the demo took to issue its documents.

LibreOffice (``soffice``) and poppler-utils (``pdftoppm``) come from Debian; without them only the .docx files
are written and the script says so. Not part of the test suite: LibreOffice takes a few seconds a file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
XINFANG = ROOT / ".venv" / "bin" / "xinfang"


def _run(args: list[str], env: dict[str, str], timeout: int = 1800) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode not in (0, 1):  # export ends with 1 when a file is missing: reported below, not fatal
        sys.exit(f"{' '.join(args[:3])} 失败（{done.returncode}）：\n{done.stderr[-2000:]}")
    return done.stdout


def _pick(manifest: list[dict]) -> dict[str, dict]:
    """Per kind the entry to look at: not superseded, delivered first, then the latest issued."""
    superseded = {(e["case"], e["number"], e["version"] - 1) for e in manifest if e.get("supersedes_version")}
    chosen: dict[str, dict] = {}
    for entry in manifest:
        if (entry["case"], entry["number"], entry["version"]) in superseded:
            continue
        best = chosen.get(entry["kind"])
        rank = (entry["delivered_on"] is not None, entry["version"], entry["issued_on"])
        if best is None or rank > (best["delivered_on"] is not None, best["version"], best["issued_on"]):
            chosen[entry["kind"]] = entry
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/xinfang-documents", help="输出目录（默认 /tmp/xinfang-documents）")
    parser.add_argument("--items", type=int, default=120, help="演示信访件数量（默认 120）")
    parser.add_argument("--data", help="已有演示数据的数据目录（不再重新生成）")
    args = parser.parse_args()

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="xinfang-render-"))
    env = {**os.environ, "XINFANG_DATA_DIR": str(data), "XINFANG_SECRET_KEY": "render-bench",
           "XINFANG_SECURE_COOKIES": "false"}
    if not args.data:
        _run([str(XINFANG), "migrate", "--noinput", "-v", "0"], env)
        started = time.perf_counter()
        report = _run([str(XINFANG), "demo", "--items", str(args.items)], env)
        print(f"demo（{args.items} 件）用时 {time.perf_counter() - started:.1f} 秒")
        for line in report.splitlines():
            if line.startswith(("文书：", "签发失败")):
                print(" ", line)
    export = out / "export"
    _run([str(XINFANG), "documents", "export", "--out", str(export)], env)
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    chosen = _pick(manifest)
    print(f"导出 {len(manifest)} 份文书，{len(chosen)} 种")

    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        print("!!! 未安装 LibreOffice 或 poppler-utils：只写出了 .docx，未生成 PDF/PNG")
    for kind, entry in sorted(chosen.items()):
        docx = out / f"{kind}.docx"
        shutil.copyfile(export / entry["file"], docx)
        pages = "—"
        if soffice and pdftoppm:
            started = time.perf_counter()
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                           check=True, capture_output=True, timeout=300)
            subprocess.run([pdftoppm, "-png", "-r", "60", str(out / f"{kind}.pdf"), str(out / kind)],
                           check=True, timeout=120)
            pages = str(len(list(out.glob(f"{kind}-*.png"))))
            seconds = time.perf_counter() - started
        print(f"{kind:24} {entry['number'] or '（无文号）':20} 送达 {entry['delivered_on'] or '—':10} "
              f"救济期限 {entry['remedy_last_day'] or '—':10} 页数 {pages}"
              + (f" 转换 {seconds:.1f} 秒" if soffice and pdftoppm else ""))
    print(f"文件在 {out}")
    if not args.data:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
