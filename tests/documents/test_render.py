"""Every kind of document, built from a real item and rendered: GB/T 9704 layout and its content."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from docx import Document
from docx.shared import Mm

from tests.documents.items import EXTRA, item_for
from xinfang.core.errors import ValidationFailed
from xinfang.documents import layout
from xinfang.documents.context import build_context
from xinfang.documents.layout import BODY_FONT, TITLE_FONT
from xinfang.documents.render import KINDS, default_template, render_docx

NUMBER = "清信转〔2026〕12号"
ISSUED = dt.date(2026, 12, 1)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _east_asia(run, document) -> str | None:
    fonts = run._r.rPr.find(f"{W}rFonts") if run._r.rPr is not None else None
    if fonts is not None and fonts.get(f"{W}eastAsia"):
        return fonts.get(f"{W}eastAsia")
    return document.styles["Normal"].element.rPr.find(f"{W}rFonts").get(f"{W}eastAsia")


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _render(kind, petition, county, **extra):
    case = item_for(kind, petition, county)
    context = build_context(case, kind, number=NUMBER, issued_on=ISSUED, extra={**EXTRA.get(kind, {}), **extra})
    return case, Document(io.BytesIO(render_docx(kind, context)))


def test_fourteen_kinds():
    assert len(KINDS) == 14
    for kind in KINDS:
        data, version = default_template(kind)
        assert zipfile.is_zipfile(io.BytesIO(data)) and version == layout.VERSION


@pytest.mark.parametrize("kind", KINDS)
def test_the_seal_area_name_and_date_stay_on_the_page_of_the_last_text(kind):
    document = Document(io.BytesIO(default_template(kind)[0]))
    paragraphs = document.paragraphs
    assert [p.text for p in paragraphs[-2:]] == ["{{ issuing_organ }}", "{{ issued_on }}"]
    # Two empty lines for the seal between the text and the signature, all chained to the date.
    assert [p.text for p in paragraphs[-4:-2]] == ["", ""]
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[-4:-1])
    last_text = paragraphs[-5]
    assert last_text.paragraph_format.keep_with_next or not last_text.text.strip()
    assert not paragraphs[-1].paragraph_format.keep_with_next


def test_the_receipt_of_a_reply_states_the_last_day_to_ask_for_review(petition, county):
    case, document = _render("delivery_receipt", petition, county)
    rows = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    # Delivered 2026-10-22 (EXTRA): 30 days → Sat 2026-11-21 → Mon 2026-11-23.
    assert rows["救济期限"] == "本意见书于2026年10月22日送达，复查申请最迟于2026年11月23日前提出。"
    assert rows["受送达人签名"] == "陈大明" and rows["送达方式"].startswith("☑直接送达")
    _, other = _render("delivery_receipt", petition, county, document_kind="acceptance_notice")
    assert {row.cells[0].text: row.cells[1].text for row in other.tables[0].rows}["救济期限"] == "—"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_the_official_layout_and_content(kind, petition, county):
    case, document = _render(kind, petition, county)
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(section, f"{side}_margin") - Mm(mm)) <= Mm(1), side
    grid = section._sectPr.find(f"{W}docGrid")
    # 22 lines: a line grid of 225 mm / 22; 28 characters: 16 pt characters condensed to a 156 mm / 28 pitch.
    assert grid.get(f"{W}type") == "lines" and abs(int(grid.get(f"{W}linePitch")) - 580) <= 1
    normal = document.styles["Normal"]
    assert abs(normal.paragraph_format.line_spacing.pt - 28.99) < 0.05
    condensed = int(normal.element.rPr.find(f"{W}spacing").get(f"{W}val")) / 20
    assert 28 * (16 + condensed) <= 156 / 25.4 * 72 < 29 * (16 + condensed)

    title = next(p for p in document.paragraphs if p.runs and p.runs[0].font.size and p.runs[0].font.size.pt == 22)
    assert title.alignment == 1  # centred
    assert _east_asia(title.runs[0], document) == TITLE_FONT
    assert "{{" not in title.text and title.text.strip()

    body = [p for p in document.paragraphs if p.paragraph_format.first_line_indent and p.text.strip()]
    if kind != "delivery_receipt":
        assert body, "no indented body paragraph"
    for p in body:
        for run in p.runs:
            assert run.font.size.pt == 16 and _east_asia(run, document) == BODY_FONT
    assert document.styles["Normal"].font.size.pt == 16

    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "— " in footer_xml and " —" in footer_xml
    assert "宋体" in footer_xml and 'w:val="28"' in footer_xml  # 4号 = 14 pt = 28 half-points

    text = _text(document)
    assert "{{" not in text and "{%" not in text
    assert "2026年12月1日" in text
    assert not re.search(r"20\d\d-\d\d-\d\d", text)
    assert (NUMBER in text) == (kind != "delivery_receipt")  # a receipt names the delivered document's number
    assert case.number in text
    if kind in layout.ORGAN_LETTERS:
        assert "陈大明" in text
    else:
        assert "陈大明" in text


def test_reply_names_the_county_government_and_the_computed_last_day(petition, county):
    case, document = _render("reply", petition, county)
    text = _text(document)
    # Delivered 2026-10-22: 30 days → Sat 2026-11-21 → the next working day.
    assert "可以自收到本意见书之日起30日内向县人民政府书面申请复查" in text
    assert "县委" not in text
    assert "本意见书于2026年10月22日送达，复查申请最迟于2026年11月23日前提出" in text
    assert "东街镇" in text  # signed by the township that decided


def test_reply_delivered_in_december_runs_into_next_year(petition, county):
    _, document = _render("reply", petition, county, delivered_on=dt.date(2026, 12, 3))
    assert "复查申请最迟于2027年1月4日" in _text(document)


def test_reply_not_yet_delivered_says_the_period_runs_from_receipt(petition, county):
    case = item_for("reply", petition, county)
    case.opinions.update(delivered_on=None)
    context = build_context(case, "reply", number=NUMBER, issued_on=ISSUED)
    assert context["remedy_last_day"] == ""
    assert "自您收到本意见书之日起计算" in context["remedy_deadline"]


def test_unknown_placeholder_and_broken_jinja_are_refused_in_chinese(petition, county):
    case = item_for("acceptance_notice", petition, county)
    context = build_context(case, "acceptance_notice", number=NUMBER, issued_on=ISSUED)
    for bad, words in (("{{ petitioner_phone }}", "不认识的占位符"), ("{{ number ", "占位符写法有误")):
        doc = Document(io.BytesIO(default_template("acceptance_notice")[0]))
        doc.add_paragraph(bad)
        buffer = io.BytesIO()
        doc.save(buffer)
        with pytest.raises(ValidationFailed, match=words):
            render_docx("acceptance_notice", context, buffer.getvalue())
    with pytest.raises(ValidationFailed, match="不是有效的 Word 文档"):
        render_docx("acceptance_notice", context, b"not a docx")


def test_an_uploaded_template_is_used_instead_of_the_default(petition, county):
    case = item_for("acceptance_notice", petition, county)
    context = build_context(case, "acceptance_notice", number=NUMBER, issued_on=ISSUED)
    doc = Document()
    doc.add_paragraph("清河县专用：{{ petitioner }}，{{ number }}")
    buffer = io.BytesIO()
    doc.save(buffer)
    text = _text(Document(io.BytesIO(render_docx("acceptance_notice", context, buffer.getvalue()))))
    assert text.strip() == f"清河县专用：陈大明，{NUMBER}"


def test_petitioners_words_are_escaped(petition, county):
    case = item_for("acceptance_notice", petition, county)
    case.title = "工资<w:br/>&拖欠"
    context = build_context(case, "acceptance_notice", number=NUMBER, issued_on=ISSUED)
    text = _text(Document(io.BytesIO(render_docx("acceptance_notice", context))))
    assert "工资<w:br/>&拖欠" in text


def test_committed_templates_match_a_fresh_build():
    for kind in KINDS:
        committed = zipfile.ZipFile(io.BytesIO(default_template(kind)[0]))
        fresh = zipfile.ZipFile(io.BytesIO(layout.build(kind)))
        for part in ("word/document.xml", "word/styles.xml", "word/settings.xml"):
            assert committed.read(part) == fresh.read(part), f"{kind}: {part} — run python -m xinfang.documents.layout"


def _print_page(blocks, title="信访处理意见书", number=NUMBER) -> str:
    from pathlib import Path

    from django.template import Context, Engine

    import xinfang.documents

    engine = Engine(dirs=[str(Path(xinfang.documents.__file__).parent / "templates")],
                    libraries={"static": "django.templatetags.static"})
    return engine.get_template("documents/print.html").render(
        Context({"blocks": blocks, "title": title, "number": number}, autoescape=True)
    )


def test_print_view_shows_the_issued_document_without_script(petition, county):
    from xinfang.documents.render import print_blocks

    case = item_for("reply", petition, county)
    case.title = "<script>alert(1)</script>"
    context = build_context(case, "reply", number=NUMBER, issued_on=ISSUED)
    blocks = print_blocks(render_docx("reply", context))
    classes = [b["css"] for b in blocks if b["type"] == "p"]
    assert "title" in classes and "indent" in classes and classes.count("sign") == 2
    page = _print_page(blocks)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert 'class="title">信访处理意见书</p>' in page
    assert "向县人民政府书面申请复查" in page and NUMBER in page and "2026年12月1日" in page
    assert "documents/print.css" in page


def test_print_view_of_the_receipt_is_a_form(petition, county):
    from xinfang.documents.render import print_blocks

    case = item_for("delivery_receipt", petition, county)
    context = build_context(case, "delivery_receipt", number=NUMBER, issued_on=ISSUED, extra=EXTRA["delivery_receipt"])
    page = _print_page(print_blocks(render_docx("delivery_receipt", context)), title="送达回证")
    assert "<th>受送达人</th><td>陈大明</td>" in page and "☑直接送达" in page


def test_print_css_has_the_official_page():
    from pathlib import Path

    import xinfang.documents

    css = (Path(xinfang.documents.__file__).parent / "static/documents/print.css").read_text(encoding="utf-8")
    assert "size: A4" in css and "margin: 37mm 26mm 35mm 28mm" in css
    assert '"仿宋"' in css and "16pt" in css and '"— " counter(page) " —"' in css
