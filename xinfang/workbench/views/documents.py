"""An item's issued documents: the .docx as issued, a PDF of it, a print view read back from that same file;
and the unit's 待送达 list with its batch print.

The item is found through ``access_case`` (404 for anyone who cannot see it); the document through
``documents.selectors.document_for``, which is the disclosure door: 404 on the accused side of a 检举控告 or
for a document of another item, and one access-log row for each document that names the petitioner. The batch
print takes every document through the same two doors and leaves out the ones they refuse.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from xinfang.cases import disclosure
from xinfang.cases.validators import ascii_int
from xinfang.core import clock
from xinfang.documents import pdf, selectors
from xinfang.workbench.views.detail import case_or_404

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _document_or_404(request, case_id, document_id, purpose):
    case = case_or_404(request.user, case_id)
    document = selectors.document_for(request.user, case, document_id, purpose=purpose)
    if document is None:
        raise Http404("未找到该文书")
    return case, document


def _content_or_error(document):
    content = selectors.document_content(document)
    if content is None:
        return None, HttpResponse(
            f"{document} 的文件缺失或与签发时记录的校验值不符，无法提供。请联系系统管理员核查（可用 xinfang documents export 检查全部文书）。",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    return content, None


@require_GET
def document_download(request, case_id, document_id):
    _, document = _document_or_404(request, case_id, document_id, disclosure.PURPOSE_DOCUMENT_DOWNLOAD)
    content, error = _content_or_error(document)
    if error is not None:
        return error
    response = HttpResponse(content, content_type=DOCX)
    # A Chinese name goes out as filename*=utf-8''… (RFC 5987), which every current browser reads.
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=selectors.download_name(document)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def document_print(request, case_id, document_id):
    from xinfang.documents.render import print_blocks  # python-docx: loaded when a document is printed

    case, document = _document_or_404(request, case_id, document_id, disclosure.PURPOSE_DOCUMENT_PRINT)
    content, error = _content_or_error(document)
    if error is not None:
        return error
    context = {
        "title": document.get_kind_display(),
        "number": document.number,
        "blocks": print_blocks(content),
        "case": case,
        "document": document,
    }
    return render(request, "documents/print.html", context)


@require_GET
def document_pdf(request, case_id, document_id):
    case = case_or_404(request.user, case_id)
    # Asked before the document is handed out, so a machine without LibreOffice logs no access.
    if pdf.soffice_path() is None:
        return HttpResponseNotFound("本机未安装 LibreOffice，无法生成 PDF", content_type="text/plain; charset=utf-8")
    document = selectors.document_for(request.user, case, document_id, purpose=disclosure.PURPOSE_DOCUMENT_DOWNLOAD)
    if document is None:
        raise Http404("未找到该文书")
    content, error = _content_or_error(document)
    if error is not None:
        return error
    converted = pdf.to_pdf(content)
    if converted is None:
        return HttpResponse(
            "PDF 生成失败（LibreOffice 转换出错或超时）。请下载 .docx 或使用「打印」；如持续出现请联系系统管理员。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(converted, content_type="application/pdf")
    name = selectors.download_name(document).removesuffix(".docx") + ".pdf"
    # Shown in the browser's own PDF viewer, from which it prints or saves.
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def documents_pending(request):
    documents = list(selectors.pending_delivery(request.user))
    today = clock.today()
    rows = [{"document": d, "case": d.case, "days": (today - d.issued_on).days} for d in documents]
    return render(request, "workbench/documents_pending.html", {"rows": rows, "nav": "pending"})


# One print job; more than this is better split (and each document is rendered twice, with its receipt).
MAX_BATCH = 100


@require_GET
def documents_print(request):
    """Each chosen document as issued, followed by a blank 送达回证 for it; one page break between them."""
    from xinfang.documents.render import print_blocks  # python-docx: loaded when documents are printed

    ids: list[int] = []
    for raw in request.GET.getlist("ids"):
        pk = ascii_int(raw)
        if pk is not None and pk not in ids:
            ids.append(pk)
    sheets, left_out, broken = [], 0, []
    for pk in ids[:MAX_BATCH]:
        document = selectors.document_for_user(request.user, pk, purpose=disclosure.PURPOSE_DOCUMENT_PRINT)
        if document is None:
            left_out += 1
            continue
        content = selectors.document_content(document)
        if content is None:
            broken.append(f"{document}（信访件 {document.case.number}）")
            continue
        receipt = None
        if document.kind not in selectors.NOT_TO_PETITIONER:
            receipt = print_blocks(selectors.blank_receipt(document))
        sheets.append({"document": document, "blocks": print_blocks(content), "receipt": receipt})
    context = {
        "sheets": sheets,
        "left_out": left_out,
        "broken": broken,
        "over": max(len(ids) - MAX_BATCH, 0),
        "max_batch": MAX_BATCH,
    }
    return render(request, "workbench/documents_print.html", context)
