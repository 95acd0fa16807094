"""What the monthly 通报 (``reports_monthly``) and the annual report of 《信访工作条例》第四十一条
(``reports_annual``) share: the period, who the report is for, and a writer of .docx in the official layout.

Every figure is read the way the statistics pages read it (``selectors``: sums of daily counts within the scope
of the reader), so a number in a report is the same number as on the page and in ``xinfang stats show``. The
layout is that of the shipped documents (``documents.layout``, GB/T 9704-2012): A4, 22 lines of 28 characters,
title 2号小标宋, body 3号仿宋, headings 黑体 (一、) and 楷体 ((一)), page numbers 「— 1 —」. Tables are set
in 小四 with fixed column widths, because LibreOffice and WPS lay out an autofit table from its content and
push a long unit name past the right margin.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from xinfang.core import clock
from xinfang.core.errors import ValidationFailed
from xinfang.documents import layout
from xinfang.documents.context import cn_date
from xinfang.documents.numbering import unit_prefix
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.orgs.permissions import Perm
from xinfang.stats import metrics, selectors
from xinfang.stats.models import FillState

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADING_FONT = "黑体"  # 一级标题 (GB/T 9704 §7.3.3)
SUBHEADING_FONT = "楷体_GB2312"  # 二级标题
TABLE_SIZE = 12  # 小四
SMALL_TABLE_SIZE = 10.5  # 五号, for tables of six columns

# The paragraph properties that follow w:snapToGrid in the schema (CT_PPrBase).
_AFTER_SNAP_TO_GRID = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
# The statistics start with the county's first recorded item; a year outside this range is a typing slip.
FIRST_YEAR = 2000


# --- periods ----------------------------------------------------------------------------------------------


def parse_month(text: str | None) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` → (first day, last day); a Chinese sentence saying what to type otherwise."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(f"月份“{text or ''}”格式不正确，请使用 YYYY-MM 格式，例如 2026-09。", field="month")
    year, month = int(match.group(1)), int(match.group(2))
    start = dt.date(year, month, 1)
    _check_started(start, f"{year}年{month}月")
    return start, dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_year(text: str | None) -> tuple[dt.date, dt.date]:
    match = _YEAR.match(text or "")
    if not match:
        raise ValidationFailed(f"年份“{text or ''}”格式不正确，请使用 YYYY 格式，例如 2026。", field="year")
    year = int(match.group(1))
    _check_started(dt.date(year, 1, 1), f"{year}年")
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _check_started(start: dt.date, label: str) -> None:
    today = clock.today()
    if start.year < FIRST_YEAR:
        raise ValidationFailed(f"{label}早于{FIRST_YEAR}年，请核对年份。", field="period")
    if start > today:
        raise ValidationFailed(f"{label}尚未开始（今天是{cn_date(today)}），无法生成报告。", field="period")


def month_before(start: dt.date) -> tuple[dt.date, dt.date]:
    end = start - dt.timedelta(days=1)
    return end.replace(day=1), end


def last_full_month(today: dt.date | None = None) -> dt.date:
    """The first day of the last month that has ended (the default of the monthly report)."""
    return month_before((today or clock.today()).replace(day=1))[0]


# --- who the report is for ------------------------------------------------------------------------------------


def bureau() -> Unit | None:
    """The county's 信访部门 (the unit of kind bureau nearest the root): it issues both reports."""
    return Unit.objects.filter(kind=UnitKind.BUREAU, is_active=True).order_by("depth", "path").first()


def may_read(user: User | None) -> bool:
    """Reports are for the bureau and the county's leadership: a VIEW grant on a subtree holding the bureau
    (the bureau itself, the county, the city). A township's or a department's staff get none (404)."""
    unit = bureau()
    return unit is not None and policies.can(user, Perm.VIEW, unit)


@dataclass(frozen=True)
class Audience:
    """The reader (``None``: the command line, every unit), the units the figures cover, the issuing bureau."""

    user: User | None
    scope: selectors.Scope
    issuer: Unit
    area: str  # 「全县」, or the unit whose subtree was asked for
    as_of: dt.date | None  # the day the statistics were last filled for

    @property
    def unit_ids(self) -> tuple[int, ...] | None:
        return self.scope.unit_ids


def audience(user: User | None = None, unit: Unit | None = None) -> Audience:
    issuer = bureau()
    if issuer is None:
        raise ValidationFailed("单位树中没有信访部门（类型为「信访部门」的单位），无法确定报告的发文机关。请先在管理后台建立县信访局。")
    state = FillState.objects.filter(pk=1).first()
    return Audience(user, selectors.scope_for(user, unit=unit), issuer, _area(user, unit),
                    state.as_of if state else None)


def _area(user: User | None, unit: Unit | None) -> str:
    """What the figures cover, in words: 「全县」, the unit asked for, or the units of a reader whose grants do
    not reach the whole county (the bureau's own staff see the bureau's items only)."""
    if unit is not None:
        return unit.name
    county = Unit.objects.filter(kind=UnitKind.COUNTY).order_by("depth", "path").first()
    if user is None or county is None or policies.can(user, Perm.VIEW, county):
        return "全县"
    paths = policies.granted_paths(user, Perm.VIEW)
    return "、".join(Unit.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True)) or "全县"


def place_name(issuer: Unit) -> str:
    """「清河县」 of 清河县信访局: the bureau's name without the word for the bureau."""
    name = issuer.name
    for suffix in ("信访局", "信访办公室", "信访办"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def document_number(issuer: Unit, seq: int | None, on: dt.date | None = None) -> str:
    """清信〔2026〕3号 (the bureau's 机关代字, the year of issue); empty when no number was given."""
    if seq is None:
        return ""
    return f"{unit_prefix(issuer)}〔{(on or clock.today()).year}〕{seq}号"


def rank_minimum() -> int:
    return int(getattr(settings, "XINFANG_STATS_RANK_MIN", 5))


def short(names: dict[int, str], unit_id: int) -> str:
    return names.get(unit_id) or ("未指定单位" if not unit_id else f"单位{unit_id}")


def unit_labels() -> dict[int, str]:
    """Unit id → the name shown in tables: the short name where the county set one (县人社局)."""
    return {pk: (s or n) for pk, n, s in Unit.objects.values_list("pk", "name", "short_name")}


# --- numbers as the reports print them ------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate_cell(numerator: int, denominator: int) -> str:
    """「93.3%（14/15）」, or 「—」 when nothing fell due."""
    if not denominator:
        return "—"
    return f"{percent(metrics.rate(numerator, denominator))}（{numerator}/{denominator}）"


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else ("0" if n == 0 else f"−{-n}")


def change_phrase(now: int, before: int, unit: str) -> str:
    """「增加3件次（增长12.5%）」/「减少2人次」/「持平」 against the previous period."""
    diff = now - before
    if diff == 0:
        return "持平"
    word = "增加" if diff > 0 else "减少"
    text = f"{word}{abs(diff)}{unit}"
    if before:
        text += f"（{'增长' if diff > 0 else '下降'}{abs(diff) / before * 100:.1f}%）"
    return text


def metric_rows(current: dict[str, dict], previous: dict[str, dict] | None = None) -> list[list[str]]:
    """One row per metric of ``metrics.METRICS``: name, value, numerator/denominator (and the previous value)."""
    rows = []
    for m in metrics.METRICS:
        got = current[m.name]
        row = [m.name, percent(got["value"]), f"{got['numerator']}/{got['denominator']}"]
        if previous is not None:
            row.append(percent(previous[m.name]["value"]))
        rows.append(row)
    return rows


# --- the document ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    align: str = "center"  # or "left"


class Writer:
    """Paragraphs and tables in the layout of ``documents.layout`` (page, grid, fonts, page numbers)."""

    def __init__(self) -> None:
        self.document = Document()
        layout._page_setup(self.document)
        layout._styles(self.document)
        layout._footers(self.document)

    # Paragraphs.
    def title(self, *lines: str) -> None:
        for line in lines:
            self._keep(layout._para(self.document, line, align=WD_ALIGN_PARAGRAPH.CENTER, font=layout.TITLE_FONT,
                                    size=layout.TITLE_SIZE))

    def centred(self, text: str, font: str = layout.BODY_FONT) -> None:
        if text:
            layout._para(self.document, text, align=WD_ALIGN_PARAGRAPH.CENTER, font=font)

    def blank(self) -> None:
        layout._para(self.document)

    def left(self, text: str) -> None:
        layout._para(self.document, text)

    def para(self, text: str) -> None:
        # Justified, as printed 公文 body text is: left-aligned lines end ragged wherever a number cannot break.
        layout._para(self.document, text, first_line=2).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def heading(self, text: str) -> None:
        """一、…: 黑体, kept with what follows so that no heading ends a page. Bold as well: where 黑体 is not
        installed the renderer substitutes the body's face, and the heading would not stand out at all."""
        p = self._keep(layout._para(self.document, text, first_line=2, font=HEADING_FONT))
        for run in p.runs:
            run.bold = True

    def subheading(self, text: str) -> None:
        self._keep(layout._para(self.document, text, first_line=2, font=SUBHEADING_FONT))

    def signature(self, organ: str, on: dt.date) -> None:
        # The seal area as the shipped documents leave it: two empty lines, organ and date four characters in.
        for _ in range(2):
            self._keep(layout._para(self.document))
        self._keep(layout._para(self.document, organ, align=WD_ALIGN_PARAGRAPH.RIGHT, right=4))
        layout._para(self.document, cn_date(on), align=WD_ALIGN_PARAGRAPH.RIGHT, right=4)

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Tables.
    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[object]], *, size: float = TABLE_SIZE,
              bold_last: bool = False, row_height_mm: float | None = None) -> None:
        """A grid table with a repeated header row. Widths go into w:gridCol and every cell (LibreOffice reads
        the former, Word the latter) with a fixed layout, so the table is exactly as wide as the text.
        ``row_height_mm``: the least height of a body row (room to write in by hand)."""
        table = self.document.add_table(rows=1 + len(rows), cols=len(columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed
        widths = [Mm(c.width_mm) for c in columns]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page the table runs over
        tr_pr.append(repeat)
        for cell, column, width in zip(header.cells, columns, widths, strict=True):
            self._cell(cell, column.header, width, size, font=HEADING_FONT, align="center", bold=True)
        for i, values in enumerate(rows, start=1):
            row = table.rows[i]
            # A row is never split across pages: a split cell reads as two rows.
            no_split = OxmlElement("w:cantSplit")
            row._tr.get_or_add_trPr().append(no_split)
            if row_height_mm:
                row.height = Mm(row_height_mm)
            last = bold_last and i == len(rows)
            for cell, column, width, value in zip(row.cells, columns, widths, values, strict=True):
                self._cell(cell, str(value), width, size, font=HEADING_FONT if last else layout.BODY_FONT,
                           align=column.align, bold=last)
        # The body resumes on the grid below the table; an empty line keeps the next heading off its edge.
        layout._para(self.document)

    def _cell(self, cell, text: str, width, size: float, *, font: str, align: str, bold: bool = False) -> None:
        """One cell; the header and the 合计 row in bold 黑体 (bold for the same reason as ``heading``)."""
        cell.width = width
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
        self._compact(p, size)
        if text:
            run = p.add_run(text)
            layout._set_fonts(run, font, size)
            run.bold = bold or None
        v_align = OxmlElement("w:vAlign")
        v_align.set(qn("w:val"), "center")
        cell._tc.get_or_add_tcPr().append(v_align)

    @staticmethod
    def _compact(paragraph, size: float) -> None:
        """Lines of ``size`` text at 1.3 × size, off the page's 29 pt line grid (which would space a table's
        rows as far apart as the body's lines)."""
        pf = paragraph.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(round(size * 1.3, 1))
        pf.space_before = Pt(1)
        pf.space_after = Pt(1)
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        p_pr = paragraph._p.get_or_add_pPr()
        # In schema order (before w:spacing, w:ind, w:jc …): Word refuses a paragraph whose properties are not.
        p_pr.insert_element_before(snap, *_AFTER_SNAP_TO_GRID)

    @staticmethod
    def _keep(paragraph):
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def definitions_annex(w: Writer, title: str) -> None:
    """附件: the definition of every metric the report prints, as ``metrics`` states it (decisions §7)."""
    w.page_break()
    w.left("附件")
    w.blank()
    w.title(title)
    w.blank()
    for name, text in metrics.VOLUME_DEFINITIONS.items():
        w.para(f"{name}：{text}")
    for m in metrics.METRICS:
        w.para(f"{m.name}：{m.definition}")


def as_of_sentence(a: Audience, end: dt.date) -> str:
    if a.as_of is None:
        return "统计数据尚未生成（请先运行 xinfang stats fill），以下数字均为0。"
    if a.as_of < end:
        return f"统计数据截至{cn_date(a.as_of)}，本期尚未结束或此后尚未更新，数字可能不完整。"
    return f"统计数据截至{cn_date(a.as_of)}。"
