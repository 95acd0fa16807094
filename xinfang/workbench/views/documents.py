"""An item's issued documents: the .docx as issued, and a print view read back from that same file.

The item is found through ``access_case`` (404 for anyone who cannot see it); the document through
``documents.selectors.document_for``, which is the disclosure door: 404 on the accused side of a 检举控告 or
for a document of another item, and one access-log row for each document that names the petitioner.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from xinfang.cases import disclosure
from xinfang.documents import selectors
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
