"""The actions of the item page's 「文书」 panel: 登记送达, 出具送达回证, 更正, and 签发 of the on-demand kinds.

POST only. Each view finds the item through ``case_or_404`` (404 for anyone who cannot see it) and the document
through ``documents.selectors.document_to_act_on`` (404 for a document of another item, or on the accused side),
parses its form and calls one service of ``documents.services``. A user without the permission gets 403 with
the reason; a refusal of the input comes back on the form, in Chinese, with nothing written; success goes back
to the panel with a message (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.cases.workflow import backdate_reason
from xinfang.core.errors import PermissionRefused, ValidationFailed, XinfangError
from xinfang.documents import selectors
from xinfang.documents import services as ds
from xinfang.documents.models import DeliveryMethod, DocumentKind
from xinfang.workbench.forms_documents import CorrectionForm, DeliveryForm, IssueForm, ReceiptForm
from xinfang.workbench.views.detail import case_or_404

# A refusal that names a field the form calls otherwise (the workflow's 送达 act speaks of its date as "on").
FIELD_ALIASES = {"on": "delivered_on"}


def _back(case):
    return redirect(reverse("workbench:case_detail", args=[case.pk]) + "#documents")


def _forbidden(message: str) -> HttpResponseForbidden:
    return HttpResponseForbidden(message, content_type="text/plain; charset=utf-8")


def _document_or_404(request, case_id, document_id):
    case = case_or_404(request.user, case_id)
    document = selectors.document_to_act_on(request.user, case, document_id)
    if document is None:
        raise Http404("未找到该文书")
    return case, document


def _submit(request, case, form, call, *, title: str, subject: str, button: str):
    """Run ``call(cleaned_data)`` (which returns the success message) if the form is valid; re-render the form
    with the refusal otherwise. A PermissionRefused from the service is a 403 whatever the input."""
    if form.is_valid():
        try:
            message = call(form.cleaned_data)
        except PermissionRefused as exc:
            return _forbidden(str(exc))
        except XinfangError as exc:
            name = getattr(exc, "field", None)
            name = FIELD_ALIASES.get(name, name)
            form.add_error(name if name in form.fields else None, str(exc))
        else:
            messages.success(request, message)
            return _back(case)
    context = {
        "case": case,
        "form": form,
        "title": title,
        "subject": subject,
        "button": button,
        "action_url": request.path,
        "nav": "list",
    }
    return render(request, "workbench/document_action.html", context)


def _subject(document) -> str:
    return f"{document.get_kind_display()} {document}"


@require_POST
def document_deliver(request, case_id, document_id):
    case, document = _document_or_404(request, case_id, document_id)
    if not selectors.may_issue(request.user, document.kind, document.issuing_unit):
        return _forbidden(f"您在「{document.issuing_unit.name}」没有登记「{document.get_kind_display()}」送达的权限")
    form = DeliveryForm(request.POST, document=document)

    def call(d):
        # The reply goes through the workflow's 送达 act, which asks why a past date is recorded only now.
        with backdate_reason(d.get("backdate_reason", "")):
            done = ds.document_record_delivery(
                document=document, actor=request.user, delivered_on=d["delivered_on"], method=d["method"],
                signer=d["signer"],
            )
        method = DeliveryMethod(done.delivery_method).label
        return f"已登记送达：{_subject(done)}，{done.delivered_on:%Y-%m-%d} {method}"

    return _submit(request, case, form, call, title="登记送达", subject=_subject(document), button="登记送达")


@require_POST
def document_receipt(request, case_id, document_id):
    case, document = _document_or_404(request, case_id, document_id)
    unit = selectors.speaking_unit(case, DocumentKind.DELIVERY_RECEIPT)
    if not selectors.may_issue(request.user, DocumentKind.DELIVERY_RECEIPT, unit):
        where = unit.name if unit is not None else "（无办理单位）"
        return _forbidden(f"您对「{where}」办理的信访件没有出具送达回证的权限")
    form = ReceiptForm(request.POST)

    def call(_d):
        if document.kind in selectors.NOT_TO_PETITIONER:
            raise ValidationFailed(f"送达回证只为送达信访人的文书出具，「{document.get_kind_display()}」不需要")
        if document.delivered_on is None:
            raise ValidationFailed(f"{_subject(document)} 尚未登记送达，请先登记送达，再出具送达回证")
        existing = selectors.receipt_for(document)
        if existing is not None:
            raise ValidationFailed(
                f"{_subject(document)} 的送达回证已于 {existing.issued_on:%Y-%m-%d} 出具，不再重复出具；"
                "内容有误请对该送达回证「更正」"
            )
        deliverer = request.user.full_name or request.user.username
        ds.document_issue(
            case=case, kind=DocumentKind.DELIVERY_RECEIPT, actor=request.user,
            extra=selectors.receipt_extra(document, deliverer=deliverer),
        )
        return f"已出具送达回证：{_subject(document)}（送达人 {deliverer}）"

    return _submit(request, case, form, call, title="出具送达回证", subject=_subject(document), button="出具送达回证")


@require_POST
def document_correct(request, case_id, document_id):
    case, document = _document_or_404(request, case_id, document_id)
    if not selectors.may_issue(request.user, document.kind, document.issuing_unit):
        return _forbidden(
            f"您在「{document.issuing_unit.name}」没有签发「{document.get_kind_display()}」的权限，不能更正"
        )
    form = CorrectionForm(request.POST, document=document)

    def call(d):
        new = ds.document_correct(
            document=document, actor=request.user, reason=d["reason"]
        )
        return f"已签发更正版本：{_subject(new)}；原第{document.version}版保留"

    return _submit(request, case, form, call, title="更正文书", subject=_subject(document), button="签发更正版本")


@require_POST
def document_issue(request, case_id, kind):
    case = case_or_404(request.user, case_id)
    if kind not in selectors.ON_DEMAND_KINDS:
        raise Http404("没有这种可单独签发的文书")
    label = DocumentKind(kind).label
    if kind not in selectors.issuable_kinds(request.user, case):
        return _forbidden(f"您当前不能对本件签发「{label}」：需要相应权限，且本件处于可签发该文书的阶段")
    form = IssueForm(request.POST, kind=kind)

    def call(d):
        doc = ds.document_issue(case=case, kind=kind, actor=request.user, extra=form.extra(), on=d["on"])
        return f"已签发{label} {doc.number}".rstrip()

    return _submit(request, case, form, call, title=f"签发{label}", subject=f"信访件 {case.number}", button=f"签发{label}")
