"""Render the monthly 通报 and the annual report of the demo county to .docx, PDF and PNG, to look at them.

    .venv/bin/python bench/stats_report_render.py [--out DIR] [--items N] [--data DIR]

Like ``bench/documents_render.py``: a fresh demo county (``xinfang demo``, SQLite in a temporary data directory
unless ``--data`` names one that already holds a demo), then ``xinfang supervise`` (the error register), ``xinfang stats fill``, then
``xinfang stats report`` for the last month that has ended and for the current year, each converted with
LibreOffice (PDF) and pdftoppm (one PNG per page, 60 dpi). It prints the time of each step and the pages of
each report. Output goes to ``test-output/reports/`` by default.

The demo records a year of history in one run, so every act it dates in the past is, to the system, a late
entry: the 补录 section of the demo's bulletin is long (the bulletin lists the most belated ones).
LibreOffice (``soffice``) and poppler-utils (``pdftoppm``) come from Debian; without them only the .docx files
are written and the script says so. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
XINFANG = ROOT / ".venv" / "bin" / "xinfang"


def _run(args: list[str], env: dict[str, str], timeout: int = 1800) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[1:4])} 失败（{done.returncode}）：\n{done.stderr[-2000:]}")
    return done.stdout, time.perf_counter() - started


def _to_png(docx: Path, out: Path) -> tuple[int, float]:
    """PDF beside the .docx, then one PNG per page; (pages, seconds)."""
    soffice, pdftoppm = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        return 0, 0.0
    started = time.perf_counter()
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                   check=True, capture_output=True, timeout=300)
    stem = docx.stem
    for old in out.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-r", "60", "-png", str(out / f"{stem}.pdf"), str(out / stem)], check=True, timeout=120)
    return len(list(out.glob(f"{stem}-*.png"))), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "test-output" / "reports"), help="输出目录（默认 test-output/reports）")
    parser.add_argument("--items", type=int, default=400, help="演示信访件数量（默认 400）")
    parser.add_argument("--data", help="已有演示数据的数据目录（不再重新生成）")
    args = parser.parse_args()

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="xinfang-reports-"))
    env = {**os.environ, "XINFANG_DATA_DIR": str(data), "XINFANG_SECRET_KEY": "render-bench",
           "XINFANG_SECURE_COOKIES": "false"}
    if not args.data:
        _run([str(XINFANG), "migrate", "--noinput", "-v", "0"], env)
        _, seconds = _run([str(XINFANG), "demo", "--items", str(args.items)], env)
        print(f"demo（{args.items} 件）用时 {seconds:.1f} 秒")
        # The daily supervision job fills the error register that the bulletin's 差错 section reads.
        report, seconds = _run([str(XINFANG), "supervise"], env)
        said = [line for line in report.splitlines() if "差错" in line]
        print(f"supervise 用时 {seconds:.1f} 秒：{said[-1] if said else report.strip()}")
    report, seconds = _run([str(XINFANG), "stats", "fill"], env)
    print(f"{report.strip()}，用时 {seconds:.1f} 秒")

    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    jobs = [
        ("monthly", ["--month", f"{last_month:%Y-%m}", "--number", "12"], f"月度通报 {last_month:%Y-%m}"),
        ("annual", ["--year", str(today.year), "--number", "1"], f"年度报告 {today.year}"),
    ]
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("!!! 未安装 LibreOffice 或 poppler-utils：只写出了 .docx，未生成 PDF/PNG")
    for stem, extra, label in jobs:
        docx = out / f"{stem}.docx"
        _, seconds = _run([str(XINFANG), "stats", "report", *extra, "--out", str(docx)], env)
        pages, convert = _to_png(docx, out)
        print(f"{label:16} 生成 {seconds:.1f} 秒（含启动） {docx.stat().st_size // 1024} KB  页数 {pages or '—'}"
              + (f"  转换 {convert:.1f} 秒" if pages else ""))
    print(f"文件在 {out}")
    if not args.data:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
