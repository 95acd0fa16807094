"""案件列表 and its Excel export: validate the filter bar, call the search selector, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from xinfang.cases import disclosure
from xinfang.cases.export import ExportTooLarge, export_xlsx
from xinfang.cases.models import Case
from xinfang.cases.search import COUNT_LIMIT, CaseCriteria, case_page, identity_search, search_cases
from xinfang.cases.selectors import due_state
from xinfang.cases.states import OPEN_STATES, Status
from xinfang.core import clock
from xinfang.workbench.forms_list import CaseListForm

PAGE_SIZE = 50
STATUS_LABELS = dict(Status.choices)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Sortable columns: (criteria sort key, direction of the first click). Dates start newest first, the
# deadline nearest first, numbers in order.
SORTABLE = {"number": False, "received": True, "due": False}


@dataclass
class ListRow:
    """One table row, formatted here: Python formats 50 rows several times faster than template filters."""

    case: Case
    url: str
    received: str
    title: str
    petitioner: str
    masked: bool
    category: str
    unit: str
    status: str
    due: str
    due_label: str
    due_note: str  # 「暂定（…）」 for a provisional due date
    is_open: bool
    overdue: bool
    due_soon: bool
    days_left: int | None

    @property
    def days_overdue(self) -> int:
        return -(self.days_left or 0)


def _row(case: Case, today, petitioner: str) -> ListRow:
    is_open = case.status in OPEN_STATES
    overdue, soon = due_state(case.due_on, case.due_started_on, today) if is_open else (False, False)
    title = case.title if len(case.title) <= 40 else case.title[:39] + "…"
    unit = case.current_unit
    return ListRow(
        case=case,
        url=reverse("workbench:case_detail", args=[case.pk]),
        received=case.received_on.isoformat(),
        title=title,
        petitioner=petitioner,
        masked=petitioner == disclosure.MASKED,
        category=case.category.name if case.category else "—",
        unit=unit.short_name or unit.name,
        status=STATUS_LABELS.get(case.status, case.status),
        due=case.due_on.isoformat() if case.due_on else "",
        due_label=case.due_rule_label,
        due_note=case.due_provisional_note,
        is_open=is_open,
        overdue=overdue,
        due_soon=soon,
        days_left=(case.due_on - today).days if case.due_on else None,
    )


@require_safe
@never_cache
def case_list(request):
    form = CaseListForm(request.GET or None)
    criteria = form.criteria()
    result = case_page(request.user, criteria, page=_page_number(request.GET.get("page")), size=PAGE_SIZE)

    today = clock.today()
    # Names go through the disclosure door: a search for a person logs each item it lists, a plain page
    # once with the number of names shown (decisions §5).
    per_item = identity_search(criteria.q)
    names = disclosure.names_for(
        request.user,
        result.cases,
        purpose=disclosure.PURPOSE_LIST_SEARCH if per_item else disclosure.PURPOSE_LIST,
        per_item=per_item,
        detail=disclosure.describe_criteria(request.GET),
    )
    rows = [_row(case, today, names[case.pk]) for case in result.cases]

    page, count = result.number, result.count
    return render(
        request,
        "workbench/case_list.html",
        {
            "nav": "list",
            "form": form,
            "rows": rows,
            "total": count.value,
            "more": count.more,
            "page": page,
            "pages": _page_links(page, count.value, count.more, result.has_next),
            "has_prev": page > 1,
            "has_next": result.has_next,
            "headers": _headers(criteria),
            "filtered": form.is_bound and any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        },
    )


@require_safe
@never_cache
def case_export(request):
    form = CaseListForm(request.GET or None)
    back = reverse("workbench:case_list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if form.is_bound and not form.is_valid():
        # Exporting with the bad condition left out would give rows the user did not ask for.
        messages.error(request, "筛选条件有误，未导出。请先修改下面标出的条件。")
        return redirect(back)
    try:
        content = export_xlsx(
            request.user, search_cases(request.user, form.criteria()), detail=disclosure.describe_criteria(request.GET)
        )
    except ExportTooLarge as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"信访件台账-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.xlsx"
    )
    return response


def _page_number(raw: str | None) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    # Pages beyond the counted range are still reachable through "下一页", but not by typing a huge number.
    return min(max(page, 1), COUNT_LIMIT // PAGE_SIZE + 100)


def _page_links(page: int, total: int, more: bool, has_next: bool) -> list[int | None]:
    """Page numbers around the current one; ``None`` marks a gap. The last page is known only when the
    count is exact."""
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if more:
        last = max(last, page + (1 if has_next else 0))
    wanted = {1, last, *range(page - 2, page + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= last)
    links: list[int | None] = []
    for n in numbers:
        if links and n - (links[-1] or 0) > 1:
            links.append(None)
        links.append(n)
    return links


@dataclass
class Header:
    label: str
    sort: str | None = None  # value of ?sort= for this header's link
    state: str = ""  # aria-sort: ascending / descending


def _headers(criteria: CaseCriteria) -> list[Header]:
    def sortable(label: str, key: str) -> Header:
        if criteria.sort == key:
            state = "descending" if criteria.descending else "ascending"
            descending = not criteria.descending
        else:
            state, descending = "", SORTABLE[key]
        return Header(label, f"-{key}" if descending else key, state)

    return [
        sortable("编号", "number"),
        sortable("收到日期", "received"),
        Header("标题"),
        Header("信访人"),
        Header("内容分类"),
        Header("当前单位"),
        Header("状态"),
        sortable("截止日", "due"),
    ]
