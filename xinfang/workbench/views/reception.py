"""集体访接谈: recording on a group visit whether the alerted leaders received the visitors."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.cases import reception
from xinfang.core.errors import XinfangError
from xinfang.workbench.views.detail import case_or_404


class ReceptionForm(forms.Form):
    received = forms.TypedChoiceField(
        label="接谈情况", choices=[("1", "已当面接谈"), ("0", "未接谈")], coerce=lambda v: v == "1",
        widget=forms.RadioSelect, error_messages={"required": "请选择是否已当面接谈"},
    )
    leader = forms.CharField(label="接谈领导（姓名、职务）", max_length=60,
                             error_messages={"required": "请填写接谈（或应接谈）的领导姓名和职务"})
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                         error_messages={"required": "请填写日期", "invalid": "日期格式应为 2026-12-01"})
    note = forms.CharField(label="说明（未接谈的请写明原因）", required=False, max_length=reception.NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


@require_POST
def case_reception(request, case_id):
    case = case_or_404(request.user, case_id)
    if not reception.may_record(request.user, case):
        raise Http404("未找到该信访件")
    form = ReceptionForm(request.POST)
    target = reverse("workbench:case_detail", args=[case.pk]) + "#reception"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    try:
        reception.case_record_reception(case=case, actor=request.user, **form.cleaned_data)
    except XinfangError as exc:
        messages.error(request, str(exc))
        return redirect(target)
    messages.success(request, "已记录集体访接谈情况")
    return redirect(target)
