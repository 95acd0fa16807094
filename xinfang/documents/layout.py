"""Builds the shipped .docx templates in the layout of GB/T 9704-2012 (党政机关公文格式).

Run ``python -m xinfang.documents.layout`` after changing a text below; it rewrites
``templates_docx/<kind>.docx`` and the files are committed (a county may upload its own version of any of them,
so the template is a file, not code that renders). The wording carries docxtpl/Jinja placeholders that
``context.build_context`` fills; each placeholder sits in one run so Word cannot split it.

Layout (GB/T 9704-2012 §5, §7):
- A4 210 × 297 mm; margins top 37, bottom 35, left 28, right 26 mm → text area 156 × 225 mm.
- 22 lines of 28 characters: a line grid (w:docGrid type="lines", pitch 225 mm / 22 = 28.99 pt) with exact
  28.99 pt line spacing, and the characters condensed by 0.25 pt so that 28 of them fill the 156 mm line
  (pitch 15.79 pt for a 16 pt character). A ``linesAndChars`` grid (w:charSpace) was tried first: Word honours
  it, but LibreOffice snaps each 16 pt character to two of its cells (16 characters a line), so it is not used.
- Title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312. Where 仿宋_GB2312 is not installed
  Word and LibreOffice substitute a 仿宋/serif CJK face by themselves; the document can only name one font, so
  仿宋 is the fallback by substitution, not by a second name.
- Page numbers 「— 1 —」 in 4号 (14 pt) 宋体: odd pages right, even pages left, one character in from the edge.
- 发文字号: at the top right for notices to the petitioner (信函式), centred under the title for letters between
  organs. 发文机关署名 and the date at the right, four characters in, with three empty lines above as the
  seal area (印章区).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates_docx"
VERSION = "builtin-2"

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_FONT, TITLE_SIZE = "方正小标宋简体", 22
BODY_FONT, BODY_SIZE = "仿宋_GB2312", 16
PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE = "宋体", 14
LATIN_FONT = "Times New Roman"
LINES, CHARS = 22, 28
TEXT_WIDTH_PT = (PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
TEXT_HEIGHT_PT = (PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / 25.4 * 72
LINE_PITCH_PT = TEXT_HEIGHT_PT / LINES  # 28.99 pt (often quoted as 28.95)
CHAR_PITCH_PT = TEXT_WIDTH_PT / CHARS  # 15.79 pt
# Word's line grid pitch and the character spacing (w:spacing in twentieths of a point, rounded down so that
# 28 characters never overflow the line).
LINE_PITCH_TWIPS = round(LINE_PITCH_PT * 20)
CONDENSE_TWIPS = math.floor((CHAR_PITCH_PT - BODY_SIZE) * 20)  # -5 = 0.25 pt tighter

# The document titles (文种) by kind code; the kind codes are part of the documents' public interface.
TITLES = {
    "acceptance_notice": "受理告知书",
    "refusal_notice": "不予受理告知书",
    "no_further_notice": "不再受理告知书",
    "extension_notice": "延期告知书",
    "reply": "信访处理意见书",
    "review_decision": "复查意见书",
    "rereview_decision": "复核意见书",
    "request_refusal_notice": "{{ request_stage }}申请不予受理告知书",
    "delivery_receipt": "送达回证",
    "transfer": "信访事项转送单",
    "assignment": "信访事项交办单",
    "objection": "信访事项异议函",
    "supervision_letter": "信访事项督办函",
    "reminder_letter": "信访事项提醒函",
}
# Letters between organs carry the number under the title; notices to the petitioner at the top right.
ORGAN_LETTERS = {"transfer", "assignment", "objection", "supervision_letter", "reminder_letter"}

_PETITION = "您于{{ received_on }}提出的信访事项（编号：{{ case_number }}，事由：{{ request_title }}）"
_ITEM = "{{ petitioner }}反映的信访事项（编号：{{ case_number }}，{{ received_on }}收到，事由：{{ request_title }}）"
_REMEDY = [("h", "四、{{ remedy_heading }}"), ("p", "{{ remedy }}"), ("p", "{{ remedy_deadline }}")]


def _opinion_body(what: str) -> list[tuple[str, str]]:
    return [
        ("p", _PETITION + "，" + what),
        ("h", "一、信访人的请求"),
        ("p", "{{ request_summary }}"),
        ("h", "二、事实和理由"),
        ("p", "{{ facts }}"),
        ("h", "三、{{ opinion_heading }}"),
        ("p", "{{ opinion }}"),
        ("p", "依据：{{ legal_basis }}"),
        ("if", "review_outcome"),
        ("p", "结论：{{ review_outcome }}。"),
        ("endif", ""),
        ("if", "outcomes"),
        ("p", "对您提出的各项请求，处理结果如下："),
        ("for", "o in outcomes"),
        ("p", "{{ o.index }}. {{ o.request }}：{{ o.outcome }}。{{ o.explanation }}"),
        ("endfor", ""),
        ("endif", ""),
        *_REMEDY,
    ]


# Paragraphs of each kind: ("p", text) indented body, ("h", text) body heading, ("left", text) no indent,
# ("if"/"for", expression) … ("endif"/"endfor", "") docxtpl paragraph blocks, ("table", "") the receipt form.
BODIES: dict[str, list[tuple[str, str]]] = {
    "acceptance_notice": [
        ("p", _PETITION + "，本机关已于{{ accepted_on }}依法受理。"),
        ("p", "根据《信访工作条例》第三十二条、第三十四条的规定，本机关将自受理之日起60日内办结，办理期限至"
              "{{ handling_due }}{{ handling_due_note }}。情况复杂的，经本机关负责人批准可以适当延长办理期限，"
              "延长期限不超过30日，届时将另行书面告知。"),
        ("p", "您可以凭查询码{{ query_code }}查询办理进展。"),
        ("p", "特此告知。"),
    ],
    "refusal_notice": [
        ("p", _PETITION + "，经审查，{{ ground }}。根据《信访工作条例》第二十三条的规定，本机关决定不予受理。"),
        ("p", "{{ redirect }}"),
        ("p", "特此告知。"),
    ],
    "no_further_notice": [
        ("p", _PETITION + "，与您此前提出、已经复核或者依法终结的信访事项（编号：{{ earlier_number }}）"
              "事实和理由相同。{{ reason }}"),
        ("p", "根据《信访工作条例》第三十六条第三款的规定，信访人对复核意见不服，仍然以同一事实和理由提出信访事项的，"
              "各级机关不再受理。"),
        ("p", "特此告知。"),
    ],
    "extension_notice": [
        ("p", _PETITION + "，本机关已于{{ accepted_on }}依法受理。因{{ extension_reason }}，不能在60日内办结。"),
        ("p", "根据《信访工作条例》第三十四条的规定，经本机关负责人批准，办理期限延长{{ extension_days }}日，"
              "延长后的办理期限至{{ extended_due }}{{ extended_due_note }}。"),
        ("p", "特此告知。"),
    ],
    "reply": _opinion_body("本机关于{{ accepted_on }}依法受理。经调查核实，现根据《信访工作条例》第三十二条的规定出具处理意见如下："),
    "review_decision": _opinion_body("本机关于{{ request_received_on }}收到您的复查申请。经复查，现根据《信访工作条例》第三十五条的规定出具复查意见如下："),
    "rereview_decision": _opinion_body("本机关于{{ request_received_on }}收到您的复核申请。经复核，现根据《信访工作条例》第三十六条的规定出具复核意见如下："),
    "request_refusal_notice": [
        ("p", "您于{{ request_received_on }}就信访事项（编号：{{ case_number }}，事由：{{ request_title }}）"
              "提出的{{ request_stage }}申请收悉。经审查，{{ refusal_reason }}"),
        ("p", "根据《信访工作条例》{{ article }}的规定，本机关对该{{ request_stage }}申请不予受理。"),
        ("p", "特此告知。"),
    ],
    "delivery_receipt": [("table", "")],
    "transfer": [
        ("p", "现将" + _ITEM + "转送你单位，请依照《信访工作条例》第二十二条、第二十三条的规定依法处理。"),
        ("p", "信访事项内容：{{ request_content }}"),
        ("p", "请自收到之日起15日内决定是否受理并书面告知信访人{{ due_sentence }}；不属于你单位职权范围的，"
              "请于收到之日起5个工作日内向本机关提出异议并详细说明理由。"),
    ],
    "assignment": [
        ("p", "现将" + _ITEM + "交办你单位，请依照《信访工作条例》第二十二条的规定依法办理。"),
        ("p", "信访事项内容：{{ request_content }}"),
        ("p", "请于{{ due_on }}{{ due_note }}前办结，并向本机关报送办结报告（包括处理意见、依据及送达信访人的情况）。"),
    ],
    "objection": [
        ("p", "你单位于{{ routed_on }}{{ route_label }}本单位的{{ petitioner }}反映的信访事项（编号：{{ case_number }}，"
              "事由：{{ request_title }}），经审查，不属于本单位职权范围，理由如下："),
        ("p", "{{ objection_reason }}"),
        ("p", "根据《信访工作条例》第二十三条第三款的规定，特提出异议，请予审核。"),
    ],
    "supervision_letter": [
        ("p", _ITEM + "于{{ routed_on }}{{ route_label }}你单位，办理期限至{{ due_on }}{{ due_note }}。{{ note }}"),
        ("p", "根据《信访工作条例》第四十条的规定，请你单位依法及时办理，并于{{ reply_by }}前将办理情况书面报告本机关。"),
    ],
    "reminder_letter": [
        ("p", _ITEM + "的办理期限将于{{ due_on }}{{ due_note }}届满。{{ note }}"),
        ("p", "请你单位抓紧办理，按期办结并书面答复信访人。"),
    ],
}

# The receipt form (送达回证): label → placeholder, one row each.
RECEIPT_ROWS = [
    ("送达文书名称", "{{ document_title }}"),
    ("文书编号", "{{ document_number }}"),
    ("信访事项编号", "{{ case_number }}"),
    ("受送达人", "{{ recipient }}"),
    ("送达地址", "{{ address }}"),
    ("送达日期", "{{ delivered_on }}"),
    ("送达方式", "{{ methods }}"),
    ("救济期限", "{{ remedy_deadline }}"),
    ("受送达人签名", "{{ signer }}"),
    ("送达人", "{{ deliverer }}"),
    ("备注", "{{ remarks }}"),
]


def _set_fonts(run_or_style, east_asia: str, size: float) -> None:
    """Latin text in Times New Roman, Chinese in ``east_asia`` (w:rFonts eastAsia)."""
    font = run_or_style.font
    font.name = LATIN_FONT
    font.size = Pt(size)
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _exact_spacing(paragraph_format) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(round(LINE_PITCH_PT, 2))
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def _indent_chars(paragraph, first_line: int = 0, right: int = 0) -> None:
    """Indents in characters (w:firstLineChars, w:rightChars, hundredths of a character) with the point
    equivalent beside them for applications that read only the latter."""
    pf = paragraph.paragraph_format
    if first_line:
        pf.first_line_indent = Pt(first_line * BODY_SIZE)
    if right:
        pf.right_indent = Pt(right * BODY_SIZE)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        if first_line:
            ind.set(qn("w:firstLineChars"), str(first_line * 100))
        if right:
            ind.set(qn("w:rightChars"), str(right * 100))


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    # The page number sits about 7 mm below the text area (GB/T 9704 §7.5).
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


def _styles(document) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal, BODY_FONT, BODY_SIZE)
    _exact_spacing(normal.paragraph_format)
    normal.paragraph_format.widow_control = False
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CONDENSE_TWIPS))
    normal.element.get_or_add_rPr().append(spacing)
    # The document defaults too, so text outside the Normal style (table cells, fields) has the body size.
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        defaults.find(qn(tag)).set(qn("w:val"), str(BODY_SIZE * 2))


def _page_number(paragraph) -> None:
    """「— 1 —」: em dashes around a PAGE field, 4号宋体."""
    def run(text: str = ""):
        r = paragraph.add_run(text)
        _set_fonts(r, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        return r

    run("— ")
    begin = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "begin")
    begin._r.append(char)
    instr_run = run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instr_run._r.append(instr)
    sep = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "separate")
    sep._r.append(char)
    run("1")
    end = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    run(" —")


def _footers(document) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align, indent in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        # 单页码居右空一字，双页码居左空一字.
        if indent == "right":
            p.paragraph_format.right_indent = Pt(BODY_SIZE)
        else:
            p.paragraph_format.left_indent = Pt(BODY_SIZE)
        _page_number(p)


def _para(document, text: str = "", *, align=None, first_line: int = 0, right: int = 0, font=BODY_FONT,
          size: float = BODY_SIZE):
    p = document.add_paragraph()
    if align is not None:
        p.alignment = align
    if text:
        _set_fonts(p.add_run(text), font, size)
    _indent_chars(p, first_line=first_line, right=right)
    return p


# Rows written by hand on the day of delivery get room for a signature.
SIGNED_ROWS = ("受送达人签名", "备注")


def _receipt_table(document) -> None:
    table = document.add_table(rows=len(RECEIPT_ROWS), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(40), Mm(116))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # w:gridCol, which LibreOffice reads instead of the cells' widths
    for row, (label, value) in zip(table.rows, RECEIPT_ROWS, strict=True):
        # Rows tall enough to sign in by hand, eleven of them on one page with the title and the signature.
        row.height = Mm(16) if label in SIGNED_ROWS else Mm(11)
        for cell, text, width in zip(row.cells, (label, value), widths, strict=True):
            cell.width = width
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if text is label else WD_ALIGN_PARAGRAPH.LEFT
            _set_fonts(p.add_run(text), BODY_FONT, BODY_SIZE)


def build(kind: str) -> bytes:
    """The template of ``kind`` as .docx bytes."""
    document = Document()
    _page_setup(document)
    _styles(document)
    _footers(document)
    letter = kind in ORGAN_LETTERS
    if not letter and kind != "delivery_receipt":
        _para(document, "{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    else:
        _para(document)
    _para(document, TITLES[kind], align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_SIZE)
    if letter:  # a 送达回证 has no number of its own: it names the document it delivers
        _para(document, "{{ number }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document)
    if kind != "delivery_receipt":
        _para(document, "{{ addressee }}：")
    for style, text in BODIES[kind]:
        if style == "table":
            _receipt_table(document)
        elif style in ("if", "for"):
            _para(document, f"{{%p {style} {text} %}}")
        elif style in ("endif", "endfor"):
            _para(document, f"{{%p {style} %}}")
        elif style == "left":
            _para(document, text)
        else:
            _para(document, text, first_line=2)
    # 印章区: two empty lines above the signature, so that the seal stamped over organ name and date reaches
    # up to within a line of the text (GB/T 9704 §7.3.5.1). The last line of text, the seal area, the name
    # and the date are kept on one page: never a page that holds only a date (LibreOffice and Word both
    # honour keep-with-next).
    body = document.paragraphs[-1]
    if body.text.strip():
        body.paragraph_format.keep_with_next = True
    for _ in range(2):
        _para(document).paragraph_format.keep_with_next = True
    _para(document, "{{ issuing_organ }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right=4).paragraph_format.keep_with_next = True
    _para(document, "{{ issued_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right=4)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_all(directory: Path = TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in TITLES:
        path = directory / f"{kind}.docx"
        path.write_bytes(build(kind))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_all():
        print(path)
