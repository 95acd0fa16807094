"""承办人 inside a unit: assigning, extension requests and their decision, and the unit's workload page.

Every item is opened through ``case_or_404`` first, so another unit's user gets the same 404 as for an item that
does not exist; what the user may do on a visible item is decided by ``cases.assignment``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases import assignment
from xinfang.cases.validators import ascii_int
from xinfang.core.errors import NotFound, XinfangError
from xinfang.workbench.views.detail import case_or_404


class AssignForm(forms.Form):
    handler = forms.IntegerField(label="承办人", error_messages={"required": "请选择承办人", "invalid": "请选择承办人"})


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(
        label="申请延长天数", min_value=1, max_value=assignment.MAX_EXTENSION_DAYS,
        error_messages={
            "required": "请填写申请延长的天数",
            "invalid": "延长天数应为整数",
            "min_value": "延长天数至少为 %(limit_value)s 日",
            "max_value": "延长天数不能超过 %(limit_value)s 日（《信访工作条例》第三十四条）",
        },
    )
    reason = forms.CharField(label="延期理由", max_length=assignment.REASON_MAX,
                             error_messages={"required": "请填写延期理由"})


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("refuse", "不同意")],
                                 error_messages={"required": "请选择批准或不同意", "invalid_choice": "请选择批准或不同意"})
    note = forms.CharField(label="审批意见", required=False, max_length=assignment.REASON_MAX)


def _first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "填写有误，请检查"


def _back(case):
    return redirect(reverse("workbench:case_detail", kwargs={"case_id": case.pk}) + "#assignment")


@require_POST
def case_assign(request, case_id):
    case = case_or_404(request.user, case_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(case)
    # Only the people the form offers: anyone else gets the same message as a bad number.
    handler = next((u for u in assignment.eligible_handlers(case) if u.pk == form.cleaned_data["handler"]), None)
    if handler is None:
        messages.error(request, f"请从「{case.current_unit.name}」的承办人中选择")
        return _back(case)
    try:
        assignment.case_assign_handler(case=case, actor=request.user, handler=handler)
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已指定 {handler.full_name or handler.username} 为承办人，并已通知本人")
    return _back(case)


@require_POST
def case_extension_request(request, case_id):
    case = case_or_404(request.user, case_id)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(case)
    try:
        assignment.extension_request(case=case, actor=request.user, days=form.cleaned_data["days"],
                                     reason=form.cleaned_data["reason"])
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "延期申请已提交，已通知单位负责人审批")
    return _back(case)


@require_POST
def case_extension_decide(request, case_id, request_id):
    case = case_or_404(request.user, case_id)
    pending = assignment.pending_request(case)
    if pending is None or pending.pk != request_id:
        raise Http404("未找到该延期申请")
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(case)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        assignment.extension_decide(request_id=pending.pk, actor=request.user, approve=approve,
                                    note=form.cleaned_data["note"])
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已批准延期，办理期限已延长，延期告知书已生成" if approve else "已不同意延期，并已通知承办人")
    return _back(case)


@require_GET
def workload_page(request):
    if not assignment.managed_unit_ids(request.user):
        raise Http404("未找到该页面")
    rows = assignment.workload(request.user)
    return render(request, "workbench/workload.html", {"rows": rows, "nav": "workload", "kinds": assignment.KINDS})


@require_GET
def workload_items(request):
    handler_id = ascii_int(request.GET.get("handler", ""))
    kind = request.GET.get("kind", "open")
    if handler_id is None or not assignment.managed_unit_ids(request.user):
        raise Http404("未找到该页面")
    try:
        handler, cases = assignment.workload_items(request.user, handler_id, kind)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    context = {"handler": handler, "cases": cases, "kind": kind, "kind_label": assignment.KINDS[kind],
               "nav": "workload"}
    return render(request, "workbench/workload_items.html", context)
