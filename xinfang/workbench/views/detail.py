"""案件详情, the actions on an item, and its attachments. Every read goes through ``access_case``."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases import disclosure
from xinfang.cases.assignment import assignment_panel
from xinfang.cases.selectors import (
    access_case,
    applications_to_decide,
    available_actions,
    clock_panels,
    related_items,
    timeline_rows,
)
from xinfang.cases.validators import ascii_int
from xinfang.cases.workflow import backdate_reason
from xinfang.core import clock
from xinfang.core.errors import NotFound, XinfangError
from xinfang.documents.selectors import documents_panel, opinion_remedies
from xinfang.leaders import selectors as leaders_selectors
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.prevention import selectors as prevention_selectors
from xinfang.supervision.selectors import item_panel as supervision_panel
from xinfang.workbench.actions import BY_CODE, Refused, actions_for
from xinfang.workbench.forms_actions import RequestItemFormSet
from xinfang.workbench.forms_documents import panel_forms


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
    shown = disclosure.disclose(request.user, case, purpose=disclosure.PURPOSE_DETAIL)
    earlier, later = related_items(request.user, case)
    can_classify = policies.can(request.user, Perm.REGISTER, case.current_unit) or policies.can(
        request.user, Perm.ROUTE, case.current_unit
    )
    context = {
        "case": case,
        "nav": "list",
        "identity_visible": shown.visible,
        "petitioners": shown.petitioners,
        "attachments": shown.attachments,
        "opinions": list(case.opinions.prefetch_related("items").select_related("unit")),
        "evaluations": case.evaluations.all(),
        "events": timeline_rows(case),
        "documents": documents_panel(case),
        "clocks": clock_panels(case),
        "earlier": earlier,
        "later": later,
        "actions": actions_for(transitions),
        "can_classify": can_classify,
        "applications": applications_to_decide(request.user, case),
        "assignment": assignment_panel(request.user, case),
        **_reception_panel(request.user, case),
        **supervision_panel(request.user, case),
        **leaders_selectors.item_panel(request.user, case),
        **prevention_selectors.item_panel(request.user, case),
        # Setting the accused unit of a 检举控告 is the registrar's (or router's) correction of the record.
        "can_set_accused": case.is_accusation and can_classify and shown.visible,
    }
    if context["can_set_accused"]:
        context["accused_choices"] = _accused_choices()
    context.update(panel_forms(request.user, case, context["documents"]))
    remedies = opinion_remedies(context["documents"])
    for op in context["opinions"]:
        op.remedy_row = remedies.get(op.document_number) if op.document_number else None
    return render(request, "workbench/case_detail.html", context)


def _reception_panel(user, case) -> dict:
    """A group visit's 接谈 records, and the form for the leaders it alerted (``cases.reception``)."""
    if not case.is_group:
        return {}
    from xinfang.cases import reception
    from xinfang.workbench.views.reception import ReceptionForm

    allowed = reception.may_record(user, case)
    return {
        "receptions": reception.receptions(case),
        "reception_form": ReceptionForm(initial={"on": clock.today()}) if allowed else None,
        "show_reception": True,
    }


def _accused_choices() -> list[dict]:
    from xinfang.orgs.models import Unit, UnitKind

    return [
        {"pk": u.pk, "label": "\u3000" * max(u.depth - 1, 0) + u.name}
        for u in Unit.objects.filter(is_active=True).exclude(kind=UnitKind.CITY).order_by("path")
    ]


@require_POST
def case_set_accused_unit(request, case_id):
    """确定/更正被反映单位 of a 检举控告 (the only way out of 「不明」)."""
    from xinfang.cases.services import case_set_accused_unit as set_accused
    from xinfang.orgs.models import Unit

    case = case_or_404(request.user, case_id)
    raw = request.POST.get("accused_unit", "")
    pk = ascii_int(raw)
    unit = Unit.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if unit is None:
        messages.error(request, "请选择有效的被反映单位")
        return redirect("workbench:case_detail", case_id=case.pk)
    try:
        case = set_accused(case=case, actor=request.user, unit=unit, person=request.POST.get("accused_person", ""))
    except XinfangError as exc:
        messages.error(request, str(exc))
        return redirect("workbench:case_detail", case_id=case.pk)
    if access_visible(request.user, case.pk):
        messages.success(request, f"被反映单位已确定为「{unit.name}」")
        return redirect("workbench:case_detail", case_id=case.pk)
    messages.info(request, f"被反映单位已确定为「{unit.name}」；本单位属被反映单位，本件已依法移交「{case.current_unit.name}」。")
    return redirect("workbench:home")


def access_visible(user, case_id) -> bool:
    try:
        access_case(user, case_id)
    except NotFound:
        return False
    return True


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
    att = disclosure.attachment(request.user, case, attachment_id)
    if att is None:
        raise Http404("未找到该附件")
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)
    response["Content-Type"] = att.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
