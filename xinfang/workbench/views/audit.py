"""审计: the read-only access log of petitioners' personal data, for the bureau's auditors.

Only ``audit.view_access_log`` opens it; everyone else gets the same 404 as for a page that does not exist.
The log names who looked, when, why, at which item (by number) and how many rows; it shows no personal data
itself.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from xinfang.cases.disclosure import access_log_for
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm

PAGE_SIZE = 50


class AccessLogFilter(forms.Form):
    user = forms.CharField(label="查看人", max_length=150, required=False, help_text="登录名或姓名")
    date_from = forms.DateField(
        label="自", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "开始日期格式应为 2026-12-01"},
    )
    date_to = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "结束日期格式应为 2026-12-01"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data


@require_safe
@never_cache
def access_log(request):
    if not policies.granted_paths(request.user, Perm.VIEW_ACCESS_LOG):
        raise Http404("页面不存在")
    form = AccessLogFilter(request.GET or None)
    rows = access_log_for(request.user)
    if form.is_bound and form.is_valid():
        rows = access_log_for(
            request.user,
            username=form.cleaned_data["user"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    elif form.is_bound:
        rows = rows.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/access_log.html",
        {"nav": "audit", "form": form, "page": page, "query": query.urlencode()},
    )
