"""Forms of the 「文书」 panel's actions (登记送达, 更正, 签发), and what the panel offers each user.

The forms only parse input and catch what a person can see at a glance (a missing method, a date after
today); ``documents.services`` decides and validates again. Several documents share one page, so each form's
ids carry its document (or kind): the names stay plain, the view reads them the same way for every document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

from xinfang.core import clock
from xinfang.documents import pdf, selectors
from xinfang.documents.models import DocumentKind, IssuedDocument
from xinfang.workbench.forms_actions import DeliveryFields, date_field

K = DocumentKind
LETTERS = frozenset({K.SUPERVISION_LETTER, K.REMINDER_LETTER})


def _not_after_today(value, what: str) -> None:
    today = clock.today()
    if value is not None and value > today:
        raise forms.ValidationError(f"{what} {value:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请填写实际的日期")


class DeliveryForm(DeliveryFields):
    field_order = ["delivered_on", "method", "signer", "backdate_reason"]
    delivered_on = date_field("送达日期", help_text="信访人收到文书之日；复查、复核申请期限自此起算")
    backdate_reason = forms.CharField(
        label="补录理由",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="送达日期早于今天时必填：说明为何没有在当天登记",
    )

    def __init__(self, *args, document: IssuedDocument, **kwargs):
        kwargs.setdefault("auto_id", f"id_d{document.pk}_%s")
        super().__init__(*args, **kwargs)
        self.document = document
        self.fields["delivered_on"].widget.attrs["max"] = clock.today().isoformat()
        if document.kind != K.REPLY:
            # Only the 处理意见书 is delivered through a workflow act, whose backdated date needs a reason.
            del self.fields["backdate_reason"]

    def clean_delivered_on(self):
        value = self.cleaned_data["delivered_on"]
        _not_after_today(value, "送达日期")
        return value


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="更正原因",
        max_length=500,  # IssuedDocument.correction_reason
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="记录在新版本上；新版本文号不变，原版本保留",
        error_messages={
            "required": "请填写更正原因（将记录在新版本上，原版本保留）",
            "max_length": "更正原因最多 %(limit_value)d 字（现为 %(show_value)d 字），请精简",
        },
    )

    def __init__(self, *args, document: IssuedDocument, **kwargs):
        kwargs.setdefault("auto_id", f"id_c{document.pk}_%s")
        super().__init__(*args, **kwargs)
        self.document = document


class ReceiptForm(forms.Form):
    """No input: the receipt repeats the document's delivery record. A form all the same, so a refusal comes
    back on the same page as the other actions' errors."""


class IssueForm(forms.Form):
    on = date_field("成文日期")
    note = forms.CharField(
        label="督办事项",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写入函件正文，例如信访人反映的新情况",
    )
    reply_by = date_field("报告办理情况的期限", required=False, initial=None)

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["on"].widget.attrs["max"] = clock.today().isoformat()
        if kind not in LETTERS:
            del self.fields["note"], self.fields["reply_by"]
        elif kind == K.REMINDER_LETTER:
            del self.fields["reply_by"]
            self.fields["note"].label = "提醒事项"
        else:
            self.fields["reply_by"].required = True
            self.fields["reply_by"].help_text = "被督办单位书面报告办理情况的最后一日"

    def clean_on(self):
        value = self.cleaned_data["on"]
        _not_after_today(value, "成文日期")
        return value

    def clean(self):
        data = super().clean()
        on, reply_by = data.get("on"), data.get("reply_by")
        if on is not None and reply_by is not None and reply_by <= on:
            self.add_error("reply_by", f"报告期限 {reply_by:%Y-%m-%d} 应晚于成文日期 {on:%Y-%m-%d}")
        return data

    def extra(self) -> dict:
        """What the letter says beyond the item (``documents.context``: ``note``, ``reply_by``)."""
        d = self.cleaned_data
        return {key: d[key] for key in ("note", "reply_by") if d.get(key)}


# --- what the panel offers ------------------------------------------------------------------------------


@dataclass
class PanelEntry:
    """One row of the panel with the forms of the actions this user may take on it."""

    row: selectors.PanelRow
    actions: selectors.DocumentActions
    deliver_form: DeliveryForm | None = None
    correct_form: CorrectionForm | None = None
    receipt: dict | None = None  # what the 送达回证 would say
    labels: list[str] = field(default_factory=list)


def panel_forms(user, case, rows: list[selectors.PanelRow]) -> dict:
    """Context of the item page's 「文书」 panel: each version with the actions ``user`` may take on it, the
    kinds they may issue now, and whether a PDF can be made on this machine."""
    entries = []
    for row in rows:
        actions = selectors.document_actions(user, case, row)
        entry = PanelEntry(row=row, actions=actions)
        doc = row.document
        if actions.deliver:
            entry.deliver_form = DeliveryForm(document=doc)
            entry.labels.append("登记送达")
        if actions.receipt:
            entry.receipt = selectors.receipt_extra(doc, deliverer=user.full_name or user.username)
            entry.labels.append("出具送达回证")
        if actions.correct:
            entry.correct_form = CorrectionForm(document=doc)
            entry.labels.append("更正")
        entries.append(entry)
    issue = [
        {"kind": kind, "label": K(kind).label, "form": IssueForm(kind=kind)}
        for kind in selectors.issuable_kinds(user, case)
    ]
    return {"document_rows": entries, "issue_forms": issue, "pdf_available": pdf.soffice_path() is not None}
