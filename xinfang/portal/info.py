"""Public information pages of the portal: the petitioner's rights and duties in plain words, and the full text of
the 《信访工作条例》 (2022).

Both pages read one transcription of the regulation (``regulation/xinfang_gongzuo_tiaoli_2022.txt``): the rights
page quotes its paragraphs by article and line instead of repeating them, so what it quotes is always what the
full-text page shows. The file is parsed once per process; a malformed file fails loudly at the first request
rather than showing a page with articles silently missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

REGULATION_FILE = Path(__file__).resolve().parent / "regulation" / "xinfang_gongzuo_tiaoli_2022.txt"
# Where the authoritative text is published; shown on both pages, and in place of any article the file lacks.
OFFICIAL_SITE = "www.gov.cn"

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = "[一二三四五六七八九十]+"
_CHAPTER = re.compile(rf"^第({_NUMERAL})章\u3000(\S.*)$")
_ARTICLE = re.compile(rf"^第({_NUMERAL})条\u3000(\S.*)$")


def chinese_number(numeral: str) -> int:
    """1–99 written in Chinese numerals (一, 十, 十七, 二十, 五十): the chapter and article numbers."""
    if not re.fullmatch(_NUMERAL, numeral) or numeral.count("十") > 1:
        raise ValueError(f"不是 1–99 的中文数字：{numeral}")
    tens, ten, units = numeral.partition("十")
    if not ten:
        if len(tens) != 1:
            raise ValueError(f"不是 1–99 的中文数字：{numeral}")
        return _DIGITS[tens]
    if len(tens) > 1 or len(units) > 1:
        raise ValueError(f"不是 1–99 的中文数字：{numeral}")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


@dataclass(frozen=True)
class Article:
    number: int
    label: str  # 第十七条
    paragraphs: tuple[str, ...]  # each 款 and each 项 on its own line; the first without the label

    @property
    def anchor(self) -> str:
        return f"article-{self.number}"


@dataclass(frozen=True)
class Chapter:
    number: int
    label: str  # 第三章
    title: str  # 信访事项的提出和受理
    articles: tuple[Article, ...]

    @property
    def anchor(self) -> str:
        return f"chapter-{self.number}"


@dataclass(frozen=True)
class Regulation:
    title: str
    note: str  # the line under the title: who approved and issued it, and when
    chapters: tuple[Chapter, ...]

    @property
    def note_parts(self) -> list[str]:
        """The note split where the official layout puts a full-width space, so a line breaks there first."""
        return self.note.split("\u3000")

    @property
    def articles(self) -> dict[int, Article]:
        return {a.number: a for c in self.chapters for a in c.articles}

    @property
    def missing(self) -> list[int]:
        """Article numbers below the last one present that the file does not hold."""
        present = self.articles
        return [n for n in range(1, max(present, default=0) + 1) if n not in present]


def parse_regulation(text: str) -> Regulation:
    """Read the transcription: comment lines start with ``#``; blocks are separated by blank lines; the first two
    blocks are the title and its note, then come chapter headings (第X章) and articles (第X条), one block each,
    one line per paragraph. Anything else is an error, as is an article outside a chapter or out of order."""
    body = "\n".join(line.strip() for line in text.splitlines() if not line.startswith("#"))
    blocks = [block.split("\n") for block in re.split(r"\n{2,}", body.strip())]
    if len(blocks) < 3 or len(blocks[0]) != 1 or len(blocks[1]) != 1:
        raise ValueError("条例文件应以标题、题注开头")
    title, note = blocks[0][0], blocks[1][0]
    chapters: list[tuple[int, str, str, list[Article]]] = []
    last_article = 0
    for block in blocks[2:]:
        head = block[0]
        if m := _CHAPTER.match(head):
            if len(block) != 1:
                raise ValueError(f"章标题后应空一行：{head}")
            number = chinese_number(m.group(1))
            if number != len(chapters) + 1:
                raise ValueError(f"章序号不连续：{head}")
            chapters.append((number, f"第{m.group(1)}章", m.group(2), []))
        elif m := _ARTICLE.match(head):
            if not chapters:
                raise ValueError(f"条文不在任何一章之内：{head}")
            number = chinese_number(m.group(1))
            if number <= last_article:
                raise ValueError(f"条序号未递增：{head}")
            last_article = number
            chapters[-1][3].append(Article(number, f"第{m.group(1)}条", (m.group(2), *block[1:])))
        else:
            raise ValueError(f"无法识别的段落：{head[:30]}")
    return Regulation(
        title=title,
        note=note,
        chapters=tuple(Chapter(n, label, t, tuple(arts)) for n, label, t, arts in chapters),
    )


@lru_cache(maxsize=1)
def regulation() -> Regulation:
    return parse_regulation(REGULATION_FILE.read_text(encoding="utf-8"))


# --- the rights page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    index: int  # the line within the article
    text: str
    after_gap: bool  # lines of the article were left out just before this one


@dataclass(frozen=True)
class Quote:
    article: Article
    lines: tuple[QuoteLine, ...]

    @property
    def partial(self) -> bool:
        return len(self.lines) < len(self.article.paragraphs)


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    plain: tuple[str, ...]  # the explanation in everyday words
    quotes: tuple[Quote, ...]


# What the rights page explains, and which lines of which articles it quotes (None: the whole article). The
# explanations are ours; the quotes come from the regulation file, never from this table.
RIGHTS: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[int, tuple[int, ...] | None], ...]], ...] = (
    (
        "channels", "您可以用哪些方式反映",
        ("公民，以及企业等法人和其他组织，都可以反映情况，提出建议、意见或者投诉请求：可以网上信访、写信、打电话、发传真，"
         "也可以当面走访。收到的机关、单位应当依规依法处理。",),
        ((17, None),),
    ),
    (
        "open", "机关、单位应当告诉您的事",
        ("各级机关、单位要向社会公布网上信访渠道、通信地址、咨询投诉电话、接待的时间和地点，以及怎样查询办理进展和结果；"
         "在接待场所或者网站公布有关的规定和办理程序。领导干部要阅办群众来信和网上信访，定期接待群众来访。",),
        ((18, (0, 1, 2)),),
    ),
    (
        "protection", "任何人不得打击报复您",
        ("依法反映问题，任何组织和个人都不得打击报复您。打击报复信访人的，由上级机关、单位责令改正；造成严重后果的，"
         "对直接责任人员依规依纪依法严肃处理；构成犯罪的，依法追究刑事责任。",
         "检举、控告别人的，您的检举、揭发材料和有关情况不得透露或者转给被检举、揭发的人员或者单位。"
         "因此，检举控告件在本网站查询时只显示通用的办理阶段，不显示承办单位的名称。"),
        ((18, (3,)), (30, (0, 2)), (46, (0, 5, 6))),
    ),
    (
        "writing", "写清楚，说真实",
        ("信访一般要用书面形式，写明您的姓名（单位写名称）、住址，以及您的请求、事实和理由；当面或者打电话反映的，"
         "工作人员应当如实记录。",
         "反映的情况要客观真实，您要对所提供材料的真实性负责，不能捏造、歪曲事实，不能诬告、陷害他人。",
         "同一件事已经受理或者正在办理的，在规定期限内再向上级机关、单位提出，上级机关、单位不予受理；"
         "请先耐心等待答复，期限可以在本网站查询。"),
        ((19, None),),
    ),
    (
        "visits", "当面走访到哪里",
        ("走访请到有权处理的本级或者上一级机关、单位设立或者指定的接待场所。涉及诉讼权利救济的事项（例如对法院的裁判不服），"
         "请按照法律规定的程序向有关政法部门提出。多人反映同一件事的，请推选代表，代表不超过5人。"
         "各级机关、单位应当把问题解决在当地，您可以就地反映。",),
        ((20, None),),
    ),
    (
        "online", "在网上查询和评价",
        ("信访事项都要录入信访信息系统，方便您查询、评价办理情况。在本网站凭查询码和手机号后四位，"
         "可以查看办理进展、期限和发给您的文书，在评价期内可以评价。",),
        ((21, (1,)),),
    ),
    (
        "conduct", "信访时不能做的事",
        ("反映问题要遵守法律、法规，不得损害国家、社会、集体的利益和他人的合法权利，维护公共秩序和信访秩序。",
         "不按规定走访或者有下列行为的，工作人员会劝阻、批评或者教育；滋事扰序、缠访闹访情节严重，构成违反治安管理行为"
         "的，由公安机关依法处置、给予治安管理处罚；构成犯罪的，依法追究刑事责任。",
         "捏造歪曲事实、诬告陷害他人的，可能受到治安管理处罚；构成犯罪的，依法追究刑事责任。"),
        ((26, None), (47, None)),
    ),
)


def rights_sections(reg: Regulation | None = None) -> list[Section]:
    reg = reg or regulation()
    articles = reg.articles
    sections = []
    for anchor, heading, plain, wanted in RIGHTS:
        quotes = []
        for number, indexes in wanted:
            article = articles.get(number)
            if article is None:
                continue  # the page says where the official text is; it never quotes from memory
            chosen = list(range(len(article.paragraphs))) if indexes is None else list(indexes)
            lines = tuple(
                QuoteLine(i, article.paragraphs[i], after_gap=(i - chosen[k - 1] > 1) if k else i > 0)
                for k, i in enumerate(chosen)
            )
            quotes.append(Quote(article, lines))
        sections.append(Section(anchor, heading, plain, tuple(quotes)))
    return sections


@login_not_required
@require_safe
def rights(request):
    reg = regulation()
    return render(request, "portal/rights.html", {
        "sections": rights_sections(reg), "regulation": reg, "official_site": OFFICIAL_SITE,
    })


@login_not_required
@require_safe
def regulation_text(request):
    return render(request, "portal/regulation.html", {"regulation": regulation(), "official_site": OFFICIAL_SITE})
