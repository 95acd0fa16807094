"""Downloads of the monthly 通报 and the annual report (.docx) for the bureau and the county's leadership.

Only a reader whose grants cover the 信访部门 (the bureau itself, the county, the city) gets a report; anyone
else gets 404, as for an item they may not see. The figures are those of the reader's own scope
(``selectors.scope_for``). The session is required by ``LoginRequiredMiddleware``; ``login_required`` is
repeated here so that the view stays closed if it is ever mounted under a different middleware stack.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from xinfang.core import clock
from xinfang.core.errors import XinfangError
from xinfang.stats import reports


def _docx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=reports.DOCX)
    # A Chinese name goes out as filename*=utf-8''… (RFC 5987) with an ASCII fallback for old clients.
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _bad(exc: XinfangError) -> HttpResponse:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def _reader_or_404(request) -> None:
    if not reports.may_read(request.user):
        raise Http404("未找到该报告")


@require_GET
@login_required
def monthly(request):
    """``?month=YYYY-MM`` (default: the last month that has ended)."""
    from xinfang.stats import reports_monthly

    _reader_or_404(request)
    text = request.GET.get("month") or reports.last_full_month().strftime("%Y-%m")
    try:
        start, end = reports.parse_month(text)
        content = reports_monthly.bulletin(month_start=start, month_end=end, user=request.user)
    except XinfangError as exc:
        return _bad(exc)
    return _docx(content, f"信访工作情况通报（{start.year}年{start.month}月）.docx")


@require_GET
@login_required
def annual(request):
    """``?year=YYYY`` (default: last year)."""
    from xinfang.stats import reports_annual

    _reader_or_404(request)
    text = request.GET.get("year") or str(clock.today().year - 1)
    try:
        start, end = reports.parse_year(text)
        content = reports_annual.report(year_start=start, year_end=end, user=request.user)
    except XinfangError as exc:
        return _bad(exc)
    return _docx(content, f"{start.year}年度信访工作情况报告.docx")
