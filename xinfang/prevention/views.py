"""Pages of the prevention registers. Views parse input, call one service or selector, and render; every record is
opened through a scoped ``access_*`` selector, so another township's record is a 404 like a missing one."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.cases.selectors import cases_visible_to
from xinfang.core import clock
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.prevention import ledger_excel, selectors, services
from xinfang.prevention.forms import (
    AssessmentForm,
    DecisionDoneForm,
    DecisionForm,
    EntryForm,
    FollowUpForm,
    ImportForm,
    LinkForm,
    MeetingEditForm,
    MeetingForm,
    PetitionForm,
)
from xinfang.prevention.models import DisputeType, Resolution, RiskLevel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer(request):
    if not selectors.may_see_ledger(request.user):
        raise PermissionDenied("您没有查看矛盾纠纷排查台账的权限")


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _ctx(request, **extra):
    return {"nav": "prevention", "can_report": bool(selectors.reporting_units(request.user)), **extra}


# --- ledger ------------------------------------------------------------------------------------------------------


def _filters(request) -> dict[str, str]:
    get = request.GET
    return {
        "q": get.get("q", "").strip()[:50],
        "dispute_type": get.get("dispute_type", "") if get.get("dispute_type") in DisputeType.values else "",
        "risk_level": get.get("risk_level", "") if get.get("risk_level") in RiskLevel.values else "",
        "resolution": get.get("resolution", "") if get.get("resolution") in Resolution.values else "",
    }


def ledger_list(request):
    _viewer(request)
    filters = _filters(request)
    qs = selectors.filter_entries(selectors.entries_visible_to(request.user), **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "prevention/ledger_list.html",
        _ctx(
            request,
            page=page,
            filters=filters,
            query=query,
            types=DisputeType.choices,
            risks=RiskLevel.choices,
            resolutions=Resolution.choices,
            open_decisions=selectors.open_decisions_for(request.user)[:10],
        ),
    )


def _entry_input(form) -> services.EntryInput:
    d = form.cleaned_data
    return services.EntryInput(
        place=d["place"],
        parties=d["parties"],
        dispute_type=d["dispute_type"],
        summary=d["summary"],
        risk_level=d["risk_level"],
        reported_on=d["reported_on"],
        source=d["source"],
        responsible_unit=d["responsible_unit"],
        responsible_leader=d["responsible_leader"],
        measures=d["measures"],
        resolution=d["resolution"],
    )


@require_http_methods(["GET", "POST"])
def entry_new(request):
    _viewer(request)
    if not selectors.reporting_units(request.user):
        raise PermissionDenied("只有村（社区）、乡镇（街道）的工作人员可以报送矛盾纠纷")
    form = EntryForm(request.POST or None, user=request.user, initial={"reported_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.ledger_add(actor=request.user, data=_entry_input(form))
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记到排查台账")
            return redirect("prevention:entry", entry_id=entry.pk)
    return render(request, "prevention/entry_form.html", _ctx(request, form=form, title="新增排查记录"))


def entry_detail(request, entry_id):
    entry = _or_404(selectors.access_entry, request.user, entry_id)
    may_edit = selectors.may_edit_entry(request.user, entry)
    context = _ctx(
        request,
        entry=entry,
        followups=selectors.followup_rows(request.user, entry),
        case=selectors.linked_case(request.user, entry),
        may_edit=may_edit,
        followup_form=FollowUpForm(initial={"on": clock.today()}),
        meetings=selectors.meetings_visible_to(request.user).filter(entries=entry),
    )
    return render(request, "prevention/entry_detail.html", context)


def _editable(request, entry_id):
    entry = _or_404(selectors.access_entry, request.user, entry_id)
    if not selectors.may_edit_entry(request.user, entry):
        raise PermissionDenied("只有该村（社区）、乡镇（街道）的工作人员可以修改此记录")
    return entry


@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id):
    entry = _editable(request, entry_id)
    initial = {
        f: getattr(entry, f)
        for f in (
            "reported_on",
            "source",
            "place",
            "dispute_type",
            "risk_level",
            "parties",
            "summary",
            "responsible_unit",
            "responsible_leader",
            "measures",
            "resolution",
        )
    }
    form = EntryForm(request.POST or None, user=request.user, initial=initial)
    if entry.resolution == Resolution.PETITION:
        form.fields["resolution"].required = False
        form.fields["resolution"].disabled = True
        form.fields["resolution"].help_text = "已转为信访件，化解状态不再修改"
    if request.method == "POST" and form.is_valid():
        try:
            services.ledger_update(actor=request.user, entry=entry, data=_entry_input(form))
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("prevention:entry", entry_id=entry.pk)
    return render(
        request, "prevention/entry_form.html", _ctx(request, form=form, entry=entry, title="修改排查记录")
    )


@require_POST
def followup_new(request, entry_id):
    entry = _editable(request, entry_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写跟进日期和跟进情况")
    else:
        try:
            services.followup_add(actor=request.user, entry=entry, **form.cleaned_data)
        except (ValidationFailed, PermissionRefused) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已添加跟进记录")
    return redirect("prevention:entry", entry_id=entry.pk)


@require_http_methods(["GET", "POST"])
def followup_edit(request, entry_id, followup_id):
    entry = _or_404(selectors.access_entry, request.user, entry_id)
    followup = _or_404(selectors.entry_followup, entry, followup_id)
    if not selectors.may_edit_followup(request.user, entry, followup):
        raise PermissionDenied("只有记录人或本村（社区）、乡镇（街道）的报送人员可以更正跟进记录")
    form = FollowUpForm(request.POST or None, initial={"on": followup.on, "note": followup.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_correct(actor=request.user, entry=entry, followup=followup, **form.cleaned_data)
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已更正跟进记录，原内容保留在修改记录中")
            return redirect("prevention:entry", entry_id=entry.pk)
    return render(
        request,
        "prevention/followup_form.html",
        _ctx(request, form=form, entry=entry, followup=followup),
    )


@require_http_methods(["GET", "POST"])
def entry_to_petition(request, entry_id):
    entry = _editable(request, entry_id)
    if entry.case_id is not None:
        messages.info(request, "该纠纷已转为信访件")
        return redirect("prevention:entry", entry_id=entry.pk)
    names = services.split_names(entry.parties)
    form = PetitionForm(
        request.POST or None,
        initial={"petitioner_names": names[0] if names else "", "title": services.default_title(entry)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.PetitionInput(
            petitioner_names=services.split_names(d["petitioner_names"]),
            channel=d["channel"],
            claim_type=d["claim_type"],
            purpose=d["purpose"],
            title=d["title"],
        )
        try:
            case = services.ledger_to_petition(actor=request.user, entry=entry, data=data)
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已转为信访件并登记，编号 {case.number}")
            return redirect("prevention:entry", entry_id=entry.pk)
    return render(request, "prevention/entry_petition.html", _ctx(request, form=form, entry=entry))


def ledger_export(request):
    _viewer(request)
    qs = selectors.filter_entries(selectors.entries_visible_to(request.user), **_filters(request))
    response = HttpResponse(ledger_excel.export_entries(qs), content_type=XLSX)
    name = f"矛盾纠纷排查台账-{clock.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@require_http_methods(["GET", "POST"])
def ledger_import(request):
    _viewer(request)
    if not selectors.reporting_units(request.user):
        raise PermissionDenied("只有村（社区）、乡镇（街道）的工作人员可以导入排查台账")
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            form.add_error("file", "文件不能超过10MB")
        else:
            try:
                created = ledger_excel.import_entries(
                    content=upload.read(), scope=form.cleaned_data["scope"], actor=request.user
                )
            except ledger_excel.ImportRejected as exc:
                errors = exc.errors
            except ValidationFailed as exc:
                errors = [exc.message]
            else:
                messages.success(request, f"已导入 {len(created)} 条排查记录")
                return redirect("prevention:ledger")
    return render(request, "prevention/ledger_import.html", _ctx(request, form=form, errors=errors))


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def summary(request):
    _viewer(request)
    m = _MONTH.match(request.GET.get("month", ""))
    today = clock.today()
    month = today.replace(day=1)
    if m and 1 <= int(m[2]) <= 12 and 2000 <= int(m[1]) <= 2100:
        month = dt.date(int(m[1]), int(m[2]), 1)
    elif request.GET.get("month"):
        messages.warning(request, "月份格式应为 2026-10，已显示本月")
    data = selectors.monthly_summary(request.user, month)
    return render(request, "prevention/summary.html", _ctx(request, s=data, month_value=f"{month:%Y-%m}"))


# --- 联席研判 ------------------------------------------------------------------------------------------------------


def meeting_list(request):
    _viewer(request)
    return render(
        request,
        "prevention/meeting_list.html",
        _ctx(
            request,
            meetings=selectors.meetings_visible_to(request.user)[:100],
            open_decisions=selectors.open_decisions_for(request.user),
            today=clock.today(),
            can_record=bool(MeetingForm(user=request.user).fields["unit"].queryset.exists()),
        ),
    )


def _discussed_cases(request, form) -> list | None:
    """The items named in the form, among those the user may see; None (with the form error) if any is not."""
    numbers = form.case_number_list()
    found = {c.number: c for c in cases_visible_to(request.user).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        form.add_error("case_numbers", f"未找到信访件：{'、'.join(missing)}")
        return None
    return list(found.values())


@require_http_methods(["GET", "POST"])
def meeting_new(request):
    _viewer(request)
    form = MeetingForm(request.POST or None, user=request.user, initial={"held_on": clock.today()})
    if not form.fields["unit"].queryset.exists():
        raise PermissionDenied("您没有登记联席研判的权限")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        decisions = [
            services.DecisionInput(
                text=d[f"decision_{i}_text"],
                owner_unit=d[f"decision_{i}_owner"],
                due_on=d[f"decision_{i}_due"],
            )
            for i in range(1, form.DECISION_SLOTS + 1)
            if d[f"decision_{i}_text"] or d[f"decision_{i}_owner"] or d[f"decision_{i}_due"]
        ]
        cases = _discussed_cases(request, form)
        if cases is not None:
            data = services.MeetingInput(
                unit=d["unit"],
                held_on=d["held_on"],
                topic=d["topic"],
                notes=d["notes"],
                units_present=list(d["units_present"]),
                cases=cases,
                entries=list(d["entries"]),
                decisions=decisions,
            )
            try:
                meeting = services.meeting_record(actor=request.user, data=data)
            except (ValidationFailed, PermissionRefused) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已登记联席研判")
                return redirect("prevention:meeting", meeting_id=meeting.pk)
    return render(request, "prevention/meeting_form.html", _ctx(request, form=form))


def meeting_detail(request, meeting_id):
    meeting = _or_404(selectors.access_meeting, request.user, meeting_id)
    cases, entries = selectors.meeting_links(request.user, meeting)
    may_edit = selectors.may_edit_meeting(request.user, meeting)
    decisions = list(meeting.decisions.select_related("owner_unit", "done_by", "updated_by"))
    for d in decisions:
        d.may_complete = d.done_on is None and selectors.may_complete_decision(request.user, d)
        d.may_edit = d.done_on is None and may_edit
    return render(
        request,
        "prevention/meeting_detail.html",
        _ctx(
            request,
            meeting=meeting,
            cases=cases,
            entries=entries,
            decisions=decisions,
            today=clock.today(),
            units_present=meeting.units_present.all(),
            done_form=DecisionDoneForm(),
            may_edit=may_edit,
            revisions=list(meeting.revisions.select_related("actor", "decision")),
        ),
    )


def _convened(request, meeting_id):
    """The meeting, if the user may see it (else 404) and change it (else 403, as for the ledger's edits)."""
    meeting = _or_404(selectors.access_meeting, request.user, meeting_id)
    if not selectors.may_edit_meeting(request.user, meeting):
        raise PermissionDenied(f"只有召集单位（{meeting.unit.name}）的工作人员可以修改该联席研判")
    return meeting


@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id):
    meeting = _convened(request, meeting_id)
    seen_cases, seen_entries = selectors.meeting_links(request.user, meeting)
    initial = {
        "held_on": meeting.held_on,
        "topic": meeting.topic,
        "notes": meeting.notes,
        "units_present": list(meeting.units_present.all()),
        "case_numbers": "\n".join(c.number for c in seen_cases),
        "entries": seen_entries,
    }
    form = MeetingEditForm(request.POST or None, user=request.user, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        cases = _discussed_cases(request, form)
        if cases is not None:
            data = services.MeetingEdit(
                held_on=d["held_on"],
                topic=d["topic"],
                notes=d["notes"],
                units_present=list(d["units_present"]),
                cases=cases,
                entries=list(d["entries"]),
            )
            try:
                services.meeting_update(actor=request.user, meeting=meeting, data=data)
            except (ValidationFailed, PermissionRefused) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存，修改前的内容保留在修改记录中")
                return redirect("prevention:meeting", meeting_id=meeting.pk)
    return render(request, "prevention/meeting_edit.html", _ctx(request, form=form, meeting=meeting))


@require_http_methods(["GET", "POST"])
def decision_edit(request, meeting_id, decision_id):
    meeting = _convened(request, meeting_id)
    decision = _or_404(selectors.meeting_decision, meeting, decision_id)
    if decision.done_on is not None:
        messages.error(request, "该议定事项已办结，不能修改")
        return redirect("prevention:meeting", meeting_id=meeting.pk)
    initial = {"text": decision.text, "owner_unit": decision.owner_unit, "due_on": decision.due_on}
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(
                actor=request.user, decision=decision, data=services.DecisionInput(**form.cleaned_data)
            )
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存，修改前的内容保留在修改记录中")
            return redirect("prevention:meeting", meeting_id=meeting.pk)
    return render(
        request,
        "prevention/decision_form.html",
        _ctx(request, form=form, meeting=meeting, decision=decision),
    )


@require_POST
def decision_done(request, meeting_id, decision_id):
    meeting = _or_404(selectors.access_meeting, request.user, meeting_id)
    decision = _or_404(selectors.meeting_decision, meeting, decision_id)
    form = DecisionDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写落实情况")
    else:
        try:
            services.decision_complete(actor=request.user, decision=decision, note=form.cleaned_data["note"])
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办结该议定事项")
    return redirect("prevention:meeting", meeting_id=meeting.pk)


# --- 稳评 ----------------------------------------------------------------------------------------------------------


def assessment_list(request):
    _viewer(request)
    can_record = AssessmentForm(user=request.user).fields["unit"].queryset.exists()
    return render(
        request,
        "prevention/assessment_list.html",
        _ctx(
            request, assessments=selectors.assessments_visible_to(request.user)[:200], can_record=can_record
        ),
    )


@require_http_methods(["GET", "POST"])
def assessment_new(request):
    _viewer(request)
    form = AssessmentForm(request.POST or None, user=request.user, initial={"decided_on": clock.today()})
    if not form.fields["unit"].queryset.exists():
        raise PermissionDenied("您没有登记稳评的权限")
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                actor=request.user, data=services.AssessmentInput(**form.cleaned_data)
            )
        except (ValidationFailed, PermissionRefused) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记稳评")
            return redirect("prevention:assessment", assessment_id=assessment.pk)
    return render(request, "prevention/assessment_form.html", _ctx(request, form=form))


def assessment_detail(request, assessment_id):
    assessment = _or_404(selectors.access_assessment, request.user, assessment_id)
    return render(
        request,
        "prevention/assessment_detail.html",
        _ctx(
            request,
            assessment=assessment,
            linked=selectors.assessment_cases(request.user, assessment),
            may_link=selectors.may_record(request.user, assessment.unit),
            link_form=LinkForm(),
        ),
    )


@require_POST
def assessment_link(request, assessment_id):
    assessment = _or_404(selectors.access_assessment, request.user, assessment_id)
    if not selectors.may_record(request.user, assessment.unit):
        raise PermissionDenied("您没有在该单位登记稳评的权限")
    form = LinkForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["case_number"].strip()
        case = cases_visible_to(request.user).filter(number=number).first()
        if case is None:
            messages.error(request, f"未找到信访件 {number}")
        else:
            try:
                services.assessment_link_case(
                    actor=request.user, assessment=assessment, case=case, note=form.cleaned_data["note"]
                )
            except ValidationFailed as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已关联信访件 {case.number}")
    else:
        messages.error(request, "请填写信访件编号")
    return redirect("prevention:assessment", assessment_id=assessment.pk)
