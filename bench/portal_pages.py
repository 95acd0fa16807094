"""Size of every petitioners' portal page: HTML, the CSS (and any script or image) it links, and what a first visit
with an empty browser cache transfers. The portal is read on phones over slow county networks; the budget is
100 KB a page.

Run from the project root:

    .venv/bin/python bench/portal_pages.py                  # fresh demo county (xinfang demo, 60 items) in a temp dir
    .venv/bin/python bench/portal_pages.py --demo-items 400
    XINFANG_DATABASE_URL=postgres://… .venv/bin/python bench/portal_pages.py --existing

Pages are rendered with Django's test ``Client`` in this process: the query form (empty and with an error), every
item's page (the largest and the median are shown; the item is put in the session as a successful query would),
the guide, the rights page, the regulation, and the online submission form once it exists. Linked static files
are read through the staticfiles finders, other linked resources (an image the page generates) from the site. Sizes are bytes as sent (no compression), with the gzip size beside
for a server that compresses. Nothing is timed. Exit code 1 if a cold load of any page exceeds the budget.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET = 100 * 1024
# Subresources a browser fetches before it can show the page (stylesheets, scripts, images).
LINKED = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]*href|script[^>]+src|img[^>]+src)="([^"]+)"')


@dataclass
class Page:
    name: str
    url: str
    html: bytes
    linked: dict[str, bytes]

    @property
    def cold(self) -> int:
        return len(self.html) + sum(len(b) for b in self.linked.values())

    @property
    def cold_gzip(self) -> int:
        return len(gzip.compress(self.html)) + sum(len(gzip.compress(b)) for b in self.linked.values())


def _linked(client, url: str) -> bytes:
    """A static file from the finders (no collectstatic needed); anything else (an image the page generates) from
    the site itself, in the same session."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    if not url.startswith(settings.STATIC_URL):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} 返回 {response.status_code}")
        return response.content
    found = finders.find(url.split("?", 1)[0].removeprefix(settings.STATIC_URL))
    if not found:
        raise SystemExit(f"找不到静态文件：{url}")
    return Path(found).read_bytes()


def _page(client, name: str, url: str, *, post: dict | None = None, expect: tuple[int, ...] = (200,)) -> Page:
    response = client.post(url, post) if post is not None else client.get(url)
    if response.status_code not in expect:
        raise SystemExit(f"{name}：{url} 返回 {response.status_code}")
    html = response.content
    linked = {src: _linked(client, src) for src in dict.fromkeys(LINKED.findall(html.decode("utf-8")))}
    return Page(name, url, html, linked)


def _with_case(client, case_pk: int) -> None:
    """Put the item in the session the way a successful query does (views.SESSION_KEY), without the throttle."""
    from xinfang.portal import views

    session = client.session
    session[views.SESSION_KEY] = {"case": case_pk, "until": time.time() + views.SESSION_SECONDS}
    session.save()


def measure() -> tuple[list[Page], list[int]]:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from xinfang.cases.models import Case

    client = Client()
    pages = [
        _page(client, "查询（空表）", "/portal/"),
        _page(client, "查询（出错）", "/portal/", post={"code": "ABCDEFGHJK", "phone_last4": "0000"}),
        _page(client, "办理程序和期限", "/portal/guide/"),
        _page(client, "权利和义务", "/portal/rights/"),
        _page(client, "条例全文", "/portal/regulation/"),
    ]
    try:
        pages.append(_page(client, "网上信访", reverse("portal:submit")))
    except NoReverseMatch:
        print("网上信访（portal:submit）尚未提供，未测")
    case_pages = []
    for pk in Case.objects.order_by("pk").values_list("pk", flat=True):
        _with_case(client, pk)
        case_pages.append(_page(client, f"信访件页（#{pk}）", "/portal/case/"))
    sizes = sorted(len(p.html) for p in case_pages)
    if case_pages:
        largest = max(case_pages, key=lambda p: len(p.html))
        largest.name = f"信访件页（最大，共 {len(case_pages)} 件）"
        pages.append(largest)
    return pages, sizes


def _right(text: str, columns: int) -> str:
    """Right-aligned in a terminal, where a Chinese character takes two columns."""
    wide = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return " " * max(columns - wide, 0) + text


def report(pages: list[Page], case_sizes: list[int]) -> int:
    def kb(n: int) -> str:
        return f"{n / 1024:7.1f} KB"

    # Names last: Chinese characters are two columns wide and would break the alignment of the figures.
    print("".join(_right(h, 10) for h in ("HTML", "样式表等", "首次加载", "gzip后")) + _right("字节", 9)
          + f"  预算{BUDGET // 1024}KB  页面")
    over = 0
    for p in pages:
        linked = sum(len(b) for b in p.linked.values())
        flag = "  ✓" if p.cold <= BUDGET else "超出"
        over += p.cold > BUDGET
        print(f"{kb(len(p.html))}{kb(linked)}{kb(p.cold)}{kb(p.cold_gzip)}  {p.cold:>9}  {flag:<8}  {p.name}")
    if case_sizes:
        print(f"信访件页 HTML：中位数 {kb(int(statistics.median(case_sizes))).strip()}，最大 {kb(case_sizes[-1]).strip()}")
    everything: dict[str, int] = {}
    total_html = 0
    for p in pages:
        total_html += len(p.html)
        everything.update({src: len(b) for src, b in p.linked.items()})
    print(f"各页引用的文件（同一文件只下载一次）：{', '.join(f'{s} {n} 字节' for s, n in everything.items())}")
    print(f"依次打开以上 {len(pages)} 页（缓存为空开始）共传输 {kb(total_html + sum(everything.values())).strip()}")
    return 1 if over else 0


def main() -> int:
    import warnings

    from bench.authz_sweep import open_database

    # Static files are read from the apps here; WhiteNoise's note that nothing was collected is expected.
    warnings.filterwarnings("ignore", message="No directory at")

    parser = argparse.ArgumentParser(description="信访人查询网站各页面大小（含样式表），首次加载传输量")
    parser.add_argument("--demo-items", type=int, default=60, help="新建演示库的信访件数（默认 60）")
    parser.add_argument("--existing", action="store_true", help="使用 XINFANG_DATABASE_URL 指向的现有数据库")
    args = parser.parse_args()
    tmp = open_database(existing=args.existing, demo_items=args.demo_items, prefix="xinfang-portal-")
    code = report(*measure())
    if tmp is not None:
        tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
