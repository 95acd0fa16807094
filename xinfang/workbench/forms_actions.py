"""Forms of the actions on an item. Each form only parses input; the service decides and validates again."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory

from xinfang.cases.choices import ReplyOutcome, ReviewOutcome
from xinfang.core import clock
from xinfang.documents.models import DeliveryMethod
from xinfang.orgs.models import Unit, UnitKind
from xinfang.workbench.forms_fields import AsciiIntegerField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: str, help_text: str = "", *, required: bool = True, initial=clock.today) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=initial,
        help_text=help_text,
        error_messages={"invalid": "日期格式应为 年-月-日，例如 2026-09-25", "required": f"请填写{label}"},
    )


def _text(label: str, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": f"请填写{label}"},
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class ActionForm(forms.Form):
    backdate_reason = forms.CharField(
        label="补录理由",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="日期早于今天时必填：说明为何没有在当天记录",
    )
    confirm = forms.BooleanField(
        label="我已核对以上内容，确认执行", required=True, error_messages={"required": "请勾选确认后再提交"}
    )
    field_order: list[str] = []

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        today = clock.today()
        if "on" in self.fields:
            # The browser's date picker offers no day after today; the service refuses one all the same.
            self.fields["on"].widget.attrs["max"] = today.isoformat()
        # The reason sits right after the date it explains; the confirmation always comes last.
        names = [f for f in self.fields if f not in ("confirm", "backdate_reason")]
        if "on" in names:
            names.insert(names.index("on") + 1, "backdate_reason")
        self.order_fields([*names, "confirm"])

    def clean(self):
        # The window and the reason for a backdated date are the workflow's rule (one place); its refusal
        # comes back to the field through the view.
        data = super().clean()
        on, today = data.get("on"), clock.today()
        if on is not None and on > today:
            self.add_error("on", f"日期 {on:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请填写实际办理的日期")
        return data


class ForwardForm(ActionForm):
    target = UnitChoiceField(
        label="接收单位",
        queryset=Unit.objects.filter(is_active=True, kind__in=[UnitKind.DEPARTMENT, UnitKind.TOWNSHIP]),
        error_messages={"required": "请选择接收单位"},
        help_text="有权处理的机关、单位（属地管理、分级负责，谁主管、谁负责）",
    )
    assign = forms.BooleanField(label="交办（要求报送办理结果）", required=False)
    assign_due_on = forms.DateField(label="交办办理期限", required=False, widget=DateInput())
    on = date_field("转送/交办日期")
    note = _text("转送意见", required=False)

    def clean(self):
        data = super().clean()
        if data.get("assign") and not data.get("assign_due_on"):
            self.add_error("assign_due_on", "交办须指定办理期限")
        return data


class RouteSpecialForm(ActionForm):
    target = UnitChoiceField(
        label="接收机关",
        queryset=Unit.objects.filter(is_active=True, kind__in=[UnitKind.LEGAL, UnitKind.DISCIPLINE]),
        error_messages={"required": "请选择政法部门或纪检监察机关"},
    )
    on = date_field("转出日期")
    note = _text("说明", required=False)


class ReasonForm(ActionForm):
    reason = _text("理由")
    on = date_field("日期")


class NotReacceptForm(ActionForm):
    earlier_number = forms.CharField(label="前次信访件编号", help_text="已终结的同一事实和理由的信访件")
    reason = _text("不再受理理由")
    on = date_field("日期")


class NoteForm(ActionForm):
    note = _text("事由")
    on = date_field("日期")


class DateOnlyForm(ActionForm):
    on = date_field("日期")


class ObjectionDecisionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label="核查结论",
        choices=[("1", "同意异议，收回重新分流"), ("0", "不同意异议，退回原单位办理")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = _text("核查意见", required=False)
    on = date_field("日期")


class AcceptForm(ActionForm):
    procedure = forms.ChoiceField(
        label="办理程序",
        choices=[("normal", "普通程序（60日）"), ("simple", "简易办理（10个工作日，仅限初件）")],
        widget=forms.RadioSelect,
        initial="normal",
    )
    on = date_field("受理日期", "受理告知书应在收到之日起15日内送达信访人")
    note = _text("受理告知内容", required=False)


class ExtendForm(ActionForm):
    days = AsciiIntegerField(
        label="延长天数",
        min_value=1,
        max_value=30,
        error_messages={
            "min_value": "延长期限至少1日",
            "max_value": "延长期限不得超过30日",
            "required": "请填写延长天数",
            "invalid": "延长天数请用阿拉伯数字 0–9 填写整数",
        },
    )
    reason = _text("延期理由", help_text="写入延期告知书，告知信访人")
    on = date_field("批准日期")


class MediateForm(ActionForm):
    agreement = _text("协议主要内容", rows=4)
    on = date_field("签订日期")


class DeclineForm(ActionForm):
    reason = _text("不予受理的理由和依据", help_text="写入不予受理告知书")
    route = forms.ChoiceField(
        label="告知信访人的去向",
        choices=[
            ("procedure", "依法定途径（诉讼、仲裁、行政复议等）"),
            ("legal", "已转政法部门"),
            ("organ", "向其他有权处理的机关提出"),
        ],
        widget=forms.RadioSelect,
        initial="procedure",
    )
    organ = forms.CharField(
        label="有权处理的机关", required=False, max_length=60,
        help_text="选择「向其他有权处理的机关提出」时必填",
        error_messages={"max_length": "机关名称不能超过 %(limit_value)d 个字（您输入了 %(show_value)d 个）"},
    )
    on = date_field("日期")


# 直接送达 and 留置 need a name on the receipt; the service says so when it is missing.
class DeliveryFields(forms.Form):
    method = forms.ChoiceField(
        label="送达方式", choices=DeliveryMethod.choices, widget=forms.RadioSelect,
        error_messages={"required": "请选择送达方式", "invalid_choice": "请选择列出的送达方式"},
    )
    signer = forms.CharField(
        label="签收人（留置送达填见证人）", required=False, max_length=60,  # IssuedDocument.delivery_signer
        help_text="直接送达、留置送达必填",
        error_messages={"max_length": "签收人不能超过 %(limit_value)d 个字（您输入了 %(show_value)d 个）"},
    )


class OpinionFields(forms.Form):
    request_summary = _text("信访人请求")
    facts = _text("事实和理由（调查核实情况）", rows=4)
    opinion = _text("处理意见", rows=4)
    legal_basis = _text("依据（法律法规及政策）")


class ReplyForm(OpinionFields, ActionForm):
    on = date_field("出具日期")


class RequestItemForm(forms.Form):
    request = forms.CharField(label="诉求事项", max_length=300)
    outcome = forms.ChoiceField(label="处理结果", choices=ReplyOutcome.choices)
    explanation = forms.CharField(label="说明", required=False)


RequestItemFormSet = formset_factory(RequestItemForm, extra=0, min_num=1, validate_min=True)


class DeliverForm(DeliveryFields, ActionForm):
    on = date_field("送达日期", "信访人收到书面答复之日；复查申请期和评价期自此起算")


class RequestReviewForm(ActionForm):
    on = date_field("收到申请日期")
    reason = _text("申请请求和理由")


class DecideForm(OpinionFields, DeliveryFields, ActionForm):
    outcome = forms.ChoiceField(label="结论", choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    on = date_field("送达日期", "意见书出具并送达信访人之日；下一步申请期限自此起算")


class ArchiveForm(ActionForm):
    on = date_field("归档日期")
