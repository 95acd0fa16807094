"""Input forms of the supervision pages: they parse and validate; the services decide."""

from __future__ import annotations

from django import forms

from xinfang.supervision.models import Supervision


class IssueForm(forms.Form):
    level = forms.ChoiceField(label="督办级别", choices=Supervision.Level.choices)
    answer_due_on = forms.DateField(label="回复期限", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="督办事由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    text = forms.CharField(label="回复内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(label="附件（可选）", required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TextForm(forms.Form):
    text = forms.CharField(label="内容", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="裁定", choices=[("uphold", "异议不成立，维持差错"), ("withdraw", "异议成立，撤销差错")])
    note = forms.CharField(label="裁定意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
