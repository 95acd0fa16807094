"""Fill a .docx template (docxtpl) with a document's context.

The shipped templates are files under ``templates_docx/`` built by ``xinfang.documents.layout``; a county's
uploaded version (bytes) is used instead when given. A template is checked before it fills anything: broken
Jinja or a placeholder the context does not provide is refused with a message saying what to fix, so an
upload never produces a document with a silent gap.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache, lru_cache

from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError, TemplateSyntaxError

from xinfang.core.errors import ValidationFailed
from xinfang.documents.layout import TEMPLATE_DIR, TITLES, VERSION

KINDS: tuple[str, ...] = tuple(TITLES)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(f"未知的文书类型「{kind}」，可选：{'、'.join(KINDS)}", field="kind")


@cache
def _builtin(kind: str) -> bytes:
    return (TEMPLATE_DIR / f"{kind}.docx").read_bytes()


def default_template(kind: str) -> tuple[bytes, str]:
    """The shipped template of ``kind`` and its version label (recorded with every issued document)."""
    _check_kind(kind)
    return _builtin(kind), VERSION


def _environment() -> Environment:
    # Autoescape: the petitioner's own words go into the XML of the document.
    return Environment(autoescape=True)


def _open(template: bytes) -> DocxTemplate:
    if not zipfile.is_zipfile(io.BytesIO(template)):
        raise ValidationFailed("模板文件不是有效的 Word 文档（.docx），请用 Word 或 WPS 另存为 .docx 后重新上传", field="template")
    try:
        return DocxTemplate(io.BytesIO(template))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise ValidationFailed(f"模板文件无法打开（{exc.__class__.__name__}），请确认是完好的 .docx 文件", field="template") from exc


@lru_cache(maxsize=64)
def _placeholders(template: bytes) -> frozenset[str]:
    """The names a template uses, parsed once per template (a third of a render's time otherwise)."""
    doc = _open(template)
    try:
        return frozenset(doc.get_undeclared_template_variables(_environment()))
    except TemplateSyntaxError as exc:
        raise ValidationFailed(
            f"模板中的占位符写法有误（{exc.message}），请检查 {{{{ }}}} 和 {{% %}} 是否成对、拼写是否正确",
            field="template",
        ) from exc



def check_template(template: bytes, context: dict) -> None:
    """Raise ValidationFailed if ``template`` has broken Jinja or names a placeholder ``context`` lacks."""
    unknown = _placeholders(template) - context.keys()
    if unknown:
        names = "、".join(f"{{{{ {name} }}}}" for name in sorted(unknown))
        known = "、".join(sorted(context))
        raise ValidationFailed(f"模板中有系统不认识的占位符：{names}。可用的占位符：{known}", field="template")


def render_docx(kind: str, context: dict, template: bytes | None = None) -> bytes:
    """The filled document of ``kind`` as .docx bytes; ``template`` (a county's upload) replaces the default."""
    _check_kind(kind)
    source = template if template is not None else _builtin(kind)
    check_template(source, context)
    doc = _open(source)
    try:
        doc.render(context, _environment(), autoescape=True)
    except TemplateError as exc:
        raise ValidationFailed(f"模板填充失败（{exc.message}），请检查模板中的占位符", field="template") from exc
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def print_blocks(docx: bytes) -> list[dict]:
    """The paragraphs and tables of a filled document, in order, for the browser's print view
    (``documents/print.html``). Read from the .docx itself, so the page shows exactly the issued file, a
    county's own template included."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(docx))
    blocks: list[dict] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            table = Table(child, document)
            blocks.append({"type": "table", "rows": [[cell.text for cell in row.cells] for row in table.rows]})
            continue
        if child.tag != qn("w:p"):
            continue
        paragraph = Paragraph(child, document)
        fmt = paragraph.paragraph_format
        if not paragraph.text.strip():
            css = "blank"
        elif any(run.font.size is not None and run.font.size.pt >= 22 for run in paragraph.runs):
            css = "title"
        elif paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            css = "sign" if fmt.right_indent else "right"
        elif paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER:
            css = "center"
        elif fmt.first_line_indent:
            css = "indent"
        else:
            css = "plain"
        blocks.append({"type": "p", "css": css, "text": paragraph.text})
    return blocks
