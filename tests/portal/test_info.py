"""The public information pages: the full text of the 《信访工作条例》 (structure of the transcription, anchors per
article) and the rights page, whose quotes must be the very text of the file; both open without a login."""

from __future__ import annotations

import html
import re

import pytest

from xinfang.portal import info

RIGHTS, REGULATION = "/portal/rights/", "/portal/regulation/"
CN = "一二三四五六七八九"


def cn(n: int) -> str:
    """1–99 in Chinese numerals, written independently of the parser under test."""
    tens, units = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else CN[tens - 1]) + "十") + ("" if units == 0 else CN[units - 1])


def test_the_transcription_has_six_chapters_and_articles_one_to_fifty_each_once_in_order():
    raw = info.REGULATION_FILE.read_text(encoding="utf-8")
    text = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    headings = re.findall(r"^第([一二三四五六七八九十]+)条\u3000", text, flags=re.M)
    assert headings == [cn(n) for n in range(1, 51)]
    chapters = re.findall(r"^第([一二三四五六七八九十]+)章\u3000(.+)$", text, flags=re.M)
    assert chapters == [("一", "总则"), ("二", "信访工作体制"), ("三", "信访事项的提出和受理"), ("四", "信访事项的办理"),
                        ("五", "监督和追责"), ("六", "附则")]
    # No markup or stray ASCII punctuation crept into the legal text.
    assert not re.search(r"[*_<>`\[\]]", text)
    reg = info.parse_regulation(raw)
    assert reg.title == "信访工作条例" and "2022年2月25日中共中央、国务院发布" in reg.note
    assert [a.number for c in reg.chapters for a in c.articles] == list(range(1, 51)) and reg.missing == []
    assert [(c.articles[0].number, c.articles[-1].number) for c in reg.chapters] == [
        (1, 6), (7, 16), (17, 26), (27, 37), (38, 47), (48, 50)]
    assert reg.articles[50].paragraphs == ("本条例自2022年5月1日起施行。",)
    assert reg.articles[18].paragraphs[3] == "任何组织和个人不得打击报复信访人。"


def test_the_parser_refuses_a_malformed_file_and_reports_gaps():
    head = "信访工作条例\n\n（题注）\n\n第一章\u3000总则\n\n"
    with pytest.raises(ValueError):
        info.parse_regulation(head + "第二条\u3000甲。\n\n第一条\u3000乙。\n")  # out of order
    with pytest.raises(ValueError):
        info.parse_regulation("信访工作条例\n\n（题注）\n\n第一条\u3000甲。\n")  # outside any chapter
    with pytest.raises(ValueError):
        info.parse_regulation(head + "第一条 半角空格。\n")
    gappy = info.parse_regulation(head + "第一条\u3000甲。\n\n第三条\u3000丙。\n（一）项。\n")
    assert gappy.missing == [2] and gappy.articles[3].paragraphs == ("丙。", "（一）项。")
    assert [info.chinese_number(x) for x in ("一", "十", "十七", "二十", "五十", "九十九")] == [1, 10, 17, 20, 50, 99]
    with pytest.raises(ValueError):
        info.chinese_number("十十")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_the_regulation_page_has_a_contents_by_chapter_and_an_anchor_per_article(client, db):
    resp = client.get(REGULATION)
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "<h1>信访工作条例</h1>" in page and "www.gov.cn" in page
    for n, title in enumerate(("总则", "信访工作体制", "信访事项的提出和受理", "信访事项的办理", "监督和追责", "附则"), 1):
        assert f'href="#chapter-{n}"' in page and f'id="chapter-{n}"' in page and title in page
    assert "（第十七条至第二十六条）" in page
    reg = info.regulation()
    for number, article in reg.articles.items():
        block = re.search(rf'<div class="article" id="article-{number}" data-article="{number}">(.*?)</div>', page, re.S)
        assert block, number
        shown = [_text(p) for p in re.findall(r"<p>(.*?)</p>", block.group(1), re.S)]
        assert shown == [f"{article.label}\u3000{article.paragraphs[0]}", *article.paragraphs[1:]], number
    assert 'data-testid="missing"' not in page


def test_the_rights_page_quotes_the_regulation_file_word_for_word(client, db):
    page = client.get(RIGHTS).content.decode()
    for heading in ("信访人的权利和义务", "您可以用哪些方式反映", "任何人不得打击报复您", "写清楚，说真实", "当面走访到哪里",
                    "在网上查询和评价", "信访时不能做的事"):
        assert heading in page, heading
    articles = info.regulation().articles
    quotes = re.findall(r'<blockquote cite="/portal/regulation/#article-(\d+)" data-article="(\d+)">(.*?)</blockquote>',
                        page, re.S)
    quoted = {int(n) for _, n, _ in quotes}
    assert {17, 18, 19, 20, 21, 26, 30, 46}.issubset(quoted)
    lines = 0
    for anchor, number, body in quotes:
        assert anchor == number
        article = articles[int(number)]
        for index, text in re.findall(r'<p data-line="(\d+)">.*?<span class="law-text">(.*?)</span></p>', body, re.S):
            assert html.unescape(text) == article.paragraphs[int(index)], (number, index)
            lines += 1
    assert lines >= 25
    # The no-retaliation rule and the accuser's protection are quoted, not only paraphrased.
    assert "任何组织和个人不得打击报复信访人。" in page
    assert "不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位。" in page


def test_the_information_pages_are_public_and_linked_from_every_portal_page(client, db):
    for url in (RIGHTS, REGULATION, "/portal/guide/", "/portal/"):
        resp = client.get(url)
        assert resp.status_code == 200, url  # no login page in between
        page = resp.content.decode()
        assert 'href="/portal/rights/"' in page and 'href="/portal/regulation/"' in page, url
    assert client.post(RIGHTS).status_code == 405 and client.post(REGULATION).status_code == 405
    assert client.head(REGULATION).status_code == 200
