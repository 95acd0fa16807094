"""The filter bar of 案件列表: validates the query string and turns it into ``CaseCriteria``.

A bad value never breaks the page: the field gets a Chinese error, and the list is filtered by the fields
that are valid.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from xinfang.cases.choices import Channel
from xinfang.cases.models import Category
from xinfang.cases.search import DEFAULT_SORT, SORT_FIELDS, STATUS_DONE, STATUS_OPEN, CaseCriteria
from xinfang.cases.states import Status
from xinfang.orgs.models import Unit

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
DATE_ERROR = "请输入有效的日期，例如 2026-11-26"
INDENT = "\u3000"  # full-width space: indents lower units/classes in a plain <select>

STATUS_CHOICES = [
    ("", "全部状态"),
    ("状态分组", [(STATUS_OPEN, "在办（全部未办结状态）"), (STATUS_DONE, "已办结（含终结、归档）")]),
    ("具体状态", list(Status.choices)),
]
SORT_CHOICES = [(key, key) for key in SORT_FIELDS] + [(f"-{key}", f"-{key}") for key in SORT_FIELDS]


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are written in Python.

    Django renders every option through its own template; for the ~130 options of this filter bar that was
    most of the page's rendering time, on the page staff open all day. Same markup, same attributes.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(
                format_html('<option value="{}"{}>{}</option>', o["value"], " selected" if o["selected"] else "",
                            o["label"])
                for o in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return INDENT * max(obj.depth - 1, 0) + (obj.short_name or obj.name)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return (INDENT + obj.name) if obj.level > 1 else obj.name


class CaseListForm(forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        help_text="编号、信访人姓名、电话、身份证号，或标题和内容中的词语（多个词用空格分开）",
        error_messages={"max_length": "关键词不能超过 %(limit_value)d 个字（您输入了 %(show_value)d 个）"},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        widget=QuickSelect,
        label="状态",
        required=False,
        choices=STATUS_CHOICES,
        error_messages={"invalid_choice": "没有「%(value)s」这个状态，请从列表中选择"},
    )
    unit = UnitChoiceField(
        widget=QuickSelect,
        label="当前办理单位",
        required=False,
        queryset=Unit.objects.none(),
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选单位不存在或已停用，请从列表中重新选择"},
    )
    category = CategoryChoiceField(
        widget=QuickSelect,
        label="内容分类",
        required=False,
        queryset=Category.objects.none(),
        empty_label="全部分类",
        help_text="选一级分类时包括其下的二级、三级分类",
        error_messages={"invalid_choice": "所选内容分类不存在，请从列表中重新选择"},
    )
    channel = forms.ChoiceField(
        widget=QuickSelect,
        label="信访形式",
        required=False,
        choices=[("", "全部形式"), *Channel.choices],
        error_messages={"invalid_choice": "没有「%(value)s」这种信访形式，请从列表中选择"},
    )
    received_from = forms.DateField(
        label="收到日期（起）",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label="收到日期（止）",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overdue = forms.BooleanField(label="只看已超期", required=False)
    repeat = forms.BooleanField(label="只看重件", required=False)
    group = forms.BooleanField(label="只看集体访", required=False)
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=SORT_CHOICES,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "排序方式「%(value)s」无效，已按登记时间倒序排列"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any active unit may be chosen: the result is still limited to the user's own items.
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["category"].queryset = Category.objects.filter(is_active=True, level__lte=2).order_by("code")

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", f"截止日期 {end:%Y-%m-%d} 早于起始日期 {start:%Y-%m-%d}，请检查")
            # Half of a reversed range is not what the user meant either: drop the range as a whole.
            del data["received_from"]
        return data

    def criteria(self) -> CaseCriteria:
        """The criteria from the fields that are valid (all of them when the form is valid)."""
        if not self.is_bound:
            return CaseCriteria()
        self.is_valid()
        data = self.cleaned_data
        sort = data.get("sort") or DEFAULT_SORT
        unit, category = data.get("unit"), data.get("category")
        return CaseCriteria(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            unit_id=unit.pk if unit else None,
            category_id=category.pk if category else None,
            channel=data.get("channel") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            overdue=bool(data.get("overdue")),
            repeat=bool(data.get("repeat")),
            group=bool(data.get("group")),
            sort=sort.lstrip("-"),
            descending=sort.startswith("-") if data.get("sort") else True,
        )
