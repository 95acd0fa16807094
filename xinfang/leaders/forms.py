"""Input forms of the leaders' pages: they parse and check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms

from xinfang.leaders import rules
from xinfang.orgs.models import Unit, User

DATE = {"type": "date"}
DATE_ERRORS = {"required": "请填写日期", "invalid": "日期格式应为 2026-12-01"}


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), error_messages=DATE_ERRORS, **kwargs)


class UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class TakeForm(forms.Form):
    title = forms.CharField(label="包案事项", max_length=200)
    leader_post = forms.CharField(label="包案领导职务", max_length=60, required=False,
                                  help_text="如 县委常委、副县长；记入包案记录")
    plan = forms.CharField(label="化解方案", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                           error_messages={"required": "请填写化解方案"})
    deadline = _date("化解期限")
    related = forms.ModelMultipleChoiceField(
        label="一并包案的关联信访件", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    team_units = UnitChoice(label="责任单位", queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    team_members = forms.ModelMultipleChoiceField(
        label="工作专班成员", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, leader: User, related, **kwargs):
        super().__init__(*args, **kwargs)
        from xinfang.cases.models import Case

        units = Unit.objects.filter(rules.leader_units_q(leader), is_active=True).order_by("path")
        self.fields["team_units"].queryset = units
        self.fields["team_members"].queryset = (
            User.objects.filter(is_active=True, unit__in=units).exclude(pk=leader.pk).order_by("unit__path", "pk")
        )
        self.fields["related"].queryset = Case.objects.filter(pk__in=[c.pk for c in related])
        self.fields["team_members"].label_from_instance = lambda u: f"{u}（{u.unit.name if u.unit else ''}）"
        self.fields["related"].label_from_instance = lambda c: f"{c.number} {c.title}"


class MilestoneForm(forms.Form):
    due_on = _date("计划完成日期")
    text = forms.CharField(label="工作节点", max_length=300, error_messages={"required": "请填写工作节点"})


class NoteForm(forms.Form):
    held_on = _date("会议日期")
    attendees = forms.CharField(label="参会人员", max_length=300, required=False)
    text = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                           error_messages={"required": "请填写会议纪要"})


class ConcludeForm(forms.Form):
    outcome = forms.CharField(label="化解结果", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                              error_messages={"required": "请填写化解结果"})


class InstructionForm(forms.Form):
    text = forms.CharField(label="批示内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                           error_messages={"required": "请填写批示内容"})
    due_on = _date("办理时限")


class AnswerForm(forms.Form):
    answer = forms.CharField(label="落实情况（书面报告）", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             error_messages={"required": "请填写落实情况"})


def _required(label: str) -> dict:
    return {"required": f"请填写{label}"}


class ReceptionDayForm(forms.Form):
    leader_name = forms.CharField(label="接访领导", max_length=30, error_messages=_required("接访领导"))
    leader_post = forms.CharField(label="职务", max_length=60, error_messages=_required("职务"))
    on = _date("日期")
    time = forms.CharField(label="时间", max_length=40, help_text="如 上午9:00—12:00", error_messages=_required("时间"))
    place = forms.CharField(label="地点", max_length=120, error_messages=_required("地点"))
    topics = forms.CharField(label="接访重点", max_length=300, required=False)


class ReceptionDayCancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, help_text="如 领导临时有公务；记入接访安排，不在门户网站公布",
                             error_messages=_required("取消原因"))


def reception_day_initial(day) -> dict:
    return {name: getattr(day, name) for name in ReceptionDayForm.base_fields}


class DownVisitForm(forms.Form):
    on = _date("日期")
    place = forms.CharField(label="地点", max_length=120, help_text="乡镇、村（社区）或项目现场",
                            error_messages=_required("地点"))
    people_met = forms.IntegerField(label="接待群众人次", min_value=0, initial=0,
                                    error_messages={"required": "请填写接待群众人次", "min_value": "接待人次不能为负数",
                                                    "invalid": "接待人次应为整数"})
    numbers = forms.CharField(label="群众反映的信访件编号", required=False, max_length=2000,
                              help_text="多个编号用逗号或空格分隔；只能填写您有权查看的信访件",
                              widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label="情况记录", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="记录听取的问题和解决措施，不记录群众个人行踪")

    def clean_numbers(self) -> list[str]:
        """The item numbers as a list: commas (either width) and spaces all separate."""
        text = self.cleaned_data["numbers"].replace("，", ",").replace(",", " ")
        return [n for n in text.split() if n]


def down_visit_initial(visit, items) -> dict:
    """The record as it stands; only the items the reader may see are listed (and so may be removed)."""
    return {"on": visit.on, "place": visit.place, "people_met": visit.people_met, "notes": visit.notes,
            "numbers": " ".join(c.number for c in items)}
