"""案件详情, the actions on an item, and its attachments. Every read goes through ``access_case``."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from xinfang.cases.models import Attachment, PersonalDataAccess
from xinfang.cases.selectors import (
    access_case,
    attachments_for,
    available_actions,
    can_see_identity,
    clock_panels,
    petitioners_for,
    timeline_rows,
)
from xinfang.cases.workflow import backdate_reason
from xinfang.core import clock
from xinfang.core.errors import NotFound, XinfangError
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.workbench.actions import BY_CODE, Refused, actions_for
from xinfang.workbench.forms_actions import RequestItemFormSet


def case_or_404(user, case_id):
    """The item if ``user`` may see it; otherwise 404, the same as for an item that does not exist."""
    try:
        return access_case(user, case_id)
    except NotFound as exc:
        raise Http404("未找到该信访件") from exc


@require_GET
def case_detail(request, case_id):
    case = case_or_404(request.user, case_id)
    transitions = {t.action for t in available_actions(request.user, case)}
    context = {
        "case": case,
        "nav": "list",
        "identity_visible": can_see_identity(request.user, case),
        "petitioners": petitioners_for(request.user, case, purpose="查看案件详情"),
        "attachments": attachments_for(request.user, case),
        "opinions": case.opinions.prefetch_related("items").select_related("unit"),
        "evaluations": case.evaluations.all(),
        "events": timeline_rows(case),
        "clocks": clock_panels(case),
        "earlier": case.earlier_items.all(),
        "later": case.later_items.all(),
        "actions": actions_for(transitions),
        "can_classify": policies.can(request.user, Perm.REGISTER, case.current_unit)
        or policies.can(request.user, Perm.ROUTE, case.current_unit),
    }
    return render(request, "workbench/case_detail.html", context)


def case_action(request, case_id, action):
    case = case_or_404(request.user, case_id)
    ui = BY_CODE.get(action)
    allowed = {t.action for t in available_actions(request.user, case)}
    if ui is None or not ui.transitions & allowed:
        # Not offered to this user in this state: the page never shows it, a forged URL gets nothing.
        raise Http404("该操作当前不可用")
    items_formset = None
    if request.method == "POST":
        form = ui.form(request.POST, case=case)
        if ui.code == "reply":
            items_formset = RequestItemFormSet(request.POST, prefix="items")
        if form.is_valid() and (items_formset is None or items_formset.is_valid()):
            items = None
            if items_formset is not None:
                from xinfang.cases.services import RequestOutcome

                items = [
                    RequestOutcome(f.cleaned_data["request"], f.cleaned_data["outcome"], f.cleaned_data.get("explanation", ""))
                    for f in items_formset.forms
                    if f.cleaned_data
                ]
            try:
                with backdate_reason(form.cleaned_data.get("backdate_reason", "")):
                    result = ui.run(case, request.user, form.cleaned_data, items)
            except Refused as refused:
                messages.warning(request, str(refused))
                return redirect("workbench:case_detail", case_id=case.pk)
            except XinfangError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, str(exc))
            else:
                messages.success(request, result if isinstance(result, str) else ui.done)
                return redirect("workbench:case_detail", case_id=case.pk)
    else:
        form = ui.form(case=case)
        if ui.code == "reply":
            items_formset = RequestItemFormSet(prefix="items", initial=[{"request": case.title}])
    return render(
        request,
        "workbench/case_action.html",
        {"case": case, "ui": ui, "form": form, "items_formset": items_formset, "nav": "list", "today": clock.today()},
    )


@require_GET
def attachment_download(request, case_id, attachment_id):
    case = case_or_404(request.user, case_id)
    if not any(a.pk == attachment_id for a in attachments_for(request.user, case)):
        raise Http404("未找到该附件")
    att = Attachment.objects.get(pk=attachment_id, case=case)
    PersonalDataAccess.objects.create(user=request.user, case=case, purpose="下载附件", created_at=clock.now())
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)
    response["Content-Type"] = att.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
