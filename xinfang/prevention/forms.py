"""Forms of the prevention pages: they parse input; the services validate the rules and say what is wrong."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from xinfang.cases.choices import Channel, ClaimType, Purpose
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.prevention import selectors
from xinfang.prevention.models import DisputeEntry, DisputeType, RiskLevel, Source
from xinfang.prevention.services import MANUAL_RESOLUTIONS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _units():
    return Unit.objects.filter(is_active=True).order_by("path")


class EntryForm(forms.Form):
    reported_on = forms.DateField(label="排查日期", widget=DateInput())
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    place = forms.ModelChoiceField(
        label="发生地（村/乡镇）", queryset=Unit.objects.none(), empty_label="请选择"
    )
    dispute_type = forms.ChoiceField(label="纠纷类型", choices=[("", "请选择"), *DisputeType.choices])
    risk_level = forms.ChoiceField(label="风险等级", choices=[("", "请选择"), *RiskLevel.choices])
    parties = forms.CharField(
        label="当事人", max_length=200, help_text="纠纷涉及的各方，如：张某某与某建筑公司"
    )
    summary = forms.CharField(label="简要情况", widget=forms.Textarea(attrs={"rows": 4}))
    responsible_unit = forms.ModelChoiceField(
        label="责任单位", queryset=_units(), required=False, empty_label="（未定）"
    )
    responsible_leader = forms.CharField(label="责任领导", max_length=50, required=False)
    measures = forms.CharField(label="化解措施", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    resolution = forms.ChoiceField(label="化解状态", choices=[(r.value, r.label) for r in MANUAL_RESOLUTIONS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = selectors.reporting_places(user)
        self.fields["responsible_unit"].queryset = _units()


class FollowUpForm(forms.Form):
    on = forms.DateField(label="跟进日期", widget=DateInput())
    note = forms.CharField(label="跟进情况", widget=forms.Textarea(attrs={"rows": 3}))


class PetitionForm(forms.Form):
    petitioner_names = forms.CharField(
        label="信访人姓名",
        max_length=200,
        help_text="提出诉求的人；多人用顿号「、」分隔（集体访须另行推选代表）",
    )
    channel = forms.ChoiceField(label="信访形式", choices=Channel.choices, initial=Channel.VISIT)
    claim_type = forms.ChoiceField(label="诉求类型", choices=ClaimType.choices, initial=ClaimType.APPEAL)
    purpose = forms.ChoiceField(label="信访目的", choices=Purpose.choices, initial=Purpose.REQUEST)
    title = forms.CharField(label="标题", max_length=200)


class ImportForm(forms.Form):
    scope = forms.ModelChoiceField(label="报送单位", queryset=Unit.objects.none(), empty_label=None)
    file = forms.FileField(label="台账文件（.xlsx）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = Unit.objects.filter(
            pk__in=[u.pk for u in selectors.reporting_units(user)]
        )


def _recording_units(user):
    return Unit.objects.filter(policies.units_q(user, Perm.PREVENTION_RECORD), is_active=True).order_by(
        "path"
    )


class MeetingFieldsForm(forms.Form):
    """The fields a meeting is recorded with and may later be corrected in (not its convening unit)."""

    held_on = forms.DateField(label="会议日期", widget=DateInput())
    topic = forms.CharField(label="议题", max_length=200)
    units_present = forms.ModelMultipleChoiceField(
        label="参会单位", queryset=_units(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    case_numbers = forms.CharField(
        label="研判的信访件编号",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个编号",
    )
    entries = forms.ModelMultipleChoiceField(
        label="研判的排查台账",
        queryset=DisputeEntry.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    notes = forms.CharField(label="研判情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units_present"].queryset = _units()
        self.fields["entries"].queryset = selectors.entries_visible_to(user).exclude(resolution="resolved")

    def case_number_list(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["case_numbers"].splitlines() if n.strip()]


class MeetingForm(MeetingFieldsForm):
    DECISION_SLOTS = 3

    unit = forms.ModelChoiceField(label="召集单位", queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].queryset = _recording_units(user)
        for i in range(1, self.DECISION_SLOTS + 1):
            self.fields[f"decision_{i}_text"] = forms.CharField(
                label=f"议定事项{i}", required=False, max_length=500
            )
            self.fields[f"decision_{i}_owner"] = forms.ModelChoiceField(
                label=f"事项{i}责任单位", queryset=_units(), required=False, empty_label="请选择"
            )
            self.fields[f"decision_{i}_due"] = forms.DateField(
                label=f"事项{i}完成时限", required=False, widget=DateInput()
            )

    def decision_rows(self):
        return [
            (self[f"decision_{i}_text"], self[f"decision_{i}_owner"], self[f"decision_{i}_due"])
            for i in range(1, self.DECISION_SLOTS + 1)
        ]


class MeetingEditForm(MeetingFieldsForm):
    def __init__(self, *args, user, meeting, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # An entry resolved since the meeting is not offered for new meetings, but stays selectable here, or
        # saving the form would drop it from this one.
        self.fields["entries"].queryset = selectors.entries_visible_to(user).filter(
            ~Q(resolution="resolved") | Q(pk__in=meeting.entries.values("pk"))
        )


class DecisionForm(forms.Form):
    text = forms.CharField(label="议定事项", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    owner_unit = forms.ModelChoiceField(label="责任单位", queryset=_units(), empty_label="请选择")
    due_on = forms.DateField(label="完成时限", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = _units()


class DecisionDoneForm(forms.Form):
    note = forms.CharField(label="落实情况", max_length=1000)


class AssessmentForm(forms.Form):
    decision = forms.CharField(label="重大决策事项", max_length=200)
    unit = forms.ModelChoiceField(label="决策单位", queryset=Unit.objects.none(), empty_label=None)
    decided_on = forms.DateField(label="评估日期", widget=DateInput())
    risk_level = forms.ChoiceField(label="风险等级", choices=[("", "请选择"), *RiskLevel.choices])
    measures = forms.CharField(label="防范化解措施", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    conclusion = forms.CharField(label="评估结论", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _recording_units(user)


class LinkForm(forms.Form):
    case_number = forms.CharField(label="信访件编号", max_length=40)
    note = forms.CharField(label="关联说明", max_length=200, required=False)
