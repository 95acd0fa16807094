"""The petitioner's query pages: no staff login, their own URL space (/portal/) and look.

A successful query (query code + last four digits of the phone) remembers the item in the visitor's session
for an hour, so its documents can be downloaded; nothing else is kept about the visitor. Failed attempts are
counted per address and per code (``throttle``) and a wrong code and a wrong phone get the same answer.
"""

from __future__ import annotations

import time

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from xinfang.cases import requests
from xinfang.cases.choices import Satisfaction
from xinfang.cases.models import Case, ReviewApplication
from xinfang.cases.services import case_evaluate
from xinfang.core.errors import IllegalTransition, ValidationFailed
from xinfang.core.middleware import client_ip
from xinfang.documents.selectors import document_content, download_name
from xinfang.portal import selectors, throttle

SESSION_KEY = "portal_case"
SESSION_SECONDS = 3600
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_FOUND = "查询码或手机号后四位不正确，请核对后重试（查询码见登记回执或受理告知书）。"


class QueryForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=20, error_messages={"required": "请填写查询码"})
    phone_last4 = forms.RegexField(
        label="手机号后四位", regex=r"^\d{4}$", max_length=4,
        error_messages={"required": "请填写登记时所留手机号的后四位", "invalid": "请填写 4 位数字"},
    )


def _client_address(request) -> str:
    # Behind the trusted proxies the visitor's own address, not the proxy's shared one.
    return client_ip(request) or "unknown"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def query(request):
    form = QueryForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        code = selectors.normalize_code(form.cleaned_data["code"])
        keys = [f"addr:{_client_address(request)}", f"code:{code}"]
        wait = throttle.blocked(keys)
        if wait:
            error = f"尝试次数过多，请 {wait} 分钟后再试。"
        else:
            case = selectors.find_case(code, form.cleaned_data["phone_last4"])
            if case is None:
                throttle.failed(keys)
                error = NOT_FOUND
            else:
                request.session.cycle_key()  # a new session id for the visitor who proved the code
                request.session[SESSION_KEY] = {"case": case.pk, "until": time.time() + SESSION_SECONDS}
                return redirect("portal:case")
    return render(request, "portal/query.html", {"form": form, "error": error}, status=429 if error.startswith("尝试") else 200)


def _case_of_session(request) -> Case:
    held = request.session.get(SESSION_KEY) or {}
    if not held or held.get("until", 0) < time.time():
        raise Http404("请先凭查询码查询")
    case = Case.objects.select_related("current_unit").filter(pk=held.get("case")).first()
    if case is None:
        raise Http404("请先凭查询码查询")
    return case


class EvaluationForm(forms.Form):
    bureau = forms.ChoiceField(
        label="对信访部门的评价", choices=Satisfaction.choices, widget=forms.RadioSelect,
        error_messages={"required": "请选择对信访部门的评价", "invalid_choice": "请选择列出的评价"},
    )
    unit = forms.ChoiceField(
        label="对办理单位的评价", choices=Satisfaction.choices, widget=forms.RadioSelect,
        error_messages={"required": "请选择对办理单位的评价", "invalid_choice": "请选择列出的评价"},
    )
    comment = forms.CharField(
        label="意见和建议（可不填）", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "意见最多 %(limit_value)d 字（您写了 %(show_value)d 字）"},
    )


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ReviewApplication.Kind.choices, widget=forms.HiddenInput,
        error_messages={"required": "请选择申请类型", "invalid_choice": "申请类型无效，请选择复查或复核"},
    )
    reason = forms.CharField(
        label="请求和理由", max_length=requests.REASON_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请写明您的请求和理由",
                        "max_length": "请求和理由最多 %(limit_value)d 字（您写了 %(show_value)d 字）"},
    )


def _render_case(
    request, case: Case, *, form: EvaluationForm | None = None, error: str = "", status: int = 200,
    application_form: ApplicationForm | None = None, application_error: str = "",
):
    applications = list(case.applications.order_by("filed_at", "pk"))
    waiting = {a.kind for a in applications if a.state == ReviewApplication.State.PENDING}
    context = {
        # A request that waits for its decision is shown as such, without a second form beside it.
        "windows": [requests.window_for(case, kind) for kind in ReviewApplication.Kind.values if kind not in waiting],
        "applications": applications,
        "application_form": application_form or ApplicationForm(),
        "application_error": application_error,
        "case": case,
        "stages": selectors.public_stages(case),
        "deadlines": selectors.plain_deadlines(case),
        "documents": selectors.petitioner_documents(case),
        "evaluation_open": selectors.evaluation_open(case),
        "evaluations": list(case.evaluations.order_by("target")),
        "form": form or EvaluationForm(),
        "error": error,
    }
    return render(request, "portal/case.html", context, status=status)


@login_not_required
@never_cache
@require_safe
def case_page(request):
    try:
        case = _case_of_session(request)
    except Http404:
        return redirect("portal:query")
    return _render_case(request, case)


@login_not_required
@never_cache
@require_http_methods(["POST"])
def evaluate(request):
    """评价 inside the evaluation window (decisions §6); the service refuses outside it, with the window."""
    try:
        case = _case_of_session(request)
    except Http404:
        return redirect("portal:query")
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, form=form, status=400)
    d = form.cleaned_data
    try:
        case_evaluate(case=case, bureau=d["bureau"], unit=d["unit"], comment=d["comment"].strip())
    except (ValidationFailed, IllegalTransition) as exc:
        return _render_case(request, case, form=form, error=str(exc), status=400)
    return redirect("portal:case")


@login_not_required
@never_cache
@require_http_methods(["POST"])
def apply(request):
    """申请复查/复核 inside the window of the rules; outside it the answer says when the window ended and why."""
    try:
        case = _case_of_session(request)
    except Http404:
        return redirect("portal:query")
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, application_form=form, status=400)
    try:
        requests.application_file(case=case, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"])
    except ValidationFailed as exc:
        return _render_case(request, case, application_form=form, application_error=str(exc), status=400)
    return redirect(reverse("portal:case") + "#apply")


@login_not_required
@never_cache
@require_safe
def document_download(request, document_id: int):
    case = _case_of_session(request)
    document = next((d for d in selectors.petitioner_documents(case) if d.pk == document_id), None)
    if document is None:
        raise Http404("未找到该文书")
    content = document_content(document)
    if content is None:
        return HttpResponse("文书文件暂不可用，请联系信访部门。", status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=DOCX)
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download_name(document)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_not_required
@require_http_methods(["POST"])
def leave(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:query")


@login_not_required
@require_safe
def guide(request):
    """How a petition is handled and its time limits, generated from the rules in force today."""
    from xinfang.core import clock

    return render(request, "portal/guide.html", {"rules": selectors.public_rules(clock.today())})
